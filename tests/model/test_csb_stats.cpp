// CSB storage statistics: hand-worked figures for the Fig. 3 style matrix and closed forms.
#include <catch2/catch.hpp>
#include <cmath>

#include "common/error.h"
#include "model/csb_stats.h"

using namespace csbrnn;

namespace {

// Same hand-drawn matrix as test_csb.cpp: 9x13 in 5x5 blocks, kernels 2x2, 3x3, 3x2, 2x2, 2x3
// and one empty block.
Matrix fig_matrix() {
  // clang-format off
  const float f[9][13] = {
      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, -2},
      {0, 0, 0, 0, 0, 1, 0, 2, 0, 3, -3, 0, -4},
      {0, 1, 0, 0, 2, 4, 0, 5, 0, 6, 0, 0, 0},
      {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -5, 0, -6},
      {0, 3, 0, 0, 4, 7, 0, 8, 0, 9, 0, 0, 0},
      {0, 0, 0.5f, 0.25f, 0, 0, 0, 0, 0, 0, 0, 0, 0},
      {0, 0, 0, 0, 0, 10, 11, 0, 0, 12, 0, 0, 0},
      {0, 0, 0, 0, 0, 13, 14, 0, 0, 15, 0, 0, 0},
      {0, 0, -0.5f, -0.25f, 0, 0, 0, 0, 0, 0, 0, 0, 0},
  };
  // clang-format on
  Matrix m(9, 13);
  for (int r = 0; r < 9; ++r)
    for (int c = 0; c < 13; ++c) m.at(r, c) = f[r][c];
  return m;
}

}  // namespace

TEST_CASE("matrix statistics of the hand-drawn example") {
  const CsbStats s = csb_matrix_stats(dense_to_csb(fig_matrix(), 5, 5), "w");
  CHECK(s.name == "w");
  CHECK(s.rows == 9);
  CHECK(s.cols == 13);
  CHECK(s.bh == 5);
  CHECK(s.bw == 5);
  CHECK(s.blocks == 6);
  CHECK(s.empty_blocks == 1);
  CHECK(s.kept == 29);
  CHECK(s.total == 117);
  CHECK(s.kernel_zeros == 0);
  CHECK(s.rate == Approx(117.0 / 29.0));
  CHECK(s.index_bits == 108);
  CHECK(s.nio == Approx(108.0 / (29.0 * 16.0)));
  // CSR over the same 29 positions: 29 * ceil(log2 13) = 116 column-index bits and
  // 10 row pointers of ceil(log2 30) = 5 bits.
  CHECK(s.csr_index_bits == 116 + 50);
  CHECK(s.csr_nio == Approx(166.0 / (29.0 * 16.0)));
  using H = std::map<int, uint64_t>;
  CHECK(s.kr_hist == H{{0, 1}, {2, 3}, {3, 2}});
  CHECK(s.kc_hist == H{{0, 1}, {2, 3}, {3, 2}});
  CHECK(s.size_hist == H{{0, 1}, {4, 2}, {6, 2}, {9, 1}});
  // Block areas inside the matrix: 25, 25, 15, 20, 20, 12.
  // Densities 4/25, 9/25, 6/15, 4/20, 6/20, 0 = .16 .36 .4 .2 .3 0.
  CHECK(s.density_min == 0.0);
  CHECK(s.density_max == Approx(0.4));
  CHECK(s.density_mean == Approx(1.42 / 6));
  CHECK(s.density_stddev == Approx(std::sqrt(0.4452 / 6 - (1.42 / 6) * (1.42 / 6))));
  // 8-bit weights double the NIO.
  CHECK(csb_matrix_stats(dense_to_csb(fig_matrix(), 5, 5), "w", 8).nio ==
        Approx(108.0 / (29.0 * 8.0)));
  // A zero at a cross-point is kept storage: counted.
  Matrix hole = fig_matrix();
  hole.at(6, 6) = 0.0f;
  const CsbStats h = csb_matrix_stats(dense_to_csb(hole, 5, 5), "w");
  CHECK(h.kept == 29);
  CHECK(h.kernel_zeros == 1);
}

TEST_CASE("uniform kernels give the closed-form NIO at block 32") {
  // 1024x1024 in 32x32 blocks, every block keeps rows/cols {0,4,...,28} (8x8 kernels): 16x rate.
  Matrix m(1024, 1024);
  for (int r = 0; r < 1024; r += 4)
    for (int c = 0; c < 1024; c += 4) m.at(r, c) = 1.0f;
  const CsbStats s = csb_matrix_stats(dense_to_csb(m, 32, 32), "w");
  CHECK(s.blocks == 1024);
  CHECK(s.kept == 65536);
  CHECK(s.rate == Approx(16.0));
  // Per block: 6 + 6 counter bits + (8 + 8) * 5 index bits = 92 bits for 64 16-bit weights.
  CHECK(s.index_bits == 1024 * 92);
  CHECK(s.nio == Approx(92.0 / 1024.0));
  // CSR: 65536 * 10 column bits + 1025 row pointers of ceil(log2 65537) = 17 bits.
  CHECK(s.csr_index_bits == 65536ull * 10 + 1025ull * 17);
  CHECK(s.density_min == Approx(1.0 / 16));
  CHECK(s.density_max == Approx(1.0 / 16));
  CHECK(s.density_stddev == Approx(0.0).margin(1e-12));
  CHECK(s.size_hist == std::map<int, uint64_t>{{64, 1024}});
}

TEST_CASE("model statistics sum the matrices and pool every block") {
  RnnModel d;
  d.cell = CellType::GRU;
  d.input_size = 13;
  d.hidden_size = 3;
  d.has_bias = false;
  LayerWeights L;
  L.w_ih = fig_matrix();        // 9x13
  L.w_hh = Matrix(9, 3, 1.0f);  // blocks (0,0) 5x3 and (1,0) 4x3, both full
  d.layers.push_back(L);
  const CsbModelStats s = csb_model_stats(dense_model_to_csb(d, 5, 5));
  REQUIRE(s.matrices.size() == 2);
  CHECK(s.matrices[0].name == "weight_ih_l0");
  CHECK(s.matrices[1].name == "weight_hh_l0");
  CHECK(s.matrices[1].kept == 27);
  // 2 blocks x 6 counter bits + (5+3)*3 + (4+3)*3 index bits.
  CHECK(s.matrices[1].index_bits == 12 + 24 + 21);
  const CsbStats& t = s.total;
  CHECK(t.name == "model");
  CHECK(t.blocks == 8);
  CHECK(t.empty_blocks == 1);
  CHECK(t.kept == 29 + 27);
  CHECK(t.total == 117 + 27);
  CHECK(t.rate == Approx(144.0 / 56.0));
  CHECK(t.index_bits == 108 + 57);
  CHECK(t.nio == Approx(165.0 / (56.0 * 16)));
  // CSR per matrix: w_hh 27 * ceil(log2 3) + 10 * ceil(log2 28) = 54 + 50.
  CHECK(t.csr_index_bits == 166 + 104);
  CHECK(t.density_min == 0.0);
  CHECK(t.density_max == 1.0);
  CHECK(t.density_mean == Approx((1.42 + 2.0) / 8));
  CHECK(t.size_hist == std::map<int, uint64_t>{{0, 1}, {4, 2}, {6, 2}, {9, 1}, {12, 1}, {15, 1}});
  CHECK(t.kr_hist == std::map<int, uint64_t>{{0, 1}, {2, 3}, {3, 2}, {4, 1}, {5, 1}});
}

TEST_CASE("statistics of an all-pruned matrix and bad arguments") {
  const CsbStats s = csb_matrix_stats(dense_to_csb(Matrix(4, 4), 2, 2), "zero");
  CHECK(s.kept == 0);
  CHECK(std::isinf(s.rate));
  CHECK(std::isinf(s.nio));
  CHECK(s.index_bits == 4 * (2 + 2));
  CHECK(s.density_max == 0.0);
  CHECK_THROWS_AS(csb_matrix_stats(dense_to_csb(Matrix(4, 4), 2, 2), "w", 0), Error);
  CsbMatrix bad = dense_to_csb(Matrix(4, 4, 1.0f), 2, 2);
  bad.blocks[3].cols = {1, 0};
  CHECK_THROWS_WITH(csb_matrix_stats(bad, "w"), Catch::Contains("w: block (1,1)"));
}
