// The CSB-Engine: K x L PEGroups, their BlockNeuronBuffers, NeuronAccumBuffers, WeightBuffers,
// the sharing links, the horizontal reduction, and the weight streamer. One SC_METHOD runs the
// engine's iteration sequence as event timing (docs/simulator.md "Engine timing"):
//   MVM start:     slices of iteration 0 load (ld(0) cycles) [+ weight fetch of streamed groups]
//   iteration n:   every group issues its tiles (its own SC_METHOD, `load` cycles) while the
//                  slices of n+1 load; the barrier releases when all groups and the loader are
//                  done: D(n) = max(M(n), ld(n+1)) with ideal memory;
//   row-group end: pipeline drain (drain_cycles), then the reduction unit (waits for the
//                  previous reduction), while the next row-group starts issuing;
//   MVM end:       when the last reduction has finished.
// With engine.sync = row-group (docs/simulator.md "Row-group sync") the BlockNeuronBuffers hold
// all slices of the MVM (loaded once, slice set b resident from ready(b)); one activation per
// row-group a: every group walks iterations b = 0..B-1 back to back (timing::group_walk_end),
// the only barrier is the row-group's issue end I(a); its drain and reduction overlap the next
// row-group, which starts at max(I(a), end of a-1's reduction). One more SC_METHOD runs the
// reductions in row-group order (each at max(drain end, previous reduction end)).
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <systemc>
#include <vector>

#include "sim/block_neuron_buffer.h"
#include "sim/neuron_accum_buffer.h"
#include "sim/pe_group.h"
#include "sim/reduce_unit.h"
#include "sim/sharing_links.h"
#include "sim/sim_context.h"
#include "sim/weight_buffer.h"
#include "sim/weight_streamer.h"

namespace csbrnn::sim {

class CsbEngine : public sc_core::sc_module, public SectionUnit {
 public:
  SC_HAS_PROCESS(CsbEngine);
  CsbEngine(sc_core::sc_module_name name, SimContext& ctx);

  void start_section(const Section& s) override;
  /// Sizes the weight buffers for `prog` and decides residency; returns per (m, g) whether
  /// streamed. Called by the Top before the host writes the images.
  void place_images(const Program& prog);

  std::vector<std::unique_ptr<WeightBuffer>> wbuf;  // K*L
  std::vector<std::unique_ptr<PeGroup>> groups;     // K*L
  BlockNeuronBuffers bnb;
  NeuronAccumBuffers nab;
  SharingLinks links;
  ReduceUnit reduce;
  WeightStreamer streamer;
  /// DRAM byte address of streamed image (m, g) (weights, then index), set by the Top.
  std::vector<std::vector<uint64_t>> stream_addr;

  /// A micro-item with its tile and MAC counts, flattened at program load so that an
  /// iteration's items of a group are one contiguous run (no per-iteration lookups/divisions).
  struct FlatItem {
    MicroItem item;
    int64_t tiles = 0;
    uint64_t macs = 0;
  };
  struct FlatItems {
    const FlatItem* first;
    const FlatItem* last;
  };
  /// Items of group g in iteration n of MVM m (the detailed engine reads them too).
  FlatItems items(int m, int64_t n, int g) const {
    const FlatMvm& f = flat_[size_t(m)];
    const size_t x = size_t(n) * size_t(G_) + size_t(g);
    return {f.items.data() + f.start[x], f.items.data() + f.start[x + 1]};
  }
  /// One DRAM range of a streamed image: `bytes` at `addr` into the group's image at `dst`.
  struct StreamRange {
    uint64_t addr = 0;
    uint8_t* dst = nullptr;
    uint64_t bytes = 0;
  };
  /// The ranges group g fetches for iteration n of MVM m, in fetch order (per item its tiles
  /// then its indices; with memory.stream.staging_bytes > 0 coalesced: the contiguous tile runs,
  /// then the index runs); returns the group's streamed bytes (0 and no range when resident).
  /// The fast and the detailed streamer fetch the same ranges.
  int64_t stream_ranges(int m, int64_t n, int g, std::vector<StreamRange>& out);
  /// Deep streaming's chunk sizes: the streamed bytes of all groups in iteration n of MVM m.
  int64_t chunk_bytes(int m, int64_t n) const { return chunk_bytes_[size_t(m)][size_t(n)]; }
  int64_t chunk_count(int m) const { return int64_t(chunk_bytes_[size_t(m)].size()); }
  /// The Mvm sections of a timestep in word order (deep streaming fetches in this order).
  const std::vector<uint16_t>& mvm_order() const { return mvm_order_; }
  /// Some image of the installed program streams from DRAM (exceeds its WeightBuffer).
  bool any_streamed() const { return any_streamed_; }
  /// Iterations of the current MVM.
  int64_t iterations() const { return n_total_; }
  /// Items of group g in iteration n of the current MVM (empty items dropped).
  FlatItems items(int64_t n, int g) const {
    const FlatMvm& f = flat_[size_t(m_)];
    const size_t x = size_t(n) * size_t(G_) + size_t(g);
    return {f.items.data() + f.start[x], f.items.data() + f.start[x + 1]};
  }

  // called by the parts
  void group_done();
  int current_mvm() const { return m_; }
  const MvmProgram& mvm() const { return ctx_.prog->mvms[size_t(m_)]; }

  /// Per-group barrier reports (one activation per group per iteration) instead of one for
  /// all; set when a VCD traces the groups' `busy`. Cycles are the same either way.
  bool group_events = false;

  // traced (top.engine.state; docs/simulator.md "VCD"):
  //   0 idle (no Mvm section);
  //   1 section accepted: lasts one delta cycle at the section's start (proc() then starts the
  //     first load), so a VCD, sampled once per time step, never shows it;
  //   6 first load: waiting ld(0) cycles for iteration 0's BlockNeuronBuffer slices (streamed
  //     tiles of iteration 0 are fetched meanwhile; waiting for them is the groups' weight stall);
  //   2 issue: an iteration's tiles issue (its barrier has not released);
  //   3 drain: after a row-group's last iteration, the pipeline drains;
  //   4 wait reduction: drained, but the reduction unit is still busy with the previous
  //     row-group;
  //   5 final reduction: the last row-group's reduction; the section ends with it.
  // The values are part of the VCD output, so they are not renumbered into issue order.
  int state = 0;
  int64_t iteration = 0, row_group = 0, block_col = 0;

 private:
  void proc();
  void groups_proc();
  // row-group sync (engine.sync = row-group)
  bool rg() const { return inputs_resident(ctx_.hw.engine.sync); }
  bool free_sync() const { return ctx_.hw.engine.sync == SyncMode::Free; }
  void rg_proc();   // the engine's part of proc() in row-group sync
  void rg_begin();  // row-group rg_a_ starts issuing now
  /// Busy intervals (and the VCD's `busy`) of group g's walk from `start` over `load` (per
  /// iteration of the row-group), row-group and free sync.
  void record_walk(int g, int64_t start, const std::vector<int64_t>& load);
  void rg_end();          // its issue end I(a): stats, its drain and reduction queued
  void rg_reduce_proc();  // the reductions, in row-group order
  // free sync (engine.sync = free): row-group rg_a_ is taken on when its first group may start
  // (min_g S_g(a)); every group's walk from its own S_g(a), its drain end D(a) queued at once
  void free_begin();
  void free_finish();  // the MVM's per-group idle and input stall
  struct PendingReduce {
    int a = 0;
    int64_t drain_end = 0;  // absolute cycle
  };
  std::deque<PendingReduce> rg_red_;
  std::vector<int64_t> rg_ready_;  // ready(b), cycles after the section start
  int rg_a_ = 0;
  int64_t rg_start_ = 0,
          rg_reduced_ = 0;           // R(a) (absolute; free: I(a-1), relative); reductions done
  bool rg_reducing_ = false;         // a reduction started by rg_reduce_proc runs
  std::vector<int64_t> rg_red_end_;  // red_end(a), cycles after the section start
  std::vector<int64_t> fr_W_, fr_busy_, fr_wait_;  // free sync, per group: W_g(a), MVM sums
  sc_core::sc_event rg_red_kick_, rg_reduced_ev_;
  void begin_iteration();
  void end_iteration();
  void fetch_weights(int m, int64_t n, std::vector<int64_t>& ready);
  // Deep streaming (memory.stream.staging_bytes > 0): chunks = (MVM run, iteration), fetched in
  // execution order while the staging buffer holds them; freed when their iteration ends.
  bool deep() const { return ctx_.hw.memory.stream_staging_bytes > 0; }
  void stream_advance();
  void take_chunk();  // ready_cur_ / admit_wait_cur_ of the current (run, iteration)
  struct Chunk {
    int64_t run = 0, n = 0, bytes = 0, admit_wait = 0;
    std::vector<int64_t> ready;
  };
  SimContext& ctx_;
  int K_, L_, G_;
  sc_core::sc_event go_, wake_, groups_done_;
  Section sec_;
  int m_ = 0;
  int64_t n_ = 0, n_total_ = 0;
  int waiting_ = 0;
  enum class Next { StartIter, EndIter, DrainDone, Finish } next_ = Next::StartIter;
  int64_t section_start_ = 0, iter_start_ = 0, issue_sum_ = 0;
  struct FlatMvm {
    std::vector<uint32_t> start;  // iterations*G + 1 offsets into items
    std::vector<FlatItem> items;
    std::vector<uint8_t> vertical;  // per row-group: a vertical piece issues in its last iteration
  };
  std::vector<FlatMvm> flat_;                    // per MVM of the installed program
  std::vector<int64_t> ready_cur_, ready_next_;  // streamed weights ready cycle per group
  bool any_streamed_ = false;
  // deep streaming state
  std::vector<uint16_t> mvm_order_;                // Mvm sections of a timestep, in word order
  std::vector<std::vector<int64_t>> chunk_bytes_;  // [m][n]: streamed bytes of all groups
  std::deque<Chunk> chunks_;                       // fetched, not yet consumed (oldest first)
  int64_t run_ = -1, cur_run_ = 0, cur_n_ = 0;     // current MVM run; next chunk to fetch
  int64_t staged_ = 0, blocked_since_ = -1;
  int64_t stream_done_ = 0;     // when the fetches issued so far are all in
  int64_t admit_wait_cur_ = 0;  // cycles the current chunk waited for staging space
};

}  // namespace csbrnn::sim
