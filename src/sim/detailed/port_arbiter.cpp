#include "sim/detailed/port_arbiter.h"

#include <algorithm>

namespace csbrnn::sim::detailed {

void RoundRobinArbiter::arbitrate(int ports, std::vector<uint8_t>& granted) {
  const int n = int(req_.size());
  granted.assign(req_.size(), 0);
  int left = ports, last = -1;
  for (int j = 0; j < n && left > 0; ++j) {
    const int i = (next_ + j) % n;
    if (!req_[size_t(i)]) continue;
    granted[size_t(i)] = 1;
    last = i;
    --left;
  }
  if (last >= 0) next_ = (last + 1) % n;
  std::fill(req_.begin(), req_.end(), uint8_t(0));
}

}  // namespace csbrnn::sim::detailed
