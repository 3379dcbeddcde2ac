// Element-wise units Sum1, Sum2, Mult1, Mult2, Sigmoid, Tanh: `eltwise.lanes` elements per cycle
// through a pipeline of the unit's latency; a section of n elements lasts
// eltwise_cycles(unit, n) = ceil(n/lanes) + latency. The unit is pipelined: it accepts the next
// section once the current one has been issued (eltwise_issue_cycles(n) = ceil(n/lanes) cycles;
// `on_issued` fires then), while earlier sections' results are still in the pipeline; each
// section reports done (ctx.section_done) when its last element leaves the pipeline, in start
// order. The programmable datapath (DataFlowIdx) is the section's operand routing. busy_cycles
// counts the cycles the unit holds work (overlapping sections once).
#pragma once
#include <deque>
#include <functional>
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
  int busy = 0;  // sections in flight (issuing or in the pipeline)
  int64_t elements = 0;

 private:
  void proc();
  void issued_proc();
  void done_proc();
  void issued();
  SimContext& ctx_;
  Unit unit_;
  Section sec_;
  bool issuing_ = false;
  sc_core::sc_time busy_end_ = sc_core::SC_ZERO_TIME;  // the end of the busy cycles counted
  sc_core::sc_event go_, issue_end_;
  sc_core::sc_event_queue done_q_;
};

}  // namespace csbrnn::sim
