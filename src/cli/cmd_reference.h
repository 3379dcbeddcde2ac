// `csbrnn reference`: runs the float (PyTorch-exact) or the fixed-point (bit-exact machine)
// reference RNN on an input sequence, or measures the fixed-point error (--measure-error).
#pragma once
#include <optional>
#include <string>

#include "cli/command.h"
#include "config/hw_config.h"

namespace csbrnn::cli {

struct ReferenceCmdOptions {
  bool measure_error = false;  // --measure-error: only `steps` and `seeds` apply
  int steps = 50;              // 1..100000
  int seeds = 3;               // 1..1000
  // the run on an input sequence:
  std::string model;   // weights (.npz or folder of .npy) or a .csb model
  std::string input;   // X.npy
  std::string output;  // Y.npy
  bool fixed_point = false;
  std::optional<std::string> output_int16;  // with fixed_point only
  std::optional<std::string> h0;            // H0.npy
  std::optional<std::string> c0;            // C0.npy
  /// --cell as given: checked when the model is read (a .csb model ignores it).
  std::string cell;
  HwConfig hw;
};

std::optional<ReferenceCmdOptions> parse_reference(const Args& args);
int run_reference(const ReferenceCmdOptions& o);

}  // namespace csbrnn::cli
