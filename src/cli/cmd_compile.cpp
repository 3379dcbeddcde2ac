#include "cli/cmd_compile.h"

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/options.h"
#include "common/error.h"
#include "common/file_util.h"
#include "compile/compiler.h"
#include "config/config_loader.h"
#include "energy/counts.h"
#include "energy/model.h"
#include "energy/table.h"
#include "isa/program_io.h"
#include "model/csb_file.h"
#include "timing/analytic.h"

namespace csbrnn::cli {
namespace {

void print_summary(const CompileCmdOptions& o, const Program& p, const CompileStats& st,
                   const timing::TimingReport& r) {
  std::printf("%s -> %s: %zu MVMs, %zu macro words, %d iterations, compiled in %.3f s\n",
              o.origin.c_str(), o.output.c_str(), p.mvms.size(), p.words.size(), st.iterations,
              st.seconds);
  std::printf(
      "analytic: %lld cycles/timestep = %.3f us at %.0f MHz (%.0f frames/s); PE "
      "utilization %.1f%%, group occupancy %.1f%%, imbalance %.3f\n",
      (long long)r.cycles_per_step, r.latency_us, r.clock_mhz, r.frames_per_s,
      100 * r.pe_utilization, 100 * r.group_occupancy, r.imbalance);
  if (st.unproven > 0)
    std::printf(
        "note: %lld of %lld scheduling units (%s, engine.sync = %s) not proven optimal; "
        "their makespans exceed the lower bounds by %lld tiles in all\n",
        (long long)st.unproven, (long long)st.decision_units,
        inputs_resident(o.hw.engine.sync) ? "row-groups" : "iterations",
        sync_name(o.hw.engine.sync), (long long)st.gap_tiles);
  if (st.weight_buffer_overflow) {
    std::printf(
        "note: the busiest group needs %llu bytes of weight images (> %d KiB weight buffer); "
        "the analytic figures assume resident weights, the simulator streams:\n",
        (unsigned long long)st.model_max_group_bytes, o.hw.buffers.weight_buffer_kib);
    for (const auto& b : st.buffers)
      if (b.overflow)
        std::printf("note:   MVM %d streams from DRAM in %d of %d groups\n", b.mvm,
                    b.streamed_groups, o.hw.engine.groups());
  }
}

/// The analytic energy estimate of one timestep (program counts, analytic cycles).
energy::EnergyReport compile_energy(const CompileCmdOptions& o, const Program& p,
                                    const timing::TimingReport& r, const energy::EnergyTable& t) {
  return energy::evaluate(energy::program_counts(p, o.hw, 1), o.hw, t, r.cycles_per_step, 1,
                          p.bias.size());
}

void write_report(const CompileCmdOptions& o, const CompileStats& st, const Program& p,
                  const timing::TimingReport& r, const energy::EnergyReport& e) {
  const HwConfig& hw = o.hw;
  nlohmann::json j;
  j["model"] = o.origin;
  j["program"] = o.output;
  j["hw"] = hw_config_to_yaml(hw);
  j["sharing"] = sharing_name(hw.sharing);
  nlohmann::json wb = nlohmann::json::array();
  for (const auto& b : st.buffers)
    wb.push_back({{"mvm", b.mvm},
                  {"max_group_bytes", b.max_group_bytes},
                  {"capacity_bytes", uint64_t(hw.buffers.weight_buffer_kib) * 1024},
                  {"streamed_groups", b.streamed_groups},
                  {"overflow", b.overflow}});
  nlohmann::json gaps = nlohmann::json::array();
  for (const ScheduleGap& g : st.gaps)
    gaps.push_back({{"mvm", g.mvm},
                    {"unit", g.unit},
                    {"makespan", g.makespan},
                    {"lower_bound", g.lower_bound}});
  // entries the busiest BlockNeuronBuffer column holds under row-group sync, per MVM
  nlohmann::json entries = nlohmann::json::array();
  for (const MvmProgram& mv : p.mvms) {
    int64_t need = 0;
    for (int l = 0; l < hw.engine.L; ++l) need = std::max(need, resident_input_entries(mv, hw, l));
    entries.push_back(need);
  }
  j["compile"] = {{"seconds", st.seconds},
                  {"sync", sync_name(hw.engine.sync)},
                  {"iterations", st.iterations},
                  {"proven_optimal", st.proven_optimal},
                  {"decision_units", st.decision_units},
                  {"proven_units", st.proven_units},
                  {"unproven",
                   {{"count", st.unproven},
                    {"gap_tiles", st.gap_tiles},
                    {"units", gaps},
                    {"listed_max", CompileStats::kMaxGaps}}},
                  {"resident_input_entries", entries},
                  {"weight_buffer", wb},
                  {"model_max_group_bytes", st.model_max_group_bytes},
                  {"weight_buffer_overflow", st.weight_buffer_overflow}};
  j["timing"] = timing::timing_json(r);
  j["energy"] = energy::energy_json(e);  // one timestep, analytic (docs/energy.md)
  j["energy"]["actions_per_step"] = stats::actions_json(energy::program_counts(p, o.hw, 1));
  write_file_atomic(o.report, j.dump(2) + "\n");
}

}  // namespace

std::optional<CompileCmdOptions> parse_compile(const Args& args) {
  po::options_description desc("compile options");
  desc.add_options()                                    //
      ("model", po::value<std::string>(), "MODEL.csb")  //
      ("bench", po::value<std::string>(),
       "compile a benchmark model of models/*.yaml instead (generated weights, CSB-pruned at "
       "the paper's rate)")                                                                     //
      ("block", po::value<int>()->default_value(0), "block size for --bench (0: the paper's)")  //
      ("output,o", po::value<std::string>()->required(), "PROGRAM.bin to write")                //
      ("report", po::value<std::string>(), "REPORT.json: compile statistics and analytic timing");
  add_hw_options(desc);
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse_args("compile",
                  "MODEL.csb [--hw HW.yaml] [--set K=V]... -o PROGRAM.bin "
                  "[--report REPORT.json]",
                  args, desc, pos, vm))
    return std::nullopt;
  if (vm.count("model") == vm.count("bench"))
    fail("csbrnn compile: give exactly one of MODEL.csb or --bench NAME");
  CompileCmdOptions o;
  o.hw = hw_from_options(vm);
  // Refuse unwritable outputs before the work (and before anything is written).
  o.output = vm["output"].as<std::string>();
  check_writable(o.output);
  if (vm.count("report")) {
    o.report = vm["report"].as<std::string>();
    check_writable(o.report);
  }
  o.bench = vm.count("bench") > 0;
  o.origin = vm[o.bench ? "bench" : "model"].as<std::string>();
  if (o.bench) {
    o.bench_model.block = vm["block"].as<int>();
    if (o.bench_model.block < 0)
      fail("--block: ", o.bench_model.block, " is not a block size (0 = the paper's)");
  }
  return o;
}

int run_compile(const CompileCmdOptions& o) {
  const energy::EnergyTable table = energy::load_table(o.hw.energy.table);  // fail fast
  energy::evaluate({}, o.hw, table, 0, 1, 0);  // names an energy.dram the table lacks
  const CsbModel m =
      o.bench ? benchmark_csb_model(o.origin, o.bench_model) : load_csb_model(o.origin);
  CompileStats st;
  const Program p = compile_program(m, o.hw, {o.origin}, &st);
  save_program(o.output, p);
  const timing::TimingReport r = timing::analyze(p);
  const energy::EnergyReport e = compile_energy(o, p, r, table);
  print_summary(o, p, st, r);
  std::printf("analytic energy: %s\n", energy::energy_line(e, r.clock_mhz).c_str());
  if (!o.report.empty()) write_report(o, st, p, r, e);
  return 0;
}

}  // namespace csbrnn::cli
