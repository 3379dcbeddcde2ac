#include "sim/detailed/detailed_load_store.h"

#include <cstring>

#include "common/error.h"
#include "energy/counts.h"
#include "sim/tlm_util.h"

namespace csbrnn::sim::detailed {

using namespace sc_core;

DetailedLoadStore::DetailedLoadStore(sc_module_name name, SimContext& ctx, VectorBankPorts& ports)
    : sc_module(name),
      clk("clk"),
      isocket("isocket"),
      ctx_(ctx),
      bank_ports_(ports),
      own_(ports.arbiter().ports()) {
  // the other families arbitrate cycle c after it (at edge c + 1): Load/Store's requests of c
  // are the bursts it issued at edge c (first priority: granted there too)
  if (bank_ports_.enabled())
    client_ = bank_ports_.add_client([this](int64_t c, std::vector<BankArbiter::Request>& out) {
      for (int i = 0; i < 2; ++i) {
        const State& x = st_[size_t(i)];
        if (x.issued[size_t(c & 1)] == c)
          out.push_back({int(bank_of(x)), BankArbiter::priority(BankArbiter::kLoadStore, i)});
      }
    });
  ports_[0].fam = ports_[1].fam = this;
  ports_[0].u = Unit::Load;
  ports_[1].u = Unit::Store;
  SC_METHOD(tick);
  sensitive << clk.pos() << kick_;
  dont_initialize();
}

SectionUnit* DetailedLoadStore::unit(Unit u) {
  CSBRNN_ASSERT(u == Unit::Load || u == Unit::Store, "not a load/store unit: ", int(u));
  return &ports_[u == Unit::Load ? 0 : 1];
}

void DetailedLoadStore::start(Unit u, const Section& s) {
  const bool load = u == Unit::Load;
  State& x = st_[load ? 0 : 1];
  CSBRNN_ASSERT(!x.busy, name(), ": ", load ? "load" : "store", " started while busy");
  CSBRNN_ASSERT((load && s.op == Op::LoadX) || (!load && s.op == Op::StoreY), name(),
                " cannot run ", int(s.op));
  CSBRNN_ASSERT((sc_time_stamp() - ctx_.origin).value() % ctx_.T.value() == 0,
                "load/store section started between clock edges");
  const Program& p = *ctx_.prog;
  const int64_t n = s.count;
  energy::count_load_store(ctx_.stats.actions, s);
  auto& bank = ctx_.banks.v[size_t(load ? s.dst.bank : s.a.bank)];
  const uint32_t bank_addr = load ? s.dst.addr : s.a.addr;
  CSBRNN_ASSERT(bank_addr + n <= int64_t(bank.size()), name(), ": bank range");
  const uint64_t row_elems = load ? uint64_t(p.input_size) : uint64_t(p.output_size);
  const uint32_t mem_off = load ? s.a.addr : s.dst.addr;
  CSBRNN_ASSERT(mem_off + n <= int64_t(row_elems), name(), ": DRAM row range");
  x.sec = s;
  x.bytes = uint64_t(n) * 2;
  x.next = 0;
  x.dram = (load ? ctx_.x_base : ctx_.y_base) + (uint64_t(ctx_.t) * row_elems + mem_off) * 2;
  x.buf.resize(x.bytes);
  if (!load) std::memcpy(x.buf.data(), bank.data() + bank_addr, x.bytes);
  const int64_t b = ctx_.cycle();
  running_ = true;
  x.busy = true;
  x.start = b;
  x.arrive = b;
  kick_.notify(SC_ZERO_TIME);  // a section of no byte is done at once (settled in the kick)
}

bool DetailedLoadStore::issues(const State& x, int64_t c) const {
  return x.busy && x.start <= c && x.next < x.bytes && x.issued[size_t(c & 1)] != c;
}

Bank DetailedLoadStore::bank_of(const State& x) {
  return x.sec.op == Op::LoadX ? x.sec.dst.bank : x.sec.a.bank;
}

void DetailedLoadStore::issue(int64_t c) {
  const int burst = ctx_.hw.memory.burst_bytes;
  const bool arb = bank_ports_.enabled();
  if (arb) {
    req_.clear();
    for (size_t i = 0; i < 2; ++i)
      if (issues(st_[i], c))
        req_.push_back(
            {int(bank_of(st_[i])), BankArbiter::priority(BankArbiter::kLoadStore, int(i))});
    own_.arbitrate(req_, granted_);
  }
  size_t k = 0;
  for (State& x : st_) {
    if (!issues(x, c)) continue;
    if (arb && !granted_[size_t(k++)]) continue;  // Load won its bank's last port
    x.issued[size_t(c & 1)] = c;
    const bool load = x.sec.op == Op::LoadX;
    const unsigned len = unsigned(std::min<uint64_t>(uint64_t(burst), x.bytes - x.next));
    tlm::tlm_generic_payload tr;
    set_payload(tr, load ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND, x.dram + x.next,
                x.buf.data() + x.next, len);
    sc_time delay = SC_ZERO_TIME;
    isocket->b_transport(tr, delay);
    CSBRNN_ASSERT(tr.is_response_ok(), name(), ": DRAM error at ", x.dram + x.next);
    // requested now, at the start of cycle c; its data arrive `delay` later
    x.arrive = std::max(x.arrive, c + ceil_cycles(delay, ctx_.T));
    x.next += len;
  }
}

void DetailedLoadStore::settle(int64_t b) {
  for (int i = 0; i < 2; ++i) {
    State& x = st_[size_t(i)];
    if (!x.busy || x.next < x.bytes || b < x.arrive) continue;
    const Section& s = x.sec;
    const bool load = s.op == Op::LoadX;
    if (load) {
      auto& bank = ctx_.banks.v[size_t(s.dst.bank)];
      std::memcpy(bank.data() + s.dst.addr, x.buf.data(), x.bytes);
    }
    auto& us = ctx_.stats.units[size_t(load ? Unit::Load : Unit::Store)];
    ++us.sections;
    us.busy_cycles += b - x.start;
    // stalls.dram_cycles: the section took longer than its bursts, one per cycle (an ideal
    // memory's data arrive in the cycle after the request)
    const int64_t burst = ctx_.hw.memory.burst_bytes;
    const int64_t bursts = (int64_t(x.bytes) + burst - 1) / burst;
    if (b - x.start > bursts) ctx_.stats.stall_dram_cycles += b - x.start - bursts;
    us.elements += s.count;
    x.busy = false;
    const Unit u = load ? Unit::Load : Unit::Store;
    ctx_.section_done(u);
    // A stream's StoreY stage: this unit holds one section at a time, so it accepts the next
    // chunk's store only now that its last burst has arrived (its own busy state; reported after
    // section_done so that the next store finds it free).
    if (ports_[size_t(i)].on_issued) ports_[size_t(i)].on_issued(u);
  }
}

void DetailedLoadStore::tick() {
  const int64_t p = ctx_.cycle();
  if (running_) issue(p);
  settle(p);
  running_ = st_[0].busy || st_[1].busy;
  if (running_)
    next_trigger();
  else
    next_trigger(kick_);
}

}  // namespace csbrnn::sim::detailed
