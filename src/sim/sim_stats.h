// Counters the SystemC model collects (plain C++; reports in sim/report.*).
//
// Per PEGroup every cycle of the run falls in exactly one class, so for every group
//   busy + barrier_idle + stall_input + stall_weights + engine_overhead + outside == total_cycles
//  - busy:            the group issues a tile;
//  - barrier_idle:    inside an iteration, waiting for the busiest group (imbalance);
//  - stall_input:     the iteration waits for the next BlockNeuronBuffer slices to load;
//  - stall_weights:   the group waits for its tiles to stream in from DRAM (weight buffer
//                     overflow) - only when its weights do not fit on chip;
//  - engine_overhead: the engine runs an MVM but no iteration issues (first slice load,
//                     pipeline drain, waiting for the single reduction unit);
//  - outside:         no MVM is running (element-wise, load/store-only words).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace csbrnn::sim {

struct GroupStats {
  int k = 0, l = 0;
  int64_t busy = 0, barrier_idle = 0, stall_input = 0, stall_weights = 0;
  int64_t engine_overhead = 0, outside = 0;
  int64_t tiles_local = 0;
  int64_t tiles_given_h = 0, tiles_given_v = 0;        // pieces given right / down
  int64_t tiles_received_h = 0, tiles_received_v = 0;  // pieces from left / from up
  uint64_t useful_macs = 0;
  int64_t weight_bytes_streamed = 0;
  int64_t weight_bytes_resident = 0;  // bytes of this group's images kept on chip
  int64_t weight_bytes_total = 0;
  std::vector<int64_t> busy_buckets;  // busy cycles per time bucket (utilization picture)
};

struct UnitStats {
  std::string name;
  int64_t sections = 0, busy_cycles = 0, elements = 0;
};

struct SimStats {
  int64_t total_cycles = 0;
  int steps = 0;
  std::vector<int64_t> step_cycles;   // per timestep
  std::vector<int64_t> layer_cycles;  // per layer, summed over timesteps
  std::vector<int64_t> word_layer;    // layer each word is attributed to
  int64_t engine_cycles = 0;          // cycles an MVM section was running
  int64_t engine_issue_cycles = 0;    // sum of iteration durations D(n)
  int64_t iterations = 0;
  int64_t stall_input_cycles = 0;   // engine-level: sum of max(0, ld(n+1) - E(n))
  int64_t stall_weight_cycles = 0;  // engine-level: iteration lengthened by weight streaming
  int64_t stall_dram_cycles = 0;    // load/store sections longer than the ideal transfer
  uint64_t useful_macs = 0;
  int64_t tiles_issued = 0;
  double imbalance_sum = 0;        // sum over iterations of max/mean group load
  int64_t imbalance_iters = 0;     // iterations with any work
  std::vector<GroupStats> groups;  // k*L + l
  std::vector<UnitStats> units;    // by Unit
  int64_t bucket_cycles = 1;       // width of a utilization bucket
  int64_t dram_bytes_read = 0, dram_bytes_written = 0, dram_transactions = 0;
  int64_t host_bytes = 0, host_transactions = 0;
  double host_load_ns = 0;  // modelled host-interface time (before cycle 0)
  double wall_seconds = 0;
  double cpu_seconds = 0;  // process CPU time of the run (robust on a loaded machine)
};

}  // namespace csbrnn::sim
