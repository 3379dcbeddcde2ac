#include "sim/weight_streamer.h"

#include "common/error.h"
#include "sim/tlm_util.h"

namespace csbrnn::sim {

using namespace sc_core;

int64_t WeightStreamer::fetch(uint64_t addr, uint8_t* dst, uint64_t bytes) {
  const int64_t now = ctx_.cycle();
  int64_t issue = std::max(now, port_free_cycle);
  int64_t ready = now;
  const int burst = ctx_.hw.memory.burst_bytes;
  tlm::tlm_generic_payload tr;
  const size_t limit = size_t(ctx_.hw.memory.stream_outstanding);
  const bool aligned = stream_aligned(ctx_.hw.memory);
  for (uint64_t off = 0, len = 0; off < bytes; off += len, ++issue) {
    len = stream_burst_len(addr + off, bytes - off, burst, aligned);
    set_payload(tr, tlm::TLM_READ_COMMAND, addr + off, dst + off, unsigned(len));
    if (limit > 0)
      while (inflight_.size() >= limit) {
        issue = std::max(issue, inflight_.front());
        inflight_.pop_front();
      }
    sc_time delay = ctx_.cycles(issue - now);
    isocket->b_transport(tr, delay);
    CSBRNN_ASSERT(tr.is_response_ok(), name(), ": DRAM error at ", addr + off);
    const int64_t done = now + ceil_cycles(delay, ctx_.T);
    ready = std::max(ready, done);
    if (limit > 0) inflight_.push_back(done);
  }
  port_free_cycle = issue;
  bytes_fetched += int64_t(bytes);
  return ready;
}

}  // namespace csbrnn::sim
