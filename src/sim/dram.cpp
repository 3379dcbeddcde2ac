#include "sim/dram.h"

#include <cmath>
#include <cstring>

#include "common/error.h"
#include "config/dram_params.h"

namespace csbrnn::sim {

using namespace sc_core;

Dram::Dram(sc_module_name name, SimContext& ctx) : sc_module(name), tsocket("tsocket"), ctx_(ctx) {
  tsocket.register_b_transport(this, &Dram::b_transport);
  tsocket.register_transport_dbg(this, &Dram::transport_dbg);
}

uint8_t* Dram::data(uint64_t addr, uint64_t len) {
  CSBRNN_ASSERT(addr + len <= mem_.size(), "DRAM access [", addr, ",", addr + len, ") beyond ",
                mem_.size(), " bytes");
  return mem_.data() + addr;
}

void Dram::b_transport(int, tlm::tlm_generic_payload& trans, sc_time& delay) {
  const sc_time ready = serve(trans, sc_time_stamp() + delay);
  if (trans.is_response_ok()) delay = ready - sc_time_stamp();
}

sc_time Dram::serve(tlm::tlm_generic_payload& trans, const sc_time& t_req) {
  const uint64_t addr = trans.get_address();
  const unsigned len = trans.get_data_length();
  if (addr + len > mem_.size()) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return t_req;
  }
  if (trans.is_write())
    std::memcpy(mem_.data() + addr, trans.get_data_ptr(), len);
  else
    std::memcpy(trans.get_data_ptr(), mem_.data() + addr, len);
  const MemoryConfig& m = ctx_.hw.memory;
  sc_time ready;
  if (m.ideal) {
    const int64_t bursts = (int64_t(len) + m.burst_bytes - 1) / m.burst_bytes;
    ready = t_req + ctx_.cycles(bursts);
  } else if (timing_) {
    const double tck_ps = timing_->params().tck_ns * 1000;
    const double req_ps = double((t_req - ctx_.origin).value()) / double(sc_time(1, SC_PS).value());
    const int64_t req_ck = int64_t(std::ceil(req_ps / tck_ps - 1e-9));
    const int64_t done_ck = timing_->issue(trans.get_address(), len, trans.is_write(), req_ck);
    ready = ctx_.origin + sc_time(std::ceil(double(done_ck) * tck_ps), SC_PS);
    if (ready < t_req) ready = t_req;
    busy_until_cycle = ceil_cycles(ready - ctx_.origin, ctx_.T);
    ctx_.stats.dram = timing_->counts();
  } else {
    const sc_time xfer(double(len) / m.dram_bandwidth_gbps, SC_NS);  // GB/s == bytes/ns
    const sc_time start = t_req > busy_until_ ? t_req : busy_until_;
    busy_until_ = start + xfer;
    ready = busy_until_ + sc_time(m.dram_latency_ns, SC_NS);
    busy_until_cycle = ceil_cycles(busy_until_, ctx_.T);
  }
  ++transactions;
  ++ctx_.stats.dram_transactions;
  (trans.is_write() ? ctx_.stats.dram_bytes_written : ctx_.stats.dram_bytes_read) += len;
  if (!timing_)  // a preset's counts (bursts of its own size) come from its timing model above
    (trans.is_write() ? ctx_.stats.dram.write_bursts : ctx_.stats.dram.read_bursts) +=
        (int64_t(len) + m.burst_bytes - 1) / m.burst_bytes;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
  return ready;
}

void Dram::reset_timing() {
  busy_until_ = sc_time_stamp();
  const MemoryConfig& m = ctx_.hw.memory;
  if (memory_model(m) == MemoryModel::Dram) {
    if (!timing_ || timing_model_ != m.model) {
      timing_ = std::make_unique<DramTiming>(resolve_dram_model(m.model));
      timing_model_ = m.model;
    }
    timing_->reset();
  } else {
    timing_.reset();
    timing_model_.clear();
  }
  // one burst read on an idle memory, in engine cycles (the latency part of a weight stall)
  const double T_ns = ctx_.T.to_seconds() * 1e9;
  if (timing_)
    ctx_.dram_unloaded_cycles = int64_t(std::ceil(
        double(timing_->unloaded_read_cycles()) * timing_->params().tck_ns / T_ns - 1e-9));
  else if (m.ideal)
    ctx_.dram_unloaded_cycles = 1;
  else
    ctx_.dram_unloaded_cycles = int64_t(std::ceil(
        (double(m.burst_bytes) / m.dram_bandwidth_gbps + m.dram_latency_ns) / T_ns - 1e-9));
}

unsigned Dram::transport_dbg(int, tlm::tlm_generic_payload& trans) {
  const uint64_t addr = trans.get_address();
  const unsigned len = trans.get_data_length();
  if (addr + len > mem_.size()) return 0;
  if (trans.is_write())
    std::memcpy(mem_.data() + addr, trans.get_data_ptr(), len);
  else
    std::memcpy(trans.get_data_ptr(), mem_.data() + addr, len);
  return len;
}

}  // namespace csbrnn::sim
