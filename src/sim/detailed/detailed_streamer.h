// Detailed timing: the weight streamer. It fetches the tiles and indices of streamed group
// images (sim/csb_engine.h stream_ranges: the same ranges as the fast streamer) as DRAM
// transactions of <= memory.burst_bytes, over the approximately timed TLM-2.0 protocol
// (nb_transport_fw BEGIN_REQ -> END_REQ, nb_transport_bw BEGIN_RESP -> END_RESP; the DRAM side
// is sim/dram_at.h). No SystemC process of its own: the engine's clocked method calls issue()
// once per cycle (one request per cycle on the single port, while fewer than
// memory.stream.outstanding are in flight; 0 = no limit); the responses arrive through
// nb_transport_bw at their completion times and mark their data usable from that cycle on (a
// response due at a clock edge is delivered before the engine's method of that edge: the front
// end's payload event queue fires in the edge's first delta, the clock's posedge one delta
// later, so the engine sees every response of the cycles before).
// Which chunks are fetched when (stream_queue.h holds the bookkeeping):
//   memory.stream.staging_bytes = 0: iteration n+1's chunk when iteration n begins (its half of
//     the weight staging double buffer), iteration 0's at the MVM's start;
//   staging_bytes = S > 0: chunks (MVM run, iteration) in execution order (the Mvm sections of a
//     timestep in word order, then the next timestep) as soon as they fit the S-byte staging
//     buffer (a chunk larger than S when it is empty); a chunk leaves it when its iteration ends.
// docs/simulator.md "Detailed timing".
#pragma once
#include <tlm_utils/simple_initiator_socket.h>
#include <cstdint>
#include <deque>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/csb_engine.h"
#include "sim/detailed/stream_queue.h"
#include "sim/sim_context.h"

namespace csbrnn::sim::detailed {

class DetailedStreamer : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<DetailedStreamer> isocket;
  DetailedStreamer(sc_core::sc_module_name name, SimContext& ctx, CsbEngine& store);
  /// A new job (cycle 0): nothing staged, queued or in flight.
  void reset();
  /// An Mvm section of MVM m starts at boundary b (the job's next MVM run).
  void begin_mvm(int m, int64_t b);
  /// Iteration n of the current run begins at boundary b (staging 0: fetch n+1's chunk).
  void begin_iteration(int64_t n, int64_t b);
  /// Iteration n of the current run ended at boundary b: its chunk leaves the staging buffer.
  void end_iteration(int64_t n, int64_t b);
  /// Group g's weights of iteration n of the current run are usable in cycle c.
  bool ready(int64_t n, int g, int64_t c) const { return q_.group_ready(run_, n, g, c); }
  /// Cycles iteration n's chunk waited for staging space.
  int64_t admit_wait(int64_t n) const;
  /// Issues the request of cycle c (called at boundary c, at most once per cycle).
  void issue(int64_t c);
  /// Requests queued, not yet issued (the engine keeps the clock while there are).
  bool busy() const { return q_.queued() > 0; }
  const StreamQueue& queue() const { return q_; }

  // traced
  int64_t in_flight = 0, staged_bytes = 0;

 private:
  struct Slot : tlm::tlm_generic_payload {
    StreamQueue::Burst burst;
  };
  tlm::tlm_sync_enum nb_transport_bw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  void arrived(Slot& s, const sc_core::sc_time& at);
  void fetch(int64_t run, int m, int64_t n, int64_t admit_wait);  // admits one chunk
  void advance(int64_t now);  // deep: admits the chunks that fit
  SimContext& ctx_;
  CsbEngine& st_;
  StreamQueue q_;
  std::deque<Slot> slots_;   // payloads (stable addresses)
  std::vector<Slot*> free_;  // payloads not in flight
  std::vector<CsbEngine::StreamRange> ranges_;
  int m_ = 0;
  int64_t run_ = -1;                                      // current MVM run of the job
  int64_t cur_run_ = 0, cur_n_ = 0, blocked_since_ = -1;  // deep: next chunk to admit
};

}  // namespace csbrnn::sim::detailed
