// Controller: the instruction memory (macro VLIW words) and the issue/retire logic. A word's
// sections start together on their units; the word retires when all have reported done; the
// next word issues in the same cycle (words run back to back); timesteps run back to back.
#pragma once
#include <array>
#include <cstdint>
#include <systemc>

#include "sim/sim_context.h"

namespace csbrnn::sim {

class Controller : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Controller);
  Controller(sc_core::sc_module_name name, SimContext& ctx);
  void bind_unit(Unit u, SectionUnit* su) { units_[size_t(u)] = su; }
  /// Runs `steps` timesteps of ctx.prog from now; `finished_event` fires at the end.
  void run(int steps);
  void section_done(Unit u);
  bool finished() const { return finished_; }
  sc_core::sc_event finished_event;

  // traced
  int timestep = 0, word = 0, outstanding = 0;
  int64_t words_retired = 0;

 private:
  void proc();
  void issue();
  bool retire();  // true when the run has finished
  SimContext& ctx_;
  std::array<SectionUnit*, kUnitCount> units_{};
  sc_core::sc_event go_, done_;
  int steps_ = 0;
  bool finished_ = true;
  bool in_word_ = false;
  int64_t word_start_ = 0, step_start_ = 0;
};

}  // namespace csbrnn::sim
