// Models for tests and benchmarks.
//  - benchmark_csb_model: a paper benchmark model (models/*.yaml) the one real way: weights from
//    the stand-in generator (workload/model_spec.h, stand-ins for the trained weights), pruned by
//    the paper's CSB projection (prune/prune.h) at the spec's paper rate. Used by
//    `csbrnn simulate bench:NAME`, `csbrnn compile --bench`, `compile-bench`, `fig12`.
//  - generate_csb_model: TEST SUPPORT. Small random CSB structures (every row/column segment of
//    every block kept with a probability, odd shapes, empty blocks) with no pruning behind them;
//    the compiler/simulator tests need such arbitrary patterns, which pruning at a rate does not
//    produce. Deterministic for a given seed.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/csb.h"

namespace csbrnn {

/// Test support: a random CSB pattern (docs/compiler.md "Synthetic models").
struct GenSpec {
  CellType cell = CellType::LSTM;
  int input_size = 16, hidden_size = 16, proj_size = 0, layers = 1;
  int bh = 8, bw = 8;
  bool has_bias = true;
  /// Every row (column) segment of a block is kept with probability keep_row (keep_col),
  /// independently per block.
  double keep_row = 0.6, keep_col = 0.6;
  double weight_scale = 0.5;  // kept weights uniform in [-scale, scale]
  uint64_t seed = 1;
};

CsbMatrix generate_csb_matrix(int rows, int cols, const GenSpec& s, uint64_t seed);
CsbModel generate_csb_model(const GenSpec& s);

struct BenchModelOptions {
  int block = 0;      // square block size; 0: the spec's paper block
  double rate = 0;    // CSB compression rate; 0: the spec's paper rate
  uint64_t seed = 1;  // weight generator seed
};

/// A benchmark model of models/ (NAME or path, see load_model_spec) with generated weights,
/// CSB-pruned. A matrix narrower than the block (SR2/SR4: 39 inputs) is one partial block-column,
/// like any edge block. Throws Error on an unknown model or a bad rate/block.
CsbModel benchmark_csb_model(const std::string& name, const BenchModelOptions& o = {});

}  // namespace csbrnn
