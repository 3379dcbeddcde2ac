// Detailed timing: the horizontal reduction unit + ReorderLogic as a state machine. A reduction
// of row-group a covers the K block-rows of the row-group (those that exist), bh output neurons
// each, every one the sum of the L NeuronAccumBuffers of its block-row: it consumes `lanes`
// output neurons per cycle (engine.reduce.lanes, "neurons per cycle"), then its results leave the
// adder tree + reorder pipeline `engine.reduce.latency` cycles after the last ones entered.
// One reduction at a time. Plain C++, stepped by the detailed engine's clock process.
#pragma once
#include <cstdint>

namespace csbrnn::sim::detailed {

class ReduceFsm {
 public:
  ReduceFsm(int lanes, int latency) : lanes_(lanes), latency_(latency) {}
  /// Starts the reduction of `neurons` output neurons (row-group `a`).
  void start(int a, int64_t neurons);
  /// One clock cycle.
  void step();
  bool busy() const { return busy_; }
  /// True once (at a cycle boundary) when the running reduction's last results have left.
  bool finish_if_done();
  int row_group() const { return a_; }
  int64_t reductions = 0;

 private:
  int lanes_, latency_;
  bool busy_ = false;
  int a_ = 0;
  int64_t left_ = 0;  // neurons not yet consumed
  int tail_ = 0;      // pipeline cycles still to go after the last neurons entered
};

}  // namespace csbrnn::sim::detailed
