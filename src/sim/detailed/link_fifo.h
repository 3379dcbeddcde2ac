// Detailed timing: one horizontal sharing link (the left neighbour's BlockNeuronBuffer -> the
// receiving PEGroup) as a finite FIFO with width, latency and credit back-pressure. A transfer
// of n input neurons is ceil(n / width) flits; the sender puts at most one flit per cycle on
// the link, and only while it holds a credit (one per FIFO entry, detailed.link_fifo_depth;
// 0 = unbounded); a flit sent in cycle t can be popped from the receiver's FIFO from cycle
// t + latency; the receiver pops one flit per cycle into its operand registers, and the
// credit of the freed entry is back at the sender latency + 1 cycles after the pop (it crosses
// the credit wire). The transfer is done in the cycle its last flit is popped (the operands
// bypass into the array: the item's first tile issues that cycle). Plain C++, stepped by the
// detailed engine's clock process; testable without the kernel.
#pragma once
#include <cstdint>
#include <deque>

namespace csbrnn::sim::detailed {

/// The sender's credit counter of a credited FIFO: `depth` credits (one per receiver entry; 0 =
/// unbounded), a credit spent per entry sent, and each freed entry's credit usable again from a
/// given cycle (it crosses the credit wire). Shared by the horizontal link (LinkFifo) and the
/// vertical link (the detailed engine's partial-sum FIFO, detailed.vlink_fifo_depth).
class Credits {
 public:
  explicit Credits(int depth) : depth_(depth), credits_(depth) {}
  /// Collects the credits usable from cycle c, then: can n entries be sent in cycle c?
  bool available(int n, int64_t c);
  void take(int n) {
    if (depth_ > 0) credits_ -= n;
  }
  /// n entries were freed; their credits are usable from cycle `from`.
  void give_back(int n, int64_t from);
  void reset();
  int depth() const { return depth_; }

 private:
  int depth_, credits_;
  std::deque<int64_t> back_;  // cycle from which each returning credit can be used (in order)
};

class LinkFifo {
 public:
  /// width: neurons per flit (>= 1); depth: FIFO entries (0 = unbounded); latency: cycles.
  LinkFifo(int width, int depth, int latency) : width_(width), latency_(latency), credits_(depth) {}
  /// Starts moving n neurons (a from-left item's inputs) at cycle c (the first flit may go in c).
  void start(int64_t n, int64_t c);
  /// Cycle c: credits come back, the receiver pops an arrived flit, the sender sends one.
  /// Returns true if the transfer's last flit was popped in cycle c.
  bool step(int64_t c);
  bool busy() const { return to_send_ > 0 || to_pop_ > 0; }
  int occupancy() const { return occupancy_; }  // flits sent and not yet popped (traced)
  int64_t flits = 0;                            // flits moved (all transfers)

 private:
  int width_, latency_;
  Credits credits_;
  int64_t to_send_ = 0, to_pop_ = 0;
  int occupancy_ = 0;
  std::deque<int64_t> arrive_;  // cycle from which each sent flit can be popped (FIFO order)
};

}  // namespace csbrnn::sim::detailed
