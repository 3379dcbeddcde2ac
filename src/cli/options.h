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
