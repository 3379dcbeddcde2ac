// The streaming rule (cycle_rules.h, docs/timing.md) on a hand-built program; every expected
// number is worked out in the comments.
#include <catch2/catch.hpp>

#include "timing/analytic.h"

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
