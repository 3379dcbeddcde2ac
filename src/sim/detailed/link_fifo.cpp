#include "sim/detailed/link_fifo.h"

#include "common/error.h"

namespace csbrnn::sim::detailed {

void LinkFifo::start(int64_t n, int64_t c) {
  CSBRNN_ASSERT(!busy(), "link transfer started while busy");
  CSBRNN_ASSERT(width_ >= 1, "link width must be >= 1");
  (void)c;
  to_send_ = to_pop_ = n <= 0 ? 0 : (n + width_ - 1) / width_;
}

bool LinkFifo::step(int64_t c) {
  while (!credit_.empty() && credit_.front() <= c) {
    credit_.pop_front();
    ++credits_;
  }
  bool done = false;
  // the sender first: with latency 0 a flit sent in cycle c can be popped in cycle c
  if (to_send_ > 0 && (depth_ == 0 || credits_ > 0)) {
    if (depth_ > 0) --credits_;
    --to_send_;
    ++occupancy_;
    ++flits;
    arrive_.push_back(c + latency_);
  }
  if (!arrive_.empty() && arrive_.front() <= c) {
    arrive_.pop_front();
    --occupancy_;
    if (depth_ > 0) credit_.push_back(c + latency_ + 1);
    if (--to_pop_ == 0) done = true;
  }
  return done;
}

}  // namespace csbrnn::sim::detailed
