#include "sim/detailed/link_fifo.h"

#include "common/error.h"

namespace csbrnn::sim::detailed {

bool Credits::available(int n, int64_t c) {
  while (!back_.empty() && back_.front() <= c) {
    back_.pop_front();
    ++credits_;
  }
  return depth_ == 0 || credits_ >= n;
}

void Credits::give_back(int n, int64_t from) {
  if (depth_ == 0) return;
  CSBRNN_ASSERT(back_.empty() || back_.back() <= from, "credits returned out of order");
  for (int i = 0; i < n; ++i) back_.push_back(from);
}

void Credits::reset() {
  credits_ = depth_;
  back_.clear();
}

void LinkFifo::start(int64_t n, int64_t c) {
  CSBRNN_ASSERT(!busy(), "link transfer started while busy");
  CSBRNN_ASSERT(width_ >= 1, "link width must be >= 1");
  (void)c;
  to_send_ = to_pop_ = n <= 0 ? 0 : (n + width_ - 1) / width_;
}

bool LinkFifo::step(int64_t c) {
  const bool credit = credits_.available(1, c);  // the credits usable from c come back first
  bool done = false;
  // the sender first: with latency 0 a flit sent in cycle c can be popped in cycle c
  if (to_send_ > 0 && credit) {
    credits_.take(1);
    --to_send_;
    ++occupancy_;
    ++flits;
    arrive_.push_back(c + latency_);
  }
  if (!arrive_.empty() && arrive_.front() <= c) {
    arrive_.pop_front();
    --occupancy_;
    credits_.give_back(1, c + latency_ + 1);
    if (--to_pop_ == 0) done = true;
  }
  return done;
}

}  // namespace csbrnn::sim::detailed
