// LoadUnit (DRAM -> vector bank, Op::LoadX) and StoreUnit (vector bank -> DRAM, Op::StoreY):
// TLM-2.0 initiators. A section moves 2*count bytes as ceil(bytes/burst_bytes) transactions
// issued one per cycle (b_transport with annotated issue offsets); it ends when the last data
// have arrived (ceil to whole cycles). With memory.ideal that is exactly transfer_cycles(bytes);
// any excess is counted as DRAM stall.
#pragma once
#include <tlm_utils/simple_initiator_socket.h>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/sim_context.h"

namespace csbrnn::sim {

class LoadStoreUnit : public sc_core::sc_module, public SectionUnit {
 public:
  tlm_utils::simple_initiator_socket<LoadStoreUnit> isocket;
  SC_HAS_PROCESS(LoadStoreUnit);
  LoadStoreUnit(sc_core::sc_module_name name, SimContext& ctx, Unit unit);
  void start_section(const Section& s) override;

  // traced
  int busy = 0;
  int64_t bytes_moved = 0;

 private:
  void proc();
  void finish();  // the section has ended: section_done, then on_issued
  SimContext& ctx_;
  Unit unit_;
  Section sec_;
  sc_core::sc_event go_;
  std::vector<uint8_t> buf_;
};

}  // namespace csbrnn::sim
