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
  c.must_match = hw.memory.ideal && !streamed;
  if (s.stall_dram_cycles > 0)
    c.causes.push_back("DRAM latency/bandwidth: load/store sections " +
                       std::to_string(s.stall_dram_cycles) +
                       " cycles longer than the ideal transfer (memory.ideal = false)");
  if (s.stall_weight_cycles > 0 || streamed)
    c.causes.push_back("weight streaming: weights exceed buffers.weight_buffer_kib; iterations " +
                       std::to_string(s.stall_weight_cycles) +
                       " cycles longer waiting for tiles from DRAM");
  return c;
}

namespace {
double safe_div(double a, double b) {
  return b > 0 ? a / b : 0.0;
}
}  // namespace

json stats_json(const SimStats& s, const timing::TimingReport& a, const Comparison& c,
                const HwConfig& hw, const RunInfo& info) {
  const double mhz = hw.engine.clock_mhz;
  json j;
  j["program"] = info.program;
  j["check"] = {{"against", info.check}, {"passed", info.check_passed}};
  j["hw"] = {{"name", hw.name},
             {"pe_groups", std::to_string(hw.engine.K) + "x" + std::to_string(hw.engine.L)},
             {"pes_per_group", std::to_string(hw.engine.P) + "x" + std::to_string(hw.engine.Q)},
             {"pes", hw.engine.pes()},
             {"clock_mhz", mhz},
             {"memory_ideal", hw.memory.ideal}};
  const int64_t per_step = s.steps ? s.total_cycles / s.steps : 0;
  j["steps"] = s.steps;
  j["cycles"] = {{"total", s.total_cycles},
                 {"per_step", s.step_cycles},
                 {"per_step_mean", safe_div(double(s.total_cycles), s.steps)},
                 {"per_layer", s.layer_cycles},
                 {"engine", s.engine_cycles},
                 {"engine_issue", s.engine_issue_cycles}};
  (void)per_step;
  const double lat_us = safe_div(double(s.total_cycles), double(s.steps)) / mhz;
  j["latency_us_per_step"] = lat_us;
  j["frames_per_s"] = safe_div(1e6, lat_us);
  j["run_time_us"] = double(s.total_cycles) / mhz;
  j["pe_utilization"] = safe_div(double(s.useful_macs), double(hw.engine.pes()) * s.engine_cycles);
  j["group_occupancy"] =
      safe_div(double(s.tiles_issued), double(hw.engine.groups()) * s.engine_cycles);
  j["pe_utilization_run"] =
      safe_div(double(s.useful_macs), double(hw.engine.pes()) * s.total_cycles);
  j["imbalance"] = s.imbalance_iters ? s.imbalance_sum / double(s.imbalance_iters) : 1.0;
  j["useful_macs"] = s.useful_macs;
  j["tiles_issued"] = s.tiles_issued;
  j["iterations"] = s.iterations;
  j["stalls"] = {{"input_load_cycles", s.stall_input_cycles},
                 {"weight_stream_cycles", s.stall_weight_cycles},
                 {"dram_cycles", s.stall_dram_cycles}};
  j["dram"] = {{"bytes_read", s.dram_bytes_read},
               {"bytes_written", s.dram_bytes_written},
               {"transactions", s.dram_transactions}};
  j["host"] = {
      {"bytes", s.host_bytes}, {"transactions", s.host_transactions}, {"load_ns", s.host_load_ns}};
  json units = json::array();
  for (const auto& u : s.units)
    units.push_back({{"unit", u.name},
                     {"sections", u.sections},
                     {"busy_cycles", u.busy_cycles},
                     {"elements", u.elements}});
  j["units"] = units;
  json groups = json::array();
  for (const auto& g : s.groups)
    groups.push_back({{"k", g.k},
                      {"l", g.l},
                      {"busy", g.busy},
                      {"barrier_idle", g.barrier_idle},
                      {"stall_input", g.stall_input},
                      {"stall_weights", g.stall_weights},
                      {"engine_overhead", g.engine_overhead},
                      {"outside", g.outside},
                      {"tiles_local", g.tiles_local},
                      {"tiles_given_h", g.tiles_given_h},
                      {"tiles_given_v", g.tiles_given_v},
                      {"tiles_received_h", g.tiles_received_h},
                      {"tiles_received_v", g.tiles_received_v},
                      {"useful_macs", g.useful_macs},
                      {"weight_bytes_total", g.weight_bytes_total},
                      {"weight_bytes_resident", g.weight_bytes_resident},
                      {"weight_bytes_streamed", g.weight_bytes_streamed},
                      {"utilization", safe_div(double(g.busy), double(s.engine_cycles))}});
  j["groups"] = groups;
  j["analytic"] = {{"cycles_total", c.analytic},
                   {"cycles_per_step", a.cycles_per_step},
                   {"latency_us", a.latency_us},
                   {"pe_utilization", a.pe_utilization},
                   {"group_occupancy", a.group_occupancy},
                   {"imbalance", a.imbalance},
                   {"engine_cycles_per_step", a.engine_cycles}};
  j["comparison"] = {{"simulated", c.simulated},
                     {"analytic", c.analytic},
                     {"difference", c.difference},
                     {"must_match", c.must_match},
                     {"causes", c.causes}};
  j["wall_seconds"] = s.wall_seconds;
  j["reference_wall_seconds"] = info.reference_seconds;
  j["sim_to_reference_wall_ratio"] = safe_div(s.wall_seconds, info.reference_seconds);
  j["simulated_cycles_per_s"] = safe_div(double(s.total_cycles), s.wall_seconds);
  // MACs per second: the cycles/s figure depends on how many MACs a cycle carries.
  j["useful_macs_per_s"] = safe_div(double(s.useful_macs), s.wall_seconds);
  j["cpu_seconds"] = s.cpu_seconds;
  j["reference_cpu_seconds"] = info.reference_cpu_seconds;
  j["sim_to_reference_cpu_ratio"] = safe_div(s.cpu_seconds, info.reference_cpu_seconds);
  j["simulated_cycles_per_cpu_s"] = safe_div(double(s.total_cycles), s.cpu_seconds);
  j["useful_macs_per_cpu_s"] = safe_div(double(s.useful_macs), s.cpu_seconds);
  return j;
}

std::string stats_csv(const SimStats& s) {
  std::ostringstream o;
  o << "k,l,busy,barrier_idle,stall_input,stall_weights,engine_overhead,outside,total,"
       "tiles_local,tiles_given_h,tiles_given_v,tiles_received_h,tiles_received_v,useful_macs,"
       "weight_bytes_total,weight_bytes_resident,weight_bytes_streamed\n";
  for (const auto& g : s.groups)
    o << g.k << ',' << g.l << ',' << g.busy << ',' << g.barrier_idle << ',' << g.stall_input << ','
      << g.stall_weights << ',' << g.engine_overhead << ',' << g.outside << ','
      << (g.busy + g.barrier_idle + g.stall_input + g.stall_weights + g.engine_overhead + g.outside)
      << ',' << g.tiles_local << ',' << g.tiles_given_h << ',' << g.tiles_given_v << ','
      << g.tiles_received_h << ',' << g.tiles_received_v << ',' << g.useful_macs << ','
      << g.weight_bytes_total << ',' << g.weight_bytes_resident << ',' << g.weight_bytes_streamed
      << '\n';
  return o.str();
}

std::string utilization_svg(const SimStats& s, const HwConfig& hw) {
  size_t nb = 1;
  for (const auto& g : s.groups) nb = std::max(nb, g.busy_buckets.size());
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
    const int y = top + int(gi) * cell_h;
    o << "<text x=\"4\" y=\"" << y + cell_h - 3 << "\">(" << g.k << "," << g.l << ")</text>\n";
    for (size_t b = 0; b < nb; ++b) {
      const int64_t start = int64_t(b) * w;
      const int64_t span = std::max<int64_t>(1, std::min(w, s.total_cycles - start));
      const double u =
          b < g.busy_buckets.size() ? std::min(1.0, double(g.busy_buckets[b]) / span) : 0;
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
  for (size_t i = 0; i < s.layer_cycles.size(); ++i)
    o << (i ? ", " : "") << "L" << i << " " << s.layer_cycles[i];
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
