#include "cli/cmd_compare.h"

#include <iostream>

#include "cli/options.h"
#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "workload/model_spec.h"

namespace csbrnn::cli {

std::optional<CompareCmdOptions> parse_compare(const Args& args) {
  po::options_description desc("options");
  desc.add_options()  //
      ("models", po::value<std::vector<std::string>>()->value_name("NAME"),
       "benchmark models or spec files (default: all, see 'csbrnn genmodel --list')")  //
      ("methods", po::value<std::string>()->value_name("M,M,..."),
       "schemes to compare (default: all)")                                  //
      ("seed,s", po::value<uint64_t>()->default_value(1), "generator seed")  //
      ("rate,r", po::value<double>()->value_name("R"),
       "reference rate for every model (default: each model's paper rate)")  //
      ("block,b", po::value<std::string>()->value_name("BHxBW"),
       "CSB block (default: each model's, 32x32)")  //
      ("banks", po::value<int>()->default_value(8),
       "bank-balanced: preferred banks per row (of the layouts nearest the rate)")  //
      ("max-matrix-weights", po::value<size_t>()->default_value(size_t(2) << 20),
       "subsample larger matrices to evenly spaced block-rows (said in the output)")         //
      ("full", "never subsample (slow on MT2/BARC models)")                                  //
      ("bisect-iters", po::value<int>()->default_value(14), "bisection steps on log(rate)")  //
      ("md", po::value<std::string>()->value_name("FILE"), "write the Markdown table")       //
      ("csv", po::value<std::string>()->value_name("FILE"), "write CSV")                     //
      ("json", po::value<std::string>()->value_name("FILE"), "write JSON");
  po::positional_options_description pos;
  pos.add("models", -1);
  po::variables_map vm;
  if (!parse_args("compare", "[NAME ...] [--methods M,...] [--md F] [--csv F] [--json F]", args,
                  desc, pos, vm))
    return std::nullopt;
  CompareCmdOptions opts;
  CompareOptions& o = opts.compare;
  o.models =
      vm.count("models") ? vm["models"].as<std::vector<std::string>>() : builtin_model_names();
  if (vm.count("methods"))
    for (const auto& m : split(vm["methods"].as<std::string>(), ',')) {
      const PruneMethod* pm = parse_method(trim(m));
      if (!method_uses_rate(pm))
        fail("--methods: '", method_name(pm),
             "' takes no rate; compare compares methods at a rate");
      o.methods.push_back(pm);
    }
  o.seed = vm["seed"].as<uint64_t>();
  if (vm.count("rate")) {
    o.rate = vm["rate"].as<double>();
    if (!(o.rate > 1)) fail("--rate: compression rate must be > 1");
    if (!(o.rate < o.max_rate))
      fail("--rate: compression rate must be below the bisection cap ", o.max_rate);
  }
  if (vm.count("block")) o.block = parse_block(vm["block"].as<std::string>(), "--block");
  o.banks = vm["banks"].as<int>();
  if (o.banks < 1) fail("--banks: must be at least 1");
  o.max_matrix_weights = vm.count("full") ? 0 : vm["max-matrix-weights"].as<size_t>();
  o.bisect_iters = vm["bisect-iters"].as<int>();
  if (o.bisect_iters < 1 || o.bisect_iters > 60) fail("--bisect-iters: must be in 1..60");
  if (vm.count("md")) opts.md = vm["md"].as<std::string>();
  if (vm.count("csv")) opts.csv = vm["csv"].as<std::string>();
  if (vm.count("json")) opts.json = vm["json"].as<std::string>();
  return opts;
}

int run_compare(const CompareCmdOptions& opts) {
  const CompareOptions& o = opts.compare;
  // Load every spec first, so a typo fails before the long run; then the outputs.
  for (const auto& n : o.models) (void)load_model_spec(n);
  for (const auto* path : {&opts.md, &opts.csv, &opts.json})
    if (*path) check_writable(**path);
  const Comparison c = run_comparison(o);
  const std::string md = comparison_markdown(c);
  std::cout << md;
  if (opts.md) write_file_atomic(*opts.md, md);
  if (opts.csv) write_file_atomic(*opts.csv, comparison_csv(c));
  if (opts.json) write_file_atomic(*opts.json, comparison_json(c).dump(2) + "\n");
  return 0;
}

}  // namespace csbrnn::cli
