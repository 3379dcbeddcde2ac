// Compressed Structured Block (CSB) matrices and models (docs/architecture.md §2).
//
// A matrix R x C is cut into blocks bh x bw (edge blocks padded with zeros): BR = ceil(R/bh)
// block-rows, BC = ceil(C/bw) block-columns, blocks stored row-major (block (i,j) at i*BC+j).
// Each block keeps kr rows and kc columns (block-local, ascending indices); its kernel is the
// dense kr x kc matrix of the values at their cross-points, row-major.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "common/bits.h"  // ceil_log2
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
  int rows = 0, cols = 0;        // logical (unpadded) size
  int bh = 0, bw = 0;            // block size
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
  /// As RnnModel::output_perm (empty = identity); stored in the container (version 2).
  std::vector<uint32_t> output_perm;
  /// Free-form provenance (pruning method, rate, seed ...), stored in the container.
  std::string note;

  int num_layers() const { return static_cast<int>(layers.size()); }
  int state_size() const { return proj_size > 0 ? proj_size : hidden_size; }
  int layer_input_size(int k) const { return k == 0 ? input_size : state_size(); }
};

/// Largest block side: kr/kc and indices are 16-bit in the container (docs/csb-format.md).
constexpr int kCsbMaxBlockSize = 65535;

/// Converts a dense matrix to CSB: per block keeps the rows and columns that hold any non-zero
/// (a value != 0.0f; -0.0f counts as zero). Lossless: csb_to_dense gives back every value bit for
/// bit, except that a -0.0f outside every kernel comes back as +0.0f (docs/csb-format.md §2).
/// A matrix without CSB structure keeps its zeros inside the kernel; use `has_csb_structure` to
/// ask whether every kernel is zero-free. Throws Error unless 1 <= bh, bw <= kCsbMaxBlockSize.
CsbMatrix dense_to_csb(const Matrix& m, int bh, int bw);
/// Dense matrix of a CsbMatrix (rows==0 or cols==0 gives an empty matrix); checks the structure
/// (not the values: NaN/Inf round-trip) and throws Error on a malformed CsbMatrix.
Matrix csb_to_dense(const CsbMatrix& c);
/// True when the CSB storage of `m` is tight: in every block, the non-zeros are exactly the full
/// cross-product of the block's non-zero rows and non-zero columns, i.e. every kernel that
/// dense_to_csb builds is free of zeros. An exact zero at a cross-point makes it false (allowing
/// it would make the test vacuous: every pattern lies inside its rows x columns cross-product).
/// All-zero blocks are tight (kr = kc = 0).
bool has_csb_structure(const Matrix& m, int bh, int bw);
/// Validates a CsbMatrix: sizes >= 0, 1 <= bh, bw <= kCsbMaxBlockSize, BR*BC blocks, indices
/// strictly ascending and inside the matrix (< bh, and < the edge block's height/width), kr*kc
/// values, all finite. Throws Error "<what>: block (i,j): <problem>".
void check_csb(const CsbMatrix& c, const std::string& what);

/// Index storage of the CSB format in bits: per block kr and kc counters
/// (ceil(log2(bh+1)), ceil(log2(bw+1)) bits) plus kr*ceil(log2 bh) + kc*ceil(log2 bw) index bits.
uint64_t csb_index_bits(const CsbMatrix& c);

/// Checks a CsbModel like validate_model checks an RnnModel (topology, every matrix's shape and
/// check_csb, bias lengths, finite values); throws Error naming `origin` and the tensor.
void validate_csb_model(const CsbModel& m, const std::string& origin);

CsbModel dense_model_to_csb(const RnnModel& m, int bh, int bw);

/// Copies the fields that describe a model's shape (cell, input/hidden/proj sizes, bias flag,
/// output permutation) between RnnModel and CsbModel.
template <class To, class From>
void copy_model_shape(To& to, const From& from) {
  to.cell = from.cell;
  to.input_size = from.input_size;
  to.hidden_size = from.hidden_size;
  to.proj_size = from.proj_size;
  to.has_bias = from.has_bias;
  to.output_perm = from.output_perm;
}
RnnModel csb_model_to_dense(const CsbModel& m);

}  // namespace csbrnn
