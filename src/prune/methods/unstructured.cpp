// `unstructured`: global magnitude, the T largest |w| (exactly T; the energy optimum for any
// count). Index format: CSR. Reads rate only.
#include <cmath>

#include "common/error.h"
#include "prune/method.h"
#include "prune/prune.h"
#include "prune/prune_stats.h"
#include "prune/rank.h"

namespace csbrnn {
namespace {

class Unstructured final : public PruneMethod {
 public:
  const char* name() const override { return "unstructured"; }
  const char* description() const override { return "global magnitude: the T largest |w|"; }

  void project(const Matrix& w, const PruneParams& /*p*/, MatrixPrune& out) const override {
    std::vector<float> a(w.size()), scratch;
    for (size_t t = 0; t < w.size(); ++t) a[t] = std::fabs(w.data[t]);
    out.keep.resize(w.size());
    keep_top_k(a.data(), a.size(), out.target, out.keep.data(), scratch);
  }

  uint64_t index_bits(const Matrix& w, const PruneParams& /*p*/, const MatrixPrune& r,
                      std::string* format) const override {
    const uint64_t kept = r.kept;
    const int cb = index_bits_for(w.cols), pb = index_bits_for(kept + 1);
    if (format)
      *format = cat("CSR: ", cb, "-bit column index per non-zero + ", w.rows + 1,
                    " row pointers of ", pb, " bits");
    return kept * cb + uint64_t(w.rows + 1) * pb;
  }

  size_t count_step(const Matrix& /*w*/, const PruneParams& /*p*/) const override { return 0; }
};

}  // namespace

namespace prune_methods {
const PruneMethod& unstructured() {
  static const Unstructured m;
  return m;
}
}  // namespace prune_methods

}  // namespace csbrnn
