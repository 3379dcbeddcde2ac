// csbrnn simulate --hw HW.yaml PROGRAM_OR_MODEL --input X.npy --output Y.npy --out DIR
//   [--vcd FILE --vcd-scope UNITS --vcd-window FROM:TO] [--no-check] [--set k=v]
// Runs the cycle-accurate SystemC model on a whole input sequence (docs/simulator.md).
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <random>

#include "cli/command.h"
#include "cli/options.h"
#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "compile/compiler.h"
#include "isa/interpreter.h"
#include "workload/bench_model.h"
#include "isa/program_io.h"
#include "config/config_loader.h"
#include "io/npy.h"
#include "model/csb.h"
#include "model/csb_file.h"
#include "reference/fixed_rnn.h"
#include "sim/report.h"
#include "sim/simulator.h"

namespace csbrnn::cli {
namespace {

int run_simulate(const std::vector<std::string>& args) {
  po::options_description desc("simulate options");
  desc.add_options()  //
      ("program", po::value<std::string>()->required(),
       "PROGRAM.bin, MODEL.csb, or bench:NAME[:BLOCK] (a benchmark model of models/*.yaml: "
       "generated weights CSB-pruned at the paper's rate; random input)")                        //
      ("input", po::value<std::string>(), "X.npy: T x input_size float")                         //
      ("steps", po::value<int>()->default_value(100), "timesteps of the random input (bench:)")  //
      ("rate", po::value<double>(), "pruning rate of the bench: model (default: the paper's)")   //
      ("seed", po::value<uint64_t>()->default_value(1), "weight generator seed (bench:)")        //
      ("output", po::value<std::string>(), "Y.npy: T x output_size float32 (dequantized)")       //
      ("out", po::value<std::string>()->required(),
       "report directory (stats.json, stats.csv, hw.yaml, utilization.svg, summary.txt)")  //
      ("vcd", po::value<std::string>(), "write a VCD waveform to FILE")                    //
      ("vcd-scope", po::value<std::string>()->default_value("all"),
       "units to trace: all, controller, engine, groups, group(k,l), eltwise, load, store, "
       "dram (comma separated)")                                                             //
      ("vcd-window", po::value<std::string>(), "cycle window FROM:TO (default: whole run)")  //
      ("no-check", "skip the bit-exact output check")                                        //
      ("quiet,q", "no summary on stdout");
  add_hw_options(desc);
  po::positional_options_description pos;
  pos.add("program", 1);
  po::variables_map vm;
  if (!parse_args("simulate",
                  "--hw HW.yaml PROGRAM_OR_MODEL --input X.npy --output Y.npy --out DIR "
                  "[--vcd FILE --vcd-scope UNITS --vcd-window FROM:TO] [--no-check]",
                  args, desc, pos, vm))
    return 0;
  const HwConfig hw = hw_from_options(vm);
  const std::string path = vm["program"].as<std::string>();
  const std::string out_dir = vm["out"].as<std::string>();
  if (vm.count("output")) check_writable(vm["output"].as<std::string>());
  make_directories(out_dir);

  // program (compiled in-process from a model)
  Program prog;
  CsbModel model;
  const bool bench = path.rfind("bench:", 0) == 0;
  const bool from_model = bench || is_csb_file(path);
  if (bench) {
    const auto parts = split(path.substr(6), ':');
    if (parts.empty() || parts.size() > 2 || parts[0].empty())
      fail(path, ": expected bench:NAME[:BLOCK]");
    BenchModelOptions bo;
    if (parts.size() > 1) {
      size_t used = 0;
      try {
        bo.block = std::stoi(parts[1], &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != parts[1].size() || bo.block < 1) fail(path, ": BLOCK must be a positive integer");
    }
    if (vm.count("rate")) {
      bo.rate = vm["rate"].as<double>();
      if (!(bo.rate > 1.0) || !std::isfinite(bo.rate))
        fail("--rate: compression rate must be a finite number > 1 (got ", bo.rate, ")");
    }
    bo.seed = vm["seed"].as<uint64_t>();
    model = benchmark_csb_model(parts[0], bo);
  }
  if (from_model) {
    if (!bench) model = load_csb_model(path);
    CompileOptions co;
    co.origin = path;
    prog = compile_program(model, hw, co);
  } else {
    prog = load_program(path);
  }
  sim::check_program_matches(prog, hw, path);

  // input
  Tensor xt;
  std::string xpath = "random input";
  if (vm.count("input")) {
    xpath = vm["input"].as<std::string>();
    xt = load_npy(xpath);
  } else if (bench) {
    const int steps = vm["steps"].as<int>();
    if (steps <= 0) fail("--steps must be positive");
    xt.shape = {steps, prog.input_size};
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    for (int64_t i = 0; i < int64_t(steps) * prog.input_size; ++i) xt.data.push_back(u(rng));
  } else {
    fail("csbrnn simulate: missing --input X.npy");
  }
  if (xt.dims() != 2 || xt.shape[1] != prog.input_size)
    fail(xpath, ": expected shape (T, ", prog.input_size, "), got ", xt.dims(), " dims",
         xt.dims() >= 2 ? " (.., " + std::to_string(xt.shape[1]) + ")" : std::string());
  const int T = int(xt.shape[0]);
  if (T <= 0) fail(xpath, ": empty sequence");
  Matrix xm(T, prog.input_size);
  for (size_t i = 0; i < xt.data.size(); ++i) {
    if (!std::isfinite(xt.data[i])) fail(xpath, ": non-finite value at element ", i);
    xm.data[i] = xt.data[i];
  }
  const std::vector<int16_t> xq = quantize_input(xm, prog.fmt);

  // VCD options
  sim::SimOptions so;
  if (vm.count("vcd")) {
    so.vcd.file = vm["vcd"].as<std::string>();
    check_writable(so.vcd.file);
    so.vcd.scope =
        sim::parse_vcd_scope(vm["vcd-scope"].as<std::string>(), hw.engine.K, hw.engine.L);
    if (vm.count("vcd-window"))
      sim::parse_vcd_window(vm["vcd-window"].as<std::string>(), so.vcd.from, so.vcd.to);
  } else if (vm.count("vcd-window") || !vm["vcd-scope"].defaulted()) {
    fail("--vcd-scope/--vcd-window need --vcd FILE");
  }
  const timing::TimingReport analytic = sim::analytic_for(prog, hw);
  so.expected_cycles = analytic.total_cycles(T);
  so.progress = true;

  std::vector<sim::SimJob> jobs(1);
  jobs[0].prog = &prog;
  jobs[0].origin = path;
  jobs[0].x = xq;
  jobs[0].steps = T;
  sim::simulate_jobs(hw, jobs, so);
  const sim::SimJob& job = jobs[0];

  // bit-exact check
  sim::RunInfo info;
  info.program = path;
  info.steps = T;
  std::string mismatch;
  if (vm.count("no-check")) {
    info.check = "skipped";
  } else {
    std::vector<int16_t> want;
    if (from_model) {
      info.check = "fixed-point reference (reference/fixed_rnn.h)";
      const RnnModel dense = csb_model_to_dense(model);
      const auto t0 = std::chrono::steady_clock::now();
      const double c0 = sim::process_cpu_seconds();
      want = run_fixed_rnn(dense, xm, prog.fmt).output;
      info.reference_cpu_seconds = sim::process_cpu_seconds() - c0;
      info.reference_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } else {
      info.check = "functional interpreter (compile/interpreter.h; no model given)";
      want = interpret(prog, xq, T).y;
    }
    CSBRNN_ASSERT(want.size() == job.y.size(), "output sizes differ");
    info.check_passed = true;
    for (size_t i = 0; i < want.size(); ++i)
      if (want[i] != job.y[i]) {
        const size_t t = i / size_t(prog.output_size), j = i % size_t(prog.output_size);
        mismatch = cat("output mismatch at t=", t, " index=", j, ": simulated ", job.y[i],
                       ", expected ", want[i], " (", info.check, ")");
        info.check_passed = false;
        break;
      }
  }

  // outputs and reports
  if (vm.count("output")) {
    Tensor y;
    y.shape = {T, prog.output_size};
    y.data.resize(job.y.size());
    for (size_t i = 0; i < job.y.size(); ++i)
      y.data[i] = float(fx::dequantize(job.y[i], prog.fmt.af));
    save_npy(vm["output"].as<std::string>(), y);
  }
  const sim::Comparison cmp = sim::compare(job.stats, analytic, hw);
  namespace fs = std::filesystem;
  const fs::path dir(out_dir);
  write_file_atomic((dir / "stats.json").string(),
                    sim::stats_json(job.stats, analytic, cmp, hw, info).dump(2) + "\n");
  write_file_atomic((dir / "stats.csv").string(), sim::stats_csv(job.stats));
  write_file_atomic((dir / "hw.yaml").string(), hw_config_to_yaml(hw));
  write_file_atomic((dir / "utilization.svg").string(), sim::utilization_svg(job.stats, hw));
  const std::string summary = sim::summary_text(job.stats, analytic, cmp, hw, info);
  write_file_atomic((dir / "summary.txt").string(), summary);
  if (!vm.count("quiet")) std::cout << summary << "  reports          " << out_dir << "/\n";
  if (!mismatch.empty()) {
    std::cerr << "csbrnn: error: " << mismatch << "\n";
    return 1;
  }
  if (cmp.must_match && cmp.difference != 0)
    throw InternalError(cat("simulated cycles ", cmp.simulated, " != analytic ", cmp.analytic,
                            " with ideal memory and resident weights"));
  if (cmp.must_match && !cmp.counters.empty())
    throw InternalError(
        cat("simulated and analytic counters differ with ideal memory and "
            "resident weights: ",
            cmp.counters.front(), " (", cmp.counters.size(), " in all)"));
  return 0;
}

CommandRegistrar reg({"simulate", "run a program or model on the cycle-accurate SystemC model",
                      run_simulate});

}  // namespace
}  // namespace csbrnn::cli
