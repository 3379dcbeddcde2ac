#include "cli/cmd_simulate.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <random>

#include "cli/options.h"
#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "compile/compiler.h"
#include "config/config_loader.h"
#include "energy/counts.h"
#include "energy/model.h"
#include "energy/table.h"
#include "io/npy.h"
#include "isa/interpreter.h"
#include "isa/program_io.h"
#include "model/csb.h"
#include "model/csb_file.h"
#include "reference/fixed_rnn.h"
#include "sim/report.h"

namespace csbrnn::cli {
namespace {

po::options_description simulate_options() {
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
       "report directory (stats.json, stats.csv, hw.yaml, utilization.svg, energy.svg, "
       "summary.txt)")                                                   //
      ("vcd", po::value<std::string>(), "write a VCD waveform to FILE")  //
      ("vcd-scope", po::value<std::string>()->default_value("all"),
       "units to trace: all, controller, engine, groups, group(k,l), eltwise, load, store, "
       "dram (comma separated)")                                                             //
      ("vcd-window", po::value<std::string>(), "cycle window FROM:TO (default: whole run)")  //
      ("no-check", "skip the bit-exact output check")                                        //
      ("quiet,q", "no summary on stdout");
  add_hw_options(desc);
  return desc;
}

/// bench:NAME[:BLOCK] with --rate and --seed.
void parse_bench(const po::variables_map& vm, SimulateCmdOptions& o) {
  const std::string& path = o.program;
  const auto parts = split(path.substr(6), ':');
  if (parts.empty() || parts.size() > 2 || parts[0].empty())
    fail(path, ": expected bench:NAME[:BLOCK]");
  o.bench_name = parts[0];
  BenchModelOptions& bo = o.bench_model;
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
}

/// --vcd FILE, --vcd-scope, --vcd-window.
void parse_vcd(const po::variables_map& vm, SimulateCmdOptions& o) {
  if (vm.count("vcd")) {
    o.vcd_given = true;
    o.vcd.file = vm["vcd"].as<std::string>();
    o.vcd.scope =
        sim::parse_vcd_scope(vm["vcd-scope"].as<std::string>(), o.hw.engine.K, o.hw.engine.L);
    if (vm.count("vcd-window"))
      sim::parse_vcd_window(vm["vcd-window"].as<std::string>(), o.vcd.from, o.vcd.to);
  } else if (vm.count("vcd-window") || !vm["vcd-scope"].defaulted()) {
    fail("--vcd-scope/--vcd-window need --vcd FILE");
  }
}

/// What runs: the program, compiled in-process when a model was given.
struct Workload {
  Program prog;
  CsbModel model;
  bool from_model = false;  // bench: or a .csb model (checked against the reference)
};

Workload load_workload(const SimulateCmdOptions& o) {
  Workload w;
  w.from_model = o.bench || is_csb_file(o.program);
  if (o.bench) w.model = benchmark_csb_model(o.bench_name, o.bench_model);
  if (w.from_model) {
    if (!o.bench) w.model = load_csb_model(o.program);
    CompileOptions co;
    co.origin = o.program;
    w.prog = compile_program(w.model, o.hw, co);
  } else {
    w.prog = load_program(o.program);
  }
  sim::check_program_matches(w.prog, o.hw, o.program);
  return w;
}

/// The input sequence (T x input_size): --input X.npy, else random in [-1, 1) (bench:).
Matrix load_input(const SimulateCmdOptions& o, const Program& prog) {
  Tensor xt;
  std::string xpath = "random input";
  if (o.input) {
    xpath = *o.input;
    xt = load_npy(xpath);
  } else {
    CSBRNN_ASSERT(o.bench, "parse_simulate lets a missing --input through for bench: only");
    xt.shape = {o.steps, prog.input_size};
    std::mt19937 rng(1);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    for (int64_t i = 0; i < int64_t(o.steps) * prog.input_size; ++i) xt.data.push_back(u(rng));
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
  return xm;
}

/// The bit-exact check of the simulated outputs against the fixed-point reference (a model was
/// given) or the functional interpreter (a program). Fills `info`; returns the first mismatch
/// ("" when none, or the check was skipped).
std::string check_outputs(const SimulateCmdOptions& o, const Workload& w, const Matrix& xm,
                          const std::vector<int16_t>& xq, const std::vector<int16_t>& y,
                          sim::RunInfo& info) {
  if (!o.check) {
    info.check = "skipped";
    return "";
  }
  const Program& prog = w.prog;
  std::vector<int16_t> want;
  if (w.from_model) {
    info.check = "fixed-point reference (reference/fixed_rnn.h)";
    const RnnModel dense = csb_model_to_dense(w.model);
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = sim::process_cpu_seconds();
    want = run_fixed_rnn(dense, xm, prog.fmt).output;
    info.reference_cpu_seconds = sim::process_cpu_seconds() - c0;
    info.reference_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  } else {
    info.check = "functional interpreter (isa/interpreter.h; no model given)";
    want = interpret(prog, xq, info.steps).y;
  }
  CSBRNN_ASSERT(want.size() == y.size(), "output sizes differ");
  info.check_passed = true;
  for (size_t i = 0; i < want.size(); ++i)
    if (want[i] != y[i]) {
      const size_t t = i / size_t(prog.output_size), j = i % size_t(prog.output_size);
      info.check_passed = false;
      return cat("output mismatch at t=", t, " index=", j, ": simulated ", y[i], ", expected ",
                 want[i], " (", info.check, ")");
    }
  return "";
}

/// Y.npy (dequantized) and the report directory; prints the summary unless --quiet.
void write_outputs(const SimulateCmdOptions& o, const Program& prog, const sim::SimJob& job,
                   const timing::TimingReport& analytic, const sim::Comparison& cmp,
                   const sim::RunInfo& info) {
  if (!o.output.empty()) {
    Tensor y;
    y.shape = {job.steps, prog.output_size};
    y.data.resize(job.y.size());
    for (size_t i = 0; i < job.y.size(); ++i)
      y.data[i] = float(fx::dequantize(job.y[i], prog.fmt.af));
    save_npy(o.output, y);
  }
  const HwConfig& hw = o.hw;
  // the report folder is complete or absent: staged in a sibling, moved into place at the end
  StagedDir dir(o.out_dir);
  dir.write("stats.json", sim::stats_json(job.stats, analytic, cmp, hw, info).dump(2) + "\n");
  dir.write("stats.csv", sim::stats_csv(job.stats));
  dir.write("hw.yaml", hw_config_to_yaml(hw));
  dir.write("utilization.svg", sim::utilization_svg(job.stats, hw));
  dir.write("energy.svg", sim::energy_svg(job.stats, hw, info));
  const std::string summary = sim::summary_text(job.stats, analytic, cmp, hw, info);
  dir.write("summary.txt", summary);
  dir.commit();
  if (!o.quiet) std::cout << summary << "  reports          " << o.out_dir << "/\n";
}

}  // namespace

std::optional<SimulateCmdOptions> parse_simulate(const Args& args) {
  po::options_description desc = simulate_options();
  po::positional_options_description pos;
  pos.add("program", 1);
  po::variables_map vm;
  if (!parse_args("simulate",
                  "--hw HW.yaml PROGRAM_OR_MODEL --input X.npy --output Y.npy --out DIR "
                  "[--vcd FILE --vcd-scope UNITS --vcd-window FROM:TO] [--no-check]",
                  args, desc, pos, vm))
    return std::nullopt;
  SimulateCmdOptions o;
  o.hw = hw_from_options(vm);
  o.program = vm["program"].as<std::string>();
  o.out_dir = vm["out"].as<std::string>();
  if (vm.count("output")) {
    o.output = vm["output"].as<std::string>();
    check_writable(o.output);
  }
  check_dir_writable(o.out_dir);  // created at the end, complete (write_outputs)
  o.bench = o.program.rfind("bench:", 0) == 0;
  if (o.bench) parse_bench(vm, o);
  o.steps = vm["steps"].as<int>();
  if (vm.count("input"))
    o.input = vm["input"].as<std::string>();
  else if (!o.bench)
    fail("csbrnn simulate: missing --input X.npy");
  else if (o.steps <= 0)
    fail("--steps must be positive");
  parse_vcd(vm, o);
  o.check = !vm.count("no-check");
  o.quiet = vm.count("quiet") > 0;
  return o;
}

int run_simulate(const SimulateCmdOptions& o) {
  const Workload w = load_workload(o);
  const Program& prog = w.prog;
  const Matrix xm = load_input(o, prog);
  const int T = xm.rows;
  const std::vector<int16_t> xq = quantize_input(xm, prog.fmt);
  if (o.vcd_given) check_writable(o.vcd.file);  // after the inputs, as always (theirs win)
  // the energy table is read and checked before the run (a bad table fails fast, one line)
  const energy::EnergyTable etable = energy::load_table(o.hw.energy.table);
  energy::evaluate({}, o.hw, etable, 0, 1, 0);  // names an energy.dram the table lacks

  sim::SimOptions so;
  so.vcd = o.vcd;
  const timing::TimingReport analytic = sim::analytic_for(prog, o.hw);
  so.expected_cycles = analytic.total_cycles(T);
  so.progress = true;
  std::vector<sim::SimJob> jobs(1);
  jobs[0].prog = &prog;
  jobs[0].origin = o.program;
  jobs[0].x = xq;
  jobs[0].steps = T;
  sim::simulate_jobs(o.hw, jobs, so);
  const sim::SimJob& job = jobs[0];

  sim::RunInfo info;
  info.program = o.program;
  info.steps = T;
  info.energy_table = &etable;
  info.analytic_actions = energy::program_counts(prog, o.hw, T);
  info.bias_entries = prog.bias.size();
  const std::string mismatch = check_outputs(o, w, xm, xq, job.y, info);
  const sim::Comparison cmp = sim::compare(job.stats, analytic, o.hw);
  write_outputs(o, prog, job, analytic, cmp, info);
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
  const auto actions =
      stats::differences(sim::run_actions(job.stats), info.analytic_actions, "actions");
  if (cmp.must_match && !actions.empty())
    throw InternalError(
        cat("simulated and analytic action counts differ with ideal memory and "
            "resident weights: ",
            actions.front(), " (", actions.size(), " in all)"));
  return 0;
}

}  // namespace csbrnn::cli
