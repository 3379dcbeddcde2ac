// Detailed timing: the weight streamer's bookkeeping as a plain class (no SystemC; tests drive
// it directly). Chunks are the streamed bytes of one (MVM run, iteration), split per group into
// DRAM transactions (bursts) in fetch order; the streamer's single port issues the queued bursts
// one per cycle, at most `outstanding` of them in flight (0 = no limit); a burst is complete
// when its response has arrived (arrival cycle: its data are usable from that cycle on). A
// group may start an iteration when every burst of its part of the iteration's chunk has
// arrived. A chunk's bytes hold the staging buffer from its admission until its iteration ends
// (release).
#pragma once
#include <cstdint>
#include <deque>
#include <vector>

namespace csbrnn::sim::detailed {

class StreamQueue {
 public:
  struct Burst {
    uint64_t addr = 0;
    uint8_t* dst = nullptr;
    uint32_t len = 0;
    int64_t chunk = 0;  // the chunk's id (admission order)
    int group = 0;
  };
  struct Chunk {
    int64_t run = 0, n = 0, bytes = 0;
    int64_t admit_wait = 0;      // cycles the chunk waited for staging space (a stall cause)
    std::vector<int> pending;    // per group: bursts not yet arrived
    std::vector<int64_t> ready;  // per group: the last arrival so far
  };
  /// A new job: nothing queued, in flight or staged; `outstanding` 0 = no limit.
  void reset(int groups, int outstanding);
  /// Admits a chunk (appended); its bursts follow with add_burst.
  void open_chunk(int64_t run, int64_t n, int64_t bytes, int64_t admit_wait);
  /// Queues a burst of the last admitted chunk for group g.
  void add_burst(int g, uint64_t addr, uint8_t* dst, uint32_t len);
  /// A burst may issue in cycle c: one queued, the port free in c, a credit left.
  bool can_issue(int64_t c) const;
  /// Issues the oldest queued burst in cycle c (can_issue(c) must hold).
  Burst issue(int64_t c);
  /// The response of `b` arrived: its data are usable from cycle `arrival`.
  void complete(const Burst& b, int64_t arrival);
  /// The admitted chunk of (run, n), or null (none admitted: nothing streamed in it).
  const Chunk* find(int64_t run, int64_t n) const;
  /// Group g's part of chunk (run, n) is usable in cycle c (true when it has none).
  bool group_ready(int64_t run, int64_t n, int g, int64_t c) const;
  /// The iteration (run, n) ended: its chunk (the oldest) leaves the staging buffer.
  void release(int64_t run, int64_t n);
  int64_t staged_bytes() const { return staged_; }
  int64_t queued() const { return int64_t(queue_.size()); }
  int64_t in_flight() const { return in_flight_; }
  /// Bursts admitted whose data have not arrived (queued or in flight).
  int64_t pending() const { return int64_t(queue_.size()) + in_flight_; }
  /// The latest arrival of any burst so far (-1: none).
  int64_t last_arrival() const { return last_arrival_; }

 private:
  int groups_ = 0, limit_ = 0;
  std::deque<Burst> queue_;
  std::deque<Chunk> chunks_;
  int64_t first_id_ = 0;  // id of chunks_.front()
  int64_t staged_ = 0, in_flight_ = 0, last_issue_ = -1, last_arrival_ = -1;
};

}  // namespace csbrnn::sim::detailed
