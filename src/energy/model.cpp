#include "energy/model.h"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "common/error.h"
#include "config/dram_params.h"

namespace csbrnn::energy {

const std::vector<PartDoc>& part_docs() {
  static const std::vector<PartDoc> d = {
      {"pe_macs", "PE array: mac_ops x ops_pj.mac"},
      {"weight_buffer", "WeightBuffer reads: weight_read_bytes x SRAM pJ/byte at its size"},
      {"index", "index memory reads: index_read_bytes x SRAM pJ/byte at the WeightBuffer size"},
      {"input_buffer", "BlockNeuronBuffers: reads and writes x 2 bytes at their size"},
      {"accumulators", "NeuronAccumBuffers: nab_rmw x 6 bytes x (read + write) at their size"},
      {"links", "horizontal (2 bytes) and vertical (6 bytes) link words x neighbour pJ/byte"},
      {"reduce", "reduction: NeuronAccumBuffer reads + (L - 1) add48 per reduced neuron"},
      {"elt_biaswb", "element-wise biaswb x ops_pj.biaswb"},
      {"elt_add", "element-wise add x ops_pj.add16"},
      {"elt_sub", "element-wise sub x ops_pj.add16"},
      {"elt_mul", "element-wise mul x ops_pj.mul16"},
      {"elt_sigmoid", "element-wise sigmoid x ops_pj.sigmoid"},
      {"elt_tanh", "element-wise tanh x ops_pj.tanh"},
      {"elt_copy", "element-wise copy x ops_pj.copy"},
      {"vector_banks",
       "vector banks A..E (2 bytes), Acc and Bias (6 bytes) accesses at their size"},
      {"load_store", "load/store bytes x links_pj_per_byte.load_store"},
      {"dram", "DRAM bursts (x burst bytes x pJ/byte), activates, precharges, refreshes"},
      {"dram_background", "DRAM background power x run time"},
      {"leakage", "on-chip leakage (PEs, SRAM per KiB, element-wise lanes, control) x run time"},
  };
  return d;
}

double EnergyReport::pj(const std::string& part) const {
  for (const Part& p : parts)
    if (p.name == part) return p.pj;
  return 0;
}

std::string dram_device(const HwConfig& hw) {
  if (hw.energy.dram != "auto") return hw.energy.dram;
  if (memory_model(hw.memory) != MemoryModel::Dram) return "ddr4";  // the ZCU102's PS memory
  const std::string name = resolve_dram_model(hw.memory.model).name;
  return name.rfind("lpddr4", 0) == 0 ? "lpddr4" : "ddr4";
}

EnergyReport evaluate(const stats::ActionCounts& a, const HwConfig& hw, const EnergyTable& t,
                      int64_t cycles, int steps, size_t bias_entries) {
  const std::string device = dram_device(hw);
  const auto dev = t.dram.find(device);
  if (dev == t.dram.end()) {
    std::string names;
    for (const auto& [n, _] : t.dram) names += (names.empty() ? "" : ", ") + n;
    throw Error(cat("energy.dram: '", device, "' is not a DRAM device of the energy table ",
                    t.origin, " (devices: ", names, ")"));
  }
  const DramEnergy& d = dev->second;
  const EngineConfig& e = hw.engine;
  const BufferConfig& b = hw.buffers;
  const double wb = double(b.weight_buffer_kib) * 1024, bnb = double(b.block_neuron_buffer) * 2;
  const double nab = double(b.neuron_accum_buffer) * 6, vec = double(b.vector_buffer) * 2;
  const double acc = double(b.vector_buffer) * 6, bias = double(bias_entries) * 6;
  auto rd = [&](double cap) { return t.sram_read_pj_per_byte_at(cap); };
  auto wr = [&](double cap) { return t.sram_write_pj_per_byte_at(cap); };
  const double run_ns = double(cycles) * hw.cycle_ns();
  const double sram_kib =
      double(e.groups()) * b.weight_buffer_kib +
      (double(e.L) * 2 * bnb + double(e.groups()) * 2 * nab + 5 * vec + acc + bias) / 1024.0;
  const double leak_mw = e.pes() * t.leak_pe_mw + sram_kib * t.leak_sram_per_kib_mw +
                         6.0 * hw.eltwise.lanes * t.leak_eltwise_lane_mw + t.leak_control_mw;
  // bytes per counted burst: a DRAM preset counts its own bursts (bus width x burst length),
  // the ideal and simple memories count transactions' memory.burst_bytes pieces
  const double burst = memory_model(hw.memory) == MemoryModel::Dram
                           ? double(resolve_dram_model(hw.memory.model).burst_bytes())
                           : double(hw.memory.burst_bytes);
  EnergyReport r;
  r.table = t.name;
  r.dram_device = device;
  r.cycles = cycles;
  r.steps = steps;
  auto D = [](int64_t x) { return double(x); };
  const double values[] = {
      D(a.mac_ops) * t.mac,
      D(a.weight_read_bytes) * rd(wb),
      D(a.index_read_bytes) * rd(wb),
      D(a.bnb_reads) * 2 * rd(bnb) + D(a.bnb_writes) * 2 * wr(bnb),
      D(a.nab_rmw) * 6 * (rd(nab) + wr(nab)),
      (D(a.link_h_words) * 2 + D(a.link_v_words) * 6) * t.link_neighbour_pj_per_byte,
      D(a.reduce_nab_reads) * 6 * rd(nab) + D(a.reduce_neurons) * (e.L - 1) * t.add48,
      D(a.elt_biaswb) * t.biaswb,
      D(a.elt_add) * t.add16,
      D(a.elt_sub) * t.add16,
      D(a.elt_mul) * t.mul16,
      D(a.elt_sigmoid) * t.sigmoid,
      D(a.elt_tanh) * t.tanh,
      D(a.elt_copy) * t.copy,
      D(a.vec_reads) * 2 * rd(vec) + D(a.vec_writes) * 2 * wr(vec) + D(a.acc_reads) * 6 * rd(acc) +
          D(a.acc_writes) * 6 * wr(acc) + D(a.bias_reads) * 6 * rd(bias),
      D(a.load_bytes + a.store_bytes) * t.link_load_store_pj_per_byte,
      D(a.dram_read_bursts) * burst * d.read_pj_per_byte +
          D(a.dram_write_bursts) * burst * d.write_pj_per_byte +
          D(a.dram_activates) * d.activate_pj + D(a.dram_precharges) * d.precharge_pj +
          D(a.dram_refreshes) * d.refresh_pj,
      d.background_mw * run_ns,  // mW x ns = pJ
      leak_mw * run_ns,
  };
  const auto& docs = part_docs();
  static_assert(sizeof values / sizeof values[0] == 19, "one value per part");
  for (size_t i = 0; i < docs.size(); ++i) {
    r.parts.push_back({docs[i].name, values[i]});
    r.total_pj += values[i];
  }
  r.per_step_nj = steps > 0 ? r.total_pj / steps / 1000.0 : 0;
  r.power_mw = run_ns > 0 ? r.total_pj / run_ns : 0;
  r.frames_per_joule = r.total_pj > 0 ? double(steps) / (r.total_pj * 1e-12) : 0;
  return r;
}

nlohmann::json energy_json(const EnergyReport& r) {
  nlohmann::json by = nlohmann::json::object();
  for (const Part& p : r.parts) by[p.name] = p.pj;
  return {{"table", r.table},       {"dram_device", r.dram_device},
          {"total_pj", r.total_pj}, {"per_step_nj", r.per_step_nj},
          {"power_mw", r.power_mw}, {"frames_per_joule", r.frames_per_joule},
          {"by_unit_pj", by}};
}

std::string energy_line(const EnergyReport& r, double clock_mhz) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%.3f nJ/timestep, %.2f mW at %.0f MHz, %.4g frames/J (table %s, dram %s)",
                r.per_step_nj, r.power_mw, clock_mhz, r.frames_per_joule, r.table.c_str(),
                r.dram_device.c_str());
  return buf;
}

std::string energy_svg(const EnergyReport& r, const std::string& title) {
  const int left = 130, top = 40, bar_h = 18, max_w = 520;
  double most = 0;
  for (const Part& p : r.parts) most = std::max(most, p.pj);
  const int height = top + bar_h * int(r.parts.size()) + 30, width = left + max_w + 200;
  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"monospace\" font-size=\"11\">\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s: %.3f nJ per timestep, %.2f mW (table %s)", title.c_str(),
                r.per_step_nj, r.power_mw, r.table.c_str());
  std::string head;
  for (char ch : std::string(buf)) {
    if (ch == '<')
      head += "&lt;";
    else if (ch == '&')
      head += "&amp;";
    else
      head += ch;
  }
  o << "<text x=\"4\" y=\"18\" font-size=\"13\">" << head << "</text>\n";
  for (size_t i = 0; i < r.parts.size(); ++i) {
    const Part& p = r.parts[i];
    const int y = top + int(i) * bar_h;
    const int w = most > 0 ? int(max_w * p.pj / most + 0.5) : 0;
    const double share = r.total_pj > 0 ? 100 * p.pj / r.total_pj : 0;
    const double nj = r.steps > 0 ? p.pj / r.steps / 1000.0 : 0;
    o << "<text x=\"4\" y=\"" << y + bar_h - 5 << "\">" << p.name << "</text>\n";
    o << "<rect x=\"" << left << "\" y=\"" << y << "\" width=\"" << w << "\" height=\"" << bar_h - 3
      << "\" fill=\"rgb(30,70,160)\"><title>" << p.name << "</title></rect>\n";
    std::snprintf(buf, sizeof buf, "%.4g nJ/step (%.1f%%)", nj, share);
    o << "<text x=\"" << left + w + 6 << "\" y=\"" << y + bar_h - 5 << "\">" << buf << "</text>\n";
  }
  o << "</svg>\n";
  return o.str();
}

}  // namespace csbrnn::energy
