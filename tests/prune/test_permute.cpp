// prune --permute: the unit permutation (src/prune/permute.h) is a bijection, preserves the
// function (float and fixed-point references of the permuted model == the original's), and the
// balance objective improves on hand-worked cases.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <numeric>
#include <random>

#include "common/error.h"
#include "model/csb.h"
#include "prune/permute.h"
#include "reference/fixed_rnn.h"
#include "reference/float_rnn.h"
#include "support/random_permutation.h"
#include "workload/bench_model.h"

using namespace csbrnn;

namespace {

bool is_bijection(const std::vector<uint32_t>& p, size_t n) {
  if (p.size() != n) return false;
  std::vector<uint32_t> s = p;
  std::sort(s.begin(), s.end());
  for (size_t i = 0; i < n; ++i)
    if (s[i] != i) return false;
  return true;
}

RnnModel random_dense(CellType cell, int in, int H, int P, int layers, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<float> u(-0.6f, 0.6f);
  RnnModel m;
  m.cell = cell;
  m.input_size = in;
  m.hidden_size = H;
  m.proj_size = P;
  const int GH = gate_count(cell) * H;
  for (int k = 0; k < layers; ++k) {
    LayerWeights L;
    L.w_ih = Matrix(GH, m.layer_input_size(k));
    L.w_hh = Matrix(GH, m.state_size());
    if (P > 0) L.w_hr = Matrix(P, H);
    for (Matrix* w : {&L.w_ih, &L.w_hh, &L.w_hr})
      for (auto& v : w->data) v = u(g);
    for (int i = 0; i < GH; ++i) {
      L.b_ih.push_back(u(g));
      L.b_hh.push_back(u(g));
    }
    m.layers.push_back(L);
  }
  return m;
}

Matrix random_input(int T, int n, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<float> u(-1.2f, 1.2f);
  Matrix x(T, n);
  for (auto& v : x.data) v = u(g);
  return x;
}

}  // namespace

TEST_CASE("permute_model moves rows per gate and columns consistently (GRU, 2 units swapped)",
          "[prune][permute]") {
  // GRU, input 1, H = 2, one layer: W_ih rows [r0 r1 z0 z1 n0 n1], W_hh 6 x 2. Swapping the two
  // units (hidden = [1, 0]) must give rows [r1 r0 z1 z0 n1 n0] of both matrices and biases, and
  // swap W_hh's two columns (the state is the hidden vector); output_perm = [1, 0].
  RnnModel m = random_dense(CellType::GRU, 1, 2, 0, 1, 5);
  ModelPermutation p = identity_permutation(m);
  p.hidden[0] = {1, 0};
  const RnnModel q = permute_model(m, p);
  const int src_row[6] = {1, 0, 3, 2, 5, 4};
  for (int r = 0; r < 6; ++r) {
    CHECK(q.layers[0].w_ih.at(r, 0) == m.layers[0].w_ih.at(src_row[r], 0));
    CHECK(q.layers[0].b_ih[size_t(r)] == m.layers[0].b_ih[size_t(src_row[r])]);
    CHECK(q.layers[0].b_hh[size_t(r)] == m.layers[0].b_hh[size_t(src_row[r])]);
    for (int c = 0; c < 2; ++c)
      CHECK(q.layers[0].w_hh.at(r, c) == m.layers[0].w_hh.at(src_row[r], 1 - c));
  }
  CHECK(q.output_perm == std::vector<uint32_t>{1, 0});
}

TEST_CASE("permuted models compute the original function (float and fixed-point references)",
          "[prune][permute]") {
  struct Shape {
    CellType cell;
    int in, H, P, layers;
  };
  for (const Shape& s : {Shape{CellType::LSTM, 5, 9, 0, 2}, Shape{CellType::GRU, 4, 7, 0, 3},
                         Shape{CellType::LSTM, 6, 8, 3, 2}}) {
    INFO(cell_name(s.cell) << " H=" << s.H << " P=" << s.P);
    const RnnModel m = random_dense(s.cell, s.in, s.H, s.P, s.layers, 11 + uint64_t(s.H));
    const ModelPermutation p = test::random_permutation(m, 3 + uint64_t(s.H));
    const RnnModel q = permute_model(m, p);
    // The permuted weights really differ (else the checks below are vacuous).
    CHECK(q.layers[0].w_hh.data != m.layers[0].w_hh.data);
    REQUIRE(is_bijection(q.output_perm, size_t(m.state_size())));
    const Matrix x = random_input(6, s.in, 99);
    // Float: the permutation reorders the terms of every dot product, so double sums agree to
    // rounding (|diff| far below 1e-9 on values of order 1).
    const FloatRnnResult a = run_float_rnn(m, x), b = run_float_rnn(q, x);
    REQUIRE(a.output_d.size() == b.output_d.size());
    double worst = 0;
    for (size_t i = 0; i < a.output_d.size(); ++i)
      worst = std::max(worst, std::abs(a.output_d[i] - b.output_d[i]));
    CHECK(worst < 1e-9);
    // Fixed point: integer accumulation is exact, quantization elementwise: bit-exact
    // (docs/numerics.md).
    const fx::Format f{12, 12};
    CHECK(run_fixed_rnn(m, x, f).output == run_fixed_rnn(q, x, f).output);
    // The inverse permutation restores the original model exactly, with the identity order.
    const RnnModel back = permute_model(q, inverse_permutation(p));
    CHECK(back.output_perm.empty());
    for (int k = 0; k < m.num_layers(); ++k) {
      CHECK(back.layers[size_t(k)].w_ih.data == m.layers[size_t(k)].w_ih.data);
      CHECK(back.layers[size_t(k)].w_hh.data == m.layers[size_t(k)].w_hh.data);
      CHECK(back.layers[size_t(k)].w_hr.data == m.layers[size_t(k)].w_hr.data);
      CHECK(back.layers[size_t(k)].b_ih == m.layers[size_t(k)].b_ih);
    }
    // Permuting twice composes the output order.
    const RnnModel qq = permute_model(q, test::random_permutation(m, 77));
    CHECK(run_fixed_rnn(m, x, f).output == run_fixed_rnn(qq, x, f).output);
  }
}

TEST_CASE("balance_units: hand-worked LPT case, bijection, never worse than identity",
          "[prune][permute]") {
  // Loads 4, 3, 2, 1 in bins of 2. Identity: bins {4,3} = 7 and {2,1} = 3 of T = 10, targets 5:
  // J = 0.2^2 + 0.2^2 = 0.08. LPT: 4 -> bin 0 (tie, lower bin), 3 -> bin 1 (bin 0 is above its
  // share), 2 -> bin 1 (bin 1 at 3 is further below 5 than bin 0 at 4), 1 -> bin 0 (bin 1 is
  // full): bins {0,3} and {1,2}, loads 5 and 5, J = 0.
  const std::vector<std::vector<double>> loads{{4, 3, 2, 1}};
  CHECK(balance_objective(loads, {0, 1, 2, 3}, 2) == Approx(0.08));
  const std::vector<uint32_t> p = balance_units(loads, 2);
  CHECK(p == std::vector<uint32_t>{0, 3, 1, 2});
  CHECK(balance_objective(loads, p, 2) == Approx(0.0).margin(1e-15));
  // Random multi-dimensional loads and odd sizes (a short last bin).
  std::mt19937_64 g(8);
  for (int n : {5, 17, 64, 101}) {
    std::vector<std::vector<double>> ld(3, std::vector<double>(size_t(n)));
    for (auto& d : ld)
      for (auto& v : d) v = double(g() % 50);
    std::vector<uint32_t> id(static_cast<size_t>(n));
    std::iota(id.begin(), id.end(), 0u);
    for (int bin : {1, 4, 7, 200}) {
      const std::vector<uint32_t> q = balance_units(ld, bin);
      CHECK(is_bijection(q, size_t(n)));
      CHECK(balance_objective(ld, q, bin) <= balance_objective(ld, id, bin));
    }
  }
}

TEST_CASE("balance_permutation spreads the strong units over the block-rows (hand-worked GRU)",
          "[prune][permute]") {
  // GRU, input 2, H = 4, blocks 2x2, unstructured at rate 2 (keeps the largest half of each
  // matrix). Units 0 and 1 have weights of magnitude 1, units 2 and 3 of 0.01 (rows of every
  // gate), so the kept weights are exactly the rows of units 0 and 1: W_ih keeps 6 rows x 2 =
  // 12 of 24, W_hh 6 rows x 4 = 24 of 48. Row loads: units 0, 1: 3*2 + 3*4 = 18, units 2, 3: 0.
  // W_hh's column loads are 6 each (uniform). Identity: the row bins {0,1} = 36, {2,3} = 0 of
  // targets 18: J = 0.5^2 + 0.5^2 = 0.5. LPT puts 0 -> bin 0, 1 -> bin 1, 2 -> bin 0, 3 -> bin 1
  // (order [0, 2, 1, 3]), J = 0. After pruning the permuted model every 2-row block-row of W_hh
  // holds one strong row (4 kept weights) instead of 8 in block-rows 0, 2, 4 and 0 in 1, 3, 5.
  RnnModel m;
  m.cell = CellType::GRU;
  m.input_size = 2;
  m.hidden_size = 4;
  m.has_bias = false;
  LayerWeights L;
  L.w_ih = Matrix(12, 2);
  L.w_hh = Matrix(12, 4);
  for (Matrix* w : {&L.w_ih, &L.w_hh})
    for (int r = 0; r < w->rows; ++r)
      for (int c = 0; c < w->cols; ++c)
        w->at(r, c) = ((r % 4) < 2 ? 1.0f : 0.01f) * (1.0f + 0.01f * float(c));
  m.layers.push_back(L);
  ModelPruneOptions o;
  o.base.method = find_method("unstructured");
  o.base.rate = 2;
  o.base.block = {2, 2};
  const BalanceResult b = balance_permutation(m, o);
  CHECK(b.objective_identity == Approx(0.5));
  CHECK(b.objective_balanced == Approx(0.0).margin(1e-15));
  CHECK(b.perm.hidden[0] == std::vector<uint32_t>{0, 2, 1, 3});
  auto block_row_kept = [&](const RnnModel& mm) {
    const ModelPrune mp = prune_model(mm, o);
    const auto& keep = mp.matrices[1].result.keep;  // weight_hh_l0
    REQUIRE(mp.matrices[1].name == "weight_hh_l0");
    std::vector<int> kept(6, 0);
    for (int r = 0; r < 12; ++r)
      for (int c = 0; c < 4; ++c) kept[size_t(r / 2)] += keep[size_t(r) * 4 + size_t(c)];
    return kept;
  };
  CHECK(block_row_kept(m) == std::vector<int>{8, 0, 8, 0, 8, 0});
  CHECK(block_row_kept(permute_model(m, b.perm)) == std::vector<int>{4, 4, 4, 4, 4, 4});
}

TEST_CASE("permutations and --permute values are checked", "[prune][permute]") {
  const RnnModel m = random_dense(CellType::LSTM, 3, 4, 2, 1, 1);
  ModelPermutation p = identity_permutation(m);
  p.hidden[0] = {0, 1, 1, 3};
  CHECK_THROWS_WITH(permute_model(m, p),
                    "permute_model: layer 0 hidden permutation is not a permutation of 0..3");
  p = identity_permutation(m);
  p.proj[0] = {0};
  CHECK_THROWS_WITH(permute_model(m, p),
                    "permute_model: layer 0 projection permutation has 1 entries, expected 2");
  CHECK(parse_permute_mode("balance", "--permute") == PermuteMode::Balance);
  CHECK_THROWS_WITH(parse_permute_mode("even", "--permute"),
                    "--permute: unknown permutation 'even' (none | balance)");
  RnnModel bad = m;
  bad.output_perm = {1, 1};
  CHECK_THROWS_WITH(validate_model(bad, "w.npz"),
                    "w.npz: output permutation is not a permutation (1 appears twice)");
}
