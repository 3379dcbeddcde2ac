// One-shot magnitude pruning of RNN weight matrices: CSB (the paper's projection and an improved
// global variant) and the four baseline schemes. docs/pruning.md specifies every method exactly.
//
// Every method works on one dense Matrix and returns a keep-mask (1 = kept). Ties in every
// ranking are broken by index (lower index ranks first among equals), so results are
// deterministic. Rates are compression rates: R = 12 keeps round(n / 12) of n weights.
// The methods themselves live behind the interface in prune/method.h, one file each in
// prune/methods/, listed by the registry (prune/registry.h); this header is method-neutral.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/csb.h"
#include "model/matrix.h"
#include "model/rnn_model.h"
#include "prune/method.h"
#include "prune/registry.h"

namespace csbrnn {

struct BlockSize {
  int bh = 32, bw = 32;
};
/// Parses "BHxBW" (or "B" for a square block); throws Error naming `what` on bad syntax.
BlockSize parse_block(const std::string& s, const std::string& what);
/// Parses a csb-tile PE tile "PxQ" (or "P" for a square tile), each 1..65535; throws Error naming
/// `what` on bad syntax.
BlockSize parse_tile(const std::string& s, const std::string& what);
/// Parses a compression rate (a finite number > 1); throws Error naming `what` otherwise.
double parse_rate(const std::string& s, const std::string& what);

/// Parameters for pruning one matrix.
struct PruneParams {
  const PruneMethod* method = default_method();  // never null; from the registry
  double rate = 8.0;                             // compression rate, > 1
  BlockSize block;       // csb methods (also the grid of the per-block statistics)
  int banks = 8;         // bank-balanced: the preferred banks per row (ties)
  int refine_iters = 4;  // csb-global: alternating refinement passes
  BlockSize tile{4, 4};  // csb-tile: the P x Q PE tile kr / kc are aligned to (bh = P, bw = Q)
};

/// The number of weights a rate asks to keep: max(1, round(n / rate)).
size_t target_kept(size_t n, double rate);

/// Result of pruning one matrix.
struct MatrixPrune {
  std::vector<uint8_t> keep;  // rows*cols, row-major, 1 = kept
  size_t kept = 0;            // number of kept positions
  size_t target = 0;          // target_kept(rows*cols, rate)
  /// The method's count before a final adjustment (csb: the plain projection; csb-global: the
  /// initialisation), reported by the method; == kept for methods without one.
  size_t projection_kept = 0;
  /// Row-column: kept full-matrix rows / cols (ascending). Empty for other methods.
  std::vector<int> kept_rows, kept_cols;
};

/// Validates params against the matrix (`what` names it in errors): a non-empty matrix, rate > 1
/// and finite, then the method's own checks (PruneMethod::check_params: e.g. the csb block at least
/// 1x1 (a block larger than the matrix is one partial edge block), banks >= 1).
void check_prune_params(const Matrix& w, const PruneParams& p, const std::string& what);

/// Prunes one matrix (no change to `w`) with p.method's projection. Calls check_prune_params
/// first.
MatrixPrune prune_matrix(const Matrix& w, const PruneParams& p, const std::string& what);

/// Zeroes the pruned positions of `w` in place.
void apply_mask(Matrix& w, const std::vector<uint8_t>& keep);

/// Builds the CSB form of a masked matrix from the mask (kept rows/cols per block are those with
/// any kept position). The mask must have CSB structure (throws InternalError otherwise).
CsbMatrix mask_to_csb(const Matrix& w, const std::vector<uint8_t>& keep, int bh, int bw);

/// True when the mask's kept positions form rows x cols cross-products in every block.
bool mask_has_csb_structure(const std::vector<uint8_t>& keep, int rows, int cols, int bh, int bw);

// ---- whole models ----

/// Per-matrix overrides by state_dict name ("weight_hh_l0").
struct ModelPruneOptions {
  PruneParams base;
  std::map<std::string, double> rate_for;
  std::map<std::string, BlockSize> block_for;
};

struct PrunedMatrixInfo {
  std::string name;  // state_dict name
  PruneParams params;
  MatrixPrune result;
};

struct ModelPrune {
  RnnModel pruned;  // dense, pruned weights; biases untouched
  std::vector<PrunedMatrixInfo> matrices;
};

/// The prunable matrices of a model in state_dict order (weight_ih_l0, weight_hh_l0,
/// weight_hr_l0, weight_ih_l1, ...), as (name, pointer) pairs.
std::vector<std::pair<std::string, const Matrix*>> model_matrices(const RnnModel& m);
std::vector<std::pair<std::string, Matrix*>> model_matrices(RnnModel& m);

/// Prunes every weight matrix of `m`. Unknown names in rate_for/block_for are errors.
ModelPrune prune_model(const RnnModel& m, const ModelPruneOptions& o);

/// CSB container model of a csb-pruned model (per-matrix block sizes as pruned).
CsbModel pruned_to_csb_model(const ModelPrune& mp, const std::string& note);

}  // namespace csbrnn
