// Controller: the instruction memory (macro VLIW words) and the issue/retire logic. A word's
// sections start together on their units; the word retires when all have reported done; the
// next word issues in the same cycle (words run back to back); timesteps run back to back.
// Streams (program.h MvmStream): while an Mvm section with a stream runs, the controller starts
// the stage instances (chunk, stage) on the element-wise units by the pipelined rule of
// timing/cycle_rules.h, as events: a stage instance starts once its inputs are ready (row-group
// a's reduction ended, or the chunk's previous stage reported done) and each of its units has
// issued every earlier instance (chunk-major order) on it; the stream is one more outstanding
// part of the word.
// With eltwise.stream_issue = dataflow the controller keeps the stream's StreamIssueState
// (isa/stream.h: done bits, per-unit queues, priority picker) instead: the reduction ends, issue
// ends and dones update it, and the picks happen once per time in `decide`, after every event of
// that time (it re-defers itself while the kernel has activity at the current time), so a
// decision sees every readiness and issue end of its cycle, whatever delta they came in.
#pragma once
#include <array>
#include <cstdint>
#include <deque>
#include <optional>
#include <systemc>
#include <utility>
#include <vector>

#include "isa/stream.h"
#include "sim/sim_context.h"

namespace csbrnn::sim {

class Controller : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(Controller);
  Controller(sc_core::sc_module_name name, SimContext& ctx);
  void bind_unit(Unit u, SectionUnit* su);
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
  void section_issued(Unit u);
  void try_start();
  void start_stage(int c);
  void decide();  // dataflow: the picks of the current time
  void start_instance(int i);
  SimContext& ctx_;
  std::array<SectionUnit*, kUnitCount> units_{};
  sc_core::sc_event go_, done_;
  int steps_ = 0;
  bool finished_ = true;
  bool in_word_ = false;
  int64_t word_start_ = 0, step_start_ = 0;
  // stream of the current word's Mvm section (nullptr: none)
  const MvmStream* stream_ = nullptr;
  struct Chunk {
    uint32_t lo = 0, n = 0;
    size_t stage = 0;    // next stage to start (or running)
    bool ready = false;  // stage `stage`'s inputs are ready and it has not started
    int left = 0;        // sections of the running stage not done yet
  };
  std::vector<Chunk> chunks_;  // the non-empty chunks, in row-group order
  std::vector<int> chunk_of_;  // row-group -> index in chunks_ (-1: empty chunk)
  int chunks_finished_ = 0;
  // per unit: the stage instances (chunk, stage) it serves, in chunk-major order; the next one
  std::array<std::vector<std::pair<int, size_t>>, kUnitCount> unit_order_;
  std::array<size_t, kUnitCount> unit_next_{};
  std::array<bool, kUnitCount> issuing_{};
  // chunks (stage issue) or instances (dataflow) with a section on the unit, in start order
  std::array<std::deque<int>, kUnitCount> inflight_;
  std::optional<StreamIssueState> df_;  // dataflow issue state of the current stream
  sc_core::sc_event decide_ev_;

 public:
  int stream_chunk = -1;  // non-empty chunk whose stage started last (-1: none)
};

}  // namespace csbrnn::sim
