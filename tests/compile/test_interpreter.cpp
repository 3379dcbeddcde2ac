// The interpreter runs compiled programs bit-exactly like the fixed-point reference.
#include <catch2/catch.hpp>
#include <random>

#include "compile/compiler.h"
#include "fixed_ref.h"
#include "isa/interpreter.h"
#include "workload/bench_model.h"

using namespace csbrnn;

namespace {

std::vector<int16_t> random_input(int T, int n, uint64_t seed, const fx::Format& f) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1.5, 1.5);
  std::vector<int16_t> x(size_t(T) * n);
  for (auto& v : x) v = fx::quantize(u(rng), f.af);
  return x;
}

struct KindCount {
  size_t local = 0, left = 0, up = 0;
};
KindCount g_count;  // items seen by check_model (sharing must actually be exercised)

void check_model(const GenSpec& s, SharingMode mode, int K, int L, int P, int Q) {
  HwConfig hw;
  hw.engine.K = K;
  hw.engine.L = L;
  hw.engine.P = P;
  hw.engine.Q = Q;
  hw.sharing = mode;
  const CsbModel m = generate_csb_model(s);
  const Program p = compile_program(m, hw);
  for (const MvmProgram& mv : p.mvms)
    for (const GroupIteration& gi : mv.micro)
      for (const MicroItem& it : gi.items) {
        if (it.kind == ItemKind::Local) g_count.local++;
        if (it.kind == ItemKind::FromLeft) {
          CHECK((mode == SharingMode::Horizontal || mode == SharingMode::TwoD));
          g_count.left++;
        }
        if (it.kind == ItemKind::FromUp) {
          CHECK((mode == SharingMode::Vertical || mode == SharingMode::TwoD));
          g_count.up++;
        }
      }
  const int T = 3;
  const auto x = random_input(T, s.input_size, s.seed + 99, hw.numeric);
  const InterpretResult r = interpret(p, x, T);
  const auto ref = test::fixed_ref(m, hw.numeric, x, T);
  REQUIRE(r.y.size() == ref.size());
  size_t diff = 0;
  for (size_t i = 0; i < ref.size(); ++i) diff += r.y[i] != ref[i];
  INFO("cell " << cell_name(s.cell) << " in " << s.input_size << " H " << s.hidden_size << " proj "
               << s.proj_size << " layers " << s.layers << " block " << s.bh << "x" << s.bw
               << " mode " << int(mode));
  CHECK(diff == 0);
  // The check is not vacuous: the output moves away from zero.
  size_t nonzero = 0;
  for (int16_t v : r.y) nonzero += v != 0;
  CHECK(nonzero > ref.size() / 2);
}

const SharingMode kModes[] = {SharingMode::None, SharingMode::Horizontal, SharingMode::Vertical,
                              SharingMode::TwoD};

}  // namespace

TEST_CASE("interpreter equals the fixed reference: LSTM", "[compile][interp]") {
  for (SharingMode mode : kModes)
    for (int layers = 1; layers <= 3; ++layers) {
      GenSpec s;
      s.cell = CellType::LSTM;
      s.input_size = 13;
      s.hidden_size = 11;
      s.layers = layers;
      s.bh = 8;
      s.bw = 6;
      s.seed = 10 + layers;
      check_model(s, mode, 2, 2, 2, 3);
    }
  // The modes really shared work (so FromLeft / FromUp paths were checked bit-exactly).
  CHECK(g_count.left > 0);
  CHECK(g_count.up > 0);
}

TEST_CASE("interpreter equals the fixed reference: GRU", "[compile][interp]") {
  for (SharingMode mode : kModes)
    for (int layers = 1; layers <= 3; ++layers) {
      GenSpec s;
      s.cell = CellType::GRU;
      s.input_size = 9;
      s.hidden_size = 13;
      s.layers = layers;
      s.bh = 8;
      s.bw = 8;
      s.seed = 20 + layers;
      check_model(s, mode, 2, 3, 3, 2);
    }
}

TEST_CASE("interpreter equals the fixed reference: LSTMP", "[compile][interp]") {
  for (SharingMode mode : kModes)
    for (int layers = 1; layers <= 3; ++layers) {
      GenSpec s;
      s.cell = CellType::LSTM;
      s.input_size = 10;
      s.hidden_size = 14;
      s.proj_size = 7;
      s.layers = layers;
      s.bh = 4;
      s.bw = 5;
      s.seed = 30 + layers;
      check_model(s, mode, 3, 2, 2, 2);
    }
}

TEST_CASE("interpreter: GRU with bias and a block not dividing 2H", "[compile][interp]") {
  GenSpec s;
  s.cell = CellType::GRU;
  s.input_size = 7;
  s.hidden_size = 5;  // 2H = 10, 3H = 15: blocks of 4 cut through gate boundaries
  s.bh = 4;
  s.bw = 3;
  s.keep_row = 0.8;
  s.keep_col = 0.8;
  s.seed = 41;
  check_model(s, SharingMode::TwoD, 1, 1, 2, 2);
  check_model(s, SharingMode::TwoD, 4, 4, 1, 1);
}
