// The one stats schema (stats/stats.h) seen from the simulator: the analytic model and a
// simulated run fill the same per-group and per-layer records, equal field by field with ideal
// memory; stats.json writes and docs/simulator.md lists every stat.
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "sim_test_util.h"

using namespace csbrnn;

namespace {

HwConfig small_hw() {
  HwConfig hw;
  hw.engine.K = 2;
  hw.engine.L = 3;
  hw.engine.P = 2;
  hw.engine.Q = 4;
  hw.buffers.vector_buffer = 4096;
  return hw;
}

// One simulated job of each case (3 timesteps), ideal memory, weights resident.
std::vector<sim::SimJob> run(std::vector<test::SimCase>& cases, const HwConfig& base) {
  std::vector<sim::SimJob> jobs(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    jobs[i].prog = &cases[i].prog;
    jobs[i].origin = "case" + std::to_string(i);
    jobs[i].steps = 3;
    jobs[i].x = test::random_input(3, cases[i].prog.input_size, 300 + i, base.numeric);
    jobs[i].hw = cases[i].hw;
  }
  sim::simulate_jobs(base, jobs, {});
  return jobs;
}

// Every key of a JSON object, dotted ("cycles.total"); arrays are leaves.
void flatten(const nlohmann::json& j, const std::string& prefix, std::set<std::string>& out) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string k = prefix.empty() ? it.key() : prefix + "." + it.key();
    if (it->is_object())
      flatten(*it, k, out);
    else
      out.insert(k);
  }
}

// The analytic model and the fast simulator, field by field, on the cell x sharing-mode cases
// compiled for `base`.
void check_records_equal(const HwConfig& base) {
  std::vector<test::SimCase> cases = test::cell_mode_cases(base, 6, 40);
  const std::vector<sim::SimJob> jobs = run(cases, base);
  int64_t shared = 0;  // tiles given over all cases: the sharing counters are exercised
  int64_t four = 0;    // items given left or up (sharing.neighbours = 4)
  for (const auto& c : cases)
    for (const auto& m : c.prog.mvms)
      for (const auto& gi : m.micro)
        for (const MicroItem& it : gi.items)
          four += it.kind == ItemKind::FromRight || it.kind == ItemKind::FromDown;
  CHECK((base.sharing_neighbours == 4) == (four > 0));
  for (size_t i = 0; i < jobs.size(); ++i) {
    INFO("case " << i << " sharing " << sharing_name(cases[i].hw.sharing));
    const sim::SimStats& s = jobs[i].stats;
    const timing::TimingReport a = sim::analytic_for(cases[i].prog, cases[i].hw);
    const auto ag = timing::run_groups(a, jobs[i].steps);
    const auto al = timing::run_layers(a, jobs[i].steps);
    REQUIRE(ag.size() == s.groups.size());
    REQUIRE(al.size() == s.layers.size());
    int64_t given = 0, overhead = 0, outside = 0, macs = 0;
    for (size_t g = 0; g < ag.size(); ++g) {
      CHECK(ag[g].k == s.groups[g].k);
      CHECK(ag[g].l == s.groups[g].l);
      for (const auto& c : stats::group_counters()) {
        INFO("group " << g << " " << c.name);
        if (c.source == stats::Source::Both)
          CHECK(ag[g].*c.field == s.groups[g].*c.field);
        else  // simulator-only: the analytic model leaves it at 0
          CHECK(ag[g].*c.field == 0);
      }
      CHECK(s.groups[g].stall_weights == 0);
      CHECK(s.groups[g].weight_bytes_streamed == 0);
      CHECK(s.groups[g].weight_bytes_resident == s.groups[g].weight_bytes_total);
      given += s.groups[g].tiles_given_h + s.groups[g].tiles_given_v;
      overhead += s.groups[g].engine_overhead;
      outside += s.groups[g].outside;
      macs += s.groups[g].useful_macs;
    }
    // the records are not trivially equal: the run has overhead, words outside the engine, MACs
    CHECK(overhead > 0);
    CHECK(outside > 0);
    CHECK(uint64_t(macs) == s.useful_macs);
    if (cases[i].hw.sharing == SharingMode::None) CHECK(given == 0);
    shared += given;
    for (size_t k = 0; k < al.size(); ++k)
      for (const auto& c : stats::layer_counters()) {
        INFO("layer " << k << " " << c.name);
        if (c.source == stats::Source::Both)
          CHECK(al[k].*c.field == s.layers[k].*c.field);
        else  // analytic-only: the simulator leaves it at 0
          CHECK(s.layers[k].*c.field == 0);
      }
    CHECK(s.layers[0].engine_cycles > 0);
    // the comparison walks the same records
    const sim::Comparison cmp = sim::compare(s, a, cases[i].hw);
    CHECK(cmp.must_match);
    CHECK(cmp.counters.empty());
    // and names a counter that differs
    sim::SimStats t = s;
    t.groups[1].barrier_idle += 1;
    t.layers[0].engine_cycles -= 2;
    const auto d = sim::counter_differences(t, a);
    REQUIRE(d.size() == 2);
    CHECK(d[0] == "groups[1].barrier_idle: " + std::to_string(s.groups[1].barrier_idle + 1) +
                      " != " + std::to_string(s.groups[1].barrier_idle));
    CHECK(d[1].rfind("layers[0].engine_cycles: ", 0) == 0);
  }
  CHECK(shared > 0);
}

}  // namespace

TEST_CASE("analytic and simulated per-group and per-layer records are equal field by field",
          "[sim][stats]") {
  check_records_equal(small_hw());
}

TEST_CASE("analytic and simulated records are equal field by field with row-group sync",
          "[sim][stats]") {
  // engine.sync=row-group (docs/timing.md "Synchronisation"): the row-group rules of both,
  // including the row-group makespans, input waits and the overlapped drains.
  HwConfig hw = small_hw();
  hw.engine.sync = SyncMode::RowGroup;
  hw.buffers.block_neuron_buffer = 1024;
  check_records_equal(hw);
}

TEST_CASE("analytic and simulated records are equal field by field with free sync",
          "[sim][stats]") {
  // engine.sync=free (docs/timing.md "Synchronisation"): per-group row-group starts, NAB-half
  // waits, per-group drains and the free statistics (idle = T - busy - input wait) of both.
  HwConfig hw = small_hw();
  hw.engine.sync = SyncMode::Free;
  hw.buffers.block_neuron_buffer = 1024;
  check_records_equal(hw);
}

TEST_CASE("analytic and simulated records are equal field by field with free sync and carry",
          "[sim][stats]") {
  // sharing.carry (docs/sharing.md "Carry"): the compiler schedules each row-group on the groups'
  // carried start offsets; the programs differ, the timing rules are those of free sync.
  HwConfig hw = small_hw();
  hw.engine.sync = SyncMode::Free;
  hw.buffers.block_neuron_buffer = 1024;
  hw.sharing_carry = true;
  check_records_equal(hw);
}

TEST_CASE("analytic and simulated records are equal field by field with dataflow stream issue",
          "[sim][stats]") {
  // eltwise.stream_issue=dataflow (docs/timing.md "Stream"): the stream ends, hence the Mvm words
  // and every per-layer record, of the analytic list schedule and the controller's.
  HwConfig hw = small_hw();
  hw.eltwise.stream = true;
  hw.eltwise.stream_issue = StreamIssue::Dataflow;
  int streams = 0;
  for (const auto& c : test::cell_mode_cases(hw, 6, 40))
    for (const auto& m : c.prog.mvms) streams += !m.stream.empty();
  CHECK(streams > 0);
  check_records_equal(hw);
}

TEST_CASE("stats.json writes every stat of the schema and docs/simulator.md lists them all",
          "[sim][stats]") {
  const HwConfig base = small_hw();
  std::vector<test::SimCase> cases = test::cell_mode_cases(base, 6, 60);
  cases.resize(1);
  const std::vector<sim::SimJob> jobs = run(cases, base);
  const timing::TimingReport a = sim::analytic_for(cases[0].prog, cases[0].hw);
  const sim::Comparison cmp = sim::compare(jobs[0].stats, a, cases[0].hw);
  const nlohmann::json j = sim::stats_json(jobs[0].stats, a, cmp, cases[0].hw, {});
  const std::string md = sim::stats_markdown();
  // CSBRNN_WRITE_STATS_MD=FILE writes the generated tables (to paste into docs/simulator.md)
  if (const char* out = std::getenv("CSBRNN_WRITE_STATS_MD")) std::ofstream(out) << md;
  // every key stats.json writes has a documented row (group records: k, l, utilization are
  // described with `groups`, the counters in the per-group table)
  std::set<std::string> keys;
  flatten(j, "", keys);
  CHECK(keys.size() > 50);
  for (const auto& k : keys) {
    INFO(k);
    CHECK(md.find("| `" + k + "` |") != std::string::npos);
  }
  REQUIRE(j["groups"].size() == size_t(base.engine.groups()));
  std::set<std::string> gkeys;
  flatten(j["groups"][0], "", gkeys);
  CHECK(gkeys.size() == stats::group_counters().size() + 3);
  for (const auto& c : stats::group_counters()) {
    CHECK(gkeys.count(c.name) == 1);
    CHECK(md.find(std::string("| `") + c.name + "`") != std::string::npos);
  }
  // every row has a unit and a description
  std::istringstream in(md);
  std::string line;
  int rows = 0;
  while (std::getline(in, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    ++rows;
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream ls(line.substr(1));
    while (std::getline(ls, cell, '|')) cells.push_back(cell);
    INFO(line);
    REQUIRE(cells.size() == 4);
    for (const auto& c : cells) CHECK(c.find_first_not_of(' ') != std::string::npos);
  }
  // one row per stats.json key (the arrays "units" and "groups" one each), per counter
  // the memory.* rows are written only with a non-ideal memory or streamed weights
  size_t memory_rows = 0;
  for (size_t p = md.find("| `memory."); p != std::string::npos; p = md.find("| `memory.", p + 1))
    ++memory_rows;
  CHECK(memory_rows == 14);
  CHECK_FALSE(j.contains("memory"));
  CHECK(size_t(rows) == keys.size() + memory_rows + stats::group_counters().size() +
                            stats::layer_counters().size());
  // docs/simulator.md carries the generated tables verbatim
  std::ifstream f(std::string(CSBRNN_SOURCE_DIR) + "/docs/simulator.md");
  std::stringstream doc;
  doc << f.rdbuf();
  INFO("docs/simulator.md \"Statistics\" must contain exactly:\n" << md);
  CHECK(doc.str().find(md) != std::string::npos);
}

TEST_CASE("utilization buckets merge pairwise past their cap with exact sums (issue 14)") {
  sim::SimStats st;
  st.busy_buckets.resize(2);
  st.bucket_cycles = st.bucket_initial = 10;
  st.bucket_cap = 4;
  // group 0 busy [5, 25): buckets of 10 -> {5, 10, 5}; group 1 busy [30, 40) -> {0, 0, 0, 10}
  sim::add_busy_interval(st, 0, 5, 25);
  sim::add_busy_interval(st, 1, 30, 40);
  CHECK(st.bucket_cycles == 10);
  CHECK(st.busy_buckets[0] == std::vector<int64_t>{5, 10, 5});
  CHECK(st.busy_buckets[1] == std::vector<int64_t>{0, 0, 0, 10});
  // [40, 45) needs a fifth bucket of 10: width 20, {15, 5} and {0, 10} (then +5 in bucket 2)
  sim::add_busy_interval(st, 0, 40, 45);
  CHECK(st.bucket_cycles == 20);
  CHECK(st.busy_buckets[0] == std::vector<int64_t>{15, 5, 5});
  CHECK(st.busy_buckets[1] == std::vector<int64_t>{0, 10});
  // an interval far past the cap: [300, 310) -> width 80 (310 / 80 -> 4 buckets)
  sim::add_busy_interval(st, 1, 300, 310);
  CHECK(st.bucket_cycles == 80);
  CHECK(st.busy_buckets[0] == std::vector<int64_t>{25});
  CHECK(st.busy_buckets[1] == std::vector<int64_t>{10, 0, 0, 10});
  // the end of the run fits the idle tail too: 1000 cycles in at most 4 buckets -> width 320
  sim::fit_buckets(st, 1000);
  CHECK(st.bucket_cycles == 320);
  CHECK(st.busy_buckets[0] == std::vector<int64_t>{25});
  CHECK(st.busy_buckets[1] == std::vector<int64_t>{20});
  sim::fit_buckets(st, 1280);  // exactly 4 buckets: no merge
  CHECK(st.bucket_cycles == 320);
}

TEST_CASE("analytic and simulated records are equal field by field with four neighbours",
          "[sim][stats]") {
  // sharing.neighbours = 4 on a 2x3 torus (left != right): the given / received counters count
  // the pieces given left and up too, in both models.
  HwConfig hw = small_hw();
  hw.sharing_neighbours = 4;
  check_records_equal(hw);
}

TEST_CASE(
    "analytic and simulated records are equal field by field with four neighbours and "
    "free sync",
    "[sim][stats]") {
  HwConfig hw = small_hw();
  hw.sharing_neighbours = 4;
  hw.engine.sync = SyncMode::Free;
  hw.buffers.block_neuron_buffer = 1024;
  check_records_equal(hw);
}
