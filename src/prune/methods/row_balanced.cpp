// `row-balanced` (ESE): every row keeps its k = clamp(round(T/R), 1, C) largest |w|. Reads rate
// only.
#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "prune/method.h"
#include "prune/prune.h"
#include "prune/prune_stats.h"
#include "prune/rank.h"

namespace csbrnn {
namespace {

class RowBalanced final : public PruneMethod {
 public:
  const char* name() const override { return "row-balanced"; }
  const char* description() const override { return "every row keeps the same count (ESE)"; }

  void project(const Matrix& w, const PruneParams& /*p*/, MatrixPrune& out) const override {
    const int k = int(std::clamp<long long>(std::llround(double(out.target) / w.rows), 1, w.cols));
    std::vector<float> a(w.cols), scratch;
    out.keep.resize(w.size());
    for (int r = 0; r < w.rows; ++r) {
      for (int c = 0; c < w.cols; ++c) a[c] = std::fabs(w.at(r, c));
      keep_top_k(a.data(), a.size(), size_t(k), &out.keep[size_t(r) * w.cols], scratch);
    }
  }

  uint64_t index_bits(const Matrix& w, const PruneParams& /*p*/, const MatrixPrune& r,
                      std::string* format) const override {
    const int cb = index_bits_for(w.cols);
    if (format) *format = cat("row-balanced: ", cb, "-bit column index per non-zero");
    return uint64_t(r.kept) * cb;
  }

  size_t count_step(const Matrix& w, const PruneParams& /*p*/) const override {
    return size_t(w.rows + 1) / 2;
  }

  std::string miss_reason(const MatrixStats& s) const override {
    return cat("every row keeps the same count, at least one weight (", s.rows, " rows)");
  }
};

}  // namespace

namespace prune_methods {
const PruneMethod& row_balanced() {
  static const RowBalanced m;
  return m;
}
}  // namespace prune_methods

}  // namespace csbrnn
