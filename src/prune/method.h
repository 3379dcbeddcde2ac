// The interface of one pruning method. Each method is one file in src/prune/methods/ (a class
// implementing this interface and a function returning its one instance) plus one line in the
// registry (src/prune/registry.cpp); nothing else changes to add one (code that needs one
// particular method, like compare's reference "csb", looks it up by name).
// docs/pruning.md §Adding a method walks through it.
//
// Contract: a method is stateless (one const instance serves every call, from any thread); it
// reads only the PruneParams fields it documents; every ranking breaks ties by index, so the
// result is a pure function of (matrix, params).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace csbrnn {

// prune/prune.h (which includes this header) and prune/prune_stats.h define these.
struct Matrix;
struct PruneParams;
struct MatrixPrune;
struct MatrixStats;

class PruneMethod {
 public:
  virtual ~PruneMethod() = default;

  /// The name users give to `--method`, `compare --methods` and a sweep's prune.method.
  virtual const char* name() const = 0;
  /// One line for `csbrnn prune --help`.
  virtual const char* description() const = 0;
  /// True for a CSB method: every result keeps, in each PruneParams::block block, the
  /// cross-product of a row set and a column set by construction, and is meant for the CSB
  /// engine: `prune -o` writes it as .csb, sweeps take it, the report carries kernel sizes. (A
  /// baseline's mask may be CSB as well, row-column's always is; it stays a baseline.)
  virtual bool is_csb() const { return false; }
  /// False for a method that takes no compression rate (keep: the weights' own zeros decide):
  /// PruneParams::rate is then neither read nor checked, the target is the matrix's nonzero
  /// count, and `csbrnn prune` refuses --rate/--rate-for for it.
  virtual bool uses_rate() const { return true; }

  /// Checks the parameters this method reads against the matrix (the matrix being non-empty and
  /// the rate were checked before); throws Error naming `what`. Default: none to check.
  virtual void check_params(const Matrix& /*w*/, const PruneParams& /*p*/,
                            const std::string& /*what*/) const {}

  /// The projection of one matrix: fills out.keep (rows*cols, row-major, 1 = kept) aiming at
  /// out.target (set by the caller). May set out.projection_kept (the count before a final
  /// adjustment; left alone it becomes the kept count) and out.kept_rows / out.kept_cols.
  virtual void project(const Matrix& w, const PruneParams& p, MatrixPrune& out) const = 0;

  /// Bits of index storage the method's format needs for result `r` (values excluded);
  /// `format`, when given, gets a one-line description of that format.
  virtual uint64_t index_bits(const Matrix& w, const PruneParams& p, const MatrixPrune& r,
                              std::string* format) const = 0;
  /// The smallest step of kept count the structure allows on this matrix (0: any count); the
  /// count tolerance is max(ceil(0.5% of target), this).
  virtual size_t count_step(const Matrix& w, const PruneParams& p) const = 0;

  /// One line on the structure a result took (bank-balanced: the bank layout it chose), printed
  /// under `csbrnn prune`'s table and reported as `structure`. Default: none (empty).
  virtual std::string structure_note(const MatrixStats& /*s*/) const { return {}; }
  /// Why the kept count of a result outside the count tolerance is the nearest the structure
  /// reaches (the "because ..." of the report's miss line); called only for a miss.
  virtual std::string miss_reason(const MatrixStats& /*s*/) const {
    return "its structure reaches no count nearer the target";
  }

  /// Report extras: adds the method's own fields to one matrix's report entry. Default: none.
  virtual void report_matrix(const MatrixStats& /*s*/, nlohmann::json& /*j*/) const {}
  /// Report extras: adds the parameters the method was run with to the run's report (`csbrnn
  /// prune --report`). Default: none.
  virtual void report_run(const PruneParams& /*p*/, nlohmann::json& /*j*/) const {}
};

}  // namespace csbrnn
