// csbrnn fig12: the paper's Fig. 12 in our terms (group occupancy and PE utilization per sharing
// mode on the benchmark models), and csbrnn compile-bench: compile-time benchmark.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/options.h"
#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "compile/compiler.h"
#include "workload/bench_model.h"
#include "workload/model_spec.h"
#include "timing/analytic.h"

namespace csbrnn::cli {
namespace {

std::vector<int> parse_int_list(const std::string& s, const std::string& what) {
  std::vector<int> v;
  for (const std::string& t : split(s, ',')) {
    long long x = 0;
    if (!parse_int(trim(t), x) || x < 1 || x > 65535)
      fail(what, ": '", t, "' is not a block size in 1..65535");
    v.push_back(int(x));
  }
  return v;
}

int run_fig12(const std::vector<std::string>& args) {
  po::options_description desc("fig12 options");
  desc.add_options()  //
      ("models", po::value<std::string>()->default_value("mt1,mt2,sr1,sr2,sr3,sr4"),
       "benchmark models (models/*.yaml: generated weights, CSB-pruned at the paper's rate)")  //
      ("block", po::value<std::string>()->default_value("32,64"), "square block sizes")        //
      ("seed", po::value<uint64_t>()->default_value(1), "generator seed")                      //
      ("json", po::value<std::string>(), "also write the table as JSON");
  add_hw_options(desc);
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse_args("fig12", "[--models LIST] [--block 32,64] [--hw HW.yaml] [--json OUT]", args,
                  desc, pos, vm))
    return 0;
  const HwConfig base = hw_from_options(vm);
  const auto blocks = parse_int_list(vm["block"].as<std::string>(), "--block");
  // every model name and the output path fail before the table starts
  for (const std::string& name : split(vm["models"].as<std::string>(), ','))
    (void)load_model_spec(trim(name));
  if (vm.count("json")) check_writable(vm["json"].as<std::string>());
  const std::vector<SharingMode> modes = {SharingMode::None, SharingMode::Horizontal,
                                          SharingMode::Vertical, SharingMode::TwoD};
  nlohmann::json out = nlohmann::json::array();
  std::printf(
      "Fig. 12 (ours): %dx%d groups of %dx%d PEs; occupancy = tiles/(groups x engine "
      "cycles), PE util = useful MACs/(PEs x engine cycles)\n",
      base.engine.K, base.engine.L, base.engine.P, base.engine.Q);
  std::printf("%-6s %5s | %-23s | %-23s | %-23s | %-23s\n", "model", "block", "none occ/util",
              "horizontal occ/util", "vertical occ/util", "2d occ/util");
  std::vector<double> mean_occ(modes.size(), 0), mean_util(modes.size(), 0);
  int rows = 0;
  for (const std::string& name : split(vm["models"].as<std::string>(), ',')) {
    for (int b : blocks) {
      BenchModelOptions bo;
      bo.block = b;
      bo.seed = vm["seed"].as<uint64_t>();
      const CsbModel m = benchmark_csb_model(trim(name), bo);
      std::printf("%-6s %5d", trim(name).c_str(), b);
      for (size_t i = 0; i < modes.size(); ++i) {
        HwConfig hw = base;
        hw.sharing = modes[i];
        const Program p = compile_program(m, hw, {trim(name)});
        const timing::TimingReport r = timing::analyze(p);
        std::printf(" | %10.1f%% %10.1f%%", 100 * r.group_occupancy, 100 * r.pe_utilization);
        mean_occ[i] += r.group_occupancy;
        mean_util[i] += r.pe_utilization;
        int64_t issue = 0;
        for (const auto& mt : r.mvms) issue += mt.issue_cycles;
        const double balance =
            issue > 0 ? double(r.tiles) / (double(hw.engine.groups()) * double(issue)) : 0.0;
        out.push_back({{"model", trim(name)},
                       {"issue_balance", balance},
                       {"block", b},
                       {"sharing", sharing_name(modes[i])},
                       {"group_occupancy", r.group_occupancy},
                       {"pe_utilization", r.pe_utilization},
                       {"imbalance", r.imbalance},
                       {"engine_cycles", r.engine_cycles},
                       {"cycles_per_step", r.cycles_per_step},
                       {"latency_us", r.latency_us}});
      }
      std::printf("\n");
      std::fflush(stdout);
      rows++;
    }
  }
  if (rows > 0) {
    std::printf("%-12s", "mean");
    for (size_t i = 0; i < modes.size(); ++i)
      std::printf(" | %10.1f%% %10.1f%%", 100 * mean_occ[i] / rows, 100 * mean_util[i] / rows);
    std::printf(
        "\n(paper, 2d vs none vs one direction: 94%% / 42%% / 72%% pipeline utilization)\n");
  }
  if (vm.count("json")) write_file_atomic(vm["json"].as<std::string>(), out.dump(2) + "\n");
  return 0;
}

int run_compile_bench(const std::vector<std::string>& args) {
  po::options_description desc("compile-bench options");
  desc.add_options()                                                                //
      ("model", po::value<std::string>()->default_value("mt2"), "benchmark model")  //
      ("block", po::value<int>()->default_value(32), "square block size")           //
      ("repeat", po::value<int>()->default_value(1), "compiles to time");
  add_hw_options(desc);
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse_args("compile-bench", "[--model mt2] [--block 32] [--hw HW.yaml]", args, desc, pos,
                  vm))
    return 0;
  const HwConfig hw = hw_from_options(vm);
  BenchModelOptions bo;
  bo.block = vm["block"].as<int>();
  const auto g0 = std::chrono::steady_clock::now();
  const CsbModel m = benchmark_csb_model(vm["model"].as<std::string>(), bo);
  const double gen = std::chrono::duration<double>(std::chrono::steady_clock::now() - g0).count();
  size_t nnz = 0, dense = 0;
  for (const CsbLayer& l : m.layers) {
    for (const CsbMatrix* c : {&l.w_ih, &l.w_hh, &l.w_hr}) {
      for (const CsbBlock& b : c->blocks) nnz += size_t(b.kr()) * b.kc();
      dense += size_t(c->rows) * c->cols;
    }
  }
  std::printf(
      "model %s block %d: %zu of %zu weights kept (%.1fx), generated and pruned in %.2f s\n",
      vm["model"].as<std::string>().c_str(), vm["block"].as<int>(), nnz, dense,
      double(dense) / double(nnz), gen);
  for (int i = 0; i < vm["repeat"].as<int>(); ++i) {
    CompileStats st;
    const Program p = compile_program(m, hw, {vm["model"].as<std::string>()}, &st);
    std::printf("compile (sharing %s, %d iterations, %d proven optimal): %.3f s\n",
                sharing_name(hw.sharing), st.iterations, st.proven_optimal, st.seconds);
  }
  return 0;
}

CommandRegistrar reg({"fig12", "paper Fig. 12: occupancy/utilization per sharing mode", run_fig12});
CommandRegistrar reg2({"compile-bench", "time the compiler on a benchmark model (MT2: goal < 10 s)",
                       run_compile_bench});

}  // namespace
}  // namespace csbrnn::cli
