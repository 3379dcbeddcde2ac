// sim.timing = detailed: the clocked state machines against the fast mode (each simulation in its
// own forked process: SystemC elaborates once per process), hand-worked cycle traces of tiny
// programs, the divergences the detailed model found in the fast mode's rules, and the realism
// knobs. docs/simulator.md "Detailed timing".
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <sstream>

#include "sim_test_util.h"
// after sim_test_util.h, which brings the HwConfig it uses
#include "common/file_util.h"
#include "compile/fixed_ref.h"
#include "compile/tiny_model.h"
#include "config/config_loader.h"
#include "isa/program_io.h"
#include "sim/detailed/accum_scoreboard.h"
#include "sim/detailed/bank_arbiter.h"
#include "sim/detailed/link_fifo.h"
#include "sim/detailed/port_arbiter.h"
#include "sim/detailed/stream_queue.h"
#include "sim/top.h"
#include "support/test_util.h"
#include "timing/analytic.h"

using namespace csbrnn;

namespace {

/// What one simulation yields, flattened: named figures in a fixed order, then the outputs.
struct Run {
  std::vector<std::string> names;
  std::vector<int64_t> values;
  std::vector<int64_t> iterations;  // D(n) of every iteration
  std::vector<int16_t> y;
  std::vector<int64_t> unit_busy;
  std::string error;
};

void flatten(const sim::SimJob& j, Run& r) {
  const sim::SimStats& s = j.stats;
  auto add = [&](const std::string& n, int64_t v) {
    r.names.push_back(n);
    r.values.push_back(v);
  };
  add("total", s.total_cycles);
  for (size_t t = 0; t < s.step_cycles.size(); ++t)
    add("step " + std::to_string(t), s.step_cycles[t]);
  for (const auto& l : s.layers) {
    add("layer " + std::to_string(l.layer) + " cycles", l.cycles);
    add("layer " + std::to_string(l.layer) + " engine_cycles", l.engine_cycles);
  }
  add("engine_cycles", s.engine_cycles);
  add("engine_issue_cycles", s.engine_issue_cycles);
  add("iterations", s.iterations);
  add("stall_input_cycles", s.stall_input_cycles);
  add("tiles_issued", s.tiles_issued);
  add("useful_macs", int64_t(s.useful_macs));
  add("stall_weight_cycles", s.stall_weight_cycles);
  add("stall_weight_staging_cycles", s.stall_weight_staging_cycles);
  add("stall_weight_latency_cycles", s.stall_weight_latency_cycles);
  add("stall_weight_bandwidth_cycles", s.stall_weight_bandwidth_cycles);
  add("dram_transactions", s.dram_transactions);
  add("dram_bytes_read", s.dram_bytes_read);
  add("dram_bytes_written", s.dram_bytes_written);
  for (size_t g = 0; g < s.groups.size(); ++g) {
    const auto& x = s.groups[g];
    const std::string p = "group " + std::to_string(g) + " ";
    add(p + "busy", x.busy);
    add(p + "barrier_idle", x.barrier_idle);
    add(p + "stall_input", x.stall_input);
    add(p + "engine_overhead", x.engine_overhead);
    add(p + "outside", x.outside);
    add(p + "tiles_local", x.tiles_local);
    add(p + "tiles_given_h", x.tiles_given_h);
    add(p + "tiles_given_v", x.tiles_given_v);
    add(p + "tiles_received_h", x.tiles_received_h);
    add(p + "tiles_received_v", x.tiles_received_v);
    add(p + "useful_macs", int64_t(x.useful_macs));
    add(p + "stall_weights", x.stall_weights);
    add(p + "weight_bytes_streamed", x.weight_bytes_streamed);
  }
  for (size_t u = 0; u < s.units.size(); ++u) {
    add("unit " + std::to_string(u) + " busy_cycles", s.units[u].busy_cycles);
    add("unit " + std::to_string(u) + " sections", s.units[u].sections);
    add("unit " + std::to_string(u) + " elements", s.units[u].elements);
  }
  r.iterations = s.iteration_cycles;
  r.y = j.y;
  for (const auto& u : s.units) r.unit_busy.push_back(u.busy_cycles);
}

void put(int fd, const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t w = ::write(fd, c, n);
    if (w <= 0) ::_exit(9);
    c += w;
    n -= size_t(w);
  }
}
bool get(int fd, void* p, size_t n) {
  char* c = static_cast<char*>(p);
  while (n > 0) {
    const ssize_t r = ::read(fd, c, n);
    if (r <= 0) return false;
    c += r;
    n -= size_t(r);
  }
  return true;
}
template <class T>
void put_vec(int fd, const std::vector<T>& v) {
  const uint64_t n = v.size();
  put(fd, &n, 8);
  put(fd, v.data(), n * sizeof(T));
}
template <class T>
bool get_vec(int fd, std::vector<T>& v) {
  uint64_t n = 0;
  if (!get(fd, &n, 8)) return false;
  v.resize(n);
  return get(fd, v.data(), n * sizeof(T));
}

/// Simulates `steps` timesteps of `prog` on `hw` in a child process (one elaboration each).
/// One elaboration of `hw` running one job (with `job_hw`, the job's own knobs) in a forked
/// process.
Run simulate(const Program& prog, const HwConfig& hw, int steps, uint64_t seed,
             const std::string& vcd = "", const HwConfig* job_hw = nullptr) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    Run r;
    try {
      std::vector<sim::SimJob> jobs(1);
      jobs[0].prog = &prog;
      jobs[0].origin = "case";
      jobs[0].steps = steps;
      jobs[0].x = test::random_input(steps, prog.input_size, seed, hw.numeric);
      if (job_hw) jobs[0].hw = *job_hw;
      sim::SimOptions o;
      o.record_iterations = true;
      if (!vcd.empty()) {
        o.vcd.file = vcd;
        o.vcd.scope = {"all"};
      }
      sim::simulate_jobs(hw, jobs, o);
      flatten(jobs[0], r);
    } catch (const std::exception& e) {
      r.error = e.what();
    }
    std::vector<char> err(r.error.begin(), r.error.end());
    put_vec(fds[1], err);
    put_vec(fds[1], r.values);
    put_vec(fds[1], r.iterations);
    put_vec(fds[1], r.y);
    put_vec(fds[1], r.unit_busy);
    for (const auto& n : r.names) put_vec(fds[1], std::vector<char>(n.begin(), n.end()));
    ::close(fds[1]);
    ::_exit(0);
  }
  ::close(fds[1]);
  Run r;
  std::vector<char> err;
  bool ok = get_vec(fds[0], err) && get_vec(fds[0], r.values) && get_vec(fds[0], r.iterations) &&
            get_vec(fds[0], r.y) && get_vec(fds[0], r.unit_busy);
  for (size_t i = 0; ok && i < r.values.size(); ++i) {
    std::vector<char> n;
    ok = get_vec(fds[0], n);
    r.names.emplace_back(n.begin(), n.end());
  }
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  REQUIRE(ok);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  r.error.assign(err.begin(), err.end());
  return r;
}

HwConfig detailed_of(HwConfig hw) {
  hw.timing = TimingMode::Detailed;
  return hw;
}

/// Fast and detailed agree on every figure; a mismatch names the first one and the first
/// iteration that diverges.
void check_equal(const std::string& what, const Run& fast, const Run& det) {
  INFO(what);
  REQUIRE(fast.error.empty());
  REQUIRE(det.error.empty());
  REQUIRE(fast.names == det.names);
  std::string first;
  for (size_t i = 0; i < fast.values.size() && first.empty(); ++i)
    if (fast.values[i] != det.values[i])
      first = fast.names[i] + ": fast " + std::to_string(fast.values[i]) + ", detailed " +
              std::to_string(det.values[i]);
  size_t it = 0;
  while (it < fast.iterations.size() && it < det.iterations.size() &&
         fast.iterations[it] == det.iterations[it])
    ++it;
  INFO("first differing figure: " << (first.empty() ? "none" : first));
  INFO("first differing iteration: " << it << " of " << fast.iterations.size());
  CHECK(first.empty());
  CHECK(fast.iterations == det.iterations);
  CHECK(fast.y == det.y);
  CHECK(!det.iterations.empty());
}

const SharingMode kModes[] = {SharingMode::None, SharingMode::Horizontal, SharingMode::Vertical,
                              SharingMode::TwoD};

/// Random models and timing knobs on a KxL grid of PxQ groups, fast vs detailed.
/// A K x L machine of P x Q PEs with a random sharing mode, streaming and timing knobs.
HwConfig random_hw(int K, int L, int P, int Q, std::mt19937_64& rng) {
  auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  HwConfig hw = test::small_hw(K, L, P, Q);
  hw.sharing = kModes[r(0, 3)];
  hw.eltwise.stream = r(0, 1) == 1;
  test::randomize_timing(hw, rng);
  return hw;
}

void random_equality(int K, int L, int P, int Q, uint64_t seed, int count, int neighbours = 2,
                     bool dataflow = false) {
  std::mt19937_64 rng(seed);
  int64_t four = 0;
  for (int i = 0; i < count; ++i) {
    GenSpec s = test::random_spec(rng, 30, 16, seed * 100 + uint64_t(i));
    HwConfig hw = random_hw(K, L, P, Q, rng);
    hw.sharing_neighbours = neighbours;
    CompileOptions opt;
    if (dataflow) {  // every layer streamed, its sections issued on their own
      hw.eltwise.stream = true;
      hw.eltwise.stream_issue = StreamIssue::Dataflow;
      opt.streaming = CompileOptions::Streaming::Always;
    }
    // reduce lanes stay random (randomize_timing): both modes reduce K x bh neurons at `lanes`
    // per cycle (divergence 1, fixed), also when lanes < K x bh
    const Program prog = compile_program(generate_csb_model(s), hw, opt);
    for (const auto& m : prog.mvms)
      for (const auto& gi : m.micro)
        for (const MicroItem& it : gi.items)
          four += it.kind == ItemKind::FromRight || it.kind == ItemKind::FromDown;
    const Run fast = simulate(prog, hw, 2, 700 + uint64_t(i));
    const Run det = simulate(prog, detailed_of(hw), 2, 700 + uint64_t(i));
    check_equal("random case " + std::to_string(i) + " sharing " + sharing_name(hw.sharing) +
                    " stream " + std::to_string(hw.eltwise.stream),
                fast, det);
  }
  if (neighbours == 4) CHECK(four > 0);  // pieces do go left and up
}

int64_t figure(const Run& r, const std::string& name) {
  for (size_t i = 0; i < r.names.size(); ++i)
    if (r.names[i] == name) return r.values[i];
  FAIL("no figure " << name);
  return 0;
}

/// The value changes of the traced integer `var` of a VCD text: time (ps) -> value from then on.
/// With `scope`, only a variable declared directly in a module of that name counts.
std::map<int64_t, int64_t> vcd_series(const std::string& text, const std::string& var,
                                      const std::string& scope = "") {
  std::string id;
  {
    std::istringstream in(text);
    std::string line;
    std::vector<std::string> scopes;
    while (id.empty() && std::getline(in, line)) {  // "$var wire 32 ID NAME [31:0] $end"
      std::istringstream w(line);
      std::string tag, kind, bits, vid, name;
      if (!(w >> tag)) continue;
      if (tag == "$scope" && w >> kind >> bits) scopes.push_back(bits);  // "$scope module X"
      if (tag == "$upscope" && !scopes.empty()) scopes.pop_back();
      if (tag == "$var" && w >> kind >> bits >> vid >> name && name == var &&
          (scope.empty() || (!scopes.empty() && scopes.back() == scope)))
        id = vid;
    }
  }
  if (id.empty()) FAIL("no VCD variable " << var);
  std::map<int64_t, int64_t> at;
  std::istringstream in(text.substr(text.find("$enddefinitions")));
  std::string line;
  int64_t now = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '#') now = std::stoll(line.substr(1));
    if (line.size() > id.size() + 1 && line[0] == 'b' &&
        line.compare(line.size() - id.size() - 1, std::string::npos, " " + id) == 0)
      at[now] = std::stoll(line.substr(1, line.find(' ') - 1), nullptr, 2);
  }
  return at;
}

/// A traced value in cycle c: written at the edge that ends it, (c + 1) x 5 ns at 200 MHz.
int64_t vcd_at_cycle_end(const std::map<int64_t, int64_t>& s, int64_t c) {
  const int64_t at = (c + 1) * 5000 + 1;  // just after the edge ending cycle c
  auto it = s.upper_bound(at);
  return it == s.begin() ? int64_t(0) : std::prev(it)->second;
}

/// Random models whose images stream (1 KiB WeightBuffers, larger shapes) with random streamer
/// knobs (transactions in flight, staging bytes) and random timing knobs, ideal memory: fast vs
/// detailed on every figure.
void random_stream_equality(int K, int L, int P, int Q, uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  int streamed = 0;
  for (int i = 0; i < count; ++i) {
    GenSpec s = test::random_spec(rng, 60, 16, seed * 100 + uint64_t(i));
    s.input_size = std::max(s.input_size, 24);
    s.hidden_size = std::max(s.hidden_size, 32);
    auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    HwConfig hw = test::small_hw(K, L, P, Q);
    hw.buffers.weight_buffer_kib = 1;
    hw.sharing = kModes[r(0, 3)];
    hw.eltwise.stream = r(0, 1) == 1;
    test::randomize_timing(hw, rng);
    hw.memory.stream_outstanding = r(0, 2) == 0 ? 0 : r(1, 6);
    hw.memory.stream_staging_bytes = r(0, 2) == 0 ? 0 : r(1, 8) * 256;
    const Program prog = compile_program(generate_csb_model(s), hw);
    const Run fast = simulate(prog, hw, 2, 900 + uint64_t(i));
    const Run det = simulate(prog, detailed_of(hw), 2, 900 + uint64_t(i));
    check_equal("streamed random case " + std::to_string(i) + " sharing " +
                    sharing_name(hw.sharing) + " outstanding " +
                    std::to_string(hw.memory.stream_outstanding) + " staging " +
                    std::to_string(hw.memory.stream_staging_bytes),
                fast, det);
    int64_t bytes = 0;
    for (int g = 0; g < K * L; ++g)
      bytes += figure(det, "group " + std::to_string(g) + " weight_bytes_streamed");
    streamed += bytes > 0 ? 1 : 0;
  }
  CHECK(streamed > count / 2);  // the cases do stream
}

}  // namespace

TEST_CASE("detailed == fast: LSTM GRU LSTMP x sharing modes x odd shapes (2x3 of 2x4)",
          "[sim][detailed]") {
  HwConfig base;
  base.engine.K = 2;
  base.engine.L = 3;
  base.engine.P = 2;
  base.engine.Q = 4;
  base.buffers.vector_buffer = 4096;
  base.engine.reduce_lanes = 3;  // < K x bh (2 x 6): ceil(12 / 3) per reduction in both modes
  const std::vector<test::SimCase> cases = test::cell_mode_cases(base, 6, 1);
  for (size_t i = 0; i < cases.size(); ++i)
    check_equal("case " + std::to_string(i), simulate(cases[i].prog, cases[i].hw, 3, 100 + i),
                simulate(cases[i].prog, detailed_of(cases[i].hw), 3, 100 + i));
}

TEST_CASE("detailed == fast: random models and knobs on 4x4 groups of 4x4", "[sim][detailed]") {
  random_equality(4, 4, 4, 4, 11, 10);
}

TEST_CASE("detailed == fast: random models and knobs on 1x4 groups of 2x4", "[sim][detailed]") {
  random_equality(1, 4, 2, 4, 12, 10);
}

TEST_CASE("detailed == fast: random models and knobs on 3x2 groups of 4x2", "[sim][detailed]") {
  random_equality(3, 2, 4, 2, 13, 10);
}

TEST_CASE("detailed == fast: four neighbours, random models and knobs on 3x3 groups of 2x4",
          "[sim][detailed]") {
  random_equality(3, 3, 2, 4, 14, 10, 4);
}

TEST_CASE("detailed == fast: four neighbours, random models and knobs on 2x4 groups of 4x2",
          "[sim][detailed]") {
  random_equality(2, 4, 4, 2, 15, 8, 4);
}

TEST_CASE("detailed == fast: dataflow stream issue, random models and knobs on 2x3 groups of 2x4",
          "[sim][detailed]") {
  random_equality(2, 3, 2, 4, 16, 10, 2, true);
}

TEST_CASE("detailed == fast: dataflow stream issue, random models and knobs on 1x4 groups of 4x4",
          "[sim][detailed]") {
  random_equality(1, 4, 4, 4, 17, 10, 2, true);
}

// A four-neighbour program runs in the detailed mode under every link knob now (the second
// horizontal link and vertical path are modelled); it is still refused, in one line, on a
// hardware config with two neighbours.
TEST_CASE("detailed: four neighbours accept the link knobs, two-neighbour hardware refuses",
          "[sim][detailed]") {
  HwConfig hw = test::small_hw(3, 3, 2, 4);
  hw.sharing_neighbours = 4;
  std::mt19937_64 rng(16);
  Program prog;
  int64_t four = 0;
  for (uint64_t seed = 0; four == 0 && seed < 20; ++seed) {
    prog = compile_program(generate_csb_model(test::random_spec(rng, 30, 16, 1600 + seed)), hw);
    for (const auto& m : prog.mvms)
      for (const auto& gi : m.micro)
        for (const MicroItem& it : gi.items)
          four += it.kind == ItemKind::FromRight || it.kind == ItemKind::FromDown;
  }
  REQUIRE(four > 0);
  HwConfig det = detailed_of(hw);
  det.detailed.link_width = 2;
  det.detailed.link_fifo_depth = 2;
  det.detailed.accum_ports = 1;
  det.detailed.vlink_fifo_depth = 1;
  CHECK_NOTHROW(sim::check_program_matches(prog, det, "p.bin"));
  HwConfig two = hw;
  two.sharing_neighbours = 2;
  CHECK_THROWS_WITH(sim::check_program_matches(prog, two, "p.bin"),
                    Catch::Contains("hardware config has sharing.neighbours = 2"));
  CHECK_NOTHROW(sim::check_program_matches(prog, detailed_of(hw), "p.bin"));
}

TEST_CASE("detailed == fast: streamed weights, random models and knobs on 1x4 groups of 2x4",
          "[sim][detailed]") {
  random_stream_equality(1, 4, 2, 4, 21, 10);
}

TEST_CASE("detailed == fast: streamed weights, random models and knobs on 2x2 groups of 4x4",
          "[sim][detailed]") {
  random_stream_equality(2, 2, 4, 4, 22, 10);
}

// With a non-ideal DRAM the modes may differ in cycles (docs/simulator.md "Memory in the
// detailed mode"): the detailed run must still complete with the outputs of the fast run (which
// the fast tests check against the interpreter), with every streamed byte fetched once per use.
TEST_CASE("detailed streamer under non-ideal DRAMs: random streamed models stay bit-exact",
          "[sim][detailed]") {
  std::mt19937_64 rng(31);
  const char* models[] = {"simple", "ddr4-2400", "lpddr4-3200"};
  for (int i = 0; i < 6; ++i) {
    GenSpec s = test::random_spec(rng, 60, 16, 3100 + uint64_t(i));
    s.input_size = std::max(s.input_size, 24);
    s.hidden_size = std::max(s.hidden_size, 32);
    auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    HwConfig hw;
    hw.engine.K = 2;
    hw.engine.L = 2;
    hw.engine.P = 4;
    hw.engine.Q = 4;
    hw.buffers.vector_buffer = 4096;
    hw.buffers.weight_buffer_kib = 1;
    hw.sharing = kModes[r(0, 3)];
    hw.memory.ideal = false;
    hw.memory.model = models[i % 3];
    hw.memory.stream_outstanding = r(0, 1) == 0 ? 0 : r(1, 8);
    hw.memory.stream_staging_bytes = r(0, 1) == 0 ? 0 : r(1, 8) * 512;
    const Program prog = compile_program(generate_csb_model(s), hw);
    const Run fast = simulate(prog, hw, 2, 950 + uint64_t(i));
    const Run det = simulate(prog, detailed_of(hw), 2, 950 + uint64_t(i));
    INFO("case " << i << " " << hw.memory.model << " outstanding " << hw.memory.stream_outstanding
                 << " staging " << hw.memory.stream_staging_bytes);
    REQUIRE(fast.error.empty());
    REQUIRE(det.error.empty());
    CHECK(det.y == fast.y);
    CHECK(figure(det, "dram_bytes_read") == figure(fast, "dram_bytes_read"));
    CHECK(figure(det, "dram_bytes_written") == figure(fast, "dram_bytes_written"));
    CHECK(figure(det, "tiles_issued") == figure(fast, "tiles_issued"));
  }
}

// Hand-worked trace of a tiny streamed chain: the tiny LSTM with every image streamed
// (buffers.weight_buffer_kib = 0). Its one iteration's chunk is 8 DRAM transactions, each one
// range of <= 64 bytes (memory.burst_bytes): per group (g = k*L + l) its tiles then its indices:
//   (0,0) 4 tiles x 8 B = 32 B, indices (4 + 4) x 2 = 16 B;  (0,1) 8 B, 8 B;
//   (1,0) 8 B, 6 B;  (1,1) 16 B, 10 B.
// The Mvm word starts at cycle s; the streamer issues one request per cycle from s (the port), in
// that order; the loader is done at s + 1, so the barrier's go (iteration 0) is at s + 1.
// Ideal memory (a request issued in cycle c is in at c + 1): the requests of cycles s..s+7 are
// in at s+1..s+8, so the groups' weights are usable from s+2, s+4, s+6, s+8:
//   (0,0) issues s+2..s+5 (done s+6); (0,1) s+4; (1,0) s+6; (1,1) s+8, s+9 (done s+10):
//   D(0) = s+10 - (s+1) = 9 (4 resident); the MVM and the timestep 5 cycles longer: 39.
//   Weight stall (the busiest group, (1,1): waited 7, issued 2, busiest load 4): 7 + 2 - 4 = 5
//   per step; split as the fast engine does (its wait 7 = latency 1 (one unloaded burst) + 6,
//   scaled to the 5: latency 5 x 1 / 7 = 0 in integers, bandwidth 5).
//   DRAM reads per step: 104 weight/index bytes + 8 bytes of x (4 inputs).
// memory.model simple with dram_latency_ns 9 and the largest bandwidth (a transaction's data are
// in 9 ns + a few ps after its request: 2 cycles of 5 ns):
//   no limit: requests s..s+7 in at s+2..s+9; (1,1) usable from s+9, done s+11: D(0) = 10;
//   memory.stream.outstanding 1: a request waits for the previous one's data: issued s, s+2, ...,
//   s+14, in at s+2, ..., s+16: (1,1) usable from s+16, done s+18: D(0) = 17;
//   outstanding 2: two in flight cover the 2-cycle round trip: as unlimited, D(0) = 10.
// memory.stream.staging_bytes (ideal memory): the next timestep's chunk is fetched as soon as
// it fits (with 1 byte of staging: when step 0's iteration ends and frees it; with 4 KiB: at once,
// both chunks at the first Mvm): either way it is in long before step 1's Mvm, whose iteration
// lasts 4 (no weight wait); step 0 as above (9). The fast mode gives the same on every figure.
TEST_CASE(
    "detailed hand trace: streamed weights of the tiny LSTM (port, latency, outstanding, "
    "staging)",
    "[sim][detailed]") {
  const HwConfig hw = test::tiny_hw();
  Program p = compile_program(test::tiny_lstm(), hw);
  // every image streams: the program's WeightBuffers hold 0 bytes (below the key's range of
  // 1..; the tiny images are < 1 KiB; residency follows the program's buffer size)
  p.hw.buffers.weight_buffer_kib = 0;
  auto both = [&](const HwConfig& h, const std::string& what) {
    HwConfig d = detailed_of(h);
    const Run det = simulate(p, d, 2, 5);
    check_equal(what, simulate(p, h, 2, 5), det);
    return det;
  };
  {
    const Run r = both(hw, "ideal");
    CHECK(r.iterations == std::vector<int64_t>{9, 9});
    CHECK(figure(r, "step 0") == 39);
    CHECK(figure(r, "stall_weight_cycles") == 10);
    CHECK(figure(r, "stall_weight_latency_cycles") == 0);
    CHECK(figure(r, "stall_weight_bandwidth_cycles") == 10);
    CHECK(figure(r, "group 3 stall_weights") == 14);  // 7 per step
    CHECK(figure(r, "group 0 stall_weights") == 2);   // 1 per step
    CHECK(figure(r, "dram_bytes_read") == 2 * (48 + 16 + 14 + 26) + 2 * 4 * 2);
  }
  HwConfig simple = hw;
  simple.memory.ideal = false;
  simple.memory.model = "simple";
  simple.memory.dram_latency_ns = 9;
  simple.memory.dram_bandwidth_gbps = 1e5;
  CHECK(both(simple, "simple").iterations == std::vector<int64_t>{10, 10});
  simple.memory.stream_outstanding = 1;
  CHECK(both(simple, "simple, outstanding 1").iterations == std::vector<int64_t>{17, 17});
  simple.memory.stream_outstanding = 2;
  CHECK(both(simple, "simple, outstanding 2").iterations == std::vector<int64_t>{10, 10});
  for (int staging : {1, 4096}) {
    HwConfig st = hw;
    st.memory.stream_staging_bytes = staging;
    const Run r = both(st, "staging " + std::to_string(staging));
    CHECK(r.iterations == std::vector<int64_t>{9, 4});
    CHECK(figure(r, "step 1") == 34);
  }
}

// Hand-worked trace (docs/timing.md "Worked example"): tiny LSTM, 2x2 groups of 2x2 PEs, one
// iteration, group tiles 4, 1, 1, 2. Cycle by cycle in the detailed machine, the MVM word
// starting at cycle 1 (after the 1-cycle loadx):
//   cycle 1      the loader moves both slices (widths 4 and 2 <= 16 per cycle): done at 2;
//   edge 2       barrier go (no group has work yet): iteration 0 starts;
//   cycles 2-5   group (0,0) issues its 4 tiles (done at 6); (0,1), (1,0) one tile (done at 3);
//                (1,1) two (done at 4); no next load;
//   edge 6       last done -> go: D(0) = 4; the drain markers enter the pipelines;
//   cycles 6-10  markers through weight read 1 + multiply 1 + adder tree 2 + accumulate 1 = 5
//                stages (the last tile, issued in cycle 5, accumulates at the end of cycle 10);
//   edge 11      drain over; the reduction starts: 2 block-rows x 4 neurons = 8 <= 16 lanes;
//   cycle 11     neurons in; cycles 12-13 the latency of 2; edge 14: the MVM ends: 13 cycles.
// The other words as in docs/timing.md: 34 cycles per timestep.
TEST_CASE("detailed hand trace: one kernel per group (tiny LSTM)", "[sim][detailed]") {
  const Program p = compile_program(test::tiny_lstm(), test::tiny_hw());
  const Run r = simulate(p, detailed_of(test::tiny_hw()), 2, 5);
  REQUIRE(r.error.empty());
  CHECK(r.iterations == std::vector<int64_t>{4, 4});
  CHECK(figure(r, "total") == 68);
  CHECK(figure(r, "step 0") == 34);
  CHECK(figure(r, "engine_cycles") == 26);
  CHECK(figure(r, "group 0 busy") == 8);
  CHECK(figure(r, "group 1 barrier_idle") == 6);      // 3 of 4 cycles per iteration
  CHECK(figure(r, "group 0 engine_overhead") == 18);  // 13 - 4 per step: load, drain, reduction
}

// The streamed tiny LSTM issued dataflow (tests/compile/test_stream.cpp works the schedule by
// hand: stream end 33, 36 cycles per timestep; stage issue 40 and 43). Both timing modes give
// it, including the cycles where a section's readiness and its unit's issue end coincide (18,
// 21): the controller decides once every event of the cycle is in.
TEST_CASE("detailed hand trace: the streamed tiny LSTM issued dataflow (fast and detailed)",
          "[sim][detailed]") {
  HwConfig hw = test::tiny_hw();
  hw.eltwise.stream = true;
  CompileOptions opt;
  opt.streaming = CompileOptions::Streaming::Always;
  const Program p = compile_program(test::tiny_lstm(), hw, opt);
  const Run stage = simulate(p, hw, 2, 5);
  REQUIRE(stage.error.empty());
  CHECK(figure(stage, "step 0") == 43);
  hw.eltwise.stream_issue = StreamIssue::Dataflow;
  const Run fast = simulate(p, hw, 2, 5), det = simulate(p, detailed_of(hw), 2, 5);
  check_equal("tiny dataflow", fast, det);
  CHECK(figure(fast, "step 0") == 36);
  CHECK(figure(fast, "step 1") == 36);
  CHECK(figure(det, "total") == 72);
  CHECK(fast.y == stage.y);  // the order of the sections changes no output
}

// Realism knobs on the same trace: detailed.barrier_latency = 3 moves the go from edge 6 to
// edge 9, so D(0) = 7 and the MVM lasts 16 (37 per timestep); the extra cycles are barrier
// idle of every group. detailed.item_bubble changes nothing here (one item per group).
TEST_CASE("detailed realism knobs: barrier latency and item bubble (tiny LSTM)",
          "[sim][detailed]") {
  const Program p = compile_program(test::tiny_lstm(), test::tiny_hw());
  HwConfig hw = detailed_of(test::tiny_hw());
  hw.detailed.barrier_latency = 3;
  const Run r = simulate(p, hw, 1, 5);
  REQUIRE(r.error.empty());
  CHECK(r.iterations == std::vector<int64_t>{7});
  CHECK(figure(r, "total") == 37);
  CHECK(figure(r, "group 0 barrier_idle") == 3);
  CHECK(figure(r, "group 1 barrier_idle") == 6);
  HwConfig hb = detailed_of(test::tiny_hw());
  hb.detailed.item_bubble = 5;
  CHECK(figure(simulate(p, hb, 1, 5), "total") == 34);
}

// Divergence 1 (docs/simulator.md "Detailed timing", fixed): engine.reduce.lanes is neurons per
// cycle, and a reduction covers the K x bh neurons of a row-group. Tiny LSTM with lanes = 4: its
// one row-group (2 block-rows x 4 = 8 neurons) takes ceil(8/4) + 2 = 4 cycles (the old fast
// rule charged ceil(4/4) + 2 = 3, 8 neurons in 1 cycle on 4 lanes): the MVM lasts 14 instead of
// 13, the timestep 35 instead of 34, in both modes.
TEST_CASE("detailed and fast: reduction of K x bh neurons at lanes per cycle (hand-worked)",
          "[sim][detailed]") {
  const Program p = compile_program(test::tiny_lstm(), test::tiny_hw());
  HwConfig hw = test::tiny_hw();
  hw.engine.reduce_lanes = 4;
  const Run fast = simulate(p, hw, 1, 5);
  const Run det = simulate(p, detailed_of(hw), 1, 5);
  CHECK(figure(fast, "total") == 35);
  CHECK(figure(det, "total") == 35);
  CHECK(figure(fast, "engine_cycles") == 14);
  CHECK(figure(det, "engine_cycles") == 14);
  CHECK(fast.y == det.y);
}

// Divergence 2 (fixed): the fast element-wise units added ceil(n/lanes) + latency to
// busy_cycles for every section, so pipelined stream sections that overlap in a unit's
// pipeline were counted twice; both modes now count the cycles in which a unit holds work
// (issuing or in the pipeline; the detailed units cycle by cycle, the fast ones as the union
// of the sections' intervals). On a streamed model with several row-groups, lanes 1 and
// latencies of 30, chunk a+1's section follows chunk a's on a unit while chunk a's results are
// still in the pipeline: the counts agree, and each unit's busy cycles are fewer than the sum
// over its sections of ceil(n/lanes) + latency (what the old rule counted), which is at least
// sections x (1 + latency).
TEST_CASE("detailed and fast: element-wise busy cycles count overlapping sections once",
          "[sim][detailed]") {
  GenSpec s;
  s.cell = CellType::LSTM;
  s.input_size = 20;
  s.hidden_size = 24;
  s.layers = 1;
  s.bh = 2;
  s.bw = 8;
  s.seed = 3;
  HwConfig hw;
  hw.engine.K = 2;
  hw.engine.L = 2;
  hw.engine.P = hw.engine.Q = 2;
  hw.buffers.vector_buffer = 4096;
  hw.engine.reduce_lanes = 64;
  hw.eltwise.lanes = 1;         // chunk a+1's section follows chunk a's on a unit ...
  hw.eltwise.lat_sigmoid = 30;  // ... while chunk a's results are still in the pipeline
  hw.eltwise.lat_tanh = 30;
  hw.eltwise.lat_mult = 30;
  CompileOptions opt;
  opt.streaming = CompileOptions::Streaming::Always;
  const Program p = compile_program(generate_csb_model(s), hw, opt);
  REQUIRE(!p.mvms[0].stream.empty());
  const Run fast = simulate(p, hw, 1, 9);
  const Run det = simulate(p, detailed_of(hw), 1, 9);
  check_equal("streamed", fast, det);  // every unit's busy_cycles included
  int overlapped = 0;
  for (Unit u : {Unit::Sum1, Unit::Sum2, Unit::Mult1, Unit::Mult2, Unit::Sigmoid, Unit::Tanh}) {
    const std::string n = "unit " + std::to_string(int(u));
    const int lat = u == Unit::Sum1 || u == Unit::Sum2 ? hw.eltwise.lat_sum : 30;
    // the old rule: sum over the sections of ceil(n / 1) + lat = elements + lat x sections
    const int64_t old_rule = figure(det, n + " elements") + lat * figure(det, n + " sections");
    INFO(n << " busy " << det.unit_busy[size_t(u)] << " old rule " << old_rule);
    CHECK(det.unit_busy[size_t(u)] <= old_rule);
    overlapped += det.unit_busy[size_t(u)] < old_rule ? 1 : 0;
  }
  CHECK(overlapped > 0);  // some unit's sections overlapped: counted once
}

TEST_CASE(
    "detailed mode runs non-ideal memory and streamed weights, fast mode refuses detailed "
    "knobs",
    "[sim][detailed]") {
  // (these two were refused before the detailed weight streamer: now they run, bit-exact)
  const Program p = compile_program(test::tiny_lstm(), test::tiny_hw());
  HwConfig slow = detailed_of(test::tiny_hw());
  slow.memory.ideal = false;
  slow.memory.model = "simple";
  const Run r = simulate(p, slow, 1, 5);
  CHECK(r.error.empty());
  CHECK(r.y == simulate(p, test::tiny_hw(), 1, 5).y);
  HwConfig small = detailed_of(test::tiny_hw());
  small.buffers.weight_buffer_kib = 1;
  GenSpec s;
  s.input_size = 200;
  s.hidden_size = 200;
  s.layers = 1;
  s.bh = s.bw = 16;
  s.keep_row = s.keep_col = 1.0;
  const Program big = compile_program(generate_csb_model(s), small);
  const Run rs = simulate(big, small, 1, 5);
  CHECK(rs.error.empty());
  CHECK(figure(rs, "stall_weight_cycles") > 0);
  HwConfig small_fast = small;
  small_fast.timing = TimingMode::Fast;
  check_equal("streamed 200x200", simulate(big, small_fast, 1, 5), rs);
  // fast mode: a detailed.* knob away from its ideal value is a config error
  CHECK_THROWS_WITH(parse_hw_config("detailed:\n  barrier_latency: 2\n", "hw.yaml", {}),
                    Catch::Contains("sim.timing=detailed") && Catch::Contains("barrier_latency"));
  CHECK_NOTHROW(parse_hw_config("sim:\n  timing: detailed\ndetailed:\n  barrier_latency: 2\n",
                                "hw.yaml", {}));
  for (const char* knob : {"link_width", "link_fifo_depth", "accum_ports", "eltwise_fifo_depth",
                           "vector_bank_ports"}) {
    const std::string y = std::string("detailed:\n  ") + knob + ": 1\n";
    CHECK_THROWS_WITH(parse_hw_config(y, "hw.yaml", {}),
                      Catch::Contains("needs sim.timing=detailed") && Catch::Contains(knob));
    CHECK_NOTHROW(parse_hw_config("sim:\n  timing: detailed\n" + y, "hw.yaml", {}));
  }
  for (const char* knob : {"vlink_fifo_depth: 1", "accum_forwarding: false", "input_ports: 1"}) {
    const std::string y = std::string("detailed:\n  ") + knob + "\n";
    CHECK_THROWS_WITH(parse_hw_config(y, "hw.yaml", {}),
                      Catch::Contains("needs sim.timing=detailed") &&
                          Catch::Contains(std::string(knob).substr(0, 10)));
    CHECK_NOTHROW(parse_hw_config("sim:\n  timing: detailed\n" + y, "hw.yaml", {}));
  }
  CHECK_NOTHROW(parse_hw_config("detailed:\n  accum_forwarding: true\n", "hw.yaml", {}));
}

// Hand-worked trace, two groups sharing (tiny LSTM, horizontal sharing): group (0,0) gives the
// 2 tiles of its kernel's lower rows to (0,1) ([local 2x4: 2 tiles] on (0,0); [local 2x2: 1]
// [from-left 2x4: 2] on (0,1); (1,0) 1 tile, (1,1) 2). The MVM starts at cycle 1:
//   cycle 1      slices load; edge 2: go;
//   cycles 2-4   (0,1) issues its local tile (cycle 2), then the two received ones (3, 4),
//                reading (0,0)'s BlockNeuronBuffer: done at 5; (0,0) and (1,1) done at 4, (1,0) 3;
//   edge 5       go: D(0) = 3; drain markers, 5 stages -> edge 10; reduction 1 + 2 -> edge 13:
//                the MVM lasts 12, the timestep 34 - 1 = 33.
// With detailed.item_bubble = 2, (0,1) idles cycles 3-4 between its local and its from-left item:
// its received tiles issue in cycles 5-6, D(0) = 5, the MVM lasts 14: 35 per timestep.
// Vertical sharing: (1,0) issues [local 1x2: 1] and [from-up 4x2: 2] (for (0,0)); D(0) = 3; its
// drain marker takes the vertical path (1 more stage): edge 2 + 3 + 6 = 11, reduction -> 14:
// the MVM lasts 13 (34 per step); with engine.pipeline.vertical_path = 3 it lasts 15 (36).
TEST_CASE("detailed hand trace: two groups sharing (tiny LSTM)", "[sim][detailed]") {
  {
    const HwConfig hw = test::tiny_hw(SharingMode::Horizontal);
    const Program p = compile_program(test::tiny_lstm(), hw);
    const Run det = simulate(p, detailed_of(hw), 1, 5);
    REQUIRE(det.error.empty());
    CHECK(det.iterations == std::vector<int64_t>{3});
    CHECK(figure(det, "total") == 33);
    CHECK(figure(det, "engine_cycles") == 12);
    CHECK(figure(det, "group 0 tiles_given_h") == 2);
    CHECK(figure(det, "group 1 tiles_received_h") == 2);
    CHECK(figure(det, "group 1 busy") == 3);
    check_equal("horizontal", simulate(p, hw, 1, 5), det);
    HwConfig hb = detailed_of(hw);
    hb.detailed.item_bubble = 2;
    const Run b = simulate(p, hb, 1, 5);
    CHECK(b.iterations == std::vector<int64_t>{5});
    CHECK(figure(b, "total") == 35);
    CHECK(figure(b, "group 1 busy") == 3);
    CHECK(figure(b, "group 1 barrier_idle") == 2);
    CHECK(b.y == det.y);
    // detailed.link_latency = 3: (0,1)'s from-left item waits cycles 3-5 for its inputs, issues
    // in 6-7: D(0) = 6, the MVM lasts 15, 36 per timestep; with item_bubble = 2 as well the
    // wait is the larger of the two (3), not their sum
    HwConfig hl = detailed_of(hw);
    hl.detailed.link_latency = 3;
    const Run l = simulate(p, hl, 1, 5);
    CHECK(l.iterations == std::vector<int64_t>{6});
    CHECK(figure(l, "total") == 36);
    hl.detailed.item_bubble = 2;
    CHECK(simulate(p, hl, 1, 5).iterations == std::vector<int64_t>{6});
  }
  {
    HwConfig hw = test::tiny_hw(SharingMode::Vertical);
    const Program p = compile_program(test::tiny_lstm(), hw);
    const Run det = simulate(p, detailed_of(hw), 1, 5);
    REQUIRE(det.error.empty());
    CHECK(det.iterations == std::vector<int64_t>{3});
    CHECK(figure(det, "engine_cycles") == 13);
    CHECK(figure(det, "total") == 34);
    CHECK(figure(det, "group 0 tiles_given_v") == 2);
    CHECK(figure(det, "group 2 tiles_received_v") == 2);
    check_equal("vertical", simulate(p, hw, 1, 5), det);
    hw.engine.lat_vertical_path = 3;
    CHECK(figure(simulate(p, detailed_of(hw), 1, 5), "engine_cycles") == 15);
  }
}

// Hand-worked: the horizontal link as a credited FIFO (link_fifo.h). Tiny LSTM, horizontal
// sharing (the trace above): (0,1) issues its local tile in cycle 2; its from-left item
// (2x4 kernel: 4 input neurons, 2 tiles) starts in cycle 3. With detailed.link_width = 1,
// link_fifo_depth = 1, link_latency = 1 its inputs are 4 flits, one credit:
//   cycle 3  send f0 (credit 0 left);      cycle 4  pop f0 (credit back usable in 4 + 1 + 1 = 6)
//   cycle 6  send f1;  cycle 7  pop f1 (credit at 9);  cycle 9 send f2; cycle 10 pop (credit 12)
//   cycle 12 send f3;  cycle 13 pop f3: the last flit, the first tile issues in 13 (bypass),
//   the second in 14: done at 15, D(0) = 15 - 2 = 13 (was 3), the MVM 22, the timestep 43.
// Unbounded FIFO (depth 0), width 1: sends 3-6, pops 4-7, tiles 7-8: D(0) = 7, 37 per step.
// Width 2, depth 1: sends 3 and 6, pops 4 and 7: D(0) = 7 again (fewer flits, same wait).
// Width 4 (one flit), depth 1, latency 3: send 3, pop 6, tiles 6-7: D(0) = 6, equal to
// link_latency = 3 without FIFO (36 per step). The stall cycles are (0,1)'s barrier idle of the
// other groups (the busiest group waits).
TEST_CASE("detailed hand trace: horizontal link FIFO with width, depth and credits",
          "[sim][detailed]") {
  const HwConfig hw = test::tiny_hw(SharingMode::Horizontal);
  const Program p = compile_program(test::tiny_lstm(), hw);
  const Run ideal = simulate(p, detailed_of(hw), 1, 5);
  auto run = [&](int width, int depth, int latency) {
    HwConfig h = detailed_of(hw);
    h.detailed.link_width = width;
    h.detailed.link_fifo_depth = depth;
    h.detailed.link_latency = latency;
    Run r = simulate(p, h, 1, 5);
    REQUIRE(r.error.empty());
    CHECK(r.y == ideal.y);
    return r;
  };
  const Run d1 = run(1, 1, 1);
  CHECK(d1.iterations == std::vector<int64_t>{13});
  CHECK(figure(d1, "engine_cycles") == 22);
  CHECK(figure(d1, "total") == 43);
  CHECK(figure(d1, "group 1 busy") == 3);
  CHECK(figure(d1, "group 1 barrier_idle") == 10);
  const Run d0 = run(1, 0, 1);
  CHECK(d0.iterations == std::vector<int64_t>{7});
  CHECK(figure(d0, "total") == 37);
  CHECK(run(2, 1, 1).iterations == std::vector<int64_t>{7});
  const Run w4 = run(4, 1, 3);
  CHECK(w4.iterations == std::vector<int64_t>{6});
  CHECK(figure(w4, "total") == 36);
}

// Hand-worked: the vertical link's width. Tiny LSTM, vertical sharing (the trace above): (1,0)
// issues [local 1x2: 1 tile] in cycle 2, then [from-up 4x2: 2 tiles] whose P = 2 partial sums
// per tile go down to (0,0)'s accumulators. With detailed.link_width = 1 a from-up tile holds
// the link ceil(2 / 1) = 2 cycles: tile 1 in cycle 3, cycle 4 stalls, tile 2 in cycle 5; done
// at 6: D(0) = 4 (was 3), the MVM 14 (was 13), 35 per timestep. Width 2: one cycle per tile,
// the ideal trace (13).
TEST_CASE("detailed hand trace: vertical link width", "[sim][detailed]") {
  const HwConfig hw = test::tiny_hw(SharingMode::Vertical);
  const Program p = compile_program(test::tiny_lstm(), hw);
  HwConfig h = detailed_of(hw);
  h.detailed.link_width = 1;
  const Run r = simulate(p, h, 1, 5);
  REQUIRE(r.error.empty());
  CHECK(r.iterations == std::vector<int64_t>{4});
  CHECK(figure(r, "engine_cycles") == 14);
  CHECK(figure(r, "total") == 35);
  CHECK(figure(r, "group 2 busy") == 3);
  h.detailed.link_width = 2;
  CHECK(figure(simulate(p, h, 1, 5), "engine_cycles") == 13);
}

// The link FIFO alone (no kernel): the cycles of the hand trace above, and a second transfer on
// the same link waiting for the first one's last credit.
TEST_CASE("link FIFO: flits, credits and latency cycle by cycle", "[sim][detailed]") {
  sim::detailed::LinkFifo f(1, 1, 1);
  f.start(4, 3);
  int64_t c = 3;
  while (!f.step(c)) ++c;
  CHECK(c == 13);  // pops in 4, 7, 10, 13
  CHECK(f.flits == 4);
  // the next item's one-flit transfer starts in cycle 14; the credit of the pop in 13 is
  // usable in 13 + 1 + 1 = 15
  f.start(1, 14);
  c = 14;
  while (!f.step(c)) ++c;
  CHECK(c == 16);                      // sent in 15, popped in 16
  sim::detailed::LinkFifo u(3, 0, 2);  // unbounded: 7 neurons = 3 flits sent 0-2, pops 2-4
  u.start(7, 0);
  c = 0;
  while (!u.step(c)) ++c;
  CHECK(c == 4);
}

// Hand-worked: the accumulator ports. Tiny LSTM, vertical sharing, engine.pipeline.vertical_path
// = 0 (the vertical path as long as the local one, 5 stages: a tile issued in cycle c writes its
// accumulators in cycle c + 5). (0,0) issues its 2 local tiles in cycles 2-3 (writes in 7, 8);
// (1,0) its local tile in 2 and the 2 from-up tiles for (0,0) in 3-4 (writes into (0,0)'s
// NeuronAccumBuffer in 8, 9). Ideal: D(0) = 3, the drain markers leave in cycle 9 (edge 10),
// reduction 1 + 2: the MVM lasts 12, the timestep 33. detailed.accum_ports = 1: in cycle 8
// (0,0)'s own result takes the port, the vertical one waits in the holding FIFO (1 waiting);
// cycle 9 the second vertical result arrives and the free port takes the first (1 waiting);
// cycle 10 the last one: the FIFO is empty at edge 11, the drain ends one cycle later: the MVM
// lasts 13, the timestep 34. (No back-pressure: (1,0) has issued before 2 results wait.)
// accum_ports = 2: no conflict, the ideal trace.
TEST_CASE("detailed hand trace: accumulator ports shared with the vertical path",
          "[sim][detailed]") {
  HwConfig hw = test::tiny_hw(SharingMode::Vertical);
  hw.engine.lat_vertical_path = 0;
  const Program p = compile_program(test::tiny_lstm(), hw);
  const Run ideal = simulate(p, detailed_of(hw), 1, 5);
  REQUIRE(ideal.error.empty());
  CHECK(ideal.iterations == std::vector<int64_t>{3});
  CHECK(figure(ideal, "engine_cycles") == 12);
  CHECK(figure(ideal, "total") == 33);
  check_equal("vertical, path 0", simulate(p, hw, 1, 5), ideal);
  HwConfig h = detailed_of(hw);
  h.detailed.accum_ports = 1;
  const Run r = simulate(p, h, 1, 5);
  REQUIRE(r.error.empty());
  CHECK(r.iterations == std::vector<int64_t>{3});
  CHECK(figure(r, "engine_cycles") == 13);
  CHECK(figure(r, "total") == 34);
  CHECK(r.y == ideal.y);
  h.detailed.accum_ports = 2;
  CHECK(figure(simulate(p, h, 1, 5), "engine_cycles") == 12);
}

// The vector bank arbiter alone (no kernel): one port per bank grants the lowest priority value
// first; other banks are independent; 0 ports grants everything; a loser counts as denied.
TEST_CASE("vector bank arbiter: fixed priority per bank", "[sim][detailed]") {
  using sim::detailed::BankArbiter;
  const auto P = [](BankArbiter::Class c, int i) { return BankArbiter::priority(c, i); };
  const std::vector<BankArbiter::Request> req = {
      {0, P(BankArbiter::kEltRead, 2)},    // bank A, an element-wise read of Sum1
      {0, P(BankArbiter::kLoader, 1)},     // bank A, loader column 1: wins A
      {3, P(BankArbiter::kEltWrite, 4)},   // bank D, alone: granted
      {0, P(BankArbiter::kLoadStore, 1)},  // bank A, the Store: wins A before the loader
      {0, P(BankArbiter::kEltWrite, 7)},   // bank A, a write of Tanh
  };
  std::vector<uint8_t> g;
  BankArbiter one(1);
  one.arbitrate(req, g);
  CHECK(g == std::vector<uint8_t>{0, 0, 1, 1, 0});
  CHECK(one.denied == 3);
  BankArbiter two(2);
  two.arbitrate(req, g);
  CHECK(g == std::vector<uint8_t>{0, 1, 1, 1, 0});  // Store and loader on A; D alone
  BankArbiter three(3);
  three.arbitrate(req, g);
  CHECK(g == std::vector<uint8_t>{0, 1, 1, 1, 1});  // the write before the read
  BankArbiter inf(0);
  inf.arbitrate(req, g);
  CHECK(g == std::vector<uint8_t>{1, 1, 1, 1, 1});
  CHECK(inf.denied == 0);
}

// Hand-worked: detailed.vector_bank_ports on the tiny LSTM (words as in docs/timing.md's worked
// example, 16 lanes: every section is one beat; sigmoid/tanh latency 3, mult 2, sum 1). With one
// access per bank and cycle only two words change:
//   word 3  sigmoid E[0] <- D[0] and tanh E[4] <- D[4] both read D in their first cycle: Sigmoid
//           (the lower unit) reads in cycle 0, Tanh in cycle 1; their writes of E fall in cycles
//           3 and 4: the word lasts 5 instead of 4;
//   word 4  mult1 B[2] <- E[2], C[0]; mult2 C[2] <- E[0], E[4]; sigmoid E[6] <- D[6]: in cycle 0
//           Mult1 takes E (and C), Sigmoid D; Mult2 reads E[0] in cycle 1 and E[4] in cycle 2,
//           issues in 2 and writes C in 4: the word lasts 5 instead of 4.
// The others: loadx writes A alone; the loader's two columns read A (x) and B (h); biaswb reads
// Acc and Bias; add reads B and C in cycle 0 and writes C in cycle 1; tanh, mul, store touch
// different banks. 34 + 2 = 36 cycles per timestep. With 2 ports: word 3's two D reads and in word
// 4 Mult1's and Mult2's first E reads are served in cycle 0, Mult2's second in cycle 1 (issue 1,
// write 3, done at 4 like the sigmoid): the ideal 34, equal to the fast mode.
TEST_CASE("detailed hand trace: vector bank ports (tiny LSTM)", "[sim][detailed]") {
  const Program p = compile_program(test::tiny_lstm(), test::tiny_hw());
  const Run fast = simulate(p, test::tiny_hw(), 1, 5);
  REQUIRE(figure(fast, "total") == 34);
  HwConfig h = detailed_of(test::tiny_hw());
  h.detailed.vector_bank_ports = 1;
  const Run one = simulate(p, h, 1, 5);
  REQUIRE(one.error.empty());
  CHECK(figure(one, "total") == 36);
  CHECK(figure(one, "engine_cycles") == 13);  // the loader's columns read different banks
  CHECK(one.y == fast.y);
  h.detailed.vector_bank_ports = 2;
  CHECK(figure(simulate(p, h, 1, 5), "total") == 34);
}

// A program of one word (the tiny LSTM's MVM image kept, its words replaced), 1 lane, sum
// latency 1: Sum1 add C[0] <- A[0], B[0] (8 elements) beside Sum2 add C[8] <- D[0], D[8] (6).
// Ideal (and fast): 8 + 1 = 9 cycles. With one port per bank Sum1 (the higher priority) writes C
// in cycles 1-8 and Sum2 reads both its operands from D, one per cycle: a beat every 2 cycles,
// read (and issued) in cycles 1, 3, 5, 7, 9, 11 with unbounded FIFOs; its writes wait for cycle 9
// and go 9-14 (the output FIFO holds up to 4): done at 15. FIFO depth 1: b0 (issued 1) waits in
// the output FIFO, b1 (issued 3) in the last stage, freezing the pipeline from cycle 4; b2 is
// read in 4-5 into the input FIFO, then reads stop (the FIFO is full: ready low). Writes from
// cycle 9: b0 9, b1 10, b2 (issued 9) 11; b3 read 10-11 (the ready seen at cycle 9's start was
// low), issued 11, written 12; b4 read 12-13, written 14; b5 read 14-15, written 16: done at
// 17. Depth 2 keeps the reads going while frozen (b3 read 6-7, b4 8-9): 15 again.
TEST_CASE("detailed hand trace: element-wise FIFO depth and back-pressure", "[sim][detailed]") {
  HwConfig hw = test::tiny_hw();
  hw.eltwise.lanes = 1;
  hw.eltwise.lat_sum = 1;
  Program p = compile_program(test::tiny_lstm(), hw);
  auto op = [](Bank b, uint32_t a) { return Operand{b, a}; };
  MacroWord w;
  w.sections.push_back(
      Section{Unit::Sum1, Op::Add, op(Bank::C, 0), op(Bank::A, 0), op(Bank::B, 0), 8, 0});
  w.sections.push_back(
      Section{Unit::Sum2, Op::Add, op(Bank::C, 8), op(Bank::D, 0), op(Bank::D, 8), 6, 0});
  p.words = {w};
  const Run fast = simulate(p, hw, 1, 5);
  REQUIRE(fast.error.empty());
  CHECK(figure(fast, "total") == 9);
  HwConfig h = detailed_of(hw);
  h.detailed.eltwise_fifo_depth = 1;  // without port limits the FIFOs stay empty: ideal
  CHECK(figure(simulate(p, h, 1, 5), "total") == 9);
  h.detailed.vector_bank_ports = 1;
  h.detailed.eltwise_fifo_depth = 0;
  const Run r0 = simulate(p, h, 1, 5);
  CHECK(figure(r0, "total") == 15);
  CHECK(r0.y == fast.y);
  h.detailed.eltwise_fifo_depth = 1;
  test::TempDir t("dfifo");
  const std::string vcd = (t.path / "f.vcd").string();
  CHECK(figure(simulate(p, h, 1, 5, vcd), "total") == 17);
  // Sum2 (unit 3) in the VCD, per cycle of the depth-1 trace: reading (2) in 0, 2, issuing (1)
  // in 1, 3, frozen (3) in 4-8 with b0 in the output FIFO and, from cycle 5, b2 in the input
  // FIFO; issuing b2 in 9; Sum1 (unit 2) issues in 0-7 and drains in 8.
  const std::string text = read_text_file(vcd);
  const auto reason = vcd_series(text, "reason_3"), in = vcd_series(text, "in_fifo_3"),
             out = vcd_series(text, "out_fifo_3"), sum1 = vcd_series(text, "reason_2");
  CHECK(vcd_at_cycle_end(reason, 0) == 2);
  CHECK(vcd_at_cycle_end(reason, 1) == 1);
  CHECK(vcd_at_cycle_end(reason, 2) == 2);
  CHECK(vcd_at_cycle_end(reason, 3) == 1);
  for (int64_t c = 4; c <= 8; ++c) {
    CHECK(vcd_at_cycle_end(reason, c) == 3);
    CHECK(vcd_at_cycle_end(out, c) == 1);
    CHECK(vcd_at_cycle_end(in, c) == (c >= 5 ? 1 : 0));
  }
  CHECK(vcd_at_cycle_end(reason, 9) == 1);
  CHECK(vcd_at_cycle_end(in, 9) == 0);
  for (int64_t c = 0; c <= 7; ++c) CHECK(vcd_at_cycle_end(sum1, c) == 1);
  CHECK(vcd_at_cycle_end(sum1, 8) == 4);
  h.detailed.eltwise_fifo_depth = 2;
  CHECK(figure(simulate(p, h, 1, 5), "total") == 15);
}

// Hand-worked: the BlockNeuronBuffer loader behind the bank arbiter. A dense LSTM of 8 inputs and
// 2 hidden on the tiny machine (2x2 groups, block 4x4): x = A[0..8) gives column slices 0 and 1
// (both bank A), h the third (bank B). Iteration 0 loads slices 0 and 1: with one port per bank
// column 0 reads A in the MVM's first cycle, column 1 is refused (loader_wait 1) and reads in the
// next: the first load takes 2 cycles instead of 1. Iteration 1's slice (h, bank B) loads alone
// during iteration 0. So the MVM lasts one cycle more than in the fast mode (and in the detailed
// mode with unbounded ports), and each group's engine overhead grows by that cycle.
// Random models (cells, shapes, sharing, streaming, every latency and lane knob) on 2x3 groups of
// 2x2 through the vector bank arbiter and the element-wise FIFOs: with more ports than requesters
// (1000 per bank; a cycle has at most 2 + L + 12 requests) no access ever loses, so the whole
// arbitrated path must equal the fast mode on every figure; with 1 or 2 ports and FIFOs of 0..3
// the run must finish, stay bit-exact (the fast mode's outputs) and take no fewer cycles.
TEST_CASE("detailed vector bank ports and element-wise FIFOs: random models", "[sim][detailed]") {
  std::mt19937_64 rng(21);
  for (int i = 0; i < 8; ++i) {
    GenSpec s = test::random_spec(rng, 30, 16, 2100 + uint64_t(i));
    auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const HwConfig hw = random_hw(2, 3, 2, 2, rng);
    const Program prog = compile_program(generate_csb_model(s), hw);
    const Run fast = simulate(prog, hw, 2, 800 + uint64_t(i));
    HwConfig wide = detailed_of(hw);
    wide.detailed.vector_bank_ports = 1000;
    wide.detailed.eltwise_fifo_depth = r(1, 3);
    const std::string what =
        "random case " + std::to_string(i) + " stream " + std::to_string(hw.eltwise.stream);
    check_equal(what + " (1000 ports)", fast, simulate(prog, wide, 2, 800 + uint64_t(i)));
    HwConfig tight = detailed_of(hw);
    tight.detailed.vector_bank_ports = r(1, 2);
    tight.detailed.eltwise_fifo_depth = r(0, 3);
    const Run t = simulate(prog, tight, 2, 800 + uint64_t(i));
    INFO(what << " ports " << tight.detailed.vector_bank_ports << " depth "
              << tight.detailed.eltwise_fifo_depth);
    REQUIRE(t.error.empty());
    CHECK(t.y == fast.y);
    CHECK(figure(t, "total") >= figure(fast, "total"));
    CHECK(figure(t, "tiles_issued") == figure(fast, "tiles_issued"));
  }
}

// The FIFOs and the arbiter are built at elaboration: a job asking for other values is refused
// with one line naming the knobs.
TEST_CASE("detailed: a job cannot change the vector bank ports or FIFO depth", "[sim][detailed]") {
  const Program p = compile_program(test::tiny_lstm(), test::tiny_hw());
  const HwConfig elaborated = detailed_of(test::tiny_hw());
  for (int knob = 0; knob < 2; ++knob) {
    HwConfig job = elaborated;
    (knob == 0 ? job.detailed.vector_bank_ports : job.detailed.eltwise_fifo_depth) = 1;
    const Run r = simulate(p, elaborated, 1, 5, "", &job);
    CHECK(r.error.find("sim.timing=detailed") != std::string::npos);
    CHECK(r.error.find(knob == 0 ? "detailed.vector_bank_ports" : "detailed.eltwise_fifo_depth") !=
          std::string::npos);
  }
  CHECK(simulate(p, elaborated, 1, 5, "", &elaborated).error.empty());
}

TEST_CASE("detailed hand trace: the BlockNeuronBuffer loader loses a bank port",
          "[sim][detailed]") {
  GenSpec s;
  s.input_size = 8;
  s.hidden_size = 2;
  s.layers = 1;
  s.bh = s.bw = 4;
  s.keep_row = s.keep_col = 1.0;
  const HwConfig hw = test::tiny_hw();
  const Program p = compile_program(generate_csb_model(s), hw);
  REQUIRE(p.mvms[0].col_slices.size() == 3);
  REQUIRE(p.mvms[0].col_slices[0].src.bank == p.mvms[0].col_slices[1].src.bank);
  REQUIRE(p.mvms[0].col_slices[2].src.bank != p.mvms[0].col_slices[0].src.bank);
  const Run fast = simulate(p, hw, 1, 5);
  REQUIRE(fast.error.empty());
  HwConfig h = detailed_of(hw);
  h.detailed.vector_bank_ports = 1;
  test::TempDir t("dload");
  const std::string vcd = (t.path / "l.vcd").string();
  const Run r = simulate(p, h, 1, 5, vcd);
  REQUIRE(r.error.empty());
  CHECK(figure(r, "engine_cycles") == figure(fast, "engine_cycles") + 1);
  CHECK(figure(r, "group 0 engine_overhead") == figure(fast, "group 0 engine_overhead") + 1);
  CHECK(r.y == fast.y);
  // the loadx word lasts 1 cycle (16 bytes, one burst): the MVM's first cycle is cycle 1
  const auto wait = vcd_series(read_text_file(vcd), "loader_wait");
  CHECK(vcd_at_cycle_end(wait, 0) == 0);
  CHECK(vcd_at_cycle_end(wait, 1) == 1);
  CHECK(vcd_at_cycle_end(wait, 2) == 0);
}

// Hand-worked: the detailed VCD (docs/simulator.md "Detailed VCD"). The link-FIFO trace above
// (width 1, depth 1, latency 1): group (0,1) issues its local tile in cycle 2, waits for its
// from-left item's 4 flits in cycles 3-12 (reason 3, link wait), issues in 13-14 (reason 1);
// group (0,0) issues in 2-3 and waits for the barrier in 4-14 (reason 6). A cycle's reason is
// written at the edge that ends it (time (c + 1) x 5 ns at 200 MHz). The barrier's go is given
// at edge 2 (first load) and edge 15 (the last done): barrier_go is 1 for the cycle after it.
TEST_CASE("detailed VCD: clock, stall reasons, link FIFO, barrier (hand-worked)",
          "[sim][detailed]") {
  test::TempDir t("dvcd");
  const std::string vcd = (t.path / "d.vcd").string();
  const HwConfig hw0 = test::tiny_hw(SharingMode::Horizontal);
  const Program p = compile_program(test::tiny_lstm(), hw0);
  HwConfig h = detailed_of(hw0);
  h.detailed.link_width = 1;
  h.detailed.link_fifo_depth = 1;
  h.detailed.link_latency = 1;
  const Run r = simulate(p, h, 1, 5, vcd);
  REQUIRE(r.error.empty());
  const std::string text = read_text_file(vcd);
  for (const char* v : {"clk", "state", "iteration", "barrier_go", "reason_0_1", "link_fifo_0_1",
                        "in_flight_1", "timestep"})
    CHECK(text.find(std::string(" ") + v + " ") != std::string::npos);
  auto series = [&](const std::string& var) { return vcd_series(text, var); };
  const auto g01 = series("reason_0_1"), g00 = series("reason_0_0");
  CHECK(vcd_at_cycle_end(g01, 2) == 1);
  for (int64_t c = 3; c <= 12; ++c) CHECK(vcd_at_cycle_end(g01, c) == 3);
  CHECK(vcd_at_cycle_end(g01, 13) == 1);
  CHECK(vcd_at_cycle_end(g01, 14) == 1);
  CHECK(vcd_at_cycle_end(g00, 3) == 1);
  for (int64_t c = 4; c <= 14; ++c) CHECK(vcd_at_cycle_end(g00, c) == 6);
  const auto fifo = series("link_fifo_0_1");
  CHECK(vcd_at_cycle_end(fifo, 3) == 1);  // f0 sent in 3, popped in 4
  CHECK(vcd_at_cycle_end(fifo, 4) == 0);
}

// The streamed tiny LSTM of the hand trace above (ideal memory) in the detailed VCD: the Mvm
// word starts at cycle 1 (after the 1-cycle loadx), the go at 2; the groups wait for their
// weights (reason 10) until they are usable: (0,0) from 3, (0,1) from 5, (1,1) from 9; each
// then issues its tiles (reason 1) and waits for the barrier (6) until the go at 11.
TEST_CASE("detailed VCD: weight wait of streamed groups (hand-worked)", "[sim][detailed]") {
  test::TempDir t("dvcdw");
  const std::string vcd = (t.path / "w.vcd").string();
  Program p = compile_program(test::tiny_lstm(), test::tiny_hw());
  p.hw.buffers.weight_buffer_kib = 0;  // every image streams (as in the hand trace above)
  const Run r = simulate(p, detailed_of(test::tiny_hw()), 1, 5, vcd);
  REQUIRE(r.error.empty());
  REQUIRE(r.iterations == std::vector<int64_t>{9});
  const std::string text = read_text_file(vcd);
  for (const char* v : {"in_flight", "staged_bytes", "reason_1_1"})
    CHECK(text.find(std::string(" ") + v + " ") != std::string::npos);
  auto series = [&](const std::string& var) { return vcd_series(text, var); };
  const auto in_cycle = vcd_at_cycle_end;
  const auto g00 = series("reason_0_0"), g01 = series("reason_0_1"), g11 = series("reason_1_1");
  CHECK(in_cycle(g00, 1) == 0);  // first load: not issuing
  CHECK(in_cycle(g00, 2) == 10);
  for (int64_t c = 3; c <= 6; ++c) CHECK(in_cycle(g00, c) == 1);
  for (int64_t c = 7; c <= 10; ++c) CHECK(in_cycle(g00, c) == 6);
  for (int64_t c = 2; c <= 4; ++c) CHECK(in_cycle(g01, c) == 10);
  CHECK(in_cycle(g01, 5) == 1);
  for (int64_t c = 2; c <= 8; ++c) CHECK(in_cycle(g11, c) == 10);
  CHECK(in_cycle(g11, 9) == 1);
  CHECK(in_cycle(g11, 10) == 1);
}

// The streamer's bookkeeping alone (no SystemC), cycle by cycle: 2 groups, at most 1 request in
// flight; chunk (run 0, iteration 0) of 100 bytes: bursts g0, g0, g1.
//   cycle 0: the first burst issues (port and credit free); a second one in cycle 0 is refused
//   (one per cycle), in cycle 1 too (its credit is out until the response);
//   its response says "usable from 3": the second burst issues in 1 (the credit is back);
//   g0 is not ready in 2 (a burst pending), nor in 3 after the second response (usable from 4),
//   it is in 4; g1 not (its burst still queued); an iteration without a chunk is ready at once.
TEST_CASE("stream queue: port, credits, readiness and staging cycle by cycle", "[sim][detailed]") {
  sim::detailed::StreamQueue q;
  q.reset(2, 1);
  q.open_chunk(0, 0, 100, 0);
  uint8_t buf[96] = {};
  q.add_burst(0, 0, buf, 32);
  q.add_burst(0, 32, buf + 32, 32);
  q.add_burst(1, 64, buf + 64, 32);
  CHECK(q.staged_bytes() == 100);
  CHECK(q.pending() == 3);
  REQUIRE(q.can_issue(0));
  const auto b0 = q.issue(0);
  CHECK(b0.addr == 0);
  CHECK(!q.can_issue(0));
  CHECK(!q.can_issue(1));
  q.complete(b0, 3);
  CHECK(q.last_arrival() == 3);
  REQUIRE(q.can_issue(1));
  const auto b1 = q.issue(1);
  CHECK(b1.addr == 32);
  CHECK(!q.group_ready(0, 0, 0, 2));
  q.complete(b1, 4);
  CHECK(!q.group_ready(0, 0, 0, 3));
  CHECK(q.group_ready(0, 0, 0, 4));
  CHECK(!q.group_ready(0, 0, 1, 4));
  CHECK(q.group_ready(0, 1, 1, 0));  // no chunk admitted for iteration 1: nothing streamed
  const auto b2 = q.issue(2);
  q.complete(b2, 5);
  CHECK(q.group_ready(0, 0, 1, 5));
  CHECK(q.pending() == 0);
  q.release(0, 0);
  CHECK(q.staged_bytes() == 0);
  CHECK(q.find(0, 0) == nullptr);
}

// Hand-worked: the accumulator read-after-write scoreboard (detailed.accum_forwarding = false;
// docs/simulator.md "Detailed timing"). The accumulate stage (engine.pipeline.accumulate = La
// stages, the last of the pipeline) reads a NeuronAccumBuffer row in its first cycle and writes
// the sum at the end of its last; without forwarding a read sees only writes of earlier cycles.
// A tile issued in cycle c on a pipeline of d stages reads its rows in c + d - La and they are
// readable again from c + d, so two tiles of the same rows must issue >= La cycles apart.
// Tiny LSTM, no sharing, accumulate = 3 (d = 1 + 1 + 2 + 3 = 7): group (0,0)'s 4x4 kernel (kept
// rows 0..3) is 2 row tiles x 2 column tiles, row tiles inner: t0 rows {0,1}, t1 {2,3}, t2 {0,1},
// t3 {2,3}. t0 issues in 2 (readable from 9), t1 in 3 (from 10); t2 reads in c + 4 >= 9: c = 5
// (cycle 4 stalls); t3 in c + 4 >= 10: c = 6; done at 7: D(0) = 5 (forwarding: 4). The drain
// markers enter at the go (edge 7) and leave 7 stages later (edge 14); reduction 1 + 2 -> edge
// 17: the MVM lasts 16 (15 with forwarding: the fast mode's 13 + 2 more accumulate stages in the
// drain), the timestep 37 (36). (1,1)'s 4x1 kernel (rows {0,1}, {2,3}: one column tile) and the
// one-tile groups have no repeated rows. Accumulate = 2: t2 in cycle 4 reads in 4 + 6 - 2 = 8,
// t0's write (issued 2) is readable from 8: no stall, the ideal trace.
TEST_CASE("detailed hand trace: accumulator read-after-write without forwarding",
          "[sim][detailed]") {
  HwConfig hw = test::tiny_hw();
  hw.engine.lat_accumulate = 3;
  const Program p = compile_program(test::tiny_lstm(), hw);
  const Run ideal = simulate(p, detailed_of(hw), 1, 5);
  REQUIRE(ideal.error.empty());
  check_equal("accumulate 3, forwarding", simulate(p, hw, 1, 5), ideal);
  CHECK(ideal.iterations == std::vector<int64_t>{4});
  CHECK(figure(ideal, "engine_cycles") == 15);
  HwConfig h = detailed_of(hw);
  h.detailed.accum_forwarding = false;
  const Run r = simulate(p, h, 1, 5);
  REQUIRE(r.error.empty());
  CHECK(r.iterations == std::vector<int64_t>{5});
  CHECK(figure(r, "engine_cycles") == 16);
  CHECK(figure(r, "total") == 37);
  CHECK(figure(r, "group 0 busy") == 4);
  CHECK(figure(r, "group 0 barrier_idle") == 1);  // the stall cycle 4
  CHECK(r.y == ideal.y);
  h.engine.lat_accumulate = 2;
  hw.engine.lat_accumulate = 2;
  const Program p2 = compile_program(test::tiny_lstm(), hw);
  const Run r2 = simulate(p2, h, 1, 5);
  CHECK(r2.iterations == std::vector<int64_t>{4});
  check_equal("accumulate 2 without forwarding", simulate(p2, hw, 1, 5), r2);
}

// Hand-worked: the vertical path's tiles on the scoreboard. Tiny LSTM, vertical sharing,
// engine.pipeline.vertical_path = 0 and accumulate = 2 (both paths d = 6 stages: a tile issued
// in c reads its rows in c + 4, readable again from c + 6). (0,0) issues its local 4x2 piece's
// tiles rows {0,1} in 2 (readable from 8) and {2,3} in 3 (from 9); (1,0) its local tile in 2,
// then the from-up 4x2 piece (2 tiles, rows {0,1} and {2,3} of (0,0)'s NeuronAccumBuffer): the
// first reads in c + 4 >= 8: c = 4 (cycle 3 stalls), the second in c + 4 >= 9: c = 5; done at
// 6: D(0) = 4 (forwarding: 3). The vertical drain marker leaves 6 stages after the go (edge 12),
// reduction 3 -> 15: the MVM lasts 14 (13), the timestep 35 (34). With detailed.accum_ports = 1
// as well: the vertical results arrive in cycles 9 and 10, (0,0) writes in 7 and 8: the port is
// free, each is written on arrival (and leaves the scoreboard's queue): the same 14.
TEST_CASE("detailed hand trace: vertical path on the accumulator scoreboard", "[sim][detailed]") {
  HwConfig hw = test::tiny_hw(SharingMode::Vertical);
  hw.engine.lat_vertical_path = 0;
  hw.engine.lat_accumulate = 2;
  const Program p = compile_program(test::tiny_lstm(), hw);
  const Run ideal = simulate(p, detailed_of(hw), 1, 5);
  REQUIRE(ideal.error.empty());
  check_equal("vertical, accumulate 2", simulate(p, hw, 1, 5), ideal);
  CHECK(figure(ideal, "engine_cycles") == 13);
  HwConfig h = detailed_of(hw);
  h.detailed.accum_forwarding = false;
  const Run r = simulate(p, h, 1, 5);
  REQUIRE(r.error.empty());
  CHECK(r.iterations == std::vector<int64_t>{4});
  CHECK(figure(r, "engine_cycles") == 14);
  CHECK(figure(r, "total") == 35);
  CHECK(figure(r, "group 2 busy") == 3);
  CHECK(figure(r, "group 2 barrier_idle") == 1);
  CHECK(r.y == ideal.y);
  h.detailed.accum_ports = 1;
  const Run rp = simulate(p, h, 1, 5);
  REQUIRE(rp.error.empty());
  CHECK(figure(rp, "engine_cycles") == 14);
  CHECK(rp.y == ideal.y);
}

// The scoreboard alone (no kernel): a write readable from cycle 8 blocks a read in 7, not in 8;
// a queued (port-waiting) result blocks every read until it is written (in 12: readable from 13).
TEST_CASE("accumulator scoreboard: rows, read cycles, pending results", "[sim][detailed]") {
  sim::detailed::AccumScoreboard b;
  b.configure(2, 4);
  const uint16_t r01[] = {0, 1}, r23[] = {2, 3}, r1[] = {1};
  CHECK(b.ready(0, 1, r01, 2, 0));
  b.write(0, 1, r01, 2, 8);
  CHECK_FALSE(b.ready(0, 1, r1, 1, 7));
  CHECK(b.ready(0, 1, r1, 1, 8));
  CHECK(b.ready(0, 1, r23, 2, 0));  // other rows
  CHECK(b.ready(1, 1, r01, 2, 0));  // the other half
  CHECK(b.ready(0, 0, r01, 2, 0));  // another NAB
  b.queue(0, 1, r23, 2);
  CHECK_FALSE(b.ready(0, 1, r23, 2, 1000000));
  b.written(1, 1, 12);
  CHECK_FALSE(b.ready(0, 1, r23, 2, 12));
  CHECK(b.ready(0, 1, r23, 2, 13));
}

// Hand-worked: the vertical link's FIFO with credits (detailed.vlink_fifo_depth). Tiny LSTM,
// vertical sharing, default latencies (local path 5 stages, vertical 5 + 1 = 6): (1,0) issues its
// local tile in 2 and its first from-up tile in 3, spending the one credit (depth 1, one flit per
// tile at link_width 0); that tile's sums are written at the end of cycle 3 + 6 - 1 = 8, the
// credit crosses back vertical_path + 1 = 2 cycles: usable in 10. The second tile stalls in 4-9
// and issues in 10: done at 11, D(0) = 9 (ideal 3); the drain marker (vertical) enters at the go,
// edge 11, and leaves at edge 17; reduction 3 -> 20: the MVM lasts 19 (ideal 13), the timestep
// 40 (34); (1,0) is busy 3 cycles, barrier idle 6. Depth 2: the second tile issues in 4, the ideal
// trace. link_width 1 (2 flits per tile, the link busy 2 cycles per tile) and depth 2: the first
// tile takes both credits, the second waits for them until 10 as well: D(0) = 9; depth 4: only
// the width's stall (cycle 4): D(0) = 4 as in "vertical link width". Depth 1 at width 1 could
// never carry a tile's 2 flits: refused.
TEST_CASE("detailed hand trace: vertical link FIFO with credits", "[sim][detailed]") {
  const HwConfig hw = test::tiny_hw(SharingMode::Vertical);
  const Program p = compile_program(test::tiny_lstm(), hw);
  const Run ideal = simulate(p, detailed_of(hw), 1, 5);
  auto run = [&](int width, int depth) {
    HwConfig h = detailed_of(hw);
    h.detailed.link_width = width;
    h.detailed.vlink_fifo_depth = depth;
    return simulate(p, h, 1, 5);
  };
  const Run d1 = run(0, 1);
  REQUIRE(d1.error.empty());
  CHECK(d1.iterations == std::vector<int64_t>{9});
  CHECK(figure(d1, "engine_cycles") == 19);
  CHECK(figure(d1, "total") == 40);
  CHECK(figure(d1, "group 2 busy") == 3);
  CHECK(figure(d1, "group 2 barrier_idle") == 6);
  CHECK(d1.y == ideal.y);
  check_equal("vlink depth 2", ideal, run(0, 2));
  CHECK(run(1, 2).iterations == std::vector<int64_t>{9});
  CHECK(run(1, 4).iterations == std::vector<int64_t>{4});
  const Run bad = run(1, 1);
  CHECK(bad.error.find("detailed.vlink_fifo_depth") != std::string::npos);
}

// The credit counter alone: 2 credits, both taken in cycle 0; one returned usable from 5.
TEST_CASE("link credits: taken, returned, usable from a cycle", "[sim][detailed]") {
  sim::detailed::Credits c(2);
  CHECK(c.available(2, 0));
  c.take(2);
  CHECK_FALSE(c.available(1, 0));
  c.give_back(1, 5);
  CHECK_FALSE(c.available(1, 4));
  CHECK(c.available(1, 5));
  CHECK_FALSE(c.available(2, 5));
  sim::detailed::Credits u(0);  // unbounded
  u.take(100);
  CHECK(u.available(100, 0));
}

// The scoreboard and the vertical link FIFO on random models (cells, shapes, sharing, every
// latency knob random, accumulate 1..3): the outputs and the work (tiles, MACs) equal the fast
// mode's, the asserts inside (a pending accumulator row written over, credits returned out of
// order, an accumulator write with no queued result) hold, and neither knob makes a run shorter
// than the ideal detailed one: both only delay a tile's issue, and every issue, write and
// credit time is a max-plus (monotone) function of the earlier ones. Without vertical sharing
// and with a 1-cycle accumulate stage there is no hazard (tiles of one path issue >= 1 cycle
// apart): the run is the ideal one, cycle for cycle. Combined with detailed.accum_ports (not
// monotone: a port freed earlier by a delayed own write) or detailed.input_ports (the round-robin
// pointer keeps history) only the outputs and work are checked.
TEST_CASE("detailed scoreboard, vertical link FIFO, input ports: random models",
          "[sim][detailed]") {
  std::mt19937_64 rng(21);
  int slower_raw = 0, slower_vlink = 0, slower_ports = 0;  // the knob cost cycles: not vacuous
  for (int i = 0; i < 8; ++i) {
    GenSpec s = test::random_spec(rng, 30, 16, 2100 + uint64_t(i));
    auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    HwConfig hw;
    hw.engine.K = hw.engine.L = 2 + i % 3;
    hw.engine.P = hw.engine.Q = i % 2 == 0 ? 2 : 4;
    hw.buffers.vector_buffer = 4096;
    hw.sharing = kModes[size_t(i % 4)];
    hw.eltwise.stream = r(0, 1) == 1;
    test::randomize_timing(hw, rng);
    hw.engine.lat_accumulate = r(1, 3);
    const Program prog = compile_program(generate_csb_model(s), hw);
    const std::string what = "case " + std::to_string(i) + " sharing " + sharing_name(hw.sharing) +
                             " accumulate " + std::to_string(hw.engine.lat_accumulate);
    INFO(what);
    const Run fast = simulate(prog, hw, 2, 800 + uint64_t(i));
    const Run ideal = simulate(prog, detailed_of(hw), 2, 800 + uint64_t(i));
    check_equal(what, fast, ideal);
    auto check = [&](const HwConfig& h, bool monotone) {
      const Run x = simulate(prog, h, 2, 800 + uint64_t(i));
      REQUIRE(x.error.empty());
      CHECK(x.y == fast.y);
      CHECK(figure(x, "tiles_issued") == figure(fast, "tiles_issued"));
      CHECK(figure(x, "useful_macs") == figure(fast, "useful_macs"));
      if (monotone) CHECK(figure(x, "total") >= figure(ideal, "total"));
      return x;
    };
    HwConfig raw = detailed_of(hw);
    raw.detailed.accum_forwarding = false;
    const Run xr = check(raw, true);
    slower_raw += figure(xr, "total") > figure(ideal, "total") ? 1 : 0;
    if (hw.engine.lat_accumulate == 1 &&
        (hw.sharing == SharingMode::None || hw.sharing == SharingMode::Horizontal))
      check_equal(what + " no hazard", fast, xr);
    HwConfig vl = detailed_of(hw);
    vl.detailed.link_width = r(0, 3);
    const int flits = vl.detailed.link_width > 0
                          ? (hw.engine.P + vl.detailed.link_width - 1) / vl.detailed.link_width
                          : 1;
    vl.detailed.vlink_fifo_depth = flits + r(0, 1);
    HwConfig vw = vl;  // the same link width alone (its own, older stall)
    vw.detailed.vlink_fifo_depth = 0;
    slower_vlink += figure(check(vl, true), "total") > figure(check(vw, true), "total") ? 1 : 0;
    vl.detailed.accum_forwarding = false;
    check(vl, true);
    vl.detailed.accum_ports = r(1, 2);
    check(vl, false);
    HwConfig ip = detailed_of(hw);  // round robin keeps history: not monotone either
    ip.detailed.input_ports = r(1, 2);
    slower_ports += figure(check(ip, false), "total") > figure(ideal, "total") ? 1 : 0;
    vl.detailed.input_ports = ip.detailed.input_ports;
    check(vl, false);
  }
  CHECK(slower_raw > 0);
  CHECK(slower_vlink > 0);
  CHECK(slower_ports > 0);
}

TEST_CASE("detailed with four neighbours: scoreboard, input ports, bubbles, link knobs, ports",
          "[sim][detailed]") {
  // The knobs the detailed mode models with sharing.neighbours = 4: outputs stay the fast run's
  // (itself bit-exact with the interpreter), the same tiles issue, and the stalls only add cycles
  // (except the round-robin ports, which keep history).
  std::mt19937_64 rng(23);
  int slower = 0, slower_link = 0;
  for (int i = 0; i < 6; ++i) {
    GenSpec s = test::random_spec(rng, 30, 16, 2300 + uint64_t(i));
    auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    HwConfig hw;
    hw.engine.K = hw.engine.L = 3;
    hw.engine.P = hw.engine.Q = i % 2 == 0 ? 2 : 4;
    hw.buffers.vector_buffer = 4096;
    hw.sharing = kModes[size_t(1 + i % 3)];
    hw.sharing_neighbours = 4;
    test::randomize_timing(hw, rng);
    hw.engine.lat_accumulate = r(1, 3);
    const Program prog = compile_program(generate_csb_model(s), hw);
    INFO("case " << i);
    const Run fast = simulate(prog, hw, 2, 850 + uint64_t(i));
    const Run ideal = simulate(prog, detailed_of(hw), 2, 850 + uint64_t(i));
    check_equal("four case " + std::to_string(i), fast, ideal);
    auto check = [&](const HwConfig& h, bool monotone) {
      const Run x = simulate(prog, h, 2, 850 + uint64_t(i));
      REQUIRE(x.error.empty());
      CHECK(x.y == fast.y);
      CHECK(figure(x, "tiles_issued") == figure(fast, "tiles_issued"));
      if (monotone) CHECK(figure(x, "total") >= figure(ideal, "total"));
      return figure(x, "total");
    };
    HwConfig raw = detailed_of(hw);
    raw.detailed.accum_forwarding = false;
    slower += check(raw, true) > figure(ideal, "total");
    HwConfig lk = detailed_of(hw);
    lk.detailed.link_latency = r(1, 3);
    lk.detailed.item_bubble = r(0, 2);
    slower += check(lk, true) > figure(ideal, "total");
    HwConfig ip = detailed_of(hw);
    ip.detailed.input_ports = r(1, 2);
    check(ip, false);
    // the link knobs (both horizontal links as credited FIFOs, both vertical paths' link time
    // and credits): max-plus delays of an issue, monotone like the two-neighbour ones
    HwConfig lf = detailed_of(hw);
    lf.detailed.link_width = r(1, 3);
    lf.detailed.link_fifo_depth = r(1, 3);
    lf.detailed.link_latency = r(0, 2);
    slower_link += check(lf, true) > figure(ideal, "total");
    HwConfig vl = lf;
    vl.detailed.vlink_fifo_depth = (hw.engine.P + vl.detailed.link_width - 1) /
                                   vl.detailed.link_width;  // one tile's flits: the smallest
    slower_link += check(vl, true) > check(lf, true);
    vl.detailed.accum_ports = r(1, 2);  // not monotone (a port freed earlier by a delayed write)
    vl.detailed.accum_forwarding = r(0, 1) == 1;
    check(vl, false);
    HwConfig ap = detailed_of(hw);
    ap.detailed.accum_ports = 1;
    check(ap, false);
  }
  CHECK(slower > 0);
  CHECK(slower_link > 0);
}

// Hand-worked: the new stall reasons in the VCD. The vertical link FIFO trace above (depth 1):
// group (1,0) issues in cycles 2 and 3, holds no credit in 4-9 (reason 8), issues in 10. The
// scoreboard trace (no sharing, accumulate 3, no forwarding): group (0,0) issues in 2-3, waits
// for its rows in 4 (reason 7), issues in 5-6. The input-port trace (1 port): reason 9.
TEST_CASE("detailed VCD: accumulator RAW, vertical credit and port stall reasons (hand-worked)",
          "[sim][detailed]") {
  test::TempDir t("dvcd2");
  const std::string vcd = (t.path / "d.vcd").string();
  {
    const HwConfig hw = test::tiny_hw(SharingMode::Vertical);
    const Program p = compile_program(test::tiny_lstm(), hw);
    HwConfig h = detailed_of(hw);
    h.detailed.vlink_fifo_depth = 1;
    REQUIRE(simulate(p, h, 1, 5, vcd).error.empty());
    const auto g10 = vcd_series(read_text_file(vcd), "reason_1_0");
    CHECK(vcd_at_cycle_end(g10, 2) == 1);
    CHECK(vcd_at_cycle_end(g10, 3) == 1);
    for (int64_t c = 4; c <= 9; ++c) CHECK(vcd_at_cycle_end(g10, c) == 8);
    CHECK(vcd_at_cycle_end(g10, 10) == 1);
  }
  {
    HwConfig hw = test::tiny_hw();
    hw.engine.lat_accumulate = 3;
    const Program p = compile_program(test::tiny_lstm(), hw);
    HwConfig h = detailed_of(hw);
    h.detailed.accum_forwarding = false;
    REQUIRE(simulate(p, h, 1, 5, vcd).error.empty());
    const auto g00 = vcd_series(read_text_file(vcd), "reason_0_0");
    CHECK(vcd_at_cycle_end(g00, 3) == 1);
    CHECK(vcd_at_cycle_end(g00, 4) == 7);
    CHECK(vcd_at_cycle_end(g00, 5) == 1);
    CHECK(vcd_at_cycle_end(g00, 6) == 1);
  }
  {  // the input-port trace (1 port): (1,0) waits in 2, issues in 3; (0,0) waits in 3-4
    const HwConfig hw = test::tiny_hw(SharingMode::Horizontal);
    const Program p = compile_program(test::tiny_lstm(), hw);
    HwConfig h = detailed_of(hw);
    h.detailed.input_ports = 1;
    REQUIRE(simulate(p, h, 1, 5, vcd).error.empty());
    const std::string text = read_text_file(vcd);
    const auto g10 = vcd_series(text, "reason_1_0"), g00 = vcd_series(text, "reason_0_0");
    CHECK(vcd_at_cycle_end(g10, 2) == 9);
    CHECK(vcd_at_cycle_end(g10, 3) == 1);
    CHECK(vcd_at_cycle_end(g00, 2) == 1);
    CHECK(vcd_at_cycle_end(g00, 3) == 9);
    CHECK(vcd_at_cycle_end(g00, 4) == 9);
    CHECK(vcd_at_cycle_end(g00, 5) == 1);
  }
}

// Hand-worked: the BlockNeuronBuffer read ports (detailed.input_ports; docs/simulator.md). A
// tile that starts a column tile (its first row tile) reads the Q inputs through a port; the
// arbiter of a column's buffer serves its K groups (requesters 0..K-1) and the from-left
// receivers in the next column (K..2K-1), round robin from the one after its last grant. Tiny
// LSTM, horizontal sharing (the trace above), 1 port: (0,0) [local 2x4: 1 row tile x 2 column
// tiles, both need a port], (1,0) [1 tile], (0,1) [local 1 tile on column 1's buffer, then
// from-left 2x4: 2 tiles, both read column 0's buffer], (1,1) [4x1: 2 row tiles, one port read].
// Column 0 (requesters (0,0) = 0, (1,0) = 1, (0,1) = 2, (1,1) = 3):
//   cycle 2  (0,0) and (1,0) ask, scan from 0: (0,0) issues, (1,0) waits; next 1
//   cycle 3  (0,0), (1,0), (0,1) (its from-left item) ask, from 1: (1,0) issues (done at 4); next 2
//   cycle 4  (0,0), (0,1) ask, from 2: (0,1); next 3
//   cycle 5  (0,0), (0,1) ask, from 3: (0,0) issues its last tile (done at 6); next 1
//   cycle 6  (0,1) asks, from 1: granted, its last tile: done at 7
// Column 1: cycle 2 (0,1) (its local tile) beats (1,1), which issues in 3 (granted) and 4 (no
// read: the second row tile). D(0) = 7 - 2 = 5 (ideal 3): the MVM lasts 14 (12), the timestep 35
// (33); (0,1) busy 3, barrier idle 2. With 2 ports: cycle 2 grants both on both columns; cycle 3
// (0,0) and (0,1) on column 0; (0,1)'s second tile in 4: the ideal trace.
TEST_CASE("detailed hand trace: input buffer read ports, round robin", "[sim][detailed]") {
  const HwConfig hw = test::tiny_hw(SharingMode::Horizontal);
  const Program p = compile_program(test::tiny_lstm(), hw);
  const Run ideal = simulate(p, detailed_of(hw), 1, 5);
  HwConfig h = detailed_of(hw);
  h.detailed.input_ports = 1;
  const Run r = simulate(p, h, 1, 5);
  REQUIRE(r.error.empty());
  CHECK(r.iterations == std::vector<int64_t>{5});
  CHECK(figure(r, "engine_cycles") == 14);
  CHECK(figure(r, "total") == 35);
  CHECK(figure(r, "group 1 busy") == 3);
  CHECK(figure(r, "group 1 barrier_idle") == 2);
  CHECK(figure(r, "group 0 barrier_idle") == 3);
  CHECK(r.y == ideal.y);
  h.detailed.input_ports = 2;
  check_equal("2 ports", ideal, simulate(p, h, 1, 5));
}

// The arbiter alone: 4 requesters always asking, 1 port: grants 0, 1, 2, 3, 0; requests {1, 3}
// with the scan at 2: 3, then (scan at 0) 1; 2 ports over {0, 2, 3} from 1: 2 and 3, then 0.
TEST_CASE("round-robin arbiter: grants in turn from the last grant", "[sim][detailed]") {
  sim::detailed::RoundRobinArbiter a(4);
  std::vector<uint8_t> g;
  for (int expect : {0, 1, 2, 3, 0}) {
    for (int i = 0; i < 4; ++i) a.request(i);
    a.arbitrate(1, g);
    std::vector<uint8_t> want(4, 0);
    want[size_t(expect)] = 1;
    CHECK(g == want);
  }
  CHECK(a.next() == 1);
  a.arbitrate(1, g);  // no request: no grant, the scan stays
  CHECK(a.next() == 1);
  sim::detailed::RoundRobinArbiter b(4);
  b.request(0);
  b.request(1);
  b.arbitrate(1, g);  // 0
  b.request(1);
  b.arbitrate(1, g);  // 1: scan at 2
  REQUIRE(b.next() == 2);
  b.request(1);
  b.request(3);
  b.arbitrate(1, g);
  CHECK(g == std::vector<uint8_t>{0, 0, 0, 1});
  b.request(1);
  b.arbitrate(1, g);
  CHECK(g == std::vector<uint8_t>{0, 1, 0, 0});
  b.request(0);  // scan at 2
  b.request(2);
  b.request(3);
  b.arbitrate(2, g);
  CHECK(g == std::vector<uint8_t>{0, 0, 1, 1});
  b.request(0);
  b.arbitrate(2, g);
  CHECK(g == std::vector<uint8_t>{1, 0, 0, 0});
}

// Hand-worked regression (the crash of accum_forwarding false + accum_ports + input_ports): a
// tiny LSTM whose W_ih block (1,0) is the 4x4 kernel and block (0,0) is empty; vertical sharing
// gives half of (1,0)'s kernel to the group below it, which on 2 rows of groups is (0,0) (the
// ring): (0,0) runs one from-up 4x2 item for (1,0)'s NeuronAccumBuffer, tiles A1 rows {0,1} and
// A2 rows {2,3}; (1,0) its local 4x2 item, tiles B1 rows {0,1} and B2 rows {2,3} of the same
// NAB. Default latencies: local path d = 5 stages, vertical 6, accumulate 1 (a tile issued in c
// reads its rows in c + d - 1, its write is readable from c + d). Both first tiles start a
// column tile, so with detailed.input_ports they ask column 0's read ports; with 2 ports both
// are granted in cycle 2 and go in the grant order, (0,0) first.
//   accum_ports 0: A1 issues in 2 (rows {0,1} readable from 8). B1 reads in c + 4 >= 8: it
//     waits in 2 (the grant is lost: the scoreboard sees A1, issued earlier in the cycle), 3
//     and issues in 4; A2 issues in 3 (rows {2,3} from 9), B2 in 5 (reads in 9): done at 6,
//     D(0) = 4, the same as without ports (the loop order there: (0,0) first as well).
//   accum_ports 1: A1's result waits for a port: its rows are pending until written. A1 leaves
//     the vertical path in cycle 8 and is written then (no own write of (1,0): the port is
//     free), readable from 9; A2 (issued in 3) written in 9, readable from 10. B1 waits in 2..8
//     (in 8 the rows are still pending when it asks), issues in 9, B2 in 10: done at 11,
//     D(0) = 9. The engine section is D + 10 (the vertical drain marker's 6 stages, the
//     reduction's 3, the first load's cycle), as in "vertical path on the accumulator
//     scoreboard": 19. Before the fix B1 went in cycle 2 beside A1 (both passed the
//     scoreboard before either issued) and wrote over A1's pending rows: the run died on the
//     scoreboard's assertion. The outputs equal the ideal run's.
TEST_CASE("detailed hand trace: scoreboard with accumulator port and input ports",
          "[sim][detailed]") {
  CsbModel m = test::tiny_lstm();
  std::swap(m.layers[0].w_ih.blocks[0], m.layers[0].w_ih.blocks[1]);
  m.layers[0].w_ih.blocks[0] = CsbBlock{};  // (0,0) empty, the 4x4 kernel at (1,0)
  const HwConfig hw = test::tiny_hw(SharingMode::Vertical);
  const Program p = compile_program(m, hw);
  const Run ideal = simulate(p, detailed_of(hw), 1, 5);
  REQUIRE(ideal.error.empty());
  check_equal("ideal", simulate(p, hw, 1, 5), ideal);
  CHECK(figure(ideal, "group 0 tiles_received_v") == 2);  // the layout the trace assumes
  CHECK(figure(ideal, "group 2 tiles_local") == 2);
  CHECK(ideal.iterations == std::vector<int64_t>{2});
  for (int ports : {0, 2}) {
    INFO("input ports " << ports);
    HwConfig h = detailed_of(hw);
    h.detailed.accum_forwarding = false;
    h.detailed.input_ports = ports;
    const Run r = simulate(p, h, 1, 5);
    REQUIRE(r.error.empty());
    CHECK(r.iterations == std::vector<int64_t>{4});
    CHECK(r.y == ideal.y);
    h.detailed.accum_ports = 1;
    const Run q = simulate(p, h, 1, 5);
    REQUIRE(q.error.empty());
    CHECK(q.iterations == std::vector<int64_t>{9});
    CHECK(figure(q, "engine_cycles") == 19);
    CHECK(q.y == ideal.y);
  }
}

namespace {

/// Every detailed knob at a random value, ideal or not (valid: the vertical link FIFO holds a
/// tile's flits).
void randomize_detailed(HwConfig& hw, std::mt19937_64& rng) {
  auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto knob = [&](int lo, int hi) { return r(0, 2) == 0 ? 0 : r(lo, hi); };  // 1/3 ideal
  DetailedConfig& d = hw.detailed;
  d.barrier_latency = knob(1, 3);
  d.item_bubble = knob(1, 2);
  d.link_latency = knob(1, 3);
  d.link_width = knob(1, 4);
  d.link_fifo_depth = knob(1, 6);
  d.accum_ports = knob(1, 2);
  d.eltwise_fifo_depth = knob(1, 3);
  d.vector_bank_ports = knob(1, 2);
  d.accum_forwarding = r(0, 1) == 1;
  const int flits = d.link_width > 0 ? (hw.engine.P + d.link_width - 1) / d.link_width : 1;
  d.vlink_fifo_depth = knob(0, 2) == 0 ? 0 : flits + r(0, 2);
  d.input_ports = knob(1, 3);
}

std::string knobs_of(const DetailedConfig& d) {
  std::ostringstream s;
  s << "barrier " << d.barrier_latency << " bubble " << d.item_bubble << " link_latency "
    << d.link_latency << " link_width " << d.link_width << " link_fifo " << d.link_fifo_depth
    << " accum_ports " << d.accum_ports << " eltwise_fifo " << d.eltwise_fifo_depth
    << " bank_ports " << d.vector_bank_ports << " forwarding " << d.accum_forwarding
    << " vlink_fifo " << d.vlink_fifo_depth << " input_ports " << d.input_ports;
  return s.str();
}

}  // namespace

// All detailed knobs at once on random models (cells, shapes, sharing modes, streamed weights
// or not, every latency knob random): every run finishes (no model assertion fires: a pending
// accumulator row written over, credits out of order, ...), the outputs are bit-exact with the
// fast mode, the work (tiles, MACs) is the same, and no run is shorter than the fast mode's
// (ideal memory; with a DRAM model the detailed load/store issue may beat the fast rule): at
// ideal knobs the detailed run equals the fast one cycle for cycle (the equality tests above),
// and a non-ideal knob only adds stalls to what the fast mode's rules count as the ideal
// machine (a lower bound, not a monotone function of each knob: see the test above).
// CSBRNN_DETAILED_COMBOS=N runs N cases (the default is CI's 64; run more locally).
// With neighbours = 4 (sharing.neighbours: the second horizontal link and vertical path under
// every knob) also: the outputs equal the interpreter's, each group's tile counters (local,
// given / received horizontally and vertically) are the fast mode's, the given tiles add up to
// the received ones, and some pieces do go left / up.
void all_knobs(int count, uint64_t seed, int neighbours) {
  std::mt19937_64 rng(seed);
  int slower = 0;
  int64_t four = 0;
  for (int i = 0; i < count; ++i) {
    auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    const bool streamed = r(0, 3) == 0;
    GenSpec s = test::random_spec(rng, streamed ? 60 : 30, 16, 5100 + uint64_t(i));
    if (streamed) {
      s.input_size = std::max(s.input_size, 24);
      s.hidden_size = std::max(s.hidden_size, 32);
    }
    HwConfig hw = random_hw(r(1, 4), r(1, 4), 2 << r(0, 1), 2 << r(0, 1), rng);
    if (streamed) hw.buffers.weight_buffer_kib = 1;
    hw.engine.lat_accumulate = r(1, 3);
    hw.sharing_neighbours = neighbours;
    const Program prog = compile_program(generate_csb_model(s), hw);
    HwConfig det = detailed_of(hw);
    randomize_detailed(det, rng);
    const std::string what = "case " + std::to_string(i) + " " + std::to_string(hw.engine.K) + "x" +
                             std::to_string(hw.engine.L) + " of " + std::to_string(hw.engine.P) +
                             "x" + std::to_string(hw.engine.Q) + " sharing " +
                             sharing_name(hw.sharing) + " accumulate " +
                             std::to_string(hw.engine.lat_accumulate) + " streamed " +
                             std::to_string(streamed) + " " + knobs_of(det.detailed);
    INFO(what);
    const Run fast = simulate(prog, hw, 2, 600 + uint64_t(i));
    const Run x = simulate(prog, det, 2, 600 + uint64_t(i));
    REQUIRE(fast.error.empty());
    REQUIRE(x.error.empty());
    CHECK(x.y == fast.y);
    CHECK(figure(x, "tiles_issued") == figure(fast, "tiles_issued"));
    CHECK(figure(x, "useful_macs") == figure(fast, "useful_macs"));
    CHECK(figure(x, "total") >= figure(fast, "total"));
    slower += figure(x, "total") > figure(fast, "total") ? 1 : 0;
    if (neighbours != 4) continue;
    for (const auto& m : prog.mvms)
      for (const auto& gi : m.micro)
        for (const MicroItem& it : gi.items)
          four += it.kind == ItemKind::FromRight || it.kind == ItemKind::FromDown;
    CHECK(x.y ==
          interpret(prog, test::random_input(2, prog.input_size, 600 + uint64_t(i), hw.numeric), 2)
              .y);
    int64_t given = 0, received = 0;
    for (int g = 0; g < hw.engine.groups(); ++g) {
      const std::string gs = "group " + std::to_string(g) + " ";
      for (const char* c : {"tiles_local", "tiles_given_h", "tiles_received_h", "tiles_given_v",
                            "tiles_received_v"})
        CHECK(figure(x, gs + c) == figure(fast, gs + c));
      given += figure(x, gs + "tiles_given_h") + figure(x, gs + "tiles_given_v");
      received += figure(x, gs + "tiles_received_h") + figure(x, gs + "tiles_received_v");
    }
    CHECK(given == received);
  }
  CHECK(slower > count / 2);  // the knobs do cost cycles: not vacuous
  if (neighbours == 4) CHECK(four > 0);
}

TEST_CASE("detailed: all knobs together on random models", "[sim][detailed]") {
  const char* env = std::getenv("CSBRNN_DETAILED_COMBOS");
  all_knobs(env ? std::atoi(env) : 64, env ? uint64_t(std::atoi(env)) * 7919 : 4242, 2);
}

TEST_CASE("detailed: all knobs together on random models, four neighbours", "[sim][detailed]") {
  const char* env = std::getenv("CSBRNN_DETAILED_COMBOS");
  all_knobs(env ? std::atoi(env) : 32, env ? uint64_t(std::atoi(env)) * 7927 : 4343, 4);
}

// ---- engine.sync = row-group (docs/simulator.md "Row-group sync") ----

namespace {

/// A hand-built LSTM (input 12, hidden 4, block 4x4) whose combined [W_ih | W_hh] grid is 4 x 4
/// blocks: on 2x2 groups of 2x2 PEs, 2 row-groups x 2 iteration columns, group (k,l) holding
/// block (2a + k, 2b + l) in iteration (a,b). Kernels: 4x4 (4 tiles) or 2x2 (1 tile), chosen so
/// that each iteration's busiest group differs from the next one's:
///   (a,b) = (0,0): group tiles 4 1 1 1     (0,1): 1 4 1 1
///   (a,b) = (1,0): group tiles 1 1 4 1     (1,1): 1 1 1 4
CsbModel rowgroup_lstm() {
  CsbModel m;
  m.cell = CellType::LSTM;
  m.input_size = 12;
  m.hidden_size = 4;
  CsbLayer L;
  L.w_ih.rows = 16, L.w_ih.cols = 12, L.w_ih.bh = 4, L.w_ih.bw = 4;
  L.w_hh.rows = 16, L.w_hh.cols = 4, L.w_hh.bh = 4, L.w_hh.bw = 4;
  // 4x4 kernels at blocks (0,0), (0,3), (3,0), (3,3); every other block a 2x2 kernel
  auto block = [&](int br, int bc) {
    const bool four = (br == 0 && bc == 0) || (br == 0 && bc == 3) || (br == 3 && bc == 0) ||
                      (br == 3 && bc == 3);
    CsbBlock k;
    const int n = four ? 4 : 2;
    for (int i = 0; i < n; ++i) k.rows.push_back(uint16_t(i));
    for (int i = 0; i < n; ++i) k.cols.push_back(uint16_t(i));
    for (int i = 0; i < n * n; ++i)
      k.values.push_back(float(((br * 7 + bc * 5 + i * 3) % 11) - 5) / 32.0f);
    return k;
  };
  for (int br = 0; br < 4; ++br)
    for (int bc = 0; bc < 3; ++bc) L.w_ih.blocks.push_back(block(br, bc));
  for (int br = 0; br < 4; ++br) L.w_hh.blocks.push_back(block(br, 3));
  for (int i = 0; i < 16; ++i) {
    L.b_ih.push_back(float(i % 5 - 2) / 16.0f);
    L.b_hh.push_back(float(i % 3 - 1) / 16.0f);
  }
  m.layers.push_back(L);
  m.note = "hand-worked row-group sync LSTM";
  return m;
}

HwConfig rowgroup_of(HwConfig hw) {
  hw.engine.sync = SyncMode::RowGroup;
  return hw;
}

}  // namespace

// Hand-worked (on paper, from docs/timing.md's rules and the spec of engine.sync): the model
// above on test::tiny_hw() (2x2 groups of 2x2 PEs, default knobs: neuron_load_width 16, pipeline
// 1 + 1 + 2 + 1 = 5 stages, no vertical path, reduction of K x bh = 8 neurons on 16 lanes:
// 1 + latency 2 = 3 cycles). Every slice is at most 4 wide: ld(b) = 1, ready = [1, 2].
// Cycles count from the MVM section's start.
// Iteration sync: ld(0) = 1; (0,0) [1,5) (M 4), (0,1) [5,9); drain 9-14; reduction 14-17;
//   row-group 1 starts at the drain end 14: (1,0) [14,18), (1,1) [18,22); drain -> 27;
//   reduction max(27, 17) + 3 = 30: the MVM lasts 30.
// Row-group sync: R(0) = 0. Walks (iteration b starts at max(end of b-1, ready(b))):
//   g0: b0 at max(0,1) = 1, 4 tiles -> 5; b1 at max(5,2) = 5, 1 -> 6
//   g1: b0 1 -> 2; b1 at 2, 4 -> 6      g2, g3: 1 -> 2; 2 -> 3
//   I(0) = 6, M(0) = 5 (g0 and g1: 5 tiles), input stall 6 - 0 - 5 = 1.
//   D(0) = 6 + 5 = 11; red_end(0) = 11 + 3 = 14.  R(1) = max(I(0), red_end(-1)) = 6.
//   g0, g1: 6 + 1 -> 7, + 1 -> 8;  g2: 6 + 4 -> 10, + 1 -> 11;  g3: 7, + 4 -> 11.
//   I(1) = 11, M(1) = 5, input stall 0; D(1) = 16; red_end(1) = max(16, 14) + 3 = 19.
//   The MVM lasts 19. Per row-group issue spans I - R: 6, 5. Group 0: busy 4+1+1+1 = 7,
//   barrier idle (5-5) + (5-2) = 3, input stall 1 + 0 = 1 (per timestep).
// With engine.neuron_load_width = 2 (ld = 2, ready = [2, 4]):
//   g0: b0 at 2, 4 -> 6; b1 at 6 -> 7.  g1: 2 -> 3; b1 at 4, 4 -> 8.  g2, g3: 3; 4 -> 5.
//   I(0) = 8, M 5, stall 3; D(0) = 13, red_end(0) = 16; R(1) = 8: g2 8 + 4 -> 12 + 1 -> 13,
//   g3 9 + 4 -> 13: I(1) = 13; D(1) = 18; red_end(1) = max(18, 16) + 3 = 21.
TEST_CASE("row-group sync hand trace: 2 row-groups x 2 iteration columns, fast and detailed",
          "[sim][detailed]") {
  const HwConfig hw = test::tiny_hw();
  const Program p = compile_program(rowgroup_lstm(), hw);
  REQUIRE(p.mvms.size() == 1);
  const MvmProgram& mv = p.mvms[0];
  REQUIRE(mv.iter_rows == 2);
  REQUIRE(mv.iter_cols == 2);
  // the layout the trace assumes: tiles per (iteration, group)
  const std::vector<std::vector<int64_t>> tiles = {
      {4, 1, 1, 1}, {1, 4, 1, 1}, {1, 1, 4, 1}, {1, 1, 1, 4}};
  for (int n = 0; n < 4; ++n)
    for (int g = 0; g < 4; ++g) {
      int64_t t = 0;
      for (const MicroItem& it : mv.micro[size_t(n * 4 + g)].items) t += item_tiles(it, 2, 2);
      INFO("iteration " << n << " group " << g);
      CHECK(t == tiles[size_t(n)][size_t(g)]);
    }
  const Run it_fast = simulate(p, hw, 1, 5);
  REQUIRE(it_fast.error.empty());
  CHECK(figure(it_fast, "engine_cycles") == 30);
  const HwConfig rg = rowgroup_of(hw);
  const Run fast = simulate(p, rg, 2, 5);
  const Run det = simulate(p, detailed_of(rg), 2, 5);
  for (const Run* r : {&fast, &det}) {
    REQUIRE(r->error.empty());
    CHECK(figure(*r, "engine_cycles") == 2 * 19);
    CHECK(r->iterations == std::vector<int64_t>{6, 5, 6, 5});
    CHECK(figure(*r, "iterations") == 2 * 4);
    CHECK(figure(*r, "engine_issue_cycles") == 2 * (5 + 5));
    CHECK(figure(*r, "stall_input_cycles") == 2 * 1);
    CHECK(figure(*r, "group 0 busy") == 2 * 7);
    CHECK(figure(*r, "group 0 barrier_idle") == 2 * 3);
    CHECK(figure(*r, "group 0 stall_input") == 2 * 1);
    CHECK(figure(*r, "group 0 engine_overhead") == 2 * (19 - 11));
  }
  CHECK(figure(fast, "total") == figure(it_fast, "total") * 2 - 2 * (30 - 19));
  check_equal("row-group", fast, det);
  // outputs: the interpreter, bit for bit
  const InterpretResult ref = interpret(p, test::random_input(2, p.input_size, 5, hw.numeric), 2);
  CHECK(fast.y == ref.y);
  HwConfig w2 = rg;
  w2.engine.neuron_load_width = 2;
  const Run f2 = simulate(p, w2, 1, 5);
  const Run d2 = simulate(p, detailed_of(w2), 1, 5);
  CHECK(figure(f2, "engine_cycles") == 21);
  CHECK(f2.iterations == std::vector<int64_t>{8, 5});
  CHECK(figure(f2, "stall_input_cycles") == 3);
  check_equal("row-group, load width 2", f2, d2);
}

// Free sync on the same model (docs/timing.md "Synchronisation"; by hand from its rules):
//   a0, S = 0: the walks of row-group sync: W = (6, 6, 3, 3), each group waits 1 cycle for
//   slice set 0; D(0) = 6 + 5 = 11, red_end(0) = 14. a1, S_g = max(W_g(0), red_end(-1) = 0):
//   g0 6 + 1 -> 7, + 1 -> 8; g1 6 -> 8; g2 3 + 4 -> 7, + 1 -> 8; g3 3 + 1 -> 4, + 4 -> 8 (inputs
//   resident); D(1) = 8 + 5 = 13; red_end(1) = max(13, 14) + 3 = 17: the MVM lasts 17 (row-group
//   sync 19, iteration sync 30). issue_cycles M(0) + M(1) = 10; T = 8; group 0: busy 7, input
//   wait 1, barrier idle 8 - 7 - 1 = 0, overhead 17 - 8 = 9; input stall (longest wait) 1.
TEST_CASE("free sync hand trace: 2 row-groups x 2 iteration columns, fast and detailed",
          "[sim][detailed]") {
  HwConfig hw = test::tiny_hw();
  hw.engine.sync = SyncMode::Free;
  const Program p = compile_program(rowgroup_lstm(), hw);
  REQUIRE(p.mvms.size() == 1);
  const Run fast = simulate(p, hw, 2, 5);
  REQUIRE(fast.error.empty());
  CHECK(figure(fast, "engine_cycles") == 2 * 17);
  CHECK(figure(fast, "iterations") == 2 * 4);
  CHECK(figure(fast, "engine_issue_cycles") == 2 * 10);
  CHECK(figure(fast, "stall_input_cycles") == 2 * 1);
  CHECK(figure(fast, "group 0 busy") == 2 * 7);
  CHECK(figure(fast, "group 0 barrier_idle") == 0);
  CHECK(figure(fast, "group 0 stall_input") == 2 * 1);
  CHECK(figure(fast, "group 0 engine_overhead") == 2 * 9);
  CHECK(figure(fast, "group 2 barrier_idle") == 0);
  const Run rg = simulate(p, rowgroup_of(test::tiny_hw()), 2, 5);
  CHECK(figure(fast, "total") == figure(rg, "total") - 2 * (19 - 17));
  const InterpretResult ref = interpret(p, test::random_input(2, p.input_size, 5, hw.numeric), 2);
  CHECK(fast.y == ref.y);
  // the detailed mode at ideal knobs: the same cycles and figures, from its state machines
  const Run det = simulate(p, detailed_of(hw), 2, 5);
  REQUIRE(det.error.empty());
  CHECK(figure(det, "engine_cycles") == 2 * 17);
  check_equal("free", fast, det);
}

namespace {

/// Random models and timing knobs in row-group sync: fast == detailed on every figure (first
/// divergence named), outputs == the interpreter.
void random_rowgroup_equality(int K, int L, int P, int Q, uint64_t seed, int count,
                              SyncMode sync = SyncMode::RowGroup, bool carry = false) {
  std::mt19937_64 rng(seed);
  int differ = 0;
  for (int i = 0; i < count; ++i) {
    GenSpec s = test::random_spec(rng, 30, 16, seed * 100 + uint64_t(i));
    HwConfig hw = rowgroup_of(random_hw(K, L, P, Q, rng));
    hw.engine.sync = sync;
    hw.sharing_carry = carry;
    const Program prog = compile_program(generate_csb_model(s), hw);
    const Run fast = simulate(prog, hw, 2, 700 + uint64_t(i));
    const Run det = simulate(prog, detailed_of(hw), 2, 700 + uint64_t(i));
    const std::string what = std::string(sync_name(sync)) + " random case " + std::to_string(i) +
                             " sharing " + sharing_name(hw.sharing) + " stream " +
                             std::to_string(hw.eltwise.stream);
    check_equal(what, fast, det);
    const InterpretResult ref =
        interpret(prog, test::random_input(2, prog.input_size, 700 + uint64_t(i), hw.numeric), 2);
    INFO(what);
    for (int g = 0; g < K * L; ++g) {  // every group's cycles add up to the run's
      const std::string q = "group " + std::to_string(g) + " ";
      int64_t sum = 0;
      for (const char* f :
           {"busy", "barrier_idle", "stall_input", "stall_weights", "engine_overhead", "outside"})
        sum += figure(det, q + f);
      CHECK(sum == figure(det, "total"));
      CHECK(figure(det, q + "barrier_idle") >= 0);
      CHECK(figure(det, q + "engine_overhead") >= 0);
    }
    CHECK(fast.y == ref.y);
    HwConfig it = hw;
    it.engine.sync = SyncMode::Iteration;
    it.sharing_carry = false;
    const Run base = simulate(prog, it, 2, 700 + uint64_t(i));
    CHECK(base.y == fast.y);
    differ += figure(base, "total") != figure(fast, "total") ? 1 : 0;
  }
  CHECK(differ > 0);  // row-group sync does change the timing of these cases
}

}  // namespace

TEST_CASE("row-group sync: detailed == fast, random models and knobs on 2x2 groups of 4x4",
          "[sim][detailed]") {
  random_rowgroup_equality(2, 2, 4, 4, 41, 12);
}

TEST_CASE("row-group sync: detailed == fast, random models and knobs on 3x2 groups of 2x4",
          "[sim][detailed]") {
  random_rowgroup_equality(3, 2, 2, 4, 42, 12);
}

TEST_CASE("row-group sync: detailed == fast, random models and knobs on 1x4 groups of 2x2",
          "[sim][detailed]") {
  random_rowgroup_equality(1, 4, 2, 2, 43, 12);
}

namespace {

// Every detailed knob with row-group (free) sync on random models: outputs stay bit-exact (fast
// and interpreter), the tiles are the same, and the knobs only add cycles to the ideal machine.
void all_knobs_random(SyncMode sync, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int slower = 0;
  const int count = 16;
  for (int i = 0; i < count; ++i) {
    GenSpec s = test::random_spec(rng, 30, 16, 7700 + uint64_t(i));
    HwConfig hw = rowgroup_of(random_hw(r(1, 3), r(1, 3), 2 << r(0, 1), 2 << r(0, 1), rng));
    hw.engine.sync = sync;
    const Program prog = compile_program(generate_csb_model(s), hw);
    HwConfig det = detailed_of(hw);
    randomize_detailed(det, rng);
    INFO("case " << i << " " << knobs_of(det.detailed));
    const Run fast = simulate(prog, hw, 2, 800 + uint64_t(i));
    const Run x = simulate(prog, det, 2, 800 + uint64_t(i));
    REQUIRE(fast.error.empty());
    REQUIRE(x.error.empty());
    CHECK(x.y == fast.y);
    const InterpretResult ref =
        interpret(prog, test::random_input(2, prog.input_size, 800 + uint64_t(i), hw.numeric), 2);
    CHECK(x.y == ref.y);
    CHECK(figure(x, "tiles_issued") == figure(fast, "tiles_issued"));
    CHECK(figure(x, "total") >= figure(fast, "total"));
    slower += figure(x, "total") > figure(fast, "total") ? 1 : 0;
  }
  CHECK(slower > count / 2);
}

}  // namespace

TEST_CASE("row-group sync: all detailed knobs on random models", "[sim][detailed]") {
  all_knobs_random(SyncMode::RowGroup, 77);
}

TEST_CASE("free sync: all detailed knobs on random models", "[sim][detailed]") {
  all_knobs_random(SyncMode::Free, 78);
}

TEST_CASE("free sync: detailed == fast, random models and knobs on 2x2 groups of 4x4",
          "[sim][detailed]") {
  random_rowgroup_equality(2, 2, 4, 4, 51, 12, SyncMode::Free);
}

TEST_CASE("free sync: detailed == fast, random models and knobs on 3x2 groups of 2x4",
          "[sim][detailed]") {
  random_rowgroup_equality(3, 2, 2, 4, 52, 12, SyncMode::Free);
}

TEST_CASE("free sync with sharing.carry: detailed == fast, random models and knobs",
          "[sim][detailed]") {
  // the carried schedules (docs/sharing.md "Carry") under the free-sync state machines
  random_rowgroup_equality(2, 2, 4, 4, 53, 12, SyncMode::Free, true);
  random_rowgroup_equality(3, 2, 2, 4, 54, 12, SyncMode::Free, true);
}

// Free sync's NAB-half wait in the VCD (reason 12): on one group (1x1) the analytic
// reduce_wait is that group's own wait, sum over a >= 1 of S(a) - W(a-1) (docs/timing.md "Free
// sync"), so the cycles with reason 12 over one timestep must add up to the analytic
// reduce_wait of all MVMs; one reduction lane and a 40-cycle reduction latency make the
// reductions long enough to wait.
TEST_CASE("free sync: the NAB-half wait in the VCD equals the analytic reduce_wait",
          "[sim][detailed]") {
  HwConfig hw = test::tiny_hw();
  hw.engine.K = hw.engine.L = 1;
  hw.engine.reduce_lanes = 1;
  hw.engine.lat_reduce = 40;
  hw.engine.sync = SyncMode::Free;
  hw.buffers.block_neuron_buffer = 1024;
  const Program p = compile_program(rowgroup_lstm(), hw);  // 4 block-rows: 4 row-groups
  REQUIRE(p.mvms[0].iter_rows >= 3);
  const timing::TimingReport a = timing::analyze(p);
  int64_t want = 0;
  for (const timing::MvmTiming& m : a.mvms) want += m.reduce_wait;
  REQUIRE(want > 0);
  test::TempDir t("freevcd");
  const std::string vcd = (t.path / "f.vcd").string();
  const Run r = simulate(p, detailed_of(hw), 1, 5, vcd);
  REQUIRE(r.error.empty());
  CHECK(figure(r, "engine_cycles") == a.engine_cycles);
  const auto reason = vcd_series(read_text_file(vcd), "reason_0_0");
  int64_t got = 0;
  for (int64_t c = 0; c < figure(r, "total") + 2; ++c) got += vcd_at_cycle_end(reason, c) == 12;
  CHECK(got == want);
}

// Streamed weight images are not modelled with row-group sync: both modes refuse with one line
// naming engine.sync=row-group and the fix (buffers.weight_buffer_kib).
TEST_CASE("row-group sync refuses streamed weights (fast and detailed)", "[sim][detailed]") {
  const HwConfig hw = rowgroup_of(test::tiny_hw());
  Program p = compile_program(test::tiny_lstm(), hw);
  p.hw.buffers.weight_buffer_kib = 0;  // every image streams (as in the streamed hand trace)
  for (const HwConfig& h : {hw, detailed_of(hw)}) {
    const Run r = simulate(p, h, 1, 5);
    CHECK(r.error.find("engine.sync=row-group") != std::string::npos);
    CHECK(r.error.find("buffers.weight_buffer_kib") != std::string::npos);
    CHECK(r.error.find('\n') == std::string::npos);
  }
  const Run ok = simulate(compile_program(test::tiny_lstm(), hw), hw, 1, 5);
  CHECK(ok.error.empty());
}

// The hand trace of "row-group sync hand trace" in the detailed mode with realism knobs:
// detailed.barrier_latency = 2: row-group 0's walks end at 6 (as before), its go comes at 8:
// D(0) = 8, R(1) = 8 (no reduction before it); drain 8-13, reduction 13-16. Row-group 1:
// g2 8 + 4 -> 12, + 1 -> 13; g3 9, + 4 -> 13 (g0, g1 end at 10): last done 13, go 15, D(1) = 7;
// drain 15-20, reduction max(20, 16) + 3 = 23: the MVM lasts 23. Input stall of row-group 0:
// min(E - M, longest input wait) = min(6 - 5, 1) = 1 (every group waits cycle 0 for set 0);
// group 0's barrier idle (8 - 1 - 5) + (7 - 0 - 2) = 7.
// VCD with neuron_load_width = 2 (ready = [2, 4], the second trace above): group (0,1) waits
// for set 0 in cycles S and S+1 (reason 11, S = the MVM's first cycle), issues its 1 tile in
// S+2, waits for set 1 in S+3, issues its 4 tiles in S+4..S+7; group (0,0) issues in S+2..S+6
// and waits for the barrier (6) in S+7 (I(0) = 8).
TEST_CASE("row-group sync detailed hand trace: barrier latency, input wait in the VCD",
          "[sim][detailed]") {
  const HwConfig hw = rowgroup_of(test::tiny_hw());
  const Program p = compile_program(rowgroup_lstm(), hw);
  HwConfig b2 = detailed_of(hw);
  b2.detailed.barrier_latency = 2;
  const Run r = simulate(p, b2, 1, 5);
  REQUIRE(r.error.empty());
  CHECK(figure(r, "engine_cycles") == 23);
  CHECK(r.iterations == std::vector<int64_t>{8, 7});
  CHECK(figure(r, "stall_input_cycles") == 1);
  CHECK(figure(r, "group 0 barrier_idle") == 7);
  CHECK(figure(r, "group 0 busy") == 7);
  test::TempDir t("rgvcd");
  const std::string vcd = (t.path / "d.vcd").string();
  HwConfig w2 = detailed_of(hw);
  w2.engine.neuron_load_width = 2;
  const Run v = simulate(p, w2, 1, 5, vcd);
  REQUIRE(v.error.empty());
  const std::string text = read_text_file(vcd);
  const auto g01 = vcd_series(text, "reason_0_1"), g00 = vcd_series(text, "reason_0_0");
  int64_t S = -1;
  for (int64_t c = 0; c < 200 && S < 0; ++c)
    if (vcd_at_cycle_end(g01, c) == 11) S = c;
  REQUIRE(S >= 0);
  const std::vector<int64_t> want01 = {11, 11, 1, 11, 1, 1, 1, 1};
  const std::vector<int64_t> want00 = {11, 11, 1, 1, 1, 1, 1, 6};
  for (int64_t i = 0; i < 8; ++i) {
    INFO("cycle S + " << i);
    CHECK(vcd_at_cycle_end(g01, S + i) == want01[size_t(i)]);
    CHECK(vcd_at_cycle_end(g00, S + i) == want00[size_t(i)]);
  }
}

// The fast mode's VCD in row-group sync: a group's `busy` follows its walk's issue intervals.
// The hand-traced model with neuron_load_width = 2 (ready = [2, 4]; see the traces above),
// S = the MVM's first cycle (found as the first cycle group (0,0) is busy, S + 2):
//   group (0,1): row-group 0 b0 [S+2, S+3), b1 waits for set 1, [S+4, S+8); row-group 1 starts
//   at R(1) = I(0) = 8: b0 [S+8, S+9), b1 [S+9, S+10): busy 1 0 1 1 1 1 1 1 0 0 from S+2;
//   group (0,0): [S+2, S+7) (4 + 1 tiles back to back), idle in S+7, [S+8, S+10).
TEST_CASE("row-group sync fast VCD: group busy follows the walk (hand-worked)", "[sim][detailed]") {
  HwConfig hw = rowgroup_of(test::tiny_hw());
  hw.engine.neuron_load_width = 2;
  const Program p = compile_program(rowgroup_lstm(), hw);
  test::TempDir t("rgfvcd");
  const std::string vcd = (t.path / "f.vcd").string();
  const Run r = simulate(p, hw, 1, 5, vcd);
  REQUIRE(r.error.empty());
  CHECK(figure(r, "engine_cycles") == 21);
  const std::string text = read_text_file(vcd);
  const auto g00 = vcd_series(text, "busy", "group_0_0"),
             g01 = vcd_series(text, "busy", "group_0_1");
  int64_t S = -1;
  for (int64_t c = 0; c < 200 && S < 0; ++c)
    if (vcd_at_cycle_end(g00, c) == 1) S = c - 2;
  REQUIRE(S >= 0);
  const std::vector<int64_t> want01 = {1, 0, 1, 1, 1, 1, 1, 1, 0, 0};
  const std::vector<int64_t> want00 = {1, 1, 1, 1, 1, 0, 1, 1, 0, 0};
  for (int64_t i = 0; i < 10; ++i) {
    INFO("cycle S + " << 2 + i);
    CHECK(vcd_at_cycle_end(g01, S + 2 + i) == want01[size_t(i)]);
    CHECK(vcd_at_cycle_end(g00, S + 2 + i) == want00[size_t(i)]);
  }
}

namespace {

// A hand-built LSTM (input 4, hidden 2, block 8x4: one block-row, two block-columns) whose only
// weights are a 6x2 kernel in the W_ih block: on 1x3 groups of 2x2 PEs one iteration, group (0,0)
// holding 3 row tiles x 1 col tile = 3 tiles, (0,1) the empty W_hh block, (0,2) nothing.
CsbModel one_kernel_lstm() {
  CsbModel m;
  m.cell = CellType::LSTM;
  m.input_size = 4;
  m.hidden_size = 2;
  CsbLayer L;
  L.w_ih.rows = 8, L.w_ih.cols = 4, L.w_ih.bh = 8, L.w_ih.bw = 4;
  L.w_hh.rows = 8, L.w_hh.cols = 2, L.w_hh.bh = 8, L.w_hh.bw = 4;
  CsbBlock a;
  a.rows = {0, 1, 2, 3, 4, 5};
  a.cols = {0, 1};
  for (int i = 0; i < 12; ++i) a.values.push_back(float(i + 1) / 32.0f);
  L.w_ih.blocks = {a};
  L.w_hh.blocks = {CsbBlock{}};
  L.b_ih.assign(8, 0.125f);
  L.b_hh.assign(8, 0.0f);
  m.layers.push_back(L);
  m.note = "one-kernel LSTM";
  return m;
}

}  // namespace

// Hand-worked (four neighbours on a 1x3 torus, horizontal sharing, iteration sync): with two
// neighbours (0,0) can only give row tiles right: loads (3-a, a, 0), best a = 1: makespan 2.
// With four it gives row tile 0 right to (0,1) and row tile 1 left to (0,2) (its left neighbour,
// l-1 mod 3), keeping row tile 2: loads (1, 1, 1), makespan 1 = ceil(3 / 3). Items: (0,0)
// [local 2x2], (0,1) [from-left 2x2], (0,2) [from-right 2x2] (its right neighbour is (0,0)).
// The one iteration's D(0) is the makespan, nothing else changes (no vertical piece, same
// slices): the four-neighbour run is exactly 1 cycle shorter per timestep, in both modes; the
// outputs are the same.
TEST_CASE("hand trace: four neighbours split one kernel right, left and local (1x3 torus)",
          "[sim][detailed]") {
  HwConfig hw = test::small_hw(1, 3, 2, 2);
  hw.sharing = SharingMode::Horizontal;
  hw.eltwise.stream = false;
  const Program p2 = compile_program(one_kernel_lstm(), hw);
  HwConfig hw4 = hw;
  hw4.sharing_neighbours = 4;
  const Program p4 = compile_program(one_kernel_lstm(), hw4);
  REQUIRE(p4.mvms.size() == 1);
  const MvmProgram& mv = p4.mvms[0];
  REQUIRE(mv.micro.size() == 3);
  auto kinds = [&](int l) {
    std::vector<ItemKind> k;
    for (const MicroItem& it : mv.micro[size_t(l)].items) {
      CHECK(it.rows == 2);
      CHECK(it.cols == 2);
      k.push_back(it.kind);
    }
    return k;
  };
  CHECK(kinds(0) == std::vector<ItemKind>{ItemKind::Local});
  CHECK(kinds(1) == std::vector<ItemKind>{ItemKind::FromLeft});
  CHECK(kinds(2) == std::vector<ItemKind>{ItemKind::FromRight});
  for (const HwConfig* h : {&hw, &hw4}) {
    const Program& p = h == &hw ? p2 : p4;
    const Run fast = simulate(p, *h, 2, 5);
    const Run det = simulate(p, detailed_of(*h), 2, 5);
    REQUIRE(fast.error.empty());
    check_equal(h == &hw ? "two" : "four", fast, det);
    CHECK(fast.iterations == std::vector<int64_t>{h == &hw ? 2 : 1, h == &hw ? 2 : 1});
  }
  const Run f2 = simulate(p2, hw, 2, 5), f4 = simulate(p4, hw4, 2, 5);
  CHECK(figure(f4, "total") == figure(f2, "total") - 2);  // 1 cycle per timestep, 2 timesteps
  CHECK(figure(f4, "engine_cycles") == figure(f2, "engine_cycles") - 2);
  CHECK(f4.y == f2.y);
  CHECK(figure(f4, "group 0 tiles_given_h") == 2 * 2);  // 2 tiles per timestep
  CHECK(figure(f4, "group 1 tiles_received_h") == 2);
  CHECK(figure(f4, "group 2 tiles_received_h") == 2);
}

// eltwise.stream_store + eltwise.inplace_state on the tiny LSTM (tests/compile/test_stream_store
// works it by hand from test_stream.cpp's streamed trace): row-group sync, one row-group, engine
// 13; the chain's 8 stages end at 40 and write h in place; stage 8, storey Y[t][0..2) <- h
// (4 bytes, one burst: 1 cycle), ends at 41. Words: loadx 1, mvm 41: 42 per step, no store word
// and no copy. The fast and the detailed Store units report their issue end when the transfer
// ends; with memory.ideal = false the DRAM latency adds to the stage in both modes alike.
TEST_CASE("stream store hand trace: the tiny LSTM, fast and detailed (in place, row-group)",
          "[sim][detailed]") {
  HwConfig hw = rowgroup_of(test::tiny_hw());
  hw.eltwise.stream = true;
  hw.eltwise.stream_store = true;
  hw.eltwise.inplace_state = true;
  CompileOptions o;
  o.streaming = CompileOptions::Streaming::Always;
  const Program p = compile_program(test::tiny_lstm(), hw, o);
  REQUIRE(p.words.size() == 2);
  REQUIRE(p.resident_inputs);
  REQUIRE(p.mvms[0].stream.stages.back().sections[0].op == Op::StoreY);
  const Run fast = simulate(p, hw, 3, 5);
  const Run det = simulate(p, detailed_of(hw), 3, 5);
  for (const Run* r : {&fast, &det}) {
    REQUIRE(r->error.empty());
    CHECK(figure(*r, "total") == 3 * 42);
    for (int t = 0; t < 3; ++t) CHECK(figure(*r, "step " + std::to_string(t)) == 42);
    CHECK(figure(*r, "engine_cycles") == 3 * 13);
  }
  check_equal("stream store, tiny LSTM", fast, det);
  const auto x = test::random_input(3, p.input_size, 5, hw.numeric);
  CHECK(fast.y == interpret(p, x, 3).y);
  CHECK(fast.y == test::fixed_ref(test::tiny_lstm(), hw.numeric, x, 3));
  // Non-ideal memory: the streamed store waits for its DRAM answer in both modes.
  HwConfig slow = hw;
  slow.memory.ideal = false;
  slow.memory.model = "simple";
  const Run fs = simulate(p, slow, 2, 5);
  const Run ds = simulate(p, detailed_of(slow), 2, 5);
  REQUIRE(fs.error.empty());
  REQUIRE(ds.error.empty());
  CHECK(figure(fs, "total") > 2 * 42);
  CHECK(figure(ds, "total") > 2 * 42);
  REQUIRE(fs.y.size() * 3 == fast.y.size() * 2);  // the first two steps of the same input
  CHECK(std::equal(fs.y.begin(), fs.y.end(), fast.y.begin()));
  CHECK(ds.y == fs.y);
}

TEST_CASE("stream store: a program needing resident inputs is refused under iteration sync",
          "[sim][detailed]") {
  HwConfig hw = rowgroup_of(test::tiny_hw());
  hw.eltwise.stream = true;
  hw.eltwise.inplace_state = true;
  CompileOptions o;
  o.streaming = CompileOptions::Streaming::Always;
  const Program p = compile_program(test::tiny_lstm(), hw, o);
  REQUIRE(p.resident_inputs);
  for (const HwConfig& h : {test::tiny_hw(), detailed_of(test::tiny_hw())}) {
    const Run r = simulate(p, h, 1, 5);
    INFO(r.error);
    CHECK(r.error.find("case: program writes its MVM inputs in place") != std::string::npos);
    CHECK(r.error.find("engine.sync = iteration") != std::string::npos);
    CHECK(r.error.find('\n') == std::string::npos);
  }
  HwConfig fr = hw;
  fr.engine.sync = SyncMode::Free;
  CHECK(simulate(p, fr, 1, 5).error.empty());
}

TEST_CASE("detailed == fast: stream store and in-place state, random models and knobs",
          "[sim][detailed]") {
  std::mt19937_64 rng(91);
  auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  int stored = 0, inplace = 0;
  const SyncMode syncs[] = {SyncMode::Iteration, SyncMode::RowGroup, SyncMode::Free};
  for (int i = 0; i < 15; ++i) {
    GenSpec s = test::random_spec(rng, 30, 16, 9100 + uint64_t(i));
    HwConfig hw = random_hw(r(1, 3), r(1, 3), 2 << r(0, 1), 2 << r(0, 1), rng);
    hw.engine.sync = syncs[i % 3];
    hw.eltwise.stream = true;
    hw.eltwise.stream_store = true;
    hw.eltwise.inplace_state = inputs_resident(hw.engine.sync) && r(0, 3) > 0;
    // both stream issue modes: the Store unit's issue end paces the dataflow picker too
    hw.eltwise.stream_issue = (i / 3) % 2 ? StreamIssue::Dataflow : StreamIssue::Stage;
    CompileOptions o;
    o.streaming = CompileOptions::Streaming::Always;
    const Program prog = compile_program(generate_csb_model(s), hw, o);
    for (const MvmProgram& mv : prog.mvms)
      for (const MacroWord& st : mv.stream.stages) stored += st.sections[0].op == Op::StoreY;
    inplace += prog.resident_inputs;
    const Run fast = simulate(prog, hw, 2, 900 + uint64_t(i));
    const Run det = simulate(prog, detailed_of(hw), 2, 900 + uint64_t(i));
    const std::string what = "case " + std::to_string(i) + " sync " + sync_name(hw.engine.sync);
    check_equal(what, fast, det);
    INFO(what);
    const auto x = test::random_input(2, prog.input_size, 900 + uint64_t(i), hw.numeric);
    CHECK(fast.y == interpret(prog, x, 2).y);
    CHECK(fast.y == test::fixed_ref(generate_csb_model(s), hw.numeric, x, 2));
    CHECK(figure(fast, "total") == 2 * sim::analytic_for(prog, hw).cycles_per_step);
  }
  CHECK(stored > 3);
  CHECK(inplace > 2);
}

TEST_CASE("stream store and in-place state: all detailed knobs on random models",
          "[sim][detailed]") {
  // Every detailed knob (bank ports, FIFOs, scoreboard, links ...) with the store streamed and,
  // under resident inputs, h in place: outputs stay bit-exact (fast, interpreter, reference),
  // the knobs only add cycles.
  std::mt19937_64 rng(93);
  auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const SyncMode syncs[] = {SyncMode::Iteration, SyncMode::RowGroup, SyncMode::Free};
  int stored = 0;
  for (int i = 0; i < 12; ++i) {
    GenSpec s = test::random_spec(rng, 30, 16, 9300 + uint64_t(i));
    HwConfig hw = random_hw(r(1, 3), r(1, 3), 2 << r(0, 1), 2 << r(0, 1), rng);
    hw.engine.sync = syncs[i % 3];
    hw.eltwise.stream = true;
    hw.eltwise.stream_store = true;
    hw.eltwise.inplace_state = inputs_resident(hw.engine.sync);
    CompileOptions o;
    o.streaming = CompileOptions::Streaming::Always;
    const Program prog = compile_program(generate_csb_model(s), hw, o);
    for (const MvmProgram& mv : prog.mvms)
      for (const MacroWord& st : mv.stream.stages) stored += st.sections[0].op == Op::StoreY;
    HwConfig det = detailed_of(hw);
    randomize_detailed(det, rng);
    INFO("case " << i << " sync " << sync_name(hw.engine.sync) << " " << knobs_of(det.detailed));
    const Run fast = simulate(prog, hw, 2, 950 + uint64_t(i));
    const Run x = simulate(prog, det, 2, 950 + uint64_t(i));
    REQUIRE(fast.error.empty());
    REQUIRE(x.error.empty());
    CHECK(x.y == fast.y);
    const auto in = test::random_input(2, prog.input_size, 950 + uint64_t(i), hw.numeric);
    CHECK(x.y == interpret(prog, in, 2).y);
    CHECK(x.y == test::fixed_ref(generate_csb_model(s), hw.numeric, in, 2));
    CHECK(figure(x, "total") >= figure(fast, "total"));
  }
  CHECK(stored > 3);
}

namespace {

// LSTM H = 2, input 2, blocks 1x2 (bh = 1): the Gates grid has 8 block-rows (one gate row of
// one neuron each) and 2 block-columns (x | h), every kernel dense 1x2.
CsbModel two_chunk_lstm() {
  CsbModel m;
  m.cell = CellType::LSTM;
  m.input_size = 2;
  m.hidden_size = 2;
  CsbLayer L;
  L.w_ih.rows = 8, L.w_ih.cols = 2, L.w_ih.bh = 1, L.w_ih.bw = 2;
  L.w_hh.rows = 8, L.w_hh.cols = 2, L.w_hh.bh = 1, L.w_hh.bw = 2;
  for (int br = 0; br < 8; ++br) {
    CsbBlock k;
    k.rows = {0};
    k.cols = {0, 1};
    k.values = {float((br * 3) % 7 - 3) / 8.0f, float((br * 5) % 9 - 4) / 8.0f};
    L.w_ih.blocks.push_back(k);
    k.values = {float((br * 7) % 5 - 2) / 4.0f, float((br * 2) % 7 - 3) / 8.0f};
    L.w_hh.blocks.push_back(k);
  }
  for (int i = 0; i < 8; ++i) {
    L.b_ih.push_back(float(i % 5 - 2) / 16.0f);
    L.b_hh.push_back(float(i % 3 - 1) / 16.0f);
  }
  m.layers.push_back(L);
  m.note = "two-chunk streamed-store LSTM";
  return m;
}

}  // namespace

// Hand-worked (docs/timing.md rules, row-group sync) on 1x2 groups of 2x2 PEs, sharing none,
// default knobs (neuron_load_width 16, pipeline 1 + 1 + 2 + 1 = 5, reduction ceil(1/16) + 2 =
// 3, lanes 16, latencies sum 1, mult 2, sigmoid 3, tanh 3). Group l = 0 holds the x block-column,
// l = 1 the h one: one tile each per row-group (K = 1: row-group a = block-row a). ld(0) = 1.
//   R(0) = 0: walks 1 -> 2, I = 2, D = 7, red_end 10. R(a+1) = max(I(a), red_end(a-1)):
//   R1 = 2: I 3, D 8, red max(8, 10) + 3 = 13.   R2 = 10: I 11, D 16, red 19.
//   R3 = 13: I 14, D 19, red max(19, 19) + 3 = 22.  R4 = 19: D 25, red 28.  R5 = 22: D 28, red 31.
//   R6 = 28: D 34, red 37.  R7 = 31: D 37, red 40. Engine 40.
// Chunks: interleaved block-rows (i0 f0 g0 o0 i1 f1 g1 o1) complete neuron 0 in row-group 3 and
// neuron 1 in row-group 7: chunk_end 0 0 0 1 1 1 1 2; the source order (i0 i1 f0 f1 ...) gives
// 0 0 0 0 0 0 1 2.
// The chain (test_stream.cpp's tiny LSTM, n <= 16; units per stage): 0 biaswb (Sum1) 2;
// 1 biaswb + sigmoid 4; 2 tanh + biaswb 4; 3 mul + sigmoid + biaswb 4; 4 mul + sigmoid 4;
// 5 add (Sum1) 2; 6 tanh 4; 7 mul 3 (27), then stage 8: storey Y[t][lo..hi) <- h[lo..hi) on
// Store, 2 bytes: 1 cycle. Every issue takes 1 cycle; a unit serves its instances chunk-major.
//   interleaved: chunk 0 ready 22: stages start 22 24 28 32 36 40 42 46, done 49; store 49 -> 50.
//     chunk 1 ready 40, but Sum1's chunk-0 add (stage 5) starts at 40 and comes first: stage 0
//     starts 41 (-> 43), then back to back (chunk 0's later instances left their units):
//     43 -> 47 -> 51 -> 55 -> 59 -> 61 -> 65 -> 68; the store 68 -> 69. Stream end 69.
//   source: chunk 0 ready 37: stages start 37 39 43 47 51 55 57 61, done 64; store 64 -> 65.
//     chunk 1 ready 40, but its stage 0 on Sum1 comes after all five of chunk 0's Sum1
//     instances, the last (add) at 55: starts 56 -> 58, then 62 66 70 74 76 80 83; store
//     83 -> 84. Stream end 84: Best keeps the interleaved order.
// In place (the chain writes h, no copy), words loadx (4 bytes: 1) and the Mvm: 1 + 69 = 70 per
// step. Without the store stage: Mvm 68 + storey word 1 + loadx 1 = 70, a tie that goes to the
// store variant: the store word disappears (source order: 1 + 84 against 1 + 83 + 1, a tie too).
TEST_CASE("stream store hand trace: two chunks, the last chunk's store ends the stream",
          "[sim][detailed]") {
  HwConfig hw = rowgroup_of(test::tiny_hw());
  hw.engine.K = 1;
  hw.engine.L = 2;
  hw.eltwise.stream = true;
  hw.eltwise.stream_store = true;
  hw.eltwise.inplace_state = true;
  CompileOptions o;
  o.streaming = CompileOptions::Streaming::Always;
  const Program p = compile_program(two_chunk_lstm(), hw, o);
  REQUIRE(p.words.size() == 2);
  REQUIRE(p.resident_inputs);
  const MvmStream& st = p.mvms[0].stream;
  REQUIRE(st.stages.size() == 9);
  CHECK(st.stages.back().sections[0].op == Op::StoreY);
  CHECK(st.chunk_end.back() == 2);
  const timing::TimingReport t = timing::analyze(p);
  CHECK(t.mvms[0].reduce_end == std::vector<int64_t>{10, 13, 19, 22, 28, 31, 37, 40});
  CHECK(t.mvms[0].engine_cycles == 40);
  CHECK(st.chunk_end == std::vector<uint32_t>{0, 0, 0, 1, 1, 1, 1, 2});
  CHECK(t.mvms[0].stream_end == 69);
  CHECK(t.word_cycles == std::vector<int64_t>{1, 69});
  o.row_order = CompileOptions::RowOrder::Source;
  const Program q = compile_program(two_chunk_lstm(), hw, o);
  REQUIRE(q.words.size() == 2);
  CHECK(q.mvms[0].stream.chunk_end == std::vector<uint32_t>{0, 0, 0, 0, 0, 0, 1, 2});
  CHECK(timing::analyze(q).mvms[0].stream_end == 84);
  const auto x = test::random_input(3, 2, 7, hw.numeric);
  for (const auto& [prog, step] : {std::make_pair(&p, 70), std::make_pair(&q, 85)}) {
    const Run fast = simulate(*prog, hw, 3, 7);
    const Run det = simulate(*prog, detailed_of(hw), 3, 7);
    for (const Run* r : {&fast, &det}) {
      REQUIRE(r->error.empty());
      CHECK(figure(*r, "total") == 3 * step);
      CHECK(figure(*r, "engine_cycles") == 3 * 40);
    }
    check_equal("two-chunk stream store", fast, det);
    CHECK(fast.y == interpret(*prog, x, 3).y);
    CHECK(fast.y == test::fixed_ref(two_chunk_lstm(), hw.numeric, x, 3));
  }
}
namespace {

/// A 2 x `cols` kernel (1 row tile x cols/2 col tiles of 2x2 PEs) in the W_ih block of an LSTM
/// with `cols` inputs (one block per matrix; W_hh empty).
CsbModel one_wide_kernel_lstm(int cols) {
  CsbModel m;
  m.cell = CellType::LSTM;
  m.input_size = cols;
  m.hidden_size = 2;
  CsbLayer L;
  L.w_ih.rows = 8, L.w_ih.cols = cols, L.w_ih.bh = 8, L.w_ih.bw = cols;
  L.w_hh.rows = 8, L.w_hh.cols = 2, L.w_hh.bh = 8, L.w_hh.bw = cols;
  CsbBlock a;
  a.rows = {0, 1};
  for (int c = 0; c < cols; ++c) a.cols.push_back(c);
  for (int i = 0; i < 2 * cols; ++i) a.values.push_back(float(i + 1) / 64.0f);
  L.w_ih.blocks = {a};
  L.w_hh.blocks = {CsbBlock{}};
  L.b_ih.assign(8, 0.125f);
  L.b_hh.assign(8, 0.0f);
  m.layers.push_back(L);
  m.note = "one-wide-kernel LSTM";
  return m;
}

}  // namespace

// Hand-worked (four neighbours, the second horizontal link as a FIFO): the 1x3 split above,
// items (0,0) [local 2x2], (0,1) [from-left 2x2: 2 inputs over the link from (0,0)], (0,2)
// [from-right 2x2: 2 inputs over the leftward link from (0,0)], each 1 tile. With
// detailed.link_width 1 (2 flits per item), link_fifo_depth 1 and link_latency 2, on either link,
// from the iteration's first cycle b: flit 1 sent in b, poppable and popped in b + 2, its credit
// back at the sender in b + 2 + 2 + 1 = b + 5; flit 2 sent in b + 5, popped in b + 7: the item's
// tile issues in b + 7 (the operands bypass into the array), done at b + 8. (0,0) is done at
// b + 1. D = 8 per iteration (ideal: 1), one iteration per timestep. The two receivers wait on
// different links: (0,2)'s flits are in its from-right FIFO (VCD link_fifo_r_0_2: 1 flit in
// cycles b, b + 1, b + 5, b + 6, none in b + 2..b + 4 and b + 7), its from-left FIFO stays empty
// (link_fifo_0_2 = 0), and it waits for the link (reason 3) in b..b + 6 and issues (1) in b + 7.
TEST_CASE("hand trace: four neighbours, the from-right link as a FIFO with credits (1x3 torus)",
          "[sim][detailed]") {
  HwConfig hw = test::small_hw(1, 3, 2, 2);
  hw.sharing = SharingMode::Horizontal;
  hw.eltwise.stream = false;
  hw.sharing_neighbours = 4;
  const Program p = compile_program(one_kernel_lstm(), hw);
  REQUIRE(p.mvms.size() == 1);
  REQUIRE(p.mvms[0].micro.size() == 3);
  REQUIRE(p.mvms[0].micro[2].items.size() == 1);
  REQUIRE(p.mvms[0].micro[2].items[0].kind == ItemKind::FromRight);
  REQUIRE(p.mvms[0].micro[1].items[0].kind == ItemKind::FromLeft);
  const Run fast = simulate(p, hw, 2, 5);
  CHECK(fast.iterations == std::vector<int64_t>{1, 1});
  HwConfig det = detailed_of(hw);
  det.detailed.link_width = 1;
  det.detailed.link_fifo_depth = 1;
  det.detailed.link_latency = 2;
  const std::string vcd = "/tmp/csbrnn_four_hlink_" + std::to_string(::getpid()) + ".vcd";
  const Run x = simulate(p, det, 2, 5, vcd);
  REQUIRE(x.error.empty());
  CHECK(x.iterations == std::vector<int64_t>{8, 8});
  CHECK(x.y == fast.y);
  CHECK(figure(x, "group 2 tiles_received_h") == 2);
  CHECK(figure(x, "group 0 tiles_given_h") == 4);
  const std::string text = read_text_file(vcd);
  std::remove(vcd.c_str());
  const auto reason = vcd_series(text, "reason_0_2"), fr = vcd_series(text, "link_fifo_r_0_2"),
             fl = vcd_series(text, "link_fifo_0_2");
  int64_t b = -1;  // the first cycle (0,2) waits for its link
  for (int64_t c = 0; c < 200 && b < 0; ++c)
    if (vcd_at_cycle_end(reason, c) == 3) b = c;
  REQUIRE(b >= 0);
  for (int64_t j = 0; j <= 6; ++j) CHECK(vcd_at_cycle_end(reason, b + j) == 3);
  CHECK(vcd_at_cycle_end(reason, b + 7) == 1);
  const int64_t flits[8] = {1, 1, 0, 0, 0, 1, 1, 0};
  for (int64_t j = 0; j < 8; ++j) {
    INFO("cycle b + " << j);
    CHECK(vcd_at_cycle_end(fr, b + j) == flits[j]);
    CHECK(vcd_at_cycle_end(fl, b + j) == 0);
  }
}

// Hand-worked (four neighbours, the second vertical path with accumulator ports and credits): a
// 2x12 kernel (6 col tiles) at (0,0) of a 3x1 torus of 2x2 PEs, vertical sharing,
// max_vertical_fraction 0.7 (V <= 8 cols = 4 col tiles): (0,0) keeps 2 col tiles (local), gives
// 2 down to (1,0) (from-up items: sums up into (0,0)'s NAB over the first vertical path) and 2 up
// to (2,0) (from-down: sums down into (0,0)'s NAB, (2,0)'s lower neighbour on the torus, over
// the second one). Makespan 2 (ideal D(0) = 2; D(1) = 0: the empty W_hh iteration). Default
// pipeline: local path 5 stages, vertical path 6 (+1); a tile issued in c is in stage i in c + i
// and leaves the pipeline at the start of cycle c + depth, where its result takes an
// accumulator port (a local one) or enters its holding FIFO (a vertical one), written by a
// port that cycle at the earliest. Every group issues in b and b + 1 when nothing stalls. The
// drain (docs/simulator.md) is over when every drain marker has left (the last iteration, W_hh,
// is empty: every marker takes the local path, put in at the go G it leaves at the start of
// G + 5) and the holding FIFOs are empty. Ideal: go at b + 2, drain over at b + 7.
//  (A) accum_ports 1: local results take (0,0)'s port in b + 5, b + 6; vertical results enter
//      the two FIFOs of (0,0): 1 + 1 in b + 6 (no port left), 1 + 1 more in b + 7; the one port
//      serves them alternately, from below first: b + 7, 8, 9, 10. D(0) stays 2 (no FIFO held
//      2 at a cycle start before b + 7, when the groups are done); the drain waits for the FIFOs
//      until b + 11: 4 cycles more per timestep.
//  (B) vlink_fifo_depth 1 (1 flit per tile): (1,0) and (2,0) each take their link's one credit
//      in b; it is back 7 cycles later (sums written at the end of b + 5, credit usable in
//      b + 7): their second tiles issue in b + 7, done b + 8: D(0) = 8; go at b + 8, drain over
//      at b + 13: 6 cycles more per timestep, all of it D(0).
//  (C) both: the credits come back vertical_path + 1 = 2 cycles after a port writes the sums.
//      Vertical results of b enter the FIFOs in b + 6, the port is (0,0)'s own local write's
//      (b + 1's tile) in b + 6: from below written in b + 7 (credit of (1,0) usable b + 9), from
//      above in b + 8 ((2,0): b + 10). Second tiles issue in b + 9 and b + 10: D(0) = 11, go at
//      b + 11, markers gone at b + 16; (1,0)'s last result is written in b + 15 (the port is
//      free), (2,0)'s is still on its vertical path at b + 16 (the drain does not wait for it:
//      docs/simulator.md, not modelled: the link time of the row-group's last vertical tile):
//      drain over at b + 16, 9 cycles more per timestep.
// The outputs are the fast run's.
TEST_CASE("hand trace: four neighbours, the second vertical path with accum ports and credits",
          "[sim][detailed]") {
  HwConfig hw = test::small_hw(3, 1, 2, 2);
  hw.sharing = SharingMode::Vertical;
  hw.eltwise.stream = false;
  hw.sharing_neighbours = 4;
  hw.max_vertical_fraction = 0.7;
  REQUIRE(hw.engine.pipeline_depth() == 5);
  REQUIRE(hw.engine.lat_vertical_path == 1);
  REQUIRE(hw.engine.lat_accumulate == 1);
  const Program p = compile_program(one_wide_kernel_lstm(12), hw);
  REQUIRE(p.mvms.size() == 1);
  const MvmProgram& mv = p.mvms[0];
  REQUIRE(mv.micro.size() == 6);  // 2 iterations x 3 groups
  const ItemKind want[3] = {ItemKind::Local, ItemKind::FromUp, ItemKind::FromDown};
  for (int g = 0; g < 3; ++g) {
    REQUIRE(mv.micro[size_t(g)].items.size() == 1);
    CHECK(mv.micro[size_t(g)].items[0].kind == want[g]);
    CHECK(mv.micro[size_t(g)].items[0].cols == 4);
  }
  const Run fast = simulate(p, hw, 2, 5);
  const Run ideal = simulate(p, detailed_of(hw), 2, 5);
  check_equal("ideal", fast, ideal);
  CHECK(ideal.iterations == std::vector<int64_t>{2, 0, 2, 0});
  auto run = [&](int ports, int vdepth) {
    HwConfig d = detailed_of(hw);
    d.detailed.accum_ports = ports;
    d.detailed.vlink_fifo_depth = vdepth;
    const Run x = simulate(p, d, 2, 5);
    REQUIRE(x.error.empty());
    CHECK(x.y == fast.y);
    CHECK(figure(x, "group 0 tiles_given_v") == 2 * 4);
    CHECK(figure(x, "group 1 tiles_received_v") == 2 * 2);
    CHECK(figure(x, "group 2 tiles_received_v") == 2 * 2);
    return x;
  };
  const int64_t e0 = figure(ideal, "engine_cycles");
  const Run a = run(1, 0);
  CHECK(a.iterations == std::vector<int64_t>{2, 0, 2, 0});
  CHECK(figure(a, "engine_cycles") == e0 + 2 * 4);
  const Run b = run(0, 1);
  CHECK(b.iterations == std::vector<int64_t>{8, 0, 8, 0});
  CHECK(figure(b, "engine_cycles") == e0 + 2 * 6);
  const Run c = run(1, 1);
  CHECK(c.iterations == std::vector<int64_t>{11, 0, 11, 0});
  CHECK(figure(c, "engine_cycles") == e0 + 2 * 9);
}
