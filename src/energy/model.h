// The energy model (docs/energy.md): action counts (stats/actions.h) x the energy table
// (energy/table.h) -> energy by unit, energy per timestep, average power at the clock and frames
// (timesteps) per joule. The same function serves the simulator (its counted actions and cycles)
// and the compile report (energy::program_counts and the analytic cycles).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/hw_config.h"
#include "energy/table.h"
#include "stats/actions.h"

namespace csbrnn::energy {

/// One row of the breakdown.
struct Part {
  std::string name;
  double pj = 0;
};

struct EnergyReport {
  std::string table, dram_device;
  int64_t cycles = 0;
  int steps = 0;
  std::vector<Part> parts;  // in part_docs() order
  double total_pj = 0, per_step_nj = 0, power_mw = 0, frames_per_joule = 0;
  double pj(const std::string& part) const;
};

/// The DRAM device of the energy table charged: energy.dram, or for `auto` the family of the
/// memory.model preset or file (a name starting lpddr4 -> lpddr4, else ddr4; ideal and simple
/// memory -> ddr4, the ZCU102's PS memory).
std::string dram_device(const HwConfig& hw);

/// Energy of a run of `cycles` cycles and `steps` timesteps with actions `a` on machine `hw`;
/// `bias_entries` sizes the Bias bank. Throws Error when hw.energy.dram is not in the table.
EnergyReport evaluate(const stats::ActionCounts& a, const HwConfig& hw, const EnergyTable& t,
                      int64_t cycles, int steps, size_t bias_entries);

/// {table, dram_device, total_pj, per_step_nj, power_mw, frames_per_joule, by_unit_pj: {...}}.
nlohmann::json energy_json(const EnergyReport& r);
/// The breakdown's parts: name (key of by_unit_pj), what it charges.
struct PartDoc {
  const char* name;
  const char* description;
};
const std::vector<PartDoc>& part_docs();
/// A bar chart of the energy per timestep by unit (SVG text).
std::string energy_svg(const EnergyReport& r, const std::string& title);
/// "energy 12.3 nJ/step, 4.56 mW at 200 MHz, 8.1e7 frames/J (table default-45nm, dram ddr4)".
std::string energy_line(const EnergyReport& r, double clock_mhz);

}  // namespace csbrnn::energy
