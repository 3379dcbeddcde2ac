#include "cli/cmd_fig12.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/options.h"
#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "compile/compiler.h"
#include "timing/analytic.h"
#include "workload/bench_model.h"
#include "workload/model_spec.h"

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

const std::vector<SharingMode> kModes = {SharingMode::None, SharingMode::Horizontal,
                                         SharingMode::Vertical, SharingMode::TwoD};

/// Column sums over the table's rows, per sharing mode.
struct Means {
  std::vector<double> occ = std::vector<double>(kModes.size(), 0.0);
  std::vector<double> util = std::vector<double>(kModes.size(), 0.0);
  int rows = 0;
};

/// One table row (model, block): compiled under every sharing mode; appends to `out`.
void fig12_row(const Fig12CmdOptions& o, const std::string& name, int b, Means& means,
               nlohmann::json& out) {
  BenchModelOptions bo;
  bo.block = b;
  bo.seed = o.seed;
  const CsbModel m = benchmark_csb_model(name, bo);
  std::printf("%-6s %5d", name.c_str(), b);
  for (size_t i = 0; i < kModes.size(); ++i) {
    HwConfig hw = o.hw;
    hw.sharing = kModes[i];
    const Program p = compile_program(m, hw, {name});
    const timing::TimingReport r = timing::analyze(p);
    std::printf(" | %10.1f%% %10.1f%%", 100 * r.group_occupancy, 100 * r.pe_utilization);
    means.occ[i] += r.group_occupancy;
    means.util[i] += r.pe_utilization;
    int64_t issue = 0;
    for (const auto& mt : r.mvms) issue += mt.issue_cycles;
    const double balance =
        issue > 0 ? double(r.tiles) / (double(hw.engine.groups()) * double(issue)) : 0.0;
    out.push_back({{"model", name},
                   {"issue_balance", balance},
                   {"block", b},
                   {"sharing", sharing_name(kModes[i])},
                   {"group_occupancy", r.group_occupancy},
                   {"pe_utilization", r.pe_utilization},
                   {"imbalance", r.imbalance},
                   {"engine_cycles", r.engine_cycles},
                   {"cycles_per_step", r.cycles_per_step},
                   {"latency_us", r.latency_us}});
  }
  std::printf("\n");
  std::fflush(stdout);
  means.rows++;
}

}  // namespace

std::optional<Fig12CmdOptions> parse_fig12(const Args& args) {
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
    return std::nullopt;
  Fig12CmdOptions o;
  o.hw = hw_from_options(vm);
  o.blocks = parse_int_list(vm["block"].as<std::string>(), "--block");
  for (const std::string& name : split(vm["models"].as<std::string>(), ','))
    o.models.push_back(trim(name));
  o.seed = vm["seed"].as<uint64_t>();
  if (vm.count("json")) o.json = vm["json"].as<std::string>();
  return o;
}

int run_fig12(const Fig12CmdOptions& o) {
  // every model name and the output path fail before the table starts
  for (const std::string& name : o.models) (void)load_model_spec(name);
  if (o.json) check_writable(*o.json);
  const HwConfig& base = o.hw;
  std::printf(
      "Fig. 12 (ours): %dx%d groups of %dx%d PEs; occupancy = tiles/(groups x engine "
      "cycles), PE util = useful MACs/(PEs x engine cycles)\n",
      base.engine.K, base.engine.L, base.engine.P, base.engine.Q);
  std::printf("%-6s %5s | %-23s | %-23s | %-23s | %-23s\n", "model", "block", "none occ/util",
              "horizontal occ/util", "vertical occ/util", "2d occ/util");
  Means means;
  nlohmann::json out = nlohmann::json::array();
  for (const std::string& name : o.models)
    for (int b : o.blocks) fig12_row(o, name, b, means, out);
  if (means.rows > 0) {
    std::printf("%-12s", "mean");
    for (size_t i = 0; i < kModes.size(); ++i)
      std::printf(" | %10.1f%% %10.1f%%", 100 * means.occ[i] / means.rows,
                  100 * means.util[i] / means.rows);
    std::printf(
        "\n(paper, 2d vs none vs one direction: 94%% / 42%% / 72%% pipeline utilization)\n");
  }
  if (o.json) write_file_atomic(*o.json, out.dump(2) + "\n");
  return 0;
}

std::optional<CompileBenchCmdOptions> parse_compile_bench(const Args& args) {
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
    return std::nullopt;
  CompileBenchCmdOptions o;
  o.hw = hw_from_options(vm);
  o.block = vm["block"].as<int>();
  o.model = vm["model"].as<std::string>();
  o.repeat = vm["repeat"].as<int>();
  return o;
}

int run_compile_bench(const CompileBenchCmdOptions& o) {
  BenchModelOptions bo;
  bo.block = o.block;
  const auto g0 = std::chrono::steady_clock::now();
  const CsbModel m = benchmark_csb_model(o.model, bo);
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
      o.model.c_str(), o.block, nnz, dense, double(dense) / double(nnz), gen);
  for (int i = 0; i < o.repeat; ++i) {
    CompileStats st;
    const Program p = compile_program(m, o.hw, {o.model}, &st);
    std::printf("compile (sharing %s, %d iterations, %d proven optimal): %.3f s\n",
                sharing_name(o.hw.sharing), st.iterations, st.proven_optimal, st.seconds);
  }
  return 0;
}

}  // namespace csbrnn::cli
