// `bank-balanced` (BBS): each row is split into banks of width ceil(C/banks) (the last may be
// narrower) and every bank of every row keeps its k largest |w|. The layout (bank count, hence
// width, and k) is the reachable one whose kept count is nearest the target, the requested
// --banks breaking ties (choose_bank_layout). Reads rate and banks.
#include "prune/methods/bank_balanced.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "prune/method.h"
#include "prune/prune.h"
#include "prune/prune_stats.h"
#include "prune/rank.h"

namespace csbrnn {

BankLayout choose_bank_layout(int rows, int cols, size_t target, int requested_banks) {
  CSBRNN_ASSERT(rows >= 1 && cols >= 1, "bank layout of an empty matrix");
  auto dist = [](size_t a, size_t b) { return a > b ? a - b : b - a; };
  auto better = [&](const BankLayout& a, const BankLayout& b) {  // a preferred to b
    const size_t da = dist(a.kept, target), db = dist(b.kept, target);
    if (da != db) return da < db;
    const int ba = std::abs(a.banks - requested_banks), bb = std::abs(b.banks - requested_banks);
    if (ba != bb) return ba < bb;
    if (a.kept != b.kept) return a.kept < b.kept;
    return a.banks > b.banks;
  };
  BankLayout best;
  bool have = false;
  for (int nb = 1; nb <= cols; ++nb) {
    const int width = (cols + nb - 1) / nb;
    if ((cols + width - 1) / width != nb) continue;  // this bank count is not reachable
    BankLayout l;
    l.banks = nb;
    l.width = width;
    l.narrowest = cols - (nb - 1) * width;
    // kept is linear in k: the nearest k is one of the two around target / (rows * nb).
    const double per = double(target) / (double(rows) * nb);
    const long long k0 = (long long)std::floor(per);
    for (long long k : {k0, k0 + 1}) {
      l.per_bank = int(std::clamp<long long>(k, 1, l.narrowest));
      l.kept = size_t(rows) * size_t(nb) * size_t(l.per_bank);
      if (!have || better(l, best)) best = l;
      have = true;
    }
  }
  return best;
}

namespace {

BankLayout layout_of(const Matrix& w, const PruneParams& p, size_t target) {
  return choose_bank_layout(w.rows, w.cols, target, p.banks);
}

std::string layout_text(const BankLayout& l) {
  std::string s = cat(l.banks, " bank", l.banks == 1 ? "" : "s", " of ", l.width, " columns");
  if (l.narrowest != l.width) s += cat(" (the last ", l.narrowest, ")");
  return s + cat(", ", l.per_bank, " kept per bank = ", l.banks * l.per_bank, " per row");
}

class BankBalanced final : public PruneMethod {
 public:
  const char* name() const override { return "bank-balanced"; }
  const char* description() const override {
    return "every bank of every row keeps the same count (BBS; the bank layout nearest the "
           "rate, --banks N breaking ties)";
  }

  void check_params(const Matrix& /*w*/, const PruneParams& p,
                    const std::string& what) const override {
    // The bank count is a preference (choose_bank_layout): any count >= 1 is taken, more banks
    // than columns included (a 1-column matrix gets one bank, as a block larger than a matrix
    // is one partial block).
    if (p.banks < 1) fail(what, ": bank count ", p.banks, " must be at least 1");
  }

  void project(const Matrix& w, const PruneParams& p, MatrixPrune& out) const override {
    const BankLayout l = layout_of(w, p, out.target);
    std::vector<float> a(size_t(l.width)), scratch;
    out.keep.resize(w.size());
    for (int r = 0; r < w.rows; ++r)
      for (int b = 0; b < l.banks; ++b) {
        const int c0 = b * l.width, c1 = std::min(w.cols, c0 + l.width);
        for (int c = c0; c < c1; ++c) a[c - c0] = std::fabs(w.at(r, c));
        keep_top_k(a.data(), size_t(c1 - c0), size_t(l.per_bank),
                   &out.keep[size_t(r) * w.cols + c0], scratch);
      }
  }

  uint64_t index_bits(const Matrix& w, const PruneParams& p, const MatrixPrune& r,
                      std::string* format) const override {
    const int width = layout_of(w, p, r.target).width;
    const int bb = index_bits_for(width);
    if (format)
      *format =
          cat("bank-balanced: ", bb, "-bit in-bank index per non-zero (bank width ", width, ")");
    return uint64_t(r.kept) * bb;
  }

  // Every per-row count is reachable (choose_bank_layout), so the step is one weight per row,
  // as for row-balanced.
  size_t count_step(const Matrix& w, const PruneParams& /*p*/) const override {
    return size_t(w.rows + 1) / 2;
  }

  std::string structure_note(const MatrixStats& s) const override {
    const BankLayout l = choose_bank_layout(s.rows, s.cols, s.target, s.params.banks);
    std::string n = layout_text(l);
    if (l.banks != s.params.banks)
      n += cat(" (--banks ", s.params.banks, " gives no nearer count here)");
    return n;
  }

  std::string miss_reason(const MatrixStats& s) const override {
    const BankLayout l = choose_bank_layout(s.rows, s.cols, s.target, s.params.banks);
    if (l.kept > s.target)
      return cat("every row keeps at least one weight (", s.rows, " rows; ", layout_text(l), ")");
    return cat("every row keeps the same count, at most its ", s.cols, " columns (", layout_text(l),
               ")");
  }

  void report_matrix(const MatrixStats& s, nlohmann::json& j) const override {
    const BankLayout l = choose_bank_layout(s.rows, s.cols, s.target, s.params.banks);
    j["banks"] = l.banks;
    j["banks_requested"] = s.params.banks;
    j["bank_width"] = l.width;
    j["kept_per_bank"] = l.per_bank;
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
