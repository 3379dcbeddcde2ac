#include "sim/eltwise_unit.h"

#include "common/error.h"
#include "energy/counts.h"
#include "isa/semantics.h"

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
    : sc_module(name), ctx_(ctx), unit_(unit), done_q_("done_q") {
  kind_of(unit);
  SC_METHOD(proc);
  sensitive << go_;
  dont_initialize();
  SC_METHOD(issued_proc);
  sensitive << issue_end_;
  dont_initialize();
  SC_METHOD(done_proc);
  sensitive << done_q_;
  dont_initialize();
}

void EltwiseUnit::start_section(const Section& s) {
  CSBRNN_ASSERT(!issuing_, name(), " started while issuing");
  sec_ = s;
  issuing_ = true;
  ++busy;
  go_.notify(SC_ZERO_TIME);
}

void EltwiseUnit::proc() {
  // The section's arithmetic happens at its start: its inputs are final then (the controller
  // starts a section only when what it reads is ready), and nothing reads its outputs before it
  // reports done.
  exec_elementwise(sec_, ctx_.banks, ctx_.prog->fmt);
  energy::count_elementwise(ctx_.stats.actions, sec_);
  const int64_t cyc = timing::eltwise_cycles(ctx_.hw, kind_of(unit_), sec_.count);
  const int64_t iss = timing::eltwise_issue_cycles(ctx_.hw, sec_.count);
  elements += sec_.count;
  auto& us = ctx_.stats.units[size_t(unit_)];
  ++us.sections;
  // busy: the cycles the unit holds work (issuing or in its pipeline), the union of its
  // sections' [start, start + cyc): a pipelined section overlapping the previous one's tail
  // adds only the cycles past that tail
  const sc_time now = sc_time_stamp(), end = now + ctx_.cycles(cyc);
  if (end > busy_end_) {
    const sc_time from = now > busy_end_ ? now : busy_end_;
    us.busy_cycles += int64_t(((end - from).value() + ctx_.T.value() / 2) / ctx_.T.value());
    busy_end_ = end;
  }
  us.elements += sec_.count;
  if (iss == 0)
    issued();
  else
    issue_end_.notify(ctx_.cycles(iss));
  if (cyc == 0) {
    --busy;
    ctx_.section_done(unit_);
  } else {
    done_q_.notify(ctx_.cycles(cyc));
  }
}

void EltwiseUnit::issued() {
  issuing_ = false;
  if (on_issued) on_issued(unit_);
}

void EltwiseUnit::issued_proc() {
  issued();
}

void EltwiseUnit::done_proc() {  // the oldest section's last element left the pipeline
  --busy;
  ctx_.section_done(unit_);
}

}  // namespace csbrnn::sim
