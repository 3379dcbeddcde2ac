// csbrnn sweep SPEC.yaml --out DIR [-j N] [--dry-run] [--set KEY=VALUE]...
// Many design points in parallel (one csbrnn process per point) -> one table and plots
// (docs/sweep.md). --prepare KEY / --run-point ID are the per-point subprocesses (internal).
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "cli/options.h"
#include "common/error.h"
#include "sweep/runner.h"
#include "sweep/spec.h"

namespace csbrnn::cli {
namespace {

int run_sweep_cmd(const std::vector<std::string>& args) {
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
      ("report-only", "rewrite results.csv/.md and the plots from DIR; run nothing")          //
      ("prepare", po::value<std::string>()->value_name("KEY"),
       "internal: prune cache entry KEY")  //
      ("run-point", po::value<std::string>()->value_name("ID"), "internal: run point ID");
  po::positional_options_description pos;
  pos.add("spec", 1);
  po::variables_map vm;
  if (!parse_args("sweep", "SPEC.yaml --out DIR [-j N] [--dry-run] [--set KEY=VALUE]...", args,
                  desc, pos, vm))
    return 0;
  if (!vm.count("out")) fail("csbrnn sweep: missing --out DIR");
  const std::string out = vm["out"].as<std::string>();
  if (vm.count("prepare")) {
    sweep::prepare_cache_entry(out, vm["prepare"].as<std::string>());
    return 0;
  }
  if (vm.count("run-point")) {
    sweep::run_point(out, vm["run-point"].as<std::string>());
    return 0;
  }
  if (vm.count("report-only")) {
    const int bad = sweep::write_results(out, "");
    std::printf("%s/results.csv, results.md written (%d failed or missing points)\n", out.c_str(),
                bad);
    return bad ? 1 : 0;
  }
  if (!vm.count("spec")) fail("csbrnn sweep: missing SPEC.yaml (see docs/sweep.md)");
  const std::vector<std::string> sets =
      vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>();
  const sweep::SweepSpec spec = sweep::load_sweep_spec(vm["spec"].as<std::string>(), sets);
  sweep::RunOptions ro;
  ro.out_dir = out;
  ro.dry_run = vm.count("dry-run") > 0;
  ro.progress = !vm.count("no-progress");
  if (vm.count("jobs")) {
    ro.jobs = vm["jobs"].as<int>();
    if (ro.jobs < 1) fail("csbrnn sweep: -j/--jobs must be at least 1");
  }
  const sweep::RunSummary s = sweep::run_sweep(spec, ro);
  if (ro.dry_run) return 0;
  const int bad = sweep::write_results(out, spec.name);
  std::printf(
      "%d points: %d skipped (already done), %d run: %d ok, %d failed. Results: %s/results.csv, "
      "%s/results.md\n",
      s.points, s.skipped, s.ran, s.ok, s.failed, out.c_str(), out.c_str());
  if (bad) {
    std::fprintf(stderr, "csbrnn sweep: %d point(s) failed; see %s/results.md and %s/logs/\n", bad,
                 out.c_str(), out.c_str());
    return 1;
  }
  return 0;
}

CommandRegistrar reg({"sweep", "run many design points in parallel -> one table and plots",
                      run_sweep_cmd});

}  // namespace
}  // namespace csbrnn::cli
