// prune --permute through the machine: a permuted model compiles and simulates as just another
// CSB model (simulated == interpreter == analytic, check_job) and its Y, read out through the
// Store path's index table (Program::output_perm), equals the fixed-point reference of the
// UNPERMUTED model bit for bit.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>

#include "model/csb.h"
#include "prune/permute.h"
#include "reference/fixed_rnn.h"
#include "sim/sim_test_util.h"
#include "support/random_permutation.h"

using namespace csbrnn;

namespace {

struct PermCase {
  Program prog;
  HwConfig hw;
  RnnModel original;  // the unpermuted model whose reference Y must come out
};

void run_and_check(std::vector<PermCase>& cases, const HwConfig& base) {
  std::vector<sim::SimJob> jobs(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    jobs[i].prog = &cases[i].prog;
    jobs[i].origin = "case" + std::to_string(i);
    jobs[i].steps = 4;
    jobs[i].x = test::random_input(4, cases[i].prog.input_size, 300 + i, base.numeric);
    jobs[i].hw = cases[i].hw;
  }
  sim::simulate_jobs(base, jobs, {});
  for (size_t i = 0; i < jobs.size(); ++i) {
    INFO("case " << i);
    REQUIRE(!cases[i].prog.output_perm.empty());
    test::check_job(jobs[i], cases[i].hw);
    const QuantizedModel q = quantize_model(cases[i].original, base.numeric);
    CHECK(jobs[i].y == run_fixed_rnn(q, jobs[i].x, jobs[i].steps).output);
  }
}

}  // namespace

TEST_CASE(
    "permuted models: machine Y == the unpermuted model's reference, cycle-exact (random "
    "permutations)",
    "[sim][permute]") {
  const HwConfig base = test::small_hw(2, 3, 2, 4);
  std::vector<PermCase> cases;
  uint64_t seed = 40;
  for (CellType cell : {CellType::LSTM, CellType::GRU})
    for (int proj : {0, 5})
      for (SharingMode mode : {SharingMode::None, SharingMode::TwoD}) {
        if (cell == CellType::GRU && proj) continue;
        GenSpec s;
        s.cell = cell;
        s.input_size = 13;
        s.hidden_size = 11;
        s.proj_size = proj;
        s.layers = 2;
        s.bh = 4;
        s.bw = 5;
        s.seed = ++seed;
        const RnnModel m = csb_model_to_dense(generate_csb_model(s));
        const RnnModel q = permute_model(m, test::random_permutation(m, seed));
        HwConfig hw = base;
        hw.sharing = mode;
        cases.push_back({compile_program(dense_model_to_csb(q, 4, 5), hw), hw, m});
      }
  run_and_check(cases, base);
}

TEST_CASE(
    "permuted models: prune with the balance permutation, machine Y == reference of the "
    "same pruned model in the original order",
    "[sim][permute]") {
  const HwConfig base = test::small_hw(2, 2, 2, 2);
  std::vector<PermCase> cases;
  uint64_t seed = 70;
  for (CellType cell : {CellType::LSTM, CellType::GRU})
    for (int proj : {0, 6}) {
      if (cell == CellType::GRU && proj) continue;
      GenSpec s;
      s.cell = cell;
      s.input_size = 9;
      s.hidden_size = 16;
      s.proj_size = proj;
      s.layers = 2;
      s.bh = 4;
      s.bw = 4;
      s.keep_row = s.keep_col = 1.0;  // dense weights
      s.seed = ++seed;
      const RnnModel dense = csb_model_to_dense(generate_csb_model(s));
      ModelPruneOptions o;
      o.base.rate = 3;
      o.base.block = {4, 4};
      const BalanceResult b = balance_permutation(dense, o);
      const ModelPrune mp = prune_model(permute_model(dense, b.perm), o);
      // The pruned model in the original order: what the machine's Y must match.
      const RnnModel original = permute_model(mp.pruned, inverse_permutation(b.perm));
      REQUIRE(original.output_perm.empty());
      HwConfig hw = base;
      hw.sharing = SharingMode::TwoD;
      cases.push_back({compile_program(pruned_to_csb_model(mp, "t"), hw), hw, original});
    }
  run_and_check(cases, base);
}
