// The `csbrnn` command table, in the osmium-tool pattern: every command is parsed, then run.
//
// Each command lives in cli/cmd_<name>.{h,cpp} as three parts:
//  - a plain options struct (`SimulateOptions`, ...) holding everything the command line says,
//    resolved and checked (the hardware config of --hw/--set included);
//  - `std::optional<Options> parse_<name>(const Args&)`: all option parsing and every check that
//    needs no input file's contents, in the order the checks have always run (so the same error
//    wins). Output paths that are checked before any input is read are checked here too. Returns
//    std::nullopt after printing the usage when --help was given. Throws csbrnn::Error.
//  - `int run_<name>(const Options&)`: the work (reading inputs, computing, writing outputs);
//    returns the exit code. User errors are csbrnn::Error (main prints one line, exit 2).
// register_commands() (cli/commands.cpp) lists every command explicitly; nothing depends on
// static initialisers, so the commands link from the csbrnn_cli library like any other code.
#pragma once
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace csbrnn::cli {

/// The arguments after the command name.
using Args = std::vector<std::string>;

struct Command {
  std::string name;
  std::string summary;                       // one line for `csbrnn --help`
  std::function<int(const Args& args)> run;  // parse, then run; returns the exit code
};

/// Joins a command's parse and run functions into one table entry.
template <class Options>
Command make_command(std::string name, std::string summary,
                     std::optional<Options> (*parse)(const Args&), int (*run)(const Options&)) {
  return {std::move(name), std::move(summary), [parse, run](const Args& args) {
            const std::optional<Options> o = parse(args);
            return o ? run(*o) : 0;
          }};
}

/// Every command of the CLI, by name (the order `csbrnn --help` lists them in).
std::map<std::string, Command> register_commands();

/// `csbrnn --help`: the version, the usage line and one line per command of `table`.
void print_usage(std::ostream& os, const std::map<std::string, Command>& table);

/// The whole command line after the program name: `--help`, `--version`, or a command and its
/// arguments. Returns the exit code; an unknown command throws csbrnn::Error naming the closest.
int dispatch(const Args& argv);

}  // namespace csbrnn::cli
