// search: random | latin-hypercube over the numeric grid axes, and the Pareto front: the
// Latin-hypercube stratification (every bin of every axis used exactly once), reproducibility
// by seed, and the front against a brute-force O(n^2) dominance filter.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/error.h"
#include "common/file_util.h"
#include "support/test_util.h"
#include "sweep/search.h"
#include "sweep/spec.h"

using namespace csbrnn;
using namespace csbrnn::sweep;
using csbrnn::test::run_cli;
using csbrnn::test::TempDir;

namespace {

/// Brute force: i is on the front when no j dominates it and no earlier j is the same point.
std::set<size_t> brute_front(const std::vector<std::pair<double, double>>& p) {
  std::set<size_t> out;
  for (size_t i = 0; i < p.size(); ++i) {
    bool keep = true;
    for (size_t j = 0; j < p.size() && keep; ++j) {
      if (j == i) continue;
      const bool dom = p[j].first <= p[i].first && p[j].second <= p[i].second &&
                       (p[j].first < p[i].first || p[j].second < p[i].second);
      const bool dup_before = j < i && p[j] == p[i];
      keep = !dom && !dup_before;
    }
    if (keep) out.insert(i);
  }
  return out;
}

std::string hw_of(const Point& p, const std::string& key) {
  for (const auto& kv : p.hw)
    if (kv.first == key) return kv.second;
  return "";
}

}  // namespace

TEST_CASE("latin hypercube: every bin of every axis exactly once, all in 0..1") {
  for (uint64_t seed : {1ull, 2ull, 77ull})
    for (int n : {1, 2, 5, 13}) {
      const auto s = latin_hypercube(n, 3, seed);
      REQUIRE(s.size() == size_t(n));
      for (int d = 0; d < 3; ++d) {
        std::vector<int> used(size_t(n), 0);
        for (const auto& x : s) {
          REQUIRE(x.size() == 3);
          CHECK(x[size_t(d)] >= 0.0);
          CHECK(x[size_t(d)] < 1.0);
          used[size_t(x[size_t(d)] * n)]++;
        }
        for (int b = 0; b < n; ++b) CHECK(used[size_t(b)] == 1);
      }
    }
  // hand-worked: n = 2 puts one sample in [0, .5) and one in [.5, 1) on each axis
  const auto two = latin_hypercube(2, 1, 9);
  CHECK(((two[0][0] < 0.5) != (two[1][0] < 0.5)));
}

TEST_CASE("search samples are reproducible by seed") {
  CHECK(latin_hypercube(8, 2, 3) == latin_hypercube(8, 2, 3));
  CHECK(latin_hypercube(8, 2, 3) != latin_hypercube(8, 2, 4));
  CHECK(random_samples(8, 2, 3) == random_samples(8, 2, 3));
  CHECK(random_samples(8, 2, 3) != random_samples(8, 2, 4));
  // splitmix64's published first output for seed 0 (Vigna's reference implementation)
  SplitMix64 r(0);
  CHECK(r.next() == 0xe220a8397b1dcdafull);
  for (int i = 0; i < 1000; ++i) {
    const uint64_t v = r.below(7);
    CHECK(v < 7);
  }
}

TEST_CASE("sweep spec: latin-hypercube over the numeric axes, crossed with the others") {
  const std::string spec = R"(models: [sr4]
search: latin-hypercube
search_points: 5
search_seed: 4
hw:
  grid:
    engine.clock_mhz: [100, 150, 200, 250, 300]
    sharing.mode: [none, 2d]
    eltwise.lanes: [8, 16, 32, 64, 128]
)";
  const SweepSpec s = parse_sweep_spec(spec, "s.yaml", ".");
  CHECK(s.pareto);  // on by default when searching
  const auto pts = expand(s);
  REQUIRE(pts.size() == 10);  // 5 samples x 2 sharing modes
  std::multiset<std::string> clocks, lanes;
  for (size_t i = 0; i < pts.size(); i += 2) {
    clocks.insert(hw_of(pts[i], "engine.clock_mhz"));
    lanes.insert(hw_of(pts[i], "eltwise.lanes"));
    // the non-numeric axis is crossed in full, in the grid's key order
    CHECK(hw_of(pts[i], "sharing.mode") == "none");
    CHECK(hw_of(pts[i + 1], "sharing.mode") == "2d");
    CHECK(hw_of(pts[i], "engine.clock_mhz") == hw_of(pts[i + 1], "engine.clock_mhz"));
    CHECK(pts[i].hw[0].first == "engine.clock_mhz");
    CHECK(pts[i].hw[1].first == "sharing.mode");
  }
  // 5 samples over 5 values per axis: each value exactly once (the stratification)
  CHECK(clocks == std::multiset<std::string>{"100", "150", "200", "250", "300"});
  CHECK(lanes == std::multiset<std::string>{"8", "16", "32", "64", "128"});
  // reproducible by seed, different with another seed
  const auto again = expand(parse_sweep_spec(spec, "s.yaml", "."));
  const auto other = expand(parse_sweep_spec(spec, "s.yaml", ".", {"search_seed=5"}));
  std::vector<std::string> a, b, c;
  for (size_t i = 0; i < pts.size(); ++i)
    a.push_back(pts[i].id), b.push_back(again[i].id), c.push_back(other[i].id);
  CHECK(a == b);
  CHECK(a != c);
  // random: a budget of distinct points (duplicates dropped), reproducible
  const auto r1 = expand(parse_sweep_spec(spec, "s.yaml", ".", {"search=random"}));
  const auto r2 = expand(parse_sweep_spec(spec, "s.yaml", ".", {"search=random"}));
  REQUIRE(r1.size() == r2.size());
  CHECK(r1.size() <= 10);
  CHECK(r1.size() % 2 == 0);
  for (size_t i = 0; i < r1.size(); ++i) CHECK(r1[i].id == r2[i].id);

  auto err = [](const std::string& text) {
    try {
      parse_sweep_spec(text, "s.yaml", ".");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(err("models: [sr4]\nsearch: random\nhw: {grid: {eltwise.lanes: [8, 16]}}\n") ==
        "s.yaml: search: random needs search_points: N (the budget)");
  CHECK(err("models: [sr4]\nsearch: random\nsearch_points: 3\nhw: {grid: {sharing.mode: [none, "
            "2d]}}\n") ==
        "s.yaml: search: random samples the numeric hw.grid axes, and this spec has none");
  CHECK(err("models: [sr4]\nsearch: sobol\n").find("s.yaml:2") != std::string::npos);
}

TEST_CASE("pareto front equals a brute-force dominance filter") {
  SplitMix64 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    const int n = int(rng.below(40));
    std::vector<std::pair<double, double>> p;
    for (int i = 0; i < n; ++i)  // small integer grid: many ties and duplicates
      p.emplace_back(double(rng.below(8)), double(rng.below(8)));
    const auto front = pareto_front(p);
    CHECK(std::set<size_t>(front.begin(), front.end()) == brute_front(p));
    for (size_t i = 1; i < front.size(); ++i) {  // by x ascending, y strictly descending
      CHECK(p[front[i]].first > p[front[i - 1]].first);
      CHECK(p[front[i]].second < p[front[i - 1]].second);
    }
  }
  // hand-worked: (1,5) (2,3) (3,4) (4,1) (2,3) -> (1,5) (2,3) (4,1)
  const std::vector<std::pair<double, double>> h = {{1, 5}, {2, 3}, {3, 4}, {4, 1}, {2, 3}};
  CHECK(pareto_front(h) == std::vector<size_t>{0, 1, 3});
}

TEST_CASE("sweep search run: pareto.md lists the brute-force front of results.csv") {
  TempDir t("search-run");
  std::ofstream(t.file("s.yaml")) << R"(name: search
models: [sr4]
search: latin-hypercube
search_points: 3
hw:
  grid:
    engine.pe_groups: [2x4, 4x4]
    engine.clock_mhz: [100, 200, 400]
)";
  const std::string out = t.file("out");
  const auto r = run_cli("sweep " + t.file("s.yaml") + " --out " + out + " -j 2 --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  // results.csv: PEs = groups x 16 (pes_per_group 4x4), analytic latency
  std::ifstream f(out + "/results.csv");
  std::string line;
  std::getline(f, line);
  std::vector<std::string> head;
  {
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) head.push_back(c);
  }
  std::vector<std::pair<double, double>> pts, energy_pts;
  std::vector<std::string> ids;
  while (std::getline(f, line)) {
    std::stringstream ss(line);
    std::string c;
    std::map<std::string, std::string> row;
    for (size_t i = 0; std::getline(ss, c, ','); ++i) row[head.at(i)] = c;
    const std::string g = row.at("engine.pe_groups");
    const double pes =
        std::stod(g.substr(0, g.find('x'))) * std::stod(g.substr(g.find('x') + 1)) * 16;
    pts.emplace_back(pes, std::stod(row.at("latency_us")));
    energy_pts.emplace_back(std::stod(row.at("energy_per_step_nj")),
                            std::stod(row.at("latency_us")));
    ids.push_back(row.at("id"));
  }
  REQUIRE(pts.size() == 6);
  const std::string md = read_text_file(out + "/pareto.md");
  const std::string pes_part = md.substr(0, md.find("## latency vs weight-buffer bytes"));
  for (size_t i = 0; i < ids.size(); ++i) {
    INFO(ids[i]);
    CHECK((pes_part.find(ids[i]) != std::string::npos) == (brute_front(pts).count(i) == 1));
  }
  // the energy front: latency against results.csv's analytic energy per timestep
  REQUIRE(md.find("## latency vs energy per timestep") != std::string::npos);
  const std::string energy_part = md.substr(md.find("## latency vs energy per timestep"));
  for (size_t i = 0; i < ids.size(); ++i) {
    INFO(ids[i]);
    CHECK((energy_part.find(ids[i]) != std::string::npos) ==
          (brute_front(energy_pts).count(i) == 1));
  }
  CHECK(read_text_file(out + "/pareto_energy.svg").find("<polyline") != std::string::npos);
  CHECK(read_text_file(out + "/pareto_pes.svg").find("<polyline") != std::string::npos);
  CHECK(std::filesystem::exists(out + "/pareto_weight_buffer.svg"));
  CHECK(read_text_file(out + "/results.md").find("pareto_pes.svg") != std::string::npos);
  // --report-only finds the spec's search in the copy and rewrites the fronts
  std::filesystem::remove(out + "/pareto.md");
  CHECK(run_cli("sweep --report-only --out " + out).exit_code == 0);
  CHECK(read_text_file(out + "/pareto.md") == md);
}
