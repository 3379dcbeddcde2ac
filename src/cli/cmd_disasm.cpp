#include "cli/cmd_disasm.h"

#include <iostream>

#include "cli/options.h"

namespace csbrnn::cli {

std::optional<DisasmCmdOptions> parse_disasm(const Args& args) {
  po::options_description desc("disasm options");
  desc.add_options()                                                    //
      ("program", po::value<std::string>()->required(), "PROGRAM.bin")  //
      ("micro",
       "list the micro-program: per MVM, iteration and group the share decision and "
       "items")  //
      ("images", "dump row_dest, index memories, weight tiles and the bias bank");
  po::positional_options_description pos;
  pos.add("program", 1);
  po::variables_map vm;
  if (!parse_args("disasm", "PROGRAM.bin [--micro] [--images]", args, desc, pos, vm))
    return std::nullopt;
  DisasmCmdOptions o;
  o.program = vm["program"].as<std::string>();
  o.listing.micro = vm.count("micro") > 0;
  o.listing.images = vm.count("images") > 0;
  return o;
}

int run_disasm(const DisasmCmdOptions& o) {
  const Program p = load_program(o.program);
  std::cout << disassemble(p, o.listing);
  return 0;
}

}  // namespace csbrnn::cli
