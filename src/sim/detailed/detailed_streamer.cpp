#include "sim/detailed/detailed_streamer.h"

#include <algorithm>

#include "common/error.h"
#include "sim/tlm_util.h"
#include "sim/weight_streamer.h"

namespace csbrnn::sim::detailed {

using namespace sc_core;

DetailedStreamer::DetailedStreamer(sc_module_name name, SimContext& ctx, CsbEngine& store)
    : sc_module(name), isocket("isocket"), ctx_(ctx), st_(store) {
  isocket.register_nb_transport_bw(this, &DetailedStreamer::nb_transport_bw);
}

void DetailedStreamer::reset() {
  CSBRNN_ASSERT(q_.in_flight() == 0, name(), ": reset with requests in flight");
  q_.reset(ctx_.hw.engine.groups(), ctx_.hw.memory.stream_outstanding);
  run_ = -1;
  cur_run_ = cur_n_ = 0;
  blocked_since_ = -1;
  in_flight = staged_bytes = 0;
}

void DetailedStreamer::fetch(int64_t run, int m, int64_t n, int64_t admit_wait) {
  q_.open_chunk(run, n, st_.chunk_bytes(m, n), admit_wait);
  const int burst = ctx_.hw.memory.burst_bytes;
  const bool aligned = stream_aligned(ctx_.hw.memory);
  for (int g = 0; g < ctx_.hw.engine.groups(); ++g) {
    ranges_.clear();
    ctx_.stats.groups[size_t(g)].weight_bytes_streamed += st_.stream_ranges(m, n, g, ranges_);
    for (const CsbEngine::StreamRange& r : ranges_)
      for (uint64_t off = 0, len = 0; off < r.bytes; off += len) {
        len = stream_burst_len(r.addr + off, r.bytes - off, burst, aligned);
        q_.add_burst(g, r.addr + off, r.dst + off, uint32_t(len));
      }
  }
  staged_bytes = q_.staged_bytes();
}

void DetailedStreamer::advance(int64_t now) {
  const std::vector<uint16_t>& order = st_.mvm_order();
  const int64_t R = int64_t(order.size());
  const int64_t end = R * ctx_.stats.steps;
  const int64_t cap = ctx_.hw.memory.stream_staging_bytes;
  while (cur_run_ < end) {
    const int m = order[size_t(cur_run_ % R)];
    if (cur_n_ >= st_.chunk_count(m)) {
      ++cur_run_;
      cur_n_ = 0;
      continue;
    }
    const int64_t bytes = st_.chunk_bytes(m, cur_n_);
    if (bytes == 0) {
      ++cur_n_;
      continue;
    }
    const int64_t staged = q_.staged_bytes();
    if (staged > 0 && staged + bytes > cap) {  // staging full: wait for an iteration to end
      if (blocked_since_ < 0) blocked_since_ = now;
      break;
    }
    // staging cost: the time the streamer was held back while its earlier fetches were all in
    // (while some were still in flight, admitting earlier would only have queued behind them)
    const int64_t wait =
        blocked_since_ >= 0 && q_.pending() == 0
            ? std::max<int64_t>(0, now - std::max(blocked_since_, q_.last_arrival()))
            : 0;
    fetch(cur_run_, m, cur_n_, wait);
    blocked_since_ = -1;
    ++cur_n_;
  }
}

void DetailedStreamer::begin_mvm(int m, int64_t b) {
  m_ = m;
  ++run_;
  if (!st_.any_streamed()) return;
  if (ctx_.hw.memory.stream_staging_bytes > 0) {
    const std::vector<uint16_t>& order = st_.mvm_order();
    CSBRNN_ASSERT(order.empty() || order[size_t(run_ % int64_t(order.size()))] == m,
                  "deep weight streaming: MVM runs out of program order");
    advance(b);
    return;
  }
  fetch(run_, m, 0, 0);
}

void DetailedStreamer::begin_iteration(int64_t n, int64_t) {
  if (!st_.any_streamed() || ctx_.hw.memory.stream_staging_bytes > 0) return;
  if (n + 1 < st_.chunk_count(m_)) fetch(run_, m_, n + 1, 0);
}

void DetailedStreamer::end_iteration(int64_t n, int64_t b) {
  if (!st_.any_streamed()) return;
  q_.release(run_, n);
  staged_bytes = q_.staged_bytes();
  if (ctx_.hw.memory.stream_staging_bytes > 0) advance(b);
}

int64_t DetailedStreamer::admit_wait(int64_t n) const {
  const StreamQueue::Chunk* c = q_.find(run_, n);
  return c ? c->admit_wait : 0;
}

void DetailedStreamer::issue(int64_t c) {
  if (!q_.can_issue(c)) return;
  const StreamQueue::Burst b = q_.issue(c);
  if (free_.empty()) {
    slots_.emplace_back();
    free_.push_back(&slots_.back());
  }
  Slot& s = *free_.back();
  free_.pop_back();
  s.burst = b;
  set_payload(s, tlm::TLM_READ_COMMAND, b.addr, b.dst, b.len);
  in_flight = q_.in_flight();
  tlm::tlm_phase phase = tlm::BEGIN_REQ;
  sc_time delay = SC_ZERO_TIME;  // issued now, at the start of cycle c
  const tlm::tlm_sync_enum r = isocket->nb_transport_fw(s, phase, delay);
  if (r == tlm::TLM_COMPLETED) {  // a target that answers at once (annotated delay)
    arrived(s, sc_time_stamp() + delay);
    return;
  }
  CSBRNN_ASSERT(r == tlm::TLM_ACCEPTED || (r == tlm::TLM_UPDATED && phase == tlm::END_REQ) ||
                    (r == tlm::TLM_UPDATED && phase == tlm::BEGIN_RESP),
                name(), ": unexpected answer to BEGIN_REQ");
  if (r == tlm::TLM_UPDATED && phase == tlm::BEGIN_RESP) {
    arrived(s, sc_time_stamp() + delay);
    phase = tlm::END_RESP;
    delay = SC_ZERO_TIME;
    isocket->nb_transport_fw(s, phase, delay);
  }
}

tlm::tlm_sync_enum DetailedStreamer::nb_transport_bw(tlm::tlm_generic_payload& trans,
                                                     tlm::tlm_phase& phase, sc_time& delay) {
  if (phase == tlm::END_REQ) return tlm::TLM_ACCEPTED;
  CSBRNN_ASSERT(phase == tlm::BEGIN_RESP, name(), ": unexpected phase ", phase);
  arrived(static_cast<Slot&>(trans), sc_time_stamp() + delay);
  phase = tlm::END_RESP;
  delay = SC_ZERO_TIME;
  return tlm::TLM_UPDATED;
}

void DetailedStreamer::arrived(Slot& s, const sc_time& at) {
  CSBRNN_ASSERT(s.is_response_ok(), name(), ": DRAM error at ", s.get_address());
  // the data are usable from the first cycle starting at or after their arrival
  q_.complete(s.burst, ceil_cycles(at - ctx_.origin, ctx_.T));
  in_flight = q_.in_flight();
  free_.push_back(&s);
}

}  // namespace csbrnn::sim::detailed
