// Counters the SystemC model collects (plain C++; reports in sim/report.*). The per-PEGroup
// and per-layer records are the schema the analytic model fills too (stats/stats.h: names,
// units, descriptions; per group busy + barrier_idle + stall_input + stall_weights +
// engine_overhead + outside == total_cycles).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "isa/program.h"
#include "stats/stats.h"

namespace csbrnn::sim {

using stats::GroupStats;

struct UnitStats {
  std::string name;
  int64_t sections = 0, busy_cycles = 0, elements = 0;
};

struct SimStats {
  int64_t total_cycles = 0;
  int steps = 0;
  std::vector<int64_t> step_cycles;       // per timestep
  std::vector<stats::LayerStats> layers;  // per layer, summed over timesteps (cycles,
                                          // engine_cycles; the analytic-only ones stay 0)
  std::vector<int64_t> word_layer;        // layer each word is attributed to
  int64_t engine_cycles = 0;              // cycles an MVM section was running
  int64_t engine_issue_cycles = 0;        // sum of iteration durations D(n)
  int64_t iterations = 0;
  int64_t stall_input_cycles = 0;   // engine-level: sum of max(0, ld(n+1) - E(n))
  int64_t stall_weight_cycles = 0;  // engine-level: iteration lengthened by weight streaming
  int64_t stall_dram_cycles = 0;    // load/store sections longer than the ideal transfer
  uint64_t useful_macs = 0;
  int64_t tiles_issued = 0;
  double imbalance_sum = 0;                        // sum over iterations of max/mean group load
  int64_t imbalance_iters = 0;                     // iterations with any work
  std::vector<GroupStats> groups;                  // k*L + l
  std::vector<std::vector<int64_t>> busy_buckets;  // per group: busy cycles per time bucket
  std::vector<UnitStats> units;                    // by Unit
  int64_t bucket_cycles = 1;                       // width of a utilization bucket
  bool record_iterations = false;         // fill iteration_cycles (tests: per-iteration checks)
  std::vector<int64_t> iteration_cycles;  // D(n) of every iteration run, in order
  int64_t dram_bytes_read = 0, dram_bytes_written = 0, dram_transactions = 0;
  int64_t host_bytes = 0, host_transactions = 0;
  double host_load_ns = 0;  // modelled host-interface time (before cycle 0)
  double wall_seconds = 0;
  double cpu_seconds = 0;  // process CPU time of the run (robust on a loaded machine)
};

/// An Mvm section's engine part ended after `dur` cycles, `issue` of them in iterations: the
/// engine's totals, its layer's, every group's engine overhead and the Engine unit's record
/// (both timing modes).
inline void add_engine_section(SimStats& st, size_t layer, int64_t dur, int64_t issue,
                               int64_t elements) {
  st.engine_cycles += dur;
  if (layer < st.layers.size()) st.layers[layer].engine_cycles += dur;
  for (auto& gs : st.groups) gs.engine_overhead += dur - issue;
  auto& us = st.units[size_t(Unit::Engine)];
  ++us.sections;
  us.busy_cycles += dur;
  us.elements += elements;
}

}  // namespace csbrnn::sim
