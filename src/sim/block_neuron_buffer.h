// BlockNeuronBuffers: one per PEGroup column l, double-buffered, `bw` int16 input neurons of the
// column's current block-column. The loader fills the other half for the next iteration while
// the current one issues: the widest of the L slices an iteration needs takes
// neuron_load_cycles(width) cycles (cycle_rules.h); entries past a slice's width read as 0.
// With engine.sync = row-group the buffers hold all of the MVM's slices instead (one slot per
// iteration column b, loaded once at the MVM start: load_all); the engine times the loads.
#pragma once
#include <cstdint>
#include <systemc>
#include <vector>

#include "sim/sim_context.h"

namespace csbrnn::sim {

class BlockNeuronBuffers : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(BlockNeuronBuffers);
  BlockNeuronBuffers(sc_core::sc_module_name name, SimContext& ctx);
  /// Starts loading the slices of iteration n of `mvm` into half n%2; `done` fires when loaded.
  void start_load(const MvmProgram& mvm, int64_t n, std::function<void()> done);
  /// Row-group sync: loads every slice set b of `mvm` into slot b (the data at once; `loading`
  /// is traced for `cycles`, the engine's ready times come from the cycle rules).
  void load_all(const MvmProgram& mvm, int64_t cycles);
  /// The slot iteration n reads: n % 2 (double buffer) or, after load_all, n % iter_cols.
  int slot(const MvmProgram& mvm, int64_t n) const {
    return resident_ ? int(n % mvm.iter_cols) : int(n % 2);
  }
  const int16_t* slice(int slot, int l) const {
    return buf_[size_t(slot)].data() + size_t(l) * bw_;
  }
  int bw() const { return bw_; }
  int64_t cycles_for(const MvmProgram& mvm, int64_t n) const;

  // traced
  int loading = 0;
  int64_t loads = 0;

 private:
  void proc();
  SimContext& ctx_;
  int L_;
  int bw_ = 0;
  bool resident_ = false;                  // load_all: a slot per iteration column
  std::vector<std::vector<int16_t>> buf_;  // [slot][l*bw + i]
  std::function<void()> done_;
  sc_core::sc_event go_;
  int64_t pending_cycles_ = 0;
};

}  // namespace csbrnn::sim
