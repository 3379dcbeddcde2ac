// Reports of a simulation run: stats.json, stats.csv (one row per PEGroup), the utilization
// picture (SVG heatmap PEGroups x time buckets), the terminal summary, and the side-by-side
// comparison with the analytic timing model (timing/analytic.h).
#pragma once
#include <string>

#include <nlohmann/json.hpp>

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
};

/// The analytic model of `p` under the simulated machine's timing knobs (`hw`).
timing::TimingReport analytic_for(const Program& p, const HwConfig& hw);

struct Comparison {
  int64_t simulated = 0, analytic = 0, difference = 0;
  std::vector<std::string> causes;  // named causes of a difference
  bool must_match = false;          // ideal memory and all weights resident
};
Comparison compare(const SimStats& s, const timing::TimingReport& a, const HwConfig& hw);

nlohmann::json stats_json(const SimStats& s, const timing::TimingReport& a, const Comparison& c,
                          const HwConfig& hw, const RunInfo& info);
std::string stats_csv(const SimStats& s);
std::string utilization_svg(const SimStats& s, const HwConfig& hw);
std::string summary_text(const SimStats& s, const timing::TimingReport& a, const Comparison& c,
                         const HwConfig& hw, const RunInfo& info);

}  // namespace csbrnn::sim
