// DramAt: an approximately timed (AT) TLM-2.0 front end of the Dram, for initiators that keep
// several requests in flight and must see each response at its own time (the detailed mode's
// weight streamer, sim/detailed/detailed_streamer.h). The base protocol's four phases:
//   BEGIN_REQ (initiator, nb_transport_fw at the request's issue time): the Dram serves the
//     request at once (Dram::serve: data moved, completion time from its timing model, the same
//     computation as b_transport's); the front end accepts it in the same call (returns
//     TLM_UPDATED with END_REQ: no request-side back-pressure, so the initiator may send its
//     next BEGIN_REQ in the next cycle);
//   BEGIN_RESP (target, nb_transport_bw at the completion time, from a payload event queue);
//   END_RESP (initiator: TLM_UPDATED with END_RESP from nb_transport_bw, or a later
//     nb_transport_fw; TLM_COMPLETED is accepted too).
// What is approximately timed: the request time (the cycle the initiator really issues, not a
// loosely timed annotation ahead of time) and the response time (each transaction's own).
// What is not: the Dram decides a request's completion when it is accepted (the DRAM timing
// model schedules requests in acceptance order, FR-FCFS inside one transaction only), so a
// later request is never served before an earlier one in the model's queue.
#pragma once
#include <tlm_utils/peq_with_get.h>
#include <tlm_utils/simple_target_socket.h>
#include <systemc>
#include <tlm>

#include "sim/dram.h"

namespace csbrnn::sim {

class DramAt : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DramAt);
  tlm_utils::simple_target_socket<DramAt> tsocket;
  DramAt(sc_core::sc_module_name name, Dram& dram);
  /// Requests accepted / responses sent (tests).
  int64_t requests = 0, responses = 0;

 private:
  tlm::tlm_sync_enum nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                     sc_core::sc_time& delay);
  void respond();  // sends BEGIN_RESP of the transactions whose completion time has come
  Dram& dram_;
  tlm_utils::peq_with_get<tlm::tlm_generic_payload> peq_;
};

}  // namespace csbrnn::sim
