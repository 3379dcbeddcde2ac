#include "cli/cmd_sweep.h"

#include <cstdio>
#include <iostream>

#include "cli/options.h"
#include "common/error.h"
#include "sweep/launch.h"
#include "sweep/runner.h"
#include "sweep/spec.h"

namespace csbrnn::cli {
namespace {

using Mode = SweepCmdOptions::Mode;

int report_only(const std::string& out) {
  const int bad = sweep::write_results(out, "");
  std::printf("%s/results.csv, results.md written (%d failed or missing points)\n", out.c_str(),
              bad);
  return bad ? 1 : 0;
}

int status(const std::string& out) {
  const sweep::SweepStatus st = sweep::sweep_status(out);
  std::printf("%s: %d points: %d ok, %d failed, %d without a result", out.c_str(), st.points, st.ok,
              st.failed, st.missing);
  if (!st.job.empty()) {
    if (!st.job_known)
      std::printf("; Slurm job %s: squeue cannot be run", st.job.c_str());
    else if (st.job_pending + st.job_running == 0)
      std::printf("; Slurm job %s: finished", st.job.c_str());
    else
      std::printf("; Slurm job %s: %d task(s) pending, %d running", st.job.c_str(), st.job_pending,
                  st.job_running);
  }
  std::printf("\n");
  if (st.missing) return 3;
  return st.failed ? 1 : 0;
}

int run_all(const SweepCmdOptions& o) {
  const std::string& out = o.out;
  sweep::SweepSpec spec = sweep::load_sweep_spec(o.spec, o.sets);
  if (!o.launcher.empty()) spec.launcher = sweep::parse_launcher(o.launcher, "--launcher");
  if (!o.sshlogin.empty()) spec.parallel.sshlogin = o.sshlogin;
  if (!o.sshloginfile.empty()) spec.parallel.sshloginfile = o.sshloginfile;
  if ((!o.sshlogin.empty() || !o.sshloginfile.empty()) &&
      spec.launcher != sweep::Launcher::Parallel)
    fail("csbrnn sweep: --sshlogin/--sshloginfile need --launcher parallel");
  if (!o.wait && spec.launcher != sweep::Launcher::Slurm)
    fail(
        "csbrnn sweep: --no-wait needs --launcher slurm (the other launchers run the points as "
        "children of this process)");
  sweep::RunOptions ro;
  ro.out_dir = out;
  ro.dry_run = o.dry_run;
  ro.progress = o.progress;
  ro.jobs = o.jobs;
  ro.wait = o.wait;
  const sweep::RunSummary s = sweep::run_sweep(spec, ro);
  if (ro.dry_run) return 0;
  if (!s.submitted.empty()) {
    std::printf(
        "%d points: %d skipped (already done), %d submitted as Slurm job %s. Progress: csbrnn "
        "sweep --status --out %s; results: csbrnn sweep --report-only --out %s\n",
        s.points, s.skipped, s.ran, s.submitted.c_str(), out.c_str(), out.c_str());
    return 0;
  }
  const int bad = sweep::write_results(out, spec.name, spec.pareto ? 1 : 0);
  std::printf(
      "%d points: %d skipped (already done), %d run: %d ok, %d failed. Results: %s/results.csv, "
      "%s/results.md\n",
      s.points, s.skipped, s.ran, s.ok, s.failed, out.c_str(), out.c_str());
  if (s.missing)
    std::fprintf(stderr,
                 "csbrnn sweep: %d point(s) left no result (their task was killed, failed or "
                 "lost; see %s/logs/); rerun the same command to resubmit them\n",
                 s.missing, out.c_str());
  if (bad) {
    std::fprintf(stderr, "csbrnn sweep: %d point(s) failed; see %s/results.md and %s/logs/\n", bad,
                 out.c_str(), out.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

std::optional<SweepCmdOptions> parse_sweep(const Args& args) {
  po::options_description desc("sweep options");
  desc.add_options()                                                                           //
      ("spec", po::value<std::string>(), "SPEC.yaml: the sweep (docs/sweep.md)")               //
      ("out,o", po::value<std::string>(), "output directory (resumes a sweep already there)")  //
      ("jobs,j", po::value<int>(),
       "points run in parallel (default: the spec's jobs, else nproc)")     //
      ("dry-run,n", "write the manifest and list the points; run nothing")  //
      ("set", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"),
       "override a spec key (timesteps=2, mode=simulate, models=[mt1], prune.rate=[8,12], "
       "hw.base=FILE) or fix any hw key for every point (engine.pe_groups=4x8), repeatable")  //
      ("no-progress", "no progress line on stderr")                                           //
      ("launcher", po::value<std::string>()->value_name("L"),
       "where the points run: local (subprocesses, default), slurm (one sbatch job array), "
       "parallel (GNU parallel); overrides the spec's launcher")               //
      ("no-wait", "slurm: submit and return; --status / --report-only later")  //
      ("sshlogin", po::value<std::vector<std::string>>()->composing()->value_name("LOGIN"),
       "parallel: passed to GNU parallel --sshlogin (repeatable)")  //
      ("sshloginfile", po::value<std::string>()->value_name("FILE"),
       "parallel: passed to GNU parallel --sshloginfile")                                      //
      ("status", "print how many points of DIR have a result and the state of its Slurm job")  //
      ("report-only", "rewrite results.csv/.md and the plots from DIR; run nothing")           //
      ("prepare", po::value<std::string>()->value_name("KEY"),
       "internal: prune cache entry KEY")                                                  //
      ("run-point", po::value<std::string>()->value_name("ID"), "internal: run point ID")  //
      ("index", po::value<int64_t>()->value_name("N"),
       "internal, with --run-point: the point's index in the manifest")  //
      ("run-points", po::value<std::string>()->value_name("ID,..."),
       "internal: run these points (one cluster task)");
  po::positional_options_description pos;
  pos.add("spec", 1);
  po::variables_map vm;
  if (!parse_args("sweep",
                  "SPEC.yaml --out DIR [-j N] [--dry-run] [--set KEY=VALUE]... [--launcher L]",
                  args, desc, pos, vm))
    return std::nullopt;
  if (!vm.count("out")) fail("csbrnn sweep: missing --out DIR");
  SweepCmdOptions o;
  o.out = vm["out"].as<std::string>();
  // The internal modes and --report-only take nothing else (the other options are ignored).
  if (vm.count("prepare")) {
    o.mode = Mode::Prepare;
    o.key = vm["prepare"].as<std::string>();
    return o;
  }
  if (vm.count("run-point")) {
    o.mode = Mode::RunPoint;
    o.key = vm["run-point"].as<std::string>();
    if (vm.count("index")) o.index = vm["index"].as<int64_t>();
    return o;
  }
  if (vm.count("run-points")) {
    o.mode = Mode::RunPoints;
    o.key = vm["run-points"].as<std::string>();
    return o;
  }
  if (vm.count("report-only")) {
    o.mode = Mode::ReportOnly;
    return o;
  }
  if (vm.count("status")) {
    o.mode = Mode::Status;
    return o;
  }
  if (!vm.count("spec")) fail("csbrnn sweep: missing SPEC.yaml (see docs/sweep.md)");
  o.spec = vm["spec"].as<std::string>();
  if (vm.count("set")) o.sets = vm["set"].as<std::vector<std::string>>();
  o.dry_run = vm.count("dry-run") > 0;
  o.progress = !vm.count("no-progress");
  if (vm.count("jobs")) {
    o.jobs = vm["jobs"].as<int>();
    if (o.jobs < 1) fail("csbrnn sweep: -j/--jobs must be at least 1");
  }
  if (vm.count("launcher")) {
    o.launcher = vm["launcher"].as<std::string>();
    sweep::parse_launcher(o.launcher, "--launcher");
  }
  o.wait = !vm.count("no-wait");
  if (vm.count("sshlogin")) o.sshlogin = vm["sshlogin"].as<std::vector<std::string>>();
  if (vm.count("sshloginfile")) o.sshloginfile = vm["sshloginfile"].as<std::string>();
  if ((!o.sshlogin.empty() || !o.sshloginfile.empty()) && !o.launcher.empty() &&
      o.launcher != "parallel")
    fail("csbrnn sweep: --sshlogin/--sshloginfile need --launcher parallel");
  return o;
}

int run_sweep(const SweepCmdOptions& o) {
  switch (o.mode) {
    case Mode::Prepare:
      sweep::prepare_cache_entry(o.out, o.key);
      return 0;
    case Mode::RunPoint:
      sweep::run_point(o.out, o.key, o.index);
      return 0;
    case Mode::ReportOnly:
      return report_only(o.out);
    case Mode::Status:
      return status(o.out);
    case Mode::RunPoints:
      return sweep::run_points(o.out, o.key) ? 1 : 0;
    case Mode::Run:
      break;
  }
  return run_all(o);
}

}  // namespace csbrnn::cli
