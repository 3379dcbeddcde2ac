#include "sim/block_neuron_buffer.h"

#include <algorithm>

#include "common/error.h"
#include "energy/counts.h"
#include "isa/semantics.h"
#include "timing/cycle_rules.h"

namespace csbrnn::sim {

using namespace sc_core;

BlockNeuronBuffers::BlockNeuronBuffers(sc_module_name name, SimContext& ctx)
    : sc_module(name), ctx_(ctx), L_(ctx.hw.engine.L), buf_(2) {
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
  resident_ = false;
  if (buf_.size() < 2) buf_.resize(2);
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

void BlockNeuronBuffers::load_all(const MvmProgram& mvm, int64_t cycles) {
  CSBRNN_ASSERT(!loading, name(), ": load started while loading");
  bw_ = mvm.bw;
  resident_ = true;
  if (buf_.size() < size_t(mvm.iter_cols)) buf_.resize(size_t(mvm.iter_cols));
  for (int b = 0; b < mvm.iter_cols; ++b) {
    auto& s = buf_[size_t(b)];
    s.resize(size_t(L_) * size_t(bw_));
    load_bnb_iteration(mvm, b, L_, ctx_.banks, s.data());
    energy::count_bnb_iteration(ctx_.stats.actions, mvm, b, L_);
  }
  ++loads;
  done_ = [] {};
  pending_cycles_ = cycles;
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
