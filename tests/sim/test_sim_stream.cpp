// SystemC model with eltwise.stream: bit-exact with the interpreter (hence the reference), and
// cycle-exact with the analytic model's streaming rule over random models and timing knobs.
#include "isa/stream.h"
#include "sim_test_util.h"

using namespace csbrnn;

namespace {

const SharingMode kModes[] = {SharingMode::None, SharingMode::Horizontal, SharingMode::Vertical,
                              SharingMode::TwoD};

CompileOptions always() {  // every layer streamed (the rule under test)
  CompileOptions o;
  o.streaming = CompileOptions::Streaming::Always;
  return o;
}

using Case = test::SimCase;

void run_cases(std::vector<Case>& cases, const HwConfig& base, int steps) {
  std::vector<sim::SimJob> jobs(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    jobs[i].prog = &cases[i].prog;
    jobs[i].origin = "stream" + std::to_string(i);
    jobs[i].steps = steps;
    jobs[i].x = test::random_input(steps, cases[i].prog.input_size, 300 + i, base.numeric);
    jobs[i].hw = cases[i].hw;
  }
  sim::simulate_jobs(base, jobs, {});
  int streamed_after_engine = 0, overlapped = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    for (const MvmProgram& mv : cases[i].prog.mvms) REQUIRE_FALSE(mv.stream.empty());
    test::check_job(jobs[i], cases[i].hw);
    const timing::TimingReport a = sim::analytic_for(cases[i].prog, cases[i].hw);
    for (const auto& m : a.mvms) {
      streamed_after_engine += m.stream_end > m.engine_cycles;
      // Chunks run one at a time would end at `serial`: the pipelined rule really overlaps.
      const MvmStream& st = cases[i].prog.mvms[size_t(m.mvm)].stream;
      int64_t serial = 0;
      for (size_t r = 0; r < m.reduce_end.size(); ++r) {
        const int64_t n = st.chunk_end[r] - stream_chunk_lo(st, int(r));
        if (n > 0)
          serial =
              std::max(serial, m.reduce_end[r]) + timing::stream_chunk_cycles(cases[i].hw, st, n);
      }
      overlapped += m.stream_end < serial;
    }
  }
  CHECK(streamed_after_engine > 0);  // the stream decides some section ends (rule exercised)
  CHECK(overlapped > 0);             // chunks overlap on the element-wise units
}

}  // namespace

TEST_CASE("stream: bit-exact and cycle-exact, LSTM, GRU, LSTMP x sharing modes", "[sim]") {
  HwConfig base;
  base.engine.K = 2;
  base.engine.L = 3;
  base.engine.P = 2;
  base.engine.Q = 4;
  base.buffers.vector_buffer = 4096;
  base.eltwise.stream = true;
  std::vector<Case> cases = test::cell_mode_cases(base, 3, 0, always());
  run_cases(cases, base, 3);
}

TEST_CASE("stream: cycle-exact over random models and timing knobs (4x4 groups of 4x4)", "[sim]") {
  std::mt19937_64 rng(11);
  HwConfig base;
  base.buffers.vector_buffer = 4096;
  base.eltwise.stream = true;
  std::vector<Case> cases;
  for (int i = 0; i < 24; ++i) {
    GenSpec s = test::random_spec(rng, 40, 12, 2000 + i);
    auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    HwConfig hw = base;
    hw.sharing = kModes[r(0, 3)];
    test::randomize_timing(hw, rng);
    cases.push_back({compile_program(generate_csb_model(s), hw, always()), hw});
  }
  run_cases(cases, base, 2);
}

// eltwise.stream_issue = dataflow: the controller's event-driven list schedule (decisions taken
// once every event of a cycle is in) against the analytic schedule, and bit-exact outputs.
TEST_CASE("stream: dataflow issue bit-exact and cycle-exact, LSTM, GRU, LSTMP x sharing modes",
          "[sim]") {
  HwConfig base;
  base.engine.K = 2;
  base.engine.L = 3;
  base.engine.P = 2;
  base.engine.Q = 4;
  base.buffers.vector_buffer = 4096;
  base.eltwise.stream = true;
  base.eltwise.stream_issue = StreamIssue::Dataflow;
  std::vector<Case> cases = test::cell_mode_cases(base, 3, 0, always());
  run_cases(cases, base, 3);
}

TEST_CASE("stream: dataflow issue cycle-exact over random models and timing knobs", "[sim]") {
  std::mt19937_64 rng(11);  // the cases of the stage-issue test above, issued dataflow
  HwConfig base;
  base.buffers.vector_buffer = 4096;
  base.eltwise.stream = true;
  base.eltwise.stream_issue = StreamIssue::Dataflow;
  std::vector<Case> cases;
  int faster = 0;
  for (int i = 0; i < 24; ++i) {
    GenSpec s = test::random_spec(rng, 40, 12, 2000 + i);
    auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    HwConfig hw = base;
    hw.sharing = kModes[r(0, 3)];
    test::randomize_timing(hw, rng);
    cases.push_back({compile_program(generate_csb_model(s), hw, always()), hw});
    HwConfig stage = hw;
    stage.eltwise.stream_issue = StreamIssue::Stage;
    const timing::TimingReport d = sim::analytic_for(cases.back().prog, hw);
    const timing::TimingReport g = sim::analytic_for(cases.back().prog, stage);
    for (size_t m = 0; m < d.mvms.size(); ++m)
      faster += d.mvms[m].stream_end < g.mvms[m].stream_end;
  }
  CHECK(faster > 0);  // dataflow ends some streams earlier than stage issue
  run_cases(cases, base, 2);
}

namespace {

// Random models with the final store streamed (and, under resident inputs, h in place): the
// simulator equals the interpreter bit for bit and the analytic model cycle for cycle
// (check_job); some programs do store in their stream, and some do write h in place.
void store_cases(SyncMode sync, uint64_t seed) {
  std::mt19937_64 rng(seed);
  HwConfig base;
  base.buffers.vector_buffer = 4096;
  base.eltwise.stream = true;
  base.engine.sync = sync;
  std::vector<Case> cases;
  int stored = 0, inplace = 0;
  for (int i = 0; i < 24; ++i) {
    GenSpec s = test::random_spec(rng, 40, 12, seed * 100 + uint64_t(i));
    auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    HwConfig hw = base;
    hw.sharing = kModes[r(0, 3)];
    test::randomize_timing(hw, rng);
    hw.eltwise.stream_store = true;
    hw.eltwise.inplace_state = inputs_resident(sync) && r(0, 2) > 0;
    hw.eltwise.stream_issue = i % 2 ? StreamIssue::Dataflow : StreamIssue::Stage;
    cases.push_back({compile_program(generate_csb_model(s), hw, always()), hw});
    for (const MvmProgram& mv : cases.back().prog.mvms)
      for (const MacroWord& st : mv.stream.stages) stored += st.sections[0].op == Op::StoreY;
    inplace += cases.back().prog.resident_inputs;
  }
  CHECK(stored > 3);
  if (inputs_resident(sync)) CHECK(inplace > 3);
  run_cases(cases, base, 2);
}

}  // namespace

TEST_CASE("stream store: bit-exact and cycle-exact over random models (iteration sync)", "[sim]") {
  store_cases(SyncMode::Iteration, 81);
}

TEST_CASE("stream store and in-place state: bit-exact and cycle-exact (row-group sync)", "[sim]") {
  store_cases(SyncMode::RowGroup, 62);
}

TEST_CASE("stream store and in-place state: bit-exact and cycle-exact (free sync)", "[sim]") {
  store_cases(SyncMode::Free, 73);
}
