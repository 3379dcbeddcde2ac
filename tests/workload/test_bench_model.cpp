// Benchmark models (compile/model_gen.h benchmark_csb_model): the prune area's generator + CSB
// pruning at the paper's rate, the one path of simulate bench:, compile --bench, fig12.
#include <catch2/catch.hpp>
#include <random>

#include "common/error.h"
#include "compile/compiler.h"
#include "compile/fixed_ref.h"
#include "isa/interpreter.h"
#include "support/test_util.h"
#include "workload/bench_model.h"
#include "workload/model_spec.h"

using namespace csbrnn;

TEST_CASE("benchmark model: paper rate and block, narrow input re-labelled, bit-exact program",
          "[compile][bench]") {
  // SR4: GRU 39 -> 256, 1 layer, paper rate 23; block 64 makes W_ih (39 columns) narrower than
  // the block, the case that is pruned with a matrix-wide block and re-labelled.
  const ModelSpec spec = load_model_spec("sr4");
  BenchModelOptions bo;
  bo.block = 64;
  const CsbModel m = benchmark_csb_model("sr4", bo);
  REQUIRE(m.cell == CellType::GRU);
  REQUIRE(m.layers.size() == 1);
  const CsbMatrix& ih = m.layers[0].w_ih;
  CHECK(ih.cols == 39);
  CHECK(ih.bw == 64);  // pruned with a 39-wide block, re-labelled to the block width
  CHECK(ih.bh == 64);
  CHECK(m.layers[0].w_hh.bw == 64);
  // Every matrix keeps about 1/rate of its weights (the projection rounds per segment).
  for (const CsbMatrix* c : {&ih, &m.layers[0].w_hh}) {
    size_t kept = 0;
    for (const CsbBlock& b : c->blocks) kept += size_t(b.kr()) * b.kc();
    const double rate = double(size_t(c->rows) * c->cols) / double(kept);
    INFO("rate " << rate << " paper " << spec.paper_rate);
    CHECK(rate > 0.8 * spec.paper_rate);
    CHECK(rate < 1.25 * spec.paper_rate);
  }
  // Deterministic; another seed gives other weights.
  const CsbModel again = benchmark_csb_model("sr4", bo);
  CHECK(again.layers[0].w_hh.blocks[0].values == m.layers[0].w_hh.blocks[0].values);
  bo.seed = 2;
  const CsbModel other = benchmark_csb_model("sr4", bo);
  CHECK(other.layers[0].w_hh.blocks[0].values != m.layers[0].w_hh.blocks[0].values);
  // The compiled program computes what the fixed-point reference computes.
  HwConfig hw;
  const Program p = compile_program(m, hw);
  const int T = 2;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<int16_t> x(size_t(T) * 39);
  for (auto& v : x) v = fx::quantize(u(rng), hw.numeric.af);
  const auto y = interpret(p, x, T).y;
  const auto ref = test::fixed_ref(m, hw.numeric, x, T);
  REQUIRE(y.size() == ref.size());
  CHECK(y == ref);
  size_t nonzero = 0;
  for (int16_t v : y) nonzero += v != 0;
  CHECK(nonzero > y.size() / 2);
}

TEST_CASE("benchmark model: unknown name and bad rate refused in one line", "[compile][bench]") {
  CHECK_THROWS_AS(benchmark_csb_model("nosuchmodel"), Error);
  BenchModelOptions bo;
  bo.rate = 0.5;
  CHECK_THROWS_AS(benchmark_csb_model("sr4", bo), Error);
  const auto r = test::run_cli("compile --bench nosuchmodel -o /dev/null");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("nosuchmodel") != std::string::npos);
}
