// One PEGroup of P x Q PEs (one SC_METHOD; PE state in plain arrays, no per-PE signals).
// At an iteration's start the engine calls begin(): the group computes the whole iteration at
// once (the products of every tile, in the order the hardware issues them); its span ends
// `weight_stall + tiles` cycles later, when its last tile has issued. Either the group's own
// activation then reports to the engine's barrier (one per group per iteration; used when the
// VCD traces `busy`), or the engine reports once for all groups at the longest span.
#pragma once
#include <cstdint>
#include <systemc>
#include <utility>
#include <vector>

#include "sim/sim_context.h"

namespace csbrnn::sim {

class CsbEngine;

class PeGroup : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(PeGroup);
  PeGroup(sc_core::sc_module_name name, SimContext& ctx, CsbEngine& engine, int k, int l);
  /// Issue iteration n of MVM `m` after `weight_stall` cycles (tiles still streaming in).
  /// Returns the group's span (weight_stall + tiles). With `self_report` the group's own
  /// activation reports to the barrier at the span's end (and `busy` is traced); without, the
  /// engine reports for all groups at once at the longest span (same cycles, fewer events).
  int64_t begin(int m, int64_t n, int64_t weight_stall, bool self_report);
  int64_t load = 0, weight_stall = 0;  // of the current iteration
  /// Row-group sync with a VCD of `busy`: the group's issue intervals [start, end) of a
  /// row-group's walk (absolute cycles, in order); `busy` follows them.
  void trace_walk(std::vector<std::pair<int64_t, int64_t>> intervals);

  // traced
  int busy = 0;  // 1 while issuing tiles in the current iteration
  int64_t tiles_issued = 0;

 private:
  void proc();
  void walk_proc();
  std::vector<std::pair<int64_t, int64_t>> walk_;
  size_t walk_i_ = 0;
  sc_core::sc_event walk_ev_;
  SimContext& ctx_;
  CsbEngine& eng_;
  int k_, l_;
  sc_core::sc_event done_;
};

}  // namespace csbrnn::sim
