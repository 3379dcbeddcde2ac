// Weight-buffer residency and image sizes: which of a program's weight images each PEGroup keeps
// in its WeightBuffer and which it streams from DRAM. A property of the program and the
// hardware, so the compiler's report, the sweep and the simulator all call this one rule.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "isa/program.h"

namespace csbrnn {

/// Per MVM: the busiest group's image bytes (weight tiles + index memory) and how many groups
/// cannot keep this MVM's image resident under place_weights() (they stream it from DRAM in
/// the simulator; not an error).
struct MvmBufferUsage {
  int mvm = 0;
  uint64_t max_group_bytes = 0;
  int streamed_groups = 0;
  bool overflow = false;  // streamed_groups > 0
};

/// Bytes a group's image occupies in its WeightBuffer: 2 per weight, 2 per index entry.
inline uint64_t image_bytes(const GroupImage& g) {
  return 2 * uint64_t(g.weights.size()) + 2 * uint64_t(g.index.size());
}

/// Weight-buffer residency: the ONE rule the compiler's report, the sweep and the simulator
/// share. Every MVM runs every timestep, so all images of a group compete for its
/// buffers.weight_buffer_kib: they are placed first-fit, in the order buffers.weight_residency
/// names: program-order (the default: MVMs in program order) or traffic (the images costing the
/// most DRAM traffic per timestep if streamed first: bytes x runs of the MVM per timestep, ties in
/// program order; the most reused bytes stay resident). An image that does not fit is streamed
/// from DRAM each time its MVM runs.
struct WeightPlacement {
  std::vector<std::vector<bool>> streamed;  // [group][mvm]
  std::vector<uint64_t> resident_bytes;     // per group
  std::vector<uint64_t> total_bytes;        // per group: all images of the program
  bool any_streamed() const;
};
WeightPlacement place_weights(const Program& p);
/// The same rule with the buffer size and policy of `hw` (the simulated machine).
WeightPlacement place_weights(const Program& p, const HwConfig& hw);

/// Input residency of an MVM's BlockNeuronBuffers under hw.engine.sync. Iteration sync double
/// buffers one slice per column at a time (the widest slice must fit; validate checks bw).
/// Row-group sync keeps every slice of column l (block-columns b*L + l, b = 0..B-1) resident for
/// the whole MVM: the sum of their widths must fit buffers.block_neuron_buffer entries. Returns
/// "" or one line naming the layer, the column, the entries needed and the key.
std::string resident_inputs_problem(const MvmProgram& mv, const HwConfig& hw);
/// Entries column l's BlockNeuronBuffer holds under row-group sync (sum of its slice widths).
int64_t resident_input_entries(const MvmProgram& mv, const HwConfig& hw, int l);

/// Per-MVM buffer figures under place_weights().
std::vector<MvmBufferUsage> buffer_usage(const Program& p);

}  // namespace csbrnn
