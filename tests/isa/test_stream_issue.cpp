// The dataflow issue logic of streams (isa/stream.h): the section dependencies derived from the
// bank regions, and the per-unit priority picker over a stream's instances, on hand cases.
#include <catch2/catch.hpp>

#include "isa/stream.h"

using namespace csbrnn;

namespace {

Section sec(Unit u, Op op, Operand dst, Operand a, Operand b = {}) {
  Section s;
  s.unit = u;
  s.op = op;
  s.dst = dst;
  s.a = a;
  s.b = b;
  s.count = 4;
  return s;
}

// Flat sections (stage: section), all of count 4:
//   0 X (stage 0): Sum1  biaswb A@0   <- Acc@0, Bias@0
//   1 Y (stage 0): Mult1 mul    B@0   <- Acc@16, C@0
//   2 Z (stage 1): Sigm  sigmoid C@0  <- A@0          RAW on A (X), WAR on C (Y reads C@0)
//   3 W (stage 2): Sum1  add    D@0   <- E@0, E@32    nothing earlier touches D or E
//   4 V (stage 2): Tanh  tanh   A@16  <- B@0          RAW on B (Y); A@16.. misses X's, Z's A@0..
//   5 U (stage 3): Sum2  copy   E@0   <- D@0          RAW on D (W) and WAR on E@0 (W reads it)
MvmStream hand_stream() {
  MvmStream st;
  st.width = 4;
  st.chunk_end = {4};
  st.stages.resize(4);
  st.stages[0].sections = {
      sec(Unit::Sum1, Op::BiasWb, {Bank::A, 0}, {Bank::Acc, 0}, {Bank::Bias, 0}),
      sec(Unit::Mult1, Op::Mul, {Bank::B, 0}, {Bank::Acc, 16}, {Bank::C, 0})};
  st.stages[1].sections = {sec(Unit::Sigmoid, Op::Sigmoid, {Bank::C, 0}, {Bank::A, 0})};
  st.stages[2].sections = {sec(Unit::Sum1, Op::Add, {Bank::D, 0}, {Bank::E, 0}, {Bank::E, 32}),
                           sec(Unit::Tanh, Op::Tanh, {Bank::A, 16}, {Bank::B, 0})};
  st.stages[3].sections = {sec(Unit::Sum2, Op::Copy, {Bank::E, 0}, {Bank::D, 0})};
  return st;
}

}  // namespace

TEST_CASE("stream dependencies: RAW, WAR, WAW on overlapping regions of earlier stages",
          "[isa][stream]") {
  MvmStream st = hand_stream();
  const auto refs = stream_section_refs(st);
  REQUIRE(refs.size() == 6);
  CHECK((refs[4].stage == 2 && refs[4].section == 1));
  CHECK(stream_dependencies(st) == std::vector<std::vector<int>>{{}, {}, {0, 1}, {}, {1}, {3}});
  // V writing A@2..5 instead overlaps X's A@0..3 (WAW) and Z's read of A@0..3 (WAR).
  st.stages[2].sections[1].dst.addr = 2;
  CHECK(stream_dependencies(st)[4] == std::vector<int>{0, 1, 2});
  // A unary op reads only its a operand: giving Z a b = B@0 (which Y writes) adds nothing.
  st = hand_stream();
  st.stages[1].sections[0].b = {Bank::B, 0};
  CHECK(stream_dependencies(st)[2] == std::vector<int>{0, 1});
  st.stages[1].sections[0].a = {Bank::D, 0};  // Z now reads D: only the WAR on C@0 (Y) is left
  CHECK(stream_dependencies(st)[2] == std::vector<int>{1});
}

TEST_CASE("stream issue state: readiness, done bits and the oldest-chunk-first picker",
          "[isa][stream]") {
  MvmStream st = hand_stream();
  st.width = 9;
  st.chunk_end = {4, 4, 9};  // row-group 1's chunk is empty
  for (auto& stage : st.stages)
    for (auto& s : stage.sections) s.count = 9;
  StreamIssueState q(st);
  REQUIRE(q.chunks() == 2);
  REQUIRE(q.sections() == 6);
  CHECK(q.chunk_of_row_group(0) == 0);
  CHECK(q.chunk_of_row_group(1) == -1);
  CHECK(q.chunk_of_row_group(2) == 1);
  CHECK((q.chunk_lo(1) == 4 && q.chunk_n(1) == 5));
  // nothing before a reduction
  CHECK(q.pick(Unit::Sum1) == -1);
  q.reduced(0);
  CHECK(q.pick(Unit::Sum1) == 0);      // X of chunk 0 (W, also ready, comes after it)
  CHECK(q.pick(Unit::Mult1) == 1);     // Y
  CHECK(q.pick(Unit::Sigmoid) == -1);  // Z waits for X and Y
  q.start(0);
  CHECK(q.pick(Unit::Sum1) == 3);  // W: no dependency, ready since the reduction
  q.done(0);
  CHECK(q.pick(Unit::Sigmoid) == -1);  // Y not done
  q.start(1);
  q.done(1);
  CHECK(q.pick(Unit::Sigmoid) == 2);
  CHECK(q.pick(Unit::Tanh) == 4);
  q.reduced(2);  // chunk 1 (instances 6..11): its X is ready, but chunk 0's W comes first
  CHECK(q.pick(Unit::Sum1) == 3);
  q.start(3);
  CHECK(q.pick(Unit::Sum1) == 6);
  CHECK(q.pick(Unit::Sum2) == -1);  // U of chunk 0 waits for W's done
  q.done(3);
  CHECK(q.pick(Unit::Sum2) == 5);
  CHECK_FALSE(q.finished());
  for (int i : {2, 4, 5, 6, 7, 8, 9, 10, 11}) {
    q.start(i);
    q.done(i);
  }
  CHECK(q.finished());
}
