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

TEST_CASE("stream rule: chunks after their reduction, serialised, empty chunks free", "[timing]") {
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

TEST_CASE("stream rule: a chunk waits for the previous one, not only for its reduction",
          "[timing]") {
  Program p = three_row_groups();
  p.hw.eltwise.lanes = 1;
  MvmStream& st = p.mvms[0].stream;
  st.width = 7;
  st.chunk_end = {5, 7, 7};
  // lanes 1: chunk(n) = (n + 1) + max(n + 3, n + 2) = 2n + 4: n=5 -> 14, n=2 -> 8.
  // a=0: 17 -> 31. a=1: max(27, 31) = 31 (waits 4 beyond its reduction) -> 39. a=2 empty.
  // The Mvm section ends at max(37, 39) = 39.
  const MvmTiming t = analyze_mvm(p, 0);
  CHECK(t.stream_end == 39);
  CHECK(t.section_end == 39);
  CHECK(analyze(p).cycles_per_step == 39);
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
