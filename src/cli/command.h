// The `csbrnn` command table. Each command lives in its own cli/cmd_<name>.cpp and registers
// itself with a static CommandRegistrar, so adding a command never edits a shared file.
//
// Contract: `run` receives the arguments after the command name. It parses them with
// Boost.Program_options (see cli/options.h), prints `--help` when asked, and returns the exit
// code. User errors are thrown as csbrnn::Error (main prints one line, exit 2).
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace csbrnn::cli {

struct Command {
  std::string name;
  std::string summary;  // one line for `csbrnn --help`
  std::function<int(const std::vector<std::string>& args)> run;
};

std::map<std::string, Command>& command_table();

struct CommandRegistrar {
  explicit CommandRegistrar(Command c) { command_table()[c.name] = std::move(c); }
};

}  // namespace csbrnn::cli
