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
};

/// What the compiler noticed that is not an error (reported, never silently dropped).
struct CompileStats {
  /// Per group and MVM: bytes of weight tiles + index memory; a group exceeding
  /// buffers.weight_buffer_kib streams from DRAM in the simulator (not an error).
  struct MvmBuffer {
    int mvm = 0;
    uint64_t max_group_bytes = 0;
    bool overflow = false;
  };
  std::vector<MvmBuffer> buffers;
  bool weight_buffer_overflow = false;
  int iterations = 0;      // temporal block iterations over all MVMs
  int proven_optimal = 0;  // iterations whose schedule the scheduler proved optimal
  double seconds = 0.0;    // wall time of compile()
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

/// Weight-buffer overflow per MVM (max over groups of image_bytes vs weight_buffer_kib).
std::vector<CompileStats::MvmBuffer> buffer_usage(const Program& p);

/// Tiles a micro-item issues: ceil(rows/P) * ceil(cols/Q) (0 when empty).
inline int64_t item_tiles(const MicroItem& it, int P, int Q) {
  if (it.rows == 0 || it.cols == 0) return 0;
  return int64_t((it.rows + P - 1) / P) * ((it.cols + Q - 1) / Q);
}

}  // namespace csbrnn
