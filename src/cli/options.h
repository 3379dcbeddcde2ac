// Helpers shared by the commands' option parsing.
#pragma once
#include <boost/program_options.hpp>
#include <iosfwd>
#include <string>
#include <vector>

namespace csbrnn::cli {

namespace po = boost::program_options;

/// Parses `args` against `desc` (plus positional `pos`), with `--help` handled: returns false
/// (after printing usage) when help was requested. Unknown options throw csbrnn::Error.
bool parse_args(const std::string& command, const std::string& usage,
                const std::vector<std::string>& args, po::options_description& desc,
                const po::positional_options_description& pos, po::variables_map& vm);

}  // namespace csbrnn::cli

#include "config/hw_config.h"

namespace csbrnn::cli {

/// Adds --hw FILE and --set KEY=VALUE (repeatable) to a command's options.
void add_hw_options(po::options_description& desc);
/// The resolved HwConfig from --hw/--set (defaults when --hw is absent).
HwConfig hw_from_options(const po::variables_map& vm);

}  // namespace csbrnn::cli
