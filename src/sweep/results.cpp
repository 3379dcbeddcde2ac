// write_results: the merged table (results.csv, results.md) and plots of a sweep directory.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "common/error.h"
#include "common/file_util.h"
#include "config/hw_keys.h"
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

// What the tables and plots of one sweep depend on besides the rows.
struct Layout {
  std::vector<HwConfig> cfgs;    // each point's resolved config, in manifest order (parsed once)
  std::vector<std::string> hwk;  // hardware keys that differ between points
  bool any_variant = false, any_sim = false, any_paper = false;
};

Layout layout_of(const std::vector<Point>& pts) {
  Layout f;
  f.cfgs = point_hw_configs(pts);
  f.hwk = varying_hw_keys(f.cfgs);
  for (const Point& p : pts) {
    f.any_variant |= !p.variant.empty();
    f.any_sim |= p.mode == Mode::Simulate;
    f.any_paper |= p.paper_latency_us > 0;
  }
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

Table csv_table(const std::vector<Row>& rows, const Layout& f) {
  Table t;
  t.cols = {"id", "model", "mode", "method", "rate", "block"};
  if (f.any_variant) t.cols.push_back("variant");
  t.cols.insert(t.cols.end(), f.hwk.begin(), f.hwk.end());
  for (const char* k :
       {"status", "cycles_per_step", "latency_us", "frames_per_s", "pe_utilization",
        "group_occupancy", "imbalance", "weight_buffer_overflow", "model_group_weight_kib",
        "max_group_weight_kib", "achieved_rate", "engine_cycles", "issue_cycles", "drain_cycles",
        "input_stall_cycles", "outside_engine_cycles", "ideal_cycles"})
    t.cols.push_back(k);
  for (const char* k : {"energy_per_step_nj", "power_mw", "frames_per_joule"})  // analytic
    t.cols.push_back(k);
  if (f.any_sim)
    for (const char* k : {"sim_cycles_per_step", "sim_latency_us", "sim_pe_utilization",
                          "sim_minus_analytic_cycles", "stall_input_cycles", "stall_weight_cycles",
                          "stall_dram_cycles", "sim_check", "sim_wall_s", "sim_energy_per_step_nj",
                          "sim_power_mw", "sim_frames_per_joule"})
      t.cols.push_back(k);
  if (f.any_paper)
    for (const char* k : {"paper_latency_us", "latency_vs_paper", "paper_source"})
      t.cols.push_back(k);
  for (const char* k : {"compile_s", "point_wall_s", "error"}) t.cols.push_back(k);
  for (const Row& r : rows) {
    std::vector<std::string> cells;
    for (const auto& c : t.cols) {
      auto it = r.cells.find(c);
      cells.push_back(it == r.cells.end() ? "" : it->second);
    }
    t.rows.push_back(cells);
  }
  return t;
}

// The title, the counts and the hardware settings every point shares.
void md_preamble(std::ostringstream& md, const std::string& title, const std::vector<Point>& pts,
                 const std::vector<Row>& rows, const Layout& f) {
  md << "# " << (title.empty() ? "csbrnn sweep" : title) << "\n\n";
  int ok = 0;
  for (const Row& r : rows) ok += r.status == "ok";
  md << pts.size() << " points: " << ok << " ok, " << rows.size() - ok
     << " failed or missing. Latency = cycles per timestep / clock (analytic model";
  if (f.any_sim) md << "; `sim` columns: SystemC cycle-accurate run";
  md << "). PE util = useful MACs / (PEs x engine cycles); occupancy = tile-issue cycles / "
        "(groups x engine cycles).\n\n";
  if (pts.empty()) return;
  // the hardware settings every point shares (overrides of the base config not swept)
  std::vector<std::string> common;
  for (const auto& kv : pts[0].hw) {
    if (std::find(f.hwk.begin(), f.hwk.end(), kv.first) != f.hwk.end() || kv.first == "name")
      continue;
    const std::string v = hw_value(pts[0], kv.first);
    if (std::find(common.begin(), common.end(), kv.first + "=" + v) == common.end())
      common.push_back(kv.first + "=" + v);
  }
  md << "Hardware: the spec's `hw.base`";
  if (!common.empty()) {
    md << " with";
    for (const auto& c : common) md << " `" << c << "`";
  }
  md << (f.hwk.empty() ? "" : "; keys that differ between points are columns")
     << " (resolved configs: manifest.jsonl).\n\n";
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

void md_table(std::ostringstream& md, const std::vector<Row>& rows, const Layout& f) {
  std::vector<std::string> mcols = {"model", "mode", "method", "rate", "block"};
  if (f.any_variant) mcols.push_back("variant");
  mcols.insert(mcols.end(), f.hwk.begin(), f.hwk.end());
  std::vector<std::string> heads = mcols;
  for (const char* h : {"cycles/step", "latency µs", "frames/s", "PE util", "occupancy",
                        "imbalance", "WB overflow"})
    heads.push_back(h);
  if (f.any_sim)
    for (const char* h : {"sim cycles/step", "sim − analytic", "stalls in/wt/dram", "sim wall s"})
      heads.push_back(h);
  if (f.any_paper)
    for (const char* h : {"paper µs", "ours/paper"}) heads.push_back(h);
  heads.push_back("compile s");
  md << "|";
  for (const auto& h : heads) md << " " << h << " |";
  md << "\n|";
  for (size_t i = 0; i < heads.size(); ++i) md << (i < mcols.size() ? "---|" : "---:|");
  md << "\n";
  for (const Row& r : rows) {
    md << "|";
    for (const auto& k : mcols) md << " " << cell_of(r, k) << " |";
    if (r.status != "ok") {
      md << " **" << r.status << "**: " << cell_of(r, "error");
      for (size_t i = mcols.size() + 1; i < heads.size(); ++i) md << " |";
      md << " |\n";
      continue;
    }
    md_result_cells(md, r, f);
  }
  std::vector<const Row*> failed;
  for (const Row& r : rows)
    if (r.status != "ok") failed.push_back(&r);
  if (!failed.empty()) {
    md << "\n## Failed points\n\n";
    for (const Row* r : failed)
      md << "- `" << r->p.id << "` (" << r->p.model << "): " << r->cells.at("error")
         << " — log: `logs/" << r->p.id << ".log`\n";
  }
}

// The swept dimensions that get a plot. A dimension is swept when it takes several values for
// one model (a per-model setting such as the paper latency spec's rate or PE grid is not an
// axis); "model" when there are several. A setting that is a function of another swept one
// (engine.pe_groups of a variant) adds no axis: of two settings that determine each other, the
// first is kept.
std::vector<std::string> plot_dims(const std::vector<Row>& rows, const Layout& f) {
  std::vector<std::string> dims = {"model", "method", "rate", "block"};
  if (f.any_variant) dims.push_back("variant");
  dims.insert(dims.end(), f.hwk.begin(), f.hwk.end());
  std::vector<std::string> swept;
  for (const auto& d : dims) {
    std::map<std::string, std::set<std::string>> vals;  // model -> values of d
    for (const Row& r : rows) vals[d == "model" ? "" : r.p.model].insert(r.cells.at(d));
    bool swept_d = false;
    for (const auto& kv : vals) swept_d |= kv.second.size() > 1;
    if (swept_d || (d == "model" && f.any_paper)) swept.push_back(d);
  }
  auto determines = [&](const std::string& e, const std::string& d) {
    std::map<std::string, std::string> fn;
    for (const Row& r : rows) {
      auto it = fn.emplace(r.cells.at(e), r.cells.at(d)).first;
      if (it->second != r.cells.at(d)) return false;
    }
    return true;
  };
  std::vector<std::string> kept;
  for (size_t i = 0; i < swept.size(); ++i) {
    bool redundant = false;
    for (size_t k = 0; k < swept.size() && !redundant; ++k) {
      if (k == i || swept[i] == "model" || swept[k] == "model") continue;
      if (determines(swept[k], swept[i]) && (!determines(swept[i], swept[k]) || k < i))
        redundant = true;
    }
    if (!redundant) kept.push_back(swept[i]);
  }
  return kept;
}

// The series label of a row in the plot of `d`: its values of the other swept settings.
std::string series_label(const Row& r, const std::vector<std::string>& swept,
                         const std::string& d) {
  std::string label;
  for (const auto& o : swept)
    if (o != d) label += (label.empty() ? "" : " ") + (o == "model" ? "" : o + "=") + r.cells.at(o);
  return label.empty() ? "csbrnn" : label;
}

// plot_D.svg: x = the values of d, one bar series per combination of the other swept
// settings; latency and PE utilization stacked.
std::string write_plot(const std::string& dir, const std::vector<Row>& rows,
                       const std::vector<std::string>& swept, const std::string& d,
                       const Layout& f) {
  std::vector<std::string> cats, names;
  std::map<std::string, size_t> cat_i, ser_i;
  for (const Row& r : rows) {
    const std::string v = r.cells.at(d);
    if (!cat_i.count(v)) cat_i[v] = cats.size(), cats.push_back(v);
    const std::string label = series_label(r, swept, d);
    if (!ser_i.count(label)) ser_i[label] = names.size(), names.push_back(label);
  }
  auto make = [&](const std::string& metric, double scale) {
    std::vector<BarSeries> s(names.size());
    for (size_t i = 0; i < names.size(); ++i)
      s[i].name = names[i], s[i].values.assign(cats.size(), NAN);
    for (const Row& r : rows)
      if (r.status == "ok")
        s[ser_i[series_label(r, swept, d)]].values[cat_i[r.cells.at(d)]] =
            scale * get(r.r, "analytic", metric);
    return s;
  };
  auto lat = make("latency_us", 1.0);
  if (d == "model" && f.any_paper) {
    BarSeries paper{"paper", std::vector<double>(cats.size(), NAN)};
    for (const Row& r : rows)
      if (r.p.paper_latency_us > 0) paper.values[cat_i[r.cells.at(d)]] = r.p.paper_latency_us;
    lat.push_back(paper);
  }
  const auto util = make("pe_utilization", 100.0);
  const std::string svg = stack_svgs(
      {bar_chart_svg("Latency per timestep vs " + d + " (analytic)", "µs", cats, lat, true),
       bar_chart_svg("PE utilization vs " + d + " (analytic)", "%", cats, util, false)});
  const std::string name = "plot_" + sanitize(d) + ".svg";
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

/// pareto.md and the two plots: per model, the ok points' latency against the PE count and
/// against the weight-buffer capacity (groups x buffers.weight_buffer_kib), and their fronts.
std::vector<std::string> write_pareto(const std::string& dir, const std::vector<Row>& rows,
                                      const Layout& f) {
  struct Obj {
    const char* file;
    const char* title;
    const char* x_label;
    const char* col;
  };
  const Obj objs[] = {{"pareto_pes.svg", "latency vs PE count", "PEs", "pes"},
                      {"pareto_weight_buffer.svg", "latency vs weight-buffer bytes",
                       "weight-buffer bytes", "weight_buffer_bytes"}};
  std::vector<std::string> models;
  for (const Row& r : rows)
    if (r.status == "ok" && std::find(models.begin(), models.end(), r.p.model) == models.end())
      models.push_back(r.p.model);
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
    for (const auto& m : models) {
      ScatterSeries s;
      s.name = m;
      std::vector<const Row*> of;
      for (size_t ri = 0; ri < rows.size(); ++ri) {
        const Row& r = rows[ri];
        if (r.status != "ok" || r.p.model != m) continue;
        const HwConfig& hw = f.cfgs[ri];
        const double x = std::string(o.col) == "pes"
                             ? double(hw.engine.pes())
                             : double(hw.engine.groups()) * hw.buffers.weight_buffer_kib * 1024.0;
        const double y = r.r["analytic"]["latency_us"].get<double>();
        s.points.emplace_back(x, y);
        of.push_back(&r);
      }
      for (size_t i : pareto_front(s.points)) {
        s.front.push_back(s.points[i]);
        md << "| " << m << " | " << of[i]->p.id << " | " << full(s.points[i].first) << " | "
           << full(s.points[i].second) << " |";
        for (const auto& k : f.hwk) md << " " << of[i]->cells.at(k) << " |";
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

}  // namespace

int write_results(const std::string& dir, const std::string& title_in, int pareto) {
  const std::vector<Point> pts = read_manifest(dir);
  const std::string title = spec_title(dir, title_in);
  remove_old_plots(dir);
  const Layout f = layout_of(pts);
  std::vector<Row> rows;
  int bad = 0;
  for (const Point& p : pts) {
    rows.push_back(read_row(dir, p, f.cfgs[rows.size()], f));
    if (rows.back().status != "ok") bad++;
  }
  write_file_atomic((fs::path(dir) / "results.csv").string(), table_csv(csv_table(rows, f)));

  std::ostringstream md;
  md_preamble(md, title, pts, rows, f);
  md_table(md, rows, f);
  const std::vector<std::string> swept = plot_dims(rows, f);
  std::vector<std::string> plots;
  for (const auto& d : swept) plots.push_back(write_plot(dir, rows, swept, d, f));
  if (!plots.empty()) {
    md << "\n## Plots\n\n";
    for (const auto& p : plots) md << "![" << p << "](" << p << ")\n";
  }
  if (pareto < 0) pareto = spec_pareto(dir);
  if (pareto) {
    md << "\n## Pareto fronts\n\n[pareto.md](pareto.md) lists the points on the fronts.\n\n";
    for (const auto& p : write_pareto(dir, rows, f)) md << "![" << p << "](" << p << ")\n";
  }
  write_file_atomic((fs::path(dir) / "results.md").string(), md.str());
  return bad;
}

}  // namespace csbrnn::sweep
