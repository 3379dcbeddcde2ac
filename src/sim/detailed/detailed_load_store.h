// Detailed timing: the Load and Store units as one clocked unit family. A section moves
// 2*count bytes as bursts of memory.burst_bytes; the unit issues one TLM-2.0 b_transport per
// cycle to the DRAM and is done when the data of its last burst have arrived (the DRAM's
// annotated delay, whole cycles). Loads write the vector bank when their last data arrive;
// stores read it at the start. Any memory.model: the DRAM's answer (b_transport, requested at
// the start of the issue cycle, the clock edge) sets the arrival; a section longer than its bursts
// counts the excess as stalls.dram_cycles (as the fast unit does against its ideal transfer).
// Each burst takes one access of its vector bank in its issue cycle (bank_arbiter.h): Load/Store
// have the arbiter's first priority, so only a Load and a Store on one bank beyond its ports can
// deny each other (decided here, at the edge, by the same rule; the loser issues in a later
// cycle); the bursts issued in a cycle are what the other families' arbitration of that cycle
// sees as Load/Store's granted requests.
#pragma once
#include <tlm_utils/simple_initiator_socket.h>
#include <array>
#include <cstdint>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/detailed/bank_arbiter.h"
#include "sim/sim_context.h"

namespace csbrnn::sim::detailed {

class DetailedLoadStore : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DetailedLoadStore);
  DetailedLoadStore(sc_core::sc_module_name name, SimContext& ctx, VectorBankPorts& ports);
  sc_core::sc_in<bool> clk;
  tlm_utils::simple_initiator_socket<DetailedLoadStore> isocket;
  SectionUnit* unit(Unit u);  // Load or Store

 private:
  struct Port : SectionUnit {
    DetailedLoadStore* fam = nullptr;
    Unit u = Unit::Load;
    void start_section(const Section& s) override { fam->start(u, s); }
  };
  struct State {
    bool busy = false;
    Section sec;
    int64_t start = 0, arrive = 0;  // start cycle; cycle the last issued burst's data arrive
    std::array<int64_t, 2> issued{{-1, -1}};  // [c & 1] = c: a burst was issued in cycle c
                                              // (the last two cycles, one burst per cycle)
    uint64_t next = 0, bytes = 0, dram = 0;   // next byte to issue, total, DRAM address
    std::vector<uint8_t> buf;
  };
  void start(Unit u, const Section& s);
  void tick();
  void issue(int64_t c);  // the requests of cycle c, at its start (edge c)
  void settle(int64_t b);
  bool issues(const State& x, int64_t c) const;  // it would issue a burst in cycle c
  static Bank bank_of(const State& x);
  SimContext& ctx_;
  VectorBankPorts& bank_ports_;
  int client_ = -1;
  BankArbiter own_;  // Load vs Store on one bank (their class is first: nobody else counts)
  std::vector<BankArbiter::Request> req_;
  std::vector<uint8_t> granted_;
  std::array<Port, 2> ports_;
  std::array<State, 2> st_;
  sc_core::sc_event kick_;
  bool running_ = false;
};

}  // namespace csbrnn::sim::detailed
