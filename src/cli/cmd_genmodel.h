// `csbrnn genmodel`: synthetic stand-in weights for a benchmark model spec (models/*.yaml).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "cli/command.h"

namespace csbrnn::cli {

struct GenmodelCmdOptions {
  bool list = false;   // --list: the benchmark models table (nothing else applies)
  std::string model;   // NAME or SPEC.yaml
  uint64_t seed = 1;   // -s
  std::string output;  // -o W.npz (or a folder of .npy)
  bool info = true;    // false: --no-info (no <output>.info.json)
};

std::optional<GenmodelCmdOptions> parse_genmodel(const Args& args);
int run_genmodel(const GenmodelCmdOptions& o);

}  // namespace csbrnn::cli
