// The machine's cycle rules: the ONE place both the analytic model (timing/analytic.*) and the
// SystemC model (sim/*) take their latencies from. docs/timing.md is the normative text.
//
// Engine, per MVM (iterations n = (a,b) in a-major, b-inner order; M(n) = makespan in tiles,
// i.e. the busiest group's load; ld(n) = neuron_load_cycles of the widest of the L slices that
// iteration n needs):
//   - the first iteration's inputs load before any issue: ld(0) cycles;
//   - iteration n lasts D(n) = max(M(n), ld(n+1)) (the next slices load underneath, double
//     buffered; ld(n+1) = 0 after the last iteration); max(0, ld(n+1) - M(n)) is input stall;
//   - after the last iteration of row-group a the pipeline drains: drain_cycles(vertical used in
//     that iteration); then that row-group's horizontal reduction runs:
//     reduce_cycles(reduce_neurons(a)), on a single reduction unit (it waits for the previous
//     reduction to finish); reduce_neurons(a) = bh x the row-group's existing block-rows
//     (min(K, BR - a K)), consumed at engine.reduce.lanes neurons per cycle;
//   - row-group a+1 starts issuing at max(end of a's drain, end of a-1's reduction) (two
//     NeuronAccumBuffer halves);
//   - the MVM ends when its last reduction ends.
// Element-wise section: eltwise_cycles(unit, count) = ceil(count/lanes) + latency(unit).
// Load/Store section with ideal memory: transfer_cycles(bytes) = ceil(bytes/burst_bytes)
// (one burst per cycle); a real DRAM (memory.ideal = false) adds latency and bandwidth limits in
// the simulator only. A word lasts as long as its longest section; words run back to back.
//
// Stream (an element-wise chain attached to an Mvm section, program.h MvmStream), pipelined
// through the element-wise units. Chunk a holds the n_a neurons completed by row-group a; empty
// chunks cost nothing. Stage instances (a, s) are taken in chunk-major order (a, then s):
//   start(a, s) = max(ready(a, s), max over the units u of stage s of free(u)), where
//   ready(a, 0) = red_end(a), ready(a, s) = done(a, s-1) (the chunk's previous stage's results);
//   done(a, s)  = start(a, s) + stream_stage_cycles(stage s, n_a) (issue + the unit latency);
//   free(u)     = start + stream_section_issue_cycles(n) of the last earlier stage instance on
//                 unit u (0 before any): an element-wise unit accepts the next instance once the
//                 previous one has been issued (ceil(n/lanes) cycles), its results still in the
//                 pipeline; the Store unit (a StoreY stage) once its transfer has ended.
// So each unit serves its stage instances in chunk-major order, one issue at a time, and chunk
// a+1's stage s can run while chunk a is in its later stages. stream end = max done(a, last
// stage); the Mvm section lasts max(engine cycles, stream end).
//
// eltwise.stream_issue = dataflow (docs/timing.md "Stream", dataflow issue): instances
// (a, s, j) = chunk a, stage s, section j; dependencies isa/stream.h stream_dependencies (same
// chunk, earlier stage, conflicting regions);
//   ready(a, s, j) = max(red_end(a), done of its dependencies);
//   a unit issues one instance at a time, free again eltwise_issue_cycles(n_a) after its start;
//   done = start + stream_section_cycles(section, n_a);
//   non-delay list schedule: at every time t, each free unit starts its highest-priority
//   ((a, s, j) ascending) instance ready at or before t.
// stream end = the last done, as above.
#pragma once
#include <cstdint>
#include <vector>

#include "config/hw_config.h"
#include "isa/program.h"

namespace csbrnn::timing {

enum class EltUnit { Sum, Mult, Sigmoid, Tanh };

int64_t neuron_load_cycles(const HwConfig& hw, int width);
int64_t drain_cycles(const HwConfig& hw, bool vertical_used);
/// A reduction of `neurons` output neurons: ceil(neurons / lanes) + latency.
int64_t reduce_cycles(const HwConfig& hw, int64_t neurons);
/// The output neurons row-group `a` of an MVM reduces: bh x its block-rows (min(K, BR - a K)).
int64_t reduce_neurons(const MvmProgram& mv, int K, int a);
int64_t eltwise_cycles(const HwConfig& hw, EltUnit u, int64_t count);
int64_t transfer_cycles(const HwConfig& hw, int64_t bytes);

// Synchronisation (engine.sync; docs/timing.md "Synchronisation"). Iteration sync is the rule at
// the top of this file. Row-group sync:
//   - every BlockNeuronBuffer holds all of its column's slices for the MVM; slice set b (the L
//     slices of block-columns b*L .. b*L+L-1, loaded in parallel) is resident from
//     ready(b) = ld(0) + ... + ld(b) cycles after the MVM start (loaded once per MVM);
//   - group g walks the iterations b = 0..B-1 of row-group a back to back: iteration b starts at
//     max(end of b-1 (row-group start R(a) for b = 0), ready(b)) and lasts load_g(a, b) cycles;
//     issue end I(a) = max over groups of their walk's end (the row-group's only barrier);
//   - drain after I(a): drain_cycles(a vertical piece issued in iteration (a, B-1)), as before;
//     reduction as before;
//   - R(a+1) = max(I(a), reduction end of a-1): the drain of a overlaps a+1's issue (the other
//     NeuronAccumBuffer half); R(0) = 0.

//
// Free sync (no barrier inside an MVM): inputs resident as in row-group sync; group g walks the
// row-groups a = 0..A-1 in order, each as in row-group sync, starting row-group a at
//   S_g(a) = max(W_g(a-1), red_end(a-2))   (S_g(0) = 0; red_end(-1) = red_end(-2) = 0)
// (its NeuronAccumBuffer half a mod 2 must have been reduced); W_g(a) = free_walk_end(S_g(a),
// loads, ready) (= S_g(a) for a group without tiles in a). Drain: row-group a's accumulators are
// final at D(a) = max_g (W_g(a) + drain_cycles(g issued a vertical tile in iteration (a, B-1)));
// reduction as before; the MVM ends at the last red_end.

/// ld(b) for b = 0..B-1: neuron_load_cycles of the widest of the L slices of slice set b.
std::vector<int64_t> slice_set_load_cycles(const HwConfig& hw, const MvmProgram& mv);
/// Row-group sync: ready(b) = ld(0) + ... + ld(b).
std::vector<int64_t> resident_ready_cycles(const std::vector<int64_t>& ld);
/// Row-group sync: the end of one group's walk through a row-group that starts at `start`, with
/// `load[b]` tiles in iteration b; `input_wait` (if given) gets the cycles it waited for inputs.
int64_t group_walk_end(int64_t start, const int64_t* load, const std::vector<int64_t>& ready,
                       int64_t* input_wait = nullptr);
/// When row-group a+1 may start issuing, given row-group a's issue end and drain end and the end
/// of row-group a-1's reduction (0 if none): iteration sync max(drain end, reduction end of a-1);
/// row-group sync max(issue end, reduction end of a-1).
int64_t next_row_group_start(const HwConfig& hw, int64_t issue_end, int64_t drain_end,
                             int64_t reduce_end_prev);

/// Free sync: when a group may start row-group a, given its walk end of a-1 (0 for a = 0) and
/// the end of row-group a-2's reduction (0 if none).
int64_t free_group_start(int64_t walk_end_prev, int64_t reduce_end_prev2);
/// Free sync: a group's walk through a row-group from `start`: group_walk_end, or `start` when
/// it has no tile in the row-group (then it waits for no input either).
int64_t free_walk_end(int64_t start, const int64_t* load, const std::vector<int64_t>& ready,
                      int64_t* input_wait = nullptr);
/// Free sync: D(a) = max over groups g of walk_end[g] + drain_cycles(vertical[g]), vertical[g]:
/// group g issued a vertical (from-up) tile in the row-group's last iteration.
int64_t free_drain_end(const HwConfig& hw, const std::vector<int64_t>& walk_end,
                       const std::vector<char>& vertical);

/// Free sync: the whole timeline of one MVM, row-group by row-group, composed from the rules
/// above (the one composition: the analytic model walks it, and the compiler's sharing.carry
/// follows it while it schedules). Times are cycles from the MVM's start.
class FreeSyncWalk {
 public:
  FreeSyncWalk(const HwConfig& hw, const MvmProgram& mv);
  /// ready(b) of the resident slice sets (resident_ready_cycles).
  const std::vector<int64_t>& ready() const { return ready_; }
  /// S_g(a) of the next row-group a for every group g (0 for a = 0).
  std::vector<int64_t> starts() const;
  /// Walks the next row-group: loads[b * G + g] tiles of group g in iteration b, vertical[g]
  /// = g issued a vertical tile in its last iteration; input_wait (if given) gets each group's
  /// wait for inputs in it.
  void step(const int64_t* loads, const std::vector<char>& vertical,
            std::vector<int64_t>* input_wait = nullptr);
  /// W_g of the row-groups walked so far.
  const std::vector<int64_t>& walk_end() const { return walk_; }
  /// D(a) and red_end(a) of the last row-group walked (0 before any).
  int64_t drain_end() const { return drain_; }
  int64_t reduce_end() const { return red_[1]; }

 private:
  const HwConfig& hw_;
  const MvmProgram& mv_;
  int B_ = 0, a_ = 0;
  size_t G_ = 0;
  std::vector<int64_t> ready_, walk_;
  int64_t drain_ = 0;
  int64_t red_[2] = {0, 0};  // red_end(a-2), red_end(a-1) of the next row-group a
};

/// The element-wise unit class of an element-wise op (BiasWb/Add/Sub/Copy: Sum).
EltUnit elt_unit_of(Op op);
/// One stream section on a chunk of n elements: eltwise_cycles(unit, n) for an element-wise unit,
/// transfer_cycles(2n) for the Store unit (a StoreY stage, eltwise.stream_store: the rule of a
/// StoreY word with ideal memory).
int64_t stream_section_cycles(const HwConfig& hw, const Section& section, int64_t n);
/// Cycles a stream section of n elements occupies its unit before the unit accepts the next:
/// eltwise_issue_cycles(n) for an element-wise unit; the whole transfer_cycles(2n) for Store.
int64_t stream_section_issue_cycles(const HwConfig& hw, const Section& section, int64_t n);
/// One stream stage on a chunk of n elements: max over its sections of stream_section_cycles.
int64_t stream_stage_cycles(const HwConfig& hw, const MacroWord& stage, int64_t n);
/// One chunk of n elements through the whole chain (0 for n = 0): stage issue, the sum of its
/// stages; dataflow issue, the longest dependency path (sum of stream_section_cycles along it).
int64_t stream_chunk_cycles(const HwConfig& hw, const MvmStream& s, int64_t n);
/// Cycles a section of n elements occupies its element-wise unit's issue: ceil(n / lanes).
int64_t eltwise_issue_cycles(const HwConfig& hw, int64_t count);
/// End of the last chunk (the pipelined rule above, or the dataflow schedule), given red_end(a)
/// (the end of every row-group's reduction, cycles from the start of the Mvm section); 0 without a
/// stream.
int64_t stream_end_cycles(const HwConfig& hw, const MvmStream& s,
                          const std::vector<int64_t>& red_end);

}  // namespace csbrnn::timing
