#include "model/csb.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace csbrnn {

namespace {

void check_block_size(int bh, int bw, const std::string& what) {
  if (bh < 1 || bw < 1 || bh > kCsbMaxBlockSize || bw > kCsbMaxBlockSize)
    fail(what, ": block size ", bh, "x", bw, " out of range (each side 1..", kCsbMaxBlockSize, ")");
}

// Extent of block (i,j) inside the logical matrix (edge blocks are cut short).
int block_extent(int total, int block, int index) {
  const int start = index * block;
  return std::min(block, total - start);
}

bool is_zero(float v) {
  return v == 0.0f;
}  // both +0 and -0 (see docs/csb-format.md §2)

// Calls f(i, j, r0, c0, h, w, row_nz, col_nz) for every bh x bw block (i,j) of m, row-major;
// row_nz[r] / col_nz[k] say whether block-local row r / column k holds a non-zero. Stops early
// when f returns false; returns false then.
template <class F>
bool for_each_block_lines(const Matrix& m, int bh, int bw, F&& f) {
  const int BR = (m.rows + bh - 1) / bh, BC = (m.cols + bw - 1) / bw;
  std::vector<char> row_nz(bh), col_nz(bw);
  for (int i = 0; i < BR; ++i) {
    const int r0 = i * bh, h = block_extent(m.rows, bh, i);
    for (int j = 0; j < BC; ++j) {
      const int c0 = j * bw, w = block_extent(m.cols, bw, j);
      std::fill(row_nz.begin(), row_nz.end(), 0);
      std::fill(col_nz.begin(), col_nz.end(), 0);
      for (int r = 0; r < h; ++r)
        for (int k = 0; k < w; ++k)
          if (!is_zero(m.at(r0 + r, c0 + k))) row_nz[r] = col_nz[k] = 1;
      if (!f(i, j, r0, c0, h, w, row_nz, col_nz)) return false;
    }
  }
  return true;
}

}  // namespace

size_t CsbMatrix::nnz() const {
  size_t n = 0;
  for (const auto& b : blocks) n += b.rows.size() * b.cols.size();
  return n;
}

CsbMatrix dense_to_csb(const Matrix& m, int bh, int bw) {
  check_block_size(bh, bw, "dense_to_csb");
  if (m.rows < 0 || m.cols < 0 || m.data.size() != size_t(m.rows) * size_t(m.cols))
    throw InternalError(cat("dense_to_csb: malformed matrix ", m.rows, "x", m.cols, " with ",
                            m.data.size(), " elements"));
  CsbMatrix c;
  c.rows = m.rows;
  c.cols = m.cols;
  c.bh = bh;
  c.bw = bw;
  c.blocks.resize(size_t(c.block_rows()) * size_t(c.block_cols()));
  for_each_block_lines(m, bh, bw,
                       [&](int i, int j, int r0, int c0, int h, int w,
                           const std::vector<char>& row_nz, const std::vector<char>& col_nz) {
                         CsbBlock& b = c.block(i, j);
                         for (int r = 0; r < h; ++r)
                           if (row_nz[r]) b.rows.push_back(static_cast<uint16_t>(r));
                         for (int k = 0; k < w; ++k)
                           if (col_nz[k]) b.cols.push_back(static_cast<uint16_t>(k));
                         b.values.reserve(b.rows.size() * b.cols.size());
                         for (uint16_t r : b.rows)
                           for (uint16_t k : b.cols) b.values.push_back(m.at(r0 + r, c0 + k));
                         return true;
                       });
  return c;
}

bool has_csb_structure(const Matrix& m, int bh, int bw) {
  check_block_size(bh, bw, "has_csb_structure");
  // Tight iff every cross-point of a non-zero row and a non-zero column is itself non-zero.
  return for_each_block_lines(
      m, bh, bw,
      [&](int, int, int r0, int c0, int h, int w, const std::vector<char>& row_nz,
          const std::vector<char>& col_nz) {
        for (int r = 0; r < h; ++r) {
          if (!row_nz[r]) continue;
          for (int k = 0; k < w; ++k)
            if (col_nz[k] && is_zero(m.at(r0 + r, c0 + k))) return false;
        }
        return true;
      });
}

namespace {

void check_structure(const CsbMatrix& c, const std::string& what, bool check_values) {
  if (c.rows < 0 || c.cols < 0) fail(what, ": negative matrix size ", c.rows, "x", c.cols);
  check_block_size(c.bh, c.bw, what);
  const int BR = c.block_rows(), BC = c.block_cols();
  const size_t want = size_t(BR) * size_t(BC);
  if (c.blocks.size() != want)
    fail(what, ": has ", c.blocks.size(), " blocks, expected ", want, " (", BR, "x", BC,
         " blocks of ", c.bh, "x", c.bw, " for a ", c.rows, "x", c.cols, " matrix)");
  for (int i = 0; i < BR; ++i)
    for (int j = 0; j < BC; ++j) {
      const CsbBlock& b = c.block(i, j);
      const int h = block_extent(c.rows, c.bh, i), w = block_extent(c.cols, c.bw, j);
      for (size_t k = 0; k < b.rows.size(); ++k) {
        if (b.rows[k] >= h)
          fail(what, ": block (", i, ",", j, "): row index ", b.rows[k],
               " out of range (block has ", h, " rows)");
        if (k > 0 && b.rows[k] <= b.rows[k - 1])
          fail(what, ": block (", i, ",", j, "): row indices not strictly ascending (",
               b.rows[k - 1], " then ", b.rows[k], ")");
      }
      for (size_t k = 0; k < b.cols.size(); ++k) {
        if (b.cols[k] >= w)
          fail(what, ": block (", i, ",", j, "): column index ", b.cols[k],
               " out of range (block has ", w, " columns)");
        if (k > 0 && b.cols[k] <= b.cols[k - 1])
          fail(what, ": block (", i, ",", j, "): column indices not strictly ascending (",
               b.cols[k - 1], " then ", b.cols[k], ")");
      }
      if (b.values.size() != b.rows.size() * b.cols.size())
        fail(what, ": block (", i, ",", j, "): kernel has ", b.values.size(),
             " values, expected kr*kc = ", b.rows.size(), "*", b.cols.size());
      if (check_values)
        for (float v : b.values)
          if (!std::isfinite(v))
            fail(what, ": block (", i, ",", j, "): kernel contains NaN or Inf");
    }
}

}  // namespace

void check_csb(const CsbMatrix& c, const std::string& what) {
  check_structure(c, what, true);
}

Matrix csb_to_dense(const CsbMatrix& c) {
  if (c.rows == 0 || c.cols == 0) return Matrix(c.rows < 0 ? 0 : c.rows, c.cols < 0 ? 0 : c.cols);
  check_structure(c, "csb_to_dense", false);
  Matrix m(c.rows, c.cols);
  const int BR = c.block_rows(), BC = c.block_cols();
  for (int i = 0; i < BR; ++i)
    for (int j = 0; j < BC; ++j) {
      const CsbBlock& b = c.block(i, j);
      const int kc = b.kc();
      for (int r = 0; r < b.kr(); ++r)
        for (int k = 0; k < kc; ++k)
          m.at(i * c.bh + b.rows[r], j * c.bw + b.cols[k]) = b.values[size_t(r) * kc + k];
    }
  return m;
}

uint64_t csb_index_bits(const CsbMatrix& c) {
  const uint64_t kr_bits = ceil_log2(uint64_t(c.bh) + 1), kc_bits = ceil_log2(uint64_t(c.bw) + 1);
  const uint64_t ri_bits = ceil_log2(uint64_t(c.bh)), ci_bits = ceil_log2(uint64_t(c.bw));
  uint64_t bits = 0;
  for (const auto& b : c.blocks)
    bits += kr_bits + kc_bits + b.rows.size() * ri_bits + b.cols.size() * ci_bits;
  return bits;
}

void validate_csb_model(const CsbModel& m, const std::string& origin) {
  if (m.layers.empty()) fail(origin, ": model has no layers");
  if (m.input_size <= 0 || m.hidden_size <= 0)
    fail(origin, ": model sizes must be positive (input ", m.input_size, ", hidden ", m.hidden_size,
         ")");
  if (m.proj_size < 0 || (m.proj_size > 0 && m.cell != CellType::LSTM))
    fail(origin, ": proj_size is only valid for LSTM");
  if (m.proj_size > 0 && m.proj_size >= m.hidden_size)
    fail(origin, ": proj_size (", m.proj_size, ") must be < hidden_size (", m.hidden_size, ")");
  const int gh = gate_count(m.cell) * m.hidden_size;
  auto shape = [&](const CsbMatrix& c, int rows, int cols, const std::string& name) {
    if (c.rows != rows || c.cols != cols)
      fail(origin, ": ", name, " has shape (", c.rows, ", ", c.cols, "), expected (", rows, ", ",
           cols, ")");
    check_csb(c, origin + ": " + name);
  };
  auto vec = [&](const std::vector<float>& v, int n, const std::string& name) {
    if (static_cast<int64_t>(v.size()) != n)
      fail(origin, ": ", name, " has ", v.size(), " elements, expected ", n);
    for (float x : v)
      if (!std::isfinite(x)) fail(origin, ": ", name, " contains NaN or Inf");
  };
  for (int k = 0; k < m.num_layers(); ++k) {
    const CsbLayer& L = m.layers[k];
    shape(L.w_ih, gh, m.layer_input_size(k), param_name("weight_ih", k));
    shape(L.w_hh, gh, m.state_size(), param_name("weight_hh", k));
    if (m.proj_size > 0)
      shape(L.w_hr, m.proj_size, m.hidden_size, param_name("weight_hr", k));
    else if (L.w_hr.rows != 0 || L.w_hr.cols != 0 || !L.w_hr.blocks.empty())
      fail(origin, ": ", param_name("weight_hr", k), " present but the model has no projection");
    if (m.has_bias) {
      vec(L.b_ih, gh, param_name("bias_ih", k));
      vec(L.b_hh, gh, param_name("bias_hh", k));
    } else if (!L.b_ih.empty() || !L.b_hh.empty()) {
      fail(origin, ": layer ", k, " has biases but the model is marked bias-free");
    }
  }
  check_output_perm(m.output_perm, m.state_size(), origin);
}

CsbModel dense_model_to_csb(const RnnModel& m, int bh, int bw) {
  CsbModel c;
  copy_model_shape(c, m);
  c.layers.reserve(m.layers.size());
  for (const LayerWeights& L : m.layers) {
    CsbLayer cl;
    cl.w_ih = dense_to_csb(L.w_ih, bh, bw);
    cl.w_hh = dense_to_csb(L.w_hh, bh, bw);
    if (m.proj_size > 0 || !L.w_hr.empty()) cl.w_hr = dense_to_csb(L.w_hr, bh, bw);
    cl.b_ih = L.b_ih;
    cl.b_hh = L.b_hh;
    c.layers.push_back(std::move(cl));
  }
  return c;
}

RnnModel csb_model_to_dense(const CsbModel& m) {
  RnnModel d;
  copy_model_shape(d, m);
  d.layers.reserve(m.layers.size());
  for (const CsbLayer& L : m.layers) {
    LayerWeights w;
    w.w_ih = csb_to_dense(L.w_ih);
    w.w_hh = csb_to_dense(L.w_hh);
    if (L.w_hr.rows > 0 || L.w_hr.cols > 0) w.w_hr = csb_to_dense(L.w_hr);
    w.b_ih = L.b_ih;
    w.b_hh = L.b_hh;
    d.layers.push_back(std::move(w));
  }
  return d;
}

}  // namespace csbrnn
