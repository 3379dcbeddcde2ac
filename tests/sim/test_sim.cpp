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

namespace {

// Items of a program given to a left or upper neighbour (sharing.neighbours = 4).
int64_t four_neighbour_items(const Program& p) {
  int64_t n = 0;
  for (const auto& m : p.mvms)
    for (const auto& gi : m.micro)
      for (const MicroItem& it : gi.items)
        n += it.kind == ItemKind::FromRight || it.kind == ItemKind::FromDown;
  return n;
}

}  // namespace

TEST_CASE("bit-exact and cycle-exact: four neighbours, random models and sync modes (3x3 of 2x4)",
          "[sim]") {
  // sharing.neighbours = 4: outputs equal the interpreter's, cycles and counters the analytic
  // model's, under each sync mode; the programs do give pieces left and up.
  std::mt19937_64 rng(77);
  HwConfig base = test::small_hw(3, 3, 2, 4);
  base.sharing_neighbours = 4;
  base.buffers.block_neuron_buffer = 1024;
  std::vector<Case> cases;
  int64_t four = 0;
  for (int i = 0; i < 18; ++i) {
    GenSpec s = test::random_spec(rng, 30, 16, 7000 + uint64_t(i));
    HwConfig hw = base;
    hw.sharing = kModes[1 + i % 3];
    hw.engine.sync = i % 3 == 0   ? SyncMode::Iteration
                     : i % 3 == 1 ? SyncMode::RowGroup
                                  : SyncMode::Free;
    hw.eltwise.stream = i % 2 == 0;
    test::randomize_timing(hw, rng);
    cases.push_back({compile_program(generate_csb_model(s), hw), hw});
    four += four_neighbour_items(cases.back().prog);
  }
  CHECK(four > 0);
  std::vector<sim::SimJob> jobs(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    jobs[i].prog = &cases[i].prog;
    jobs[i].origin = "four" + std::to_string(i);
    jobs[i].steps = 2;
    jobs[i].x = test::random_input(2, cases[i].prog.input_size, 800 + i, base.numeric);
    jobs[i].hw = cases[i].hw;
  }
  sim::simulate_jobs(base, jobs, {});
  for (size_t i = 0; i < jobs.size(); ++i) test::check_job(jobs[i], cases[i].hw);
}
