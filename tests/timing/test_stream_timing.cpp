// The streaming rule (cycle_rules.h, docs/timing.md) on a hand-built program; every expected
// number is worked out in the comments.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <random>

#include "isa/stream.h"
#include "timing/analytic.h"
#include "timing/cycle_rules.h"

using namespace csbrnn;
using namespace csbrnn::timing;

namespace {

Section sec(Unit u, Op op, uint32_t count) {
  Section s;
  s.unit = u;
  s.op = op;
  s.count = count;
  return s;
}

// One 1x1-group MVM with 3 row-groups of one 2x2 tile each, bh = 8, reduce_lanes 1: the engine
// walk of test_analytic.cpp "a row-group waits for the reduction two back": reductions end at
// 17, 27 and 37; the engine lasts 37 cycles.
Program three_row_groups() {
  Program p;
  p.hw.engine.K = p.hw.engine.L = 1;
  p.hw.engine.P = p.hw.engine.Q = 2;
  p.hw.engine.reduce_lanes = 1;
  p.num_layers = 1;
  MvmProgram m;
  m.bh = 8;
  m.bw = 4;
  m.BR = 3;
  m.BC = 1;
  m.iter_rows = 3;
  m.iter_cols = 1;
  m.col_slices.push_back(ColumnSlice{Operand{}, 4});
  m.micro.resize(3);
  MicroItem it;
  it.rows = it.cols = 2;
  for (auto& gi : m.micro) gi.items = {it};
  m.images.resize(1);
  // Stream: stage 0 = one BiasWb (Sum), stage 1 = Sigmoid beside Mul.
  m.stream.stages.resize(2);
  m.stream.stages[0].sections = {sec(Unit::Sum1, Op::BiasWb, 0)};
  m.stream.stages[1].sections = {sec(Unit::Sigmoid, Op::Sigmoid, 0), sec(Unit::Mult1, Op::Mul, 0)};
  p.mvms.push_back(m);
  MacroWord w;
  w.sections = {sec(Unit::Engine, Op::Mvm, 0)};
  p.words.push_back(w);
  return p;
}

}  // namespace

TEST_CASE("stream rule: chunks after their reduction, empty chunks free", "[timing]") {
  Program p = three_row_groups();
  p.hw.eltwise.lanes = 2;  // latencies: sum 1, mult 2, sigmoid 3
  MvmStream& st = p.mvms[0].stream;
  st.width = 6;
  st.chunk_end = {2, 2, 6};
  // chunk(n) = [ceil(n/2) + 1] + max(ceil(n/2) + 3, ceil(n/2) + 2):
  //   n = 2: 2 + 4 = 6;  n = 4: 3 + 5 = 8.
  CHECK(stream_chunk_cycles(p.hw, st, 2) == 6);
  CHECK(stream_chunk_cycles(p.hw, st, 4) == 8);
  CHECK(stream_chunk_cycles(p.hw, st, 0) == 0);
  // chunk a=0 (n=2): max(17, 0) = 17 -> 23; a=1 empty; a=2 (n=4): max(37, 23) = 37 -> 45.
  const MvmTiming t = analyze_mvm(p, 0);
  CHECK(t.engine_cycles == 37);
  CHECK(t.reduce_end == std::vector<int64_t>{17, 27, 37});
  CHECK(t.stream_end == 45);
  CHECK(t.section_end == 45);
  CHECK(t.stream_cycles == 6 + 8);
  // The Mvm word lasts 45; a Load beside it (64 bytes = 1 beat) changes nothing.
  Section ld = sec(Unit::Load, Op::LoadX, 32);
  p.words[0].sections.push_back(ld);
  CHECK(analyze(p).cycles_per_step == 45);
}

TEST_CASE("stream rule: chunks pipeline through the units (a chunk waits only for a unit)",
          "[timing]") {
  Program p = three_row_groups();
  p.hw.eltwise.lanes = 1;  // issue ceil(n/1) = n; sum n + 1, sigmoid n + 3, mult n + 2
  MvmStream& st = p.mvms[0].stream;
  st.width = 7;
  st.chunk_end = {5, 7, 7};
  // a=0 (n=5): stage 0 starts 17 (reduction), Sum1 issues until 22, done 23; stage 1 starts 23,
  //   Sigmoid/Mult1 issue until 28, done 23 + max(8, 7) = 31.
  // a=1 (n=2): stage 0 ready 27, Sum1 free since 22: starts 27, done 30; stage 1 ready 30,
  //   Sigmoid/Mult1 free since 28: starts 30, done 30 + max(5, 4) = 35. a=2 empty.
  // (Serialised chunks would end at max(27, 31) + 8 = 39.) Section: max(37, 35) = 37.
  MvmTiming t = analyze_mvm(p, 0);
  CHECK(t.stream_end == 35);
  CHECK(t.section_end == 37);
  CHECK(analyze(p).cycles_per_step == 37);
  // A chunk waiting for a unit: chunk_end {9, 11, 11}.
  // a=0 (n=9): stage 0 17 -> Sum1 free 26, done 27; stage 1 27 -> units free 36, done 39.
  // a=1 (n=2): stage 0 27 (Sum1 free since 26), done 30; stage 1 ready 30 but Sigmoid/Mult1 issue
  //   chunk 0 until 36: starts 36, done 41. Stream end 41 (serialised: 39 + 8 = 47).
  st.width = 11;
  st.chunk_end = {9, 11, 11};
  t = analyze_mvm(p, 0);
  CHECK(t.stream_end == 41);
  CHECK(t.section_end == 41);
  CHECK(t.stream_cycles == 22 + 8);  // work: chunk 9 = 10 + 12, chunk 2 = 3 + 5
  CHECK(analyze(p).cycles_per_step == 41);
  // The stream ends before the engine: the section lasts the engine's 37 cycles.
  st.chunk_end = {1, 1, 1};
  st.width = 1;  // a=0: 17 + (2 + 4) = 23 < 37
  CHECK(analyze_mvm(p, 0).stream_end == 23);
  CHECK(analyze(p).cycles_per_step == 37);
  // Without a stream the section is the engine.
  p.mvms[0].stream = MvmStream{};
  CHECK(analyze_mvm(p, 0).stream_end == 0);
  CHECK(analyze(p).cycles_per_step == 37);
}

TEST_CASE("stream rule: a unit serves its stage instances in chunk-major order", "[timing]") {
  // Stages: 0 BiasWb on Sum1, 1 Sigmoid, 2 Add on Sum1 again; lanes 1 (sum n + 1, sigmoid n + 3).
  Program p = three_row_groups();
  p.hw.eltwise.lanes = 1;
  MvmStream& st = p.mvms[0].stream;
  st.stages[1].sections = {sec(Unit::Sigmoid, Op::Sigmoid, 0)};
  st.stages.push_back(MacroWord{});
  st.stages[2].sections = {sec(Unit::Sum1, Op::Add, 0)};
  st.width = 8;
  st.chunk_end = {4, 8, 8};
  // a=0 (n=4): s0 17 -> Sum1 free 21, done 22; s1 22 -> done 29; s2 29 -> Sum1 free 33, done 34.
  // a=1 (n=4): s0 ready 27, and Sum1 is idle at 27, but chunk 0's stage 2 comes first on Sum1
  //   (it issues 29..33): s0 starts 33 -> Sum1 free 37, done 38; s1 38 -> done 45;
  //   s2 45 -> done 50. Stream end 50 > engine 37.
  const MvmTiming t = analyze_mvm(p, 0);
  CHECK(t.stream_end == 50);
  CHECK(t.section_end == 50);
  CHECK(analyze(p).cycles_per_step == 50);
}

namespace {

Section opsec(Unit u, Op op, Operand dst, Operand a, Operand b = {}) {
  Section s = sec(u, op, 0);
  s.dst = dst;
  s.a = a;
  s.b = b;
  return s;
}

// Three stages with real regions (dependencies by isa/stream.h stream_dependencies):
//   stage 0: k0 Sum1 biaswb A <- Acc, Bias
//   stage 1: k1 Sigmoid B <- A (RAW on k0);  k2 Mult1 mul C <- Acc@16, D (no dependency)
//   stage 2: k3 Sum1 add E <- B, C (RAW on k1 and k2)
void three_stage_chain(MvmStream& st) {
  st.stages.assign(3, MacroWord{});
  st.stages[0].sections = {
      opsec(Unit::Sum1, Op::BiasWb, {Bank::A, 0}, {Bank::Acc, 0}, {Bank::Bias, 0})};
  st.stages[1].sections = {
      opsec(Unit::Sigmoid, Op::Sigmoid, {Bank::B, 0}, {Bank::A, 0}),
      opsec(Unit::Mult1, Op::Mul, {Bank::C, 0}, {Bank::Acc, 16}, {Bank::D, 0})};
  st.stages[2].sections = {opsec(Unit::Sum1, Op::Add, {Bank::E, 0}, {Bank::B, 0}, {Bank::C, 0})};
}

}  // namespace

TEST_CASE("stream rule: dataflow issue against stage issue, 3 chunks worked by hand", "[timing]") {
  // Reductions end at 17, 27, 37 (engine 37); lanes 1: a section of n issues n cycles, sum n + 1,
  // mult n + 2, sigmoid n + 3. Chunks n = 6, 2, 4 (chunk_end 6, 8, 12).
  Program p = three_row_groups();
  p.hw.eltwise.lanes = 1;
  MvmStream& st = p.mvms[0].stream;
  three_stage_chain(st);
  st.width = 12;
  st.chunk_end = {6, 8, 12};
  for (auto& stage : st.stages)
    for (auto& x : stage.sections) x.count = st.width;  // the regions span the stream's width
  // Stage issue (rules 6-8): stage cycles n=6: 7, max(9, 8) = 9, 7; n=2: 3, 5, 3; n=4: 5, 7, 5.
  //   a=0: s0 17 (Sum1 to 23) done 24; s1 24 (Sig/Mult1 to 30) done 33; s2 33 (Sum1 to 39) done 40.
  //   a=1: s0 ready 27 but Sum1 issues chunk 0's s2 until 39: 39 (to 41) done 42; s1 42 (to 44)
  //        done 47; s2 47 (Sum1 to 49) done 50.
  //   a=2: s0 ready 37, Sum1 free 49: 49 (to 53) done 54; s1 54 (to 58) done 61; s2 61 done 66.
  MvmTiming t = analyze_mvm(p, 0);
  CHECK(t.stream_end == 66);
  CHECK(t.section_end == 66);
  CHECK(t.stream_cycles == 23 + 11 + 17);
  // Dataflow issue: instances (a, k) with k0 -> k1 -> k3 and k2 -> k3.
  //   17 chunk 0 reduced: (0,0) Sum1 17-23 done 24; (0,2) Mult1 17-23 done 25.
  //   24 (0,1) Sigmoid 24-30 done 33.
  //   27 chunk 1 reduced: (1,0) Sum1 (free since 23) 27-29 done 30; (1,2) Mult1 27-29 done 31.
  //   30 (1,0) done and Sigmoid's issue of (0,1) ends at 30 too: (1,1) starts at 30, 30-32 done 35.
  //   33 (0,1) done: (0,3) ready (its (0,2) done at 25); Sum1 free since 29: 33-39 done 40.
  //   35 (1,1) done: (1,3) ready (Sum1 busy until 39).
  //   37 chunk 2 reduced: (2,0) ready (Sum1 busy); (2,2) Mult1 37-41 done 43.
  //   39 Sum1 free with (1,3) (ready 35) and (2,0) (ready 37): the older chunk first, (1,3)
  //      39-41 done 42;  41 (2,0) 41-45 done 46;  46 (2,1) Sigmoid 46-50 done 53;
  //   53 (2,3) Sum1 53-57 done 58. Stream end 58 < 66; the section lasts max(37, 58) = 58.
  p.hw.eltwise.stream_issue = StreamIssue::Dataflow;
  t = analyze_mvm(p, 0);
  CHECK(t.stream_end == 58);
  CHECK(t.section_end == 58);
  CHECK(analyze(p).cycles_per_step == 58);
  // stream_cycles (dataflow): per chunk the longest dependency path, k0 + k1 + k3 (k2 is
  // shorter than k0 + k1): n=6 7 + 9 + 7 = 23, n=2 11, n=4 17; here equal to the stage sums.
  CHECK(t.stream_cycles == 23 + 11 + 17);
  // With the Sigmoid independent of k0 too (it reads Acc@32) the two differ: the path is
  // max(k0, k1, k2) + k3 = max(5, 7, 6) + 5 = 12 for n = 4, the stage sum 5 + 7 + 5 = 17.
  st.stages[1].sections[0].a = {Bank::Acc, 32};
  CHECK(stream_chunk_cycles(p.hw, st, 4) == 12);
  p.hw.eltwise.stream_issue = StreamIssue::Stage;
  CHECK(stream_chunk_cycles(p.hw, st, 4) == 17);
}

TEST_CASE("stream rule: dataflow schedule equals a cycle-stepped reference on random streams",
          "[timing]") {
  // The reference steps cycle by cycle: at cycle c every unit whose last instance has issued
  // takes, among its instances not started whose chunk is reduced by c and whose dependencies
  // (stream_dependencies, tested by hand in tests/isa) are all done by c, the smallest
  // (chunk, flat section); it is done stream_section_cycles later.
  std::mt19937 rng(91);
  auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const Unit units[] = {Unit::Sum1,  Unit::Sum2,    Unit::Mult1,
                        Unit::Mult2, Unit::Sigmoid, Unit::Tanh};
  int differ = 0;
  for (int inst = 0; inst < 300; ++inst) {
    HwConfig hw;
    hw.eltwise.lanes = uni(1, 4);
    hw.eltwise.lat_sum = uni(1, 3);
    hw.eltwise.lat_mult = uni(1, 4);
    hw.eltwise.lat_sigmoid = uni(1, 5);
    hw.eltwise.lat_tanh = uni(1, 5);
    MvmStream st;
    const int A = uni(1, 5);
    st.width = uint32_t(uni(1, 12));
    for (int a = 0; a < A; ++a) st.chunk_end.push_back(uint32_t(uni(0, int(st.width))));
    std::sort(st.chunk_end.begin(), st.chunk_end.end());
    st.chunk_end.back() = st.width;
    std::vector<int64_t> red_end(static_cast<size_t>(A), 0);
    int64_t t = 0;
    for (auto& r : red_end) r = t += uni(0, 8);
    st.stages.resize(size_t(uni(1, 5)));
    for (auto& stage : st.stages) {
      std::vector<Unit> pool(std::begin(units), std::end(units));
      std::shuffle(pool.begin(), pool.end(), rng);
      const int w = uni(1, 3);
      for (int j = 0; j < w; ++j) {
        const Unit u = pool[size_t(j)];
        const Op op = u == Unit::Sigmoid                       ? Op::Sigmoid
                      : u == Unit::Tanh                        ? Op::Tanh
                      : (u == Unit::Mult1 || u == Unit::Mult2) ? Op::Mul
                                                               : Op::Add;
        auto operand = [&] { return Operand{Bank(uni(0, 2)), uint32_t(uni(0, 2) * 8)}; };
        Section s = opsec(u, op, operand(), operand(), operand());
        s.count = st.width;
        stage.sections.push_back(s);
      }
    }
    // reference
    const auto refs = stream_section_refs(st);
    const auto deps = stream_dependencies(st);
    const size_t S = refs.size();
    auto section_of = [&](size_t k) -> const Section& {
      return st.stages[size_t(refs[k].stage)].sections[size_t(refs[k].section)];
    };
    struct In {
      int a;
      size_t k;
      int64_t n, start = -1, done = -1;
    };
    std::vector<In> ins;  // priority order
    for (int a = 0; a < A; ++a) {
      const int64_t n = int64_t(st.chunk_end[size_t(a)]) - (a ? st.chunk_end[size_t(a) - 1] : 0);
      if (n > 0)
        for (size_t k = 0; k < S; ++k) ins.push_back({a, k, n});
    }
    std::array<int64_t, kUnitCount> free_at{};
    size_t started = 0;
    int64_t ref_end = 0;
    for (int64_t c = 0; started < ins.size(); ++c) {
      for (int u = 0; u < kUnitCount; ++u) {
        if (free_at[size_t(u)] > c) continue;
        for (size_t i = 0; i < ins.size(); ++i) {
          In& x = ins[i];
          if (x.start >= 0 || section_of(x.k).unit != Unit(u) || red_end[size_t(x.a)] > c) continue;
          bool ok = true;
          for (int d : deps[x.k]) {
            const In& y = ins[i - x.k + size_t(d)];  // same chunk, section d
            ok = ok && y.done >= 0 && y.done <= c;
          }
          if (!ok) continue;
          x.start = c;
          x.done = c + stream_section_cycles(hw, section_of(x.k), x.n);
          free_at[size_t(u)] = c + eltwise_issue_cycles(hw, x.n);
          ref_end = std::max(ref_end, x.done);
          ++started;
          break;
        }
      }
    }
    hw.eltwise.stream_issue = StreamIssue::Dataflow;
    INFO("instance " << inst);
    const int64_t df = stream_end_cycles(hw, st, red_end);
    CHECK(df == ref_end);
    hw.eltwise.stream_issue = StreamIssue::Stage;
    differ += df != stream_end_cycles(hw, st, red_end);
  }
  CHECK(differ > 30);  // the two issue rules really differ on many of them
}

TEST_CASE("stream rule: a StoreY stage on the Store unit (eltwise.stream_store)", "[timing]") {
  // Stages: 0 BiasWb on Sum1 (n + 1 at lanes 1), 1 StoreY on Store. burst_bytes 1: a store of n
  // elements is transfer_cycles(2n) = 2n cycles, and the Store unit takes the next chunk's store
  // only when the previous one has ended (its issue is the whole transfer).
  Program p = three_row_groups();
  p.hw.eltwise.lanes = 1;
  p.hw.memory.burst_bytes = 1;
  MvmStream& st = p.mvms[0].stream;
  st.stages[1].sections = {sec(Unit::Store, Op::StoreY, 0)};
  st.width = 9;
  st.chunk_end = {5, 9, 9};
  const Section& store = st.stages[1].sections[0];
  const Section& bias = st.stages[0].sections[0];
  CHECK(stream_section_cycles(p.hw, store, 5) == 10);
  CHECK(stream_section_issue_cycles(p.hw, store, 5) == 10);
  CHECK(stream_section_cycles(p.hw, bias, 5) == 6);
  CHECK(stream_section_issue_cycles(p.hw, bias, 5) == 5);
  // The same rule as a StoreY word (section_cycles) with ideal memory.
  Section word = store;
  word.count = 5;
  CHECK(stream_section_cycles(p.hw, store, 5) == section_cycles(p.hw, word));
  // Reductions end at 17, 27, 37 (three_row_groups).
  // a=0 (n=5): s0 17 -> Sum1 free 22, done 23; store 23 -> Store free 33, done 33.
  // a=1 (n=4): s0 ready 27 (Sum1 free since 22) -> done 32; store ready 32, but the Store unit
  //   transfers chunk 0 until 33: starts 33, done 41. a=2 empty. Stream end 41 > engine 37.
  // (A separate StoreY word of 9 elements after the section would add 18: 37 + 18 = 55, or with
  // the chain alone streamed, 32 vs 37 -> 37 + 18 = 55.)
  const MvmTiming t = analyze_mvm(p, 0);
  CHECK(t.stream_end == 41);
  CHECK(t.section_end == 41);
  CHECK(t.stream_cycles == (6 + 10) + (5 + 8));
  CHECK(analyze(p).cycles_per_step == 41);
  // The layer's breakdown: the streamed stores (10 + 8) are load/store work, the BiasWb
  // chunks (6 + 5) element-wise work.
  CHECK(analyze(p).layers[0].load_store_cycles == 18);
  CHECK(analyze(p).layers[0].eltwise_cycles == 11);
  // burst_bytes 4: stores take ceil(10/4) = 3 and ceil(8/4) = 2 cycles. a=0: store 23 -> 26;
  // a=1: s0 done 32, store 32 -> 34. Stream end 34 < 37: the section is the engine's 37.
  p.hw.memory.burst_bytes = 4;
  CHECK(analyze_mvm(p, 0).stream_end == 34);
  CHECK(analyze(p).cycles_per_step == 37);
}
