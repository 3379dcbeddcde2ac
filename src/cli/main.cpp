// Entry point of the `csbrnn` CLI. libsystemc expects sc_main(); our own main() silences the
// SystemC banner and enters through sc_elab_and_sim, which calls sc_main = the dispatcher.
// Commands that do not simulate never touch the SystemC kernel.
#include <cstdlib>
#include <exception>
#include <iostream>
#include <systemc>

#include "cli/command.h"
#include "common/error.h"
#include "common/strings.h"
#include "common/version.h"

namespace csbrnn::cli {

std::map<std::string, Command>& command_table() {
  static std::map<std::string, Command> table;
  return table;
}

namespace {

void print_usage(std::ostream& os) {
  os << "csbrnn " << CSBRNN_VERSION
     << " - toolkit for the CSB-RNN sparse RNN accelerator\n\n"
        "usage: csbrnn <command> [options]   (csbrnn <command> --help for details)\n\n"
        "commands:\n";
  for (const auto& [name, cmd] : command_table())
    os << "  " << name << std::string(name.size() < 12 ? 12 - name.size() : 1, ' ') << cmd.summary
       << "\n";
  os << "\noptions:\n  --help, -h  this help\n  --version   print the version\n";
}

int dispatch(int argc, char** argv) {
  if (argc < 2) {
    print_usage(std::cerr);
    return 2;
  }
  const std::string first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    print_usage(std::cout);
    return 0;
  }
  if (first == "--version") {
    std::cout << "csbrnn " << CSBRNN_VERSION << "\n";
    return 0;
  }
  auto& table = command_table();
  auto it = table.find(first);
  if (it == table.end()) {
    std::vector<std::string> names;
    for (const auto& kv : table) names.push_back(kv.first);
    const std::string near = closest_match(first, names);
    fail("unknown command '", first, "'", near.empty() ? "" : " (did you mean '" + near + "'?)",
         "; see 'csbrnn --help'");
  }
  return it->second.run(std::vector<std::string>(argv + 2, argv + argc));
}

}  // namespace
}  // namespace csbrnn::cli

int sc_main(int argc, char** argv) {
  try {
    return csbrnn::cli::dispatch(argc, argv);
  } catch (const csbrnn::Error& e) {
    std::cerr << "csbrnn: error: " << e.what() << "\n";
    return 2;
  } catch (const csbrnn::InternalError& e) {
    std::cerr << "csbrnn: internal error (please report): " << e.what() << "\n";
    return 3;
  } catch (const std::bad_alloc&) {
    std::cerr << "csbrnn: error: out of memory\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "csbrnn: error: " << e.what() << "\n";
    return 2;
  }
}

int main(int argc, char** argv) {
  ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  return sc_core::sc_elab_and_sim(argc, argv);
}
