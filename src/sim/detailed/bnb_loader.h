// Detailed timing: the BlockNeuronBuffer loader and its double buffer (one per PEGroup column l).
// A load of iteration n's slices fills half n%2 while the groups read half (n-1)%2; every column
// loader moves `engine.neuron_load_width` neurons per cycle of its own slice, and the load is
// done when every column has finished. A column reads its slice from the vector bank the slice
// lives in, one access per cycle: with `detailed.vector_bank_ports` set the bank arbiter may
// refuse it (bank_arbiter.h), and the column moves nothing in that cycle. Plain C++, stepped by the
// detailed engine's clock process. With `resident` (engine.sync = row-group) the buffer has a
// slot per iteration column b instead of two halves: the engine loads slice set b into slot b,
// every set once per MVM, in b order.
#pragma once
#include <cstdint>
#include <vector>

#include "isa/program.h"
#include "isa/semantics.h"
#include "stats/actions.h"

namespace csbrnn::sim::detailed {

class BnbLoader {
 public:
  BnbLoader(int L, int width_per_cycle)
      : L_(L), width_(width_per_cycle), left_(size_t(L), 0), bank_(size_t(L), 0), buf_(2) {}
  /// Starts loading the slices of iteration n (the data land in slot(n) now; the timing below
  /// says when the groups may read them).
  void start(const MvmProgram& mvm, int64_t n, const MachineBanks& banks);
  /// The vector bank column l reads in the coming cycle, or -1 when it has nothing to load.
  int bank(int l) const { return busy_ && left_[size_t(l)] > 0 ? bank_[size_t(l)] : -1; }
  /// One clock cycle of loading; with `granted`, column l moves only if granted[l] (its bank
  /// access won the arbitration).
  void step(const std::vector<uint8_t>* granted = nullptr);
  bool busy() const { return busy_; }
  /// Ends the current load if every column has finished (at a cycle boundary).
  bool finish_if_done();
  const int16_t* slice(int slot, int l) const {
    return buf_[size_t(slot)].data() + size_t(l) * size_t(bw_);
  }
  /// The slot iteration n's slices land in: n % 2, or n % iter_cols when resident.
  int slot(const MvmProgram& mvm, int64_t n) const {
    return resident ? int(n % mvm.iter_cols) : int(n % 2);
  }
  bool resident = false;  // engine.sync = row-group: all of the MVM's slice sets stay
  int64_t loads = 0;
  stats::ActionCounts* actions = nullptr;  // where the loads are counted (energy/counts.h)

 private:
  int L_, width_, bw_ = 0;
  bool busy_ = false;
  std::vector<int> left_;                  // neurons still to load, per column
  std::vector<int> bank_;                  // the bank its slice is read from, per column
  std::vector<std::vector<int16_t>> buf_;  // [slot][l*bw + i]
};

}  // namespace csbrnn::sim::detailed
