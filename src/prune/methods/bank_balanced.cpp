// `bank-balanced` (BBS): each row is split into banks of width ceil(C/banks) (the last may be
// narrower); every bank keeps its k = clamp(round(T/(R*banks)), 1, narrowest bank) largest |w|.
// Reads rate and banks.
#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "prune/method.h"
#include "prune/prune.h"
#include "prune/prune_stats.h"
#include "prune/rank.h"

namespace csbrnn {
namespace {

int bank_width(const Matrix& w, const PruneParams& p) {
  return (w.cols + p.banks - 1) / p.banks;
}

class BankBalanced final : public PruneMethod {
 public:
  const char* name() const override { return "bank-balanced"; }
  const char* description() const override {
    return "every bank of every row keeps the same count (BBS, --banks N)";
  }

  void check_params(const Matrix& w, const PruneParams& p, const std::string& what) const override {
    if (p.banks < 1 || p.banks > w.cols)
      fail(what, ": bank count ", p.banks, " must be between 1 and the column count (", w.cols,
           ")");
  }

  void project(const Matrix& w, const PruneParams& p, MatrixPrune& out) const override {
    const int width = bank_width(w, p);
    const int nb = (w.cols + width - 1) / width;
    const int narrowest = w.cols - (nb - 1) * width;
    const int k = int(std::clamp<long long>(
        std::llround(double(out.target) / (double(w.rows) * nb)), 1, narrowest));
    std::vector<float> a(width), scratch;
    out.keep.resize(w.size());
    for (int r = 0; r < w.rows; ++r)
      for (int b = 0; b < nb; ++b) {
        const int c0 = b * width, c1 = std::min(w.cols, c0 + width);
        for (int c = c0; c < c1; ++c) a[c - c0] = std::fabs(w.at(r, c));
        keep_top_k(a.data(), size_t(c1 - c0), size_t(k), &out.keep[size_t(r) * w.cols + c0],
                   scratch);
      }
  }

  uint64_t index_bits(const Matrix& w, const PruneParams& p, const MatrixPrune& r,
                      std::string* format) const override {
    const int width = bank_width(w, p);
    const int bb = index_bits_for(width);
    if (format)
      *format =
          cat("bank-balanced: ", bb, "-bit in-bank index per non-zero (bank width ", width, ")");
    return uint64_t(r.kept) * bb;
  }

  size_t count_step(const Matrix& w, const PruneParams& p) const override {
    const int width = bank_width(w, p);
    const size_t nb = size_t((w.cols + width - 1) / width);
    return (size_t(w.rows) * nb + 1) / 2;
  }

  void report_matrix(const MatrixStats& s, nlohmann::json& j) const override {
    j["banks"] = s.params.banks;
  }
  void report_run(const PruneParams& p, nlohmann::json& j) const override { j["banks"] = p.banks; }
};

}  // namespace

namespace prune_methods {
const PruneMethod& bank_balanced() {
  static const BankBalanced m;
  return m;
}
}  // namespace prune_methods

}  // namespace csbrnn
