// Storage statistics of CSB matrices and models: pruning rate, index overhead (NIO), kernel-size
// distribution and per-block density spread. docs/csb-format.md §5 defines every figure.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/csb.h"

namespace csbrnn {

struct CsbStats {
  std::string name;           // "weight_ih_l0", ... ; "model" for the whole-model total
  int rows = 0, cols = 0;     // matrix size (0 for the model total)
  int bh = 0, bw = 0;         // block size (0 for the model total)
  uint64_t blocks = 0;        // number of blocks, BR*BC
  uint64_t empty_blocks = 0;  // blocks with kr*kc == 0
  uint64_t kept = 0;          // kept weights: sum of kr*kc
  uint64_t total = 0;         // dense weights: rows*cols
  uint64_t kernel_zeros = 0;  // kept entries whose value is exactly 0 (storage that is not tight)
  double rate = 0;            // total / kept (+inf when kept == 0)
  uint64_t index_bits = 0;    // csb_index_bits
  int weight_bits = 16;       // width of one stored weight used for NIO
  double nio = 0;             // index_bits / (kept * weight_bits)  (+inf when kept == 0)
  /// For comparison: minimal-width CSR over the same kept positions,
  /// kept*ceil(log2 cols) + (rows+1)*ceil(log2(kept+1)) bits (model: sum over matrices).
  uint64_t csr_index_bits = 0;
  double csr_nio = 0;  // csr_index_bits / (kept * weight_bits)
  /// Kernel-size distribution over all blocks (empty blocks included as 0 / 0x0).
  std::map<int, uint64_t> kr_hist, kc_hist, size_hist;  // key kr, kc, kr*kc -> block count
  /// Per-block density kr*kc / (area of the block inside the matrix), over all blocks.
  double density_min = 0, density_max = 0, density_mean = 0, density_stddev = 0;  // population
};

struct CsbModelStats {
  std::vector<CsbStats> matrices;  // per layer: w_ih, w_hh, then w_hr when proj_size > 0
  CsbStats total;                  // every figure over all matrices together
};

CsbStats csb_matrix_stats(const CsbMatrix& c, const std::string& name, int weight_bits = 16);
/// Biases are not counted (they are never pruned and carry no index).
CsbModelStats csb_model_stats(const CsbModel& m, int weight_bits = 16);

}  // namespace csbrnn
