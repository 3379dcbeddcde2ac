#include "sim/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

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
  const char* path;  // dotted key in stats.json
  const char* unit;
  const char* description;
  json (*value)(const RunView&);
};

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
                     {"elements", u.elements}});
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
      {"host.bytes", "bytes", "written by the host before cycle 0 (program, images, inputs)",
       [](V v) -> json { return v.s.host_bytes; }},
      {"host.transactions", "transactions", "host-interface transactions",
       [](V v) -> json { return v.s.host_transactions; }},
      {"host.load_ns", "ns", "modelled host-interface time (before cycle 0)",
       [](V v) -> json { return v.s.host_load_ns; }},
      {"units", "-",
       "per unit: `unit`, `sections` run, `busy_cycles` (cycles holding work), `elements` "
       "processed",
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

}  // namespace

json stats_json(const SimStats& s, const timing::TimingReport& a, const Comparison& c,
                const HwConfig& hw, const RunInfo& info) {
  const RunView v{s, a, c, hw, info};
  json j = json::object();
  for (const RunStat& r : run_stats()) j[stats::pointer(r.path)] = r.value(v);
  return j;
}

std::vector<std::string> stats_json_paths() {
  std::vector<std::string> p;
  for (const RunStat& r : run_stats()) p.push_back(r.path);
  return p;
}

std::string stats_markdown() {
  std::vector<stats::StatDoc> run;
  for (const RunStat& r : run_stats()) {
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
    << hw.engine.clock_mhz << " MHz, memory " << (hw.memory.ideal ? "ideal" : "DRAM") << ")\n";
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
