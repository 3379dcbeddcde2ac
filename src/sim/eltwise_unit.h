// Element-wise units Sum1, Sum2, Mult1, Mult2, Sigmoid, Tanh: `eltwise.lanes` elements per cycle
// through a pipeline of the unit's latency; a section of n elements lasts
// eltwise_cycles(unit, n) = ceil(n/lanes) + latency. The programmable datapath (DataFlowIdx) is
// the section's operand routing (banks and addresses).
#pragma once
#include <systemc>

#include "sim/sim_context.h"
#include "timing/cycle_rules.h"

namespace csbrnn::sim {

class EltwiseUnit : public sc_core::sc_module, public SectionUnit {
 public:
  SC_HAS_PROCESS(EltwiseUnit);
  EltwiseUnit(sc_core::sc_module_name name, SimContext& ctx, Unit unit);
  void start_section(const Section& s) override;
  static timing::EltUnit kind_of(Unit u);

  // traced
  int busy = 0;
  int64_t elements = 0;

 private:
  void proc();
  SimContext& ctx_;
  Unit unit_;
  Section sec_;
  sc_core::sc_event go_;
};

}  // namespace csbrnn::sim
