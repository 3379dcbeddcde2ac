// SystemC model: bit-exact with the interpreter, cycle-exact with the analytic model (ideal
// memory), counters consistent. Each TEST_CASE elaborates once and runs many jobs back to back.
#include "sim_test_util.h"

using namespace csbrnn;

namespace {

const SharingMode kModes[] = {SharingMode::None, SharingMode::Horizontal, SharingMode::Vertical,
                              SharingMode::TwoD};

using Case = test::SimCase;

}  // namespace

TEST_CASE("bit-exact and cycle-exact: LSTM, GRU, LSTMP x sharing modes x odd shapes", "[sim]") {
  const HwConfig base = test::small_hw(2, 3, 2, 4);
  std::vector<Case> cases = test::cell_mode_cases(base, 6, 1);
  std::vector<sim::SimJob> jobs(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    jobs[i].prog = &cases[i].prog;
    jobs[i].origin = "case" + std::to_string(i);
    jobs[i].steps = 3;
    jobs[i].x = test::random_input(3, cases[i].prog.input_size, 100 + i, base.numeric);
    jobs[i].hw = cases[i].hw;
  }
  sim::simulate_jobs(base, jobs, {});
  for (size_t i = 0; i < jobs.size(); ++i) test::check_job(jobs[i], cases[i].hw);
}

TEST_CASE("cycle-exact over random models and timing knobs (4x4 groups of 4x4)", "[sim]") {
  std::mt19937_64 rng(7);
  const HwConfig base = test::small_hw(4, 4, 4, 4);
  std::vector<Case> cases;
  for (int i = 0; i < 24; ++i) {
    GenSpec s = test::random_spec(rng, 30, 16, 1000 + i);
    auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    HwConfig hw = base;
    hw.sharing = kModes[r(0, 3)];
    test::randomize_timing(hw, rng);
    cases.push_back({compile_program(generate_csb_model(s), hw), hw});
  }
  std::vector<sim::SimJob> jobs(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    jobs[i].prog = &cases[i].prog;
    jobs[i].origin = "random" + std::to_string(i);
    jobs[i].steps = 2;
    jobs[i].x = test::random_input(2, cases[i].prog.input_size, 500 + i, base.numeric);
    jobs[i].hw = cases[i].hw;
  }
  sim::simulate_jobs(base, jobs, {});
  for (size_t i = 0; i < jobs.size(); ++i) test::check_job(jobs[i], cases[i].hw);
}
