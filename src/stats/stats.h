// One stats schema for the analytic timing model (timing/analytic.h) and the SystemC simulator
// (sim/sim_stats.h): the per-PEGroup and per-layer records both fill, with ONE name per counter.
// Each counter is a row of a table {name, unit, source, description, field} that the writers
// walk: stats.json and stats.csv (sim/report.cpp), the compile report's timing section
// (timing_json), the simulate-vs-analytic comparison and the docs table in docs/simulator.md
// ("Statistics", printed by `csbrnn simulate --describe-stats` and checked by a test).
//
// Per PEGroup every cycle of a simulated run falls in exactly one class:
//   busy + barrier_idle + stall_input + stall_weights + engine_overhead + outside == run cycles
// The analytic model fills the record per MVM (one timestep; outside = 0 there) and, summed
// over MVMs and timesteps, per run (timing::run_groups): with ideal memory and resident weights
// every counter both models fill is equal (tests/sim).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace csbrnn::stats {

/// One PEGroup's counters (units and meaning: group_counters()).
struct GroupStats {
  int k = 0, l = 0;  // position in the K x L grid; records are indexed k*L + l
  int64_t busy = 0, barrier_idle = 0, stall_input = 0, stall_weights = 0;
  int64_t engine_overhead = 0, outside = 0;
  int64_t tiles_local = 0;
  // pieces given right / down (and left / up with sharing.neighbours = 4)
  int64_t tiles_given_h = 0, tiles_given_v = 0;
  // pieces from left / from up (and from right / from down with sharing.neighbours = 4)
  int64_t tiles_received_h = 0, tiles_received_v = 0;
  int64_t useful_macs = 0;
  int64_t weight_bytes_total = 0, weight_bytes_resident = 0, weight_bytes_streamed = 0;
};

/// One layer's counters (layer_counters()).
struct LayerStats {
  int layer = 0;
  int64_t cycles = 0, engine_cycles = 0, eltwise_cycles = 0, load_store_cycles = 0;
};

/// Which model fills a counter; the other leaves it at 0.
enum class Source { Both, Simulator, Analytic };
const char* source_name(Source s);

template <class S>
struct Counter {
  const char* name;          // field name = key in stats.json and column of stats.csv
  const char* analytic_key;  // key in the compile report's timing section (nullptr: not written)
  const char* unit;          // cycles, tiles, MACs, bytes
  Source source;
  const char* description;  // one line
  int64_t S::*field;
};

const std::vector<Counter<GroupStats>>& group_counters();
const std::vector<Counter<LayerStats>>& layer_counters();

/// into.c += scale * x.c for every counter c (identity fields untouched).
template <class S>
void add(S& into, const S& x, int64_t scale = 1);

/// Counters filled by both models that differ between `a` and `b`, as "PREFIX.name: A != B".
template <class S>
std::vector<std::string> differences(const S& a, const S& b, const std::string& prefix);

/// stats.json record of a group: k, l and every counter by name.
nlohmann::json group_json(const GroupStats& g);
/// Compile report record of a group (analytic model, one MVM): the counters with an analytic_key.
nlohmann::json group_analytic_json(const GroupStats& g);
/// Compile report record of a layer: "layer" and the counters with an analytic_key.
nlohmann::json layer_analytic_json(const LayerStats& l);

/// The JSON pointer of a dotted key ("cycles.total" -> /cycles/total), as the docs tables and
/// the sweep name stats.json keys.
nlohmann::json::json_pointer pointer(const std::string& dotted);

/// A row of a docs table (name: markdown, its compile-report key in brackets when it has one).
struct StatDoc {
  std::string name, unit, source, description;
};
std::vector<StatDoc> group_docs();
std::vector<StatDoc> layer_docs();
/// Markdown table | stat | unit | filled by | description |.
std::string markdown_table(const std::vector<StatDoc>& rows);

}  // namespace csbrnn::stats
