// One-shot magnitude pruning of RNN weight matrices: CSB (the paper's projection and an improved
// global variant) and the four baseline schemes. docs/pruning.md specifies every method exactly.
//
// Every method works on one dense Matrix and returns a keep-mask (1 = kept). Ties in every
// ranking are broken by index (lower index ranks first among equals), so results are
// deterministic. Rates are compression rates: R = 12 keeps round(n / 12) of n weights.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "model/csb.h"
#include "model/matrix.h"
#include "model/rnn_model.h"

namespace csbrnn {

enum class PruneMethod {
  Csb,           // "csb": the paper's projection (per-strip row then column segment pruning)
  CsbGlobal,     // "csb-global": global segment ranking + alternating refinement (ours)
  Unstructured,  // "unstructured": global magnitude
  RowColumn,     // "row-column": whole rows and columns of the full matrix (Wen et al. ISS)
  RowBalanced,   // "row-balanced": every row keeps the same count (ESE)
  BankBalanced,  // "bank-balanced": every bank of every row keeps the same count (BBS)
};

const char* method_name(PruneMethod m);
/// Throws Error naming the unknown method and the closest valid name.
PruneMethod parse_method(const std::string& s);
std::vector<PruneMethod> all_methods();
inline bool is_csb_method(PruneMethod m) {
  return m == PruneMethod::Csb || m == PruneMethod::CsbGlobal;
}

struct BlockSize {
  int bh = 32, bw = 32;
};
/// Parses "BHxBW" (or "B" for a square block); throws Error naming `what` on bad syntax.
BlockSize parse_block(const std::string& s, const std::string& what);
/// Parses a compression rate (a finite number > 1); throws Error naming `what` otherwise.
double parse_rate(const std::string& s, const std::string& what);

/// Parameters for pruning one matrix.
struct PruneParams {
  PruneMethod method = PruneMethod::Csb;
  double rate = 8.0;     // compression rate, > 1
  BlockSize block;       // csb methods (also the grid of the per-block statistics)
  int banks = 8;         // bank-balanced: banks per row
  int refine_iters = 4;  // csb-global: alternating refinement passes
};

/// The number of weights a rate asks to keep: max(1, round(n / rate)).
size_t target_kept(size_t n, double rate);

/// Result of pruning one matrix.
struct MatrixPrune {
  std::vector<uint8_t> keep;  // rows*cols, row-major, 1 = kept
  size_t kept = 0;            // number of kept positions
  size_t target = 0;          // target_kept(rows*cols, rate)
  /// csb: kept count of the plain projection before the count adjustment; else == kept.
  size_t projection_kept = 0;
  /// Row-column: kept full-matrix rows / cols (ascending). Empty for other methods.
  std::vector<int> kept_rows, kept_cols;
};

/// Validates params against the matrix (`what` names it in errors): rate > 1 and finite, block
/// no larger than the matrix, banks in 1..cols.
void check_prune_params(const Matrix& w, const PruneParams& p, const std::string& what);

/// Prunes one matrix (no change to `w`). Calls check_prune_params first.
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
