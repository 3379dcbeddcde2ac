// Detailed timing (sim.timing = detailed): the clock and the clocked unit families that replace
// the fast mode's timed units behind the same controller (its VLIW issue/retire has no duration
// of its own: a word issues when the previous one retires, in the same cycle). The Top builds
// this when the elaborated config says sim.timing = detailed and binds the controller to these
// units; the program, the arithmetic, the storage the host fills and the statistics are shared
// with the fast mode. docs/simulator.md "Detailed timing".
#pragma once
#include <systemc>

#include "sim/csb_engine.h"
#include "sim/detailed/bank_arbiter.h"
#include "sim/detailed/detailed_eltwise.h"
#include "sim/detailed/detailed_engine.h"
#include "sim/detailed/detailed_load_store.h"
#include "sim/sim_context.h"

namespace csbrnn::sim::detailed {

class DetailedMachine : public sc_core::sc_module {
 public:
  DetailedMachine(sc_core::sc_module_name name, SimContext& ctx, CsbEngine& store);
  /// The unit executing sections of `u` in detailed mode.
  SectionUnit* unit(Unit u);
  sc_core::sc_clock clock;
  VectorBankPorts bank_ports;  // the vector bank arbiter (before the units that use it)
  DetailedEngine engine;
  DetailedEltwise eltwise;
  DetailedLoadStore load_store;
};

/// Throws Error naming sim.timing=detailed when the detailed mode cannot time this run exactly
/// (what it does not model): a clock, pipeline or lane knob other than the elaborated one.
/// `origin` names the program.
void check_detailed_supported(const HwConfig& hw, const HwConfig& elaborated,
                              const std::string& origin);

}  // namespace csbrnn::sim::detailed
