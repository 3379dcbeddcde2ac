// The scheme comparison in the shape of the ICS'20 paper's Table 2, on generated (synthetic
// stand-in) benchmark models: for every scheme, (i) the compression rate it reaches at equal
// quality and (ii) the quality at equal rate. Quality = retained l2 energy of the weight matrices
// (whole model); the reference quality is what the paper's CSB projection keeps at the paper's
// rate. docs/pruning.md describes the procedure.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "prune/prune.h"
#include "workload/model_spec.h"

namespace csbrnn {

struct CompareOptions {
  std::vector<std::string> models;          // names or spec paths
  std::vector<const PruneMethod*> methods;  // default: all (the registry)
  uint64_t seed = 1;
  double rate = 0;                 // 0: each model's paper rate
  int banks = 8;                   // bank-balanced
  std::optional<BlockSize> block;  // default: each model's paper block
  /// Matrices with more weights are subsampled to evenly spaced block-rows (0 = never).
  size_t max_matrix_weights = size_t(2) << 20;
  int bisect_iters = 14;
  double max_rate = 1000;
};

struct SchemeResult {
  const PruneMethod* method = nullptr;
  // (ii) at the reference rate
  double kept_rate = 0;  // achieved rate
  double retained_energy = 0, rel_error = 0, index_ratio = 0;
  // (i) at equal quality
  double rate_at_quality = 0;
  bool capped = false;  // quality still met at max_rate
  double energy_at_quality = 0;
};

struct ModelComparison {
  ModelSpec spec;
  double rate = 0;              // reference rate
  double reference_energy = 0;  // csb (paper) retained energy at `rate`
  size_t weights = 0, weights_used = 0;
  std::vector<std::string> subsample_notes;
  std::vector<std::string> block_notes;
  std::vector<SchemeResult> schemes;
  double seconds = 0;
};

struct Comparison {
  CompareOptions options;
  std::vector<ModelComparison> models;
};

/// Retained energy and kept count of a whole model pruned with one method/rate (blocks and
/// banks clamped to each matrix).
struct EvalPoint {
  double retained_energy = 0, rel_error = 0, index_ratio = 0;
  size_t weights = 0, kept = 0;
};
EvalPoint evaluate_scheme(const RnnModel& m, const PruneMethod* method, double rate,
                          BlockSize block, int banks);

/// Subsamples the large matrices (evenly spaced block-rows of height block.bh) in place;
/// returns one note per subsampled matrix.
std::vector<std::string> subsample_model(RnnModel& m, size_t max_matrix_weights, int bh);

ModelComparison compare_model(const ModelSpec& spec, const CompareOptions& o);
Comparison run_comparison(const CompareOptions& o);

nlohmann::json comparison_json(const Comparison& c);
std::string comparison_markdown(const Comparison& c);
std::string comparison_csv(const Comparison& c);

}  // namespace csbrnn
