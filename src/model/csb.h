// Compressed Structured Block (CSB) matrices and models (ARCHITECTURE.md §2).
//
// A matrix R x C is cut into blocks bh x bw (edge blocks padded with zeros): BR = ceil(R/bh)
// block-rows, BC = ceil(C/bw) block-columns, blocks stored row-major (block (i,j) at i*BC+j).
// Each block keeps kr rows and kc columns (block-local, ascending indices); its kernel is the
// dense kr x kc matrix of the values at their cross-points, row-major.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/matrix.h"
#include "model/rnn_model.h"

namespace csbrnn {

struct CsbBlock {
  std::vector<uint16_t> rows;  // kept block-local row indices, ascending, < bh
  std::vector<uint16_t> cols;  // kept block-local column indices, ascending, < bw
  std::vector<float> values;   // kr*kc kernel values, row-major
  int kr() const { return static_cast<int>(rows.size()); }
  int kc() const { return static_cast<int>(cols.size()); }
};

struct CsbMatrix {
  int rows = 0, cols = 0;  // logical (unpadded) size
  int bh = 0, bw = 0;      // block size
  std::vector<CsbBlock> blocks;  // BR*BC, row-major over blocks

  int block_rows() const { return (rows + bh - 1) / bh; }
  int block_cols() const { return (cols + bw - 1) / bw; }
  const CsbBlock& block(int i, int j) const { return blocks[size_t(i) * block_cols() + j]; }
  CsbBlock& block(int i, int j) { return blocks[size_t(i) * block_cols() + j]; }
  /// Number of stored (kept) weights: sum of kr*kc.
  size_t nnz() const;
};

/// A CSB-pruned RNN: same topology as RnnModel, every weight matrix in CSB form.
struct CsbLayer {
  CsbMatrix w_ih, w_hh, w_hr;  // w_hr empty (rows==0) unless proj_size > 0
  std::vector<float> b_ih, b_hh;
};

struct CsbModel {
  CellType cell = CellType::LSTM;
  int input_size = 0, hidden_size = 0, proj_size = 0;
  bool has_bias = true;
  std::vector<CsbLayer> layers;
  /// Free-form provenance (pruning method, rate, seed ...), stored in the container.
  std::string note;

  int num_layers() const { return static_cast<int>(layers.size()); }
  int state_size() const { return proj_size > 0 ? proj_size : hidden_size; }
  int layer_input_size(int k) const { return k == 0 ? input_size : state_size(); }
};

/// Converts a dense matrix to CSB: per block keeps the rows and columns that hold any non-zero.
/// Lossless for every matrix (a matrix without CSB structure keeps its zeros inside the kernel;
/// use `has_csb_structure` to ask whether every kernel is zero-free).
CsbMatrix dense_to_csb(const Matrix& m, int bh, int bw);
Matrix csb_to_dense(const CsbMatrix& c);
/// True when, in every block, the non-zeros are exactly the cross-points of some row and column
/// sets (a kernel with an exact zero inside still counts: value 0 is allowed at a cross-point).
bool has_csb_structure(const Matrix& m, int bh, int bw);
/// Validates a CsbMatrix (index ranges, ascending, sizes); throws Error naming `what`.
void check_csb(const CsbMatrix& c, const std::string& what);

/// Index storage of the CSB format in bits: per block kr and kc counters
/// (ceil(log2(bh+1)), ceil(log2(bw+1)) bits) plus kr*ceil(log2 bh) + kc*ceil(log2 bw) index bits.
uint64_t csb_index_bits(const CsbMatrix& c);

CsbModel dense_model_to_csb(const RnnModel& m, int bh, int bw);
RnnModel csb_model_to_dense(const CsbModel& m);

}  // namespace csbrnn
