// Reports of a simulation run: stats.json, stats.csv (one row per PEGroup), the utilization
// picture (SVG heatmap PEGroups x time buckets), the terminal summary, and the side-by-side
// comparison with the analytic timing model (timing/analytic.h).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "energy/model.h"
#include "energy/table.h"
#include "sim/sim_stats.h"
#include "timing/analytic.h"

namespace csbrnn::sim {

struct RunInfo {
  std::string program;  // what was simulated (path)
  std::string check;    // "reference", "interpreter" or "skipped"
  bool check_passed = false;
  int steps = 0;
  double reference_seconds = 0;      // wall time of the fixed-point reference (0: not run)
  double reference_cpu_seconds = 0;  // its process CPU time
  // energy (docs/energy.md): the table (nullptr: the built-in one), the analytic route's action
  // counts over the same timesteps (energy::program_counts) and the Bias bank's size
  const energy::EnergyTable* energy_table = nullptr;
  stats::ActionCounts analytic_actions;
  size_t bias_entries = 0;
};

/// The run's action counts: the units' (SimStats::actions) with the DRAM model's counts.
stats::ActionCounts run_actions(const SimStats& s);
/// The run's energy from its action counts and cycles.
energy::EnergyReport run_energy(const SimStats& s, const HwConfig& hw, const RunInfo& info);
/// The analytic route's energy: info.analytic_actions over `analytic_cycles`.
energy::EnergyReport analytic_energy(const SimStats& s, const HwConfig& hw, const RunInfo& info,
                                     int64_t analytic_cycles);
/// The energy picture (bar chart by unit) of the run.
std::string energy_svg(const SimStats& s, const HwConfig& hw, const RunInfo& info);

/// The analytic model of `p` under the simulated machine's timing knobs (`hw`).
timing::TimingReport analytic_for(const Program& p, const HwConfig& hw);

struct Comparison {
  int64_t simulated = 0, analytic = 0, difference = 0;
  std::vector<std::string> causes;    // named causes of a difference
  bool must_match = false;            // ideal memory and all weights resident
  std::vector<std::string> counters;  // per-group / per-layer counters that differ (not in JSON)
};
Comparison compare(const SimStats& s, const timing::TimingReport& a, const HwConfig& hw);
/// The per-group and per-layer counters both models fill (stats/stats.h) that differ between
/// the simulated run `s` and the analytic model `a` over the same timesteps, one line each
/// ("groups[3].busy: 120 != 118"); empty when they agree.
std::vector<std::string> counter_differences(const SimStats& s, const timing::TimingReport& a);

nlohmann::json stats_json(const SimStats& s, const timing::TimingReport& a, const Comparison& c,
                          const HwConfig& hw, const RunInfo& info);
std::string stats_csv(const SimStats& s);
/// Every key stats_json writes, dotted ("cycles.total"; "groups" and "units" are arrays).
std::vector<std::string> stats_json_paths();
/// The docs tables of every stat (docs/simulator.md "Statistics", checked by tests/sim).
std::string stats_markdown();
std::string utilization_svg(const SimStats& s, const HwConfig& hw);
std::string summary_text(const SimStats& s, const timing::TimingReport& a, const Comparison& c,
                         const HwConfig& hw, const RunInfo& info);

}  // namespace csbrnn::sim
