// `csb`: the paper's projection (ICS'20 Alg. 1 RowPrune/ColumnPrune, one shot) plus the count
// adjustment (docs/pruning.md §csb). Reads rate and block.
#include <algorithm>

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
    csb_paper_projection(w, p.rate, s);
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
