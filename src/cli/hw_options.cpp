// --hw FILE and --set KEY=VALUE, shared by every command that takes a hardware config.
#include <string>
#include <vector>

#include "cli/options.h"
#include "config/config_loader.h"

namespace csbrnn::cli {

void add_hw_options(po::options_description& desc) {
  desc.add_options()  //
      ("hw", po::value<std::string>()->value_name("FILE"),
       "hardware config YAML (default: the built-in 256-PE design; see docs/config.md)")  //
      ("set", po::value<std::vector<std::string>>()->composing()->value_name("KEY=VALUE"),
       "override one config key, repeatable (e.g. --set engine.pe_groups=8x4, "
       "--set clock_mhz=250); 'csbrnn config --list-keys' lists the keys");
}

HwConfig hw_from_options(const po::variables_map& vm) {
  const std::string path = vm.count("hw") ? vm["hw"].as<std::string>() : std::string();
  const std::vector<std::string> sets =
      vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>();
  return load_hw_config(path, sets);
}

}  // namespace csbrnn::cli
