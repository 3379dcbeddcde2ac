// What every unit of one Top shares: the configuration, the clock period, the program in
// instruction memory, the architectural state and the statistics. Plain C++.
#pragma once
#include <cstdint>
#include <functional>
#include <systemc>

#include "isa/program.h"
#include "isa/semantics.h"
#include "sim/sim_stats.h"

namespace csbrnn::sim {

/// A unit that executes VLIW sections: the controller starts it, it reports back when done.
struct SectionUnit {
  virtual ~SectionUnit() = default;
  virtual void start_section(const Section& s) = 0;
  /// Set by the controller; an element-wise unit calls it when a section's issue ends (the unit
  /// accepts the next section while earlier results are still in its pipeline).
  std::function<void(Unit)> on_issued;
};

struct SimContext {
  SimContext(const HwConfig& h, const sc_core::sc_time& period) : hw(h), T(period) {}
  HwConfig hw;
  sc_core::sc_time T;             // one clock period (exact: every time in the model is a multiple)
  const Program* prog = nullptr;  // decoded instruction memory
  MachineBanks banks;             // A..E, Acc, Bias
  SimStats stats;
  int t = 0;                                   // current timestep (Load/Store address X[t], Y[t])
  std::function<void(Unit)> section_done;      // the controller's retire hook
  std::function<void(int)> row_group_reduced;  // reduction of row-group a ended (streams)
  // DRAM address map (bytes): X then Y then streamed weights.
  uint64_t x_base = 0, y_base = 0, w_base = 0;
  // Engine cycles one burst read takes on an idle memory (the Dram sets it per job).
  int64_t dram_unloaded_cycles = 1;

  sc_core::sc_time origin;  // cycle 0 of the current job
  int64_t cycle() const { return int64_t((sc_core::sc_time_stamp() - origin).value() / T.value()); }
  sc_core::sc_time cycles(int64_t n) const { return T * double(n); }
};

/// Cycles covering a delay (rounded up to whole clock periods).
inline int64_t ceil_cycles(const sc_core::sc_time& d, const sc_core::sc_time& T) {
  const uint64_t v = d.value(), p = T.value();
  return int64_t((v + p - 1) / p);
}

}  // namespace csbrnn::sim
