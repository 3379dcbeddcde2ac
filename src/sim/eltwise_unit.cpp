#include "sim/eltwise_unit.h"

#include "common/error.h"
#include "compile/semantics.h"

namespace csbrnn::sim {

using namespace sc_core;

timing::EltUnit EltwiseUnit::kind_of(Unit u) {
  switch (u) {
    case Unit::Sum1:
    case Unit::Sum2:
      return timing::EltUnit::Sum;
    case Unit::Mult1:
    case Unit::Mult2:
      return timing::EltUnit::Mult;
    case Unit::Sigmoid:
      return timing::EltUnit::Sigmoid;
    case Unit::Tanh:
      return timing::EltUnit::Tanh;
    default:
      CSBRNN_ASSERT(false, "not an element-wise unit: ", int(u));
  }
  return timing::EltUnit::Sum;
}

EltwiseUnit::EltwiseUnit(sc_module_name name, SimContext& ctx, Unit unit)
    : sc_module(name), ctx_(ctx), unit_(unit) {
  kind_of(unit);
  SC_METHOD(proc);
  sensitive << go_;
  dont_initialize();
}

void EltwiseUnit::start_section(const Section& s) {
  CSBRNN_ASSERT(!busy, name(), " started while busy");
  sec_ = s;
  busy = 1;
  go_.notify(SC_ZERO_TIME);
}

void EltwiseUnit::proc() {
  if (busy == 2) {  // last element left the pipeline
    busy = 0;
    ctx_.section_done(unit_);
    return;
  }
  exec_elementwise(sec_, ctx_.banks, ctx_.prog->fmt);
  const int64_t cyc = timing::eltwise_cycles(ctx_.hw, kind_of(unit_), sec_.count);
  elements += sec_.count;
  auto& us = ctx_.stats.units[size_t(unit_)];
  ++us.sections;
  us.busy_cycles += cyc;
  us.elements += sec_.count;
  busy = 2;
  if (cyc == 0) {
    busy = 0;
    ctx_.section_done(unit_);
  } else {
    next_trigger(ctx_.cycles(cyc));
  }
}

}  // namespace csbrnn::sim
