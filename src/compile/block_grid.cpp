#include "compile/block_grid.h"

#include <algorithm>

namespace csbrnn::compile {
namespace {

// Keeps the rows of `b` whose global row (row0 + local) satisfies lo <= row < hi.
VBlock filtered(const CsbBlock& b, int row0, int lo, int hi) {
  VBlock v;
  v.b = &b;
  v.all_rows = false;
  for (int i = 0; i < b.kr(); ++i) {
    const int g = row0 + b.rows[i];
    if (g >= lo && g < hi) v.rsel.push_back(i);
  }
  return v;
}

// GRU: W_hh's n rows [2H, 3H) leave the first BR1 block-rows for E extra block-rows after them.
void add_gru_rows(MappedGrid& mg, const CsbLayer& layer, int H, int BR1) {
  Grid& g = mg.grid;
  const int bh = g.bh, BCih = layer.w_ih.block_cols(), BChh = layer.w_hh.block_cols();
  const int n_lo = 2 * H, n_hi = 3 * H, GH = 3 * H;
  const int e0 = n_lo / bh;  // the first hh block-row holding n rows
  for (int i = 0; i < BR1; ++i)
    for (int j = 0; j < BChh; ++j)
      g.at(i, BCih + j) = filtered(layer.w_hh.block(i, j), i * bh, 0, n_lo);
  for (int e = 0; e < g.BR - BR1; ++e) {
    const int ie = e0 + e;
    for (int j = 0; j < BChh; ++j)
      g.at(BR1 + e, BCih + j) = filtered(layer.w_hh.block(ie, j), ie * bh, n_lo, n_hi);
    for (int p = 0; p < bh; ++p) {
      const int gr = ie * bh + p;
      if (gr >= n_lo && gr < n_hi) mg.row_dest[size_t(BR1 + e) * bh + p] = uint32_t(GH + gr - n_lo);
    }
  }
}

}  // namespace

MappedGrid gates_grid(const CsbLayer& layer, CellType cell, int H) {
  const int bh = layer.w_ih.bh, bw = layer.w_ih.bw;
  const int BCih = layer.w_ih.block_cols(), BChh = layer.w_hh.block_cols();
  const int GH = gate_count(cell) * H, BR1 = ceil_div(GH, bh);
  const bool gru = cell == CellType::GRU;
  MappedGrid mg;
  Grid& g = mg.grid;
  g.bh = bh;
  g.bw = bw;
  g.BC = BCih + BChh;
  g.BR = gru ? BR1 + (BR1 - 2 * H / bh) : BR1;
  g.blocks.resize(size_t(g.BR) * g.BC);
  mg.row_dest.assign(size_t(g.BR) * bh, kDiscard);
  for (int r = 0; r < GH; ++r) mg.row_dest[r] = uint32_t(r);
  for (int i = 0; i < BR1; ++i) {
    for (int j = 0; j < BCih; ++j) g.at(i, j).b = &layer.w_ih.block(i, j);
    if (!gru)
      for (int j = 0; j < BChh; ++j) g.at(i, BCih + j).b = &layer.w_hh.block(i, j);
  }
  if (gru) add_gru_rows(mg, layer, H, BR1);
  return mg;
}

MappedGrid projection_grid(const CsbMatrix& w_hr) {
  MappedGrid mg;
  Grid& g = mg.grid;
  g.bh = w_hr.bh;
  g.bw = w_hr.bw;
  g.BR = w_hr.block_rows();
  g.BC = w_hr.block_cols();
  g.blocks.resize(size_t(g.BR) * g.BC);
  for (int i = 0; i < g.BR; ++i)
    for (int j = 0; j < g.BC; ++j) g.at(i, j).b = &w_hr.block(i, j);
  mg.row_dest.assign(size_t(g.BR) * g.bh, kDiscard);
  for (int r = 0; r < w_hr.rows; ++r) mg.row_dest[r] = uint32_t(r);
  return mg;
}

void interleave_block_rows(MappedGrid& mg, int N) {
  const Grid& g = mg.grid;
  const std::vector<uint32_t>& dest = mg.row_dest;
  std::vector<std::pair<int64_t, int>> key(size_t(g.BR));
  for (int i = 0; i < g.BR; ++i) {
    int64_t k = INT64_MAX;
    for (int r = 0; r < g.bh; ++r) {
      const uint32_t d = dest[size_t(i) * g.bh + r];
      if (d != kDiscard) k = std::min<int64_t>(k, d % uint32_t(N));
    }
    key[size_t(i)] = {k, i};
  }
  std::stable_sort(key.begin(), key.end(),
                   [](const auto& x, const auto& y) { return x.first < y.first; });
  MappedGrid out = mg;
  for (int i = 0; i < g.BR; ++i) {
    const int src = key[size_t(i)].second;
    for (int j = 0; j < g.BC; ++j) out.grid.at(i, j) = g.at(src, j);
    std::copy(dest.begin() + size_t(src) * g.bh, dest.begin() + size_t(src + 1) * g.bh,
              out.row_dest.begin() + size_t(i) * g.bh);
  }
  mg = std::move(out);
}

std::vector<int64_t> gates_bias(const CsbLayer& layer, CellType cell, int H, bool has_bias,
                                int frac_bits) {
  std::vector<int64_t> b(size_t(4) * H, 0);
  if (!has_bias) return b;
  auto q = [&](double v) { return fx::quantize_acc(v, frac_bits); };
  if (cell == CellType::LSTM) {
    for (int r = 0; r < 4 * H; ++r) b[r] = q(double(layer.b_ih[r]) + double(layer.b_hh[r]));
    return b;
  }
  for (int r = 0; r < 2 * H; ++r) b[r] = q(double(layer.b_ih[r]) + double(layer.b_hh[r]));
  for (int r = 2 * H; r < 3 * H; ++r) {
    b[r] = q(double(layer.b_ih[r]));
    b[r + H] = q(double(layer.b_hh[r]));
  }
  return b;
}

std::vector<ColumnSlice> slices_for(Operand src, int n, int bw) {
  std::vector<ColumnSlice> v;
  for (int j = 0; j * bw < n; ++j)
    v.push_back(ColumnSlice{Operand{src.bank, src.addr + uint32_t(j * bw)},
                            uint16_t(std::min(bw, n - j * bw))});
  return v;
}

}  // namespace csbrnn::compile
