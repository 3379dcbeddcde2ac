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
#include "sweep/report.h"
#include "sweep/runner.h"

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

}  // namespace

int write_results(const std::string& dir, const std::string& title_in) {
  const std::vector<Point> pts = read_manifest(dir);
  std::string title = title_in;
  if (title.empty() && fs::exists(fs::path(dir) / "spec.yaml")) {
    try {  // --report-only: the name from the copy of the spec
      const YAML::Node n = YAML::LoadFile((fs::path(dir) / "spec.yaml").string());
      if (n.IsMap() && n["name"] && n["name"].IsScalar()) title = n["name"].Scalar();
    } catch (const YAML::Exception&) {
    }
  }
  // plots of an earlier run of this directory may belong to other dimensions
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string f = e.path().filename().string();
    if (f.rfind("plot_", 0) == 0 && e.path().extension() == ".svg") fs::remove(e.path());
  }
  const std::vector<std::string> hwk = varying_hw_keys(pts);
  bool any_variant = false, any_sim = false, any_paper = false;
  for (const Point& p : pts) {
    any_variant |= !p.variant.empty();
    any_sim |= p.mode == Mode::Simulate;
    any_paper |= p.paper_latency_us > 0;
  }
  std::vector<Row> rows;
  int bad = 0;
  for (const Point& p : pts) {
    Row row;
    row.p = p;
    const std::string f = (fs::path(dir) / "points" / (p.id + ".json")).string();
    row.r = nlohmann::json::object();
    if (fs::exists(f)) {
      try {
        row.r = nlohmann::json::parse(read_text_file(f));
      } catch (const std::exception&) {
        row.r = nlohmann::json::object();
      }
    }
    row.status = row.r.value("status", std::string("missing"));
    if (row.status != "ok") bad++;
    auto& c = row.cells;
    c["id"] = p.id;
    c["model"] = p.model;
    c["mode"] = mode_name(p.mode);
    c["method"] = p.method;
    c["rate"] = p.model_kind == "csb" ? "-" : full(p.rate);
    c["block"] = p.model_kind == "csb" ? "-" : cat(p.block.bh, "x", p.block.bw);
    c["variant"] = p.variant;
    for (const auto& k : hwk) c[k] = hw_value(p, k);
    c["status"] = row.status;
    c["error"] = row.r.value("error", std::string());
    if (row.status == "ok") {
      const auto& a = row.r["analytic"];
      c["cycles_per_step"] = std::to_string(a["cycles_per_step"].get<int64_t>());
      c["latency_us"] = full(a["latency_us"].get<double>());
      c["frames_per_s"] = full(a["frames_per_s"].get<double>());
      c["pe_utilization"] = full(a["pe_utilization"].get<double>());
      c["group_occupancy"] = full(a["group_occupancy"].get<double>());
      c["imbalance"] = full(a["imbalance"].get<double>());
      for (const char* k : {"engine_cycles", "issue_cycles", "drain_cycles", "input_stall_cycles",
                            "outside_engine_cycles", "ideal_cycles"})
        if (a.contains(k)) c[k] = std::to_string(a[k].get<int64_t>());
      const auto& cm = row.r["compile"];
      c["max_group_weight_kib"] = full(cm["max_group_bytes"].get<double>() / 1024.0);
      if (cm.contains("model_overflow")) {
        c["weight_buffer_overflow"] = cm["model_overflow"].get<bool>() ? "yes" : "no";
        c["model_group_weight_kib"] = full(cm["model_max_group_bytes"].get<double>() / 1024.0);
      }
      c["compile_s"] = full(row.r["compile"]["seconds"].get<double>());
      if (row.r.contains("model"))
        c["achieved_rate"] = full(row.r["model"].value("achieved_rate", 0.0));
      if (row.r.contains("sim")) {
        const auto& s = row.r["sim"];
        c["sim_cycles_per_step"] = full(s["cycles_per_step"].get<double>());
        c["sim_latency_us"] = full(s["latency_us"].get<double>());
        c["sim_pe_utilization"] = full(s["pe_utilization"].get<double>());
        c["sim_minus_analytic_cycles"] = std::to_string(s["difference_cycles"].get<int64_t>());
        c["stall_input_cycles"] = std::to_string(s["stalls"]["input_load_cycles"].get<int64_t>());
        c["stall_weight_cycles"] =
            std::to_string(s["stalls"]["weight_stream_cycles"].get<int64_t>());
        c["stall_dram_cycles"] = std::to_string(s["stalls"]["dram_cycles"].get<int64_t>());
        c["sim_check"] = s["check"].value("passed", false) ? "passed" : "not passed";
        c["sim_wall_s"] = full(s["wall_seconds"].get<double>());
      }
      c["point_wall_s"] = full(row.r.value("wall_seconds", 0.0));
      if (p.paper_latency_us > 0)
        c["latency_vs_paper"] = full(a["latency_us"].get<double>() / p.paper_latency_us);
    }
    if (p.paper_latency_us > 0) {
      c["paper_latency_us"] = full(p.paper_latency_us);
      c["paper_source"] = p.paper_source;
    }
    rows.push_back(std::move(row));
  }

  // CSV
  Table t;
  t.cols = {"id", "model", "mode", "method", "rate", "block"};
  if (any_variant) t.cols.push_back("variant");
  t.cols.insert(t.cols.end(), hwk.begin(), hwk.end());
  for (const char* k :
       {"status", "cycles_per_step", "latency_us", "frames_per_s", "pe_utilization",
        "group_occupancy", "imbalance", "weight_buffer_overflow", "model_group_weight_kib",
        "max_group_weight_kib", "achieved_rate", "engine_cycles", "issue_cycles", "drain_cycles",
        "input_stall_cycles", "outside_engine_cycles", "ideal_cycles"})
    t.cols.push_back(k);
  if (any_sim)
    for (const char* k : {"sim_cycles_per_step", "sim_latency_us", "sim_pe_utilization",
                          "sim_minus_analytic_cycles", "stall_input_cycles", "stall_weight_cycles",
                          "stall_dram_cycles", "sim_check", "sim_wall_s"})
      t.cols.push_back(k);
  if (any_paper)
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
  write_file_atomic((fs::path(dir) / "results.csv").string(), table_csv(t));

  // Markdown
  std::ostringstream md;
  md << "# " << (title.empty() ? "csbrnn sweep" : title) << "\n\n";
  int ok = 0;
  for (const Row& r : rows) ok += r.status == "ok";
  md << pts.size() << " points: " << ok << " ok, " << rows.size() - ok
     << " failed or missing. Latency = cycles per timestep / clock (analytic model";
  if (any_sim) md << "; `sim` columns: SystemC cycle-accurate run";
  md << "). PE util = useful MACs / (PEs x engine cycles); occupancy = tile-issue cycles / "
        "(groups x engine cycles).\n\n";
  if (!pts.empty()) {
    // the hardware settings every point shares (overrides of the base config not swept)
    std::vector<std::string> common;
    for (const auto& kv : pts[0].hw) {
      if (std::find(hwk.begin(), hwk.end(), kv.first) != hwk.end() || kv.first == "name") continue;
      const std::string v = hw_value(pts[0], kv.first);
      if (std::find(common.begin(), common.end(), kv.first + "=" + v) == common.end())
        common.push_back(kv.first + "=" + v);
    }
    md << "Hardware: the spec's `hw.base`";
    if (!common.empty()) {
      md << " with";
      for (const auto& c : common) md << " `" << c << "`";
    }
    md << (hwk.empty() ? "" : "; keys that differ between points are columns")
       << " (resolved configs: manifest.jsonl).\n\n";
  }
  std::vector<std::string> mcols = {"model", "mode", "method", "rate", "block"};
  if (any_variant) mcols.push_back("variant");
  mcols.insert(mcols.end(), hwk.begin(), hwk.end());
  std::vector<std::string> heads = mcols;
  for (const char* h : {"cycles/step", "latency µs", "frames/s", "PE util", "occupancy",
                        "imbalance", "WB overflow"})
    heads.push_back(h);
  if (any_sim)
    for (const char* h : {"sim cycles/step", "sim − analytic", "stalls in/wt/dram", "sim wall s"})
      heads.push_back(h);
  if (any_paper)
    for (const char* h : {"paper µs", "ours/paper"}) heads.push_back(h);
  heads.push_back("compile s");
  md << "|";
  for (const auto& h : heads) md << " " << h << " |";
  md << "\n|";
  for (size_t i = 0; i < heads.size(); ++i) md << (i < mcols.size() ? "---|" : "---:|");
  md << "\n";
  for (const Row& r : rows) {
    const auto& c = r.cells;
    auto cell = [&](const std::string& k) {
      auto it = c.find(k);
      return it == c.end() ? std::string() : it->second;
    };
    md << "|";
    for (const auto& k : mcols) md << " " << cell(k) << " |";
    if (r.status != "ok") {
      md << " **" << r.status << "**: " << cell("error");
      for (size_t i = mcols.size() + 1; i < heads.size(); ++i) md << " |";
      md << " |\n";
      continue;
    }
    const auto& a = r.r["analytic"];
    md << " " << a["cycles_per_step"].get<int64_t>() << " | "
       << fixed(a["latency_us"].get<double>(), 3) << " | "
       << fixed(a["frames_per_s"].get<double>(), 0) << " | "
       << pct(a["pe_utilization"].get<double>()) << " | " << pct(a["group_occupancy"].get<double>())
       << " | " << fixed(a["imbalance"].get<double>(), 3) << " | " << cell("weight_buffer_overflow")
       << " |";
    if (any_sim) {
      if (r.r.contains("sim")) {
        const auto& s = r.r["sim"];
        md << " " << fixed(s["cycles_per_step"].get<double>(), 1) << " | "
           << s["difference_cycles"].get<int64_t>() << " | " << cell("stall_input_cycles") << "/"
           << cell("stall_weight_cycles") << "/" << cell("stall_dram_cycles") << " | "
           << fixed(s["wall_seconds"].get<double>(), 2) << " |";
      } else {
        md << " – | – | – | – |";
      }
    }
    if (any_paper) {
      if (r.p.paper_latency_us > 0)
        md << " " << r.p.paper_latency_us << " | "
           << fixed(a["latency_us"].get<double>() / r.p.paper_latency_us, 2) << "x |";
      else
        md << " – | – |";
    }
    md << " " << fixed(r.r["compile"]["seconds"].get<double>(), 2) << " |\n";
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

  // Plots: one file per swept dimension, x = its values, one bar series per combination of the
  // other swept settings; latency and PE utilization stacked.
  std::vector<std::string> dims = {"model", "method", "rate", "block"};
  if (any_variant) dims.push_back("variant");
  dims.insert(dims.end(), hwk.begin(), hwk.end());
  std::vector<std::string> swept;
  // A dimension is swept when it takes several values for one model (a per-model setting such as
  // the paper latency spec's rate or PE grid is not an axis); "model" when there are several.
  for (const auto& d : dims) {
    std::map<std::string, std::set<std::string>> vals;  // model -> values of d
    std::set<std::string> all;
    for (const Row& r : rows) vals[d == "model" ? "" : r.p.model].insert(r.cells.at(d));
    bool swept_d = false;
    for (const auto& kv : vals) swept_d |= kv.second.size() > 1;
    if (swept_d || (d == "model" && any_paper)) swept.push_back(d);
  }
  // A setting that is a function of another swept one (engine.pe_groups of a variant) adds no
  // axis: drop it (of two settings that determine each other, keep the first).
  auto determines = [&](const std::string& e, const std::string& d) {
    std::map<std::string, std::string> f;
    for (const Row& r : rows) {
      auto it = f.emplace(r.cells.at(e), r.cells.at(d)).first;
      if (it->second != r.cells.at(d)) return false;
    }
    return true;
  };
  {
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
    swept = kept;
  }
  std::vector<std::string> plots;
  for (const auto& d : swept) {
    std::vector<std::string> cats, names;
    std::map<std::string, size_t> cat_i, ser_i;
    for (const Row& r : rows) {
      const std::string v = r.cells.at(d);
      if (!cat_i.count(v)) cat_i[v] = cats.size(), cats.push_back(v);
      std::string label;
      for (const auto& o : swept)
        if (o != d)
          label += (label.empty() ? "" : " ") + (o == "model" ? "" : o + "=") + r.cells.at(o);
      if (label.empty()) label = "csbrnn";
      if (!ser_i.count(label)) ser_i[label] = names.size(), names.push_back(label);
    }
    auto make = [&](const std::string& metric, double scale, bool sim) {
      std::vector<BarSeries> s(names.size());
      for (size_t i = 0; i < names.size(); ++i)
        s[i].name = names[i], s[i].values.assign(cats.size(), NAN);
      std::vector<BarSeries> extra;
      for (const Row& r : rows) {
        if (r.status != "ok") continue;
        std::string label;
        for (const auto& o : swept)
          if (o != d)
            label += (label.empty() ? "" : " ") + (o == "model" ? "" : o + "=") + r.cells.at(o);
        if (label.empty()) label = "csbrnn";
        s[ser_i[label]].values[cat_i[r.cells.at(d)]] = scale * get(r.r, "analytic", metric);
        (void)sim;
      }
      return s;
    };
    auto lat = make("latency_us", 1.0, false);
    if (d == "model" && any_paper) {
      BarSeries paper{"paper", std::vector<double>(cats.size(), NAN)};
      for (const Row& r : rows)
        if (r.p.paper_latency_us > 0) paper.values[cat_i[r.cells.at(d)]] = r.p.paper_latency_us;
      lat.push_back(paper);
    }
    const auto util = make("pe_utilization", 100.0, false);
    const std::string svg = stack_svgs(
        {bar_chart_svg("Latency per timestep vs " + d + " (analytic)", "µs", cats, lat, true),
         bar_chart_svg("PE utilization vs " + d + " (analytic)", "%", cats, util, false)});
    const std::string name = "plot_" + sanitize(d) + ".svg";
    write_file_atomic((fs::path(dir) / name).string(), svg);
    plots.push_back(name);
  }
  if (!plots.empty()) {
    md << "\n## Plots\n\n";
    for (const auto& p : plots) md << "![" << p << "](" << p << ")\n";
  }
  write_file_atomic((fs::path(dir) / "results.md").string(), md.str());
  return bad;
}

}  // namespace csbrnn::sweep
