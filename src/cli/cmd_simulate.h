// csbrnn simulate --hw HW.yaml PROGRAM_OR_MODEL --input X.npy --output Y.npy --out DIR
//   [--vcd FILE --vcd-scope UNITS --vcd-window FROM:TO] [--no-check] [--set k=v]
// Runs the cycle-accurate SystemC model on a whole input sequence (docs/simulator.md).
#pragma once
#include <optional>
#include <string>

#include "cli/command.h"
#include "config/hw_config.h"
#include "sim/simulator.h"
#include "workload/bench_model.h"

namespace csbrnn::cli {

struct SimulateCmdOptions {
  std::string program;  // PROGRAM.bin, MODEL.csb or bench:NAME[:BLOCK], as given
  bool bench = false;   // program is bench:NAME[:BLOCK]
  std::string bench_name;
  BenchModelOptions bench_model;  // bench: BLOCK, --rate, --seed
  /// X.npy; none: a random input of `steps` timesteps (bench: only, else parse refuses)
  std::optional<std::string> input;
  int steps = 100;
  std::string output;   // Y.npy (checked writable); empty: not written
  std::string out_dir;  // report directory (created by parse)
  /// --vcd FILE (vcd_given; the file is checked writable by run once the inputs are read, as
  /// always), --vcd-scope and --vcd-window parsed.
  bool vcd_given = false;
  sim::VcdOptions vcd;
  bool check = true;  // false: --no-check
  bool quiet = false;
  HwConfig hw;
};

std::optional<SimulateCmdOptions> parse_simulate(const Args& args);
int run_simulate(const SimulateCmdOptions& o);

}  // namespace csbrnn::cli
