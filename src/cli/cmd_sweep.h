// csbrnn sweep SPEC.yaml --out DIR [-j N] [--dry-run] [--set KEY=VALUE]... [--launcher L]
// Many design points in parallel (one csbrnn process per point) -> one table and plots
// (docs/sweep.md). --prepare KEY / --run-point ID are the per-point subprocesses, --run-points
// ID,... the work of one cluster task (internal).
#pragma once
#include <cstdint>
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
    Status,      // --status: counts of DIR's results and its Slurm job
    RunPoints,   // --run-points ID,...: one Slurm array task / GNU parallel job (internal)
  };
  Mode mode = Mode::Run;
  std::string out;     // --out DIR
  std::string key;     // Prepare: the cache KEY; RunPoint: the point ID; RunPoints: the IDs
  int64_t index = -1;  // RunPoint: --index N, the point's manifest line (-1: searched by id)
  // Run only:
  std::string spec;               // SPEC.yaml
  std::vector<std::string> sets;  // --set KEY=VALUE, in order
  int jobs = 0;                   // -j N (>= 1); 0: the spec's jobs, else nproc
  bool dry_run = false;
  bool progress = true;               // false: --no-progress
  std::string launcher;               // --launcher local|slurm|parallel ("" = the spec's)
  bool wait = true;                   // false: --no-wait (slurm)
  std::vector<std::string> sshlogin;  // --sshlogin, in order (parallel)
  std::string sshloginfile;           // --sshloginfile (parallel)
};

std::optional<SweepCmdOptions> parse_sweep(const Args& args);
int run_sweep(const SweepCmdOptions& o);

}  // namespace csbrnn::cli
