#include "sim/detailed/stream_queue.h"

#include <algorithm>

#include "common/error.h"

namespace csbrnn::sim::detailed {

void StreamQueue::reset(int groups, int outstanding) {
  groups_ = groups;
  limit_ = outstanding;
  queue_.clear();
  chunks_.clear();
  first_id_ = 0;
  staged_ = in_flight_ = 0;
  last_issue_ = last_arrival_ = -1;
}

void StreamQueue::open_chunk(int64_t run, int64_t n, int64_t bytes, int64_t admit_wait) {
  Chunk c;
  c.run = run;
  c.n = n;
  c.bytes = bytes;
  c.admit_wait = admit_wait;
  c.pending.assign(size_t(groups_), 0);
  c.ready.assign(size_t(groups_), 0);
  chunks_.push_back(std::move(c));
  staged_ += bytes;
}

void StreamQueue::add_burst(int g, uint64_t addr, uint8_t* dst, uint32_t len) {
  CSBRNN_ASSERT(!chunks_.empty() && g >= 0 && g < groups_, "stream burst without a chunk");
  Burst b;
  b.addr = addr;
  b.dst = dst;
  b.len = len;
  b.chunk = first_id_ + int64_t(chunks_.size()) - 1;
  b.group = g;
  ++chunks_.back().pending[size_t(g)];
  queue_.push_back(b);
}

bool StreamQueue::can_issue(int64_t c) const {
  return !queue_.empty() && c > last_issue_ && (limit_ == 0 || in_flight_ < limit_);
}

StreamQueue::Burst StreamQueue::issue(int64_t c) {
  CSBRNN_ASSERT(can_issue(c), "stream burst issued without port or credit");
  Burst b = queue_.front();
  queue_.pop_front();
  ++in_flight_;
  last_issue_ = c;
  return b;
}

void StreamQueue::complete(const Burst& b, int64_t arrival) {
  CSBRNN_ASSERT(
      in_flight_ > 0 && b.chunk >= first_id_ && b.chunk < first_id_ + int64_t(chunks_.size()),
      "stream response without a request");
  --in_flight_;
  Chunk& c = chunks_[size_t(b.chunk - first_id_)];
  --c.pending[size_t(b.group)];
  c.ready[size_t(b.group)] = std::max(c.ready[size_t(b.group)], arrival);
  last_arrival_ = std::max(last_arrival_, arrival);
}

const StreamQueue::Chunk* StreamQueue::find(int64_t run, int64_t n) const {
  for (const Chunk& c : chunks_)
    if (c.run == run && c.n == n) return &c;
  return nullptr;
}

bool StreamQueue::group_ready(int64_t run, int64_t n, int g, int64_t c) const {
  const Chunk* k = find(run, n);
  return !k || (k->pending[size_t(g)] == 0 && k->ready[size_t(g)] <= c);
}

void StreamQueue::release(int64_t run, int64_t n) {
  if (chunks_.empty() || chunks_.front().run != run || chunks_.front().n != n) return;
  CSBRNN_ASSERT(std::all_of(chunks_.front().pending.begin(), chunks_.front().pending.end(),
                            [](int p) { return p == 0; }),
                "stream chunk released before its data arrived");
  staged_ -= chunks_.front().bytes;
  chunks_.pop_front();
  ++first_id_;
}

}  // namespace csbrnn::sim::detailed
