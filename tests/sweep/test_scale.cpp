// Sweeps at scale (docs/sweep.md "Scale"): the expansion regenerates any point from the spec and
// its index without enumerating the others; manifest version 2 (header + index and id a point)
// gives back exactly the points a version-1 manifest held in full (fixtures made by the csbrnn
// before it, tests/fixtures/sweep/make_sweep_fixtures.py); the streaming merge writes what the
// merge before it wrote from the same result files.
#include <algorithm>
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "config/config_loader.h"
#include "config/hw_keys.h"
#include "support/test_util.h"
#include "sweep/manifest.h"
#include "sweep/spec.h"

using namespace csbrnn;
using namespace csbrnn::sweep;
using csbrnn::test::run_cli;
using csbrnn::test::source_path;
using csbrnn::test::TempDir;

namespace {

std::string values(int n, int first) {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? ", " : "") + std::to_string(first + i);
  return s;
}

std::string hw_of(const Point& p, const std::string& key) {
  for (const auto& kv : p.hw)
    if (kv.first == key) return kv.second;
  return "(unset)";
}

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string fixture(const std::string& name) {
  return source_path("tests/fixtures/sweep/" + name);
}

}  // namespace

TEST_CASE("fnv1a64: the published FNV-1a 64 test vectors, and PrefixHasher equals it") {
  CHECK(fnv1a64_hex("") == "cbf29ce484222325");
  CHECK(fnv1a64_hex("a") == "af63dc4c8601ec8c");
  CHECK(fnv1a64_hex("foobar") == "85944171f73967e8");
  // texts sharing prefixes of every length with the one before, some shorter, some longer
  std::mt19937 rng(3);
  PrefixHasher h;
  std::string t(300, 'x');
  for (int k = 0; k < 400; ++k) {
    const size_t keep = rng() % (t.size() + 1);
    t.resize(keep);
    const size_t add = rng() % 200;
    for (size_t i = 0; i < add; ++i) t += char('a' + rng() % 26);
    REQUIRE(h.hash(t) == fnv1a64(t));
  }
  uint64_t v = 0;
  CHECK(parse_id("00a12421347d9345", v));
  CHECK(id_hex(v) == "00a12421347d9345");
  CHECK(!parse_id("00A12421347d9345", v));
  CHECK(!parse_id("00a12421347d934", v));
}

TEST_CASE("sweep expansion: point N of a 10^7-point spec without the points before it") {
  // 10 rates x 100 clocks x 100 buffer sizes x 100 DRAM latencies = 10^7 points, the most a
  // sweep may have. Enumerating them (about 5 us each) would take a minute; this takes
  // milliseconds, and only the spec's values are held.
  const std::string text = "models: [sr4]\nprune: {rate: [" + values(10, 8) +
                           "]}\nhw:\n  grid:\n    engine.clock_mhz: [" + values(100, 100) +
                           "]\n    buffers.weight_buffer_kib: [" + values(100, 64) +
                           "]\n    memory.dram_latency_ns: [" + values(100, 10) + "]\n";
  Expansion ex(parse_sweep_spec(text, "s.yaml", "."));
  REQUIRE(ex.size() == kMaxSweepPoints);
  // index = ((rate x 100 + clock) x 100 + buffer) x 100 + latency (the last axis fastest)
  const Point last = ex.point(kMaxSweepPoints - 1);
  CHECK(last.rate == 17);
  CHECK(hw_of(last, "engine.clock_mhz") == "199");
  CHECK(hw_of(last, "buffers.weight_buffer_kib") == "163");
  CHECK(hw_of(last, "memory.dram_latency_ns") == "109");
  const Point mid = ex.point(1234567);  // rate 1, clock 23, buffer 45, latency 67
  CHECK(mid.rate == 9);
  CHECK(hw_of(mid, "engine.clock_mhz") == "123");
  CHECK(hw_of(mid, "buffers.weight_buffer_kib") == "109");
  CHECK(hw_of(mid, "memory.dram_latency_ns") == "77");
  CHECK(ex.config(1234567).engine.clock_mhz == 123.0);
  // the same point resolved the way one --set list is: the id covers the whole resolved config
  Expansion one(parse_sweep_spec(text, "s.yaml", ".",
                                 {"prune.rate=9", "engine.clock_mhz=123",
                                  "buffers.weight_buffer_kib=109", "memory.dram_latency_ns=77"}));
  REQUIRE(one.size() == 1);
  CHECK(one.point(0).id == mid.id);
  CHECK(one.point(0).hw_yaml == mid.hw_yaml);
  // one more rate: refused before anything is built
  const std::string more =
      "models: [sr4]\nprune: {rate: [" + values(11, 8) + "]}" + text.substr(text.find("\nhw:"));
  try {
    Expansion big(parse_sweep_spec(more, "s.yaml", "."));
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) ==
          "s.yaml: the sweep expands into 11000000 points (models x methods x rates x blocks x "
          "tiles x permutes x variants x grid values), more than 10000000; split it into smaller "
          "sweeps");
  }
}

TEST_CASE("sweep expansion: random access equals the in-order expansion") {
  const SweepSpec s = load_sweep_spec(fixture("grid.yaml"));
  const std::vector<Point> all = expand(s);
  Expansion ex(s);
  REQUIRE(ex.size() == int64_t(all.size()));
  for (int64_t i = ex.size() - 1; i >= 0; i -= 3) {  // backwards: every hash prefix is stale
    const Point p = ex.point(i);
    CHECK(p.id == all[size_t(i)].id);
    CHECK(p.hw == all[size_t(i)].hw);
    CHECK(p.cache_key == all[size_t(i)].cache_key);
    CHECK(ex.prune_point(i).cache_key == p.cache_key);
  }
  CHECK(ex.first_with_cache_key(all[40].cache_key) <= 40);
  CHECK(ex.prune_point(ex.first_with_cache_key(all[40].cache_key)).cache_key == all[40].cache_key);
  CHECK(ex.first_with_cache_key("0000000000000000") == -1);
}

/// True when the hw key table is the one the fixtures were made with (a key added since changes
/// every resolved YAML, so every id): then ids and whole records are compared too.
bool same_key_table(const nlohmann::json& v1) {
  const std::string y = v1.at("points").begin()->at("hw_yaml").get<std::string>();
  const bool same = hw_config_to_yaml(parse_hw_config(y, "fixture")) == y;
  if (!same) WARN("the hw key table changed since tests/fixtures/sweep was made: ids not compared");
  return same;
}

TEST_CASE("sweep manifest v2: the points of a version-1 manifest, regenerated") {
  for (const std::string spec : {"grid", "lhs", "random"}) {
    INFO(spec);
    TempDir t("sweep-v2-" + spec);
    const std::string out = t.file("out");
    const auto r = run_cli("sweep " + fixture(spec + ".yaml") + " --out " + out + " --dry-run");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const nlohmann::json v1 =
        nlohmann::json::parse(read_text_file(fixture("v1_" + spec + ".json")));
    const auto& slim = v1.at("slim");
    const bool same = same_key_table(v1);
    Manifest man(out);
    REQUIRE(man.size() == int64_t(slim.size()));
    for (int64_t i = 0; i < man.size(); ++i) {
      const nlohmann::json now = point_to_json(man.point(i));
      for (const char* k :
           {"index", "model", "method", "rate", "block", "variant", "hw_overrides", "cache_key"})
        CHECK(now.at(k) == slim.at(size_t(i)).at(k));
      if (same) CHECK(now.at("id") == slim.at(size_t(i)).at("id"));
    }
    if (same)
      man.for_each(
          [&](int64_t i, const std::string& id) { CHECK(id == v1.at("ids").at(size_t(i))); });
    for (const auto& [index, old] : v1.at("points").items()) {
      const int64_t i = std::stoll(index);
      // the resolved config, key by key (a key added since takes its default in both)
      CHECK(hw_config_equal(man.expansion().config(i),
                            parse_hw_config(old.at("hw_yaml").get<std::string>(), "fixture")));
      nlohmann::json now = point_to_json(man.point(i));
      CHECK(ends_with(now.at("model_path").get<std::string>(),
                      "models/" + now.at("model").get<std::string>() + ".yaml"));
      if (!same) continue;
      nlohmann::json was = old;
      now.erase("model_path"), was.erase("model_path");  // the checkout's absolute path
      CHECK(now.dump(1) == was.dump(1));
    }
    // header + one line a point, every point line the same width
    std::ifstream in(out + "/manifest.jsonl");
    std::string line;
    std::getline(in, line);
    size_t lines = 0, width = 0;
    while (std::getline(in, line)) {
      if (lines++ == 0) width = line.size();
      CHECK(line.size() == width);
    }
    CHECK(lines == slim.size());
  }
}

TEST_CASE("sweep manifest: a version-1, newer or truncated manifest is refused in one line") {
  TempDir t("sweep-v1");
  const std::string out = t.file("out");
  const nlohmann::json v1 = nlohmann::json::parse(read_text_file(fixture("v1_lhs.json")));
  make_directories(out);
  write_file_atomic(out + "/manifest.jsonl", v1.at("points").at("0").dump() + "\n");
  auto r = run_cli("sweep --status --out " + out);
  CHECK(r.exit_code == 2);
  CHECK(r.output == "csbrnn: error: " + out +
                        "/manifest.jsonl: a version-1 manifest (one full point a line, from an "
                        "older csbrnn); rerun the sweep command on this directory to rewrite it "
                        "(point ids are unchanged: its results are kept and reused)\n");
  REQUIRE(run_cli("sweep " + fixture("lhs.yaml") + " --out " + out + " --dry-run").exit_code == 0);
  std::string text = read_text_file(out + "/manifest.jsonl");
  write_file_atomic(out + "/manifest.jsonl", text.substr(0, text.size() - 1));
  r = run_cli("sweep --report-only --out " + out);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("/manifest.jsonl: truncated or corrupt") != std::string::npos);
  const std::string v2 = "\"csbrnn_sweep_manifest\":2";
  const size_t v = text.find(v2);
  REQUIRE(v != std::string::npos);
  text.replace(v, v2.size(), "\"csbrnn_sweep_manifest\":3");
  write_file_atomic(out + "/manifest.jsonl", text);
  r = run_cli("sweep --status --out " + out);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("manifest version 3, this csbrnn reads 2") != std::string::npos);
}

/// `text` with every id of `ids` replaced by "#INDEX" (the ids change with the hw key table; the
/// merge's output must not otherwise).
std::string by_index(std::string text, const std::vector<std::string>& ids) {
  for (size_t i = 0; i < ids.size(); ++i)
    for (size_t at = text.find(ids[i]); at != std::string::npos; at = text.find(ids[i], at))
      text.replace(at, ids[i].size(), "#" + std::to_string(i));
  return text;
}

/// A CSV without the named columns (the energy columns came after the old binary's merge).
std::string drop_columns(const std::string& csv, const std::vector<std::string>& names) {
  std::istringstream in(csv);
  std::string line, out;
  std::vector<bool> keep;
  while (std::getline(in, line)) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) cells.push_back(c);
    if (!line.empty() && line.back() == ',') cells.push_back("");
    if (keep.empty())
      for (const auto& h : cells)
        keep.push_back(std::find(names.begin(), names.end(), h) == names.end());
    std::string row;
    for (size_t i = 0; i < cells.size(); ++i)
      if (i >= keep.size() || keep[i]) row += (row.empty() && i == 0 ? "" : ",") + cells[i];
    out += row + "\n";
  }
  return out;
}

TEST_CASE("sweep merge: results.csv, results.md and pareto.md as the merge before streaming") {
  TempDir t("sweep-merge");
  const std::string out = t.file("out");
  REQUIRE(run_cli("sweep " + fixture("grid.yaml") + " --out " + out + " --dry-run").exit_code == 0);
  const nlohmann::json v1 = nlohmann::json::parse(read_text_file(fixture("v1_grid.json")));
  const std::vector<std::string> old_ids = v1.at("ids").get<std::vector<std::string>>();
  Manifest man(out);
  std::vector<std::string> ids;
  man.for_each([&](int64_t, const std::string& id) { ids.push_back(id); });
  REQUIRE(ids.size() == old_ids.size());
  std::istringstream in(read_text_file(fixture("merge_results.jsonl")));
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    const auto at = std::find(old_ids.begin(), old_ids.end(), j.at("id").get<std::string>());
    REQUIRE(at != old_ids.end());
    j["id"] = ids[size_t(at - old_ids.begin())];
    write_file_atomic(out + "/points/" + j["id"].get<std::string>() + ".json", j.dump() + "\n");
    n++;
  }
  REQUIRE(n == 122);  // of 128 points: 6 left without a result
  const auto r = run_cli("sweep --report-only --out " + out);
  INFO(r.output);
  CHECK(r.exit_code == 1);  // failed and missing points
  // the old results carry no energy and no scheduler gaps: those columns are empty, the energy
  // front absent
  const std::string csv = read_text_file(out + "/results.csv");
  CHECK(csv.find("energy_per_step_nj,power_mw,frames_per_joule") != std::string::npos);
  CHECK(csv.find("decision_units,proven_units,unproven_units,gap_tiles,compile_s") !=
        std::string::npos);
  CHECK(
      by_index(drop_columns(csv, {"energy_per_step_nj", "power_mw", "frames_per_joule",
                                  "decision_units", "proven_units", "unproven_units", "gap_tiles"}),
               ids) == by_index(read_text_file(fixture("merge_expected.csv")), old_ids));
  std::string pareto = read_text_file(fixture("merge_expected_pareto.md"));
  const std::string no_energy = "per timestep. No energy model exists yet.";
  REQUIRE(pareto.find(no_energy) != std::string::npos);
  pareto.replace(pareto.find(no_energy), no_energy.size(),
                 "per timestep; energy per timestep is the `energy_per_step_nj` column "
                 "(docs/energy.md).");
  CHECK(read_text_file(out + "/pareto.md").find("latency vs energy") == std::string::npos);
  CHECK(by_index(read_text_file(out + "/pareto.md"), ids) == by_index(pareto, old_ids));
  std::string md = read_text_file(fixture("merge_expected.md"));
  const std::string was = "(resolved configs: manifest.jsonl)";
  REQUIRE(md.find(was) != std::string::npos);
  md.replace(md.find(was), was.size(), "(resolved configs: points/ID.json)");
  CHECK(by_index(read_text_file(out + "/results.md"), ids) == by_index(md, old_ids));
}

TEST_CASE("sweep --run-point: found by its index, by a search without one, refused when unknown") {
  TempDir t("sweep-runpoint");
  const std::string out = t.file("out");
  REQUIRE(run_cli("sweep " + fixture("lhs.yaml") + " --out " + out + " --dry-run").exit_code == 0);
  Manifest man(out);
  const Point p5 = man.point(5), p9 = man.point(9);
  REQUIRE(run_cli("sweep --prepare " + p5.cache_key + " --out " + out).exit_code == 0);
  // its index; no index (the manifest is searched); a wrong index (searched too)
  for (const auto& [p, extra] :
       {std::make_pair(p5, std::string(" --index 5")), std::make_pair(p9, std::string()),
        std::make_pair(man.point(11), std::string(" --index 3"))}) {
    const auto r = run_cli("sweep --run-point " + p.id + extra + " --out " + out);
    INFO(r.output);
    CHECK(r.exit_code == 0);
    const auto j = nlohmann::json::parse(read_text_file(out + "/points/" + p.id + ".json"));
    CHECK(j.at("status") == "ok");
    CHECK(j.at("point").at("hw_yaml") == p.hw_yaml);
    CHECK(j.at("point").at("index") == p.index);
  }
  const auto r = run_cli("sweep --run-point 0123456789abcdef --out " + out);
  CHECK(r.exit_code == 2);
  CHECK(r.output ==
        "csbrnn: error: " + out + "/manifest.jsonl: no point with id 0123456789abcdef\n");
}
