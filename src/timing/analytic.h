// The analytic timing model (docs/timing.md): cycles, latency, utilization and per-group
// statistics of a Program, from the program alone, under the cycle rules of cycle_rules.h with
// an ideal memory. The SystemC model's report mirrors TimingReport field by field and must hit
// the same cycles with memory.ideal = true.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "isa/program.h"
#include "stats/stats.h"
#include "timing/cycle_rules.h"

namespace csbrnn::timing {

struct MvmTiming {
  int mvm = 0, layer = 0;
  MvmKind kind = MvmKind::Gates;
  int64_t engine_cycles = 0;        // engine: first load .. last reduction end
  int64_t stream_end = 0;           // end of the last stream chunk (0 without a stream)
  int64_t section_end = 0;          // the Mvm section lasts max(engine_cycles, stream_end)
  int64_t stream_cycles = 0;        // sum over chunks of their chain cycles (work, not the path)
  std::vector<int64_t> reduce_end;  // per row-group: end of its reduction
  int64_t first_load = 0;           // ld(0)
  int64_t issue_cycles = 0;         // sum of iteration makespans M(n)
  int64_t input_stall = 0;          // sum of max(0, ld(n+1) - M(n))
  int64_t drain_cycles = 0;         // sum over row-groups of the drain after the last iteration
  int64_t reduce_wait = 0;          // cycles a row-group waited for the reduction two back
  int64_t reduce_tail = 0;          // last reduction end - last drain end
  int64_t tiles = 0;                // tiles issued by all groups
  uint64_t useful_macs = 0;
  double pe_utilization = 0;      // useful_macs / (PEs x engine_cycles)
  double group_occupancy = 0;     // tiles / (groups x engine_cycles)
  double imbalance = 0;           // mean over non-empty iterations of max/mean group load
  std::vector<int64_t> makespan;  // per iteration (a-major)
  // per PEGroup (K*L, index k*L + l), summed over the iterations (stats/stats.h; tiles are
  // issue cycles): outside and the simulator-only counters stay 0
  std::vector<stats::GroupStats> groups;
};

struct TimingReport {
  double clock_mhz = 0;
  int64_t cycles_per_step = 0;  // one timestep, all layers = latency per frame
  double latency_us = 0;
  double frames_per_s = 0;
  int64_t engine_cycles = 0;  // sum over MVMs
  int64_t tiles = 0;
  uint64_t useful_macs = 0;
  double pe_utilization = 0;       // useful MACs / (PEs x engine cycles)
  double group_occupancy = 0;      // tiles / (groups x engine cycles)
  double pe_utilization_step = 0;  // useful MACs / (PEs x cycles_per_step)
  double imbalance = 0;            // iteration-weighted mean over MVMs
  std::vector<int64_t> word_cycles;
  std::vector<int> word_layer;
  std::vector<MvmTiming> mvms;
  std::vector<stats::LayerStats> layers;  // one timestep
  int64_t total_cycles(int steps) const { return int64_t(steps) * cycles_per_step; }
};

/// Cycles of one non-Mvm section (element-wise or ideal load/store).
int64_t section_cycles(const HwConfig& hw, const Section& s);
/// The engine walk of one MVM (cycle_rules.h).
MvmTiming analyze_mvm(const Program& p, int mvm);
TimingReport analyze(const Program& p);
/// The compile report's `timing` section.
nlohmann::json timing_json(const TimingReport& r);
/// Its keys with unit and description (docs/timing.md "Compile report", checked by a test).
std::string timing_markdown();

/// The per-group counters of a run of `steps` timesteps: the MVMs' groups summed, times
/// `steps`, plus outside = steps x (cycles_per_step - engine_cycles) (what the simulator counts).
std::vector<stats::GroupStats> run_groups(const TimingReport& r, int steps);
/// The per-layer counters of a run of `steps` timesteps.
std::vector<stats::LayerStats> run_layers(const TimingReport& r, int steps);

}  // namespace csbrnn::timing
