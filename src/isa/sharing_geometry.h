// Neighbour workload sharing, the geometry (docs/architecture.md §4, §9.3): how a group's kernel is
// cut into a local piece, a horizontal piece (given to the right neighbour (k, l+1 mod L)) and a
// vertical piece (given to the lower neighbour (k+1 mod K, l)) — and, with sharing.neighbours = 4,
// a second horizontal piece (given to the left neighbour (k, l-1 mod L)) and a second vertical
// piece (given to the upper neighbour (k-1 mod K, l)) — which cuts are legal, and the tiles each
// group then issues. Part of the ISA: a program's micro items are these pieces. The
// scheduler that picks the cuts is the compiler's (compile/sharing.h).
//
// Geometry (kernel coordinates, rows 0..kr-1, cols 0..kc-1); h = h_rows, hl = hl_rows, v = v_cols,
// vu = vu_cols are the cut sizes, H = h + hl, V = v + vu (hl = vu = 0 unless neighbours = 4):
//   RowsFirst: horizontal = rows [0,h) x cols [0,kc)        (right)
//              left       = rows [h,H) x cols [0,kc)
//              vertical   = rows [H,kr) x cols [0,v)        (down)
//              up         = rows [H,kr) x cols [v,V)
//              local      = rows [H,kr) x cols [V,kc)
//   ColsFirst: vertical   = rows [0,kr) x cols [0,v)        (down)
//              up         = rows [0,kr) x cols [v,V)
//              horizontal = rows [0,h) x cols [V,kc)        (right)
//              left       = rows [h,H) x cols [V,kc)
//              local      = rows [H,kr) x cols [V,kc)
// The cut positions h and H are multiples of P, v and V multiples of Q, or the whole extent (kr,
// kc); V <= floor(max_vertical_fraction * kc) unless 0. A piece's cost is its tile count
// ceil(rows/P) * ceil(cols/Q); with aligned cuts the pieces' tiles add up to the kernel's
// ceil(kr/P) * ceil(kc/Q). Sharing never changes the arithmetic (which products
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
  int h_rows = 0;   // kernel rows in the horizontal piece (given right)
  int v_cols = 0;   // kernel cols in the vertical piece (given down)
  int hl_rows = 0;  // kernel rows in the left piece (given left; sharing.neighbours = 4)
  int vu_cols = 0;  // kernel cols in the up piece (given up; sharing.neighbours = 4)
};

struct Piece {
  int row0 = 0, rows = 0, col0 = 0, cols = 0;
  bool empty() const { return rows == 0 || cols == 0; }
};

struct SplitPieces {
  Piece local, horizontal, vertical;  // horizontal: given right; vertical: given down
  Piece left, up;                     // given left / up (empty unless sharing.neighbours = 4)
};

struct ShareParams {
  int K = 4, L = 4, P = 4, Q = 4;
  SharingMode mode = SharingMode::TwoD;
  double max_vertical_fraction = 0.5;
  int neighbours = 2;  // sharing.neighbours: 2 (right, down) or 4 (also left, up)
};

inline int64_t piece_tiles(const Piece& p, int P, int Q) {
  return p.empty() ? 0 : int64_t((p.rows + P - 1) / P) * ((p.cols + Q - 1) / Q);
}

/// The pieces of a kernel under a share decision (see the geometry above).
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
