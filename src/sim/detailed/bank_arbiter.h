// Detailed timing: the one arbiter on the vector buffer's banks (A..E, Acc, Bias; the banks of
// docs/architecture.md 5.1, each its own SRAM). Every cycle the requesters — the Load and Store
// units, the L BlockNeuronBuffer column loaders, the element-wise units' result writes and
// operand reads — ask for one access (a read or a write of up to their width) to one bank each;
// a bank serves `detailed.vector_bank_ports` accesses per cycle (0 = unbounded: every request is
// granted, the fast mode's assumption). Fixed priority, lower class first, then lower index:
//   0 Load/Store (on-chip traffic does not hold up a DRAM burst; Load beats Store on one bank),
//   1 BlockNeuronBuffer loader columns (the engine's iteration barrier waits for them),
//   2 element-wise result writes (draining a pipeline frees it),
//   3 element-wise operand reads.
// Why fixed priority and not round-robin: every requester class works for a bounded time (a
// section, a slice load), so nobody starves; a fixed order is deterministic, costs no state,
// and keeps hand-worked traces readable. Plain C++, no kernel: unit-testable alone.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

namespace csbrnn::sim::detailed {

class BankArbiter {
 public:
  static constexpr int kBanks = 7;  // A..E, Acc, Bias (Bank enum order)
  struct Request {
    int bank = 0;      // 0..kBanks-1
    int priority = 0;  // class * kClassStride + index: lower wins
  };
  static constexpr int kClassStride = 1 << 16;
  enum Class : int { kLoadStore = 0, kLoader = 1, kEltWrite = 2, kEltRead = 3 };
  static int priority(Class c, int index) { return int(c) * kClassStride + index; }

  explicit BankArbiter(int ports) : ports_(ports) {}
  int ports() const { return ports_; }
  /// One cycle: granted[i] = 1 if requests[i] won one of its bank's ports (ports 0 grants all).
  void arbitrate(const std::vector<Request>& requests, std::vector<uint8_t>& granted);
  int64_t denied = 0;  // requests that lost, all cycles

 private:
  int ports_;
  std::vector<int> order_;  // scratch
};

/// The per-cycle arbitration of the detailed machine's unit families. Each family registers a
/// callback listing its requests for a cycle from its state at that cycle's start; the first
/// family to work on cycle c calls resolve(c) (before any family has changed its state for the
/// next cycle), which polls every callback once and arbitrates; then each family reads its
/// grants in the order it listed its requests.
class VectorBankPorts {
 public:
  using Collect = std::function<void(int64_t c, std::vector<BankArbiter::Request>& out)>;
  explicit VectorBankPorts(int ports) : arb_(ports) {}
  bool enabled() const { return arb_.ports() > 0; }
  /// Registers a family; returns its client id.
  int add_client(Collect f);
  void resolve(int64_t c);
  /// Whether the k-th request client `id` listed for the resolved cycle was granted.
  bool granted(int id, int k) const { return granted_[size_t(first_[size_t(id)] + k)] != 0; }
  const BankArbiter& arbiter() const { return arb_; }

 private:
  BankArbiter arb_;
  std::vector<Collect> clients_;
  std::vector<int> first_;
  std::vector<BankArbiter::Request> req_;
  std::vector<uint8_t> granted_;
  int64_t resolved_ = -1;
};

}  // namespace csbrnn::sim::detailed
