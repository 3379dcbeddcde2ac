// Detailed timing: the BlockNeuronBuffer loader and its double buffer (one per PEGroup column l).
// A load of iteration n's slices fills half n%2 while the groups read half (n-1)%2; every column
// loader moves `engine.neuron_load_width` neurons per cycle of its own slice, and the load is
// done when every column has finished. Plain C++, stepped by the detailed engine's clock process.
#pragma once
#include <cstdint>
#include <vector>

#include "isa/program.h"
#include "isa/semantics.h"
#include "stats/actions.h"

namespace csbrnn::sim::detailed {

class BnbLoader {
 public:
  BnbLoader(int L, int width_per_cycle) : L_(L), width_(width_per_cycle), left_(size_t(L), 0) {}
  /// Starts loading the slices of iteration n (the data land in half n%2 now; the timing below
  /// says when the groups may read them).
  void start(const MvmProgram& mvm, int64_t n, const MachineBanks& banks);
  /// One clock cycle of loading.
  void step();
  bool busy() const { return busy_; }
  /// Ends the current load if every column has finished (at a cycle boundary).
  bool finish_if_done();
  const int16_t* slice(int half, int l) const {
    return buf_[size_t(half)].data() + size_t(l) * size_t(bw_);
  }
  int64_t loads = 0;
  stats::ActionCounts* actions = nullptr;  // where the loads are counted (energy/counts.h)

 private:
  int L_, width_, bw_ = 0;
  bool busy_ = false;
  std::vector<int> left_;  // neurons still to load, per column
  std::vector<int16_t> buf_[2];
};

}  // namespace csbrnn::sim::detailed
