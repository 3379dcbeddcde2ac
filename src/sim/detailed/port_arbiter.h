// Detailed timing: the read ports of one BlockNeuronBuffer (detailed.input_ports) and their
// round-robin arbiter. The requesters are the K groups of the buffer's column (local and from-up
// tiles read their inputs there) and the K horizontal receivers in the column to its right
// (from-left tiles read the giver's buffer through the link); each cycle the arbiter grants up to
// `ports` of the requests, scanning from the requester after the last one it granted (so a
// requester waits at most ceil(n / ports) - 1 cycles). Plain C++; testable without the kernel.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace csbrnn::sim::detailed {

class RoundRobinArbiter {
 public:
  explicit RoundRobinArbiter(int requesters = 0) : req_(size_t(requesters), 0) {}
  void request(int i) { req_[size_t(i)] = 1; }
  bool requested(int i) const { return req_[size_t(i)] != 0; }
  /// requested(i), false past the requesters (the left receivers exist with 4 neighbours only).
  bool requested_any(int i) const { return size_t(i) < req_.size() && req_[size_t(i)] != 0; }
  /// Grants up to `ports` of this cycle's requests (granted[i] = 1), clears the requests.
  void arbitrate(int ports, std::vector<uint8_t>& granted);
  int next() const { return next_; }  // the requester the next scan starts from

 private:
  std::vector<uint8_t> req_;
  int next_ = 0;
};

}  // namespace csbrnn::sim::detailed
