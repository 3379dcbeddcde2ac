// `csbrnn prune`: prune PyTorch RNN weights with CSB or a baseline scheme; write the .csb
// container (csb methods), the pruned dense weights (every method) and a report.
#pragma once
#include <optional>
#include <string>

#include "cli/command.h"
#include "model/rnn_model.h"
#include "prune/permute.h"
#include "prune/prune.h"

namespace csbrnn::cli {

struct PruneCmdOptions {
  std::string weights;  // WEIGHTS: .npz or a folder of .npy
  /// --method, --rate, --block, --banks, --refine, --tile, --rate-for, --block-for
  ModelPruneOptions prune;
  PermuteMode permute = PermuteMode::None;  // --permute
  std::optional<CellType> cell;             // --cell
  std::optional<std::string> output;        // -o MODEL.csb (csb methods only)
  std::optional<std::string> export_dense;  // --export-dense PRUNED.npz
  std::optional<std::string> report;        // --report REPORT.json
  bool time = false;                        // --time
  bool quiet = false;                       // -q
};

std::optional<PruneCmdOptions> parse_prune(const Args& args);
int run_prune(const PruneCmdOptions& opts);

}  // namespace csbrnn::cli
