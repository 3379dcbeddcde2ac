// Detailed timing: the element-wise units Sum1, Sum2, Mult1, Mult2, Sigmoid, Tanh as one clocked
// unit family (one SC_METHOD for all six; idle when none has work). Each unit has an issue stage
// taking `eltwise.lanes` elements per cycle of its current section and a pipeline of its latency
// (eltwise.latency.*) as a shift register of section tails: when a section's last elements have
// issued the unit reports `on_issued` (it accepts the next section) and the section's tail enters
// the pipeline; the section is done when its tail leaves the last stage. The arithmetic is the
// shared datapath (exec_elementwise) at the section's start, as in the fast mode.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <systemc>
#include <vector>

#include "sim/sim_context.h"

namespace csbrnn::sim::detailed {

class DetailedEltwise : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DetailedEltwise);
  DetailedEltwise(sc_core::sc_module_name name, SimContext& ctx);
  sc_core::sc_in<bool> clk;
  /// The SectionUnit of element-wise unit `u` (Sum1 .. Tanh).
  SectionUnit* unit(Unit u);

  // traced / inspected by tests: sections in flight per unit (issuing or in the pipeline)
  std::array<int, kUnitCount> in_flight{};

 private:
  struct Port : SectionUnit {
    DetailedEltwise* fam = nullptr;
    Unit u = Unit::Sum1;
    void start_section(const Section& s) override { fam->start(u, s); }
  };
  struct State {
    bool issuing = false;
    int64_t left = 0, start = 0;
    std::vector<uint8_t> pipe;  // stage i holds a section tail (1) or nothing (0)
    int tails = 0;              // tails in the pipeline
    int done = 0;               // tails that left the pipeline this cycle (reported at the edge)
  };
  void start(Unit u, const Section& s);
  void tick();
  void work(int64_t c);
  void settle();
  bool active() const;
  SimContext& ctx_;
  std::array<Port, kUnitCount> ports_;
  std::array<State, kUnitCount> st_;
  sc_core::sc_event kick_;
  int64_t work_cycle_ = 0;
  bool running_ = false;
};

}  // namespace csbrnn::sim::detailed
