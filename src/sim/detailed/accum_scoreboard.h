// Detailed timing: the read-after-write scoreboard on the NeuronAccumBuffers
// (detailed.accum_forwarding: false). A tile's P result rows are added into the accumulator rows
// its item's index memory names (block-local rows of the NAB's block-row); the accumulate stage
// (engine.pipeline.accumulate = La cycles) reads a row in its first cycle and writes the sum at
// the end of its last. Without forwarding a read sees only writes of earlier cycles, so a tile
// may issue only when each of its rows will have been written back by the cycle its
// accumulate stage reads it. The scoreboard keeps, per NAB half, NAB and row, the first cycle
// from which the row's last write is readable ("same accumulator" = the same NAB row: tiles of
// one item's same row tile, or of two items of one NAB, local / from-left / the vertical path's,
// whose index memories name the same row). A vertical result waiting for an accumulator port
// (detailed.accum_ports) is pending until it is written: its rows wait in the NAB's queue, in
// the holding FIFO's order. Plain arrays; testable without the kernel.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <vector>

namespace csbrnn::sim::detailed {

class AccumScoreboard {
 public:
  static constexpr int64_t kPending = std::numeric_limits<int64_t>::max();
  /// G NeuronAccumBuffers of bh rows, double-buffered; every row readable from the start.
  void configure(int G, int bh);
  /// May a tile whose accumulate stage reads `rows[0..n)` of NAB (half, nab) in cycle `read`?
  bool ready(int half, int nab, const uint16_t* rows, int n, int64_t read) const;
  /// The tile's write of those rows is readable from cycle `from` (kPending: not known yet).
  void write(int half, int nab, const uint16_t* rows, int n, int64_t from);
  /// A vertical result for NAB (half, nab) enters the queue of its holding FIFO `dir` (pending
  /// until written; dir 0: from the group below, 1: from the group above, sharing.neighbours =
  /// 4); `written` takes the `count` oldest of that FIFO of NAB nab as written in cycle c.
  void queue(int half, int nab, const uint16_t* rows, int n, int dir = 0);
  void written(int nab, int count, int64_t c, int dir = 0);

 private:
  struct Pending {
    int half;
    const uint16_t* rows;
    int n;
  };
  int G_ = 0, bh_ = 0;
  std::vector<int64_t> from_;               // [(half * G + nab) * bh + row]
  std::vector<std::deque<Pending>> queue_;  // [dir * G + nab]: vertical results not yet written
  int64_t& at(int half, int nab, int row) {
    return from_[(size_t(half) * size_t(G_) + size_t(nab)) * size_t(bh_) + size_t(row)];
  }
};

}  // namespace csbrnn::sim::detailed
