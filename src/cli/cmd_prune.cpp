#include "cli/cmd_prune.h"

#include <array>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "cli/options.h"
#include "common/error.h"
#include "common/file_util.h"
#include "io/weights.h"
#include "model/csb.h"
#include "model/csb_file.h"
#include "prune/permute.h"
#include "prune/prune_stats.h"
#include "workload/model_spec.h"

namespace csbrnn::cli {
namespace {

using Clock = std::chrono::steady_clock;
double secs(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

std::pair<std::string, std::string> split_assign(const std::string& s, const std::string& opt) {
  const auto eq = s.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == s.size())
    fail(opt, ": expected NAME=VALUE (e.g. ", opt,
         " weight_hh_l0=", opt == "--rate-for" ? "8" : "16x16", "), got '", s, "'");
  return {s.substr(0, eq), s.substr(eq + 1)};
}

po::options_description prune_options() {
  po::options_description desc("options");
  desc.add_options()  //
      ("weights", po::value<std::string>()->value_name("WEIGHTS"),
       "input weights: .npz or a folder of .npy (PyTorch state_dict names)")  //
      ("method,m", po::value<std::string>()->default_value("csb")->value_name("M"),
       method_names(" | ").c_str())  //
      ("rate,r", po::value<std::string>()->value_name("R"),
       "compression rate (> 1): keep 1/R of each weight matrix")  //
      ("rate-for", po::value<std::vector<std::string>>()->composing()->value_name("NAME=R"),
       "per-matrix rate, e.g. weight_hh_l0=8 (repeatable)")  //
      ("block,b", po::value<std::string>()->default_value("32x32")->value_name("BHxBW"),
       "CSB block size (rows x cols)")  //
      ("block-for", po::value<std::vector<std::string>>()->composing()->value_name("NAME=BHxBW"),
       "per-matrix block size (repeatable)")  //
      ("banks", po::value<int>()->default_value(8)->value_name("N"),
       "bank-balanced: preferred banks per row (of the layouts nearest the rate)")  //
      ("refine", po::value<int>()->default_value(4)->value_name("N"),
       "csb-global: alternating refinement passes")  //
      ("tile", po::value<std::string>()->value_name("PxQ"),
       "csb-tile: the PE tile each block's kept rows x columns align to (default 4x4)")  //
      ("permute", po::value<std::string>()->default_value("none")->value_name("P"),
       "none | balance: permute hidden units before pruning to even out the CSB blocks' work "
       "(function-preserving; docs/pruning.md)")  //
      ("cell", po::value<std::string>()->value_name("lstm|gru"),
       "force the cell type when the shapes are ambiguous")  //
      ("output,o", po::value<std::string>()->value_name("MODEL.csb"),
       "write the CSB container (csb methods only)")  //
      ("export-dense", po::value<std::string>()->value_name("PRUNED.npz"),
       "write the pruned dense weights (same state_dict names; .npz or folder)")                //
      ("report", po::value<std::string>()->value_name("REPORT.json"), "write the JSON report")  //
      ("time", "print the time taken by each stage")                                            //
      ("quiet,q", "do not print the table");
  return desc;
}

/// The method, rates and blocks of the pruning (ModelPruneOptions).
ModelPruneOptions parse_prune_params(const po::variables_map& vm) {
  ModelPruneOptions o;
  o.base.method = parse_method(vm["method"].as<std::string>());
  if (o.base.method->uses_rate()) {
    if (!vm.count("rate")) fail("csbrnn prune: missing --rate R (compression rate > 1)");
    o.base.rate = parse_rate(vm["rate"].as<std::string>(), "--rate");
  } else if (vm.count("rate") || vm.count("rate-for")) {
    fail(vm.count("rate") ? "--rate" : "--rate-for", ": method '", method_name(o.base.method),
         "' takes no rate (it keeps the weights' own nonzeros)");
  }
  o.base.block = parse_block(vm["block"].as<std::string>(), "--block");
  o.base.banks = vm["banks"].as<int>();
  o.base.refine_iters = vm["refine"].as<int>();
  if (o.base.banks < 1) fail("--banks: must be at least 1 (got ", o.base.banks, ")");
  if (o.base.refine_iters < 0) fail("--refine: must be >= 0");
  if (vm.count("tile")) {
    if (o.base.method != find_method("csb-tile"))
      fail("--tile: only method 'csb-tile' takes a tile (method is '", method_name(o.base.method),
           "')");
    o.base.tile = parse_tile(vm["tile"].as<std::string>(), "--tile");
  }
  if (vm.count("rate-for"))
    for (const auto& s : vm["rate-for"].as<std::vector<std::string>>()) {
      auto [name, val] = split_assign(s, "--rate-for");
      o.rate_for[name] = parse_rate(val, "--rate-for " + name);
    }
  if (vm.count("block-for"))
    for (const auto& s : vm["block-for"].as<std::vector<std::string>>()) {
      auto [name, val] = split_assign(s, "--block-for");
      o.block_for[name] = parse_block(val, "--block-for " + name);
    }
  return o;
}

/// The input's provenance sidecar (<weights>.info.json, written by genmodel), if any.
nlohmann::json read_sidecar(const std::string& in) {
  nlohmann::json info_json;
  const std::string sidecar = in + ".info.json";
  if (std::filesystem::exists(sidecar)) {
    try {
      info_json = nlohmann::json::parse(read_text_file(sidecar));
    } catch (const nlohmann::json::exception& e) {
      fail(sidecar, ": not valid JSON: ", e.what());
    }
  }
  return info_json;
}

/// The .csb container (-o) and the pruned dense weights (--export-dense).
void write_models(const PruneCmdOptions& opts, const ModelPrune& mp, bool synthetic,
                  const ModelPermutation* perm) {
  const ModelPruneOptions& o = opts.prune;
  const std::string& in = opts.weights;
  const std::string note = cat(
      "csbrnn prune: method=", method_name(o.base.method),
      o.base.method->uses_rate() ? cat(" rate=", o.base.rate) : std::string(),
      " block=", o.base.block.bh, "x", o.base.block.bw,
      o.base.method == find_method("csb-tile") ? cat(" tile=", o.base.tile.bh, "x", o.base.tile.bw)
                                               : std::string(),
      perm ? std::string(" permute=balance") : std::string(), " input=", in,
      synthetic ? " (synthetic stand-in weights)" : "");
  if (opts.output) {
    const CsbModel cm = pruned_to_csb_model(mp, note);
    for (int k = 0; k < cm.num_layers(); ++k) {
      check_csb(cm.layers[k].w_ih, param_name("weight_ih", k));
      check_csb(cm.layers[k].w_hh, param_name("weight_hh", k));
      if (cm.proj_size > 0) check_csb(cm.layers[k].w_hr, param_name("weight_hr", k));
    }
    save_csb_model(*opts.output, cm);
  }
  // The dense export goes back to the original unit order (PyTorch loads it unchanged).
  if (opts.export_dense)
    save_weights(*opts.export_dense,
                 perm ? permute_model(mp.pruned, inverse_permutation(*perm)) : mp.pruned);
}

/// When each stage ended: t[0] start, load, prune, stats, write.
using Stages = std::array<Clock::time_point, 5>;

void write_report(const PruneCmdOptions& opts, const RnnModel& model, const ModelStats& stats,
                  const nlohmann::json& info_json, bool synthetic, const Stages& t,
                  const BalanceResult* bal) {
  const ModelPruneOptions& o = opts.prune;
  nlohmann::json j = stats_to_json(stats);
  j["tool"] = "csbrnn prune";
  j["input"] = opts.weights;
  j["method"] = method_name(o.base.method);
  j["rate"] = o.base.method->uses_rate() ? nlohmann::json(o.base.rate) : nlohmann::json(nullptr);
  j["block"] = {o.base.block.bh, o.base.block.bw};
  o.base.method->report_run(o.base, j);  // the method's own parameters
  j["permute"] = bal ? "balance" : "none";
  if (bal)
    j["permute_objective"] = {{"identity", bal->objective_identity},
                              {"balanced", bal->objective_balanced}};
  j["model"] = {{"cell", cell_name(model.cell)},
                {"layers", model.num_layers()},
                {"input_size", model.input_size},
                {"hidden_size", model.hidden_size},
                {"proj_size", model.proj_size}};
  if (synthetic) {
    j["synthetic"] = true;
    j["notice"] = kSyntheticNotice;
    j["generator"] = info_json;
  }
  j["seconds"] = {{"load", secs(t[0], t[1])},
                  {"prune", secs(t[1], t[2])},
                  {"stats", secs(t[2], t[3])},
                  {"write", secs(t[3], t[4])}};
  write_file_atomic(*opts.report, j.dump(2) + "\n");
}

}  // namespace

std::optional<PruneCmdOptions> parse_prune(const Args& args) {
  po::options_description desc = prune_options();
  po::positional_options_description pos;
  pos.add("weights", 1);
  po::variables_map vm;
  if (!parse_args("prune",
                  "WEIGHTS --method M --rate R (no rate for keep) [--block BHxBW] [-o MODEL.csb] "
                  "[--export-dense PRUNED.npz] [--report REPORT.json]\n\nmethods (-m/--method):\n" +
                      methods_help(),
                  args, desc, pos, vm))
    return std::nullopt;
  if (!vm.count("weights")) fail("csbrnn prune: missing WEIGHTS (see 'csbrnn prune --help')");
  PruneCmdOptions opts;
  opts.weights = vm["weights"].as<std::string>();
  const ModelPruneOptions& o = opts.prune = parse_prune_params(vm);
  if (vm.count("output") && !is_csb_method(o.base.method))
    fail("-o/--output: the .csb container holds CSB models only (method '",
         method_name(o.base.method), "'); use --export-dense for the pruned weights");
  if (vm.count("cell")) {
    const std::string c = vm["cell"].as<std::string>();
    if (c == "lstm")
      opts.cell = CellType::LSTM;
    else if (c == "gru")
      opts.cell = CellType::GRU;
    else
      fail("--cell: expected lstm or gru, got '", c, "'");
  }
  opts.permute = parse_permute_mode(vm["permute"].as<std::string>(), "--permute");
  if (opts.permute != PermuteMode::None && !o.base.method->uses_rate())
    fail("--permute: method '", method_name(o.base.method),
         "' keeps the weights' existing block structure, which a permutation would break");
  if (vm.count("output")) opts.output = vm["output"].as<std::string>();
  if (vm.count("export-dense")) opts.export_dense = vm["export-dense"].as<std::string>();
  if (vm.count("report")) opts.report = vm["report"].as<std::string>();
  opts.time = vm.count("time") > 0;
  opts.quiet = vm.count("quiet") > 0;
  return opts;
}

int run_prune(const PruneCmdOptions& opts) {
  const std::string& in = opts.weights;
  Stages t;
  t[0] = Clock::now();
  RnnModel model = load_weights(in, opts.cell);
  t[1] = Clock::now();
  ModelPrune mp;
  std::optional<BalanceResult> bal;
  try {
    if (opts.permute == PermuteMode::Balance) {
      bal = balance_permutation(model, opts.prune);
      model = permute_model(model, bal->perm);  // everything below sees the permuted model
    }
    mp = prune_model(model, opts.prune);
  } catch (const Error& e) {
    fail(in, ": ", e.what());
  }
  t[2] = Clock::now();
  const ModelStats stats = model_stats(model, mp);
  t[3] = Clock::now();
  const nlohmann::json info_json = read_sidecar(in);
  const bool synthetic = info_json.is_object() && info_json.value("synthetic", false);
  write_models(opts, mp, synthetic, bal ? &bal->perm : nullptr);
  t[4] = Clock::now();

  if (opts.report) write_report(opts, model, stats, info_json, synthetic, t, bal ? &*bal : nullptr);
  // A count outside the tolerance is a warning (as for every method): the outputs are written
  // and the exit status is 0; stderr says so even under -q.
  for (const auto& m : stats.matrices)
    if (!m.miss.empty())
      std::cerr << "csbrnn: warning: " << in << ": " << m.name << ": " << m.miss << "\n";
  if (!opts.quiet) {
    if (synthetic) std::cout << "note: " << kSyntheticNotice << "\n";
    print_stats_table(std::cout, stats);
    if (bal)
      std::cout << "permute balance: objective " << bal->objective_identity << " (identity) -> "
                << bal->objective_balanced << "\n";
  }
  if (opts.time)
    std::cout << "time: load " << secs(t[0], t[1]) << " s, prune " << secs(t[1], t[2]) << " s ("
              << stats.weights << " weights, 1 thread), stats " << secs(t[2], t[3]) << " s, write "
              << secs(t[3], t[4]) << " s\n";
  return 0;
}

}  // namespace csbrnn::cli
