// csbrnn fig12: the paper's Fig. 12 in our terms (group occupancy and PE utilization per sharing
// mode on the benchmark models), and csbrnn compile-bench: compile-time benchmark.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/command.h"
#include "config/hw_config.h"

namespace csbrnn::cli {

struct Fig12CmdOptions {
  std::vector<std::string> models;  // --models, split at ',' and trimmed
  std::vector<int> blocks;          // --block: square block sizes in 1..65535
  uint64_t seed = 1;
  std::optional<std::string> json;  // checked writable by run, after the model specs
  HwConfig hw;                      // the base; each sharing mode replaces hw.sharing
};

std::optional<Fig12CmdOptions> parse_fig12(const Args& args);
int run_fig12(const Fig12CmdOptions& o);

struct CompileBenchCmdOptions {
  std::string model = "mt2";
  int block = 32;
  int repeat = 1;  // compiles to time
  HwConfig hw;
};

std::optional<CompileBenchCmdOptions> parse_compile_bench(const Args& args);
int run_compile_bench(const CompileBenchCmdOptions& o);

}  // namespace csbrnn::cli
