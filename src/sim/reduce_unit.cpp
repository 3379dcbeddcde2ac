#include "sim/reduce_unit.h"

#include "common/error.h"
#include "energy/counts.h"
#include "isa/semantics.h"
#include "timing/cycle_rules.h"

namespace csbrnn::sim {

using namespace sc_core;

ReduceUnit::ReduceUnit(sc_module_name name, SimContext& ctx, NeuronAccumBuffers& nab)
    : sc_module(name), ctx_(ctx), nab_(nab) {
  SC_METHOD(proc);
  sensitive << go_;
  dont_initialize();
}

void ReduceUnit::start(const MvmProgram& mvm, int a, uint32_t dst) {
  CSBRNN_ASSERT(busy == 0, name(), ": reduction started while busy");
  const int K = ctx_.hw.engine.K, L = ctx_.hw.engine.L;
  std::vector<int64_t*> row(static_cast<size_t>(L), nullptr);
  for (int k = 0; k < K; ++k) {
    const int br = a * K + k;
    if (br >= mvm.BR) break;
    for (int l = 0; l < L; ++l) row[size_t(l)] = nab_.at(a % 2, k * L + l);
    reduce_row_group(mvm, br, row, dst, ctx_.banks.acc);
    energy::count_reduce(ctx_.stats.actions, mvm, br, L);
  }
  ++reductions;
  a_ = a;
  pending_ = timing::reduce_cycles(ctx_.hw, timing::reduce_neurons(mvm, K, a));
  busy = 1;
  go_.notify(SC_ZERO_TIME);
}

void ReduceUnit::proc() {
  if (busy == 1 && pending_ > 0) {
    busy = 2;
    next_trigger(ctx_.cycles(pending_));
    return;
  }
  busy = 0;
  idle_event.notify();
  if (ctx_.row_group_reduced) ctx_.row_group_reduced(a_);
}

}  // namespace csbrnn::sim
