#include "sim/load_store_unit.h"

#include <cstring>

#include "common/error.h"
#include "energy/counts.h"
#include "sim/tlm_util.h"
#include "timing/cycle_rules.h"

namespace csbrnn::sim {

using namespace sc_core;

LoadStoreUnit::LoadStoreUnit(sc_module_name name, SimContext& ctx, Unit unit)
    : sc_module(name), isocket("isocket"), ctx_(ctx), unit_(unit) {
  SC_METHOD(proc);
  sensitive << go_;
  dont_initialize();
}

void LoadStoreUnit::start_section(const Section& s) {
  CSBRNN_ASSERT(!busy, name(), " started while busy");
  CSBRNN_ASSERT(
      (unit_ == Unit::Load && s.op == Op::LoadX) || (unit_ == Unit::Store && s.op == Op::StoreY),
      name(), " cannot run ", int(s.op));
  sec_ = s;
  energy::count_load_store(ctx_.stats.actions, s);
  busy = 1;
  go_.notify(SC_ZERO_TIME);
}

void LoadStoreUnit::finish() {
  busy = 0;
  ctx_.section_done(unit_);
  // A stream's StoreY stage: the unit accepts the next chunk's store once this one has ended
  // (timing/cycle_rules.h stream_section_issue_cycles); reported after section_done so that the
  // next store finds the unit free.
  if (on_issued) on_issued(unit_);
}

void LoadStoreUnit::proc() {
  if (busy == 2) {  // the section's last data have arrived
    finish();
    return;
  }
  const Program& p = *ctx_.prog;
  const bool load = unit_ == Unit::Load;
  const int64_t n = sec_.count;
  const uint64_t bytes = uint64_t(n) * 2;
  auto& bank = ctx_.banks.v[size_t(load ? sec_.dst.bank : sec_.a.bank)];
  const uint32_t bank_addr = load ? sec_.dst.addr : sec_.a.addr;
  CSBRNN_ASSERT(bank_addr + n <= int64_t(bank.size()), name(), ": bank range");
  const uint64_t row_elems = load ? uint64_t(p.input_size) : uint64_t(p.output_size);
  const uint32_t mem_off = load ? sec_.a.addr : sec_.dst.addr;
  CSBRNN_ASSERT(mem_off + n <= int64_t(row_elems), name(), ": DRAM row range");
  const uint64_t dram_addr =
      (load ? ctx_.x_base : ctx_.y_base) + (uint64_t(ctx_.t) * row_elems + mem_off) * 2;
  buf_.resize(bytes);
  if (!load) std::memcpy(buf_.data(), bank.data() + bank_addr, bytes);
  const int burst = ctx_.hw.memory.burst_bytes;
  sc_time done = SC_ZERO_TIME;
  tlm::tlm_generic_payload tr;
  for (uint64_t off = 0, i = 0; off < bytes; off += burst, ++i) {
    const unsigned len = unsigned(std::min<uint64_t>(burst, bytes - off));
    set_payload(tr, load ? tlm::TLM_READ_COMMAND : tlm::TLM_WRITE_COMMAND, dram_addr + off,
                buf_.data() + off, len);
    sc_time delay = ctx_.cycles(int64_t(i));  // one transaction issued per cycle
    isocket->b_transport(tr, delay);
    CSBRNN_ASSERT(tr.is_response_ok(), name(), ": DRAM error at ", dram_addr + off);
    if (delay > done) done = delay;
  }
  if (load) std::memcpy(bank.data() + bank_addr, buf_.data(), bytes);
  bytes_moved += int64_t(bytes);
  const int64_t cyc = ceil_cycles(done, ctx_.T);
  const int64_t ideal = timing::transfer_cycles(ctx_.hw, int64_t(bytes));
  if (cyc > ideal) ctx_.stats.stall_dram_cycles += cyc - ideal;
  auto& us = ctx_.stats.units[size_t(unit_)];
  ++us.sections;
  us.busy_cycles += cyc;
  us.elements += n;
  busy = 2;
  if (cyc == 0) {
    finish();
  } else {
    next_trigger(ctx_.cycles(cyc));
  }
}

}  // namespace csbrnn::sim
