// Energy (docs/energy.md): the action counts of tiny programs worked out by hand, the counts of
// the fast and the detailed timing mode and of the analytic route (energy::program_counts) equal
// on random models, energy falling with the pruning rate, and bad energy tables refused with one
// line. Each simulation runs in a forked child (SystemC elaborates once per process).
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "sim_test_util.h"
// after sim_test_util.h, which brings the HwConfig it uses
#include "common/error.h"
#include "compile/tiny_model.h"
#include "energy/counts.h"
#include "energy/model.h"
#include "energy/table.h"
#include "stats/actions.h"
#include "support/test_util.h"

using namespace csbrnn;
using stats::ActionCounts;

namespace {

/// The run's action counts (sim::run_actions) of `steps` timesteps of `prog` on `hw`, simulated
/// in a child process; `cycles` gets the run's cycles.
ActionCounts simulate_counts(const Program& prog, const HwConfig& hw, int steps,
                             int64_t* cycles = nullptr) {
  const auto& table = stats::action_counters();
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    std::vector<int64_t> v(table.size() + 2, 0);
    try {
      std::vector<sim::SimJob> jobs(1);
      jobs[0].prog = &prog;
      jobs[0].origin = "case";
      jobs[0].steps = steps;
      jobs[0].x = test::random_input(steps, prog.input_size, 7, hw.numeric);
      sim::simulate_jobs(hw, jobs, {});
      const ActionCounts a = sim::run_actions(jobs[0].stats);
      for (size_t i = 0; i < table.size(); ++i) v[i] = a.*table[i].field;
      v[table.size()] = jobs[0].stats.total_cycles;
      v[table.size() + 1] = 1;  // ok
    } catch (...) {
    }
    const char* p = reinterpret_cast<const char*>(v.data());
    size_t n = v.size() * sizeof(int64_t);
    while (n > 0) {
      const ssize_t w = ::write(fds[1], p, n);
      if (w <= 0) ::_exit(9);
      p += w;
      n -= size_t(w);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::vector<int64_t> v(table.size() + 2, 0);
  char* p = reinterpret_cast<char*>(v.data());
  size_t n = v.size() * sizeof(int64_t);
  while (n > 0) {
    const ssize_t r = ::read(fds[0], p, n);
    if (r <= 0) break;
    p += r;
    n -= size_t(r);
  }
  ::close(fds[0]);
  int st = 0;
  ::waitpid(pid, &st, 0);
  REQUIRE(n == 0);
  REQUIRE(v[table.size() + 1] == 1);
  ActionCounts a;
  for (size_t i = 0; i < table.size(); ++i) a.*table[i].field = v[i];
  if (cycles) *cycles = v[table.size()];
  return a;
}

/// Every counter of `a` equals `b`'s (all of them, the simulator-only DRAM ones included).
void check_equal(const ActionCounts& a, const ActionCounts& b, const std::string& what) {
  for (const auto& c : stats::action_counters()) {
    INFO(what << ": " << c.name);
    CHECK(a.*c.field == b.*c.field);
  }
}

/// The tiny LSTM's counts per timestep, by hand (tiny_model.h, the listing of
/// tests/compile/test_listing.cpp), on a K x L grid of 2x2-PE groups that holds its 2x2 blocks
/// with one iteration (2x2 groups) or four (1x1 group).
ActionCounts tiny_expected(int K, int L) {
  ActionCounts e;
  // MVM 0: blocks ih (0,0) 4x4 kernel -> 2x2 tiles, hh (0,0) 2x2 -> 1 tile, ih (1,0) 1x2 -> 1,
  // hh (1,0) 4x1 -> 2 row tiles: 8 tiles of P x Q = 4 slots
  e.tiles = 8;
  e.mac_ops = 8 * 4;
  e.weight_read_bytes = 8 * 4 * 2;
  // index entries rows + cols per item: 4+4, 2+2, 1+2, 4+1 = 20, two bytes each
  e.index_read_bytes = 20 * 2;
  e.bnb_reads = 8 * 2;  // Q per tile
  e.nab_rmw = 8 * 2;    // P per tile
  // column slices: x (4 wide, bank A) and h (2 wide, bank B), BlockNeuronBuffers of bw = 4.
  // 2x2 groups: one iteration loads both (L = 2). 1x1 group: iterations (a,b) for a, b in {0,1}
  // load slice b each: x, h, x, h.
  const int loads_per_slice = K == 1 ? 2 : 1;
  e.bnb_writes = 2 * loads_per_slice * 4;
  const int64_t slice_reads = loads_per_slice * (4 + 2);
  // reduction: 2 block-rows of bh = 4 rows, all 8 kept by the ReorderLogic, L addends each
  e.reduce_neurons = 8;
  e.reduce_nab_reads = 8 * L;
  e.acc_writes = 8;
  // element-wise (listing): biaswb 8; sigmoid 4 + 2; tanh 2 + 2; mul 2 + 2 + 2; add 2
  e.elt_biaswb = 8;
  e.elt_sigmoid = 6;
  e.elt_tanh = 4;
  e.elt_mul = 6;
  e.elt_add = 2;
  e.acc_reads = 8;   // biaswb's Acc operand
  e.bias_reads = 8;  // and its Bias operand
  // A..E reads: slices, sigmoid 6, tanh 4, mul 2 x 6, add 2 x 2, store 2
  e.vec_reads = slice_reads + 6 + 4 + 12 + 4 + 2;
  // A..E writes: load 4, biaswb 8, sigmoid 6, tanh 4, mul 6, add 2
  e.vec_writes = 4 + 8 + 6 + 4 + 6 + 2;
  e.load_bytes = 4 * 2;
  e.store_bytes = 2 * 2;
  e.dram_read_bursts = 1;  // 8 bytes in one 64-byte burst
  e.dram_write_bursts = 1;
  return e;
}

}  // namespace

TEST_CASE("energy: action counts of the tiny LSTM by hand, both timing modes and analytic, sharing",
          "[sim][energy]") {
  const int T = 3;
  for (int grid : {2, 1}) {
    HwConfig hw = test::tiny_hw();
    hw.engine.K = hw.engine.L = grid;
    const Program p = compile_program(test::tiny_lstm(), hw);
    ActionCounts want;
    stats::add(want, tiny_expected(grid, grid), T);
    const std::string g = std::to_string(grid) + "x" + std::to_string(grid);
    check_equal(energy::program_counts(p, hw, T), want, g + " analytic");
    check_equal(simulate_counts(p, hw, T), want, g + " fast");
    HwConfig det = hw;
    det.timing = TimingMode::Detailed;
    check_equal(simulate_counts(p, det, T), want, g + " detailed");
  }
  // Sharing on the 2x2 grid (items as worked by hand in tests/sim/test_sim_detailed.cpp "two
  // groups sharing"): the same 8 tiles, one more item, and the shared tiles cross a link.
  //  horizontal: (0,0) local 2x4 (2 tiles); (0,1) local 2x2 (1) + from-left 2x4 (2); (1,0) 1x2
  //    (1); (1,1) 4x1 (2). Index entries 6 + 4 + 6 + 3 + 5 = 24; link: 2 tiles x Q = 4 inputs.
  //  vertical: (0,0) local 4x2 (2); (0,1) 2x2 (1); (1,0) local 1x2 (1) + from-up 4x2 (2); (1,1)
  //    4x1 (2). Index entries 6 + 4 + 3 + 6 + 5 = 24; vertical path: 2 tiles x P = 4 sums.
  for (SharingMode mode : {SharingMode::Horizontal, SharingMode::Vertical}) {
    const HwConfig hw = test::tiny_hw(mode);
    const Program p = compile_program(test::tiny_lstm(), hw);
    ActionCounts one = tiny_expected(2, 2);
    one.index_read_bytes = 24 * 2;
    (mode == SharingMode::Horizontal ? one.link_h_words : one.link_v_words) = 2 * 2;
    ActionCounts want;
    stats::add(want, one, T);
    const std::string g = sharing_name(mode);
    check_equal(energy::program_counts(p, hw, T), want, g + " analytic");
    check_equal(simulate_counts(p, hw, T), want, g + " fast");
    HwConfig det = hw;
    det.timing = TimingMode::Detailed;
    check_equal(simulate_counts(p, det, T), want, g + " detailed");
  }
}

TEST_CASE("energy: fast, detailed and analytic action counts equal on random models",
          "[sim][energy]") {
  std::mt19937_64 rng(1212);
  int64_t links = 0, streamed = 0;
  for (int i = 0; i < 6; ++i) {
    GenSpec s = test::random_spec(rng, 24, 6, 500 + uint64_t(i));
    HwConfig hw;
    hw.engine.K = 2 + i % 2;
    hw.engine.L = 2;
    hw.engine.P = 2;
    hw.engine.Q = 2 + i % 3;
    hw.sharing = std::vector<SharingMode>{SharingMode::None, SharingMode::Horizontal,
                                          SharingMode::Vertical, SharingMode::TwoD}[size_t(i % 4)];
    hw.eltwise.stream = i % 2 == 0;
    if (i % 3 == 2) {  // row-group sync: each slice set loads once per MVM
      hw.engine.sync = SyncMode::RowGroup;
      hw.buffers.block_neuron_buffer = 1024;
    }
    test::randomize_timing(hw, rng);
    hw.engine.reduce_lanes = std::max(hw.engine.reduce_lanes, hw.engine.K * s.bh);
    const Program p = compile_program(generate_csb_model(s), hw);
    for (const auto& m : p.mvms) streamed += !m.stream.empty();
    const int T = 2;
    const ActionCounts fast = simulate_counts(p, hw, T);
    HwConfig det = hw;
    det.timing = TimingMode::Detailed;
    const std::string what = "case " + std::to_string(i);
    check_equal(simulate_counts(p, det, T), fast, what + " detailed vs fast");
    check_equal(energy::program_counts(p, hw, T), fast, what + " analytic vs fast");
    links += fast.link_h_words + fast.link_v_words;
    CHECK(fast.tiles > 0);
  }
  CHECK(links > 0);     // sharing exercised
  CHECK(streamed > 0);  // streams exercised
}

TEST_CASE("energy: fast, detailed and analytic action counts equal with four neighbours",
          "[sim][energy]") {
  // sharing.neighbours = 4: from-right items cross a horizontal link (Q words per tile), from-down
  // items the vertical path (P sums per tile), like from-left / from-up; all three routes agree.
  std::mt19937_64 rng(1414);
  int64_t links = 0;
  for (int i = 0; i < 6; ++i) {
    GenSpec s = test::random_spec(rng, 24, 6, 700 + uint64_t(i));
    HwConfig hw;
    hw.engine.K = 3;
    hw.engine.L = 2 + i % 2;
    hw.engine.P = 2;
    hw.engine.Q = 2 + i % 3;
    hw.sharing_neighbours = 4;
    hw.sharing = std::vector<SharingMode>{SharingMode::Horizontal, SharingMode::Vertical,
                                          SharingMode::TwoD}[size_t(i % 3)];
    hw.eltwise.stream = i % 2 == 0;
    test::randomize_timing(hw, rng);
    hw.engine.reduce_lanes = std::max(hw.engine.reduce_lanes, hw.engine.K * s.bh);
    const Program p = compile_program(generate_csb_model(s), hw);
    const ActionCounts fast = simulate_counts(p, hw, 2);
    HwConfig det = hw;
    det.timing = TimingMode::Detailed;
    const std::string what = "four case " + std::to_string(i);
    check_equal(simulate_counts(p, det, 2), fast, what + " detailed vs fast");
    check_equal(energy::program_counts(p, hw, 2), fast, what + " analytic vs fast");
    // by the definition of the counts: Q words per tile of every horizontally received item,
    // P per tile of every vertically received one, summed over the program's items (x 2 steps)
    int64_t h = 0, v = 0;
    for (const auto& m : p.mvms)
      for (const auto& gi : m.micro)
        for (const MicroItem& it : gi.items) {
          const int64_t t = item_tiles(it, hw.engine.P, hw.engine.Q);
          if (it.kind == ItemKind::FromLeft || it.kind == ItemKind::FromRight) h += t;
          if (it.kind == ItemKind::FromUp || it.kind == ItemKind::FromDown) v += t;
        }
    CHECK(fast.link_h_words == 2 * h * hw.engine.Q);
    CHECK(fast.link_v_words == 2 * v * hw.engine.P);
    links += fast.link_h_words + fast.link_v_words;
  }
  CHECK(links > 0);
}

TEST_CASE("energy: fast, detailed and analytic action counts equal with free sync",
          "[sim][energy]") {
  // free sync loads each slice set once per MVM, like row-group sync
  std::mt19937_64 rng(1313);
  for (int i = 0; i < 4; ++i) {
    GenSpec s = test::random_spec(rng, 24, 6, 600 + uint64_t(i));
    HwConfig hw;
    hw.engine.K = 2 + i % 2;
    hw.engine.L = 2;
    hw.engine.P = 2;
    hw.engine.Q = 2 + i % 3;
    hw.sharing = std::vector<SharingMode>{SharingMode::None, SharingMode::Horizontal,
                                          SharingMode::Vertical, SharingMode::TwoD}[size_t(i % 4)];
    hw.eltwise.stream = i % 2 == 0;
    hw.engine.sync = SyncMode::Free;
    hw.buffers.block_neuron_buffer = 1024;
    test::randomize_timing(hw, rng);
    hw.engine.reduce_lanes = std::max(hw.engine.reduce_lanes, hw.engine.K * s.bh);
    const Program p = compile_program(generate_csb_model(s), hw);
    const ActionCounts fast = simulate_counts(p, hw, 2);
    check_equal(energy::program_counts(p, hw, 2), fast, "free case " + std::to_string(i));
    HwConfig det = hw;
    det.timing = TimingMode::Detailed;
    check_equal(simulate_counts(p, det, 2), fast, "free case " + std::to_string(i) + " detailed");
    HwConfig rg = hw;  // the same loads and issues as row-group sync: only the timing differs
    rg.engine.sync = SyncMode::RowGroup;
    const ActionCounts rgc = simulate_counts(p, rg, 2);
    CHECK(rgc.tiles == fast.tiles);
    CHECK(rgc.mac_ops == fast.mac_ops);
    CHECK(rgc.bnb_writes == fast.bnb_writes);
    CHECK(fast.tiles > 0);
  }
}

TEST_CASE("energy: the model's arithmetic on one count per part, by hand", "[sim][energy]") {
  const energy::EnergyTable& t = energy::default_table();
  HwConfig hw;  // 4x4 groups of 4x4 PEs, 200 MHz, 512 KiB weight buffers
  ActionCounts a;
  a.mac_ops = 1000;
  a.weight_read_bytes = 64;
  a.elt_sigmoid = 10;
  a.dram_read_bursts = 2;
  const int64_t cycles = 200;  // 1 us at 200 MHz
  const energy::EnergyReport r = energy::evaluate(a, hw, t, cycles, 2, 0);
  CHECK(r.pj("pe_macs") == Approx(1000 * t.mac));
  // 512 KiB = 64 x the 8 KiB reference: sqrt(64) = 8 x 1.25 pJ/byte
  CHECK(r.pj("weight_buffer") == Approx(64 * 1.25 * 8));
  CHECK(r.pj("elt_sigmoid") == Approx(10 * t.sigmoid));
  CHECK(r.pj("dram") == Approx(2 * 64 * t.dram.at("ddr4").read_pj_per_byte));
  // background and leakage: mW x ns = pJ over 1000 ns
  CHECK(r.pj("dram_background") == Approx(t.dram.at("ddr4").background_mw * 1000));
  CHECK(r.pj("leakage") > 0);
  double sum = 0;
  for (const auto& p : r.parts) sum += p.pj;
  CHECK(r.total_pj == Approx(sum));
  CHECK(r.per_step_nj == Approx(sum / 2 / 1000));
  CHECK(r.power_mw == Approx(sum / 1000));  // pJ / ns
  CHECK(r.frames_per_joule == Approx(2 / (sum * 1e-12)));
  // the SRAM law reproduces Horowitz's 32 KB point (20 pJ per 64-bit read)
  CHECK(t.sram_read_pj_per_byte_at(32 * 1024) * 8 == Approx(20));
}

TEST_CASE("energy: energy per timestep falls with the pruning rate (mt1, rates 2 4 8 16)",
          "[sim][energy]") {
  test::TempDir dir("energy-rate");
  double last = 0;
  for (int rate : {2, 4, 8, 16}) {
    const std::string out = dir.file("r" + std::to_string(rate));
    const auto r = test::run_cli("simulate bench:mt1 --rate " + std::to_string(rate) +
                                 " --steps 2 -q --no-check --out " + out);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    std::ifstream f(out + "/stats.json");
    const nlohmann::json j = nlohmann::json::parse(f);
    const double e = j["energy"]["per_step_nj"].get<double>();
    INFO("rate " << rate << ": " << e << " nJ per step");
    if (last > 0) CHECK(e < last);
    last = e;
    // the run's counts equal the analytic route's (resident weights, ideal memory)
    CHECK(j["analytic"]["action_differences"].empty());
    CHECK(j["analytic"]["energy_per_step_nj"].get<double>() > 0);
  }
}

TEST_CASE("energy: a bad energy table is refused with one line naming file and problem",
          "[sim][energy]") {
  test::TempDir dir("energy-table");
  // the shipped table parses and the built-in copy is the file's text
  std::ifstream f(test::source_path("configs/energy/default-45nm.yaml"));
  std::stringstream text;
  text << f.rdbuf();
  CHECK(text.str() == energy::default_table_text());
  CHECK(energy::load_table(test::source_path("configs/energy/default-45nm.yaml")).name ==
        "default-45nm");
  auto refused = [&](const std::string& from, const std::string& to, const std::string& want) {
    std::string s = text.str();
    const size_t at = s.find(from);
    REQUIRE(at != std::string::npos);
    s.replace(at, from.size(), to);
    const std::string path = dir.file("t.yaml");
    std::ofstream(path) << s;
    const auto r =
        test::run_cli("simulate bench:mt1 --steps 1 -q --no-check --set energy.table=" + path +
                      " --out " + dir.file("o"));
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK(r.output.find(path + ":") != std::string::npos);
    CHECK(r.output.find(want) != std::string::npos);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  };
  refused("  mul16: 0.8 ", "  mul16: -0.8 ", "ops_pj.mul16: -0.8 is out of range (valid: >= 0)");
  refused("  tanh: 1.0 ", "  tanhh: 1.0 ", "unknown key 'ops_pj.tanhh'");
  refused("  mac: 0.95 ", "  mac: fast ", "ops_pj.mac: expected a number");
  refused("    refresh_pj: 340000 ", "", "missing required key 'dram.ddr4.refresh_pj'");
  // energy.dram=auto (the default) follows memory.model; an explicit device is kept
  for (const auto& [sets, device] : std::vector<std::pair<std::string, std::string>>{
           {"", "ddr4"},
           {"--set memory.model=lpddr4-3200", "lpddr4"},
           {"--set memory.model=ddr4-2400", "ddr4"},
           {"--set memory.model=lpddr4-3200 --set energy.dram=ddr4", "ddr4"}}) {
    INFO(sets);
    const auto run = test::run_cli("simulate bench:mt1 --steps 1 -q --no-check " + sets +
                                   " --out " + dir.file("auto"));
    REQUIRE(run.exit_code == 0);
    std::ifstream in(dir.file("auto") + "/stats.json");
    const nlohmann::json j = nlohmann::json::parse(in);
    CHECK(j["energy"]["dram_device"] == device);
  }
  // an energy.dram the table lacks, and a value that is no table
  auto r = test::run_cli(
      "simulate bench:mt1 --steps 1 -q --no-check --set energy.dram=hbm2 --out " + dir.file("o"));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("energy.dram: 'hbm2' is not a DRAM device of the energy table") !=
        std::string::npos);
  r = test::run_cli("simulate bench:mt1 --steps 1 -q --no-check --set energy.table=nope --out " +
                    dir.file("o"));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("energy.table: 'nope' is neither default-45nm nor a path") !=
        std::string::npos);
}

TEST_CASE("energy: action counts equal with the store streamed (eltwise.stream_store)",
          "[sim][energy]") {
  // A streamed store moves each chunk as its own transfer: ceil(2 n_a / burst_bytes) write
  // bursts per chunk (not ceil(2 N / burst_bytes)); the analytic route counts it the same way.
  std::mt19937_64 rng(1515);
  int64_t stored = 0;
  for (int i = 0; i < 6; ++i) {
    GenSpec s = test::random_spec(rng, 24, 6, 900 + uint64_t(i));
    HwConfig hw;
    hw.engine.K = 2;
    hw.engine.L = 2;
    hw.engine.P = 2;
    hw.engine.Q = 2;
    hw.sharing = SharingMode::TwoD;
    hw.eltwise.stream = true;
    hw.eltwise.stream_store = true;
    if (i % 2 == 1) {
      hw.engine.sync = SyncMode::RowGroup;
      hw.buffers.block_neuron_buffer = 1024;
      hw.eltwise.inplace_state = true;
    }
    test::randomize_timing(hw, rng);
    CompileOptions o;
    o.streaming = CompileOptions::Streaming::Always;
    const Program p = compile_program(generate_csb_model(s), hw, o);
    for (const auto& m : p.mvms)
      for (const auto& st : m.stream.stages) stored += st.sections[0].op == Op::StoreY;
    const ActionCounts fast = simulate_counts(p, hw, 2);
    HwConfig det = hw;
    det.timing = TimingMode::Detailed;
    const std::string what = "store case " + std::to_string(i);
    check_equal(simulate_counts(p, det, 2), fast, what + " detailed vs fast");
    check_equal(energy::program_counts(p, hw, 2), fast, what + " analytic vs fast");
  }
  CHECK(stored > 1);
}
