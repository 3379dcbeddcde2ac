// DRAM: a TLM-2.0 target (b_transport, loosely timed) holding X, Y and streamed weights.
// Timing by memory.model: ideal (memory.ideal = true) -> a transaction of n bytes is ready
// ceil(n/burst_bytes) cycles after it is requested (one burst per cycle: the analytic transfer
// rule). simple -> one shared channel: a transaction occupies bytes / dram_bandwidth_gbps ns of
// channel time (serialised with earlier ones) and its data arrive dram_latency_ns after its
// transfer ends. A DRAM preset or file -> DramTiming (sim/dram_timing.h: banks, row buffers,
// FR-FCFS, JEDEC timings, refresh) in its own controller clock: the request time is rounded up
// to a controller cycle, the completion converted back to simulation time (the initiators round
// it up to engine cycles). Swapping in another DRAM model (DRAMSys) = binding its target socket
// where this module's is (Top), docs/simulator.md "DRAM model".
#pragma once
#include <tlm_utils/multi_passthrough_target_socket.h>
#include <cstdint>
#include <memory>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/dram_timing.h"
#include "sim/sim_context.h"

namespace csbrnn::sim {

class Dram : public sc_core::sc_module {
 public:
  /// One port per initiator (load unit, store unit, weight streamer).
  tlm_utils::multi_passthrough_target_socket<Dram> tsocket;

  Dram(sc_core::sc_module_name name, SimContext& ctx);
  void resize(uint64_t bytes) { mem_.assign(bytes, 0); }
  /// A new job: the channel is free; a DRAM preset is (re)loaded from the job's config with its
  /// banks closed and its counters at 0.
  void reset_timing();
  uint64_t size() const { return mem_.size(); }
  /// Serves one transaction requested at `t_req` (absolute): moves its data and returns the
  /// time its data are in (the timing above). The loosely timed b_transport and the
  /// approximately timed front end (sim/dram_at.h) both call it.
  sc_core::sc_time serve(tlm::tlm_generic_payload& trans, const sc_core::sc_time& t_req);
  /// Untimed access (the host's debug path and result read-back).
  uint8_t* data(uint64_t addr, uint64_t len);

  // traced
  int64_t busy_until_cycle = 0, transactions = 0;

 private:
  void b_transport(int port, tlm::tlm_generic_payload& trans, sc_core::sc_time& delay);
  unsigned transport_dbg(int port, tlm::tlm_generic_payload& trans);
  SimContext& ctx_;
  std::vector<uint8_t> mem_;
  sc_core::sc_time busy_until_ = sc_core::SC_ZERO_TIME;
  std::unique_ptr<DramTiming> timing_;  // memory.model preset or file; null for ideal / simple
  std::string timing_model_;            // the model timing_ was built for
};

}  // namespace csbrnn::sim
