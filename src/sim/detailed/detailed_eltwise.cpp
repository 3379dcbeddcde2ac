#include "sim/detailed/detailed_eltwise.h"

#include <algorithm>

#include "common/error.h"
#include "energy/counts.h"
#include "isa/semantics.h"

namespace csbrnn::sim::detailed {

using namespace sc_core;

namespace {
bool is_eltwise(Unit u) {
  return u == Unit::Sum1 || u == Unit::Sum2 || u == Unit::Mult1 || u == Unit::Mult2 ||
         u == Unit::Sigmoid || u == Unit::Tanh;
}
int latency_of(const HwConfig& hw, Unit u) {
  switch (u) {
    case Unit::Sum1:
    case Unit::Sum2:
      return hw.eltwise.lat_sum;
    case Unit::Mult1:
    case Unit::Mult2:
      return hw.eltwise.lat_mult;
    case Unit::Sigmoid:
      return hw.eltwise.lat_sigmoid;
    case Unit::Tanh:
      return hw.eltwise.lat_tanh;
    default:
      break;
  }
  CSBRNN_ASSERT(false, "not an element-wise unit: ", int(u));
  return 0;
}
}  // namespace

DetailedEltwise::DetailedEltwise(sc_module_name name, SimContext& ctx)
    : sc_module(name), clk("clk"), ctx_(ctx) {
  for (int u = 0; u < kUnitCount; ++u) {
    ports_[size_t(u)].fam = this;
    ports_[size_t(u)].u = Unit(u);
    if (is_eltwise(Unit(u))) st_[size_t(u)].pipe.assign(size_t(latency_of(ctx.hw, Unit(u))), 0);
  }
  SC_METHOD(tick);
  sensitive << clk.pos() << kick_;
  dont_initialize();
}

SectionUnit* DetailedEltwise::unit(Unit u) {
  CSBRNN_ASSERT(is_eltwise(u), "not an element-wise unit: ", int(u));
  return &ports_[size_t(u)];
}

void DetailedEltwise::start(Unit u, const Section& s) {
  State& x = st_[size_t(u)];
  CSBRNN_ASSERT(!x.issuing, name(), ": unit ", int(u), " started while issuing");
  CSBRNN_ASSERT((sc_time_stamp() - ctx_.origin).value() % ctx_.T.value() == 0,
                "element-wise section started between clock edges");
  exec_elementwise(s, ctx_.banks, ctx_.prog->fmt);
  energy::count_elementwise(ctx_.stats.actions, s);
  const int64_t b = ctx_.cycle();
  if (!running_) work_cycle_ = b;  // the family wakes up: its first cycle of work is b
  running_ = true;
  x.issuing = true;
  x.left = s.count;
  x.start = b;
  ++in_flight[size_t(u)];
  auto& us = ctx_.stats.units[size_t(u)];
  ++us.sections;
  us.elements += s.count;
  kick_.notify(SC_ZERO_TIME);  // a section of no element issues at once (settled in the kick)
}

bool DetailedEltwise::active() const {
  for (const State& x : st_)
    if (x.issuing || x.tails > 0) return true;
  return false;
}

void DetailedEltwise::work(int64_t c) {
  const int lanes = ctx_.hw.eltwise.lanes;
  for (int u = 0; u < kUnitCount; ++u) {
    State& x = st_[size_t(u)];
    if (x.tails == 0 && (!x.issuing || x.start > c)) continue;  // nothing in this cycle
    ++ctx_.stats.units[size_t(u)].busy_cycles;  // a cycle with something issuing or in flight
    if (x.tails > 0) {  // the pipeline shifts; a tail in the last stage leaves
      const int last = int(x.pipe.size()) - 1;
      if (x.pipe[size_t(last)]) {
        x.pipe[size_t(last)] = 0;
        --x.tails;
        ++x.done;
      }
      for (int i = last; i > 0; --i) x.pipe[size_t(i)] = x.pipe[size_t(i - 1)];
      x.pipe[0] = 0;
    }
    if (x.issuing && x.start <= c) x.left -= std::min<int64_t>(x.left, lanes);
  }
}

void DetailedEltwise::settle() {
  for (int u = 0; u < kUnitCount; ++u) {
    State& x = st_[size_t(u)];
    if (x.issuing && x.left == 0) {  // last elements issued: the tail enters the pipeline
      x.issuing = false;
      x.pipe[0] = 1;
      ++x.tails;
      if (ports_[size_t(u)].on_issued) ports_[size_t(u)].on_issued(Unit(u));
    }
    for (; x.done > 0; --x.done) {
      --in_flight[size_t(u)];
      ctx_.section_done(Unit(u));
    }
  }
}

void DetailedEltwise::tick() {
  const int64_t p = ctx_.cycle();
  if (running_ && p == work_cycle_ + 1) {
    work(work_cycle_);
    work_cycle_ = p;
  }
  settle();
  running_ = active();
  if (running_)
    next_trigger();
  else
    next_trigger(kick_);
}

}  // namespace csbrnn::sim::detailed
