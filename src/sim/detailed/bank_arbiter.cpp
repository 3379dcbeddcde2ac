#include "sim/detailed/bank_arbiter.h"

#include <algorithm>
#include <array>

#include "common/error.h"

namespace csbrnn::sim::detailed {

void BankArbiter::arbitrate(const std::vector<Request>& requests, std::vector<uint8_t>& granted) {
  granted.assign(requests.size(), 1);
  if (ports_ <= 0) return;
  order_.resize(requests.size());
  for (size_t i = 0; i < requests.size(); ++i) order_[i] = int(i);
  std::stable_sort(order_.begin(), order_.end(), [&](int x, int y) {
    return requests[size_t(x)].priority < requests[size_t(y)].priority;
  });
  std::array<int, kBanks> used{};
  for (int i : order_) {
    const int b = requests[size_t(i)].bank;
    CSBRNN_ASSERT(b >= 0 && b < kBanks, "vector bank arbiter: bank ", b);
    if (used[size_t(b)] < ports_) {
      ++used[size_t(b)];
    } else {
      granted[size_t(i)] = 0;
      ++denied;
    }
  }
}

int VectorBankPorts::add_client(Collect f) {
  clients_.push_back(std::move(f));
  first_.push_back(0);
  return int(clients_.size()) - 1;
}

void VectorBankPorts::resolve(int64_t c) {
  if (c == resolved_) return;
  resolved_ = c;
  req_.clear();
  for (size_t i = 0; i < clients_.size(); ++i) {
    first_[i] = int(req_.size());
    clients_[i](c, req_);
  }
  arb_.arbitrate(req_, granted_);
}

}  // namespace csbrnn::sim::detailed
