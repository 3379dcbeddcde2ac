// csbrnn sweep: spec parsing and expansion, point ids, resume, failures, and the merged table
// checked against `csbrnn compile --report` and `csbrnn fig12` (independent routes).
#include <algorithm>
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/file_util.h"
#include "config/config_loader.h"
#include "sim/report.h"
#include "stats/stats.h"
#include "support/test_util.h"
#include "sweep/runner.h"
#include "sweep/spec.h"

using namespace csbrnn;
using namespace csbrnn::sweep;
using csbrnn::test::run_cli;
using csbrnn::test::source_path;
using csbrnn::test::TempDir;

namespace {

std::string errmsg(const std::string& text, const std::vector<std::string>& sets = {}) {
  try {
    expand(parse_sweep_spec(text, "s.yaml", ".", sets));
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

/// CSV with quoted cells -> rows of cells keyed by header.
std::vector<std::map<std::string, std::string>> read_csv(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::vector<std::string>> rows;
  std::string line;
  while (std::getline(f, line)) {
    const std::vector<std::string> cells = csbrnn::test::csv_cells(line);
    rows.push_back(cells);
  }
  std::vector<std::map<std::string, std::string>> out;
  for (size_t r = 1; r < rows.size(); ++r) {
    std::map<std::string, std::string> m;
    for (size_t i = 0; i < rows[0].size() && i < rows[r].size(); ++i) m[rows[0][i]] = rows[r][i];
    out.push_back(m);
  }
  return out;
}

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

/// Lines of sweep.log after the last "start" line.
std::vector<std::string> last_run_log(const std::string& dir) {
  std::ifstream f(dir + "/sweep.log");
  std::vector<std::string> lines;
  std::string l;
  while (std::getline(f, l)) {
    if (l.rfind("start ", 0) == 0) lines.clear();
    lines.push_back(l);
  }
  return lines;
}

int count_prefix(const std::vector<std::string>& lines, const std::string& p) {
  int n = 0;
  for (const auto& l : lines) n += l.rfind(p, 0) == 0;
  return n;
}

const char* kGrid = R"(models: [sr4, mt1]
prune:
  block: [32, 64]
hw:
  grid:
    sharing.mode: [none, 2d]
    eltwise.lanes: [16, 64]
)";

}  // namespace

TEST_CASE("sweep spec: grid expansion count and order") {
  const auto pts = expand(parse_sweep_spec(kGrid, "s.yaml", "."));
  REQUIRE(pts.size() == 2 * 2 * 2 * 2);
  // models slowest, then blocks, then the grid keys in file order (last fastest)
  auto key = [](const Point& p) {
    std::string k = p.model + "/" + std::to_string(p.block.bh);
    for (const auto& kv : p.hw) k += "/" + kv.second;
    return k;
  };
  CHECK(key(pts[0]) == "sr4/32/none/16");
  CHECK(key(pts[1]) == "sr4/32/none/64");
  CHECK(key(pts[2]) == "sr4/32/2d/16");
  CHECK(key(pts[3]) == "sr4/32/2d/64");
  CHECK(key(pts[4]) == "sr4/64/none/16");
  CHECK(key(pts[8]) == "mt1/32/none/16");
  CHECK(key(pts[15]) == "mt1/64/2d/64");
  for (size_t i = 0; i < pts.size(); ++i) CHECK(pts[i].index == int(i));
  // paper rate resolved from models/*.yaml
  CHECK(pts[0].rate == 23.0);
  CHECK(pts[8].rate == 12.5);
  // the resolved config carries the override
  CHECK(hw_value(pts[1], "eltwise.lanes") == "64");
  CHECK(hw_value(pts[2], "sharing.mode") == "2d");
  const auto keys = varying_hw_keys(pts);
  CHECK(keys == std::vector<std::string>{"eltwise.lanes", "sharing.mode"});
  // pruned models are shared by the points that differ only in hardware
  std::set<std::string> cache;
  for (const auto& p : pts) cache.insert(p.cache_key);
  CHECK(cache.size() == 4);

  // variants x grid, per-model rate list, --set replaces a grid axis
  const auto v = expand(parse_sweep_spec(R"(models: [{model: sr4, rate: [8, 16]}]
hw:
  variants:
    - {name: a, engine.pe_groups: 4x4, engine.pes_per_group: 4x4}
    - {name: b, engine.pe_groups: 2x8, engine.pes_per_group: 4x4}
    - {name: c, engine.pe_groups: 4x4, engine.pes_per_group: 2x8}
  grid:
    sharing.mode: [none, 2d]
)",
                                         "s.yaml", ".", {"sharing.mode=vertical", "timesteps=3"}));
  REQUIRE(v.size() == 2 * 3 * 1);
  CHECK(v[0].rate == 8.0);
  CHECK(v[3].rate == 16.0);
  CHECK(v[1].variant == "b");
  CHECK(hw_value(v[2], "engine.pes_per_group") == "2x8");
  CHECK(hw_value(v[5], "sharing.mode") == "vertical");
  CHECK(v[0].timesteps == 3);
  // --set hw keys win over per-model and variant settings too
  const auto w = expand(parse_sweep_spec(R"(models: [{model: sr4, set: {eltwise.lanes: 32}}]
hw: {variants: [{name: a, eltwise.lanes: 8}]}
)",
                                         "s.yaml", ".", {"eltwise.lanes=64"}));
  REQUIRE(w.size() == 1);
  CHECK(hw_value(w[0], "eltwise.lanes") == "64");
}

TEST_CASE("sweep spec: strict errors name file:line and suggest") {
  std::string e = errmsg("models: [sr4]\nmodelz: [mt1]\n");
  CHECK(e.find("s.yaml:2") != std::string::npos);
  CHECK(e.find("did you mean 'models'") != std::string::npos);
  e = errmsg("models: [sr4]\nhw:\n  grid:\n    sharing.mdoe: [none]\n");
  CHECK(e.find("s.yaml:4") != std::string::npos);
  CHECK(e.find("sharing.mode") != std::string::npos);
  e = errmsg("models: [sr4]\nhw:\n  grid:\n    engine.pe_groups: [4x4,\n      4y4]\n");
  CHECK(e.find("s.yaml:5") != std::string::npos);
  CHECK(e.find("4y4") != std::string::npos);
  e = errmsg("models: [sr4]\nprune:\n  rates: [8]\n");
  CHECK(e.find("s.yaml:3") != std::string::npos);
  CHECK(e.find("did you mean 'prune.rate'") != std::string::npos);
  e = errmsg("models: [sr4]\nprune:\n  method: unstructured\n");
  CHECK(e.find("not a CSB method") != std::string::npos);
  e = errmsg("models: [sr4]\nprune:\n  rate: [8, 0.5]\n");
  CHECK(e.find("s.yaml:3") != std::string::npos);
  CHECK(e.find("must be > 1") != std::string::npos);
  e = errmsg("models: [sr44]\n");
  CHECK(e.find("s.yaml:1") != std::string::npos);
  CHECK(e.find("sr4") != std::string::npos);
  e = errmsg("mode: simulat\nmodels: [sr4]\n");
  CHECK(e.find("did you mean 'simulate'") != std::string::npos);
  e = errmsg("models: [sr4]\nhw:\n  grid:\n    eltwise.lanes: [16, 16]\n");
  CHECK(e.find("listed twice") != std::string::npos);
  e = errmsg("models: [sr4]\n", {"timestep=2"});
  CHECK(e.find("--set timestep=2") != std::string::npos);
  CHECK(e.find("did you mean 'timesteps'") != std::string::npos);
  e = errmsg("models: [sr4]\n", {"eltwise.lanes=0"});
  CHECK(e.find("--set eltwise.lanes=0") != std::string::npos);
  e = errmsg("prune: {block: 32}\n");
  CHECK(e.find("'models' is missing") != std::string::npos);
  e = errmsg("models: [no/such/file.npz]\n");
  CHECK(e.find("no such file") != std::string::npos);
  // a combination that is impossible although each value is fine alone
  e = errmsg(
      "models: [sr4]\nhw:\n  grid:\n    engine.pe_groups: [64x64]\n    engine.pes_per_group: [1x1, "
      "8x8]\n");
  CHECK(e.find("impossible hardware config") != std::string::npos);
}

TEST_CASE("sweep point ids: stable hash of the resolved settings") {
  // FNV-1a 64 reference values
  CHECK(fnv1a64_hex("") == "cbf29ce484222325");
  CHECK(fnv1a64_hex("a") == "af63dc4c8601ec8c");
  CHECK(fnv1a64_hex("foobar") == "85944171f73967e8");
  const auto a = expand(parse_sweep_spec(kGrid, "s.yaml", "."));
  const auto b = expand(parse_sweep_spec(kGrid, "other.yaml", "."));
  REQUIRE(a.size() == b.size());
  std::set<std::string> ids;
  for (size_t i = 0; i < a.size(); ++i) {
    CHECK(a[i].id == b[i].id);
    CHECK(a[i].id == fnv1a64_hex(canonical_settings(a[i])));
    CHECK(a[i].id.size() == 16);
    ids.insert(a[i].id);
  }
  CHECK(ids.size() == a.size());
  // the same points listed in another order (grid keys swapped, blocks reversed) keep their ids
  const auto c = expand(parse_sweep_spec(R"(models: [mt1, sr4]
prune: {block: [64, 32]}
hw:
  grid:
    eltwise.lanes: [64, 16]
    sharing.mode: [2d, none]
)",
                                         "s.yaml", "."));
  std::set<std::string> ids_c;
  for (const auto& p : c) ids_c.insert(p.id);
  CHECK(ids_c == ids);
  // a hw key set to its default value is the same point as leaving it out
  const auto d = expand(parse_sweep_spec(
      "models: [sr4]\nprune: {block: 32}\nhw: {set: {eltwise.lanes: 16, sharing.mode: none}}\n",
      "s.yaml", "."));
  CHECK(ids.count(d.at(0).id) == 1);
  // json round trip keeps every field that enters the id
  const Point r = point_from_json(nlohmann::json::parse(point_to_json(a[5]).dump()));
  CHECK(point_id(r) == a[5].id);
  CHECK(cache_key(r) == a[5].cache_key);
}

TEST_CASE("sweep resume: only the deleted point runs again") {
  TempDir t("sweep-resume");
  write(t.file("s.yaml"), R"(name: resume
models: [sr4]
prune: {block: 32}
hw:
  grid:
    sharing.mode: [none, 2d]
    eltwise.lanes: [16, 64]
)");
  const std::string out = t.file("out");
  auto r = run_cli("sweep " + t.file("s.yaml") + " --out " + out + " -j 2 --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("4 points: 0 skipped (already done), 4 run: 4 ok") != std::string::npos);
  auto log = last_run_log(out);
  CHECK(count_prefix(log, "run ") == 4);
  CHECK(count_prefix(log, "prepare ") == 1);
  const auto rows = read_csv(out + "/results.csv");
  REQUIRE(rows.size() == 4);
  const std::string victim = rows[2].at("id");
  const std::string before = read_text_file(out + "/results.csv");
  std::filesystem::remove(out + "/points/" + victim + ".json");

  r = run_cli("sweep " + t.file("s.yaml") + " --out " + out + " -j 2 --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("4 points: 3 skipped (already done), 1 run: 1 ok") != std::string::npos);
  log = last_run_log(out);
  CHECK(count_prefix(log, "run ") == 1);
  CHECK(count_prefix(log, "run " + victim) == 1);
  CHECK(count_prefix(log, "skip ") == 3);
  CHECK(count_prefix(log, "prepare ") == 0);  // the pruned model came from the cache
  // same table (the timing columns of the rerun point are deterministic; wall times are not)
  const auto rows2 = read_csv(out + "/results.csv");
  REQUIRE(rows2.size() == 4);
  for (size_t i = 0; i < 4; ++i)
    for (const char* k : {"id", "cycles_per_step", "latency_us", "pe_utilization"})
      CHECK(rows2[i].at(k) == rows[i].at(k));
  (void)before;

  // a third run does nothing
  r = run_cli("sweep " + t.file("s.yaml") + " --out " + out + " --no-progress");
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("4 skipped (already done), 0 run") != std::string::npos);
}

TEST_CASE("sweep: a failing point is recorded and the others still run") {
  TempDir t("sweep-fail");
  // a 16-entry BlockNeuronBuffer cannot hold a 32-wide block: the compiler refuses that point
  write(t.file("s.yaml"), R"(models: [sr4]
prune: {block: 32}
hw:
  grid:
    buffers.block_neuron_buffer: [128, 16, 64]
)");
  const std::string out = t.file("out");
  const auto r = run_cli("sweep " + t.file("s.yaml") + " --out " + out + " -j 2 --no-progress");
  INFO(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("3 run: 2 ok, 1 failed") != std::string::npos);
  const auto rows = read_csv(out + "/results.csv");
  REQUIRE(rows.size() == 3);
  CHECK(rows[0].at("status") == "ok");
  CHECK(rows[1].at("status") == "failed");
  CHECK(rows[1].at("error").find("error") != std::string::npos);
  CHECK(rows[1].at("cycles_per_step").empty());
  CHECK(rows[2].at("status") == "ok");
  const std::string md = read_text_file(out + "/results.md");
  CHECK(md.find("## Failed points") != std::string::npos);
  CHECK(md.find(rows[1].at("id")) != std::string::npos);
  // the failed point is retried on resume (and fails again); the ok ones are skipped
  const auto r2 = run_cli("sweep " + t.file("s.yaml") + " --out " + out + " --no-progress");
  CHECK(r2.exit_code == 1);
  CHECK(r2.output.find("2 skipped (already done), 1 run: 0 ok, 1 failed") != std::string::npos);
}

TEST_CASE("sweep table: analytic cycles equal csbrnn compile --report") {
  TempDir t("sweep-compile");
  // independent route: genmodel + prune CLI -> .csb, then compile --report per config
  REQUIRE(run_cli("genmodel sr4 -o " + t.file("w.npz")).exit_code == 0);
  REQUIRE(run_cli("prune " + t.file("w.npz") + " -m csb -r 23 -b 32x32 -q -o " + t.file("m.csb"))
              .exit_code == 0);
  write(t.file("s.yaml"), R"(models: [m.csb, w.npz]
prune: {method: csb, rate: 23, block: 32}
hw:
  base: )" + source_path("configs/hw_512pe.yaml") +
                              R"(
  grid:
    sharing.mode: [none, 2d]
)");
  const std::string out = t.file("out");
  const auto r = run_cli("sweep " + t.file("s.yaml") + " --out " + out + " --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto rows = read_csv(out + "/results.csv");
  REQUIRE(rows.size() == 4);
  for (int i = 0; i < 2; ++i) {
    const std::string mode = i == 0 ? "none" : "2d";
    const auto c = run_cli("compile " + t.file("m.csb") + " --hw " +
                           source_path("configs/hw_512pe.yaml") + " --set sharing.mode=" + mode +
                           " -o " + t.file("p.bin") + " --report " + t.file("r.json"));
    REQUIRE(c.exit_code == 0);
    const auto j = nlohmann::json::parse(read_text_file(t.file("r.json")));
    const auto& tm = j.at("timing");
    for (int row : {i, 2 + i}) {  // the .csb model and the same weights pruned by the sweep
      INFO("row " << row << " mode " << mode);
      CHECK(rows[row].at("sharing.mode") == mode);
      CHECK(std::stoll(rows[row].at("cycles_per_step")) == tm.at("cycles_per_step").get<int64_t>());
      CHECK(std::stod(rows[row].at("latency_us")) == Approx(tm.at("latency_us").get<double>()));
      CHECK(std::stod(rows[row].at("pe_utilization")) ==
            Approx(tm.at("pe_utilization").get<double>()));
      CHECK(rows[row].at("weight_buffer_overflow") ==
            (j.at("compile").at("weight_buffer_overflow").get<bool>() ? "yes" : "no"));
      // The scheduler's decision units and gaps, as csbrnn compile --report states them.
      const auto& cj = j.at("compile");
      CHECK(std::stoll(rows[row].at("decision_units")) == cj.at("decision_units").get<int64_t>());
      CHECK(std::stoll(rows[row].at("proven_units")) == cj.at("proven_units").get<int64_t>());
      CHECK(std::stoll(rows[row].at("unproven_units")) ==
            cj.at("unproven").at("count").get<int64_t>());
      CHECK(std::stoll(rows[row].at("gap_tiles")) ==
            cj.at("unproven").at("gap_tiles").get<int64_t>());
      CHECK(std::stoll(rows[row].at("decision_units")) > 0);
    }
  }
  const std::string md = read_text_file(out + "/results.md");
  CHECK(md.find("| m | analytic | - | - | - | none | " + rows[0].at("cycles_per_step") + " |") !=
        std::string::npos);
  CHECK(rows[0].at("method") == "-");
  CHECK(rows[2].at("method") == "csb");
  CHECK(rows[2].at("rate") == "23");
}

TEST_CASE("sweep fig12 spec agrees with csbrnn fig12 (sr4)") {
  TempDir t("sweep-fig12");
  const auto f = run_cli("fig12 --models sr4 --block 32 --json " + t.file("f.json"));
  REQUIRE(f.exit_code == 0);
  const auto fj = nlohmann::json::parse(read_text_file(t.file("f.json")));
  const std::string out = t.file("out");
  const auto r = run_cli("sweep " + source_path("configs/sweeps/fig12.yaml") + " --out " + out +
                         " --no-progress --set models=[sr4] --set prune.block=32");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto rows = read_csv(out + "/results.csv");
  REQUIRE(rows.size() == 4);
  REQUIRE(fj.size() == 4);
  for (const auto& e : fj) {
    bool found = false;
    for (const auto& row : rows)
      if (row.at("sharing.mode") == e.at("sharing").get<std::string>()) {
        found = true;
        INFO(row.at("sharing.mode"));
        CHECK(std::stod(row.at("group_occupancy")) ==
              Approx(e.at("group_occupancy").get<double>()));
        CHECK(std::stod(row.at("pe_utilization")) == Approx(e.at("pe_utilization").get<double>()));
        CHECK(std::stoll(row.at("cycles_per_step")) == e.at("cycles_per_step").get<int64_t>());
      }
    CHECK(found);
  }
}

TEST_CASE("sweep simulate mode: one csbrnn simulate per point, equal to analytic") {
  TempDir t("sweep-sim");
  write(t.file("s.yaml"), R"(mode: simulate
timesteps: 2
models: [sr4]
prune: {block: 32}
hw:
  grid:
    sharing.mode: [none, 2d]
)");
  const std::string out = t.file("out");
  const auto r = run_cli("sweep " + t.file("s.yaml") + " --out " + out + " --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto rows = read_csv(out + "/results.csv");
  REQUIRE(rows.size() == 2);
  for (const auto& row : rows) {
    CHECK(row.at("mode") == "simulate");
    CHECK(row.at("sim_check") == "passed");
    CHECK(row.at("sim_minus_analytic_cycles") == "0");
    CHECK(std::stod(row.at("sim_cycles_per_step")) == std::stod(row.at("cycles_per_step")));
    CHECK(std::filesystem::exists(out + "/runs/" + row.at("id") + "/stats.json"));
    // the point's "sim" record copies documented stats.json keys (sim/report.cpp run_stats)
    const auto point =
        nlohmann::json::parse(read_text_file(out + "/points/" + row.at("id") + ".json"))["sim"];
    const auto st =
        nlohmann::json::parse(read_text_file(out + "/runs/" + row.at("id") + "/stats.json"));
    const std::vector<std::string> documented = sim::stats_json_paths();
    CHECK(point.size() == sim_point_keys().size() + 1);  // + report_dir
    for (const auto& [key, path] : sim_point_keys()) {
      INFO(key << " <- " << path);
      // a documented key, or an object of documented keys ("stalls")
      CHECK(std::count_if(documented.begin(), documented.end(), [&](const std::string& d) {
              return d == path || d.rfind(path + ".", 0) == 0;
            }) > 0);
      CHECK(point.at(key) == st.at(csbrnn::stats::pointer(path)));
    }
    CHECK(row.at("stall_input_cycles") ==
          std::to_string(st["stalls"]["input_load_cycles"].get<int64_t>()));
  }
}

TEST_CASE("sweep --dry-run writes the manifest and runs nothing") {
  TempDir t("sweep-dry");
  write(t.file("s.yaml"), kGrid);
  const std::string out = t.file("out");
  const auto r = run_cli("sweep " + t.file("s.yaml") + " --out " + out + " --dry-run");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("16 points (0 already done, 16 to run)") != std::string::npos);
  std::ifstream m(out + "/manifest.jsonl");
  int lines = 0;
  std::string l;
  while (std::getline(m, l)) lines++;
  CHECK(lines == 1 + 16);  // the header, then a line a point
  CHECK(std::filesystem::is_empty(out + "/points"));
  CHECK(!std::filesystem::exists(out + "/cache"));
  // spec errors come out as one line, exit 2
  write(t.file("bad.yaml"), "models: [sr4]\nhw: {grid: {eltwise.lane: [1]}}\n");
  const auto b = run_cli("sweep " + t.file("bad.yaml") + " --out " + out);
  CHECK(b.exit_code == 2);
  CHECK(b.output.find("bad.yaml:2") != std::string::npos);
  CHECK(b.output.find("eltwise.lanes") != std::string::npos);
}

TEST_CASE("sweep spec: a shipped spec with a duplicate or an unknown key is refused at its line") {
  // configs/sweeps/fig12.yaml as shipped, one key repeated or misspelt; the expected line numbers
  // are counted in the text itself. (Parsed from memory, relative paths against its folder.)
  const std::string dir = source_path("configs/sweeps");
  const std::string orig = read_text_file(dir + "/fig12.yaml");
  auto line_of = [](const std::string& text, size_t pos) {
    return 1 + std::count(text.begin(), text.begin() + long(pos), '\n');
  };
  auto error_of = [&](const std::string& text) {
    try {
      parse_sweep_spec(text, "fig12.yaml", dir);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(expand(parse_sweep_spec(orig, "fig12.yaml", dir)).size() == 6 * 2 * 4);
  // a duplicate top-level key
  const size_t seed = orig.find("\nseed: 1\n");
  REQUIRE(seed != std::string::npos);
  const std::string dup =
      orig.substr(0, seed + 9) + "seed: 2\n" + orig.substr(seed + 9);  // after "seed: 1\n"
  const auto first = line_of(orig, seed + 1);
  CHECK(error_of(dup) ==
        cat("fig12.yaml:", first + 1, ": duplicate key 'seed' (first at line ", first, ")"));
  // a duplicate grid axis, written twice the same way
  const size_t axis = orig.find("    sharing.mode: [none, horizontal, vertical, 2d]\n");
  REQUIRE(axis != std::string::npos);
  const std::string dup_axis = orig + "    sharing.mode: [none]\n";
  CHECK(error_of(dup_axis) == cat("fig12.yaml:", line_of(dup_axis, dup_axis.size() - 1),
                                  ": duplicate key 'hw.grid.sharing.mode' (first at line ",
                                  line_of(orig, axis + 1), ")"));
  // an unknown key in a section
  std::string misspelt = orig;
  const size_t b = misspelt.find("  block: [32, 64]");
  REQUIRE(b != std::string::npos);
  misspelt.replace(b, 7, "  blokc");
  CHECK(error_of(misspelt) == cat("fig12.yaml:", line_of(misspelt, b),
                                  ": unknown key 'prune.blokc' (did you mean 'prune.block'?)"));
}

TEST_CASE("sweep spec: expand() refuses more than kMaxExpandInMemory points before expanding") {
  // 2 models x 2 blocks x 50 x 50 x 11 grid values = 110000 points: csbrnn sweep streams them
  // (test_scale.cpp: up to kMaxSweepPoints), expand() would hold them all.
  std::string clocks, lat;
  for (int i = 0; i < 50; ++i) {
    clocks += (i ? ", " : "") + std::to_string(100 + i);
    lat += (i ? ", " : "") + std::to_string(10 + i);
  }
  const std::string text =
      "models: [sr4, mt1]\nprune:\n  block: [32, 64]\nhw:\n  grid:\n"
      "    engine.clock_mhz: [" +
      clocks +
      "]\n"
      "    memory.dram_latency_ns: [" +
      lat +
      "]\n"
      "    memory.burst_bytes: [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048]\n";
  CHECK(errmsg(text) ==
        "s.yaml: the sweep expands into 110000 points, more than 100000 held at once (csbrnn "
        "sweep streams any number up to 10000000)");
  // one burst size: 10000 points, expanded
  std::string ok = text;
  ok.replace(ok.find("[2, 4, 8"), ok.find("]", ok.find("[2, 4, 8")) - ok.find("[2, 4, 8") + 1,
             "[64]");
  CHECK(expand(parse_sweep_spec(ok, "s.yaml", ".")).size() == 10000);
}

TEST_CASE("sweep: prune.tile and prune.permute axes prune as csbrnn prune --tile / --permute") {
  // Independent route: the same weights pruned by the CLI (--tile 2x4; --permute balance), then
  // csbrnn compile --report: the sweep's cycles must be those of that .csb.
  TempDir t("sweep-tile");
  REQUIRE(run_cli("genmodel sr4 -o " + t.file("w.npz")).exit_code == 0);
  const std::map<std::string, std::string> cli = {
      {"csb-tile 4x4 none", "-m csb-tile"},
      {"csb-tile 2x4 none", "-m csb-tile --tile 2x4"},
      {"csb-tile 4x4 balance", "-m csb-tile --permute balance"},
      {"csb-tile 2x4 balance", "-m csb-tile --tile 2x4 --permute balance"}};
  write(t.file("s.yaml"), R"(models: [w.npz]
prune: {method: csb-tile, rate: 10, block: 16, tile: [4x4, 2x4], permute: [none, balance]}
)");
  const std::string out = t.file("out");
  const auto r = run_cli("sweep " + t.file("s.yaml") + " --out " + out + " --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto rows = read_csv(out + "/results.csv");
  REQUIRE(rows.size() == 4);
  std::set<std::string> seen;
  for (const auto& row : rows) {
    const std::string k = row.at("method") + " " + row.at("tile") + " " + row.at("permute");
    INFO(k);
    REQUIRE(cli.count(k));
    seen.insert(k);
    REQUIRE(run_cli("prune " + t.file("w.npz") + " -r 10 -b 16 -q " + cli.at(k) + " -o " +
                    t.file("m.csb"))
                .exit_code == 0);
    REQUIRE(run_cli("compile " + t.file("m.csb") + " -o " + t.file("p.bin") + " --report " +
                    t.file("r.json"))
                .exit_code == 0);
    const auto j = nlohmann::json::parse(read_text_file(t.file("r.json")));
    CHECK(std::stoll(row.at("cycles_per_step")) ==
          j.at("timing").at("cycles_per_step").get<int64_t>());
  }
  CHECK(seen.size() == 4);
  CHECK(read_text_file(out + "/results.md").find("| tile | permute |") != std::string::npos);
}

TEST_CASE("sweep: prune.tile is csb-tile's alone, prune.permute is none or balance") {
  std::string e = errmsg("models: [sr4]\nprune: {method: [csb, csb-tile], tile: 4x4}\n");
  CHECK(e == "s.yaml: prune.tile: only method 'csb-tile' takes a tile (prune.method lists 'csb')");
  e = errmsg("models: [sr4]\nprune: {method: csb-tile, tile: 4y4}\n");
  CHECK(e.find("s.yaml:2") != std::string::npos);
  CHECK(e.find("bad tile '4y4'") != std::string::npos);
  e = errmsg("models: [sr4]\nprune: {permute: balanse}\n");
  CHECK(e.find("s.yaml:2") != std::string::npos);
  CHECK(e.find("did you mean 'balance'") != std::string::npos);
  e = errmsg("models: [sr4]\n", {"prune.tile=2x2"});
  CHECK(e.find("only method 'csb-tile' takes a tile") != std::string::npos);
  // The defaults add nothing to a point's identity: permute none, and a tile only for csb-tile.
  const auto a = expand(parse_sweep_spec("models: [sr4]\nprune: {block: 32}\n", "s.yaml", "."));
  const auto b =
      expand(parse_sweep_spec("models: [sr4]\nprune: {block: 32, permute: none}\n", "s.yaml", "."));
  REQUIRE(a.size() == 1);
  REQUIRE(b.size() == 1);
  CHECK(a[0].id == b[0].id);
  CHECK(a[0].cache_key == b[0].cache_key);
  CHECK(canonical_settings(a[0]).find("\ntile=") == std::string::npos);
  CHECK(canonical_settings(a[0]).find("\npermute=") == std::string::npos);
  const auto c = expand(parse_sweep_spec(
      "models: [sr4]\nprune: {method: csb-tile, block: 32, tile: [4x4, 2x2], permute: [none, "
      "balance]}\n",
      "s.yaml", "."));
  REQUIRE(c.size() == 4);
  std::set<std::string> ids, keys;
  for (const auto& p : c) ids.insert(p.id), keys.insert(p.cache_key);
  CHECK(ids.size() == 4);
  CHECK(keys.size() == 4);
}

TEST_CASE("beyond_paper.yaml: the plus variants are exactly the plus configs' change to the base") {
  // configs/hw_256pe_plus.yaml is the 256-PE paper design with the "plus" variant's keys changed,
  // hw_512pe_plus.yaml the 512-PE one with the "plus, 4 neighbours" keys (one design each,
  // written twice only because a sweep variant cannot name a config file).
  const SweepSpec s = load_sweep_spec(source_path("configs/sweeps/beyond_paper.yaml"));
  for (const auto& [pes, name] :
       {std::pair<std::string, std::string>{"256", "plus"},
        std::pair<std::string, std::string>{"512", "plus, 4 neighbours"}}) {
    INFO(pes << " PEs, variant " << name);
    const Variant* plus = nullptr;
    for (const Variant& v : s.variants)
      if (v.name == name) plus = &v;
    REQUIRE(plus != nullptr);
    std::vector<std::string> sets;
    for (const auto& kv : plus->set) sets.push_back(kv.first + "=" + kv.second);
    HwConfig want = load_hw_config(source_path(cat("configs/hw_", pes, "pe_plus.yaml")));
    HwConfig base = load_hw_config(source_path(cat("configs/hw_", pes, "pe.yaml")), sets);
    CHECK(want.name == cat("csb-", pes, "pe-plus"));
    base.name = want.name;
    CHECK(hw_config_to_yaml(base) == hw_config_to_yaml(want));
    // and the plus design really differs from the paper's in every one of those keys
    const HwConfig paper = load_hw_config(source_path(cat("configs/hw_", pes, "pe.yaml")));
    for (const auto& kv : plus->set) {
      INFO(kv.first);
      CHECK(hw_config_to_yaml(load_hw_config(source_path(cat("configs/hw_", pes, "pe.yaml")),
                                             {kv.first + "=" + kv.second})) !=
            hw_config_to_yaml(paper));
    }
  }
}

TEST_CASE("beyond_paper.yaml runs: every lever simulated bit-exact and equal to analytic") {
  // The shipped beyond-paper sweep on two models (MT1 and SR2 at 512 PEs: 2 methods x 13
  // variants each): every point simulated (fast timing), checked bit for bit against the
  // fixed-point reference and cycle for cycle against the analytic model; the plus design with
  // tile-aligned pruning is faster than the paper's rules, and tile-aligned CSB pads no tile
  // (utilization == occupancy: every issued lane is a kept weight). SR2 with the 512-PE plus
  // design and tile-aligned pruning is below the paper's 5.18 us (docs/paper-figures.md
  // section 5: 1,012 cycles = 5.06 us).
  TempDir t("sweep-beyond");
  const std::string out = t.file("out");
  const auto r =
      run_cli("sweep " + source_path("configs/sweeps/beyond_paper.yaml") + " --out " + out +
              " -j 2 --no-progress --set 'models=[{model: mt1, set: {engine.pe_groups: "
              "8x4}}, {model: sr2, set: {engine.pe_groups: 8x4}}]' --set timesteps=2");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto rows = read_csv(out + "/results.csv");
  REQUIRE(rows.size() == 52);
  std::map<std::string, double> us;
  for (const auto& row : rows) {
    INFO(row.at("model") << " " << row.at("method") << " " << row.at("variant"));
    CHECK(row.at("status") == "ok");
    CHECK(row.at("sim_check") == "passed");
    CHECK(row.at("sim_minus_analytic_cycles") == "0");
    if (row.at("method") == "csb-tile")
      CHECK(std::stod(row.at("pe_utilization")) == Approx(std::stod(row.at("group_occupancy"))));
    us[row.at("model") + "/" + row.at("method") + "/" + row.at("variant")] =
        std::stod(row.at("sim_latency_us"));
  }
  for (const char* m : {"mt1", "sr2"}) {
    INFO(m);
    const std::string k = m;
    CHECK(us.at(k + "/csb-tile/plus") < us.at(k + "/csb/plus"));
    CHECK(us.at(k + "/csb/plus") < us.at(k + "/csb/paper rules"));
    CHECK(us.at(k + "/csb/row-group sync") < us.at(k + "/csb/paper rules"));
    CHECK(us.at(k + "/csb/free sync") <= us.at(k + "/csb/row-group sync"));
    CHECK(us.at(k + "/csb-tile/plus, 4 neighbours") < us.at(k + "/csb-tile/plus"));
  }
  CHECK(us.at("sr2/csb-tile/plus, 4 neighbours") < 5.18);
}
