// Controller: the instruction memory (macro VLIW words) and the issue/retire logic. A word's
// sections start together on their units; the word retires when all have reported done; the
// next word issues in the same cycle (words run back to back); timesteps run back to back.
// Streams (program.h MvmStream): while an Mvm section with a stream runs, the controller starts
// chunk a's stages on the element-wise units once row-group a's reduction has ended (and the
// previous chunk has finished); the stream is one more outstanding part of the word.
#pragma once
#include <array>
#include <cstdint>
#include <systemc>
#include <vector>

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
  void row_group_reduced(int a);
  void next_chunk();
  void start_stage();
  SimContext& ctx_;
  std::array<SectionUnit*, kUnitCount> units_{};
  sc_core::sc_event go_, done_;
  int steps_ = 0;
  bool finished_ = true;
  bool in_word_ = false;
  int64_t word_start_ = 0, step_start_ = 0;
  // stream of the current word's Mvm section (nullptr: none)
  const MvmStream* stream_ = nullptr;
  std::vector<int> reduced_;  // row-groups reduced, chunk not started yet (FIFO)
  size_t reduced_head_ = 0;
  int chunk_ = -1;  // row-group whose chunk is running, -1 idle
  int chunks_done_ = 0;
  size_t stage_ = 0;
  int stage_left_ = 0;
  uint32_t lo_ = 0, n_ = 0;
  std::array<bool, kUnitCount> stream_busy_{};

 public:
  int stream_chunk = -1;  // row-group of the running stream chunk (-1: none)
};

}  // namespace csbrnn::sim
