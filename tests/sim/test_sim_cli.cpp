// `csbrnn simulate` end to end (subprocess): reference check, reports, VCD, DRAM stalls, errors.
#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <regex>
#include <set>
#include <sstream>

#include "common/file_util.h"
#include "compile/compiler.h"
#include "energy/model.h"
#include "io/npy.h"
#include "isa/program_io.h"
#include "model/csb_file.h"
#include "support/test_util.h"
#include "workload/bench_model.h"

using namespace csbrnn;
using nlohmann::json;

namespace {

struct Fixture {
  test::TempDir dir{"simcli"};
  std::string model, x;
  explicit Fixture(CellType cell = CellType::LSTM, int proj = 0, int T = 4) {
    GenSpec s;
    s.cell = cell;
    s.input_size = 21;
    s.hidden_size = 19;
    s.proj_size = proj;
    s.layers = 2;
    s.bh = 8;
    s.bw = 8;
    s.seed = 11;
    model = dir.file("m.csb");
    save_csb_model(model, generate_csb_model(s));
    Tensor t;
    t.shape = {T, s.input_size};
    std::mt19937 rng(3);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    for (int i = 0; i < T * s.input_size; ++i) t.data.push_back(u(rng));
    x = dir.file("x.npy");
    save_npy(x, t);
  }
  test::RunResult sim(const std::string& extra, const std::string& out = "out") {
    return test::run_cli("simulate " + model + " --input " + x + " --output " + dir.file("y.npy") +
                         " --out " + dir.file(out) + " " + extra);
  }
  json stats(const std::string& out = "out") {
    return json::parse(read_text_file(dir.file(out + "/stats.json")));
  }
};

}  // namespace

TEST_CASE("simulate a .csb: bit-exact vs reference, exact analytic cycles, reports", "[sim][cli]") {
  for (CellType cell : {CellType::LSTM, CellType::GRU}) {
    Fixture f(cell, cell == CellType::LSTM ? 7 : 0);
    const auto r = f.sim("--set sharing.mode=2d");
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find("bit-exact vs the fixed-point reference") != std::string::npos);
    const json j = f.stats();
    CHECK(j["comparison"]["difference"] == 0);
    CHECK(j["check"]["passed"] == true);
    CHECK(j["cycles"]["total"].get<int64_t>() > 0);
    const Tensor y = load_npy(f.dir.file("y.npy"));
    CHECK(y.shape == std::vector<int64_t>{4, cell == CellType::LSTM ? 7 : 19});
    const std::string csv = read_text_file(f.dir.file("out/stats.csv"));
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 1 + 16);
    CHECK(read_text_file(f.dir.file("out/utilization.svg")).find("<svg") == 0);
    // the energy picture: one bar per part of the breakdown, its total the stats.json figure
    const std::string esvg = read_text_file(f.dir.file("out/energy.svg"));
    CHECK(esvg.find("<svg") == 0);
    for (const auto& part : energy::part_docs())
      CHECK(esvg.find(std::string("<title>") + part.name + "</title>") != std::string::npos);
    char per_step[64];
    std::snprintf(per_step, sizeof per_step, "%.3f nJ per timestep",
                  j["energy"]["per_step_nj"].get<double>());
    CHECK(esvg.find(per_step) != std::string::npos);
    CHECK(!read_text_file(f.dir.file("out/hw.yaml")).empty());
  }
}

TEST_CASE("VCD: windowed, scoped, accepted by vcd2fst, scopes follow the hierarchy", "[sim][cli]") {
  Fixture f;
  const std::string vcd = f.dir.file("w.vcd");
  const auto r =
      f.sim("--vcd " + vcd + " --vcd-scope 'controller,group(1,2),eltwise' --vcd-window 50:400");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string text = read_text_file(vcd);
  // header and scopes
  CHECK(text.find("$timescale") != std::string::npos);
  std::set<std::string> scopes;
  std::regex sc(R"(\$scope module (\S+) \$end)");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), sc); it != std::sregex_iterator();
       ++it)
    scopes.insert((*it)[1]);
  CHECK(scopes.count("top"));
  CHECK(scopes.count("controller"));
  CHECK(scopes.count("engine"));
  CHECK(scopes.count("group_1_2"));
  CHECK(!scopes.count("group_0_0"));
  CHECK(scopes.count("sum1"));
  CHECK(!scopes.count("load"));
  // value changes only inside the window: timestamps within [50, 400) cycles of 5000 ps
  std::regex ts(R"(\n#(\d+))");
  int64_t lo = INT64_MAX, hi = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), ts); it != std::sregex_iterator();
       ++it) {
    const int64_t v = std::stoll((*it)[1]);
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  CHECK(lo >= 50 * 5000);
  CHECK(hi <= 400 * 5000);
  const std::string cmd = "vcd2fst " + vcd + " " + f.dir.file("w.fst") + " >/dev/null 2>&1";
  CHECK(std::system(cmd.c_str()) == 0);
}

TEST_CASE("VCD: engine.state takes the documented values and durations", "[sim][cli]") {
  // csb_engine.h / docs/simulator.md "VCD": 0 idle, 6 first load, 2 issue, 3 drain, 4 wait
  // reduction, 5 final reduction; 1 lasts one delta cycle and is never sampled. The expected
  // counts and durations below come from the model's shape and the cycle rules, not the run.
  Fixture f;  // LSTM 21 -> 19, 2 layers, 8x8 blocks, T = 4, default 4x4 groups of 4x4 PEs
  const std::string vcd = f.dir.file("e.vcd");
  // neuron_load_width 3: the first slices (widest 8) take ceil(8/3) = 3 cycles; a reduction of
  // ceil(8/16) + 40 = 41 cycles outlasts a row-group, so the engine waits for it (state 4).
  const auto r = f.sim("--vcd " + vcd + " --vcd-scope engine --set sharing.mode=none " +
                       "--set engine.neuron_load_width=3 --set engine.reduce.latency=40");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string text = read_text_file(vcd);
  std::smatch m;
  REQUIRE(std::regex_search(text, m, std::regex(R"(\$var\s+\S+\s+\d+\s+(\S+)\s+state\b)")));
  const std::string id = m[1];
  // (cycle, value) at every change of state (5000 ps per cycle at 200 MHz)
  std::vector<std::pair<int64_t, int>> seq;
  std::istringstream in(text.substr(text.find("$enddefinitions")));
  std::string line;
  int64_t t = 0;
  const std::regex change(R"(b([01]+)\s+(\S+))");
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '#') {
      t = std::stoll(line.substr(1));
    } else if (std::regex_match(line, m, change) && m[2] == id) {
      REQUIRE(t % 5000 == 0);
      seq.emplace_back(t / 5000, std::stoi(m[1], nullptr, 2));
    }
  }
  REQUIRE(seq.size() > 2);
  CHECK(seq.front() == std::make_pair(int64_t(0), 0));
  CHECK(seq.back().second == 0);
  // Per Gates MVM: 4H = 76 rows in 8-row blocks = 10 block-rows = ceil(10/4) = 3 row-groups.
  // Two layers x four timesteps = 8 MVMs.
  std::map<int, int> count;
  for (size_t i = 0; i + 1 < seq.size(); ++i) {
    const int s = seq[i].second, next = seq[i + 1].second;
    const int64_t len = seq[i + 1].first - seq[i].first;
    count[s]++;
    INFO("state " << s << " at cycle " << seq[i].first << " -> " << next);
    CHECK(s != 1);
    switch (s) {
      case 0:
        CHECK(next == 6);
        break;
      case 6:  // ld(0) cycles
        CHECK(next == 2);
        CHECK(len == 3);
        break;
      case 2:  // the iterations of a row-group change no state
        CHECK(next == 3);
        break;
      case 3:  // drain: weight read 1 + multiply 1 + adder tree 2 + accumulate 1 (no vertical)
        CHECK((next == 2 || next == 4 || next == 5));
        CHECK(len == 1 + 1 + 2 + 1);
        break;
      case 4:
        CHECK((next == 2 || next == 5));
        break;
      case 5:
        CHECK(next == 0);
        break;
      default:
        FAIL("undocumented engine state " << s);
    }
  }
  CHECK(count[6] == 8);
  CHECK(count[2] == 8 * 3);
  CHECK(count[3] == 8 * 3);
  CHECK(count[5] == 8);
  CHECK(count[4] > 0);
}

TEST_CASE("slow DRAM and weight overflow: more cycles, counted stalls, named causes",
          "[sim][cli]") {
  Fixture f;
  REQUIRE(f.sim("", "ideal").exit_code == 0);
  const int64_t ideal = f.stats("ideal")["cycles"]["total"];
  const auto r = f.sim(
      "--set memory.ideal=false --set memory.dram_latency_ns=300 "
      "--set memory.dram_bandwidth_gbps=0.5",
      "dram");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const json d = f.stats("dram");
  CHECK(d["cycles"]["total"].get<int64_t>() > ideal);
  CHECK(d["stalls"]["dram_cycles"].get<int64_t>() > 0);
  CHECK(d["comparison"]["difference"].get<int64_t>() > 0);
  CHECK(d["comparison"]["causes"].size() >= 1);
  CHECK(d["check"]["passed"] == true);
  const auto w = f.sim("--set buffers.weight_buffer_kib=1 --set memory.ideal=false", "wb");
  INFO(w.output);
  REQUIRE(w.exit_code == 0);
  const json s = f.stats("wb");
  int64_t streamed = 0, stall = 0;
  for (const auto& g : s["groups"]) {
    streamed += g["weight_bytes_streamed"].get<int64_t>();
    stall += g["stall_weights"].get<int64_t>();
  }
  CHECK(streamed > 0);
  CHECK(stall > 0);
  CHECK(s["cycles"]["total"].get<int64_t>() > ideal);
  CHECK(s["check"]["passed"] == true);
  CHECK(w.output.find("weight streaming") != std::string::npos);
}

TEST_CASE("bad programs, contradicting configs and bad options are refused clearly", "[sim][cli]") {
  Fixture f;
  // a program compiled for 2x2 groups, simulated on the default 4x4
  HwConfig hw;
  hw.engine.K = 2;
  hw.engine.L = 2;
  const std::string bin = f.dir.file("p.bin");
  save_program(bin, compile_program(load_csb_model(f.model), hw));
  auto r = test::run_cli("simulate " + bin + " --input " + f.x + " --out " + f.dir.file("o"));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("compiled for engine.pe_groups K = 2") != std::string::npos);
  // the same program on the matching machine runs and is checked against the interpreter
  r = test::run_cli("simulate " + bin + " --set engine.pe_groups=2x2 --input " + f.x + " --out " +
                    f.dir.file("o"));
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("functional interpreter") != std::string::npos);
  // corrupt program: flip a byte
  auto bytes = read_file(bin);
  bytes[bytes.size() / 2] ^= 0x5a;
  write_file_atomic(f.dir.file("bad.bin"), bytes);
  r = test::run_cli("simulate " + f.dir.file("bad.bin") + " --input " + f.x + " --out " +
                    f.dir.file("o"));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("bad.bin") != std::string::npos);
  // truncated
  bytes.resize(10);
  write_file_atomic(f.dir.file("short.bin"), bytes);
  r = test::run_cli("simulate " + f.dir.file("short.bin") + " --input " + f.x + " --out " +
                    f.dir.file("o"));
  CHECK(r.exit_code == 2);
  // wrong input width
  Tensor t;
  t.shape = {3, 5};
  t.data.assign(15, 0.f);
  save_npy(f.dir.file("x5.npy"), t);
  r = test::run_cli("simulate " + f.model + " --input " + f.dir.file("x5.npy") + " --out " +
                    f.dir.file("o"));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("x5.npy") != std::string::npos);
  // unknown VCD unit, window without VCD, impossible config
  r = f.sim("--vcd " + f.dir.file("a.vcd") + " --vcd-scope enginee");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("did you mean 'engine'") != std::string::npos);
  r = f.sim("--vcd-window 1:2");
  CHECK(r.exit_code == 2);
  r = f.sim("--set engine.pe_groups=0x4");
  CHECK(r.exit_code == 2);
}

TEST_CASE("simulate --set sim.timing=detailed: bit-exact and refusals name the mode",
          "[sim][cli]") {
  Fixture f(CellType::LSTM, 7);
  // with ideal knobs the detailed run equals the fast one and the analytic model, also with
  // reduce lanes < K x bh (4 x 8 neurons at 4 lanes; docs/simulator.md, divergence 1, fixed)
  const auto fast = f.sim("--set engine.reduce.lanes=4", "fast");
  REQUIRE(fast.exit_code == 0);
  const auto r = f.sim("--set sim.timing=detailed --set engine.reduce.lanes=4", "det");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("bit-exact vs the fixed-point reference") != std::string::npos);
  const json j = f.stats("det");
  CHECK(j["check"]["passed"] == true);
  CHECK(j["comparison"]["must_match"] == false);
  CHECK(j["cycles"]["total"] == f.stats("fast")["cycles"]["total"]);
  CHECK(j["comparison"]["difference"] == 0);
  // a realism knob away from ideal: the comparison reports the difference
  const auto d4 = f.sim("--set sim.timing=detailed --set detailed.barrier_latency=1", "det4");
  REQUIRE(d4.exit_code == 0);
  CHECK(f.stats("det4")["comparison"]["difference"].get<int64_t>() > 0);
  // a non-ideal DRAM (refused before the detailed weight streamer) runs, bit-exact
  const auto slow = f.sim("--set sim.timing=detailed --set memory.ideal=false", "slow");
  CHECK(slow.exit_code == 0);
  CHECK(slow.output.find("bit-exact vs the fixed-point reference") != std::string::npos);
  const auto knob = f.sim("--set detailed.barrier_latency=1", "knob");
  CHECK(knob.exit_code == 2);
  CHECK(knob.output.find("needs sim.timing=detailed") != std::string::npos);
  // the detailed VCD (written through the checked relay, like fast mode's)
  const auto vcd = f.sim("--set sim.timing=detailed --vcd " + f.dir.file("w.vcd"), "vcd");
  CHECK(vcd.exit_code == 0);
  const std::string text = read_text_file(f.dir.file("w.vcd"));
  CHECK(text.find(" clk ") != std::string::npos);
  CHECK(text.find(" reason_0_0 ") != std::string::npos);
}

TEST_CASE("the utilization picture stays bounded when slow DRAM outruns the estimate (issue 14)",
          "[sim][cli]") {
  // The bucket width comes from the analytic estimate (ideal memory, ~2.7k cycles for 2 steps);
  // at 1 MB/s and 1 ms latency the run takes ~1M cycles: 360 MB of SVG before buckets merged.
  test::TempDir t("utilbound");
  const auto r = test::run_cli(
      "simulate bench:sr4 --steps 2 -q --set memory.ideal=false --set "
      "memory.dram_bandwidth_gbps=0.001 --set memory.dram_latency_ns=1000000 --out " +
      t.file("so"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string svg = read_text_file(t.file("so/utilization.svg"));
  const json st = json::parse(read_text_file(t.file("so/stats.json")));
  const int64_t total = st["cycles"]["total"].get<int64_t>();
  CHECK(total > 500000);  // the run is far longer than the estimate
  std::smatch m;
  REQUIRE(std::regex_search(svg, m, std::regex("bucket of ([0-9]+) cycles")));
  const int64_t w = std::stoll(m[1]);
  const int64_t nb = (total + w - 1) / w;
  CHECK(nb <= 1000);  // 10 x the 100 buckets asked for
  CHECK(nb > 500);    // merged just enough: half the width would need more than 1000
  // one cell per group and bucket, 16 groups
  size_t cells = 0;
  for (size_t p = svg.find("<title>group"); p != std::string::npos;
       p = svg.find("<title>group", p + 1))
    ++cells;
  CHECK(cells == size_t(16 * nb));
  CHECK(svg.size() < 4000000);
}
