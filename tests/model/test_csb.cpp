// CSB matrices: hand-worked conversion, round trips, structure test, validation, index bits.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "common/error.h"
#include "model/csb.h"

using namespace csbrnn;

namespace {

// Hand-drawn 9x13 matrix in 5x5 blocks (2 block-rows x 3 block-columns, edge blocks 4 rows high
// and 3 columns wide), in the style of the paper's Fig. 3. Block by block:
//   (0,0) rows {2,4}   cols {1,4}    values 1 2 / 3 4
//   (0,1) rows {1,2,4} cols {0,2,4}  values 1..9           (global cols 5,7,9)
//   (0,2) rows {0,1,3} cols {0,2}    values -1..-6         (global cols 10,12)
//   (1,0) rows {0,3}   cols {2,3}    values .5 .25 / -.5 -.25 (global rows 5,8)
//   (1,1) rows {1,2}   cols {0,1,4}  values 10..15         (global rows 6,7, cols 5,6,9)
//   (1,2) empty
// clang-format off
const float kFig[9][13] = {
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

Matrix fig_matrix() {
  Matrix m(9, 13);
  for (int r = 0; r < 9; ++r)
    for (int c = 0; c < 13; ++c) m.at(r, c) = kFig[r][c];
  return m;
}

bool bits_equal(const Matrix& a, const Matrix& b) {
  return a.rows == b.rows && a.cols == b.cols && a.data.size() == b.data.size() &&
         (a.data.empty() ||
          std::memcmp(a.data.data(), b.data.data(), a.data.size() * sizeof(float)) == 0);
}

// Random matrix: each block gets a random row/column subset, or random unstructured non-zeros,
// with values drawn from a wide range incl. tiny/denormal/huge magnitudes and a few NaN/Inf.
Matrix random_matrix(std::mt19937& g, int rows, int cols, double density) {
  Matrix m(rows, cols);
  std::uniform_real_distribution<double> u(0, 1);
  std::uniform_int_distribution<uint32_t> bits;
  for (auto& v : m.data) {
    if (u(g) >= density) continue;
    const uint32_t b = bits(g);
    float f;
    std::memcpy(&f, &b, 4);  // any bit pattern: normals, denormals, NaNs with payloads, Inf
    v = f == 0.0f ? 1.0f : f;
  }
  return m;
}

}  // namespace

TEST_CASE("dense_to_csb on the hand-drawn Fig. 3 style matrix gives the hand-written arrays") {
  const CsbMatrix c = dense_to_csb(fig_matrix(), 5, 5);
  REQUIRE(c.rows == 9);
  REQUIRE(c.cols == 13);
  REQUIRE(c.block_rows() == 2);
  REQUIRE(c.block_cols() == 3);
  REQUIRE(c.blocks.size() == 6);
  using V16 = std::vector<uint16_t>;
  using VF = std::vector<float>;
  CHECK(c.block(0, 0).rows == V16{2, 4});
  CHECK(c.block(0, 0).cols == V16{1, 4});
  CHECK(c.block(0, 0).values == VF{1, 2, 3, 4});
  CHECK(c.block(0, 1).rows == V16{1, 2, 4});
  CHECK(c.block(0, 1).cols == V16{0, 2, 4});
  CHECK(c.block(0, 1).values == VF{1, 2, 3, 4, 5, 6, 7, 8, 9});
  CHECK(c.block(0, 2).rows == V16{0, 1, 3});
  CHECK(c.block(0, 2).cols == V16{0, 2});
  CHECK(c.block(0, 2).values == VF{-1, -2, -3, -4, -5, -6});
  CHECK(c.block(1, 0).rows == V16{0, 3});
  CHECK(c.block(1, 0).cols == V16{2, 3});
  CHECK(c.block(1, 0).values == VF{0.5f, 0.25f, -0.5f, -0.25f});
  CHECK(c.block(1, 1).rows == V16{1, 2});
  CHECK(c.block(1, 1).cols == V16{0, 1, 4});
  CHECK(c.block(1, 1).values == VF{10, 11, 12, 13, 14, 15});
  CHECK(c.block(1, 2).rows.empty());
  CHECK(c.block(1, 2).cols.empty());
  CHECK(c.block(1, 2).values.empty());
  // kr = {2,3,3,2,2,0}, kc = {2,3,2,2,3,0}: 4+9+6+4+6+0 kept weights.
  CHECK(c.nnz() == 29);
  // Hand count, bh = bw = 5: counters ceil(log2 6) = 3 bits each -> 6 per block x 6 blocks = 36;
  // indices ceil(log2 5) = 3 bits, (2+2)+(3+3)+(3+2)+(2+2)+(2+3)+0 = 24 indices -> 72. Total 108.
  CHECK(csb_index_bits(c) == 108);
  CHECK(has_csb_structure(fig_matrix(), 5, 5));
  CHECK(bits_equal(csb_to_dense(c), fig_matrix()));
  REQUIRE_NOTHROW(check_csb(c, "fig"));
}

TEST_CASE("csb_index_bits follows the documented formula on hand-counted cases") {
  // One 4x4 block of a 4x4 matrix, kernel 2x3: counters ceil(log2 5)=3 + 3, indices 2 bits each:
  // 6 + 2*2 + 3*2 = 16.
  Matrix m(4, 4);
  m.at(0, 0) = 1;
  m.at(0, 1) = 2;
  m.at(0, 3) = 3;
  m.at(2, 0) = 4;
  m.at(2, 1) = 5;
  m.at(2, 3) = 6;
  CHECK(csb_index_bits(dense_to_csb(m, 4, 4)) == 16);
  // Block 1x1: counters 1 bit each (kr in {0,1}), no index bits: 2 bits per block, 16 blocks.
  CHECK(csb_index_bits(dense_to_csb(m, 1, 1)) == 32);
  // Block 32x32 over a 64x40 matrix: 2x2 blocks, counters 6+6 bits; one kernel 1x1 -> 5+5.
  Matrix z(64, 40);
  z.at(63, 39) = 7;  // lands in the edge block (1,1)
  CHECK(csb_index_bits(dense_to_csb(z, 32, 32)) == 4 * 12 + 10);
  // Block 8x2 (non-square): counters ceil(log2 9)=4, ceil(log2 3)=2; index 3 and 1 bits.
  Matrix a(8, 2, 1.0f);  // full: kr=8, kc=2 -> 6 + 8*3 + 2*1 = 32
  CHECK(csb_index_bits(dense_to_csb(a, 8, 2)) == 32);
  CHECK(ceil_log2(0) == 0);
  CHECK(ceil_log2(1) == 0);
  CHECK(ceil_log2(2) == 1);
  CHECK(ceil_log2(3) == 2);
  CHECK(ceil_log2(32) == 5);
  CHECK(ceil_log2(33) == 6);
  CHECK(ceil_log2(65535) == 16);
}

TEST_CASE("dense -> csb -> dense is bit-exact for many shapes and block sizes") {
  std::mt19937 g(12345);
  const int shapes[][2] = {{1, 1},   {1, 7},   {7, 1},   {1, 40},  {40, 1},  {5, 5},  {9, 13},
                           {32, 32}, {33, 31}, {64, 17}, {3, 100}, {100, 3}, {47, 53}};
  const int blocks[][2] = {{1, 1}, {1, 4},   {4, 1},   {2, 3},   {4, 4},  {5, 7},
                           {8, 8}, {16, 16}, {32, 32}, {64, 64}, {100, 1}};
  for (const auto& s : shapes)
    for (const auto& b : blocks)
      for (double density : {0.0, 0.05, 0.3, 1.0}) {
        const Matrix m = random_matrix(g, s[0], s[1], density);
        const CsbMatrix c = dense_to_csb(m, b[0], b[1]);
        INFO(s[0] << "x" << s[1] << " blocks " << b[0] << "x" << b[1] << " density " << density);
        REQUIRE(c.blocks.size() ==
                size_t((s[0] + b[0] - 1) / b[0]) * size_t((s[1] + b[1] - 1) / b[1]));
        REQUIRE(bits_equal(csb_to_dense(c), m));
        // Count independently: kept weights = sum over blocks of |nz rows| * |nz cols|.
        size_t kept = 0;
        for (int bi = 0; bi * b[0] < s[0]; ++bi)
          for (int bj = 0; bj * b[1] < s[1]; ++bj) {
            int nr = 0, nc = 0;
            for (int r = bi * b[0]; r < std::min(s[0], (bi + 1) * b[0]); ++r) {
              bool any = false;
              for (int k = bj * b[1]; k < std::min(s[1], (bj + 1) * b[1]); ++k)
                any |= m.at(r, k) != 0.0f;
              nr += any;
            }
            for (int k = bj * b[1]; k < std::min(s[1], (bj + 1) * b[1]); ++k) {
              bool any = false;
              for (int r = bi * b[0]; r < std::min(s[0], (bi + 1) * b[0]); ++r)
                any |= m.at(r, k) != 0.0f;
              nc += any;
            }
            kept += size_t(nr) * nc;
          }
        REQUIRE(c.nnz() == kept);
      }
}

TEST_CASE("negative zero: kept bit-exact inside a kernel, +0 outside every kernel") {
  Matrix m(2, 2);
  m.at(0, 0) = 1.0f;
  m.at(0, 1) = 2.0f;
  m.at(1, 0) = -0.0f;  // row 1 holds no non-zero: not kept
  m.at(1, 1) = 3.0f;   // now row 1 is kept, (1,0) is a cross-point: -0 stored in the kernel
  Matrix back = csb_to_dense(dense_to_csb(m, 2, 2));
  CHECK(bits_equal(back, m));
  Matrix n(2, 2);
  n.at(0, 0) = 1.0f;
  n.at(1, 1) = -0.0f;  // row 1 and column 1 are all zero: no kernel holds this entry
  const CsbMatrix c = dense_to_csb(n, 2, 2);
  CHECK(c.nnz() == 1);
  back = csb_to_dense(c);
  CHECK(back.at(1, 1) == 0.0f);
  CHECK_FALSE(std::signbit(back.at(1, 1)));
}

TEST_CASE("empty and degenerate matrices") {
  const Matrix empty;
  const CsbMatrix c = dense_to_csb(empty, 4, 4);
  CHECK(c.blocks.empty());
  CHECK(c.nnz() == 0);
  CHECK(csb_to_dense(c).empty());
  CHECK(csb_to_dense(CsbMatrix{}).empty());  // the "absent w_hr" default
  const Matrix zeros(6, 10);
  const CsbMatrix z = dense_to_csb(zeros, 4, 4);
  CHECK(z.blocks.size() == 6);
  CHECK(z.nnz() == 0);
  CHECK(csb_index_bits(z) == 6 * (3 + 3));
  CHECK(bits_equal(csb_to_dense(z), zeros));
  CHECK(has_csb_structure(zeros, 4, 4));
  CHECK_THROWS_AS(dense_to_csb(zeros, 0, 4), Error);
  CHECK_THROWS_AS(dense_to_csb(zeros, 4, -1), Error);
  CHECK_THROWS_AS(dense_to_csb(zeros, 65536, 4), Error);
  CHECK_NOTHROW(dense_to_csb(zeros, 65535, 65535));
}

TEST_CASE("has_csb_structure: tight kernels only") {
  CHECK(has_csb_structure(fig_matrix(), 5, 5));
  // A zero at a cross-point of kept row 6 and kept column 6 (block (1,1)).
  Matrix hole = fig_matrix();
  hole.at(6, 6) = 0.0f;
  CHECK_FALSE(has_csb_structure(hole, 5, 5));
  // A stray non-zero adds row 0 and column 0 to block (0,0): (0,1), (2,0), ... become holes.
  Matrix stray = fig_matrix();
  stray.at(0, 0) = 7.0f;
  CHECK_FALSE(has_csb_structure(stray, 5, 5));
  // The same stray entry is fine with 1x1 blocks (every block is 0x0 or 1x1).
  CHECK(has_csb_structure(stray, 1, 1));
  // A diagonal is CSB-structured only block-diagonally of size 1.
  Matrix diag(6, 6);
  for (int i = 0; i < 6; ++i) diag.at(i, i) = float(i + 1);
  CHECK_FALSE(has_csb_structure(diag, 2, 2));
  CHECK_FALSE(has_csb_structure(diag, 6, 6));
  // 3x3 blocks: diagonal blocks hold a 3-element diagonal (holes); off-diagonal are empty.
  CHECK_FALSE(has_csb_structure(diag, 3, 3));
  CHECK(has_csb_structure(diag, 1, 1));
  CHECK(has_csb_structure(diag, 1, 6));  // each block is one row holding one non-zero
  // A dense matrix is trivially tight; one hole breaks it; -0 counts as a hole.
  Matrix full(5, 7, 1.5f);
  CHECK(has_csb_structure(full, 3, 3));
  full.at(4, 5) = -0.0f;  // row 4 and column 5 still hold non-zeros in block (1,1)
  CHECK_FALSE(has_csb_structure(full, 3, 3));
  CHECK(has_csb_structure(full, 1, 1));
  // Randomised: structure <=> the converted kernels are all zero-free (independent route).
  std::mt19937 g(7);
  for (int t = 0; t < 200; ++t) {
    const int r = 1 + int(g() % 12), c = 1 + int(g() % 12), bh = 1 + int(g() % 5),
              bw = 1 + int(g() % 5);
    Matrix m(r, c);
    for (auto& v : m.data) v = (g() % 4 == 0) ? 1.0f : 0.0f;
    bool zero_free = true;
    for (const auto& b : dense_to_csb(m, bh, bw).blocks)
      for (float v : b.values) zero_free &= v != 0.0f;
    INFO(r << "x" << c << " blocks " << bh << "x" << bw);
    CHECK(has_csb_structure(m, bh, bw) == zero_free);
  }
}

TEST_CASE("check_csb catches malformed CSB matrices with the block named") {
  const CsbMatrix good = dense_to_csb(fig_matrix(), 5, 5);
  REQUIRE_NOTHROW(check_csb(good, "w"));
  auto expect = [](const CsbMatrix& c, const std::string& text) {
    try {
      check_csb(c, "weight_ih_l0");
      FAIL("no error for: " << text);
    } catch (const Error& e) {
      const std::string msg = e.what();
      INFO(msg);
      CHECK(msg.rfind("weight_ih_l0: ", 0) == 0);
      CHECK(msg.find(text) != std::string::npos);
    }
  };
  CsbMatrix c = good;
  c.block(0, 1).rows[2] = 5;  // == bh
  expect(c, "block (0,1): row index 5 out of range");
  c = good;
  c.block(1, 0).rows[1] = 4;  // edge block has 4 rows: 4 is padding, not a matrix row
  expect(c, "block (1,0): row index 4 out of range");
  c = good;
  c.block(0, 2).cols[1] = 3;  // edge block has 3 columns
  expect(c, "block (0,2): column index 3 out of range");
  c = good;
  std::swap(c.block(0, 1).cols[0], c.block(0, 1).cols[1]);
  expect(c, "block (0,1): column indices not strictly ascending");
  c = good;
  c.block(0, 0).rows[1] = c.block(0, 0).rows[0];  // duplicate
  expect(c, "block (0,0): row indices not strictly ascending");
  c = good;
  c.block(1, 1).values.pop_back();
  expect(c, "block (1,1): kernel has 5 values, expected kr*kc = 2*3");
  c = good;
  c.block(0, 0).values[3] = std::numeric_limits<float>::quiet_NaN();
  expect(c, "block (0,0): kernel contains NaN or Inf");
  c = good;
  c.block(0, 0).values[0] = -std::numeric_limits<float>::infinity();
  expect(c, "block (0,0): kernel contains NaN or Inf");
  c = good;
  c.blocks.pop_back();
  expect(c, "has 5 blocks, expected 6");
  c = good;
  c.bh = 0;
  expect(c, "block size 0x5 out of range");
  c = good;
  c.bw = 70000;
  expect(c, "block size 5x70000 out of range");
  c = good;
  c.rows = -1;
  expect(c, "negative matrix size");
  // csb_to_dense refuses a malformed structure instead of writing out of bounds.
  c = good;
  c.block(1, 0).rows[1] = 4;
  CHECK_THROWS_AS(csb_to_dense(c), Error);
}

TEST_CASE("dense model <-> CSB model copies every tensor, incl. w_hr and biases") {
  std::mt19937 g(99);
  for (CellType cell : {CellType::LSTM, CellType::GRU})
    for (int proj : {0, 3})
      for (bool bias : {true, false}) {
        if (cell == CellType::GRU && proj) continue;
        RnnModel m;
        m.cell = cell;
        m.input_size = 5;
        m.hidden_size = 6;
        m.proj_size = proj;
        m.has_bias = bias;
        const int gh = gate_count(cell) * 6;
        for (int k = 0; k < 2; ++k) {
          LayerWeights L;
          L.w_ih = random_matrix(g, gh, m.layer_input_size(k), 0.3);
          for (auto& v : L.w_ih.data)
            if (!std::isfinite(v)) v = 2.0f;
          L.w_hh = random_matrix(g, gh, m.state_size(), 0.3);
          for (auto& v : L.w_hh.data)
            if (!std::isfinite(v)) v = -2.0f;
          if (proj) L.w_hr = Matrix(proj, 6, 0.75f);
          if (bias) {
            for (int i = 0; i < gh; ++i) L.b_ih.push_back(float(i) * 0.5f);
            for (int i = 0; i < gh; ++i) L.b_hh.push_back(-float(i));
          }
          m.layers.push_back(L);
        }
        REQUIRE_NOTHROW(validate_model(m, "m"));
        const CsbModel c = dense_model_to_csb(m, 4, 3);
        REQUIRE_NOTHROW(validate_csb_model(c, "c"));
        CHECK(c.cell == cell);
        CHECK(c.proj_size == proj);
        CHECK(c.has_bias == bias);
        CHECK(c.num_layers() == 2);
        CHECK((c.layers[1].w_hr.rows > 0) == (proj > 0));
        const RnnModel d = csb_model_to_dense(c);
        REQUIRE_NOTHROW(validate_model(d, "d"));
        CHECK(d.cell == m.cell);
        CHECK(d.input_size == m.input_size);
        CHECK(d.hidden_size == m.hidden_size);
        CHECK(d.proj_size == m.proj_size);
        CHECK(d.has_bias == m.has_bias);
        for (int k = 0; k < 2; ++k) {
          CHECK(bits_equal(d.layers[k].w_ih, m.layers[k].w_ih));
          CHECK(bits_equal(d.layers[k].w_hh, m.layers[k].w_hh));
          CHECK(bits_equal(d.layers[k].w_hr, m.layers[k].w_hr));
          CHECK(d.layers[k].b_ih == m.layers[k].b_ih);
          CHECK(d.layers[k].b_hh == m.layers[k].b_hh);
        }
      }
}

TEST_CASE("validate_csb_model rejects wrong shapes, stray w_hr and bad biases") {
  RnnModel m;
  m.cell = CellType::GRU;
  m.input_size = 3;
  m.hidden_size = 2;
  LayerWeights L;
  L.w_ih = Matrix(6, 3, 1.0f);
  L.w_hh = Matrix(6, 2, 1.0f);
  L.b_ih.assign(6, 0.1f);
  L.b_hh.assign(6, 0.2f);
  m.layers.push_back(L);
  const CsbModel good = dense_model_to_csb(m, 2, 2);
  REQUIRE_NOTHROW(validate_csb_model(good, "f.csb"));
  CsbModel c = good;
  c.layers[0].w_hh = dense_to_csb(Matrix(6, 3, 1.0f), 2, 2);
  CHECK_THROWS_WITH(validate_csb_model(c, "f.csb"),
                    "f.csb: weight_hh_l0 has shape (6, 3), expected (6, 2)");
  c = good;
  c.layers[0].w_hr = dense_to_csb(Matrix(1, 2, 1.0f), 2, 2);
  CHECK_THROWS_WITH(validate_csb_model(c, "f.csb"),
                    "f.csb: weight_hr_l0 present but the model has no projection");
  c = good;
  c.layers[0].b_hh.pop_back();
  CHECK_THROWS_WITH(validate_csb_model(c, "f.csb"), "f.csb: bias_hh_l0 has 5 elements, expected 6");
  c = good;
  c.layers[0].b_ih[0] = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH(validate_csb_model(c, "f.csb"), "f.csb: bias_ih_l0 contains NaN or Inf");
  c = good;
  c.layers[0].w_ih.block(0, 0).rows = {1, 0};
  CHECK_THROWS_WITH(validate_csb_model(c, "f.csb"),
                    Catch::Contains("f.csb: weight_ih_l0: block (0,0): row indices not strictly"));
  c = good;
  c.proj_size = 1;
  CHECK_THROWS_WITH(validate_csb_model(c, "f.csb"), "f.csb: proj_size is only valid for LSTM");
  c = good;
  c.layers.clear();
  CHECK_THROWS_WITH(validate_csb_model(c, "f.csb"), "f.csb: model has no layers");
}
