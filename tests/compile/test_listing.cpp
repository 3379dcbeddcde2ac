// Hand-worked listings, images and cycles of the tiny LSTM (tiny_model.h).
#include <catch2/catch.hpp>

#include "compile/compiler.h"
#include "fixed_ref.h"
#include "isa/interpreter.h"
#include "isa/program_io.h"
#include "timing/analytic.h"
#include "tiny_model.h"

using namespace csbrnn;

namespace {
std::string words_part(const std::string& listing) {
  return listing.substr(listing.find("word 0:"));
}
}  // namespace

TEST_CASE("tiny LSTM: macro listing derived by hand", "[compile][listing]") {
  const Program p = compile_program(test::tiny_lstm(), test::tiny_hw());
  // Allocation (bank with most free space, first on ties): x A[0..4), h B[0..2), c C[0..2),
  // pre D[0..8), gates E[0..8), f*c B[2..4), i*g C[2..4), tanh(c) A[4..6).
  // ASAP words: 0 loadx; 1 mvm (reads x); 2 biaswb; 3 sigmoid(i,f) + tanh(g); 4 sigmoid(o)
  // (sigmoid unit busy in 3) + f*c + i*g (need gates of word 3); 5 c' = f*c + i*g;
  // 6 tanh(c'); 7 h = o * tanh(c'); 8 store.
  const std::string expect =
      "word 0:\n"
      "  load    loadx   A[0] <- X[t][0]  n=4\n"
      "word 1:\n"
      "  engine  mvm     Acc[0] <- mvm 0  n=8\n"
      "word 2:\n"
      "  sum1    biaswb  D[0] <- Acc[0], Bias[0]  n=8\n"
      "word 3:\n"
      "  sigmoid sigmoid E[0] <- D[0]  n=4\n"
      "  tanh    tanh    E[4] <- D[4]  n=2\n"
      "word 4:\n"
      "  sigmoid sigmoid E[6] <- D[6]  n=2\n"
      "  mult1   mul     B[2] <- E[2], C[0]  n=2\n"
      "  mult2   mul     C[2] <- E[0], E[4]  n=2\n"
      "word 5:\n"
      "  sum1    add     C[0] <- B[2], C[2]  n=2\n"
      "word 6:\n"
      "  tanh    tanh    A[4] <- C[0]  n=2\n"
      "word 7:\n"
      "  mult1   mul     B[0] <- E[6], A[4]  n=2\n"
      "word 8:\n"
      "  store   storey  Y[t][0] <- B[0]  n=2\n";
  CHECK(words_part(disassemble(p)) == expect);
}

TEST_CASE("tiny LSTM: micro-items and images derived by hand", "[compile][listing]") {
  const Program p = compile_program(test::tiny_lstm(), test::tiny_hw());
  REQUIRE(p.mvms.size() == 1);
  const MvmProgram& m = p.mvms[0];
  CHECK(m.BR == 2);
  CHECK(m.BC == 2);
  CHECK(m.iter_rows == 1);
  CHECK(m.iter_cols == 1);
  CHECK(m.useful_macs == 16 + 4 + 2 + 4);
  CHECK(m.row_dest == std::vector<uint32_t>{0, 1, 2, 3, 4, 5, 6, 7});
  DisasmOptions o;
  o.micro = true;
  const std::string l = disassemble(p, o);
  const std::string micro = l.substr(l.find("mvm 0 iteration (0,0):"));
  CHECK(micro ==
        "mvm 0 iteration (0,0):\n"
        "  group (0,0) share none: [local 4x4 idx@0 w@0 tiles 4]\n"
        "  group (0,1) share none: [local 2x2 idx@0 w@0 tiles 1]\n"
        "  group (1,0) share none: [local 1x2 idx@0 w@0 tiles 1]\n"
        "  group (1,1) share none: [local 4x1 idx@0 w@0 tiles 2]\n");
  // Group (0,0): 4 tiles, column tile outer, row tile inner; value (4r+c+1)*64 at 12 bits.
  const GroupImage& g00 = m.images[0];
  CHECK(g00.index == std::vector<uint16_t>{0, 1, 2, 3, 0, 1, 2, 3});
  CHECK(g00.weights == std::vector<int16_t>{64, 128, 320, 384,      // ct 0, rt 0
                                            576, 640, 832, 896,     // ct 0, rt 1
                                            192, 256, 448, 512,     // ct 1, rt 0
                                            704, 768, 960, 1024});  // ct 1, rt 1
  // Group (1,0): row 1, cols 0 and 3; one tile [0.5 -0.25; pad].
  CHECK(m.images[2].index == std::vector<uint16_t>{1, 0, 3});
  CHECK(m.images[2].weights == std::vector<int16_t>{2048, -1024, 0, 0});
  // Group (1,1): rows 0..3, col 1; two row tiles of one column tile, column q=1 padding.
  CHECK(m.images[3].index == std::vector<uint16_t>{0, 1, 2, 3, 1});
  CHECK(m.images[3].weights == std::vector<int16_t>{-4096, 0, 2048, 0, 1024, 0, -3072, 0});
  // Bias: q(b_ih + b_hh) at 24 bits for the 8 gate rows.
  REQUIRE(p.bias.size() == 8);
  CHECK(p.bias[0] == fx::quantize_acc(double(0.1f) + 0.0, 24));
}

TEST_CASE("tiny LSTM: analytic cycles derived by hand", "[compile][timing]") {
  const Program p = compile_program(test::tiny_lstm(), test::tiny_hw());
  const timing::TimingReport r = timing::analyze(p);
  // Engine: slices are 4 and 2 wide, neuron_load_width 16 -> ld = 1. One iteration, loads
  // 4,1,1,2 -> M = 4, no next load. t = 1 + 4 = 5; drain = pipeline depth 1+1+2+1 = 5 (no
  // vertical) -> 10; reduction ceil(4/16) + 2 = 3 -> 13.
  REQUIRE(r.mvms.size() == 1);
  CHECK(r.mvms[0].engine_cycles == 13);
  CHECK(r.mvms[0].issue_cycles == 4);
  CHECK(r.mvms[0].tiles == 8);
  CHECK(r.mvms[0].pe_utilization == Approx(26.0 / (16 * 13)));
  CHECK(r.mvms[0].group_occupancy == Approx(8.0 / (4 * 13)));
  CHECK(r.mvms[0].imbalance == Approx(4.0 / 2.0));
  CHECK(r.mvms[0].groups[1].barrier_idle == 3);
  // Words (lanes 16, latencies sum 1, mult 2, sigmoid/tanh 3, burst 64 B):
  // 0 loadx 8 B -> 1; 1 mvm 13; 2 biaswb 8 -> 1+1 = 2; 3 sigmoid 4 / tanh 2 -> 4;
  // 4 sigmoid 2 (4) / mul (3) -> 4; 5 add -> 2; 6 tanh -> 4; 7 mul -> 3; 8 store 4 B -> 1.
  CHECK(r.word_cycles == std::vector<int64_t>{1, 13, 2, 4, 4, 2, 4, 3, 1});
  CHECK(r.cycles_per_step == 34);
  CHECK(r.latency_us == Approx(34 / 200.0));
}

TEST_CASE("tiny LSTM: interpreter equals the reference", "[compile][interp]") {
  for (SharingMode mode : {SharingMode::None, SharingMode::TwoD}) {
    const CsbModel m = test::tiny_lstm();
    const Program p = compile_program(m, test::tiny_hw(mode));
    const std::vector<int16_t> x = {4096, -2048, 1000, 300, -4096, 2000, 0, 12, 77, -900, 40, 5};
    const auto r = interpret(p, x, 3);
    CHECK(r.y == test::fixed_ref(m, p.fmt, x, 3));
  }
}
