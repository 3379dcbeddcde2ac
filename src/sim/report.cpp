#include "sim/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <sstream>

#include "config/dram_params.h"

namespace csbrnn::sim {

using nlohmann::json;

timing::TimingReport analytic_for(const Program& p, const HwConfig& hw) {
  Program q;  // the micro/macro program of p with the simulated machine's knobs
  q.hw = hw;
  q.cell = p.cell;
  q.input_size = p.input_size;
  q.hidden_size = p.hidden_size;
  q.proj_size = p.proj_size;
  q.num_layers = p.num_layers;
  q.output_size = p.output_size;
  q.fmt = p.fmt;
  q.mvms = p.mvms;
  q.words = p.words;
  return timing::analyze(q);
}

Comparison compare(const SimStats& s, const timing::TimingReport& a, const HwConfig& hw) {
  Comparison c;
  c.simulated = s.total_cycles;
  c.analytic = a.total_cycles(s.steps);
  c.difference = c.simulated - c.analytic;
  bool streamed = false;
  for (const auto& g : s.groups) streamed |= g.weight_bytes_streamed > 0;
  c.must_match = hw.memory.ideal && !streamed && hw.timing == TimingMode::Fast;
  if (hw.timing == TimingMode::Detailed)
    c.causes.push_back(
        "sim.timing=detailed: cycles from the clocked state machines, not the cycle rules "
        "(docs/simulator.md \"Detailed timing\" lists where they differ)");
  if (s.stall_dram_cycles > 0)
    c.causes.push_back("DRAM latency/bandwidth: load/store sections " +
                       std::to_string(s.stall_dram_cycles) +
                       " cycles longer than the ideal transfer (memory.ideal = false)");
  if (s.stall_weight_cycles > 0 || streamed)
    c.causes.push_back("weight streaming: weights exceed buffers.weight_buffer_kib; iterations " +
                       std::to_string(s.stall_weight_cycles) +
                       " cycles longer waiting for tiles from DRAM");
  c.counters = counter_differences(s, a);
  return c;
}

std::vector<std::string> counter_differences(const SimStats& s, const timing::TimingReport& a) {
  std::vector<std::string> d;
  auto append = [&](std::vector<std::string> x) { d.insert(d.end(), x.begin(), x.end()); };
  const auto ag = timing::run_groups(a, s.steps);
  const auto al = timing::run_layers(a, s.steps);
  if (ag.size() != s.groups.size() || al.size() != s.layers.size())
    return {"record counts: simulated " + std::to_string(s.groups.size()) + " groups, " +
            std::to_string(s.layers.size()) + " layers; analytic " + std::to_string(ag.size()) +
            " groups, " + std::to_string(al.size()) + " layers"};
  for (size_t g = 0; g < ag.size(); ++g)
    append(stats::differences(s.groups[g], ag[g], "groups[" + std::to_string(g) + "]"));
  for (size_t k = 0; k < al.size(); ++k)
    append(stats::differences(s.layers[k], al[k], "layers[" + std::to_string(k) + "]"));
  return d;
}

stats::ActionCounts run_actions(const SimStats& s) {
  stats::ActionCounts a = s.actions;
  a.dram_read_bursts = s.dram.read_bursts;
  a.dram_write_bursts = s.dram.write_bursts;
  a.dram_activates = s.dram.activates;
  a.dram_precharges = s.dram.precharges;
  a.dram_refreshes = s.dram.refreshes;
  return a;
}

namespace {
const energy::EnergyTable& table_of(const RunInfo& info) {
  return info.energy_table ? *info.energy_table : energy::default_table();
}
}  // namespace

energy::EnergyReport run_energy(const SimStats& s, const HwConfig& hw, const RunInfo& info) {
  return energy::evaluate(run_actions(s), hw, table_of(info), s.total_cycles, s.steps,
                          info.bias_entries);
}

energy::EnergyReport analytic_energy(const SimStats& s, const HwConfig& hw, const RunInfo& info,
                                     int64_t analytic_cycles) {
  return energy::evaluate(info.analytic_actions, hw, table_of(info), analytic_cycles, s.steps,
                          info.bias_entries);
}

std::string energy_svg(const SimStats& s, const HwConfig& hw, const RunInfo& info) {
  return energy::energy_svg(run_energy(s, hw, info), "Energy by unit, " + hw.name);
}

namespace {
double safe_div(double a, double b) {
  return b > 0 ? a / b : 0.0;
}

// What stats_json writes: one row per key, walked by the writer and the docs table.
struct RunView {
  const SimStats& s;
  const timing::TimingReport& a;
  const Comparison& c;
  const HwConfig& hw;
  const RunInfo& info;
  double mhz() const { return hw.engine.clock_mhz; }
  double latency_us() const { return safe_div(double(s.total_cycles), double(s.steps)) / mhz(); }
};

struct RunStat {
  std::string path;  // dotted key in stats.json
  const char* unit;
  const char* description;
  std::function<json(const RunView&)> value;
  std::function<bool(const RunView&)> present = nullptr;  // null: always written
};

// The memory.* rows: written when the memory is not ideal or weights stream (so the reports of
// runs with ideal memory and resident weights keep their keys).
bool memory_rows(const RunView& v) {
  if (memory_model(v.hw.memory) != MemoryModel::Ideal) return true;
  for (const auto& g : v.s.groups)
    if (g.weight_bytes_streamed > 0) return true;
  return false;
}

double peak_gbps(const HwConfig& hw) {
  switch (memory_model(hw.memory)) {
    case MemoryModel::Ideal:  // one burst per engine cycle
      return double(hw.memory.burst_bytes) * hw.engine.clock_mhz / 1000;
    case MemoryModel::Simple:
      return hw.memory.dram_bandwidth_gbps;
    case MemoryModel::Dram:
      break;
  }
  return resolve_dram_model(hw.memory.model).peak_gbps();
}

double run_ns(const RunView& v) {
  return double(v.s.total_cycles) / v.mhz() * 1000;
}

double dram_ranks(const HwConfig& hw) {
  if (memory_model(hw.memory) != MemoryModel::Dram) return 1;
  const DramParams p = resolve_dram_model(hw.memory.model);
  return double(p.channels) * p.ranks;
}

double dram_tck_ns(const HwConfig& hw) {
  return memory_model(hw.memory) == MemoryModel::Dram ? resolve_dram_model(hw.memory.model).tck_ns
                                                      : 0.0;
}

json groups_json(const RunView& v) {
  json groups = json::array();
  for (const auto& g : v.s.groups) {
    json r = stats::group_json(g);
    r["utilization"] = safe_div(double(g.busy), double(v.s.engine_cycles));
    groups.push_back(r);
  }
  return groups;
}

json units_json(const RunView& v) {
  json units = json::array();
  for (const auto& u : v.s.units)
    units.push_back({{"unit", u.name},
                     {"sections", u.sections},
                     {"busy_cycles", u.busy_cycles},
                     {"elements", u.elements},
                     {"idle_cycles", v.s.total_cycles - u.busy_cycles}});
  return units;
}

const std::vector<RunStat>& run_stats() {
  using V = const RunView&;
  static const std::vector<RunStat> t = {
      {"program", "path", "what was simulated", [](V v) -> json { return v.info.program; }},
      {"check.against", "-", "outputs compared with: reference, interpreter or skipped",
       [](V v) -> json { return v.info.check; }},
      {"check.passed", "bool", "the outputs matched bit for bit",
       [](V v) -> json { return v.info.check_passed; }},
      {"hw.name", "-", "hardware config name", [](V v) -> json { return v.hw.name; }},
      {"hw.pe_groups", "KxL", "PEGroup grid",
       [](V v) -> json {
         return std::to_string(v.hw.engine.K) + "x" + std::to_string(v.hw.engine.L);
       }},
      {"hw.pes_per_group", "PxQ", "PE grid of a group",
       [](V v) -> json {
         return std::to_string(v.hw.engine.P) + "x" + std::to_string(v.hw.engine.Q);
       }},
      {"hw.pes", "PEs", "PEs in the engine", [](V v) -> json { return v.hw.engine.pes(); }},
      {"hw.clock_mhz", "MHz", "engine clock", [](V v) -> json { return v.mhz(); }},
      {"hw.memory_ideal", "bool", "memory.ideal: loads/stores cost only their transfer beats",
       [](V v) -> json { return v.hw.memory.ideal; }},
      {"steps", "timesteps", "timesteps run", [](V v) -> json { return v.s.steps; }},
      {"cycles.total", "cycles", "cycles of the run", [](V v) -> json { return v.s.total_cycles; }},
      {"cycles.per_step", "cycles", "per timestep (array)",
       [](V v) -> json { return v.s.step_cycles; }},
      {"cycles.per_step_mean", "cycles", "total / steps",
       [](V v) -> json { return safe_div(double(v.s.total_cycles), v.s.steps); }},
      {"cycles.per_layer", "cycles", "per layer, summed over timesteps (array of layers[].cycles)",
       [](V v) -> json {
         std::vector<int64_t> c;
         for (const auto& l : v.s.layers) c.push_back(l.cycles);
         return c;
       }},
      {"cycles.engine", "cycles", "cycles an MVM section's engine part was running",
       [](V v) -> json { return v.s.engine_cycles; }},
      {"cycles.engine_issue", "cycles", "sum of iteration durations D(n) = max(E(n), ld(n+1))",
       [](V v) -> json { return v.s.engine_issue_cycles; }},
      {"latency_us_per_step", "µs", "cycles per timestep / clock",
       [](V v) -> json { return v.latency_us(); }},
      {"frames_per_s", "1/s", "timesteps per second",
       [](V v) -> json { return safe_div(1e6, v.latency_us()); }},
      {"run_time_us", "µs", "cycles of the run / clock",
       [](V v) -> json { return double(v.s.total_cycles) / v.mhz(); }},
      {"pe_utilization", "ratio", "useful MACs / (PEs x engine cycles)",
       [](V v) -> json {
         return safe_div(double(v.s.useful_macs), double(v.hw.engine.pes()) * v.s.engine_cycles);
       }},
      {"group_occupancy", "ratio", "tiles issued / (groups x engine cycles)",
       [](V v) -> json {
         return safe_div(double(v.s.tiles_issued),
                         double(v.hw.engine.groups()) * v.s.engine_cycles);
       }},
      {"pe_utilization_run", "ratio", "useful MACs / (PEs x cycles of the run)",
       [](V v) -> json {
         return safe_div(double(v.s.useful_macs), double(v.hw.engine.pes()) * v.s.total_cycles);
       }},
      {"imbalance", "ratio", "mean over iterations with work of max/mean group load",
       [](V v) -> json {
         return v.s.imbalance_iters ? v.s.imbalance_sum / double(v.s.imbalance_iters) : 1.0;
       }},
      {"useful_macs", "MACs", "multiply-accumulates on kept weights",
       [](V v) -> json { return v.s.useful_macs; }},
      {"tiles_issued", "tiles", "tiles issued by all groups",
       [](V v) -> json { return v.s.tiles_issued; }},
      {"iterations", "iterations", "engine iterations run",
       [](V v) -> json { return v.s.iterations; }},
      {"stalls.input_load_cycles", "cycles",
       "engine-level: iterations waiting for BlockNeuronBuffer loads, sum of max(0, ld(n+1) - "
       "E(n))",
       [](V v) -> json { return v.s.stall_input_cycles; }},
      {"stalls.weight_stream_cycles", "cycles",
       "engine-level: iterations lengthened by weight streaming",
       [](V v) -> json { return v.s.stall_weight_cycles; }},
      {"stalls.dram_cycles", "cycles", "load/store sections longer than the ideal transfer",
       [](V v) -> json { return v.s.stall_dram_cycles; }},
      {"dram.bytes_read", "bytes", "read from DRAM during the run",
       [](V v) -> json { return v.s.dram_bytes_read; }},
      {"dram.bytes_written", "bytes", "written to DRAM during the run",
       [](V v) -> json { return v.s.dram_bytes_written; }},
      {"dram.transactions", "transactions", "DRAM transactions during the run",
       [](V v) -> json { return v.s.dram_transactions; }},
      {"memory.model", "-",
       "memory.model of the run (ideal, simple, a DRAM preset or file); the memory.* keys are "
       "written only when it is not ideal or weights stream",
       [](V v) -> json {
         const MemoryModel m = memory_model(v.hw.memory);
         return m == MemoryModel::Ideal    ? "ideal"
                : m == MemoryModel::Simple ? "simple"
                                           : v.hw.memory.model;
       },
       memory_rows},
      {"memory.peak_gbps", "GB/s",
       "peak bandwidth: the DRAM's data rate over all channels (simple: "
       "memory.dram_bandwidth_gbps; ideal: one burst per cycle)",
       [](V v) -> json { return peak_gbps(v.hw); }, memory_rows},
      {"memory.achieved_gbps", "GB/s", "DRAM bytes read + written / run time",
       [](V v) -> json {
         return safe_div(double(v.s.dram_bytes_read + v.s.dram_bytes_written), run_ns(v));
       },
       memory_rows},
      {"memory.weight_stall.staging_cycles", "cycles",
       "part of stalls.weight_stream_cycles: a chunk of tiles waited for staging-buffer space "
       "(memory.stream.staging_bytes)",
       [](V v) -> json { return v.s.stall_weight_staging_cycles; }, memory_rows},
      {"memory.weight_stall.latency_cycles", "cycles",
       "part of stalls.weight_stream_cycles: up to one unloaded DRAM read latency per stalled "
       "iteration",
       [](V v) -> json { return v.s.stall_weight_latency_cycles; }, memory_rows},
      {"memory.weight_stall.bandwidth_cycles", "cycles",
       "part of stalls.weight_stream_cycles: the rest (transfer time, queueing behind other "
       "requests, bank conflicts, refresh)",
       [](V v) -> json { return v.s.stall_weight_bandwidth_cycles; }, memory_rows},
      {"memory.row_hit_rate", "ratio",
       "DRAM model: bursts to an open row / all bursts (0: no DRAM model)",
       [](V v) -> json {
         return safe_div(double(v.s.dram.row_hits),
                         double(v.s.dram.row_hits + v.s.dram.row_misses));
       },
       memory_rows},
      {"memory.activates", "commands", "DRAM model: ACT commands",
       [](V v) -> json { return v.s.dram.activates; }, memory_rows},
      {"memory.precharges", "commands", "DRAM model: PRE commands (conflicts and refresh)",
       [](V v) -> json { return v.s.dram.precharges; }, memory_rows},
      {"memory.read_bursts", "bursts", "DRAM model: RD commands (one burst each)",
       [](V v) -> json { return v.s.dram.read_bursts; }, memory_rows},
      {"memory.write_bursts", "bursts", "DRAM model: WR commands (one burst each)",
       [](V v) -> json { return v.s.dram.write_bursts; }, memory_rows},
      {"memory.refreshes", "commands",
       "DRAM model: all-bank refreshes, up to the last request of the run",
       [](V v) -> json { return v.s.dram.refreshes; }, memory_rows},
      {"memory.refresh_ns", "ns",
       "DRAM model: time ranks were blocked by refresh (tRFC each), summed over channels and "
       "ranks",
       [](V v) -> json { return double(v.s.dram.refresh_cycles) * dram_tck_ns(v.hw); },
       memory_rows},
      {"memory.refresh_share", "ratio",
       "DRAM model: share of the run a rank was refreshing (refresh_ns / (run time x channels x "
       "ranks))",
       [](V v) -> json {
         return safe_div(double(v.s.dram.refresh_cycles) * dram_tck_ns(v.hw),
                         run_ns(v) * dram_ranks(v.hw));
       },
       memory_rows},
      {"host.bytes", "bytes", "written by the host before cycle 0 (program, images, inputs)",
       [](V v) -> json { return v.s.host_bytes; }},
      {"host.transactions", "transactions", "host-interface transactions",
       [](V v) -> json { return v.s.host_transactions; }},
      {"host.load_ns", "ns", "modelled host-interface time (before cycle 0)",
       [](V v) -> json { return v.s.host_load_ns; }},
      {"units", "-",
       "per unit: `unit`, `sections` run, `busy_cycles` (cycles holding work), `elements` "
       "processed, `idle_cycles` = cycles of the run - busy_cycles",
       units_json},
      {"groups", "-",
       "per PEGroup: `k`, `l`, the per-group counters below and `utilization` = busy / "
       "cycles.engine",
       groups_json},
      {"analytic.cycles_total", "cycles", "analytic model: cycles of the run",
       [](V v) -> json { return v.c.analytic; }},
      {"analytic.cycles_per_step", "cycles", "analytic model: cycles per timestep",
       [](V v) -> json { return v.a.cycles_per_step; }},
      {"analytic.latency_us", "µs", "analytic model: latency per timestep",
       [](V v) -> json { return v.a.latency_us; }},
      {"analytic.pe_utilization", "ratio", "analytic model: useful MACs / (PEs x engine cycles)",
       [](V v) -> json { return v.a.pe_utilization; }},
      {"analytic.group_occupancy", "ratio", "analytic model: tiles / (groups x engine cycles)",
       [](V v) -> json { return v.a.group_occupancy; }},
      {"analytic.imbalance", "ratio", "analytic model: iteration-weighted mean imbalance",
       [](V v) -> json { return v.a.imbalance; }},
      {"analytic.engine_cycles_per_step", "cycles", "analytic model: engine cycles per timestep",
       [](V v) -> json { return v.a.engine_cycles; }},
      {"comparison.simulated", "cycles", "simulated cycles of the run",
       [](V v) -> json { return v.c.simulated; }},
      {"comparison.analytic", "cycles", "analytic cycles of the run",
       [](V v) -> json { return v.c.analytic; }},
      {"comparison.difference", "cycles", "simulated - analytic",
       [](V v) -> json { return v.c.difference; }},
      {"comparison.must_match", "bool",
       "ideal memory and all weights resident: every counter both models fill must be equal",
       [](V v) -> json { return v.c.must_match; }},
      {"comparison.causes", "-", "named causes of a difference (array of text)",
       [](V v) -> json { return v.c.causes; }},
      {"wall_seconds", "s", "wall time of the simulation (host loading + run)",
       [](V v) -> json { return v.s.wall_seconds; }},
      {"reference_wall_seconds", "s", "wall time of the fixed-point reference (0: not run)",
       [](V v) -> json { return v.info.reference_seconds; }},
      {"sim_to_reference_wall_ratio", "ratio", "wall_seconds / reference_wall_seconds",
       [](V v) -> json { return safe_div(v.s.wall_seconds, v.info.reference_seconds); }},
      {"simulated_cycles_per_s", "cycles/s", "simulation speed, wall time",
       [](V v) -> json { return safe_div(double(v.s.total_cycles), v.s.wall_seconds); }},
      {"useful_macs_per_s", "MACs/s", "simulation speed in MACs (cycles carry different work)",
       [](V v) -> json { return safe_div(double(v.s.useful_macs), v.s.wall_seconds); }},
      {"cpu_seconds", "s", "process CPU time of the simulation",
       [](V v) -> json { return v.s.cpu_seconds; }},
      {"reference_cpu_seconds", "s", "process CPU time of the fixed-point reference",
       [](V v) -> json { return v.info.reference_cpu_seconds; }},
      {"sim_to_reference_cpu_ratio", "ratio", "cpu_seconds / reference_cpu_seconds",
       [](V v) -> json { return safe_div(v.s.cpu_seconds, v.info.reference_cpu_seconds); }},
      {"simulated_cycles_per_cpu_s", "cycles/s", "simulation speed, CPU time",
       [](V v) -> json { return safe_div(double(v.s.total_cycles), v.s.cpu_seconds); }},
      {"useful_macs_per_cpu_s", "MACs/s", "simulation speed in MACs, CPU time",
       [](V v) -> json { return safe_div(double(v.s.useful_macs), v.s.cpu_seconds); }},
  };
  return t;
}

// run_stats() and the generated rows: the action counts and the energy report (docs/energy.md)
const std::vector<RunStat>& all_run_stats() {
  using V = const RunView&;
  static const std::vector<RunStat> t = [] {
    std::vector<RunStat> r = run_stats();
    std::vector<RunStat> extra;
    for (const auto& c : stats::action_counters()) {
      const auto field = c.field;
      extra.push_back({std::string("actions.") + c.name, c.unit, c.description,
                       [field](V v) -> json { return run_actions(v.s).*field; }});
    }
    extra.push_back({"energy.table", "-", "energy table used (energy.table)",
                     [](V v) -> json { return run_energy(v.s, v.hw, v.info).table; }});
    extra.push_back({"energy.dram_device", "-",
                     "DRAM device of the table charged (energy.dram; auto resolved)",
                     [](V v) -> json { return energy::dram_device(v.hw); }});
    extra.push_back({"energy.total_pj", "pJ", "energy of the run",
                     [](V v) -> json { return run_energy(v.s, v.hw, v.info).total_pj; }});
    extra.push_back({"energy.per_step_nj", "nJ", "energy per timestep (frame)",
                     [](V v) -> json { return run_energy(v.s, v.hw, v.info).per_step_nj; }});
    extra.push_back({"energy.power_mw", "mW", "average power at the clock: energy / run time",
                     [](V v) -> json { return run_energy(v.s, v.hw, v.info).power_mw; }});
    extra.push_back({"energy.frames_per_joule", "1/J", "timesteps per joule",
                     [](V v) -> json { return run_energy(v.s, v.hw, v.info).frames_per_joule; }});
    for (const auto& p : energy::part_docs()) {
      const std::string name = p.name;
      extra.push_back({"energy.by_unit_pj." + name, "pJ", p.description,
                       [name](V v) -> json { return run_energy(v.s, v.hw, v.info).pj(name); }});
    }
    extra.push_back(
        {"analytic.energy_per_step_nj", "nJ",
         "analytic route: energy per timestep (program counts, analytic cycles)",
         [](V v) -> json { return analytic_energy(v.s, v.hw, v.info, v.c.analytic).per_step_nj; }});
    extra.push_back({"analytic.power_mw", "mW", "analytic route: average power", [](V v) -> json {
                       return analytic_energy(v.s, v.hw, v.info, v.c.analytic).power_mw;
                     }});
    extra.push_back({"analytic.frames_per_joule", "1/J", "analytic route: timesteps per joule",
                     [](V v) -> json {
                       return analytic_energy(v.s, v.hw, v.info, v.c.analytic).frames_per_joule;
                     }});
    extra.push_back({"analytic.action_differences", "-",
                     "action counts (`both`) that differ between the run and the analytic route "
                     "(array of text; empty with resident weights)",
                     [](V v) -> json {
                       return stats::differences(run_actions(v.s), v.info.analytic_actions,
                                                 "actions");
                     }});
    // after the analytic.* rows of run_stats, before comparison.*
    size_t at = r.size();
    for (size_t i = 0; i < r.size(); ++i)
      if (r[i].path.rfind("comparison.", 0) == 0) {
        at = i;
        break;
      }
    r.insert(r.begin() + long(at), extra.begin(), extra.end());
    return r;
  }();
  return t;
}

}  // namespace

json stats_json(const SimStats& s, const timing::TimingReport& a, const Comparison& c,
                const HwConfig& hw, const RunInfo& info) {
  const RunView v{s, a, c, hw, info};
  json j = json::object();
  for (const RunStat& r : all_run_stats())
    if (!r.present || r.present(v)) j[stats::pointer(r.path)] = r.value(v);
  return j;
}

std::vector<std::string> stats_json_paths() {
  std::vector<std::string> p;
  for (const RunStat& r : all_run_stats()) p.push_back(r.path);
  return p;
}

std::string stats_markdown() {
  std::vector<stats::StatDoc> run;
  for (const RunStat& r : all_run_stats()) {
    const std::string path = r.path;
    const char* by = path.rfind("analytic.", 0) == 0     ? "analytic"
                     : path.rfind("comparison.", 0) == 0 ? "both"
                                                         : "simulator";
    run.push_back({"`" + path + "`", r.unit, by, r.description});
  }
  return "stats.json, one run:\n\n" + stats::markdown_table(run) +
         "\nPer PEGroup (`groups[]` in stats.json, a row of stats.csv; in brackets the key of the "
         "compile report's `timing.mvms[].groups[]`, the analytic model's figure for one MVM):"
         "\n\n" +
         stats::markdown_table(stats::group_docs()) +
         "\nPer layer (`cycles.per_layer` in stats.json lists the cycles; in brackets the key of "
         "the compile report's `timing.layers[]`, one timestep):\n\n" +
         stats::markdown_table(stats::layer_docs());
}

std::string stats_csv(const SimStats& s) {
  // stats.csv: k, l, the per-group counters in table order, with total after outside
  const auto& table = stats::group_counters();
  std::ostringstream o;
  o << "k,l";
  for (const auto& c : table) {
    o << ',' << c.name;
    if (std::string(c.name) == "outside") o << ",total";
  }
  o << '\n';
  for (const auto& g : s.groups) {
    o << g.k << ',' << g.l;
    for (const auto& c : table) {
      o << ',' << g.*c.field;
      if (std::string(c.name) == "outside")
        o << ','
          << (g.busy + g.barrier_idle + g.stall_input + g.stall_weights + g.engine_overhead +
              g.outside);
    }
    o << '\n';
  }
  return o.str();
}

std::string utilization_svg(const SimStats& s, const HwConfig& hw) {
  size_t nb = 1;
  for (const auto& b : s.busy_buckets) nb = std::max(nb, b.size());
  const int64_t w = s.bucket_cycles;
  nb = std::max<size_t>(nb, size_t((s.total_cycles + w - 1) / w));
  const int cell_w = std::max(2, int(800 / std::max<size_t>(nb, 1))), cell_h = 14;
  const int left = 70, top = 40;
  const int width = left + cell_w * int(nb) + 120,
            height = top + cell_h * int(s.groups.size()) + 50;
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"monospace\" font-size=\"11\">\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<text x=\"" << left
    << "\" y=\"18\" font-size=\"13\">PEGroup utilization (tile-issue "
       "cycles / bucket of "
    << w << " cycles) - " << hw.engine.K << "x" << hw.engine.L << " groups, " << s.total_cycles
    << " cycles</text>\n";
  for (size_t gi = 0; gi < s.groups.size(); ++gi) {
    const auto& g = s.groups[gi];
    static const std::vector<int64_t> none;
    const auto& buckets = gi < s.busy_buckets.size() ? s.busy_buckets[gi] : none;
    const int y = top + int(gi) * cell_h;
    o << "<text x=\"4\" y=\"" << y + cell_h - 3 << "\">(" << g.k << "," << g.l << ")</text>\n";
    for (size_t b = 0; b < nb; ++b) {
      const int64_t start = int64_t(b) * w;
      const int64_t span = std::max<int64_t>(1, std::min(w, s.total_cycles - start));
      const double u = b < buckets.size() ? std::min(1.0, double(buckets[b]) / span) : 0;
      // white (idle) -> dark blue (fully busy)
      const int r = int(255 - 225 * u), gg = int(255 - 185 * u), bl = int(255 - 95 * u);
      o << "<rect x=\"" << left + int(b) * cell_w << "\" y=\"" << y << "\" width=\"" << cell_w
        << "\" height=\"" << cell_h - 1 << "\" fill=\"rgb(" << r << "," << gg << "," << bl
        << ")\"><title>group (" << g.k << "," << g.l << ") cycles " << start << ".." << start + span
        << ": " << int(u * 100 + 0.5) << "%</title></rect>\n";
    }
  }
  const int ly = top + cell_h * int(s.groups.size()) + 20;
  o << "<text x=\"" << left << "\" y=\"" << ly << "\">cycle 0</text>\n";
  o << "<text x=\"" << left + cell_w * int(nb) - 60 << "\" y=\"" << ly << "\">" << s.total_cycles
    << "</text>\n";
  for (int i = 0; i <= 4; ++i) {
    const double u = i / 4.0;
    const int r = int(255 - 225 * u), gg = int(255 - 185 * u), bl = int(255 - 95 * u);
    o << "<rect x=\"" << left + cell_w * int(nb) + 20 << "\" y=\"" << top + i * 16
      << "\" width=\"14\" height=\"14\" stroke=\"#999\" fill=\"rgb(" << r << "," << gg << "," << bl
      << ")\"/><text x=\"" << left + cell_w * int(nb) + 40 << "\" y=\"" << top + i * 16 + 11
      << "\">" << i * 25 << "%</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

std::string summary_text(const SimStats& s, const timing::TimingReport& a, const Comparison& c,
                         const HwConfig& hw, const RunInfo& info) {
  const json j = stats_json(s, a, c, hw, info);
  char buf[512];
  std::ostringstream o;
  o << "csbrnn simulate: " << info.program << " on " << hw.name << " (" << hw.engine.K << "x"
    << hw.engine.L << " groups of " << hw.engine.P << "x" << hw.engine.Q << " PEs, "
    << hw.engine.clock_mhz << " MHz, memory "
    << (memory_model(hw.memory) == MemoryModel::Dram ? hw.memory.model
        : hw.memory.ideal                            ? "ideal"
                                                     : "DRAM")
    << ")\n";
  std::snprintf(buf, sizeof buf,
                "  timesteps        %d\n  cycles           %lld total, %.1f per timestep\n"
                "  latency          %.3f us per timestep, %.0f frames/s\n",
                s.steps, (long long)s.total_cycles, j["cycles"]["per_step_mean"].get<double>(),
                j["latency_us_per_step"].get<double>(), j["frames_per_s"].get<double>());
  o << buf;
  o << "  per layer        ";
  for (size_t i = 0; i < s.layers.size(); ++i)
    o << (i ? ", " : "") << "L" << i << " " << s.layers[i].cycles;
  o << " cycles\n";
  std::snprintf(buf, sizeof buf,
                "  PE utilization   %.1f%% of engine cycles (%.1f%% of all cycles)\n"
                "  group occupancy  %.1f%%   imbalance %.3f (max/mean group load)\n",
                100 * j["pe_utilization"].get<double>(),
                100 * j["pe_utilization_run"].get<double>(),
                100 * j["group_occupancy"].get<double>(), j["imbalance"].get<double>());
  o << buf;
  std::snprintf(buf, sizeof buf,
                "  stalls           input load %lld, weight stream %lld, DRAM %lld cycles\n",
                (long long)s.stall_input_cycles, (long long)s.stall_weight_cycles,
                (long long)s.stall_dram_cycles);
  o << buf;
  if (j.contains("memory")) {
    const json& mj = j["memory"];
    std::snprintf(buf, sizeof buf,
                  "  weight stall     %lld staging full, %lld DRAM latency, %lld bandwidth cycles\n"
                  "  memory           %s: %.2f GB/s achieved of %.2f peak, row hits %.1f%%, "
                  "refresh %.0f ns (%.2f%%)\n",
                  (long long)s.stall_weight_staging_cycles,
                  (long long)s.stall_weight_latency_cycles,
                  (long long)s.stall_weight_bandwidth_cycles,
                  mj["model"].get<std::string>().c_str(), mj["achieved_gbps"].get<double>(),
                  mj["peak_gbps"].get<double>(), 100 * mj["row_hit_rate"].get<double>(),
                  mj["refresh_ns"].get<double>(), 100 * mj["refresh_share"].get<double>());
    o << buf;
  }
  int64_t gh = 0, gv = 0;
  const GroupStats* busiest = nullptr;
  const GroupStats* idlest = nullptr;
  for (const auto& g : s.groups) {
    gh += g.tiles_given_h;
    gv += g.tiles_given_v;
    if (!busiest || g.busy > busiest->busy) busiest = &g;
    if (!idlest || g.busy < idlest->busy) idlest = &g;
  }
  std::snprintf(buf, sizeof buf,
                "  sharing          %lld tiles given right, %lld given down; busiest group (%d,%d) "
                "%lld, idlest (%d,%d) %lld tile cycles\n",
                (long long)gh, (long long)gv, busiest ? busiest->k : 0, busiest ? busiest->l : 0,
                (long long)(busiest ? busiest->busy : 0), idlest ? idlest->k : 0,
                idlest ? idlest->l : 0, (long long)(idlest ? idlest->busy : 0));
  o << buf;
  std::snprintf(buf, sizeof buf, "  analytic         %lld cycles (simulated - analytic = %lld)%s\n",
                (long long)c.analytic, (long long)c.difference,
                c.difference == 0 ? "  exact match" : "");
  o << buf;
  for (const auto& cause : c.causes) o << "    cause: " << cause << "\n";
  {
    const energy::EnergyReport e = run_energy(s, hw, info);
    o << "  energy           " << energy::energy_line(e, hw.engine.clock_mhz) << "\n";
    std::vector<const energy::Part*> top;
    for (const auto& p : e.parts) top.push_back(&p);
    std::stable_sort(top.begin(), top.end(),
                     [](const energy::Part* x, const energy::Part* y) { return x->pj > y->pj; });
    o << "  energy by unit  ";
    for (size_t i = 0; i < top.size() && i < 6; ++i) {
      std::snprintf(buf, sizeof buf, " %s %.1f%%", top[i]->name.c_str(),
                    e.total_pj > 0 ? 100 * top[i]->pj / e.total_pj : 0.0);
      o << buf << (i + 1 < 6 ? "," : "");
    }
    o << "\n";
    const energy::EnergyReport ea = analytic_energy(s, hw, info, c.analytic);
    const auto diff = stats::differences(run_actions(s), info.analytic_actions, "actions");
    std::snprintf(
        buf, sizeof buf, "  energy analytic  %.3f nJ/timestep (%s)\n", ea.per_step_nj,
        diff.empty()
            ? "action counts equal to the run's"
            : (std::to_string(diff.size()) + " action counts differ, first " + diff[0]).c_str());
    o << buf;
  }
  o << "  output check     "
    << (info.check == "skipped"
            ? std::string("skipped (--no-check)")
            : std::string(info.check_passed ? "bit-exact vs the " : "FAILED vs the ") + info.check)
    << "\n";
  std::snprintf(buf, sizeof buf,
                "  speed            %.3f s wall (%.3f s CPU), %.2f M simulated cycles/s, %.0f M "
                "MACs/s",
                s.wall_seconds, s.cpu_seconds, j["simulated_cycles_per_s"].get<double>() / 1e6,
                j["useful_macs_per_s"].get<double>() / 1e6);
  o << buf;
  if (info.reference_seconds > 0) {
    std::snprintf(buf, sizeof buf, "; fixed-point reference %.3f s (ratio %.2fx wall, %.2fx CPU)",
                  info.reference_seconds, s.wall_seconds / info.reference_seconds,
                  j["sim_to_reference_cpu_ratio"].get<double>());
    o << buf;
  }
  o << "\n";
  return o.str();
}

}  // namespace csbrnn::sim
