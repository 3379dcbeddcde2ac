// Neighbour workload sharing: geometry, legality and loads (isa/sharing_geometry.h,
// docs/sharing.md). The search that picks the cuts is the compiler's (compile/sharing_solver.cpp).
#include "isa/sharing_geometry.h"

#include <cmath>

#include "common/error.h"

namespace csbrnn {

namespace {

void check_kernel(KernelSize k) {
  if (k.kr < 0 || k.kc < 0) fail("sharing: negative kernel size ", k.kr, "x", k.kc);
}

}  // namespace

namespace sharing {

bool horizontal_allowed(const ShareParams& p) {
  return (p.mode == SharingMode::Horizontal || p.mode == SharingMode::TwoD) && p.L > 1;
}
bool vertical_allowed(const ShareParams& p) {
  return (p.mode == SharingMode::Vertical || p.mode == SharingMode::TwoD) && p.K > 1;
}

int max_vertical_cols(int kc, double fraction) {
  // floor(fraction * kc); the epsilon keeps e.g. 0.29 * 100 at 29 despite binary rounding.
  return int(std::floor(fraction * kc + 1e-9));
}

}  // namespace sharing

SplitPieces split_kernel(KernelSize k, const GroupShare& s) {
  check_kernel(k);
  if (s.h_rows < 0 || s.hl_rows < 0 || s.h_rows + s.hl_rows > k.kr || s.v_cols < 0 ||
      s.vu_cols < 0 || s.v_cols + s.vu_cols > k.kc)
    fail("sharing: cut ", s.h_rows, "+", s.hl_rows, " rows / ", s.v_cols, "+", s.vu_cols,
         " cols outside kernel ", k.kr, "x", k.kc);
  SplitPieces out;
  const int h = s.h_rows, v = s.v_cols, H = h + s.hl_rows, V = v + s.vu_cols;
  if (s.order == CutOrder::RowsFirst) {
    out.horizontal = {0, h, 0, k.kc};
    out.left = {h, s.hl_rows, 0, k.kc};
    out.vertical = {H, k.kr - H, 0, v};
    out.up = {H, k.kr - H, v, s.vu_cols};
  } else {
    out.vertical = {0, k.kr, 0, v};
    out.up = {0, k.kr, v, s.vu_cols};
    out.horizontal = {0, h, V, k.kc - V};
    out.left = {h, s.hl_rows, V, k.kc - V};
  }
  out.local = {H, k.kr - H, V, k.kc - V};
  return out;
}

bool share_is_legal(KernelSize k, const GroupShare& s, const ShareParams& p) {
  if (k.kr < 0 || k.kc < 0 || p.P < 1 || p.Q < 1) return false;
  if (s.order != CutOrder::RowsFirst && s.order != CutOrder::ColsFirst) return false;
  if (s.h_rows < 0 || s.hl_rows < 0 || s.v_cols < 0 || s.vu_cols < 0) return false;
  const int H = s.h_rows + s.hl_rows, V = s.v_cols + s.vu_cols;
  if (H > k.kr || V > k.kc) return false;
  if ((s.hl_rows > 0 || s.vu_cols > 0) && p.neighbours != 4) return false;
  if (H == 0 && V == 0) return true;         // no sharing is always legal
  if (k.kr == 0 || k.kc == 0) return false;  // nothing to give
  if (H > 0) {
    if (!sharing::horizontal_allowed(p)) return false;
    if (s.h_rows % p.P != 0 && s.h_rows != k.kr) return false;
    if (H % p.P != 0 && H != k.kr) return false;
  }
  if (V > 0) {
    if (!sharing::vertical_allowed(p)) return false;
    if (s.v_cols % p.Q != 0 && s.v_cols != k.kc) return false;
    if (V % p.Q != 0 && V != k.kc) return false;
    if (V > sharing::max_vertical_cols(k.kc, p.max_vertical_fraction)) return false;
  }
  return true;
}

std::vector<int64_t> group_loads(const std::vector<KernelSize>& kernels,
                                 const std::vector<GroupShare>& share, const ShareParams& p) {
  if (p.K < 1 || p.L < 1 || p.P < 1 || p.Q < 1)
    fail("sharing: bad engine shape ", p.K, "x", p.L, " groups of ", p.P, "x", p.Q, " PEs");
  const size_t G = size_t(p.K) * p.L;
  if (kernels.size() != G || share.size() != G)
    fail("sharing: ", kernels.size(), " kernels and ", share.size(), " decisions for ", G,
         " groups");
  std::vector<int64_t> load(G, 0);
  for (int k = 0; k < p.K; ++k) {
    for (int l = 0; l < p.L; ++l) {
      const size_t g = size_t(k) * p.L + l;
      const SplitPieces s = split_kernel(kernels[g], share[g]);
      load[g] += piece_tiles(s.local, p.P, p.Q);
      load[size_t(k) * p.L + (l + 1) % p.L] += piece_tiles(s.horizontal, p.P, p.Q);
      load[size_t((k + 1) % p.K) * p.L + l] += piece_tiles(s.vertical, p.P, p.Q);
      load[size_t(k) * p.L + (l + p.L - 1) % p.L] += piece_tiles(s.left, p.P, p.Q);
      load[size_t((k + p.K - 1) % p.K) * p.L + l] += piece_tiles(s.up, p.P, p.Q);
    }
  }
  return load;
}

}  // namespace csbrnn
