// The action counts of a run: what every unit of the machine did, the inputs of the energy
// model (src/energy/). The simulator counts them where the datapath work is done, in both timing
// modes (energy/counts.h: one counting function per kind of work, called beside the isa/semantics.h
// function that does it); the analytic route (energy::program_counts) counts the same from the
// program alone. Both must agree exactly (tests/energy); DRAM counts agree for resident weights
// (the analytic route, like the analytic timing model, does not stream).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "stats/stats.h"

namespace csbrnn::stats {

/// One run's (or one timestep's) action counts; units and meaning: action_counters().
struct ActionCounts {
  // CSB-Engine
  int64_t tiles = 0;              // tiles issued (one P x Q weight tile each)
  int64_t mac_ops = 0;            // tiles x P x Q: MAC slots issued (padding slots included)
  int64_t weight_read_bytes = 0;  // WeightBuffer: tiles x P x Q x 2
  int64_t index_read_bytes = 0;   // index memory: per item (rows + cols) x 2
  int64_t bnb_reads = 0;          // BlockNeuronBuffer reads: Q per tile
  int64_t bnb_writes = 0;         // BlockNeuronBuffer writes: bw per column slice loaded
  int64_t nab_rmw = 0;            // NeuronAccumBuffer read-modify-writes: P per tile
  int64_t link_h_words = 0;       // horizontal links: Q inputs per tile of a from-left/right item
  int64_t link_v_words = 0;       // vertical path: P partial sums per tile of a from-up/down item
  int64_t reduce_neurons = 0;     // reduction outputs formed (bh per existing block-row)
  int64_t reduce_nab_reads = 0;   // NeuronAccumBuffer reads of the reduction (L per neuron)
  // element-wise units, elements by operation
  int64_t elt_biaswb = 0, elt_add = 0, elt_sub = 0, elt_mul = 0;
  int64_t elt_sigmoid = 0, elt_tanh = 0, elt_copy = 0;
  // vector banks (A..E int16; Acc and Bias 48-bit words)
  int64_t vec_reads = 0, vec_writes = 0, acc_reads = 0, acc_writes = 0, bias_reads = 0;
  // load/store and DRAM
  int64_t load_bytes = 0, store_bytes = 0;
  int64_t dram_read_bursts = 0, dram_write_bursts = 0;
  int64_t dram_activates = 0, dram_precharges = 0, dram_refreshes = 0;
};

const std::vector<Counter<ActionCounts>>& action_counters();
/// {name: value} of every counter.
nlohmann::json actions_json(const ActionCounts& a);
std::vector<StatDoc> action_docs();

}  // namespace csbrnn::stats
