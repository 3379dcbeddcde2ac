// `row-column` (Wen et al. ISS): whole rows, then whole columns of the matrix, by l2 norm; the
// kept set is kept-rows x kept-cols. Reads rate only.
#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "prune/method.h"
#include "prune/prune.h"
#include "prune/prune_stats.h"
#include "prune/rank.h"

namespace csbrnn {
namespace {

class RowColumn final : public PruneMethod {
 public:
  const char* name() const override { return "row-column"; }
  const char* description() const override {
    return "whole rows and columns of the matrix (Wen et al. ISS)";
  }

  void project(const Matrix& w, const PruneParams& p, MatrixPrune& out) const override {
    const int R = w.rows, C = w.cols;
    const int kr = int(std::clamp<long long>(std::llround(R * std::sqrt(1.0 / p.rate)), 1, R));
    std::vector<double> e(R, 0.0);
    for (int r = 0; r < R; ++r)
      for (int c = 0; c < C; ++c) e[r] += sq(w.at(r, c));
    std::vector<uint8_t> rpruned(R, 0), cpruned(C, 0);
    std::vector<int> scratch;
    mark_smallest(e.data(), R, R - kr, rpruned.data(), scratch);
    const int kc = int(std::clamp<long long>(std::llround(double(out.target) / kr), 1, C));
    std::vector<double> ec(C, 0.0);
    for (int r = 0; r < R; ++r)
      if (!rpruned[r])
        for (int c = 0; c < C; ++c) ec[c] += sq(w.at(r, c));
    mark_smallest(ec.data(), C, C - kc, cpruned.data(), scratch);
    out.keep.assign(w.size(), 0);
    for (int r = 0; r < R; ++r)
      if (!rpruned[r]) out.kept_rows.push_back(r);
    for (int c = 0; c < C; ++c)
      if (!cpruned[c]) out.kept_cols.push_back(c);
    for (int r : out.kept_rows)
      for (int c : out.kept_cols) out.keep[size_t(r) * C + c] = 1;
  }

  uint64_t index_bits(const Matrix& w, const PruneParams& /*p*/, const MatrixPrune& r,
                      std::string* format) const override {
    const int rb = index_bits_for(w.rows), cb = index_bits_for(w.cols);
    if (format)
      *format = cat("row-column: kept row list (", rb, " bits each) + kept column list (", cb,
                    " bits each) + two counters");
    return uint64_t(r.kept_rows.size()) * rb + uint64_t(r.kept_cols.size()) * cb +
           index_bits_for(uint64_t(w.rows) + 1) + index_bits_for(uint64_t(w.cols) + 1);
  }

  size_t count_step(const Matrix& w, const PruneParams& /*p*/) const override {
    return size_t(w.rows + 1) / 2;
  }
};

}  // namespace

namespace prune_methods {
const PruneMethod& row_column() {
  static const RowColumn m;
  return m;
}
}  // namespace prune_methods

}  // namespace csbrnn
