// csbrnn compile MODEL.csb --hw HW.yaml [--set ...] -o PROGRAM.bin [--report REPORT.json]
#pragma once
#include <optional>
#include <string>

#include "cli/command.h"
#include "config/hw_config.h"
#include "workload/bench_model.h"

namespace csbrnn::cli {

struct CompileCmdOptions {
  std::string origin;             // MODEL.csb, or the benchmark NAME of --bench (exactly one)
  bool bench = false;             // origin is --bench NAME
  BenchModelOptions bench_model;  // --block (0: the paper's)
  std::string output;             // -o PROGRAM.bin (checked writable)
  std::string report;             // --report REPORT.json (checked writable); empty: none
  HwConfig hw;
};

std::optional<CompileCmdOptions> parse_compile(const Args& args);
int run_compile(const CompileCmdOptions& o);

}  // namespace csbrnn::cli
