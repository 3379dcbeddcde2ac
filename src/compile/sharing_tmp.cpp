// TEMPORARY stand-in for the sharing scheduler (branch `sched` writes the real sharing.cpp).
// It implements the geometry of sharing.h; schedule_iteration makes a fixed, legal but NOT
// optimal choice (half the rows right, the allowed columns down) so the compiler's and the
// interpreter's sharing paths are exercised until the real scheduler lands.
// DELETE this file when `git merge main` brings src/compile/sharing.cpp.
#include <algorithm>

#include "compile/sharing.h"

namespace csbrnn {

SplitPieces split_kernel(KernelSize k, const GroupShare& s) {
  SplitPieces r;
  if (s.order == CutOrder::RowsFirst) {
    r.horizontal = {0, s.h_rows, 0, k.kc};
    r.vertical = {s.h_rows, k.kr - s.h_rows, 0, s.v_cols};
    r.local = {s.h_rows, k.kr - s.h_rows, s.v_cols, k.kc - s.v_cols};
  } else {
    r.vertical = {0, k.kr, 0, s.v_cols};
    r.horizontal = {0, s.h_rows, s.v_cols, k.kc - s.v_cols};
    r.local = {s.h_rows, k.kr - s.h_rows, s.v_cols, k.kc - s.v_cols};
  }
  return r;
}

bool share_is_legal(KernelSize k, const GroupShare& s, const ShareParams& p) {
  if (s.h_rows < 0 || s.v_cols < 0 || s.h_rows > k.kr || s.v_cols > k.kc) return false;
  if (s.h_rows % p.P != 0 && s.h_rows != k.kr) return false;
  if (s.v_cols % p.Q != 0 && s.v_cols != k.kc) return false;
  if (s.v_cols > 0 && s.v_cols > int(p.max_vertical_fraction * k.kc)) return false;
  if (s.h_rows > 0 && (p.mode == SharingMode::None || p.mode == SharingMode::Vertical))
    return false;
  if (s.v_cols > 0 && (p.mode == SharingMode::None || p.mode == SharingMode::Horizontal))
    return false;
  return true;
}

std::vector<int64_t> group_loads(const std::vector<KernelSize>& kernels,
                                 const std::vector<GroupShare>& share, const ShareParams& p) {
  std::vector<int64_t> load(kernels.size(), 0);
  for (int k = 0; k < p.K; ++k)
    for (int l = 0; l < p.L; ++l) {
      const size_t g = size_t(k) * p.L + l;
      const SplitPieces s = split_kernel(kernels[g], share[g]);
      load[g] += piece_tiles(s.local, p.P, p.Q);
      load[size_t(k) * p.L + (l + 1) % p.L] += piece_tiles(s.horizontal, p.P, p.Q);
      load[size_t((k + 1) % p.K) * p.L + l] += piece_tiles(s.vertical, p.P, p.Q);
    }
  return load;
}

IterationSchedule schedule_iteration(const std::vector<KernelSize>& kernels, const ShareParams& p) {
  IterationSchedule r;
  r.share.assign(kernels.size(), GroupShare{});
  const bool hz = p.mode == SharingMode::Horizontal || p.mode == SharingMode::TwoD;
  const bool vt = p.mode == SharingMode::Vertical || p.mode == SharingMode::TwoD;
  for (size_t g = 0; g < kernels.size(); ++g) {
    GroupShare s;
    s.order = g % 2 ? CutOrder::ColsFirst : CutOrder::RowsFirst;
    if (hz) s.h_rows = (kernels[g].kr / 2) / p.P * p.P;
    if (vt) s.v_cols = int(p.max_vertical_fraction * kernels[g].kc) / p.Q * p.Q;
    if (share_is_legal(kernels[g], s, p)) r.share[g] = s;
  }
  std::vector<int64_t> none(kernels.size(), 0);
  for (size_t g = 0; g < kernels.size(); ++g)
    none[g] = int64_t((kernels[g].kr + p.P - 1) / p.P) * ((kernels[g].kc + p.Q - 1) / p.Q);
  r.load = group_loads(kernels, r.share, p);
  for (int64_t v : r.load) r.makespan = std::max(r.makespan, v);
  for (int64_t v : none) r.unshared_makespan = std::max(r.unshared_makespan, v);
  r.proven_optimal = false;
  return r;
}

}  // namespace csbrnn
