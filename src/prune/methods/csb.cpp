// `csb`: the paper's projection (ICS'20 Alg. 1 RowPrune/ColumnPrune, one shot) plus the count
// adjustment (docs/pruning.md §csb). Reads rate and block.
#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "prune/methods/csb_common.h"
#include "prune/prune.h"
#include "prune/prune_stats.h"
#include "prune/rank.h"

namespace csbrnn {
namespace {

/// Count adjustment of the paper's projection: prunes further column segments (lowest mean
/// square over the block's kept rows first) while the kept count exceeds the target, or restores
/// pruned ones (highest first, only while they fit) when it falls short.
void adjust_columns(const Matrix& w, CsbState& s, size_t target) {
  size_t kept = s.kept();
  if (kept == target) return;
  const auto kr = s.kr();
  const auto e = s.col_energy(w);
  const bool shrink = kept > target;
  std::vector<double> key;
  std::vector<size_t> seg;
  for (int i = 0; i < s.BR; ++i)
    for (int c = 0; c < s.C; ++c) {
      const size_t t = size_t(i) * s.C + c;
      const int k = kr[size_t(i) * s.BC + c / s.bw];
      if (k == 0 || bool(s.colkeep[t]) != shrink) continue;
      seg.push_back(t);
      key.push_back(shrink ? e[t] / k : -e[t] / k);
    }
  for (uint32_t o : order_ascending(key)) {
    const size_t t = seg[o];
    const size_t k = size_t(kr[(t / s.C) * s.BC + (t % s.C) / s.bw]);
    if (shrink) {
      if (kept <= target) break;
      s.colkeep[t] = 0;
      kept -= k;
    } else if (kept + k <= target) {
      s.colkeep[t] = 1;
      kept += k;
    }
  }
}

class CsbPaper final : public CsbStructuredMethod {
 public:
  const char* name() const override { return "csb"; }
  const char* description() const override {
    return "the paper's projection: per-strip row then column segment pruning";
  }

  void project(const Matrix& w, const PruneParams& p, MatrixPrune& out) const override {
    CsbState s(w.rows, w.cols, p.block.bh, p.block.bw);
    const double q = 1.0 - std::sqrt(1.0 / p.rate);
    std::vector<int> scratch;
    // Step 1 (RowPrune): per block-column strip j, rank the R row segments by l2 norm and prune
    // round(q * R) of them.
    {
      const auto e1 = s.row_energy(w, false);
      std::vector<double> key(s.R);
      std::vector<uint8_t> pruned(s.R);
      const int n1 = int(std::llround(q * s.R));
      for (int j = 0; j < s.BC; ++j) {
        for (int r = 0; r < s.R; ++r) key[r] = e1[size_t(r) * s.BC + j];
        std::fill(pruned.begin(), pruned.end(), uint8_t(0));
        mark_smallest(key.data(), s.R, n1, pruned.data(), scratch);
        for (int r = 0; r < s.R; ++r)
          if (pruned[r]) s.rowkeep[size_t(r) * s.BC + j] = 0;
      }
    }
    // Step 2 (ColumnPrune): per block-row strip i, rank the C column segments (energy of the
    // weights surviving step 1) and prune round(q * C) of them.
    {
      const auto e2 = s.col_energy(w);
      std::vector<uint8_t> pruned(s.C);
      const int n2 = int(std::llround(q * s.C));
      for (int i = 0; i < s.BR; ++i) {
        std::fill(pruned.begin(), pruned.end(), uint8_t(0));
        mark_smallest(&e2[size_t(i) * s.C], s.C, n2, pruned.data(), scratch);
        for (int c = 0; c < s.C; ++c)
          if (pruned[c]) s.colkeep[size_t(i) * s.C + c] = 0;
      }
    }
    out.projection_kept = s.kept();
    adjust_columns(w, s, out.target);
    out.keep = s.mask();
  }

  void report_matrix(const MatrixStats& s, nlohmann::json& j) const override {
    j["projection_kept_before_adjust"] = s.projection_kept;
  }
};

}  // namespace

namespace prune_methods {
const PruneMethod& csb() {
  static const CsbPaper m;
  return m;
}
}  // namespace prune_methods

}  // namespace csbrnn
