// `keep`: structure-preserving conversion. Keeps exactly the weights that are nonzero (the
// zeros already form CSB blocks, e.g. after ADMM pruning and masked retraining in PyTorch), so
// `prune --method keep -o M.csb` writes the .csb without changing a weight. Takes no rate; reads
// block only. Refuses, naming the first offending block, a matrix whose nonzeros are not a
// rows x cols cross-product in some block (docs/pruning.md §keep).
#include <algorithm>
#include <vector>

#include "common/error.h"
#include "prune/methods/csb_common.h"
#include "prune/prune.h"

namespace csbrnn {
namespace {

class Keep final : public CsbStructuredMethod {
 public:
  const char* name() const override { return "keep"; }
  const char* description() const override {
    return "keep the nonzero weights as they are (their zeros must form CSB blocks; no rate)";
  }
  bool uses_rate() const override { return false; }

  void check_params(const Matrix& w, const PruneParams& p, const std::string& what) const override {
    CsbStructuredMethod::check_params(w, p, what);
    const int bh = p.block.bh, bw = p.block.bw;
    std::vector<uint8_t> rk, ck;
    for (int i0 = 0; i0 < w.rows; i0 += bh)
      for (int j0 = 0; j0 < w.cols; j0 += bw) {
        const int i1 = std::min(w.rows, i0 + bh), j1 = std::min(w.cols, j0 + bw);
        rk.assign(size_t(i1 - i0), 0);
        ck.assign(size_t(j1 - j0), 0);
        size_t n = 0;
        for (int r = i0; r < i1; ++r)
          for (int c = j0; c < j1; ++c)
            if (w.at(r, c) != 0.0f) {
              rk[size_t(r - i0)] = ck[size_t(c - j0)] = 1;
              ++n;
            }
        const size_t kr = size_t(std::count(rk.begin(), rk.end(), 1));
        const size_t kc = size_t(std::count(ck.begin(), ck.end(), 1));
        if (n == kr * kc) continue;
        // The first zero inside the block's rows x cols cross-product.
        for (int r = i0; r < i1; ++r)
          for (int c = j0; c < j1; ++c)
            if (rk[size_t(r - i0)] && ck[size_t(c - j0)] && w.at(r, c) == 0.0f)
              fail(what, ": block (", i0 / bh, ",", j0 / bw, ") (rows ", i0, "-", i1 - 1, ", cols ",
                   j0, "-", j1 - 1, ") is not a CSB block for ", bh, "x", bw,
                   ": its nonzeros span ", kr, " rows x ", kc, " cols but number ", n, " (weight (",
                   r, ",", c, ") is zero); prune it with a CSB method first");
      }
  }

  void project(const Matrix& w, const PruneParams& /*p*/, MatrixPrune& out) const override {
    out.keep.resize(w.size());
    for (size_t t = 0; t < w.size(); ++t) out.keep[t] = w.data[t] != 0.0f ? 1 : 0;
  }
};

}  // namespace

namespace prune_methods {
const PruneMethod& keep() {
  static const Keep m;
  return m;
}
}  // namespace prune_methods

}  // namespace csbrnn
