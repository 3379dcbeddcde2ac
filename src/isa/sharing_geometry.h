// Neighbour workload sharing, the geometry (docs/architecture.md §4, §9.3): how a group's kernel is
// cut into a local piece, a horizontal piece (given to the right neighbour (k, l+1 mod L)) and a
// vertical piece (given to the lower neighbour (k+1 mod K, l)), which cuts are legal, and the
// tiles each group then issues. Part of the ISA: a program's micro items are these pieces. The
// scheduler that picks the cuts is the compiler's (compile/sharing.h).
//
// Geometry (kernel coordinates, rows 0..kr-1, cols 0..kc-1); h_rows, v_cols are the cut sizes:
//   RowsFirst: horizontal = rows [0,h_rows) x cols [0,kc)
//              vertical   = rows [h_rows,kr) x cols [0,v_cols)
//              local      = rows [h_rows,kr) x cols [v_cols,kc)
//   ColsFirst: vertical   = rows [0,kr) x cols [0,v_cols)
//              horizontal = rows [0,h_rows) x cols [v_cols,kc)
//              local      = rows [h_rows,kr) x cols [v_cols,kc)
// Cut sizes are multiples of P (h_rows) and Q (v_cols), or the whole extent (h_rows == kr,
// v_cols == kc); v_cols <= floor(max_vertical_fraction * kc) unless 0. A piece's cost is its
// tile count ceil(rows/P) * ceil(cols/Q); with aligned cuts the three pieces' tiles add up to
// the kernel's ceil(kr/P) * ceil(kc/Q). Sharing never changes the arithmetic (which products
// are summed into which neuron), only who computes them.
#pragma once
#include <cstdint>
#include <vector>

#include "config/hw_config.h"

namespace csbrnn {

struct KernelSize {
  int kr = 0, kc = 0;  // 0 x 0: the group holds no block this iteration (past the matrix edge)
};

enum class CutOrder : uint8_t { RowsFirst = 0, ColsFirst = 1 };

struct GroupShare {
  CutOrder order = CutOrder::RowsFirst;
  int h_rows = 0;  // kernel rows in the horizontal piece (given right)
  int v_cols = 0;  // kernel cols in the vertical piece (given down)
};

struct Piece {
  int row0 = 0, rows = 0, col0 = 0, cols = 0;
  bool empty() const { return rows == 0 || cols == 0; }
};

struct SplitPieces {
  Piece local, horizontal, vertical;
};

struct ShareParams {
  int K = 4, L = 4, P = 4, Q = 4;
  SharingMode mode = SharingMode::TwoD;
  double max_vertical_fraction = 0.5;
};

inline int64_t piece_tiles(const Piece& p, int P, int Q) {
  return p.empty() ? 0 : int64_t((p.rows + P - 1) / P) * ((p.cols + Q - 1) / Q);
}

/// The three pieces of a kernel under a share decision (see the geometry above).
SplitPieces split_kernel(KernelSize k, const GroupShare& s);
/// Whether `s` is legal for kernel `k` under `p` (alignment, limits, mode).
bool share_is_legal(KernelSize k, const GroupShare& s, const ShareParams& p);

/// Tiles issued per group for a given set of decisions (no optimisation): the definition of
/// `load` that the scheduler, the compiler, the timing model and the simulator all share.
std::vector<int64_t> group_loads(const std::vector<KernelSize>& kernels,
                                 const std::vector<GroupShare>& share, const ShareParams& p);

namespace sharing {
/// Whether group sharing is possible in each direction under `p` (mode and torus sizes: a
/// direction whose torus size is 1 would make a group its own neighbour, so it is disabled).
bool horizontal_allowed(const ShareParams& p);
bool vertical_allowed(const ShareParams& p);
/// floor(fraction * kc): the widest legal vertical piece of a kernel with kc columns.
int max_vertical_cols(int kc, double fraction);
}  // namespace sharing

}  // namespace csbrnn
