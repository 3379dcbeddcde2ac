// `csb-global`: our one-shot CSB variant, global segment ranking plus alternating refinement
// (docs/pruning.md §csb-global). Reads rate, block and refine_iters.
#include <cmath>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "prune/methods/csb_common.h"
#include "prune/prune.h"
#include "prune/prune_stats.h"
#include "prune/rank.h"

namespace csbrnn {
namespace {

/// Greedy fill: items with value v and cost k > 0, sorted by v/k descending (ties by index),
/// taken while they fit in `budget`. Returns the taken flags; cost-0 items are left out (-1).
std::vector<int8_t> greedy_fill(const std::vector<double>& val, const std::vector<int>& cost,
                                size_t budget, size_t& used) {
  std::vector<double> key(val.size());
  for (size_t t = 0; t < val.size(); ++t) key[t] = cost[t] > 0 ? -val[t] / cost[t] : 0.0;
  std::vector<int8_t> take(val.size(), -1);
  used = 0;
  for (uint32_t t : order_ascending(key)) {
    if (cost[t] <= 0) continue;
    if (used + size_t(cost[t]) <= budget) {
      take[t] = 1;
      used += size_t(cost[t]);
    } else {
      take[t] = 0;
    }
  }
  return take;
}

/// Column step: given rowkeep, choose the column segments globally (mean square over the
/// block's kept rows, greedy fill of the target). Segments of blocks without kept rows keep
/// their previous state (they cost nothing and let the block revive in a later row step).
void select_columns(const Matrix& w, CsbState& s, size_t target) {
  const auto kr = s.kr();
  const auto e = s.col_energy(w);
  std::vector<int> cost(e.size());
  for (int i = 0; i < s.BR; ++i)
    for (int c = 0; c < s.C; ++c) cost[size_t(i) * s.C + c] = kr[size_t(i) * s.BC + c / s.bw];
  size_t used;
  const auto take = greedy_fill(e, cost, target, used);
  for (size_t t = 0; t < take.size(); ++t)
    if (take[t] >= 0) s.colkeep[t] = uint8_t(take[t]);
}

void select_rows(const Matrix& w, CsbState& s, size_t target) {
  const auto kc = s.kc();
  const auto e = s.row_energy(w, true);
  std::vector<int> cost(e.size());
  for (int r = 0; r < s.R; ++r)
    for (int j = 0; j < s.BC; ++j) cost[size_t(r) * s.BC + j] = kc[size_t(r / s.bh) * s.BC + j];
  size_t used;
  const auto take = greedy_fill(e, cost, target, used);
  for (size_t t = 0; t < take.size(); ++t)
    if (take[t] >= 0) s.rowkeep[t] = uint8_t(take[t]);
}

class CsbGlobal final : public CsbStructuredMethod {
 public:
  const char* name() const override { return "csb-global"; }
  const char* description() const override {
    return "global segment ranking + alternating refinement (--refine N passes)";
  }

  void check_params(const Matrix& w, const PruneParams& p, const std::string& what) const override {
    CsbStructuredMethod::check_params(w, p, what);
    if (p.refine_iters < 0) fail(what, ": refinement passes must be >= 0");
  }

  void project(const Matrix& w, const PruneParams& p, MatrixPrune& out) const override {
    CsbState s(w.rows, w.cols, p.block.bh, p.block.bw);
    const size_t n = size_t(w.rows) * w.cols;
    const double q = 1.0 - std::sqrt(1.0 / p.rate);
    // Init, step 1: global ranking of all row segments by mean square (energy per weight);
    // prune the lowest until round(q * n) weights are removed.
    {
      const auto e1 = s.row_energy(w, false);
      std::vector<double> key(e1.size());
      for (size_t t = 0; t < e1.size(); ++t) key[t] = e1[t] / s.strip_width(int(t % s.BC));
      const size_t remove = size_t(std::llround(q * double(n)));
      size_t removed = 0;
      for (uint32_t t : order_ascending(key)) {
        if (removed >= remove) break;
        s.rowkeep[t] = 0;
        removed += size_t(s.strip_width(int(t % s.BC)));
      }
    }
    // Init, step 2: global column selection filling the target.
    select_columns(w, s, out.target);
    out.projection_kept = s.kept();
    // Alternating refinement; keep the best state seen.
    CsbState best = s;
    double best_e = s.energy(w);
    for (int it = 0; it < p.refine_iters; ++it) {
      select_rows(w, s, out.target);
      select_columns(w, s, out.target);
      const double e = s.energy(w);
      if (e > best_e * (1 + 1e-12)) {
        best_e = e;
        best = s;
      } else {
        break;
      }
    }
    out.keep = best.mask();
  }

  void report_matrix(const MatrixStats& s, nlohmann::json& j) const override {
    j["init_kept"] = s.projection_kept;
  }
  void report_run(const PruneParams& p, nlohmann::json& j) const override {
    j["refine"] = p.refine_iters;
  }
};

}  // namespace

namespace prune_methods {
const PruneMethod& csb_global() {
  static const CsbGlobal m;
  return m;
}
}  // namespace prune_methods

}  // namespace csbrnn
