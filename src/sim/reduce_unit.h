// Horizontal reduction + ReorderLogic: after the last iteration of row-group a (and its pipeline
// drain), the L NeuronAccumBuffers of each group row are summed and the K*bh neurons are written
// to Acc at dst + row_dest[r] (the compiler's row permutation). One unit: a reduction waits for
// the previous one; it lasts reduce_cycles(reduce_neurons) (cycle_rules.h): the K x bh neurons
// (its existing block-rows) at engine.reduce.lanes per cycle, then the latency.
#pragma once
#include <cstdint>
#include <systemc>

#include "sim/neuron_accum_buffer.h"
#include "sim/sim_context.h"

namespace csbrnn::sim {

class ReduceUnit : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(ReduceUnit);
  ReduceUnit(sc_core::sc_module_name name, SimContext& ctx, NeuronAccumBuffers& nab);
  void start(const MvmProgram& mvm, int a, uint32_t dst);
  bool idle() const { return busy == 0; }
  sc_core::sc_event idle_event;

  // traced
  int busy = 0;
  int64_t reductions = 0;

 private:
  void proc();
  SimContext& ctx_;
  NeuronAccumBuffers& nab_;
  sc_core::sc_event go_;
  int64_t pending_ = 0;
  int a_ = 0;  // row-group being reduced (reported to ctx.row_group_reduced at the end)
};

}  // namespace csbrnn::sim
