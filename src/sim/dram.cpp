#include "sim/dram.h"

#include <cstring>

#include "common/error.h"

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
  const uint64_t addr = trans.get_address();
  const unsigned len = trans.get_data_length();
  if (addr + len > mem_.size()) {
    trans.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
    return;
  }
  if (trans.is_write())
    std::memcpy(mem_.data() + addr, trans.get_data_ptr(), len);
  else
    std::memcpy(trans.get_data_ptr(), mem_.data() + addr, len);
  const MemoryConfig& m = ctx_.hw.memory;
  const sc_time t_req = sc_time_stamp() + delay;
  sc_time ready;
  if (m.ideal) {
    const int64_t bursts = (int64_t(len) + m.burst_bytes - 1) / m.burst_bytes;
    ready = t_req + ctx_.cycles(bursts);
  } else {
    const sc_time xfer(double(len) / m.dram_bandwidth_gbps, SC_NS);  // GB/s == bytes/ns
    const sc_time start = t_req > busy_until_ ? t_req : busy_until_;
    busy_until_ = start + xfer;
    ready = busy_until_ + sc_time(m.dram_latency_ns, SC_NS);
    busy_until_cycle = ceil_cycles(busy_until_, ctx_.T);
  }
  delay = ready - sc_time_stamp();
  ++transactions;
  ++ctx_.stats.dram_transactions;
  (trans.is_write() ? ctx_.stats.dram_bytes_written : ctx_.stats.dram_bytes_read) += len;
  (trans.is_write() ? ctx_.stats.dram.write_bursts : ctx_.stats.dram.read_bursts) +=
      (int64_t(len) + m.burst_bytes - 1) / m.burst_bytes;
  trans.set_response_status(tlm::TLM_OK_RESPONSE);
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
