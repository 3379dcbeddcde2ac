#include "sim/dram_at.h"

#include "common/error.h"

namespace csbrnn::sim {

using namespace sc_core;

DramAt::DramAt(sc_module_name name, Dram& dram)
    : sc_module(name), tsocket("tsocket"), dram_(dram), peq_("peq") {
  tsocket.register_nb_transport_fw(this, &DramAt::nb_transport_fw);
  SC_METHOD(respond);
  sensitive << peq_.get_event();
  dont_initialize();
}

tlm::tlm_sync_enum DramAt::nb_transport_fw(tlm::tlm_generic_payload& trans, tlm::tlm_phase& phase,
                                           sc_time& delay) {
  if (phase == tlm::END_RESP) return tlm::TLM_COMPLETED;
  CSBRNN_ASSERT(phase == tlm::BEGIN_REQ, name(), ": unexpected phase ", phase);
  const sc_time t_req = sc_time_stamp() + delay;
  const sc_time ready = dram_.serve(trans, t_req);
  ++requests;
  peq_.notify(trans, ready - sc_time_stamp());
  phase = tlm::END_REQ;
  delay = SC_ZERO_TIME;
  return tlm::TLM_UPDATED;
}

void DramAt::respond() {
  while (tlm::tlm_generic_payload* t = peq_.get_next_transaction()) {
    tlm::tlm_phase phase = tlm::BEGIN_RESP;
    sc_time delay = SC_ZERO_TIME;
    ++responses;
    const tlm::tlm_sync_enum s = tsocket->nb_transport_bw(*t, phase, delay);
    CSBRNN_ASSERT(s == tlm::TLM_COMPLETED || (s == tlm::TLM_UPDATED && phase == tlm::END_RESP) ||
                      s == tlm::TLM_ACCEPTED,
                  name(), ": unexpected answer to BEGIN_RESP");
  }
}

}  // namespace csbrnn::sim
