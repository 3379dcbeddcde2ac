// csbrnn disasm PROGRAM.bin [--micro] [--images]: readable listing of a compiled program.
#include <iostream>

#include "cli/command.h"
#include "cli/options.h"
#include "isa/program_io.h"

namespace csbrnn::cli {
namespace {

int run_disasm(const std::vector<std::string>& args) {
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
  if (!parse_args("disasm", "PROGRAM.bin [--micro] [--images]", args, desc, pos, vm)) return 0;
  const Program p = load_program(vm["program"].as<std::string>());
  DisasmOptions o;
  o.micro = vm.count("micro") > 0;
  o.images = vm.count("images") > 0;
  std::cout << disassemble(p, o);
  return 0;
}

CommandRegistrar reg({"disasm", "list a compiled program (macro words, micro-items, images)",
                      run_disasm});

}  // namespace
}  // namespace csbrnn::cli
