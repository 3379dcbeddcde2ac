// csbrnn compile MODEL.csb --hw HW.yaml [--set ...] -o PROGRAM.bin [--report REPORT.json]
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/options.h"
#include "common/error.h"
#include "common/file_util.h"
#include "compile/compiler.h"
#include "workload/bench_model.h"
#include "isa/program_io.h"
#include "config/config_loader.h"
#include "model/csb_file.h"
#include "timing/analytic.h"

namespace csbrnn::cli {
namespace {

int run_compile(const std::vector<std::string>& args) {
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
    return 0;
  if (vm.count("model") == vm.count("bench"))
    fail("csbrnn compile: give exactly one of MODEL.csb or --bench NAME");
  const HwConfig hw = hw_from_options(vm);
  // Refuse unwritable outputs before the work (and before anything is written).
  check_writable(vm["output"].as<std::string>());
  if (vm.count("report")) check_writable(vm["report"].as<std::string>());
  CsbModel m;
  std::string origin;
  if (vm.count("model")) {
    origin = vm["model"].as<std::string>();
    m = load_csb_model(origin);
  } else {
    origin = vm["bench"].as<std::string>();
    BenchModelOptions bo;
    bo.block = vm["block"].as<int>();
    if (bo.block < 0) fail("--block: ", bo.block, " is not a block size (0 = the paper's)");
    m = benchmark_csb_model(origin, bo);
  }
  CompileStats st;
  const Program p = compile_program(m, hw, {origin}, &st);
  const std::string out = vm["output"].as<std::string>();
  save_program(out, p);
  const timing::TimingReport r = timing::analyze(p);
  std::printf("%s -> %s: %zu MVMs, %zu macro words, %d iterations, compiled in %.3f s\n",
              origin.c_str(), out.c_str(), p.mvms.size(), p.words.size(), st.iterations,
              st.seconds);
  std::printf(
      "analytic: %lld cycles/timestep = %.3f us at %.0f MHz (%.0f frames/s); PE "
      "utilization %.1f%%, group occupancy %.1f%%, imbalance %.3f\n",
      (long long)r.cycles_per_step, r.latency_us, r.clock_mhz, r.frames_per_s,
      100 * r.pe_utilization, 100 * r.group_occupancy, r.imbalance);
  if (st.weight_buffer_overflow) {
    std::printf(
        "note: the busiest group needs %llu bytes of weight images (> %d KiB weight buffer); "
        "the analytic figures assume resident weights, the simulator streams:\n",
        (unsigned long long)st.model_max_group_bytes, hw.buffers.weight_buffer_kib);
    for (const auto& b : st.buffers)
      if (b.overflow)
        std::printf("note:   MVM %d streams from DRAM in %d of %d groups\n", b.mvm,
                    b.streamed_groups, hw.engine.groups());
  }
  if (vm.count("report")) {
    nlohmann::json j;
    j["model"] = origin;
    j["program"] = out;
    j["hw"] = hw_config_to_yaml(hw);
    j["sharing"] = sharing_name(hw.sharing);
    nlohmann::json wb = nlohmann::json::array();
    for (const auto& b : st.buffers)
      wb.push_back({{"mvm", b.mvm},
                    {"max_group_bytes", b.max_group_bytes},
                    {"capacity_bytes", uint64_t(hw.buffers.weight_buffer_kib) * 1024},
                    {"streamed_groups", b.streamed_groups},
                    {"overflow", b.overflow}});
    j["compile"] = {{"seconds", st.seconds},
                    {"iterations", st.iterations},
                    {"proven_optimal", st.proven_optimal},
                    {"weight_buffer", wb},
                    {"model_max_group_bytes", st.model_max_group_bytes},
                    {"weight_buffer_overflow", st.weight_buffer_overflow}};
    j["timing"] = timing::timing_json(r);
    write_file_atomic(vm["report"].as<std::string>(), j.dump(2) + "\n");
  }
  return 0;
}

CommandRegistrar reg({"compile", "compile a CSB model for a hardware config into a program",
                      run_compile});

}  // namespace
}  // namespace csbrnn::cli
