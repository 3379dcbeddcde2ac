// The compiler: CsbModel + HwConfig -> Program (docs/compiler.md).
//
// Per layer one Gates MVM over [W_ih | W_hh] (GRU: plus extra block-rows holding W_hh's n rows,
// so gi_n and gh_n reach the Acc bank separately), and for LSTMP one Projection MVM (W_hr).
// The macro program is list-scheduled ASAP from the cell's dataflow graph; the micro program
// comes from schedule_iteration (compile/sharing.h) for every temporal block iteration.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "compile/program.h"
#include "config/hw_config.h"
#include "model/csb.h"

namespace csbrnn {

struct CompileOptions {
  /// Shown in errors ("<origin>: ...") and stored in Program::note.
  std::string origin = "model";
  /// eltwise.stream only: the Gates MVMs' row-group order. Best: per MVM whichever of the two
  /// gives the shorter Mvm section (analytic); Source: the pruned matrix's block-row order;
  /// Interleaved: block-rows sorted by the first neuron they write (docs/compiler.md).
  enum class RowOrder { Best, Source, Interleaved };
  RowOrder row_order = RowOrder::Best;
  /// eltwise.stream only: Best: per layer the compiler also considers NOT streaming it and keeps
  /// the variant (unstreamed, streamed in source order, streamed interleaved) whose program
  /// prefix is shortest (docs/compiler.md "Streaming"); Always: every layer is streamed (only
  /// the row order is chosen).
  enum class Streaming { Best, Always };
  Streaming streaming = Streaming::Best;
};

/// What the compiler noticed that is not an error (reported, never silently dropped).
struct CompileStats {
  /// Per MVM: the busiest group's image bytes (weight tiles + index memory) and how many groups
  /// cannot keep this MVM's image resident under place_weights() (they stream it from DRAM in
  /// the simulator; not an error).
  struct MvmBuffer {
    int mvm = 0;
    uint64_t max_group_bytes = 0;
    int streamed_groups = 0;
    bool overflow = false;  // streamed_groups > 0
  };
  std::vector<MvmBuffer> buffers;
  bool weight_buffer_overflow = false;  // any MVM image streamed in any group
  uint64_t model_max_group_bytes = 0;   // the busiest group's images of the whole program
  int iterations = 0;                   // temporal block iterations over all MVMs
  int proven_optimal = 0;               // iterations whose schedule the scheduler proved optimal
  double seconds = 0.0;                 // wall time of compile()
};

/// Compiles `m` for `hw`. Throws Error("<origin>: ...") when the hardware cannot hold the model
/// (block larger than a BlockNeuronBuffer / NeuronAccumBuffer, a vector exceeding a bank, ...),
/// when the model is malformed, or when ih and hh of a layer use different block sizes.
Program compile_program(const CsbModel& m, const HwConfig& hw, const CompileOptions& opt = {},
                        CompileStats* stats = nullptr);

/// Bytes a group's image occupies in its WeightBuffer: 2 per weight, 2 per index entry.
inline uint64_t image_bytes(const GroupImage& g) {
  return 2 * uint64_t(g.weights.size()) + 2 * uint64_t(g.index.size());
}

/// Weight-buffer residency: the ONE rule the compiler's report, the sweep and the simulator
/// share. Every MVM runs every timestep, so all images of a group compete for its
/// buffers.weight_buffer_kib: they are placed first-fit in program order; an image that does not
/// fit is streamed from DRAM each time its MVM runs.
struct WeightPlacement {
  std::vector<std::vector<bool>> streamed;  // [group][mvm]
  std::vector<uint64_t> resident_bytes;     // per group
  std::vector<uint64_t> total_bytes;        // per group: all images of the program
  bool any_streamed() const;
};
WeightPlacement place_weights(const Program& p);

/// Per-MVM buffer figures under place_weights().
std::vector<CompileStats::MvmBuffer> buffer_usage(const Program& p);

/// Tiles a micro-item issues: ceil(rows/P) * ceil(cols/Q) (0 when empty).
inline int64_t item_tiles(const MicroItem& it, int P, int Q) {
  if (it.rows == 0 || it.cols == 0) return 0;
  return int64_t((it.rows + P - 1) / P) * ((it.cols + Q - 1) / Q);
}

}  // namespace csbrnn
