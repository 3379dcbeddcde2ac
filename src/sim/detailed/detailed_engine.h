// Detailed timing (sim.timing = detailed): the CSB-Engine as clocked state machines. One
// SC_METHOD on the clock's rising edge steps the whole unit family (PEGroups, BlockNeuronBuffer
// loader, barrier, drain, reduction); the state lives in plain arrays, and a group that is idle
// by its own state (no tile left, empty pipeline) is skipped. Nothing here uses the cycle rules
// of src/timing: the cycles come from these state machines, which read only latency and width
// knobs (docs/simulator.md "Detailed timing"):
//   group sequencer: walks its micro-items of the iteration, one tile per cycle, with
//                    detailed.item_bubble idle cycles between items of different origin and
//                    detailed.link_latency before a from-left item (its inputs cross the link;
//                    the larger of the two when both apply); raises `done` after its last tile;
//   sharing links:   with detailed.link_width or link_fifo_depth set, a from-left item's inputs
//                    cross its horizontal link as flits through a credited FIFO (link_fifo.h;
//                    the link latency is then the flits'); a from-up tile holds the vertical
//                    link ceil(P / link_width) cycles (the next vertical tile waits); with
//                    detailed.vlink_fifo_depth the vertical link is a credited FIFO of flits
//                    (Credits, link_fifo.h): a from-up tile takes its flits' credits at issue,
//                    they return vertical_path + 1 cycles after its sums are written;
//                    sharing.neighbours = 4: a from-right item's inputs cross the second
//                    (leftward) horizontal link, its own FIFO with credits, and a from-down
//                    tile's sums the second (to the group below) vertical link, its own
//                    link time and credits, by symmetry;
//   accumulator:     with detailed.accum_ports set, a NeuronAccumBuffer takes that many tile
//                    results per cycle: the group's own first, then the vertical path's (from
//                    the group below) from a holding FIFO; the lower group issues no vertical
//                    tile while 2 of its results wait (or, with vlink_fifo_depth, while it holds
//                    no credit); with four neighbours a second holding FIFO per NAB takes the
//                    from-down results of the group above, under the same rule, and the two
//                    FIFOs share the ports left round robin; the drain waits for the FIFOs;
//                    with detailed.accum_forwarding
//                    false a read-after-write scoreboard (accum_scoreboard.h) holds a tile
//                    until its accumulator rows' last sums are written back by its read;
//   input ports:     with detailed.input_ports set, a tile that starts a column tile reads its Q
//                    inputs through one of the N read ports of its BlockNeuronBuffer, granted
//                    round robin (port_arbiter.h) among the column's K groups and the K
//                    from-left receivers of the next column; a denied group stalls; a
//                    granted tile meets the scoreboard again as it issues (tiles issued
//                    earlier in the cycle included) and stalls if they took its rows;
//   tile pipeline:   registers weight read -> multiply -> adder tree -> accumulate of the
//                    configured depths (+ engine.pipeline.vertical_path for vertically shared
//                    tiles); a tile issued in cycle c is in stage i in cycle c + i;
//   loader:          (bnb_loader.h) fills the other BlockNeuronBuffer half during an iteration;
//                    with detailed.vector_bank_ports set its columns' bank reads go through the
//                    vector bank arbiter (bank_arbiter.h), a refused column waits a cycle;
//   barrier:         done/go handshake: go detailed.barrier_latency cycles after the last done
//                    (groups and loader); the next iteration's groups start at the go;
//   drain:           at the go of a row-group's last iteration every group sends a drain marker
//                    down its pipeline behind its last tile (through the vertical path if it
//                    issued a vertical tile); the row-group's accumulators are final when all
//                    markers have left;
//   weights:         (detailed_streamer.h) streamed images arrive over TLM-2.0 AT from the
//                    DRAM; a group starts an iteration in the first cycle in which its part of
//                    the iteration's chunk is staged (until then: weight wait);
//   reduction:       (reduce_fsm.h) starts when the drain is over and the unit is free; the next
//                    row-group's first iteration goes at the same moment (other NAB half).
// engine.sync = row-group (docs/simulator.md "Row-group sync"): the loader loads every slice
// set once at the MVM start, in b order, into a slot per iteration column (set b is resident
// once its last beat is written); a sequencer that has issued iteration b's items moves on to
// iteration b+1 in the next cycle, waiting while set b+1 is not resident (input wait); the
// done/go barrier (barrier_latency) only ends a row-group; at its go every group sends its drain
// marker (tagged with the row-group's NAB half) and the next row-group starts at the same go if
// the reduction of row-group a-1 has finished (otherwise when it finishes): the drain overlaps
// the next row-group's issue; each reduction starts when its markers have left and the unit is
// free, in row-group order.
// The arithmetic is the shared datapath (isa/semantics.h): an item's products are accumulated
// when its first tile issues (its inputs and accumulators are final then), so outputs are
// bit-exact with the fast mode and the interpreter.
#pragma once
#include <cstdint>
#include <systemc>
#include <vector>

#include "sim/csb_engine.h"
#include "sim/detailed/accum_scoreboard.h"
#include "sim/detailed/bank_arbiter.h"
#include "sim/detailed/bnb_loader.h"
#include "sim/detailed/detailed_streamer.h"
#include "sim/detailed/link_fifo.h"
#include "sim/detailed/port_arbiter.h"
#include "sim/detailed/reduce_fsm.h"
#include "sim/sim_context.h"

namespace csbrnn::sim::detailed {

class DetailedEngine : public sc_core::sc_module, public SectionUnit {
 public:
  SC_HAS_PROCESS(DetailedEngine);
  /// `store` is the fast engine's storage (WeightBuffers, flattened items, NeuronAccumBuffers,
  /// link counters), which the host fills; its timing processes are never started.
  DetailedEngine(sc_core::sc_module_name name, SimContext& ctx, CsbEngine& store,
                 VectorBankPorts& ports);
  sc_core::sc_in<bool> clk;
  DetailedStreamer streamer;  // streamed weight images (its isocket: the DRAM's AT front end)
  void start_section(const Section& s) override;

  // traced / inspected by tests
  int state = 0;  // 0 idle, 1 first load, 2 issue, 3 barrier latency, 4 drain, 5 wait reduction,
                  // 6 final reduction
  int64_t iteration = 0;
  int barrier_go = 0;  // 1 in the cycle the barrier's go is given (done/go handshake)
  /// Per group, what it did in the last cycle (the VCD's stall reason; docs/simulator.md):
  enum Reason : int {
    kIdle = 0,         // no work in this iteration (or the engine is idle)
    kIssue = 1,        // issued a tile (valid)
    kBubble = 2,       // detailed.item_bubble / link_latency wait between items
    kLinkWait = 3,     // a from-left item's input flits still crossing the link FIFO
    kVLinkBusy = 4,    // the vertical link still carries the previous tile's partial sums
    kAccumFull = 5,    // the giver's accumulator holding FIFO is full (back-pressure)
    kBarrier = 6,      // done, waiting for the barrier's go
    kAccumRaw = 7,     // accumulator read-after-write hazard (detailed.accum_forwarding: false)
    kVLinkCredit = 8,  // no credit for the vertical link's FIFO (detailed.vlink_fifo_depth)
    kPortWait = 9,     // no read port of its input buffer granted (detailed.input_ports)
    kWeightWait = 10,  // its streamed weights of the iteration have not all arrived
    kInputWait = 11,   // row-group sync: the next iteration's slice set is not resident yet
    kNabWait = 12,     // free sync: its next row-group's NeuronAccumBuffer half is not reduced
  };
  std::vector<int> reason;            // per group
  std::vector<int> link_occupancy;    // per group: flits in its horizontal link FIFO
  std::vector<int> link_occupancy_r;  // ... in its second one, from the right (four neighbours)
  int loader_wait = 0;  // loader columns refused by the vector bank arbiter in the last cycle

 private:
  enum class Phase { Idle, FirstLoad, Issue, Drain, WaitReduce, Final };
  void tick();
  void work(int64_t c);     // what happens during cycle c
  void settle(int64_t b);   // decisions at the boundary b (start of cycle b)
  bool barrier_released();  // all done: counts the barrier latency down, then gives the go
  void begin_iteration(int64_t b);
  void end_iteration(int64_t b);
  // row-group sync
  void settle_rg(int64_t b);
  void begin_row_group(int64_t b);
  void end_row_group(int64_t b);
  void advance(int g, int64_t b);  // g enters its next iteration (or ends its walk) at boundary b
  void start_reduction(int a);     // row-group a's reduction (datapath + the FSM)
  // free sync: group g enters its row-group ga_[g] at boundary b / has walked it at b
  void free_enter(int g, int64_t b);
  void free_walked(int g, int64_t b);
  void free_finish();                                          // the MVM's free-sync statistics
  void start_item(int g, int64_t c);                           // the item's first cycle is c
  void issue_tile(int g, int64_t c, size_t bucket);            // g issues its next tile in cycle c
  void tile_rows(int g, const uint16_t*& rows, int& n) const;  // its next tile's NAB rows
  /// May g's next tile issue in cycle c by the scoreboard (board as of now: tiles issued
  /// earlier in cycle c included)? Always, with accumulator forwarding.
  bool raw_ready(int g, int64_t c) const;
  int port_column(int g) const;  // the input buffer its next tile reads through a port, or -1
  int port_requester(int g, int col) const;  // g's requester index at column col's arbiter
  SimContext& ctx_;
  CsbEngine& st_;
  VectorBankPorts& ports_;
  int client_ = -1;
  std::vector<uint8_t> loader_grant_;  // per column, the cycle's grant
  int K_, L_, G_, depth_, vdepth_;
  BnbLoader loader_;
  ReduceFsm reduce_;
  sc_core::sc_event kick_;
  Phase phase_ = Phase::Idle;
  Section sec_;
  int m_ = 0;
  int64_t n_ = 0, n_total_ = 0, work_cycle_ = 0;
  int64_t section_start_ = 0, iter_start_ = 0, issue_sum_ = 0, loader_end_ = 0;
  int barrier_left_ = -1;  // -1: not all done yet
  int markers_ = 0;        // drain markers still in the pipelines (row-group sync: NAB half 0)
  int markers1_ = 0;       // row-group sync: drain markers of NAB half 1
  bool rg_ = false;        // engine.sync = row-group or free (inputs resident)
  bool free_ = false;      // engine.sync = free: per-group row-groups, no barrier
  std::vector<int> ga_;    // free sync, per group: its row-group
  std::vector<uint8_t> nabwait_;                   // free sync: waits for its NAB half
  std::vector<int64_t> fr_busy_, fr_wait_;         // free sync, per group: MVM tiles, input wait
  int fr_ended_[2] = {0, 0};                       // groups that have walked the half's row-group
  int64_t fr_M_[2] = {0, 0}, fr_sum_[2] = {0, 0};  // its makespan and tiles so far
  int fr_cleared_ = -1;                            // the last row-group whose NAB half is cleared
  int B_ = 1, rg_a_ = 0, resident_ = 0, red_done_ = 0;  // iteration columns; row-group issuing;
                                                        // slice sets resident; reductions done
  int64_t rg_start_ = 0;                                // R(a)
  std::vector<int> red_q_;                              // row-groups issued, not yet reduced
  std::vector<int> bcur_;               // per group: its iteration column in the walk
  std::vector<uint8_t> adv_, inwait_;   // per group: enters its next iteration; input wait
  std::vector<int64_t> inwait_cycles_;  // per group: input wait cycles in this row-group
  // per group (index g = k*L + l)
  std::vector<const CsbEngine::FlatItem*> cur_, end_;
  std::vector<int64_t> item_left_, load_, done_at_;
  std::vector<int> bubble_left_;
  std::vector<LinkFifo> hlink_;     // per receiving group: its horizontal link from the left
  std::vector<LinkFifo> hlink_r_;   // ... and from the right (sharing.neighbours = 4)
  std::vector<uint8_t> link_wait_;  // while an item waits for its inputs' flits: 1 from-left
                                    // (hlink_), 2 from-right (hlink_r_)
  std::vector<int> vgap_;           // cycles the vertical link stays busy after a from-up tile
  std::vector<int> vgap_d_;         // ... the link to the group below, after a from-down tile
  bool fifo_links_ = false;         // link_width or link_fifo_depth set: links as FIFOs
  int vtile_cycles_ = 1;            // ceil(P / link_width): vertical link cycles per tile
  int accum_ports_ = 0;             // detailed.accum_ports (0 = unbounded)
  std::vector<int> local_w_, vq_, vq_start_;  // per NAB: own writes this cycle, vertical
                                              // results waiting (now, at the cycle's start)
  std::vector<int> vqd_, vqd_start_;  // per NAB: from-down results of the group above waiting
  std::vector<uint8_t> vq_rr_;        // per NAB: 1 if the from-above FIFO has the next turn
  int64_t vq_total_ = 0;              // results waiting in all holding FIFOs
  bool raw_check_ = false;            // detailed.accum_forwarding false: the scoreboard
  int lat_acc_ = 1, lat_vpath_ = 0;   // engine.pipeline.accumulate / vertical_path
  AccumScoreboard board_;
  std::vector<const uint16_t*> rows_;  // per group: its current item's accumulator rows
  std::vector<int> row_tiles_, acc_nab_, acc_half_;  // ... its row tiles, NAB and NAB half
  int vlink_depth_ = 0;                              // detailed.vlink_fifo_depth (0 = unbounded)
  std::vector<Credits> vcredit_;    // per sending (lower) group: its vertical link's credits
  std::vector<Credits> vcredit_d_;  // per sending group: its link to the group below (from-down)
  int input_ports_ = 0;             // detailed.input_ports (0 = unbounded)
  std::vector<RoundRobinArbiter> arbiter_;  // per BlockNeuronBuffer column: its read ports
  std::vector<uint8_t> granted_;            // scratch: the arbiter's grants
  std::vector<uint8_t> last_kind_, issuing_, vertical_iter_;
  std::vector<uint8_t> wwait_;   // 1 while a group waits for its streamed weights
  std::vector<int64_t> wstall_;  // per group: cycles it waited for them in this iteration
  std::vector<int> occupancy_;   // tiles + marker in the pipeline
  std::vector<uint8_t> pipe_;    // [g * vdepth_ + stage]: bit0 local tile, bit1 vertical
                                 // tile, bit2 local marker, bit3 vertical marker
};

}  // namespace csbrnn::sim::detailed
