// Benchmark model specs (models/*.yaml: the papers' Table 1 models) and the deterministic
// synthetic weight generator. The generated weights are STAND-INS for the trained models, which
// are not available: PyTorch-init-scaled uniform weights shaped by log-normal row/column
// importance and clustered neuron groups so that CSB blocks come out uneven. docs/pruning.md
// documents every knob.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "model/rnn_model.h"
#include "prune/prune.h"

namespace csbrnn {

struct GeneratorKnobs {
  double neuron_sigma = 0.8;      // log-normal sigma of each hidden/projection unit's importance
  double input_sigma = 0.8;       // log-normal sigma of each layer-0 input feature's importance
  double row_sigma = 0.25;        // extra independent log-normal sigma per matrix row
  double col_sigma = 0.25;        // extra independent log-normal sigma per matrix column
  int clusters = 16;              // neuron clusters per unit group (contiguous index ranges)
  double cluster_sigma = 1.0;     // log-normal sigma of each (row cluster, col cluster) gain
  double cluster_gain = 2.0;      // extra gain when row and column cluster ids are equal
  double cluster_shuffle = 0.25;  // fraction of units moved to a uniformly random cluster
  double gate_sigma = 0.0;        // log-normal sigma of each gate's gain per matrix (0: none)
};

struct ModelSpec {
  std::string name, task, source, notes;
  CellType cell = CellType::LSTM;
  int input_size = 0, hidden_size = 0, proj_size = 0, layers = 1;
  bool bias = true;
  double paper_rate = 0;          // the rate the comparison uses as "the paper's CSB rate"
  std::string paper_rate_source;  // where that rate comes from
  BlockSize block;                // block size for CSB (paper: 32x32)
  GeneratorKnobs gen;
  std::string origin;  // file the spec came from
};

/// Parses a spec; unknown keys and bad values are errors naming `origin` (and line).
ModelSpec parse_model_spec(const std::string& yaml_text, const std::string& origin);
/// NAME (case-insensitive, resolved in the models directory) or a path to a .yaml file.
ModelSpec load_model_spec(const std::string& name_or_path);
/// The models directory: $CSBRNN_MODELS_DIR, else data_dir()/models (common/data_dir.h: the
/// installed share/csbrnn, or the source tree's for a binary of the build tree).
std::string models_dir();
/// Names of the specs in models_dir(), sorted.
std::vector<std::string> builtin_model_names();

/// Number of weight-matrix entries (no biases) and bias entries of a spec.
size_t spec_weight_count(const ModelSpec& s);
size_t spec_bias_count(const ModelSpec& s);

/// Generates the model's weights deterministically from `seed` (same seed, same bytes on every
/// platform: own splitmix64 generator, no std distributions).
RnnModel generate_model(const ModelSpec& s, uint64_t seed);

/// The line every output about generated weights carries.
extern const char* const kSyntheticNotice;

}  // namespace csbrnn
