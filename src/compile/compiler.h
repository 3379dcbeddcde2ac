// The compiler: CsbModel + HwConfig -> Program (docs/compiler.md).
//
// Per layer one Gates MVM over [W_ih | W_hh] (GRU: plus extra block-rows holding W_hh's n rows,
// so gi_n and gh_n reach the Acc bank separately), and for LSTMP one Projection MVM (W_hr).
// The macro program is list-scheduled ASAP from the cell's dataflow graph; the micro program
// comes from schedule_iteration (compile/sharing.h) for every temporal block iteration.
// The phases, one file each (internal headers of src/compile/): validate.h, block_grid.h,
// micro_emit.h, macro_schedule.h, cell_lowering.h, variant_choice.h; compiler.cpp drives them.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/hw_config.h"
#include "isa/program.h"
#include "isa/residency.h"
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

/// A scheduling decision unit (iteration sync: an iteration n = a*B + b; row-group sync: a
/// row-group a) whose makespan the scheduler did not prove optimal, with its lower bound.
struct ScheduleGap {
  int mvm = -1;  // index of the MVM in the program
  int unit = 0;  // iteration index (a-major) or row-group index
  int64_t makespan = 0, lower_bound = 0;
};

/// What the compiler noticed that is not an error (reported, never silently dropped).
struct CompileStats {
  static constexpr size_t kMaxGaps = 100;  // entries kept in `gaps`
  /// Per MVM: the busiest group's image bytes and its streamed groups (isa/residency.h).
  using MvmBuffer = MvmBufferUsage;
  std::vector<MvmBuffer> buffers;
  bool weight_buffer_overflow = false;  // any MVM image streamed in any group
  uint64_t model_max_group_bytes = 0;   // the busiest group's images of the whole program
  int iterations = 0;                   // temporal block iterations over all MVMs
  int proven_optimal = 0;  // iterations whose decision unit the scheduler proved optimal
  // Decision units (iterations or row-groups, per engine.sync), those proven optimal, and the
  // ones that are not: the first kMaxGaps of them, their count and the sum of their gaps
  // (makespan - lower bound, tiles).
  int64_t decision_units = 0, proven_units = 0, unproven = 0, gap_tiles = 0;
  std::vector<ScheduleGap> gaps;
  void add_gap(int unit, int64_t makespan, int64_t lower_bound) {
    ++unproven;
    gap_tiles += makespan - lower_bound;
    if (gaps.size() < kMaxGaps) gaps.push_back(ScheduleGap{-1, unit, makespan, lower_bound});
  }
  /// Adds the counts of `o`, whose gaps belong to MVM `mvm`.
  void merge(const CompileStats& o, int mvm) {
    iterations += o.iterations;
    proven_optimal += o.proven_optimal;
    decision_units += o.decision_units;
    proven_units += o.proven_units;
    unproven += o.unproven;
    gap_tiles += o.gap_tiles;
    for (ScheduleGap g : o.gaps)
      if (gaps.size() < kMaxGaps) {
        g.mvm = mvm;
        gaps.push_back(g);
      }
  }
  double seconds = 0.0;  // wall time of compile()
};

/// Compiles `m` for `hw`. Throws Error("<origin>: ...") when the hardware cannot hold the model
/// (block larger than a BlockNeuronBuffer / NeuronAccumBuffer, a vector exceeding a bank, ...),
/// when the model is malformed, or when ih and hh of a layer use different block sizes.
Program compile_program(const CsbModel& m, const HwConfig& hw, const CompileOptions& opt = {},
                        CompileStats* stats = nullptr);

}  // namespace csbrnn
