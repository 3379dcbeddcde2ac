// The cluster launchers of a sweep (docs/sweep.md "Launchers"): the pending points of the
// manifest as one Slurm job array (sbatch) or as GNU parallel jobs (this host or --sshlogin
// hosts). Every task runs `csbrnn sweep --run-points ID,...` (runner.h run_points), which runs
// each point as the local launcher does, so the results are the same files.
//
// Contract: DIR is on a file system every task sees at the same path (results are written
// atomically there, the pruned-model cache is locked with flock); the parent only counts the
// result files. A point whose task was killed or lost has no result: it is reported as missing
// and a rerun resubmits it.
#pragma once
#include <string>
#include <vector>

#include "sweep/runner.h"
#include "sweep/spec.h"

namespace csbrnn::sweep {

/// Submits (slurm) or starts (parallel) the pending points and, unless opt.wait is false (slurm
/// only), waits for their results with a progress line. `sum` has points and skipped set.
RunSummary launch_remote(const SweepSpec& spec, const RunOptions& opt,
                         const std::vector<PointRef>& pending, RunSummary sum);

/// Throws Error when DIR/launch/slurm-job.json names a job that squeue still lists.
void check_no_active_job(const std::string& dir);

struct SweepStatus {
  int points = 0, ok = 0, failed = 0, missing = 0;
  std::string job;      // the last Slurm job of DIR ("" = none)
  int job_pending = 0;  // its array tasks still pending / running (squeue)
  int job_running = 0;
  bool job_known = true;  // false: squeue could not be asked
};

/// Counts the results of DIR's manifest and asks squeue about DIR's last job.
SweepStatus sweep_status(const std::string& dir);

}  // namespace csbrnn::sweep
