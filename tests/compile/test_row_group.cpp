// engine.sync = row-group in the compiler: the input residency check, the refusals, bit-exact
// programs and the row-group scheduler's optimality bookkeeping (docs/sharing.md "Row-group
// scheduling").
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <random>
#include <set>

#include "common/error.h"
#include "compile/compiler.h"
#include "fixed_ref.h"
#include "isa/interpreter.h"
#include "isa/residency.h"
#include "timing/analytic.h"
#include "workload/bench_model.h"

using namespace csbrnn;

namespace {

HwConfig row_group_hw(int K, int L, int P, int Q, SharingMode mode) {
  HwConfig hw;
  hw.engine.K = K;
  hw.engine.L = L;
  hw.engine.P = P;
  hw.engine.Q = Q;
  hw.sharing = mode;
  hw.engine.sync = SyncMode::RowGroup;
  return hw;
}

int g_rect_tighter = 0;  // row-groups whose rectangle bound beats ceil(tiles / G)

int64_t tiles_of(const MicroItem& it, int P, int Q) {
  return int64_t((it.rows + P - 1) / P) * ((it.cols + Q - 1) / Q);
}

}  // namespace

TEST_CASE("row-group: resident input check", "[compile][rowgroup]") {
  // L = 2 columns, 5 block-columns of widths 8, 8, 8, 8, 4: column 0 holds block-columns 0, 2, 4
  // (8 + 8 + 4 = 20 entries), column 1 holds 1, 3 (16).
  HwConfig hw;
  hw.engine.K = 1;
  hw.engine.L = 2;
  MvmProgram mv;
  mv.layer = 1;
  mv.BC = 5;
  for (int w : {8, 8, 8, 8, 4}) mv.col_slices.push_back(ColumnSlice{Operand{}, uint16_t(w)});
  CHECK(resident_input_entries(mv, hw, 0) == 20);
  CHECK(resident_input_entries(mv, hw, 1) == 16);
  hw.engine.sync = SyncMode::RowGroup;
  hw.buffers.block_neuron_buffer = 20;
  CHECK(resident_inputs_problem(mv, hw).empty());
  hw.buffers.block_neuron_buffer = 19;
  const std::string why = resident_inputs_problem(mv, hw);
  CHECK_THAT(why, Catch::Contains("column 0 needs 20 entries") &&
                      Catch::Contains("buffers.block_neuron_buffer = 19") &&
                      Catch::Contains("layer 1 gates") && Catch::Contains("row-group"));
  CHECK(why.find('\n') == std::string::npos);
  // iteration sync double-buffers one slice: only the widest (8) must fit
  hw.engine.sync = SyncMode::Iteration;
  hw.buffers.block_neuron_buffer = 8;
  CHECK(resident_inputs_problem(mv, hw).empty());
  hw.buffers.block_neuron_buffer = 7;
  CHECK_THAT(resident_inputs_problem(mv, hw), Catch::Contains("column 0 needs 8 entries"));
}

TEST_CASE("row-group: refusals name the key", "[compile][rowgroup]") {
  GenSpec s;
  s.input_size = 40;
  s.hidden_size = 24;
  s.bh = 8;
  s.bw = 8;
  const CsbModel m = generate_csb_model(s);
  // 2x2 groups: 64 input columns = 8 block-columns, 4 per group column -> 32 entries resident
  HwConfig hw = row_group_hw(2, 2, 2, 2, SharingMode::TwoD);
  hw.buffers.block_neuron_buffer = 31;
  CHECK_THROWS_WITH(compile_program(m, hw, {"m.csb"}),
                    Catch::StartsWith("m.csb: MVM 0 ") && Catch::Contains("needs 32 entries") &&
                        Catch::Contains("buffers.block_neuron_buffer = 31"));
  hw.buffers.block_neuron_buffer = 32;
  CHECK_NOTHROW(compile_program(m, hw, {"m.csb"}));
  hw.engine.sync = SyncMode::Iteration;
  hw.buffers.block_neuron_buffer = 8;  // the paper's machine needs one slice
  CHECK_NOTHROW(compile_program(m, hw, {"m.csb"}));
  // streamed weights are not modelled with row-group sync
  hw = row_group_hw(2, 2, 2, 2, SharingMode::TwoD);
  hw.buffers.weight_buffer_kib = 1;
  try {
    compile_program(m, hw, {"m.csb"});
    FAIL("no error");
  } catch (const Error& e) {
    const std::string w = e.what();
    CHECK_THAT(w, Catch::StartsWith("m.csb: engine.sync=row-group") &&
                      Catch::Contains("buffers.weight_buffer_kib = 1") &&
                      Catch::Contains("larger buffers.weight_buffer_kib"));
    CHECK(w.find('\n') == std::string::npos);
  }
  hw.engine.sync = SyncMode::Iteration;  // streams (reported, not refused)
  CHECK_NOTHROW(compile_program(m, hw, {"m.csb"}));
}

TEST_CASE("free sync: the same refusals, naming engine.sync=free", "[compile][rowgroup]") {
  // free sync keeps the inputs resident exactly as row-group sync: same capacity (32 entries,
  // as above), the same refusal of streamed weights, and the same programs
  GenSpec s;
  s.input_size = 40;
  s.hidden_size = 24;
  s.bh = 8;
  s.bw = 8;
  const CsbModel m = generate_csb_model(s);
  HwConfig hw = row_group_hw(2, 2, 2, 2, SharingMode::TwoD);
  hw.engine.sync = SyncMode::Free;
  hw.buffers.block_neuron_buffer = 31;
  CHECK_THROWS_WITH(compile_program(m, hw, {"m.csb"}), Catch::StartsWith("m.csb: MVM 0 ") &&
                                                           Catch::Contains("needs 32 entries") &&
                                                           Catch::Contains("engine.sync = free"));
  hw.buffers.block_neuron_buffer = 32;
  const Program pf = compile_program(m, hw, {"m.csb"});
  HwConfig rg = hw;
  rg.engine.sync = SyncMode::RowGroup;
  const Program pr = compile_program(m, rg, {"m.csb"});
  REQUIRE(pf.mvms.size() == pr.mvms.size());
  for (size_t i = 0; i < pf.mvms.size(); ++i) {
    REQUIRE(pf.mvms[i].micro.size() == pr.mvms[i].micro.size());
    for (size_t x = 0; x < pf.mvms[i].micro.size(); ++x) {
      REQUIRE(pf.mvms[i].micro[x].items.size() == pr.mvms[i].micro[x].items.size());
      for (size_t j = 0; j < pf.mvms[i].micro[x].items.size(); ++j) {
        CHECK(pf.mvms[i].micro[x].items[j].kind == pr.mvms[i].micro[x].items[j].kind);
        CHECK(pf.mvms[i].micro[x].items[j].rows == pr.mvms[i].micro[x].items[j].rows);
        CHECK(pf.mvms[i].micro[x].items[j].cols == pr.mvms[i].micro[x].items[j].cols);
      }
    }
  }
  hw.buffers.weight_buffer_kib = 1;
  try {
    compile_program(m, hw, {"m.csb"});
    FAIL("no error");
  } catch (const Error& e) {
    const std::string w = e.what();
    CHECK_THAT(w, Catch::StartsWith("m.csb: engine.sync=free") &&
                      Catch::Contains("larger buffers.weight_buffer_kib"));
    CHECK(w.find('\n') == std::string::npos);
  }
}

TEST_CASE("row-group: programs equal the fixed reference bit for bit", "[compile][rowgroup]") {
  // The row-group scheduler reorders only the sharing decisions; the interpreter's outputs must
  // still be the fixed-point reference's.
  const SharingMode modes[] = {SharingMode::None, SharingMode::Horizontal, SharingMode::Vertical,
                               SharingMode::TwoD};
  size_t shared = 0;
  for (CellType cell : {CellType::LSTM, CellType::GRU})
    for (SharingMode mode : modes)
      for (int layers = 1; layers <= 2; ++layers) {
        GenSpec s;
        s.cell = cell;
        s.input_size = 29;
        s.hidden_size = 19;
        s.layers = layers;
        s.bh = 8;
        s.bw = 6;
        s.proj_size = cell == CellType::LSTM && layers == 2 ? 7 : 0;
        s.seed = 40 + layers;
        const CsbModel m = generate_csb_model(s);
        const HwConfig hw = row_group_hw(2, 2, 2, 3, mode);
        const Program p = compile_program(m, hw);
        for (const MvmProgram& mv : p.mvms)
          for (const GroupIteration& gi : mv.micro)
            for (const MicroItem& it : gi.items) shared += it.kind != ItemKind::Local;
        const int T = 3;
        std::mt19937_64 rng(s.seed + 5);
        std::uniform_real_distribution<double> u(-1.5, 1.5);
        std::vector<int16_t> x(size_t(T) * s.input_size);
        for (auto& v : x) v = fx::quantize(u(rng), hw.numeric.af);
        const InterpretResult r = interpret(p, x, T);
        const auto ref = test::fixed_ref(m, hw.numeric, x, T);
        INFO("cell " << cell_name(cell) << " mode " << int(mode) << " layers " << layers);
        REQUIRE(r.y.size() == ref.size());
        CHECK(r.y == ref);
      }
  CHECK(shared > 0);
}

TEST_CASE("row-group: proven row-groups meet the lower bound, the others are reported",
          "[compile][rowgroup]") {
  // Recomputes every row-group's makespan M(a) = max_g sum_b tiles from the emitted micro items
  // and its lower bound. Without sharing it is the busiest group's own tiles (then exact). With
  // 2d sharing a group can hand a whole kernel to a neighbour (min local 0), so the bound is the
  // neighbourhood one: for every rectangle S of groups, the tiles of S's kernels (a group's
  // own tiles = its Local items + what its right / lower neighbour received from it) spread over
  // the explicit set S + right(S) + down(S); S = all groups gives ceil(tiles / G).
  for (SharingMode mode : {SharingMode::None, SharingMode::TwoD})
    for (uint64_t seed : {1, 2, 3}) {
      GenSpec s;
      s.input_size = 70;
      s.hidden_size = 44;  // 4H = 176 rows = 22 block-rows: the last of 8 row-groups has 1 of 3
      s.bh = 8;
      s.bw = 8;
      s.keep_row = 0.5;
      s.keep_col = 0.7;
      s.seed = seed;
      const CsbModel m = generate_csb_model(s);
      HwConfig hw = row_group_hw(3, 2, 2, 2, mode);
      hw.buffers.block_neuron_buffer = 1024;
      CompileStats st;
      const Program p = compile_program(m, hw, {}, &st);
      const int K = 3, L = 2, G = 6;
      int64_t units = 0, iters = 0, unproven = 0, gap = 0;
      for (size_t i = 0; i < p.mvms.size(); ++i) {
        const MvmProgram& mv = p.mvms[i];
        units += mv.iter_rows;
        iters += int64_t(mv.iter_rows) * mv.iter_cols;
        for (int a = 0; a < mv.iter_rows; ++a) {
          std::vector<int64_t> load(G, 0), own(G, 0);
          for (int b = 0; b < mv.iter_cols; ++b)
            for (int k = 0; k < K; ++k)
              for (int l = 0; l < L; ++l)
                for (const MicroItem& it : mv.at(a, b, k, l, K, L).items) {
                  load[size_t(k) * L + l] += tiles_of(it, 2, 2);
                  const int from = it.kind == ItemKind::Local      ? k * L + l
                                   : it.kind == ItemKind::FromLeft ? k * L + (l + L - 1) % L
                                                                   : ((k + K - 1) % K) * L + l;
                  own[size_t(from)] += tiles_of(it, 2, 2);
                }
          int64_t total = 0, M = 0;
          for (int64_t x : load) total += x, M = std::max(M, x);
          int64_t lb = (total + G - 1) / G;
          const int64_t lb_total = lb;
          if (mode == SharingMode::None) lb = M;
          for (int h = 1; h <= K && mode != SharingMode::None; ++h)
            for (int w = 1; w <= L; ++w)
              for (int k0 = 0; k0 < K; ++k0)
                for (int l0 = 0; l0 < L; ++l0) {
                  std::set<int> reach;
                  int64_t t = 0;
                  for (int di = 0; di < h; ++di)
                    for (int dj = 0; dj < w; ++dj) {
                      const int k = (k0 + di) % K, l = (l0 + dj) % L;
                      t += own[size_t(k) * L + l];
                      reach.insert(k * L + l);
                      reach.insert(k * L + (l + 1) % L);
                      reach.insert(((k + 1) % K) * L + l);
                    }
                  lb = std::max<int64_t>(lb,
                                         (t + int64_t(reach.size()) - 1) / int64_t(reach.size()));
                }
          const auto hit = std::find_if(st.gaps.begin(), st.gaps.end(), [&](const ScheduleGap& g) {
            return g.mvm == int(i) && g.unit == a;
          });
          if (mode != SharingMode::None && lb > lb_total) ++g_rect_tighter;
          INFO("seed " << seed << " mode " << int(mode) << " mvm " << i << " row-group " << a);
          // The compiler's bound adds the outflow bound (from the kernels' options; checked
          // against exact optima in test_row_group_exact.cpp), so it is at least lb here, and a
          // row-group is reported exactly when M exceeds it.
          if (M == lb) CHECK(hit == st.gaps.end());
          if (hit != st.gaps.end()) {
            ++unproven;
            gap += M - hit->lower_bound;
            CHECK(hit->makespan == M);
            CHECK(hit->lower_bound >= lb);
            CHECK(hit->lower_bound < M);
          }
        }
      }
      CHECK(st.decision_units == units);
      CHECK(st.iterations == iters);
      CHECK(st.unproven == unproven);
      CHECK(st.gap_tiles == gap);
      CHECK(st.proven_units + st.unproven == st.decision_units);
      if (mode == SharingMode::None) CHECK(st.unproven == 0);
    }
  CHECK(g_rect_tighter > 0);  // the rectangle bound is exercised
}

TEST_CASE("row-group: the streaming variant choice uses row-group timing", "[compile][rowgroup]") {
  // compile/variant_choice.cpp keeps, per layer, the variant with the shortest program prefix
  // under the analytic model of hw (so of hw.engine.sync). For one layer, the chosen program is
  // then no slower under row-group timing than either forced streamed row order.
  int differs = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    GenSpec s;
    s.input_size = 48;
    s.hidden_size = 40;
    s.bh = 8;
    s.bw = 8;
    s.keep_row = 0.5;
    s.seed = seed;
    const CsbModel m = generate_csb_model(s);
    HwConfig hw = row_group_hw(2, 2, 2, 2, SharingMode::TwoD);
    hw.buffers.block_neuron_buffer = 1024;
    const int64_t best = timing::analyze(compile_program(m, hw)).cycles_per_step;
    for (auto order : {CompileOptions::RowOrder::Source, CompileOptions::RowOrder::Interleaved}) {
      CompileOptions o;
      o.streaming = CompileOptions::Streaming::Always;
      o.row_order = order;
      const int64_t forced = timing::analyze(compile_program(m, hw, o)).cycles_per_step;
      INFO("seed " << seed << " order " << int(order));
      CHECK(best <= forced);
      differs += forced != best;
    }
  }
  CHECK(differs > 0);  // the variants do differ, so the choice is exercised
}

TEST_CASE("free sync with sharing.carry: bit-exact, shorter engines, refused without free sync",
          "[compile][rowgroup]") {
  // sharing.carry schedules row-group a on the groups' start offsets S_g(a) - min S(a) of the
  // free-sync timeline (docs/sharing.md "Carry"). Outputs stay the reference's; over these
  // models the MVMs' engine cycles (analytic free-sync rules) add up to less than with each
  // row-group balanced alone; any other engine.sync is refused in one line.
  int64_t plain_cycles = 0, carry_cycles = 0;
  int moved = 0;
  for (int seed = 0; seed < 12; ++seed) {
    GenSpec s;
    s.cell = seed % 2 ? CellType::GRU : CellType::LSTM;
    s.input_size = 21 + seed;
    s.hidden_size = 40 + 3 * seed;
    s.layers = 1 + seed % 2;
    s.bh = 8;
    s.bw = 8;
    s.seed = 900 + seed;
    const CsbModel m = generate_csb_model(s);
    HwConfig hw = row_group_hw(3, 2, 2, 2, SharingMode::TwoD);
    hw.engine.sync = SyncMode::Free;
    hw.buffers.block_neuron_buffer = 1024;
    const Program p0 = compile_program(m, hw);
    hw.sharing_carry = true;
    const Program p1 = compile_program(m, hw);
    for (const auto* p : {&p0, &p1})
      for (const auto& mv : timing::analyze(*p).mvms)
        (p == &p0 ? plain_cycles : carry_cycles) += mv.engine_cycles;
    for (size_t i = 0; i < p0.mvms.size(); ++i)
      for (size_t x = 0; x < p0.mvms[i].micro.size(); ++x)
        moved += p0.mvms[i].micro[x].share.h_rows != p1.mvms[i].micro[x].share.h_rows ||
                 p0.mvms[i].micro[x].share.v_cols != p1.mvms[i].micro[x].share.v_cols;
    const int T = 2;
    std::mt19937_64 rng(s.seed);
    std::uniform_real_distribution<double> u(-1.5, 1.5);
    std::vector<int16_t> x(size_t(T) * s.input_size);
    for (auto& v : x) v = fx::quantize(u(rng), hw.numeric.af);
    CHECK(interpret(p1, x, T).y == test::fixed_ref(m, hw.numeric, x, T));
    if (seed == 0) {
      HwConfig rg = hw;
      rg.engine.sync = SyncMode::RowGroup;
      try {
        compile_program(m, rg, {"m.csb"});
        FAIL("no error");
      } catch (const Error& e) {
        const std::string w = e.what();
        CHECK_THAT(w, Catch::StartsWith("m.csb: sharing.carry needs engine.sync free") &&
                          Catch::Contains("engine.sync = row-group"));
        CHECK(w.find('\n') == std::string::npos);
      }
    }
  }
  std::printf("sharing.carry: engine cycles %lld with each row-group alone, %lld carried\n",
              (long long)plain_cycles, (long long)carry_cycles);
  CHECK(moved > 0);
  CHECK(carry_cycles < plain_cycles);
}
