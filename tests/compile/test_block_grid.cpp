// The block-grid phase (compile/block_grid.h): the combined [W_ih | W_hh] grid of LSTM and GRU
// (GRU's extra block-rows for W_hh's n rows), checked by rebuilding, from the grid and its
// row_dest, the dense matrix each Acc offset receives and comparing it with the PyTorch layout
// computed from csb_to_dense of the source matrices; and the interleaving permutation.
#include <catch2/catch.hpp>

#include "compile/block_grid.h"
#include "model/csb.h"
#include "workload/bench_model.h"

using namespace csbrnn;
using namespace csbrnn::compile;

namespace {

// acc[r][c]: the weight the grid sends to Acc offset r from logical input column c (ih columns
// first, then hh); counts how many grid weights land on each (r, c) in `hits`.
Matrix rebuild(const MappedGrid& mg, int acc_rows, int in, int S, const CsbLayer& ly,
               std::vector<int>& hits) {
  const Grid& g = mg.grid;
  const int BCih = ly.w_ih.block_cols();
  Matrix acc(acc_rows, in + S);
  hits.assign(size_t(acc_rows) * (in + S), 0);
  for (int i = 0; i < g.BR; ++i)
    for (int j = 0; j < g.BC; ++j) {
      const VBlock& vb = g.at(i, j);
      for (int t = 0; t < vb.kr(); ++t)
        for (int u = 0; u < vb.kc(); ++u) {
          const uint32_t d = mg.row_dest[size_t(i) * g.bh + vb.row(t)];
          REQUIRE(d != kDiscard);  // a kept weight never goes to a discarded row
          const int col =
              j < BCih ? j * g.bw + vb.b->cols[u] : in + (j - BCih) * g.bw + vb.b->cols[u];
          acc.at(int(d), col) += vb.val(t, u);
          hits[size_t(d) * (in + S) + col]++;
        }
    }
  return acc;
}

GenSpec spec(CellType cell, int in, int H, int bh, int bw, uint64_t seed) {
  GenSpec s;
  s.cell = cell;
  s.input_size = in;
  s.hidden_size = H;
  s.bh = bh;
  s.bw = bw;
  s.keep_row = s.keep_col = 0.8;
  s.seed = seed;
  return s;
}

}  // namespace

TEST_CASE("GRU grid: extra block-rows carry W_hh's n rows to Acc 3H..4H", "[compile][grid]") {
  // H = 6, bh = 4: n rows 12..17 start on a block boundary; H = 5: n rows 10..14 share block-row
  // 2 with z rows 8, 9.
  struct Shape {
    int H, expected_br;  // BR1 = ceil(3H/4) plus one extra row per hh block-row holding n rows
  };
  for (const Shape sh : {Shape{6, 5 + 2}, Shape{5, 4 + 2}}) {
    const CsbModel m = generate_csb_model(spec(CellType::GRU, 5, sh.H, 4, 4, 7));
    const CsbLayer& ly = m.layers[0];
    const int H = sh.H, in = 5, S = H;
    const MappedGrid mg = gates_grid(ly, CellType::GRU, H);
    INFO("H = " << H);
    REQUIRE(mg.grid.BR == sh.expected_br);
    REQUIRE(mg.grid.BC == 2 + 2);
    REQUIRE(mg.row_dest.size() == size_t(sh.expected_br) * 4);
    const int BR1 = (3 * H + 3) / 4;
    for (int i = BR1; i < mg.grid.BR; ++i)
      for (int j = 0; j < 2; ++j) CHECK(mg.grid.at(i, j).kr() * mg.grid.at(i, j).kc() == 0);
    std::vector<int> hits;
    const Matrix acc = rebuild(mg, 4 * H, in, S, ly, hits);
    const Matrix wi = csb_to_dense(ly.w_ih), wh = csb_to_dense(ly.w_hh);
    size_t nonzero = 0;
    for (int r = 0; r < 4 * H; ++r)
      for (int c = 0; c < in + S; ++c) {
        float want = 0;
        if (c < in && r < 3 * H) want = wi.at(r, c);             // ih: r, z, gi_n; nothing at gh_n
        if (c >= in && r < 2 * H) want = wh.at(r, c - in);       // hh r, z
        if (c >= in && r >= 3 * H) want = wh.at(r - H, c - in);  // hh n -> gh_n
        CHECK(acc.at(r, c) == want);
        CHECK(hits[size_t(r) * (in + S) + c] <= 1);
        nonzero += want != 0;
      }
    CHECK(nonzero > size_t(4 * H));  // the comparison is not vacuous
  }
}

TEST_CASE("LSTM grid: W_ih beside W_hh row for row, padding rows discarded", "[compile][grid]") {
  const int H = 5, in = 7;  // 4H = 20 rows, bh = 8: 3 block-rows, 4 padding rows
  const CsbModel m = generate_csb_model(spec(CellType::LSTM, in, H, 8, 4, 3));
  const CsbLayer& ly = m.layers[0];
  const MappedGrid mg = gates_grid(ly, CellType::LSTM, H);
  REQUIRE(mg.grid.BR == 3);
  REQUIRE(mg.grid.BC == 2 + 2);
  for (int r = 0; r < 24; ++r) CHECK(mg.row_dest[r] == (r < 20 ? uint32_t(r) : kDiscard));
  std::vector<int> hits;
  const Matrix acc = rebuild(mg, 4 * H, in, H, ly, hits);
  const Matrix wi = csb_to_dense(ly.w_ih), wh = csb_to_dense(ly.w_hh);
  for (int r = 0; r < 4 * H; ++r)
    for (int c = 0; c < in + H; ++c)
      CHECK(acc.at(r, c) == (c < in ? wi.at(r, c) : wh.at(r, c - in)));
}

TEST_CASE("interleaving sorts block-rows by their first neuron, stably", "[compile][grid]") {
  // LSTM H = 8, bh = 4: block-row i writes Acc 4i..4i+3, neurons 4i mod 8 = 0, 4, 0, 4, ...
  const CsbModel m = generate_csb_model(spec(CellType::LSTM, 4, 8, 4, 4, 5));
  MappedGrid mg = gates_grid(m.layers[0], CellType::LSTM, 8);
  const MappedGrid src = mg;
  interleave_block_rows(mg, 8);
  const int order[] = {0, 2, 4, 6, 1, 3, 5, 7};
  for (int i = 0; i < 8; ++i) {
    for (int r = 0; r < 4; ++r) CHECK(mg.row_dest[size_t(i) * 4 + r] == uint32_t(order[i] * 4 + r));
    for (int j = 0; j < mg.grid.BC; ++j) CHECK(mg.grid.at(i, j).b == src.grid.at(order[i], j).b);
  }
}

TEST_CASE("GRU bias image: r and z summed, gi_n and gh_n kept apart", "[compile][grid]") {
  const CsbModel m = generate_csb_model(spec(CellType::GRU, 4, 3, 4, 4, 9));
  const CsbLayer& ly = m.layers[0];
  const std::vector<int64_t> b = gates_bias(ly, CellType::GRU, 3, true, 20);
  REQUIRE(b.size() == 12);
  for (int r = 0; r < 6; ++r) CHECK(b[r] == fx::quantize_acc(double(ly.b_ih[r]) + ly.b_hh[r], 20));
  for (int r = 6; r < 9; ++r) {
    CHECK(b[r] == fx::quantize_acc(ly.b_ih[r], 20));
    CHECK(b[r + 3] == fx::quantize_acc(ly.b_hh[r], 20));
  }
  CHECK(gates_bias(ly, CellType::GRU, 3, false, 20) == std::vector<int64_t>(12, 0));
}
