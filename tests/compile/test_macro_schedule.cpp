// The macro-word phase (compile/macro_schedule.h): list scheduling by hand-worked examples.
#include <catch2/catch.hpp>

#include "common/error.h"
#include "compile/macro_schedule.h"

using namespace csbrnn;
using namespace csbrnn::compile;

TEST_CASE("list scheduling: independent ops share a word, conflicts wait", "[compile][macro]") {
  const Operand A{Bank::A, 0}, B{Bank::B, 0}, C{Bank::C, 0}, D{Bank::D, 0}, E{Bank::E, 0};
  MacroBuilder mb;
  mb.binary(Op::Mul, C, A, B, 4);              // 0: word 0, Mult1
  mb.binary(Op::Mul, D, A, B, 4);              // 1: independent: word 0, Mult2
  mb.binary(Op::Mul, E, A, B, 4);              // 2: both Mults busy in word 0: word 1, Mult1
  mb.binary(Op::Add, at(E, 8), C, D, 4);       // 3: reads C, D (RAW on 0, 1): word 1, Sum1
  mb.binary(Op::Sub, A, at(B, 8), B, 4);       // 4: writes A, read by 0..2 (WAR on 2): word 2
  mb.unary(Op::Sigmoid, at(D, 8), B, 2);       // 5: reads B only: word 0
  mb.unary(Op::Tanh, at(D, 16), at(D, 8), 2);  // 6: RAW on 5: word 1
  const std::vector<MacroWord> w = list_schedule(mb.ops);
  REQUIRE(w.size() == 3);
  auto units = [&](int i) {
    std::vector<std::pair<Op, Unit>> u;
    for (const Section& s : w[i].sections) u.emplace_back(s.op, s.unit);
    return u;
  };
  using V = std::vector<std::pair<Op, Unit>>;
  CHECK(units(0) ==
        V{{Op::Mul, Unit::Mult1}, {Op::Mul, Unit::Mult2}, {Op::Sigmoid, Unit::Sigmoid}});
  CHECK(units(1) == V{{Op::Mul, Unit::Mult1}, {Op::Add, Unit::Sum1}, {Op::Tanh, Unit::Tanh}});
  CHECK(units(2) == V{{Op::Sub, Unit::Sum1}});
}

TEST_CASE("list scheduling: a partial overlap is a conflict, adjacency is not",
          "[compile][macro]") {
  MacroBuilder mb;
  mb.unary(Op::Copy, Operand{Bank::A, 0}, Operand{Bank::B, 0}, 4);     // writes A[0,4)
  mb.unary(Op::Sigmoid, Operand{Bank::C, 0}, Operand{Bank::A, 4}, 4);  // reads A[4,8): word 0
  mb.unary(Op::Tanh, Operand{Bank::C, 8}, Operand{Bank::A, 3}, 4);     // reads A[3,7): word 1
  const std::vector<MacroWord> w = list_schedule(mb.ops);
  REQUIRE(w.size() == 2);
  CHECK(w[0].sections.size() == 2);
  CHECK(w[0].sections[0].unit == Unit::Sum2);  // Copy runs on Sum2
  REQUIRE(w[1].sections.size() == 1);
  CHECK(w[1].sections[0].op == Op::Tanh);
}

TEST_CASE("vector allocation refuses a vector no bank can hold", "[compile][macro]") {
  Allocator a(10, "m.csb");
  CHECK(a.alloc(10, "x").bank == Bank::A);
  CHECK(a.alloc(6, "h").bank == Bank::B);
  CHECK(a.alloc(6, "c").bank == Bank::C);
  CHECK(a.alloc(6, "d").bank == Bank::D);
  CHECK(a.alloc(6, "e").bank == Bank::E);
  CHECK(a.alloc(4, "f").addr == 6);  // B, the first of the emptiest
  try {
    a.alloc(5, "pre");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) ==
          "m.csb: vector 'pre' (5 entries) does not fit in any vector bank (buffers.vector_buffer "
          "= 10 entries; banks A..E hold 10, 10, 6, 6, 6)");
  }
}
