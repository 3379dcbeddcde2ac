// The one list of csbrnn's commands (register_commands) and the dispatcher main() calls.
#include <iostream>

#include "cli/cmd_compare.h"
#include "cli/cmd_compile.h"
#include "cli/cmd_config.h"
#include "cli/cmd_disasm.h"
#include "cli/cmd_fig12.h"
#include "cli/cmd_genmodel.h"
#include "cli/cmd_info.h"
#include "cli/cmd_prune.h"
#include "cli/cmd_reference.h"
#include "cli/cmd_simulate.h"
#include "cli/cmd_sweep.h"
#include "cli/command.h"
#include "common/error.h"
#include "common/strings.h"
#include "common/version.h"

namespace csbrnn::cli {

std::map<std::string, Command> register_commands() {
  const std::vector<Command> list = {
      make_command("compare", "compare the pruning schemes on the benchmark models (Table 2)",
                   parse_compare, run_compare),
      make_command("compile", "compile a CSB model for a hardware config into a program",
                   parse_compile, run_compile),
      make_command("compile-bench", "time the compiler on a benchmark model (MT2: goal < 10 s)",
                   parse_compile_bench, run_compile_bench),
      make_command("config", "print the resolved hardware config, list its keys, or check it",
                   parse_config, run_config),
      make_command("disasm", "list a compiled program (macro words, micro-items, images)",
                   parse_disasm, run_disasm),
      make_command("fig12", "paper Fig. 12: occupancy/utilization per sharing mode", parse_fig12,
                   run_fig12),
      make_command("genmodel",
                   "generate synthetic stand-in weights for a benchmark model (models/*.yaml)",
                   parse_genmodel, run_genmodel),
      make_command("info", "show what a .npy/.npz/folder of weights or a .csb model holds",
                   parse_info, run_info),
      make_command("prune", "prune RNN weights (CSB or a baseline scheme) and report", parse_prune,
                   run_prune),
      make_command("reference",
                   "run the float or bit-exact fixed-point reference RNN on an input sequence",
                   parse_reference, run_reference),
      make_command("simulate", "run a program or model on the cycle-accurate SystemC model",
                   parse_simulate, run_simulate),
      make_command("sweep", "run many design points in parallel -> one table and plots",
                   parse_sweep, run_sweep),
  };
  std::map<std::string, Command> table;
  for (const Command& c : list) {
    CSBRNN_ASSERT(!table.count(c.name), "command '" + c.name + "' listed twice");
    table[c.name] = c;
  }
  return table;
}

void print_usage(std::ostream& os, const std::map<std::string, Command>& table) {
  os << "csbrnn " << CSBRNN_VERSION
     << " - toolkit for the CSB-RNN sparse RNN accelerator\n\n"
        "usage: csbrnn <command> [options]   (csbrnn <command> --help for details)\n\n"
        "commands:\n";
  for (const auto& [name, cmd] : table)
    os << "  " << name << std::string(name.size() < 12 ? 12 - name.size() : 1, ' ') << cmd.summary
       << "\n";
  os << "\noptions:\n  --help, -h  this help\n  --version   print the version\n";
}

int dispatch(const Args& argv) {
  const std::map<std::string, Command> table = register_commands();
  if (argv.empty()) {
    print_usage(std::cerr, table);
    return 2;
  }
  const std::string& first = argv[0];
  if (first == "--help" || first == "-h" || first == "help") {
    print_usage(std::cout, table);
    return 0;
  }
  if (first == "--version") {
    std::cout << "csbrnn " << CSBRNN_VERSION << "\n";
    return 0;
  }
  const auto it = table.find(first);
  if (it == table.end()) {
    std::vector<std::string> names;
    for (const auto& kv : table) names.push_back(kv.first);
    const std::string near = closest_match(first, names);
    fail("unknown command '", first, "'", near.empty() ? "" : " (did you mean '" + near + "'?)",
         "; see 'csbrnn --help'");
  }
  return it->second.run(Args(argv.begin() + 1, argv.end()));
}

}  // namespace csbrnn::cli
