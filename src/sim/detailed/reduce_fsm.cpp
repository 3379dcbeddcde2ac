#include "sim/detailed/reduce_fsm.h"

#include <algorithm>

#include "common/error.h"

namespace csbrnn::sim::detailed {

void ReduceFsm::start(int a, int64_t neurons) {
  CSBRNN_ASSERT(!busy_, "detailed reduction started while busy");
  a_ = a;
  left_ = neurons;
  tail_ = latency_;
  busy_ = true;
  ++reductions;
}

void ReduceFsm::step() {
  if (!busy_) return;
  if (left_ > 0)
    left_ -= std::min<int64_t>(left_, lanes_);
  else if (tail_ > 0)
    --tail_;
}

bool ReduceFsm::finish_if_done() {
  if (!busy_ || left_ > 0 || tail_ > 0) return false;
  busy_ = false;
  return true;
}

}  // namespace csbrnn::sim::detailed
