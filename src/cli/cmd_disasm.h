// csbrnn disasm PROGRAM.bin [--micro] [--images]: readable listing of a compiled program.
#pragma once
#include <optional>
#include <string>

#include "cli/command.h"
#include "isa/program_io.h"

namespace csbrnn::cli {

struct DisasmCmdOptions {
  std::string program;    // PROGRAM.bin
  DisasmOptions listing;  // --micro, --images
};

std::optional<DisasmCmdOptions> parse_disasm(const Args& args);
int run_disasm(const DisasmCmdOptions& o);

}  // namespace csbrnn::cli
