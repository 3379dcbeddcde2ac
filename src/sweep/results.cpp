// write_results: the merged table (results.csv, results.md) and plots of a sweep directory.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "common/error.h"
#include "common/file_util.h"
#include "config/hw_keys.h"
#include "sweep/manifest.h"
#include "sweep/report.h"
#include "sweep/runner.h"
#include "sweep/search.h"

namespace csbrnn::sweep {
namespace fs = std::filesystem;
namespace {

std::string full(double v) {
  char b[40];
  std::snprintf(b, sizeof b, "%.10g", v);
  return b;
}

std::string fixed(double v, int digits) {
  char b[40];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

std::string pct(double v) {
  return fixed(100 * v, 1) + "%";
}

struct Row {
  Point p;
  nlohmann::json r;  // points/ID.json (empty object when missing)
  std::string status;
  std::map<std::string, std::string> cells;  // column -> CSV text
};

double get(const nlohmann::json& j, const std::string& a, const std::string& b) {
  if (!j.contains(a) || !j[a].contains(b)) return NAN;
  return j[a][b].get<double>();
}

std::string sanitize(const std::string& s) {
  std::string o;
  for (char c : s) o += std::isalnum((unsigned char)c) ? c : '_';
  return o;
}

// What the tables and plots of one sweep depend on besides the rows (a first pass over the
// points: their configs, no result files).
struct Layout {
  std::vector<std::string> hwk;  // hardware keys that differ between points
  bool any_variant = false, any_sim = false, any_paper = false;
  bool any_tile = false, any_permute = false;  // a csb-tile point; a permuted point
  Point first;                                 // point 0 (the preamble's shared settings)
  HwConfig first_cfg;
};

Layout layout_of(Expansion& ex) {
  Layout f;
  std::vector<const HwKey*> keys;
  std::vector<std::string> first;
  std::vector<bool> differs;
  for (const auto& k : hw_keys())
    if (k.path != "name") keys.push_back(&k);
  for (int64_t i = 0; i < ex.size(); ++i) {
    const Point p = ex.prune_point(i);
    const HwConfig c = ex.config(i);
    f.any_variant |= !p.variant.empty();
    f.any_tile |= p.method == "csb-tile";
    f.any_permute |= p.permute != "none";
    f.any_sim |= p.mode == Mode::Simulate;
    f.any_paper |= p.paper_latency_us > 0;
    if (i == 0) {
      f.first = p;
      f.first_cfg = c;
      for (const HwKey* k : keys) first.push_back(k->get(c));
      differs.assign(keys.size(), false);
      continue;
    }
    for (size_t k = 0; k < keys.size(); ++k)
      if (!differs[k] && keys[k]->get(c) != first[k]) differs[k] = true;
  }
  for (size_t k = 0; k < keys.size(); ++k)
    if (differs[k]) f.hwk.push_back(keys[k]->path);
  return f;
}

std::string spec_title(const std::string& dir, const std::string& title_in) {
  std::string title = title_in;
  if (title.empty() && fs::exists(fs::path(dir) / "spec.yaml")) {
    try {  // --report-only: the name from the copy of the spec
      const YAML::Node n = YAML::LoadFile((fs::path(dir) / "spec.yaml").string());
      if (n.IsMap() && n["name"] && n["name"].IsScalar()) title = n["name"].Scalar();
    } catch (const YAML::Exception&) {
    }
  }
  return title;
}

// Plots of an earlier run of this directory may belong to other dimensions.
void remove_old_plots(const std::string& dir) {
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    if (f.rfind("plot_", 0) == 0 && e.path().extension() == ".svg") fs::remove(e.path());
  }
}

// The columns of an "ok" point: its analytic figures, compile figures and, when simulated, the
// figures its points/ID.json copied from the run's stats.json (sweep/runner.cpp).
void result_cells(const Point& p, const nlohmann::json& r, std::map<std::string, std::string>& c) {
  const auto& a = r["analytic"];
  c["cycles_per_step"] = std::to_string(a["cycles_per_step"].get<int64_t>());
  for (const char* k :
       {"latency_us", "frames_per_s", "pe_utilization", "group_occupancy", "imbalance"})
    c[k] = full(a[k].get<double>());
  for (const char* k : {"engine_cycles", "issue_cycles", "drain_cycles", "input_stall_cycles",
                        "outside_engine_cycles", "ideal_cycles"})
    if (a.contains(k)) c[k] = std::to_string(a[k].get<int64_t>());
  const auto& cm = r["compile"];
  c["max_group_weight_kib"] = full(cm["max_group_bytes"].get<double>() / 1024.0);
  if (cm.contains("model_overflow")) {
    c["weight_buffer_overflow"] = cm["model_overflow"].get<bool>() ? "yes" : "no";
    c["model_group_weight_kib"] = full(cm["model_max_group_bytes"].get<double>() / 1024.0);
  }
  for (const char* k : {"energy_per_step_nj", "power_mw", "frames_per_joule"})  // energy
    if (a.contains(k)) c[k] = full(a[k].get<double>());
  if (r.contains("sim") && r["sim"].contains("energy_per_step_nj"))
    for (const char* k : {"energy_per_step_nj", "power_mw", "frames_per_joule"})
      c[std::string("sim_") + k] = full(r["sim"][k].get<double>());
  if (cm.contains("decision_units")) {  // the scheduler's decision units (compile/compiler.h)
    c["decision_units"] = std::to_string(cm["decision_units"].get<int64_t>());
    c["proven_units"] = std::to_string(cm["proven_units"].get<int64_t>());
    c["unproven_units"] = std::to_string(cm["unproven"]["count"].get<int64_t>());
    c["gap_tiles"] = std::to_string(cm["unproven"]["gap_tiles"].get<int64_t>());
  }
  c["compile_s"] = full(r["compile"]["seconds"].get<double>());
  if (r.contains("model")) c["achieved_rate"] = full(r["model"].value("achieved_rate", 0.0));
  if (r.contains("sim")) {
    const auto& s = r["sim"];
    c["sim_cycles_per_step"] = full(s["cycles_per_step"].get<double>());
    c["sim_latency_us"] = full(s["latency_us"].get<double>());
    c["sim_pe_utilization"] = full(s["pe_utilization"].get<double>());
    c["sim_minus_analytic_cycles"] = std::to_string(s["difference_cycles"].get<int64_t>());
    // stats.json "stalls" (sim/report.cpp run_stats)
    c["stall_input_cycles"] = std::to_string(s["stalls"]["input_load_cycles"].get<int64_t>());
    c["stall_weight_cycles"] = std::to_string(s["stalls"]["weight_stream_cycles"].get<int64_t>());
    c["stall_dram_cycles"] = std::to_string(s["stalls"]["dram_cycles"].get<int64_t>());
    c["sim_check"] = s["check"].value("passed", false) ? "passed" : "not passed";
    c["sim_wall_s"] = full(s["wall_seconds"].get<double>());
  }
  c["point_wall_s"] = full(r.value("wall_seconds", 0.0));
  if (p.paper_latency_us > 0)
    c["latency_vs_paper"] = full(a["latency_us"].get<double>() / p.paper_latency_us);
}

Row read_row(const std::string& dir, const Point& p, const HwConfig& cfg, const Layout& f) {
  Row row;
  row.p = p;
  const std::string file = (fs::path(dir) / "points" / (p.id + ".json")).string();
  row.r = nlohmann::json::object();
  if (fs::exists(file)) {
    try {
      row.r = nlohmann::json::parse(read_text_file(file));
    } catch (const std::exception&) {
      row.r = nlohmann::json::object();
    }
  }
  row.status = row.r.value("status", std::string("missing"));
  auto& c = row.cells;
  c["id"] = p.id;
  c["model"] = p.model;
  c["mode"] = mode_name(p.mode);
  c["method"] = p.method;
  c["rate"] = p.model_kind == "csb" ? "-" : full(p.rate);
  c["block"] = p.model_kind == "csb" ? "-" : cat(p.block.bh, "x", p.block.bw);
  c["tile"] = p.method == "csb-tile" ? cat(p.tile.bh, "x", p.tile.bw) : "-";
  c["permute"] = p.permute;
  c["variant"] = p.variant;
  for (const auto& k : f.hwk) c[k] = find_hw_key(k)->get(cfg);
  c["status"] = row.status;
  c["error"] = row.r.value("error", std::string());
  if (row.status == "ok") result_cells(p, row.r, c);
  if (p.paper_latency_us > 0) {
    c["paper_latency_us"] = full(p.paper_latency_us);
    c["paper_source"] = p.paper_source;
  }
  return row;
}

std::vector<std::string> csv_columns(const Layout& f) {
  std::vector<std::string> cols = {"id", "model", "mode", "method", "rate", "block"};
  if (f.any_tile) cols.push_back("tile");
  if (f.any_permute) cols.push_back("permute");
  if (f.any_variant) cols.push_back("variant");
  cols.insert(cols.end(), f.hwk.begin(), f.hwk.end());
  for (const char* k :
       {"status", "cycles_per_step", "latency_us", "frames_per_s", "pe_utilization",
        "group_occupancy", "imbalance", "weight_buffer_overflow", "model_group_weight_kib",
        "max_group_weight_kib", "achieved_rate", "engine_cycles", "issue_cycles", "drain_cycles",
        "input_stall_cycles", "outside_engine_cycles", "ideal_cycles"})
    cols.push_back(k);
  for (const char* k : {"energy_per_step_nj", "power_mw", "frames_per_joule"})  // analytic
    cols.push_back(k);
  if (f.any_sim)
    for (const char* k : {"sim_cycles_per_step", "sim_latency_us", "sim_pe_utilization",
                          "sim_minus_analytic_cycles", "stall_input_cycles", "stall_weight_cycles",
                          "stall_dram_cycles", "sim_check", "sim_wall_s", "sim_energy_per_step_nj",
                          "sim_power_mw", "sim_frames_per_joule"})
      cols.push_back(k);
  if (f.any_paper)
    for (const char* k : {"paper_latency_us", "latency_vs_paper", "paper_source"})
      cols.push_back(k);
  for (const char* k : {"decision_units", "proven_units", "unproven_units", "gap_tiles",
                        "compile_s", "point_wall_s", "error"})
    cols.push_back(k);
  return cols;
}

// The title, the counts and the hardware settings every point shares.
std::string md_preamble(const std::string& title, int64_t points, int64_t ok, const Layout& f) {
  std::ostringstream md;
  md << "# " << (title.empty() ? "csbrnn sweep" : title) << "\n\n";
  md << points << " points: " << ok << " ok, " << points - ok
     << " failed or missing. Latency = cycles per timestep / clock (analytic model";
  if (f.any_sim) md << "; `sim` columns: SystemC cycle-accurate run";
  md << "). PE util = useful MACs / (PEs x engine cycles); occupancy = tile-issue cycles / "
        "(groups x engine cycles).\n\n";
  if (points == 0) return md.str();
  // the hardware settings every point shares (overrides of the base config not swept)
  std::vector<std::string> common;
  for (const auto& kv : f.first.hw) {
    if (std::find(f.hwk.begin(), f.hwk.end(), kv.first) != f.hwk.end() || kv.first == "name")
      continue;
    const std::string v = find_hw_key(kv.first)->get(f.first_cfg);
    if (std::find(common.begin(), common.end(), kv.first + "=" + v) == common.end())
      common.push_back(kv.first + "=" + v);
  }
  md << "Hardware: the spec's `hw.base`";
  if (!common.empty()) {
    md << " with";
    for (const auto& c : common) md << " `" << c << "`";
  }
  md << (f.hwk.empty() ? "" : "; keys that differ between points are columns")
     << " (resolved configs: points/ID.json).\n\n";
  return md.str();
}

std::string cell_of(const Row& r, const std::string& k) {
  auto it = r.cells.find(k);
  return it == r.cells.end() ? std::string() : it->second;
}

// One Markdown row of an "ok" point after its `mcols` cells.
void md_result_cells(std::ostringstream& md, const Row& r, const Layout& f) {
  const auto& a = r.r["analytic"];
  md << " " << a["cycles_per_step"].get<int64_t>() << " | "
     << fixed(a["latency_us"].get<double>(), 3) << " | "
     << fixed(a["frames_per_s"].get<double>(), 0) << " | " << pct(a["pe_utilization"].get<double>())
     << " | " << pct(a["group_occupancy"].get<double>()) << " | "
     << fixed(a["imbalance"].get<double>(), 3) << " | " << cell_of(r, "weight_buffer_overflow")
     << " |";
  if (f.any_sim) {
    if (r.r.contains("sim")) {
      const auto& s = r.r["sim"];
      md << " " << fixed(s["cycles_per_step"].get<double>(), 1) << " | "
         << s["difference_cycles"].get<int64_t>() << " | " << cell_of(r, "stall_input_cycles")
         << "/" << cell_of(r, "stall_weight_cycles") << "/" << cell_of(r, "stall_dram_cycles")
         << " | " << fixed(s["wall_seconds"].get<double>(), 2) << " |";
    } else {
      md << " – | – | – | – |";
    }
  }
  if (f.any_paper) {
    if (r.p.paper_latency_us > 0)
      md << " " << r.p.paper_latency_us << " | "
         << fixed(a["latency_us"].get<double>() / r.p.paper_latency_us, 2) << "x |";
    else
      md << " – | – |";
  }
  md << " " << fixed(r.r["compile"]["seconds"].get<double>(), 2) << " |\n";
}

struct MdTable {
  std::vector<std::string> mcols, heads;
};

MdTable md_columns(const Layout& f) {
  MdTable t;
  t.mcols = {"model", "mode", "method", "rate", "block"};
  if (f.any_tile) t.mcols.push_back("tile");
  if (f.any_permute) t.mcols.push_back("permute");
  if (f.any_variant) t.mcols.push_back("variant");
  t.mcols.insert(t.mcols.end(), f.hwk.begin(), f.hwk.end());
  t.heads = t.mcols;
  for (const char* h : {"cycles/step", "latency µs", "frames/s", "PE util", "occupancy",
                        "imbalance", "WB overflow"})
    t.heads.push_back(h);
  if (f.any_sim)
    for (const char* h : {"sim cycles/step", "sim − analytic", "stalls in/wt/dram", "sim wall s"})
      t.heads.push_back(h);
  if (f.any_paper)
    for (const char* h : {"paper µs", "ours/paper"}) t.heads.push_back(h);
  t.heads.push_back("compile s");
  return t;
}

std::string md_head(const MdTable& t) {
  std::ostringstream md;
  md << "|";
  for (const auto& h : t.heads) md << " " << h << " |";
  md << "\n|";
  for (size_t i = 0; i < t.heads.size(); ++i) md << (i < t.mcols.size() ? "---|" : "---:|");
  md << "\n";
  return md.str();
}

std::string md_row(const MdTable& t, const Row& r, const Layout& f) {
  std::ostringstream md;
  md << "|";
  for (const auto& k : t.mcols) md << " " << cell_of(r, k) << " |";
  if (r.status != "ok") {
    md << " **" << r.status << "**: " << cell_of(r, "error");
    for (size_t i = t.mcols.size() + 1; i < t.heads.size(); ++i) md << " |";
    md << " |\n";
  } else {
    md_result_cells(md, r, f);
  }
  return md.str();
}

// What the plots and Pareto fronts keep of a row: its settings as small codes (one per plot
// dimension, interned) and four numbers; about 40 bytes + 4 per dimension a point.
struct Dims {
  std::vector<std::string> names;                     // model, method, rate, block, [variant], hwk
  std::vector<std::map<std::string, uint32_t>> code;  // per dimension: value -> code
  std::vector<std::vector<std::string>> value;        // per dimension: code -> value
  uint32_t intern(size_t d, const std::string& v) {
    auto it = code[d].find(v);
    if (it != code[d].end()) return it->second;
    const uint32_t c = uint32_t(value[d].size());
    code[d].emplace(v, c);
    value[d].push_back(v);
    return c;
  }
};

struct Rec {
  int64_t index;
  bool ok;
  double latency, util, pes, wb_bytes;
  double energy_nj = NAN;  // analytic energy per timestep (absent in results made before it)
};

struct Recs {
  Dims dims;
  std::vector<Rec> rows;
  std::vector<uint32_t> codes;       // rows x dims
  std::map<uint32_t, double> paper;  // model code -> paper latency
  uint32_t at(size_t row, size_t d) const { return codes[row * dims.names.size() + d]; }
  const std::string& cell(size_t row, size_t d) const { return dims.value[d][at(row, d)]; }
};

// The swept dimensions that get a plot. A dimension is swept when it takes several values for
// one model (a per-model setting such as the paper latency spec's rate or PE grid is not an
// axis); "model" when there are several. A setting that is a function of another swept one
// (engine.pe_groups of a variant) adds no axis: of two settings that determine each other, the
// first is kept.
std::vector<size_t> plot_dims(const Recs& R, const Layout& f) {
  const size_t nd = R.dims.names.size();
  std::vector<size_t> swept;
  for (size_t d = 0; d < nd; ++d) {
    std::map<uint32_t, std::set<uint32_t>> vals;  // model -> values of d
    for (size_t r = 0; r < R.rows.size(); ++r) vals[d == 0 ? 0 : R.at(r, 0)].insert(R.at(r, d));
    bool swept_d = false;
    for (const auto& kv : vals) swept_d |= kv.second.size() > 1;
    if (swept_d || (d == 0 && f.any_paper)) swept.push_back(d);
  }
  auto determines = [&](size_t e, size_t d) {
    std::vector<int64_t> fn(R.dims.value[e].size(), -1);
    for (size_t r = 0; r < R.rows.size(); ++r) {
      int64_t& v = fn[R.at(r, e)];
      if (v < 0) v = R.at(r, d);
      if (v != int64_t(R.at(r, d))) return false;
    }
    return true;
  };
  std::vector<size_t> kept;
  for (size_t i = 0; i < swept.size(); ++i) {
    bool redundant = false;
    for (size_t k = 0; k < swept.size() && !redundant; ++k) {
      if (k == i || swept[i] == 0 || swept[k] == 0) continue;
      if (determines(swept[k], swept[i]) && (!determines(swept[i], swept[k]) || k < i))
        redundant = true;
    }
    if (!redundant) kept.push_back(swept[i]);
  }
  return kept;
}

// The series label of a row in the plot of `d`: its values of the other swept settings.
std::string series_label(const Recs& R, size_t r, const std::vector<size_t>& swept, size_t d) {
  std::string label;
  for (size_t o : swept)
    if (o != d)
      label += (label.empty() ? "" : " ") + (o == 0 ? "" : R.dims.names[o] + "=") + R.cell(r, o);
  return label.empty() ? "csbrnn" : label;
}

constexpr size_t kMaxPlotBars = 4000;  // a bar chart with more is not drawn (unreadable, huge)

// plot_D.svg: x = the values of d, one bar series per combination of the other swept
// settings; latency and PE utilization stacked. Returns "" (and `why`) when it has too many bars.
std::string write_plot(const std::string& dir, const Recs& R, const std::vector<size_t>& swept,
                       size_t d, std::string& why) {
  std::vector<std::string> cats, names;
  std::map<uint32_t, size_t> cat_i;
  std::map<std::string, size_t> ser_i;
  std::vector<size_t> row_ser(R.rows.size());
  for (size_t r = 0; r < R.rows.size(); ++r) {
    const uint32_t v = R.at(r, d);
    if (!cat_i.count(v)) cat_i[v] = cats.size(), cats.push_back(R.dims.value[d][v]);
    const std::string label = series_label(R, r, swept, d);
    auto it = ser_i.find(label);
    if (it == ser_i.end()) it = ser_i.emplace(label, names.size()).first, names.push_back(label);
    row_ser[r] = it->second;
  }
  const std::string name = "plot_" + sanitize(R.dims.names[d]) + ".svg";
  if (cats.size() * names.size() > kMaxPlotBars) {
    why = cat("`", name, "` not drawn: ", cats.size(), " values x ", names.size(),
              " series = more than ", kMaxPlotBars, " bars (results.csv has every point)");
    return "";
  }
  auto make = [&](bool latency, double scale) {
    std::vector<BarSeries> s(names.size());
    for (size_t i = 0; i < names.size(); ++i)
      s[i].name = names[i], s[i].values.assign(cats.size(), NAN);
    for (size_t r = 0; r < R.rows.size(); ++r)
      if (R.rows[r].ok)
        s[row_ser[r]].values[cat_i[R.at(r, d)]] =
            scale * (latency ? R.rows[r].latency : R.rows[r].util);
    return s;
  };
  auto lat = make(true, 1.0);
  if (d == 0 && !R.paper.empty()) {
    BarSeries paper{"paper", std::vector<double>(cats.size(), NAN)};
    for (const auto& [m, us] : R.paper) paper.values[cat_i[m]] = us;
    lat.push_back(paper);
  }
  const auto util = make(false, 100.0);
  const std::string& dn = R.dims.names[d];
  const std::string svg = stack_svgs(
      {bar_chart_svg("Latency per timestep vs " + dn + " (analytic)", "µs", cats, lat, true),
       bar_chart_svg("PE utilization vs " + dn + " (analytic)", "%", cats, util, false)});
  write_file_atomic((fs::path(dir) / name).string(), svg);
  return name;
}

// pareto: given in the copy of the spec, else on when it searches (spec.cpp apply_key).
bool spec_pareto(const std::string& dir) {
  try {
    const YAML::Node n = YAML::LoadFile((fs::path(dir) / "spec.yaml").string());
    if (!n.IsMap()) return false;
    if (n["pareto"] && n["pareto"].IsScalar()) return n["pareto"].as<bool>();
    return n["search"] && n["search"].IsScalar() && n["search"].Scalar() != "grid";
  } catch (const std::exception&) {
    return false;
  }
}

/// pareto.md and its plots: per model, the ok points' latency against the PE count, against the
/// weight-buffer capacity (groups x buffers.weight_buffer_kib) and against the analytic energy
/// per timestep (docs/energy.md), and their fronts.
std::vector<std::string> write_pareto(const std::string& dir, const Recs& R, const Layout& f,
                                      Manifest& man) {
  struct Obj {
    const char* file;
    const char* title;
    const char* x_label;
    double Rec::*x;
  };
  const Obj all[] = {{"pareto_pes.svg", "latency vs PE count", "PEs", &Rec::pes},
                     {"pareto_weight_buffer.svg", "latency vs weight-buffer bytes",
                      "weight-buffer bytes", &Rec::wb_bytes},
                     {"pareto_energy.svg", "latency vs energy per timestep",
                      "energy per timestep (nJ)", &Rec::energy_nj}};
  // the energy front only when the results carry energy (results of older binaries do not)
  bool any_energy = false;
  for (const Rec& rec : R.rows) any_energy = any_energy || (rec.ok && !std::isnan(rec.energy_nj));
  std::vector<Obj> objs(std::begin(all), std::end(all) - (any_energy ? 0 : 1));
  const size_t first_hwk = R.dims.names.size() - f.hwk.size();
  std::vector<uint32_t> models;
  for (size_t r = 0; r < R.rows.size(); ++r)
    if (R.rows[r].ok && std::find(models.begin(), models.end(), R.at(r, 0)) == models.end())
      models.push_back(R.at(r, 0));
  std::ostringstream md;
  md << "# Pareto fronts\n\nPer model, the ok points not dominated by another (lower latency "
        "and lower cost; docs/sweep.md \"Search and Pareto front\"). Latency: analytic "
        "`latency_us` per timestep; energy per timestep is the `energy_per_step_nj` column "
        "(docs/energy.md).\n";
  std::vector<std::string> files;
  for (const Obj& o : objs) {
    md << "\n## " << o.title << "\n\n| model | id | " << o.x_label << " | latency_us |";
    for (const auto& k : f.hwk) md << " " << k << " |";
    md << "\n|---|---|---|---|";
    for (size_t i = 0; i < f.hwk.size(); ++i) md << "---|";
    md << "\n";
    std::vector<ScatterSeries> series;
    for (uint32_t m : models) {
      ScatterSeries s;
      s.name = R.dims.value[0][m];
      std::vector<size_t> of;
      for (size_t r = 0; r < R.rows.size(); ++r) {
        const Rec& rec = R.rows[r];
        if (!rec.ok || R.at(r, 0) != m || std::isnan(rec.*o.x)) continue;
        s.points.emplace_back(rec.*o.x, rec.latency);
        of.push_back(r);
      }
      for (size_t i : pareto_front(s.points)) {
        s.front.push_back(s.points[i]);
        md << "| " << s.name << " | " << man.id_at(R.rows[of[i]].index) << " | "
           << full(s.points[i].first) << " | " << full(s.points[i].second) << " |";
        for (size_t k = 0; k < f.hwk.size(); ++k) md << " " << R.cell(of[i], first_hwk + k) << " |";
        md << "\n";
      }
      series.push_back(s);
    }
    write_file_atomic((fs::path(dir) / o.file).string(),
                      scatter_svg(std::string("Pareto front: ") + o.title, o.x_label,
                                  "latency per timestep (us)", series));
    md << "\n![" << o.file << "](" << o.file << ")\n";
    files.push_back(o.file);
  }
  write_file_atomic((fs::path(dir) / "pareto.md").string(), md.str());
  return files;
}

/// A temporary file next to `path`, read back once written (the parts of results.md that come
/// after the counts its preamble needs).
struct Spool {
  std::string path;
  std::FILE* f;
  explicit Spool(const std::string& p) : path(p + ".part." + std::to_string(::getpid())) {
    f = std::fopen(path.c_str(), "w+b");
    if (!f) fail(p, ": cannot write: ", std::strerror(errno));
  }
  ~Spool() {
    std::fclose(f);
    std::remove(path.c_str());
  }
  void put(const std::string& s) {
    if (std::fwrite(s.data(), 1, s.size(), f) != s.size())
      fail(path, ": write failed (disk full?)");
  }
  long size() { return std::ftell(f); }
  void copy_to(AtomicWriter& out) {
    std::fflush(f);
    std::rewind(f);
    char buf[1 << 16];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) out.write(buf, n);
  }
};

}  // namespace

int write_results(const std::string& dir, const std::string& title_in, int pareto) {
  Manifest man(dir);
  Expansion& ex = man.expansion();
  const std::string title = spec_title(dir, title_in);
  remove_old_plots(dir);
  const Layout f = layout_of(ex);
  const std::string md_path = (fs::path(dir) / "results.md").string();

  // One pass over the points in order: each result file is read, its CSV and Markdown rows
  // written, and only its plot record kept.
  Recs R;
  R.dims.names = {"model", "method", "rate", "block"};
  if (f.any_tile) R.dims.names.push_back("tile");
  if (f.any_permute) R.dims.names.push_back("permute");
  if (f.any_variant) R.dims.names.push_back("variant");
  R.dims.names.insert(R.dims.names.end(), f.hwk.begin(), f.hwk.end());
  R.dims.code.resize(R.dims.names.size());
  R.dims.value.resize(R.dims.names.size());
  const MdTable mt = md_columns(f);
  const std::vector<std::string> cols = csv_columns(f);
  AtomicWriter csv((fs::path(dir) / "results.csv").string());
  csv.write(csv_line(cols));
  Spool body(md_path), failed(md_path + ".failed");
  int64_t bad = 0;
  man.for_each([&](int64_t i, const std::string& id) {
    Point p = ex.prune_point(i);
    p.id = id;
    const HwConfig cfg = ex.config(i);
    const Row row = read_row(dir, p, cfg, f);
    std::vector<std::string> cells;
    for (const auto& c : cols) cells.push_back(cell_of(row, c));
    csv.write(csv_line(cells));
    body.put(md_row(mt, row, f));
    const bool ok = row.status == "ok";
    if (!ok) {
      bad++;
      failed.put("- `" + p.id + "` (" + p.model + "): " + row.cells.at("error") + " — log: `logs/" +
                 p.id + ".log`\n");
    }
    Rec rec{i,
            ok,
            NAN,
            NAN,
            double(cfg.engine.pes()),
            double(cfg.engine.groups()) * cfg.buffers.weight_buffer_kib * 1024.0};
    if (ok) {
      rec.latency = get(row.r, "analytic", "latency_us");
      rec.util = get(row.r, "analytic", "pe_utilization");
      rec.energy_nj = get(row.r, "analytic", "energy_per_step_nj");
    }
    R.rows.push_back(rec);
    for (size_t d = 0; d < R.dims.names.size(); ++d)
      R.codes.push_back(R.dims.intern(d, row.cells.at(R.dims.names[d])));
    if (p.paper_latency_us > 0)
      R.paper[R.codes[R.codes.size() - R.dims.names.size()]] = p.paper_latency_us;
  });
  csv.commit();

  AtomicWriter md(md_path);
  md.write(md_preamble(title, ex.size(), ex.size() - bad, f));
  md.write(md_head(mt));
  body.copy_to(md);
  if (failed.size() > 0) {
    md.write("\n## Failed points\n\n");
    failed.copy_to(md);
  }
  const std::vector<size_t> swept = plot_dims(R, f);
  std::vector<std::string> plots, skipped;
  for (size_t d : swept) {
    std::string why;
    const std::string p = write_plot(dir, R, swept, d, why);
    (p.empty() ? skipped : plots).push_back(p.empty() ? why : p);
  }
  if (!plots.empty() || !skipped.empty()) {
    md.write("\n## Plots\n\n");
    for (const auto& p : plots) md.write("![" + p + "](" + p + ")\n");
    for (const auto& s : skipped) md.write(s + "\n");
  }
  if (pareto < 0) pareto = spec_pareto(dir);
  if (pareto) {
    md.write("\n## Pareto fronts\n\n[pareto.md](pareto.md) lists the points on the fronts.\n\n");
    for (const auto& p : write_pareto(dir, R, f, man)) md.write("![" + p + "](" + p + ")\n");
  }
  md.commit();
  return int(bad);
}

}  // namespace csbrnn::sweep
