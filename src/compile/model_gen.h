// Synthetic CSB models for tests, benchmarks and the Fig.-12 study when no trained model is at
// hand (docs/compiler.md "Synthetic models"). Deterministic for a given seed.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/csb.h"

namespace csbrnn {

struct GenSpec {
  CellType cell = CellType::LSTM;
  int input_size = 16, hidden_size = 16, proj_size = 0, layers = 1;
  int bh = 8, bw = 8;
  bool has_bias = true;
  /// Random pattern: every row (column) segment of a block is kept with probability keep_row
  /// (keep_col), independently per block. Ignored when rate > 0.
  double keep_row = 0.6, keep_col = 0.6;
  /// rate > 0: the paper's projection on a Gaussian matrix instead: per block-column strip keep
  /// the round(bh_rows * sqrt(1/rate)) row segments of largest l2 norm, then per block-row the
  /// column segments likewise (on the surviving rows).
  double rate = 0.0;
  double weight_scale = 0.5;  // uniform in [-scale, scale] (random pattern) or N(0, scale^2)
  uint64_t seed = 1;
};

CsbMatrix generate_csb_matrix(int rows, int cols, const GenSpec& s, uint64_t seed);
CsbModel generate_csb_model(const GenSpec& s);

/// Dense float form of a CSB matrix (zeros outside the kernels).
Matrix csb_matrix_dense(const CsbMatrix& c);

/// The paper's benchmark shapes (Table 1) by name: mt1, mt2, sr1, sr2, sr4 (SR3's Li-GRU is not
/// a PyTorch cell); rate = the paper's CSB rate. Throws Error on an unknown name.
GenSpec benchmark_spec(const std::string& name, int block);
std::vector<std::string> benchmark_names();

}  // namespace csbrnn
