// Pruning algorithms: the paper's CSB projection on a hand-worked matrix, structure and
// invariants of every scheme, rates, determinism, and argument errors.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "common/error.h"
#include "prune/prune.h"
#include "prune/prune_stats.h"
#include "workload/model_spec.h"

using namespace csbrnn;

namespace {

Matrix make(int r, int c, const std::vector<float>& v) {
  Matrix m(r, c);
  m.data = v;
  return m;
}

/// A deterministic "uneven" test matrix (independent of the generator): LCG values scaled by
/// row and column factors.
Matrix test_matrix(int rows, int cols, uint32_t seed) {
  Matrix m(rows, cols);
  uint32_t s = seed * 2654435761u + 1;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      s = s * 1664525u + 1013904223u;
      const float u = float((s >> 8) & 0xFFFF) / 65536.0f - 0.5f;
      m.at(r, c) = u * float(1 + (r * 7) % 5) * float(1 + (c * 3) % 4);
    }
  return m;
}

double kept_energy(const Matrix& w, const std::vector<uint8_t>& keep) {
  double e = 0;
  for (size_t t = 0; t < keep.size(); ++t)
    if (keep[t]) e += double(w.data[t]) * w.data[t];
  return e;
}

/// Independent CSB structure check: in every block, the kept set equals the cross-product of
/// its row projection and column projection.
bool cross_product_blocks(const std::vector<uint8_t>& k, int R, int C, int bh, int bw) {
  for (int i0 = 0; i0 < R; i0 += bh)
    for (int j0 = 0; j0 < C; j0 += bw) {
      std::set<int> rows, cols;
      for (int r = i0; r < std::min(R, i0 + bh); ++r)
        for (int c = j0; c < std::min(C, j0 + bw); ++c)
          if (k[size_t(r) * C + c]) rows.insert(r), cols.insert(c);
      for (int r = i0; r < std::min(R, i0 + bh); ++r)
        for (int c = j0; c < std::min(C, j0 + bw); ++c)
          if (bool(k[size_t(r) * C + c]) != (rows.count(r) && cols.count(c))) return false;
    }
  return true;
}

PruneParams params(const PruneMethod* m, double rate, int bh = 32, int bw = 32, int banks = 8) {
  PruneParams p;
  p.method = m;
  p.rate = rate;
  p.block = {bh, bw};
  p.banks = banks;
  return p;
}

}  // namespace

TEST_CASE("paper projection on a hand-worked 4x4 matrix") {
  // Block 2x2, rate 4: p = 0.75, q = 1 - sqrt(0.25) = 0.5; target = 16/4 = 4 weights.
  //      c0 c1 c2 c3
  // r0:   9  1  1  1
  // r1:   1  8  1  1
  // r2:   2  2  5  5
  // r3:   1  1  5  5
  // Step 1, strip c0-1: row energies 82, 65, 8, 2 -> prune round(0.5*4)=2: r3, r2.
  //         strip c2-3: row energies 2, 2, 50, 50 -> prune r0, r1.
  // Step 2, block-row r0-1: column energies over survivors 82, 65, 0, 0 -> prune c2, c3.
  //         block-row r2-3: 0, 0, 50, 50 -> prune c0, c1.
  // Projection keeps blocks (0,0) and (1,1) whole: 8 weights (> target 4: the empty blocks'
  // zero segments took part of the column budget). Adjustment removes column segments by mean
  // square over the block's kept rows: (0,c0) 41, (0,c1) 32.5, (1,c2) 25, (1,c3) 25 -> removes
  // (1,c2) then (1,c3). Final: block (0,0) = {9,1;1,8}, energy 81+1+1+64 = 147 of 255.
  const Matrix w = make(4, 4, {9, 1, 1, 1, 1, 8, 1, 1, 2, 2, 5, 5, 1, 1, 5, 5});
  const auto r = prune_matrix(w, params(parse_method("csb"), 4, 2, 2), "hand");
  CHECK(r.target == 4);
  CHECK(r.projection_kept == 8);
  CHECK(r.kept == 4);
  const std::vector<uint8_t> expect = {1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  CHECK(r.keep == expect);
  CHECK(kept_energy(w, r.keep) == 147.0);
  // CSB index bits by hand: 4 blocks x (2+2 counter bits) + block (0,0): 2 rows + 2 cols x 1 bit.
  CHECK(scheme_index_bits(w, params(parse_method("csb"), 4, 2, 2), r) == 20);
  // The global variant reaches the same optimum here (it cannot do better: the top-4 weights
  // 9, 8, 5, 5 are not a cross-product, and 147 is the best 2x2 kernel).
  const auto g = prune_matrix(w, params(parse_method("csb-global"), 4, 2, 2), "hand");
  CHECK(g.kept == 4);
  CHECK(kept_energy(w, g.keep) == 147.0);
}

TEST_CASE("paper projection without adjustment when the strips are balanced") {
  // 4x2, block 2x2 (one block-column, two block-rows), rate 4 -> q = 0.5, target 2.
  // Step 1 (single strip): row energies r0: 1+4=5, r1: 9+16=25, r2: 0.25+0.25=0.5, r3: 36+1=37
  //   -> prune round(0.5*4)=2 lowest: r2, r0. Survivors r1, r3 (one per block-row).
  // Step 2, block-row 0 (r0,r1): column energies over survivors c0 9, c1 16 -> prune
  //   round(0.5*2)=1: c0. Block-row 1 (r2,r3): c0 36, c1 1 -> prune c1.
  // Kept: (r1,c1) = 4 and (r3,c0) = 6: 2 weights = target, no adjustment.
  const Matrix w = make(4, 2, {1, 2, 3, 4, 0.5f, 0.5f, 6, 1});
  const auto r = prune_matrix(w, params(parse_method("csb"), 4, 2, 2), "hand2");
  CHECK(r.projection_kept == 2);
  const std::vector<uint8_t> expect = {0, 0, 0, 1, 0, 0, 1, 0};
  CHECK(r.keep == expect);
}

TEST_CASE("csb methods give CSB structure on sizes that are not block multiples") {
  for (auto method : {parse_method("csb"), parse_method("csb-global")})
    for (auto [R, C, bh, bw, rate] : std::vector<std::tuple<int, int, int, int, double>>{
             {70, 45, 16, 8, 6}, {33, 100, 32, 32, 12}, {129, 39, 32, 32, 23}, {50, 50, 7, 5, 3}}) {
      INFO(method_name(method) << " " << R << "x" << C << " block " << bh << "x" << bw);
      const Matrix w = test_matrix(R, C, uint32_t(R * C));
      const auto r = prune_matrix(w, params(method, rate, bh, bw), "m");
      CHECK(cross_product_blocks(r.keep, R, C, bh, bw));
      CHECK(mask_has_csb_structure(r.keep, R, C, bh, bw));
      const CsbMatrix c = mask_to_csb(w, r.keep, bh, bw);
      size_t nnz = 0;
      for (int i = 0; i < c.block_rows(); ++i)
        for (int j = 0; j < c.block_cols(); ++j) {
          const auto& b = c.block(i, j);
          REQUIRE(b.values.size() == size_t(b.kr()) * size_t(b.kc()));
          nnz += b.values.size();
          for (int a = 0; a < b.kr(); ++a)
            for (int d = 0; d < b.kc(); ++d)
              CHECK(b.values[size_t(a) * b.kc() + d] ==
                    w.at(i * bh + b.rows[a], j * bw + b.cols[d]));
        }
      CHECK(nnz == r.kept);
      const size_t tol = count_tolerance(w, params(method, rate, bh, bw), r.target);
      CHECK(std::max(r.kept, r.target) - std::min(r.kept, r.target) <= tol);
    }
}

TEST_CASE("baseline invariants: row-balanced, bank-balanced, row-column, unstructured") {
  const Matrix w = test_matrix(96, 60, 7);
  SECTION("row-balanced keeps the same count in every row") {
    const auto r = prune_matrix(w, params(parse_method("row-balanced"), 6), "m");
    for (int row = 0; row < w.rows; ++row) {
      const int n = int(std::count(r.keep.begin() + row * 60, r.keep.begin() + row * 60 + 60, 1));
      CHECK(n == 10);  // round(960 / 96)
    }
  }
  SECTION("bank-balanced keeps the same count in every bank (last bank narrower)") {
    // 60 columns, 8 banks -> width ceil(60/8) = 8, 8 banks, the last 4 wide. At 3.75x, T = 1536
    // = 16 per row = 8 banks x 2, so the requested 8 banks are the nearest layout.
    const auto r = prune_matrix(w, params(parse_method("bank-balanced"), 3.75, 32, 32, 8), "m");
    for (int row = 0; row < w.rows; ++row)
      for (int b = 0; b < 8; ++b) {
        int n = 0;
        for (int c = b * 8; c < std::min(60, b * 8 + 8); ++c) n += r.keep[size_t(row) * 60 + c];
        CHECK(n == 2);  // 1536 / (96 * 8) = 2
      }
  }
  SECTION("row-column keeps whole rows and whole columns") {
    const auto r = prune_matrix(w, params(parse_method("row-column"), 5), "m");
    // kr = round(96 / sqrt(5)) = 43, kc = round(round(5760/5) / 43) = round(1152/43) = 27
    CHECK(r.kept_rows.size() == 43);
    CHECK(r.kept_cols.size() == 27);
    for (int row = 0; row < 96; ++row)
      for (int c = 0; c < 60; ++c) {
        const bool in = std::count(r.kept_rows.begin(), r.kept_rows.end(), row) &&
                        std::count(r.kept_cols.begin(), r.kept_cols.end(), c);
        CHECK(bool(r.keep[size_t(row) * 60 + c]) == in);
      }
    // The kept rows have the largest l2 norms.
    std::vector<double> e(96, 0);
    for (int row = 0; row < 96; ++row)
      for (int c = 0; c < 60; ++c) e[row] += double(w.at(row, c)) * w.at(row, c);
    double min_kept = 1e300, max_pruned = 0;
    for (int row = 0; row < 96; ++row)
      if (std::count(r.kept_rows.begin(), r.kept_rows.end(), row))
        min_kept = std::min(min_kept, e[row]);
      else
        max_pruned = std::max(max_pruned, e[row]);
    CHECK(min_kept >= max_pruned);
  }
  SECTION("unstructured keeps exactly the target, largest magnitudes") {
    const auto r = prune_matrix(w, params(parse_method("unstructured"), 7.5), "m");
    CHECK(r.kept == target_kept(w.size(), 7.5));
    float min_kept = 1e30f, max_pruned = 0;
    for (size_t t = 0; t < w.size(); ++t)
      if (r.keep[t])
        min_kept = std::min(min_kept, std::fabs(w.data[t]));
      else
        max_pruned = std::max(max_pruned, std::fabs(w.data[t]));
    CHECK(min_kept >= max_pruned);
  }
}

TEST_CASE("unstructured retains the most energy of all schemes at the same count") {
  // Oracle: keeping the k largest magnitudes maximizes retained energy for k weights.
  const Matrix w = test_matrix(128, 96, 3);
  for (auto method : all_methods()) {
    if (!method->uses_rate()) continue;  // keep: nothing pruned on a dense matrix
    const auto r = prune_matrix(w, params(method, 9, 16, 16, 6), "m");
    const auto u = prune_matrix(
        w, params(parse_method("unstructured"), double(w.size()) / double(r.kept)), "u");
    REQUIRE(u.kept == r.kept);
    CHECK(kept_energy(w, u.keep) >= kept_energy(w, r.keep));
  }
}

TEST_CASE("achieved rates are within the stated tolerance") {
  const Matrix w = test_matrix(200, 150, 11);
  for (auto method : all_methods())
    for (double rate : {2.0, 4.0, 8.0, 12.5, 20.0}) {
      if (!method->uses_rate()) continue;  // keep: tests/prune/test_prune_keep.cpp
      const auto p = params(method, rate, 32, 32, 10);
      const auto r = prune_matrix(w, p, "m");
      const auto s = matrix_stats("m", w, p, r);
      INFO(method_name(method) << " rate " << rate << " kept " << r.kept << " target " << r.target);
      CHECK(s.within_tolerance);
      CHECK(s.achieved_rate() == Approx(double(w.size()) / double(r.kept)));
      CHECK(s.rel_frobenius_error() == Approx(std::sqrt(1 - s.retained_energy())).margin(1e-9));
    }
}

TEST_CASE("pruning is deterministic") {
  const Matrix w = test_matrix(150, 70, 5);
  for (auto method : all_methods()) {
    const auto a = prune_matrix(w, params(method, 6, 16, 32, 7), "m");
    const auto b = prune_matrix(w, params(method, 6, 16, 32, 7), "m");
    CHECK(a.keep == b.keep);
  }
}

TEST_CASE("bad arguments give clear errors") {
  const Matrix w = test_matrix(64, 40, 1);
  auto msg = [&](PruneParams p) {
    try {
      prune_matrix(w, p, "weight_hh_l0");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK_THAT(msg(params(parse_method("csb"), 1.0)),
             Catch::Contains("weight_hh_l0") && Catch::Contains("rate must be"));
  CHECK_THAT(msg(params(parse_method("unstructured"), 0.5)), Catch::Contains("rate must be"));
  CHECK_THAT(msg(params(parse_method("csb"), std::nan(""))), Catch::Contains("rate must be"));
  CHECK(msg(params(parse_method("csb-global"), 8, 32, 64)) == "no error");  // one edge block
  CHECK_THAT(msg(params(parse_method("bank-balanced"), 8, 32, 32, 0)),
             Catch::Contains("bank count 0 must be at least 1"));
  // More banks than columns is a preference like any other (the nearest layout is taken).
  CHECK(msg(params(parse_method("bank-balanced"), 8, 32, 32, 41)) == "no error");
  CHECK_THROWS_WITH(parse_method("csbb"), Catch::Contains("did you mean 'csb'"));
  CHECK_THROWS_WITH(parse_method("magnitude"), Catch::Contains("unknown pruning method"));
  CHECK(parse_block("16x8", "--block").bh == 16);
  CHECK(parse_block("16x8", "--block").bw == 8);
  CHECK(parse_block("32", "--block").bw == 32);
  for (const char* bad : {"32y32", "0x4", "x", "a", "-4x4", "16x", ""})
    CHECK_THROWS_WITH(parse_block(bad, "--block"), Catch::Contains("--block"));
}

TEST_CASE(
    "improved CSB variant retains at least the paper projection's energy on generated models") {
  for (const char* name : {"sr4", "mt1", "sc2"}) {
    const ModelSpec spec = load_model_spec(name);
    const RnnModel m = generate_model(spec, 3);
    for (double rate : {spec.paper_rate, 8.0}) {
      double e_paper = 0, e_global = 0;
      for (const auto& [mname, w] : model_matrices(m)) {
        auto p = params(parse_method("csb"), rate, std::min(32, w->rows), std::min(32, w->cols));
        const auto a = prune_matrix(*w, p, mname);
        p.method = parse_method("csb-global");
        const auto b = prune_matrix(*w, p, mname);
        CHECK(b.kept <= b.target);
        e_paper += kept_energy(*w, a.keep);
        e_global += kept_energy(*w, b.keep);
      }
      INFO(name << " rate " << rate << " paper " << e_paper << " global " << e_global);
      CHECK(e_global >= e_paper);
    }
  }
}
