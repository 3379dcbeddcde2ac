// csbrnn sweep SPEC.yaml --out DIR [-j N] [--dry-run] [--set KEY=VALUE]...
// Many design points in parallel (one csbrnn process per point) -> one table and plots
// (docs/sweep.md). --prepare KEY / --run-point ID are the per-point subprocesses (internal).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"

namespace csbrnn::cli {

struct SweepCmdOptions {
  enum class Mode {
    Run,         // run the sweep of SPEC.yaml (the default)
    Prepare,     // --prepare KEY: prune one cache entry (internal)
    RunPoint,    // --run-point ID: run one point (internal)
    ReportOnly,  // --report-only: rewrite results and plots from DIR
  };
  Mode mode = Mode::Run;
  std::string out;  // --out DIR
  std::string key;  // Prepare: the cache KEY; RunPoint: the point ID
  // Run only:
  std::string spec;               // SPEC.yaml
  std::vector<std::string> sets;  // --set KEY=VALUE, in order
  int jobs = 0;                   // -j N (>= 1); 0: the spec's jobs, else nproc
  bool dry_run = false;
  bool progress = true;  // false: --no-progress
};

std::optional<SweepCmdOptions> parse_sweep(const Args& args);
int run_sweep(const SweepCmdOptions& o);

}  // namespace csbrnn::cli
