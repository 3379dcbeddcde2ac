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

DetailedEltwise::DetailedEltwise(sc_module_name name, SimContext& ctx, VectorBankPorts& ports)
    : sc_module(name),
      clk("clk"),
      ctx_(ctx),
      ports_(ports),
      depth_(ctx.hw.detailed.eltwise_fifo_depth) {
  for (int u = 0; u < kUnitCount; ++u) {
    units_[size_t(u)].fam = this;
    units_[size_t(u)].u = Unit(u);
    if (is_eltwise(Unit(u)))
      st_[size_t(u)].pipe.assign(size_t(latency_of(ctx.hw, Unit(u))), Slot{});
  }
  if (ports_.enabled())
    client_ = ports_.add_client(
        [this](int64_t c, std::vector<BankArbiter::Request>& out) { collect(c, out); });
  SC_METHOD(tick);
  sensitive << clk.pos() << kick_;
  dont_initialize();
}

SectionUnit* DetailedEltwise::unit(Unit u) {
  CSBRNN_ASSERT(is_eltwise(u), "not an element-wise unit: ", int(u));
  return &units_[size_t(u)];
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
  const int lanes = ctx_.hw.eltwise.lanes;
  x.issuing = true;
  x.start = b;
  x.rd_beats = x.iss_beats = (int64_t(s.count) + lanes - 1) / lanes;
  x.nops = reads_b(s.op) ? 2 : 1;
  x.op_bank = {int8_t(s.a.bank), int8_t(s.b.bank)};
  x.got = 0;
  x.wbank = int8_t(s.dst.bank);
  x.empty_marker = x.iss_beats == 0;
  ++in_flight[size_t(u)];
  auto& us = ctx_.stats.units[size_t(u)];
  ++us.sections;
  us.elements += s.count;
  kick_.notify(SC_ZERO_TIME);  // a section of no element issues at once (settled in the kick)
}

bool DetailedEltwise::holds_work(const State& x, int64_t c) const {
  return (x.issuing && x.start <= c) || x.inq > 0 || x.in_pipe > 0 || !x.outq.empty();
}

bool DetailedEltwise::active() const {
  for (const State& x : st_)
    if (x.issuing || x.inq > 0 || x.in_pipe > 0 || !x.outq.empty()) return true;
  return false;
}

// Ready of the input FIFO as registered at the cycle's start.
bool DetailedEltwise::read_ready(const State& x, int64_t c) const {
  return x.issuing && x.start <= c && x.rd_beats > 0 && (depth_ == 0 || x.inq < depth_);
}

const DetailedEltwise::Slot* DetailedEltwise::write_candidate(const State& x) const {
  if (!x.outq.empty()) return &x.outq.front();
  if (!x.pipe.empty() && !x.pipe.back().empty()) return &x.pipe.back();
  return nullptr;
}

// The cycle's bank requests, per unit: its write (the candidate holds a beat), then its operand
// reads still missing for the beat being read. work() takes the grants in the same order.
void DetailedEltwise::collect(int64_t c, std::vector<BankArbiter::Request>& out) {
  const int first = int(out.size());
  for (int u = 0; u < kUnitCount; ++u) {
    State& x = st_[size_t(u)];
    x.req_first = int(out.size()) - first;
    const Slot* w = write_candidate(x);
    if (w && w->bank >= 0)
      out.push_back({w->bank, BankArbiter::priority(BankArbiter::kEltWrite, u)});
    if (!read_ready(x, c)) continue;
    for (int k = 0; k < x.nops; ++k)
      if (!(x.got & (1u << k)))
        out.push_back({x.op_bank[size_t(k)], BankArbiter::priority(BankArbiter::kEltRead, u)});
  }
}

void DetailedEltwise::work(int64_t c) {
  const bool arb = ports_.enabled();
  if (arb) ports_.resolve(c);
  for (int u = 0; u < kUnitCount; ++u) {
    State& x = st_[size_t(u)];
    if (!holds_work(x, c)) {
      reason[size_t(u)] = kIdle;
      continue;
    }
    ++ctx_.stats.units[size_t(u)].busy_cycles;  // a cycle with something issuing or in flight
    int k = x.req_first;
    auto granted = [&] { return !arb || ports_.granted(client_, k++); };
    // write: the output FIFO's head first, else the beat in the last stage
    if (const Slot* w = write_candidate(x)) {
      const bool data = w->bank >= 0;
      if (!data || granted()) {
        x.done += w->ends;
        if (!x.outq.empty()) {
          x.outq.pop_front();
        } else {
          x.pipe.back() = Slot{};
          --x.in_pipe;
        }
      }
    }
    // the last stage's beat, not written, moves into the output FIFO if it has room (ready)
    bool frozen = false;
    if (!x.pipe.back().empty()) {
      if (depth_ == 0 || int(x.outq.size()) < depth_) {
        x.outq.push_back(x.pipe.back());
        x.pipe.back() = Slot{};
        --x.in_pipe;
      } else {
        frozen = true;
      }
    }
    // read: the beat's missing operands, each needing its bank's grant
    bool beat_read = false;
    if (read_ready(x, c)) {
      for (int o = 0; o < x.nops; ++o)
        if (!(x.got & (1u << o)) && granted()) x.got = uint8_t(x.got | (1u << o));
      if (x.got == (1u << x.nops) - 1) {
        x.got = 0;
        --x.rd_beats;
        beat_read = true;
      }
    }
    // issue: the input FIFO's head (or the beat just read, flowing through) enters the pipeline
    bool issued = false;
    if (!frozen) {
      for (size_t i = x.pipe.size() - 1; i > 0; --i) x.pipe[i] = x.pipe[i - 1];
      x.pipe[0] = Slot{};
      if (x.inq > 0 || beat_read) {
        if (!beat_read) --x.inq;  // the head issues; a beat just read would queue behind it
        --x.iss_beats;
        x.pipe[0] = Slot{x.wbank, uint8_t(x.iss_beats == 0 ? 1 : 0)};
        ++x.in_pipe;
        issued = true;
      }
    } else if (beat_read) {
      ++x.inq;
    }
    if (issued)
      reason[size_t(u)] = kIssue;
    else if (frozen)
      reason[size_t(u)] = kWriteStall;
    else if (x.issuing && x.iss_beats > 0)
      reason[size_t(u)] = kReadWait;
    else
      reason[size_t(u)] = kDrain;
    in_fifo[size_t(u)] = int(x.inq);
    out_fifo[size_t(u)] = int(x.outq.size());
  }
}

void DetailedEltwise::settle() {
  for (int u = 0; u < kUnitCount; ++u) {
    State& x = st_[size_t(u)];
    if (x.issuing && x.iss_beats == 0) {  // last beat issued (or an empty section): accept next
      x.issuing = false;
      if (x.empty_marker) {  // a section of no element: its end goes down the pipeline alone
        x.empty_marker = false;
        if (x.pipe[0].empty()) ++x.in_pipe;
        ++x.pipe[0].ends;
      }
      if (units_[size_t(u)].on_issued) units_[size_t(u)].on_issued(Unit(u));
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
  const bool was = running_;
  running_ = active();
  if (running_ || was) {
    next_trigger();  // one more edge after the last work: the idle cycle's reasons are written
  } else {
    reason.fill(kIdle);
    next_trigger(kick_);
  }
}

}  // namespace csbrnn::sim::detailed
