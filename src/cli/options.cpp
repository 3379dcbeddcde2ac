#include "cli/options.h"

#include <iostream>

#include "common/error.h"

namespace csbrnn::cli {
namespace {

bool is_unsigned(const po::option_description& d) {
  const po::value_semantic* s = d.semantic().get();
  return dynamic_cast<const po::typed_value<unsigned long>*>(s) ||
         dynamic_cast<const po::typed_value<unsigned long long>*>(s) ||
         dynamic_cast<const po::typed_value<unsigned int>*>(s);
}

}  // namespace

bool parse_args(const std::string& command, const std::string& usage,
                const std::vector<std::string>& args, po::options_description& desc,
                const po::positional_options_description& pos, po::variables_map& vm) {
  desc.add_options()("help,h", "show this help");
  try {
    const po::parsed_options parsed =
        po::command_line_parser(args).options(desc).positional(pos).run();
    // Boost reads "-1" as a huge unsigned number: refuse negative values of unsigned options.
    for (const po::option& o : parsed.options) {
      const po::option_description* d = desc.find_nothrow(o.string_key, false);
      if (!d || !is_unsigned(*d)) continue;
      for (const std::string& t : o.value)
        if (!t.empty() && t.find('-') != std::string::npos)
          fail("csbrnn ", command, ": --", o.string_key, ": expected a non-negative integer, got '",
               t, "'");
    }
    po::store(parsed, vm);
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
