#include "compile/model_gen.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "common/error.h"

namespace csbrnn {
namespace {


// Keeps the `keep` largest of `norm` (ties: lower index first); returns a 0/1 mask.
std::vector<uint8_t> top(const std::vector<double>& norm, int keep) {
  std::vector<int> idx(norm.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return norm[a] > norm[b]; });
  std::vector<uint8_t> m(norm.size(), 0);
  for (int i = 0; i < keep && i < int(idx.size()); ++i) m[idx[i]] = 1;
  return m;
}

}  // namespace

Matrix csb_matrix_dense(const CsbMatrix& c) {
  Matrix d(c.rows, c.cols);
  for (int i = 0; i < c.block_rows(); ++i)
    for (int j = 0; j < c.block_cols(); ++j) {
      const CsbBlock& b = c.block(i, j);
      for (int r = 0; r < b.kr(); ++r)
        for (int q = 0; q < b.kc(); ++q)
          d.at(i * c.bh + b.rows[r], j * c.bw + b.cols[q]) = b.values[size_t(r) * b.kc() + q];
    }
  return d;
}

CsbMatrix generate_csb_matrix(int rows, int cols, const GenSpec& s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  CsbMatrix c;
  c.rows = rows;
  c.cols = cols;
  c.bh = s.bh;
  c.bw = s.bw;
  const int BR = c.block_rows(), BC = c.block_cols();
  c.blocks.resize(size_t(BR) * BC);
  if (s.rate <= 0) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    for (int i = 0; i < BR; ++i)
      for (int j = 0; j < BC; ++j) {
        CsbBlock& b = c.block(i, j);
        for (int r = 0; r < std::min(s.bh, rows - i * s.bh); ++r)
          if (u(rng) < s.keep_row) b.rows.push_back(uint16_t(r));
        for (int q = 0; q < std::min(s.bw, cols - j * s.bw); ++q)
          if (u(rng) < s.keep_col) b.cols.push_back(uint16_t(q));
        for (size_t t = 0; t < b.rows.size() * b.cols.size(); ++t)
          b.values.push_back(float((2 * u(rng) - 1) * s.weight_scale));
      }
    return c;
  }
  // Paper's projection on a Gaussian matrix.
  std::normal_distribution<double> nd(0.0, s.weight_scale);
  Matrix w(rows, cols);
  for (float& v : w.data) v = float(nd(rng));
  const double frac = std::sqrt(1.0 / s.rate);
  std::vector<uint8_t> rowkeep(size_t(rows) * BC);  // [r][strip]
  for (int j = 0; j < BC; ++j) {
    std::vector<double> norm(rows, 0.0);
    for (int r = 0; r < rows; ++r)
      for (int q = j * s.bw; q < std::min(cols, (j + 1) * s.bw); ++q)
        norm[r] += double(w.at(r, q)) * w.at(r, q);
    const auto m = top(norm, int(std::lround(rows * frac)));
    for (int r = 0; r < rows; ++r) rowkeep[size_t(r) * BC + j] = m[r];
  }
  for (int i = 0; i < BR; ++i) {
    std::vector<double> norm(cols, 0.0);
    for (int r = i * s.bh; r < std::min(rows, (i + 1) * s.bh); ++r)
      for (int q = 0; q < cols; ++q)
        if (rowkeep[size_t(r) * BC + q / s.bw]) norm[q] += double(w.at(r, q)) * w.at(r, q);
    const auto colkeep = top(norm, int(std::lround(cols * frac)));
    for (int j = 0; j < BC; ++j) {
      CsbBlock& b = c.block(i, j);
      for (int r = i * s.bh; r < std::min(rows, (i + 1) * s.bh); ++r)
        if (rowkeep[size_t(r) * BC + j]) b.rows.push_back(uint16_t(r - i * s.bh));
      for (int q = j * s.bw; q < std::min(cols, (j + 1) * s.bw); ++q)
        if (colkeep[q]) b.cols.push_back(uint16_t(q - j * s.bw));
      if (b.rows.empty() || b.cols.empty()) {
        b.rows.clear();
        b.cols.clear();
      }
      for (uint16_t r : b.rows)
        for (uint16_t q : b.cols) b.values.push_back(w.at(i * s.bh + r, j * s.bw + q));
    }
  }
  return c;
}

CsbModel generate_csb_model(const GenSpec& s) {
  CsbModel m;
  m.cell = s.cell;
  m.input_size = s.input_size;
  m.hidden_size = s.hidden_size;
  m.proj_size = s.proj_size;
  m.has_bias = s.has_bias;
  const int G = gate_count(s.cell), H = s.hidden_size;
  std::mt19937_64 rng(s.seed * 7919 + 17);
  std::uniform_real_distribution<double> u(-s.weight_scale, s.weight_scale);
  for (int k = 0; k < s.layers; ++k) {
    CsbLayer L;
    L.w_ih = generate_csb_matrix(G * H, m.layer_input_size(k), s, rng());
    L.w_hh = generate_csb_matrix(G * H, m.state_size(), s, rng());
    if (s.proj_size > 0) L.w_hr = generate_csb_matrix(s.proj_size, H, s, rng());
    if (s.has_bias)
      for (int r = 0; r < G * H; ++r) {
        L.b_ih.push_back(float(u(rng)));
        L.b_hh.push_back(float(u(rng)));
      }
    m.layers.push_back(std::move(L));
  }
  m.note = "synthetic (seed " + std::to_string(s.seed) + ")";
  return m;
}

std::vector<std::string> benchmark_names() { return {"mt1", "mt2", "sr1", "sr2", "sr4"}; }

GenSpec benchmark_spec(const std::string& name, int block) {
  GenSpec s;
  s.bh = s.bw = block;
  s.layers = 2;
  s.weight_scale = 0.1;
  if (name == "mt1") {
    s.cell = CellType::LSTM, s.input_size = 128, s.hidden_size = 256, s.rate = 13.2;
  } else if (name == "mt2") {
    s.cell = CellType::LSTM, s.input_size = 1500, s.hidden_size = 1500, s.rate = 12.0;
  } else if (name == "sr1") {
    s.cell = CellType::LSTM, s.input_size = 153, s.hidden_size = 1024, s.proj_size = 512;
    s.rate = 14.5;
  } else if (name == "sr2") {
    s.cell = CellType::GRU, s.input_size = 39, s.hidden_size = 1024, s.rate = 21.7;
  } else if (name == "sr4") {
    s.cell = CellType::GRU, s.input_size = 39, s.hidden_size = 256, s.layers = 1, s.rate = 25.7;
  } else {
    fail("unknown benchmark model '", name, "' (known: mt1, mt2, sr1, sr2, sr4)");
  }
  return s;
}

}  // namespace csbrnn
