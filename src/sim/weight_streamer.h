// WeightStreamer: the engine's TLM-2.0 initiator that fetches the tiles and indices of streamed
// (non-resident) group images from DRAM, one transaction of <= burst_bytes per cycle on one port.
// memory.stream.outstanding = N > 0: at most N transactions in flight (a transaction issues no
// earlier than the completion of the one N before it); 0: no limit (the original streamer).
// With a DRAM model (memory.model preset or file) or the deep streamer the transactions are
// aligned to burst_bytes; the original streamer splits from the range's start.
#pragma once
#include <tlm_utils/simple_initiator_socket.h>
#include <algorithm>
#include <cstdint>
#include <deque>
#include <systemc>
#include <tlm>

#include "sim/sim_context.h"

namespace csbrnn::sim {

/// The streamer's transactions are aligned to burst_bytes with a DRAM model or either
/// memory.stream knob set (a misaligned one would touch two DRAM bursts); the original streamer
/// splits a range from its start. Shared by the fast and the detailed streamer.
inline bool stream_aligned(const MemoryConfig& m) {
  return memory_model(m) == MemoryModel::Dram || m.stream_staging_bytes > 0 ||
         m.stream_outstanding > 0;
}
/// Bytes of the transaction at `addr` with `left` bytes of its range still to fetch.
inline uint64_t stream_burst_len(uint64_t addr, uint64_t left, int burst, bool aligned) {
  return std::min<uint64_t>(uint64_t(burst) - (aligned ? addr % uint64_t(burst) : 0), left);
}

class WeightStreamer : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<WeightStreamer> isocket;
  WeightStreamer(sc_core::sc_module_name name, SimContext& ctx)
      : sc_module(name), isocket("isocket"), ctx_(ctx) {}
  /// Reads `bytes` at DRAM `addr` into `dst`; the port issues one burst per cycle from
  /// max(now, port free). Returns the cycle (absolute) when the data are in.
  int64_t fetch(uint64_t addr, uint8_t* dst, uint64_t bytes);

  // traced
  int64_t bytes_fetched = 0;
  int64_t port_free_cycle = 0;
  /// A new job (cycle 0): the port is free and nothing is in flight.
  void reset() {
    port_free_cycle = 0;
    inflight_.clear();
  }

 private:
  SimContext& ctx_;
  std::deque<int64_t> inflight_;  // completion cycles of the transactions in flight (issue order)
};

}  // namespace csbrnn::sim
