#include "cli/cmd_config.h"

#include <iostream>

#include "cli/options.h"
#include "common/file_util.h"
#include "config/config_loader.h"
#include "config/hw_keys.h"

namespace csbrnn::cli {
namespace {
using Mode = ConfigCmdOptions::Mode;
}  // namespace

std::optional<ConfigCmdOptions> parse_config(const Args& args) {
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
    return std::nullopt;
  ConfigCmdOptions o;
  if (vm.count("list-keys")) {
    o.mode = Mode::ListKeys;
    o.markdown = vm.count("markdown") > 0;
    return o;
  }
  o.hw = hw_from_options(vm);
  if (vm.count("check")) {
    o.mode = Mode::Check;
    o.source = vm.count("hw") ? vm["hw"].as<std::string>() : "built-in defaults";
    return o;
  }
  if (vm.count("output")) o.output = vm["output"].as<std::string>();
  return o;
}

int run_config(const ConfigCmdOptions& o) {
  const HwConfig& hw = o.hw;
  switch (o.mode) {
    case Mode::ListKeys:
      std::cout << (o.markdown ? hw_keys_table_markdown() : hw_keys_table_text());
      return 0;
    case Mode::Check:
      std::cout << o.source << ": ok: '" << hw.name << "', " << hw.engine.K << "x" << hw.engine.L
                << " groups of " << hw.engine.P << "x" << hw.engine.Q
                << " PEs = " << hw.engine.pes() << " PEs at " << hw.engine.clock_mhz
                << " MHz, sharing " << sharing_name(hw.sharing) << "\n";
      return 0;
    case Mode::Print:
      break;
  }
  const std::string yaml = hw_config_to_yaml(hw);
  if (o.output)
    write_file_atomic(*o.output, yaml);
  else
    std::cout << yaml;
  return 0;
}

}  // namespace csbrnn::cli
