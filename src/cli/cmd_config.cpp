// `csbrnn config`: print the resolved hardware config, list the keys, or only validate.
#include <iostream>

#include "cli/command.h"
#include "cli/options.h"
#include "common/file_util.h"
#include "config/config_loader.h"
#include "config/hw_keys.h"

namespace csbrnn::cli {
namespace {

int run_config(const std::vector<std::string>& args) {
  po::options_description desc("options");
  add_hw_options(desc);
  desc.add_options()                                                                       //
      ("list-keys", "print every key with its type, default, valid range and meaning")     //
      ("markdown", "with --list-keys: as a Markdown table (the one in docs/config.md)")    //
      ("check", "only validate: print a one-line summary, exit 0 if the config is valid")  //
      ("output,o", po::value<std::string>()->value_name("FILE"),
       "write the resolved YAML to FILE instead of standard output");
  po::positional_options_description pos;
  po::variables_map vm;
  if (!parse_args("config",
                  "[--hw FILE] [--set KEY=VALUE ...] [--check | --list-keys [--markdown]]", args,
                  desc, pos, vm))
    return 0;
  if (vm.count("list-keys")) {
    std::cout << (vm.count("markdown") ? hw_keys_table_markdown() : hw_keys_table_text());
    return 0;
  }
  const HwConfig hw = hw_from_options(vm);
  if (vm.count("check")) {
    const std::string src = vm.count("hw") ? vm["hw"].as<std::string>() : "built-in defaults";
    std::cout << src << ": ok: '" << hw.name << "', " << hw.engine.K << "x" << hw.engine.L
              << " groups of " << hw.engine.P << "x" << hw.engine.Q << " PEs = " << hw.engine.pes()
              << " PEs at " << hw.engine.clock_mhz << " MHz, sharing " << sharing_name(hw.sharing)
              << "\n";
    return 0;
  }
  const std::string yaml = hw_config_to_yaml(hw);
  if (vm.count("output"))
    write_file_atomic(vm["output"].as<std::string>(), yaml);
  else
    std::cout << yaml;
  return 0;
}

CommandRegistrar reg({"config", "print the resolved hardware config, list its keys, or check it",
                      run_config});

}  // namespace
}  // namespace csbrnn::cli
