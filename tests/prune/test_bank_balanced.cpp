// bank-balanced (BBS): the bank layout nearest the target (issue 14: an LSTM 45 -> 70 asked for
// 6x came out at 7.97x and the report said ok), checked by hand on that model and by brute force
// over every layout of small matrices; a target no layout reaches is reported as a miss.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "prune/methods/bank_balanced.h"
#include "prune/prune.h"
#include "prune/prune_stats.h"

using namespace csbrnn;

namespace {

Matrix lcg_matrix(int rows, int cols, uint32_t seed) {
  Matrix m(rows, cols);
  uint32_t s = seed * 2654435761u + 1;
  for (float& v : m.data) {
    s = s * 1664525u + 1013904223u;
    v = float(int32_t(s >> 8) - (1 << 23)) / float(1 << 23);
  }
  return m;
}

PruneParams bank_params(double rate, int banks) {
  PruneParams p;
  p.method = parse_method("bank-balanced");
  p.rate = rate;
  p.banks = banks;
  return p;
}

/// Every bank [b*width, min(cols, (b+1)*width)) of every row keeps exactly per_bank weights, the
/// largest |w| of the bank.
void check_mask(const Matrix& w, const std::vector<uint8_t>& keep, int width, int per_bank) {
  for (int r = 0; r < w.rows; ++r)
    for (int c0 = 0; c0 < w.cols; c0 += width) {
      const int c1 = std::min(w.cols, c0 + width);
      int n = 0;
      float min_kept = 1e30f, max_pruned = -1;
      for (int c = c0; c < c1; ++c) {
        const float a = std::fabs(w.at(r, c));
        if (keep[size_t(r) * w.cols + c]) {
          ++n;
          min_kept = std::min(min_kept, a);
        } else {
          max_pruned = std::max(max_pruned, a);
        }
      }
      INFO("row " << r << " bank at column " << c0);
      CHECK(n == per_bank);
      CHECK(min_kept >= max_pruned);
    }
}

}  // namespace

TEST_CASE("bank-balanced: LSTM 45 -> 70 x2 at 6x takes the nearest bank layout") {
  // Before: 8 banks everywhere, k = round(T / (280 * 8)); the 70-column matrices got 1 per
  // 9-column bank = 8 per row (2240 kept, 8.75x) and the whole model 71400 / 8960 = 7.97x, "ok".
  RnnModel m;
  m.input_size = 45;
  m.hidden_size = 70;
  m.layers.resize(2);
  for (int k = 0; k < 2; ++k) {
    m.layers[k].w_ih = lcg_matrix(280, k == 0 ? 45 : 70, 10 + k);
    m.layers[k].w_hh = lcg_matrix(280, 70, 20 + k);
    m.layers[k].b_ih.assign(280, 0.0f);
    m.layers[k].b_hh.assign(280, 0.0f);
  }
  ModelPruneOptions o;
  o.base = bank_params(6.0, 8);
  const ModelPrune mp = prune_model(m, o);
  const ModelStats st = model_stats(m, mp);
  REQUIRE(st.matrices.size() == 4);
  // 280 x 70: T = round(19600 / 6) = 3267, T / 280 = 11.67 -> 12 per row = 3360 kept. 12 per
  // row in equal banks: 1 x 12, 2 x 6, 3 x 4, 4 x 3, 6 x 2 or 12 x 1 banks x kept (70 columns
  // reach each of these bank counts: widths 70, 35, 24, 18, 12, 6); 6 banks is nearest 8:
  // width ceil(70/6) = 12, the last bank 10 wide, 2 kept per bank.
  // 280 x 45: T = 2100 = 7.5 per row: 7 (1960) and 8 (2240) are equally near; 8 = 8 banks x 1
  // (width 6, the last 3) has the requested bank count, 7 needs 7 or 1 banks.
  struct Want {
    size_t target, kept;
    int banks, width, per_bank;
  };
  const Want want[4] = {{2100, 2240, 8, 6, 1},
                        {3267, 3360, 6, 12, 2},
                        {3267, 3360, 6, 12, 2},
                        {3267, 3360, 6, 12, 2}};
  const Matrix* mats[4] = {&m.layers[0].w_ih, &m.layers[0].w_hh, &m.layers[1].w_ih,
                           &m.layers[1].w_hh};
  for (int t = 0; t < 4; ++t) {
    const MatrixStats& s = st.matrices[t];
    INFO(s.name);
    CHECK(s.target == want[t].target);
    CHECK(s.kept == want[t].kept);
    CHECK(s.tolerance == 140);  // max(ceil(0.5% of T), ceil(280 / 2)): one weight per row
    CHECK(s.within_tolerance);
    CHECK(s.miss.empty());
    const BankLayout l = choose_bank_layout(280, mats[t]->cols, s.target, 8);
    CHECK(l.banks == want[t].banks);
    CHECK(l.width == want[t].width);
    CHECK(l.per_bank == want[t].per_bank);
    check_mask(*mats[t], mp.matrices[t].result.keep, want[t].width, want[t].per_bank);
    const nlohmann::json j = stats_to_json(s);
    CHECK(j["banks"] == want[t].banks);
    CHECK(j["banks_requested"] == 8);
    CHECK(j["bank_width"] == want[t].width);
    CHECK(j["kept_per_bank"] == want[t].per_bank);
    CHECK(j["miss"].is_null());
  }
  CHECK(st.kept == 2240 + 3 * 3360);  // 71400 / 12320 = 5.80x (asked 6x)
  CHECK(st.weights == 71400);
  CHECK(st.within_tolerance);
  CHECK(st.matrices[1].structure ==
        "6 banks of 12 columns (the last 10), 2 kept per bank = 12 per row (--banks 8 gives no "
        "nearer count here)");
  CHECK(st.matrices[0].structure ==
        "8 banks of 6 columns (the last 3), 1 kept per bank = 8 per row");
}

TEST_CASE("bank-balanced: the chosen layout is the nearest of all layouts (brute force)") {
  // Brute force over every bank width 1..C (not over bank counts, as the method does): banks =
  // ceil(C / width), the last bank C - (banks - 1) * width wide, any k from 1 to that width.
  for (int rows : {1, 2, 3, 7})
    for (int cols = 1; cols <= 26; ++cols)
      for (size_t target = 1; target <= size_t(rows * cols); target += (rows > 2 ? 2 : 1))
        for (int req = 1; req <= cols; ++req) {
          size_t best = ~size_t(0);
          int best_bank_dist = 1 << 30;
          for (int width = 1; width <= cols; ++width) {
            const int nb = (cols + width - 1) / width, last = cols - (nb - 1) * width;
            for (int k = 1; k <= last; ++k) {
              const size_t kept = size_t(rows) * nb * k;
              const size_t d = kept > target ? kept - target : target - kept;
              if (d < best || (d == best && std::abs(nb - req) < best_bank_dist)) {
                best = d;
                best_bank_dist = std::abs(nb - req);
              }
            }
          }
          const BankLayout l = choose_bank_layout(rows, cols, target, req);
          INFO("rows " << rows << " cols " << cols << " target " << target << " banks " << req);
          REQUIRE((l.kept > target ? l.kept - target : target - l.kept) == best);
          REQUIRE(std::abs(l.banks - req) == best_bank_dist);
          // The layout is a real one: width ceil(C / banks) makes exactly that many banks.
          REQUIRE(l.width == (cols + l.banks - 1) / l.banks);
          REQUIRE((cols + l.width - 1) / l.width == l.banks);
          REQUIRE(l.narrowest == cols - (l.banks - 1) * l.width);
          REQUIRE(l.per_bank >= 1);
          REQUIRE(l.per_bank <= l.narrowest);
          REQUIRE(l.kept == size_t(rows) * l.banks * l.per_bank);
        }
  // The projection keeps that layout on a matrix.
  const Matrix w = lcg_matrix(9, 23, 4);
  for (double rate : {1.5, 2.0, 3.3, 5.0, 7.0, 11.0, 20.0})
    for (int req : {1, 3, 5, 8, 23}) {
      const PruneParams p = bank_params(rate, req);
      const MatrixPrune r = prune_matrix(w, p, "m");
      const BankLayout l = choose_bank_layout(9, 23, r.target, req);
      INFO("rate " << rate << " banks " << req);
      CHECK(r.kept == l.kept);
      check_mask(w, r.keep, l.width, l.per_bank);
      CHECK(scheme_index_bits(w, p, r) == r.kept * uint64_t(std::ceil(std::log2(l.width))));
    }
}

TEST_CASE("bank-balanced: a rate no layout reaches is reported as a miss, not ok") {
  // 8 x 10 at 50x: T = round(80 / 50) = 2, but every row keeps at least one weight: 8 kept
  // (rate 10), |8 - 2| = 6 > tolerance max(ceil(0.01), ceil(8 / 2)) = 4.
  const Matrix w = lcg_matrix(8, 10, 2);
  const PruneParams p = bank_params(50, 8);
  const MatrixPrune r = prune_matrix(w, p, "weight_hh_l0");
  const MatrixStats s = matrix_stats("weight_hh_l0", w, p, r);
  CHECK(r.target == 2);
  CHECK(r.kept == 8);
  CHECK(s.tolerance == 4);
  CHECK_FALSE(s.within_tolerance);
  CHECK(s.miss ==
        "rate 50 unreachable: nearest reachable rate 10.0000 (kept 8, target 2, tolerance 4) "
        "because every row keeps at least one weight (8 rows; 1 bank of 10 columns, 1 kept per "
        "bank = 1 per row)");
  const nlohmann::json j = stats_to_json(s);
  CHECK(j["within_tolerance"] == false);
  CHECK(j["miss"] == s.miss);
  // The table says MISS and gives the line.
  RnnModel m;
  m.input_size = 10;
  m.hidden_size = 2;
  m.layers.resize(1);
  m.layers[0].w_ih = w;
  m.layers[0].w_hh = lcg_matrix(8, 2, 3);
  ModelPruneOptions o;
  o.base = bank_params(50, 1);
  o.rate_for["weight_hh_l0"] = 2;  // 16 / 2 = 8 = 1 per row: reachable
  const ModelStats st = model_stats(m, prune_model(m, o));
  CHECK_FALSE(st.within_tolerance);
  std::ostringstream os;
  print_stats_table(os, st);
  CHECK_THAT(os.str(), Catch::Contains("weight_ih_l0: MISS: rate 50 unreachable: nearest "
                                       "reachable rate 10.0000"));
  CHECK_THAT(os.str(), !Catch::Contains("weight_hh_l0: MISS"));
  // Row-balanced says the same in its words (the same structure limit).
  PruneParams rb = p;
  rb.method = parse_method("row-balanced");
  const MatrixStats s2 = matrix_stats("m", w, rb, prune_matrix(w, rb, "m"));
  CHECK(s2.miss ==
        "rate 50 unreachable: nearest reachable rate 10.0000 (kept 8, target 2, tolerance 4) "
        "because every row keeps the same count, at least one weight (8 rows)");
}
