// Running a sweep (docs/sweep.md): manifest, pruned-model cache, one subprocess per point (the
// same csbrnn binary), atomic per-point results, resume, merged table and plots.
//
// Layout of the output directory DIR:
//   manifest.jsonl      header + one line per point (sweep/manifest.h), in expansion order
//   sweep.log           appended per run: "start", "skip ID", "run ID", "ok ID", "failed ID: ..."
//   cache/KEY.csb       pruned model per (model, seed, method, rate, block), made once
//   points/ID.json      the point's result, written atomically ("status": "ok" or "failed")
//   logs/ID.log         the point process's stdout+stderr
//   runs/ID/            simulate mode: the `csbrnn simulate` report directory (stats.json ...)
//   results.csv, results.md, *.svg
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "sweep/spec.h"

namespace csbrnn::sweep {

struct RunOptions {
  std::string out_dir;
  int jobs = 0;          // 0: spec's jobs, else number of processors
  bool dry_run = false;  // write the manifest and print the plan only
  bool progress = true;  // progress line on stderr
  std::string exe;       // csbrnn binary for subprocesses ("" = /proc/self/exe)
  // slurm: false = submit and return (--no-wait); a later --status / --report-only finishes
  bool wait = true;
  double poll_seconds = 2;  // slurm, parallel: how often the result files are counted
};

/// A point by index and id (what the launchers keep of a pending point: 16 bytes).
struct PointRef {
  int64_t index;
  uint64_t id;
};

struct RunSummary {
  int points = 0, skipped = 0, ran = 0, ok = 0, failed = 0;
  int missing = 0;        // slurm, parallel: points submitted that left no result
  std::string submitted;  // slurm --no-wait: the job id (nothing was waited for)
};

/// Runs (or resumes) the sweep; returns the counts. Point failures are recorded, not thrown.
RunSummary run_sweep(const SweepSpec& spec, const RunOptions& opt);

/// The point subprocess: prune into the cache if needed (`prepare`), or run point `id`
/// (compile + analytic timing; simulate mode: a `csbrnn simulate` subprocess). Writes
/// points/ID.json (ok) or throws Error (the parent records the failure).
void prepare_cache_entry(const std::string& out_dir, const std::string& key);
/// `index`: where the point's line is (-1 or a stale one: the manifest is searched for `id`).
void run_point(const std::string& out_dir, const std::string& id, int64_t index = -1,
               const std::string& exe = "");

/// --run-points ID,ID,...: the work of one Slurm array task or GNU parallel job. Runs each point
/// that has no ok result as the local launcher does (a `--run-point ID` subprocess, its log in
/// logs/ID.log, a failure recorded in points/ID.json); a missing pruned model is made first under
/// an exclusive flock of cache/KEY.lock, so tasks on several hosts prune it once. Returns the
/// number of points that failed.
int run_points(const std::string& out_dir, const std::string& ids, const std::string& exe = "");

/// status of points/ID.json: "ok", "failed" or "" (missing / unreadable).
std::string point_status(const std::string& out_dir, const std::string& id);

/// Writes results.csv, results.md and the SVG plots from the manifest and points/*.json.
/// Returns the number of failed or missing points.
/// A simulated point's "sim" record in points/ID.json: {its key, the stats.json key it copies
/// (dotted; sim/report.h stats_json_paths)}; results.csv's sim columns read these.
const std::vector<std::pair<std::string, std::string>>& sim_point_keys();

/// `pareto` 1: also pareto.md and pareto_pes.svg, pareto_weight_buffer.svg (docs/sweep.md
/// "Search and Pareto front"); 0: not; -1: as the copy DIR/spec.yaml says (--report-only).
int write_results(const std::string& out_dir, const std::string& title, int pareto = -1);

}  // namespace csbrnn::sweep
