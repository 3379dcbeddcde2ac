#include "cli/options.h"

#include <iostream>

#include "common/error.h"

namespace csbrnn::cli {

bool parse_args(const std::string& command, const std::string& usage,
                const std::vector<std::string>& args, po::options_description& desc,
                const po::positional_options_description& pos, po::variables_map& vm) {
  desc.add_options()("help,h", "show this help");
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: csbrnn " << command << " " << usage << "\n\n" << desc << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    fail("csbrnn ", command, ": ", e.what(), " (see 'csbrnn ", command, " --help')");
  }
  return true;
}

}  // namespace csbrnn::cli
