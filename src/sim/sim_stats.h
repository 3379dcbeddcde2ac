// Counters the SystemC model collects (plain C++; reports in sim/report.*). The per-PEGroup
// and per-layer records are the schema the analytic model fills too (stats/stats.h: names,
// units, descriptions; per group busy + barrier_idle + stall_input + stall_weights +
// engine_overhead + outside == total_cycles).
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "isa/program.h"
#include "stats/actions.h"
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
  // stall_weight_cycles by cause (they sum to it): the chunk waited for staging-buffer space,
  // the unloaded DRAM latency of a fetch, the rest (bandwidth and queueing)
  int64_t stall_weight_staging_cycles = 0, stall_weight_latency_cycles = 0,
          stall_weight_bandwidth_cycles = 0;
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
  int64_t bucket_initial = 1;  // the width each job starts with (from the analytic estimate)
  size_t bucket_cap = 1000;    // most buckets per group: past it, pairs merge (width doubles)
  int64_t dram_bytes_read = 0, dram_bytes_written = 0, dram_transactions = 0;
  struct DramCounts {
    int64_t activates = 0, precharges = 0, read_bursts = 0, write_bursts = 0, refreshes = 0;
    int64_t row_hits = 0, row_misses = 0, refresh_cycles = 0;
  } dram;
  stats::ActionCounts actions;  // what the units did (energy/counts.h; DRAM ones: `dram`)
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

/// Keeps the utilization picture bounded whatever the run length: while cycles [0, end) need
/// more than bucket_cap buckets, every group's buckets merge pairwise and the width doubles
/// (sums stay exact: bucket i of width 2w covers buckets 2i and 2i+1 of width w). The initial
/// width comes from the analytic estimate, which ignores DRAM, so a run may be far longer.
inline void fit_buckets(SimStats& st, int64_t end) {
  const int64_t cap = int64_t(std::max<size_t>(2, st.bucket_cap));
  while ((end + st.bucket_cycles - 1) / st.bucket_cycles > cap) {
    for (auto& b : st.busy_buckets) {
      for (size_t i = 0; i < b.size(); ++i) b[i / 2] = (i % 2 == 0 ? 0 : b[i / 2]) + b[i];
      b.resize((b.size() + 1) / 2);
    }
    st.bucket_cycles *= 2;
  }
}

/// An iteration lengthened `X` > 0 cycles by weight streaming, its busiest group having waited
/// `wait` > 0 cycles for its tiles, its chunk `admit_wait` for staging space: the split of
/// stall_weight_cycles by cause, scaled to X (staging space first, then one unloaded fetch
/// latency `unloaded`, the rest bandwidth). Both timing modes' engines use it.
inline void add_weight_stall_causes(SimStats& st, int64_t X, int64_t wait, int64_t admit_wait,
                                    int64_t unloaded) {
  const int64_t s_st = std::min(wait, admit_wait);
  const int64_t s_lat = std::min(wait - s_st, unloaded);
  const int64_t x_st = X * s_st / wait, x_lat = X * s_lat / wait;
  st.stall_weight_staging_cycles += x_st;
  st.stall_weight_latency_cycles += x_lat;
  st.stall_weight_bandwidth_cycles += X - x_st - x_lat;
}

/// Adds the busy interval [s, e) of group g to the utilization picture (fit_buckets first).
inline void add_busy_interval(SimStats& st, size_t g, int64_t s, int64_t e) {
  if (e <= s) return;
  fit_buckets(st, e);
  const int64_t w = st.bucket_cycles;
  std::vector<int64_t>& buckets = st.busy_buckets[g];
  while (s < e) {
    const size_t bk = size_t(s / w);
    if (buckets.size() <= bk) buckets.resize(bk + 1, 0);
    const int64_t upto = std::min(e, int64_t(bk + 1) * w);
    buckets[bk] += upto - s;
    s = upto;
  }
}

}  // namespace csbrnn::sim
