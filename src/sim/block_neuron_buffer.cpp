#include "sim/block_neuron_buffer.h"

#include <algorithm>

#include "common/error.h"
#include "energy/counts.h"
#include "isa/semantics.h"
#include "timing/cycle_rules.h"

namespace csbrnn::sim {

using namespace sc_core;

BlockNeuronBuffers::BlockNeuronBuffers(sc_module_name name, SimContext& ctx)
    : sc_module(name), ctx_(ctx), L_(ctx.hw.engine.L) {
  SC_METHOD(proc);
  sensitive << go_;
  dont_initialize();
}

int64_t BlockNeuronBuffers::cycles_for(const MvmProgram& mvm, int64_t n) const {
  const int b = int(n % mvm.iter_cols);
  int width = 0;
  for (int l = 0; l < L_; ++l) {
    const int bc = b * L_ + l;
    if (bc < mvm.BC) width = std::max(width, int(mvm.col_slices[size_t(bc)].width));
  }
  return timing::neuron_load_cycles(ctx_.hw, width);
}

void BlockNeuronBuffers::start_load(const MvmProgram& mvm, int64_t n, std::function<void()> done) {
  CSBRNN_ASSERT(!loading, name(), ": load started while loading");
  bw_ = mvm.bw;
  auto& half = buf_[size_t(n % 2)];
  half.resize(size_t(L_) * size_t(bw_));
  const int b = int(n % mvm.iter_cols);
  load_bnb_iteration(mvm, b, L_, ctx_.banks, half.data());
  energy::count_bnb_iteration(ctx_.stats.actions, mvm, b, L_);
  ++loads;
  done_ = std::move(done);
  pending_cycles_ = cycles_for(mvm, n);
  loading = 1;
  go_.notify(SC_ZERO_TIME);
}

void BlockNeuronBuffers::proc() {
  if (loading == 1 && pending_cycles_ > 0) {
    loading = 2;
    next_trigger(ctx_.cycles(pending_cycles_));
    return;
  }
  loading = 0;
  auto d = std::move(done_);
  d();
}

}  // namespace csbrnn::sim
