#include "cli/cmd_genmodel.h"

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/options.h"
#include "common/data_dir.h"
#include "common/error.h"
#include "common/file_util.h"
#include "io/weights.h"
#include "workload/model_spec.h"

namespace csbrnn::cli {
namespace {

nlohmann::json spec_json(const ModelSpec& s, uint64_t seed) {
  const auto& g = s.gen;
  return {{"synthetic", true},
          {"notice", kSyntheticNotice},
          {"model", s.name},
          {"spec", s.origin},
          {"source", s.source},
          {"task", s.task},
          {"notes", s.notes},
          {"seed", seed},
          {"cell", cell_name(s.cell)},
          {"input_size", s.input_size},
          {"hidden_size", s.hidden_size},
          {"proj_size", s.proj_size},
          {"layers", s.layers},
          {"weights", spec_weight_count(s)},
          {"biases", spec_bias_count(s)},
          {"generator",
           {{"neuron_sigma", g.neuron_sigma},
            {"input_sigma", g.input_sigma},
            {"row_sigma", g.row_sigma},
            {"col_sigma", g.col_sigma},
            {"clusters", g.clusters},
            {"cluster_sigma", g.cluster_sigma},
            {"cluster_gain", g.cluster_gain},
            {"cluster_shuffle", g.cluster_shuffle},
            {"gate_sigma", g.gate_sigma}}}};
}

int list_models() {
  std::printf("%-18s %-5s %6s %7s %5s %5s %12s %8s  %s\n", "name", "cell", "input", "hidden",
              "proj", "layers", "weights", "rate", "source");
  for (const auto& n : builtin_model_names()) {
    const ModelSpec s = load_model_spec(n);
    std::printf("%-18s %-5s %6d %7d %5d %5d %12zu %7gx  %s\n", n.c_str(), cell_name(s.cell),
                s.input_size, s.hidden_size, s.proj_size, s.layers, spec_weight_count(s),
                s.paper_rate, s.source.c_str());
  }
  std::cout << "(" << kSyntheticNotice << ")\n";
  const char* env = std::getenv("CSBRNN_MODELS_DIR");
  std::cout << "specs from " << models_dir() << " ("
            << (env && *env ? std::string("CSBRNN_MODELS_DIR") : data_dir_origin()) << ")\n";
  return 0;
}

}  // namespace

std::optional<GenmodelCmdOptions> parse_genmodel(const Args& args) {
  po::options_description desc("options");
  desc.add_options()  //
      ("model", po::value<std::string>()->value_name("NAME|SPEC.yaml"),
       "benchmark model name (see --list) or a spec file")                                 //
      ("seed,s", po::value<uint64_t>()->default_value(1)->value_name("S"), "random seed")  //
      ("output,o", po::value<std::string>()->value_name("W.npz"),
       "output weights (.npz, or a folder of .npy)")                      //
      ("no-info", "do not write the provenance file <output>.info.json")  //
      ("list", "list the benchmark models");
  po::positional_options_description pos;
  pos.add("model", 1);
  po::variables_map vm;
  if (!parse_args("genmodel", "NAME|SPEC.yaml [--seed S] -o W.npz | --list", args, desc, pos, vm))
    return std::nullopt;
  GenmodelCmdOptions o;
  if (vm.count("list")) {
    o.list = true;
    return o;
  }
  if (!vm.count("model")) fail("csbrnn genmodel: missing NAME|SPEC.yaml (see --list)");
  if (!vm.count("output")) fail("csbrnn genmodel: missing -o W.npz");
  o.model = vm["model"].as<std::string>();
  o.seed = vm["seed"].as<uint64_t>();
  o.output = vm["output"].as<std::string>();
  o.info = !vm.count("no-info");
  return o;
}

int run_genmodel(const GenmodelCmdOptions& o) {
  if (o.list) return list_models();
  const ModelSpec spec = load_model_spec(o.model);
  const std::string& out = o.output;
  const RnnModel m = generate_model(spec, o.seed);
  save_weights(out, m);
  if (o.info) write_file_atomic(out + ".info.json", spec_json(spec, o.seed).dump(2) + "\n");
  std::cout << out << ": " << spec.name << " (" << cell_name(spec.cell) << ", " << spec.layers
            << " layers, " << spec.input_size << "->" << spec.hidden_size
            << (spec.proj_size ? "/proj " + std::to_string(spec.proj_size) : "") << "), "
            << spec_weight_count(spec) << " weights + " << spec_bias_count(spec) << " biases, seed "
            << o.seed << "\nnote: " << kSyntheticNotice << "\n";
  if (!spec.notes.empty()) std::cout << "note: " << spec.notes << "\n";
  return 0;
}

}  // namespace csbrnn::cli
