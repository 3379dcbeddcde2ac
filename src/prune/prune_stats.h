// Statistics and the report of a pruning run (docs/pruning.md §Report lists every field).
//
// Note: the shared src/model/csb_stats.h helpers were not on main while this was written, so the
// CSB figures (kernel sizes, index bits) are computed here from the keep-mask; the tests check
// them against csb_index_bits/dense_to_csb from src/model/csb.h by an independent route.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "prune/prune.h"

namespace csbrnn {

/// ceil(log2(n)) for n >= 1 (0 for n = 1): bits to index n items.
int index_bits_for(uint64_t n);

/// Bits of index storage each scheme needs (values excluded); `fmt` gets a one-line description.
uint64_t scheme_index_bits(const Matrix& w, const PruneParams& p, const MatrixPrune& r,
                           std::string* fmt = nullptr);

/// The count tolerance of a method on a matrix: max(ceil(0.5% of target), granularity), where the
/// granularity is PruneMethod::count_step, the smallest step the structure allows.
size_t count_tolerance(const Matrix& w, const PruneParams& p, size_t target);

struct Spread {
  double min = 0, max = 0, mean = 0, stddev = 0;
};

struct MatrixStats {
  std::string name;
  PruneParams params;
  int rows = 0, cols = 0;
  size_t weights = 0, nonzero_before = 0, kept = 0, target = 0, projection_kept = 0;
  size_t tolerance = 0;
  bool within_tolerance = false;
  /// Outside the tolerance: "rate R unreachable: nearest reachable rate R' (...) because ..."
  /// (PruneMethod::miss_reason); empty within it. A miss is a warning, never an error.
  std::string miss;
  std::string structure;               // PruneMethod::structure_note (may be empty)
  double energy = 0, kept_energy = 0;  // sum of squares before / of the kept weights
  // Per-block kept fraction over the bh x bw grid (every method); empty blocks counted.
  Spread block_density;
  size_t blocks = 0, empty_blocks = 0;
  // CSB methods only: kernel sizes.
  std::map<int, size_t> kr_hist, kc_hist;
  Spread kernel_area;
  uint64_t index_bits = 0;
  std::string index_format;

  double achieved_rate() const { return kept ? double(weights) / double(kept) : 0.0; }
  double retained_energy() const { return energy > 0 ? kept_energy / energy : 1.0; }
  double rel_frobenius_error() const;
  double index_ratio() const { return kept ? double(index_bits) / (16.0 * double(kept)) : 0.0; }
};

MatrixStats matrix_stats(const std::string& name, const Matrix& w, const PruneParams& p,
                         const MatrixPrune& r);

struct ModelStats {
  std::vector<MatrixStats> matrices;
  size_t weights = 0, kept = 0, target = 0, biases = 0;
  double energy = 0, kept_energy = 0;
  uint64_t index_bits = 0;
  bool within_tolerance = true;
  double achieved_rate() const { return kept ? double(weights) / double(kept) : 0.0; }
  double retained_energy() const { return energy > 0 ? kept_energy / energy : 1.0; }
  double rel_frobenius_error() const;
  double index_ratio() const { return kept ? double(index_bits) / (16.0 * double(kept)) : 0.0; }
};

ModelStats model_stats(const RnnModel& original, const ModelPrune& mp);

/// A rate printed exactly: "12.000480 (2048/..." -> "weights/kept = 12.0004800".
std::string exact_rate(size_t weights, size_t kept);

nlohmann::json stats_to_json(const MatrixStats& s);
nlohmann::json stats_to_json(const ModelStats& s);
/// The readable table printed by `csbrnn prune`.
void print_stats_table(std::ostream& os, const ModelStats& s);

}  // namespace csbrnn
