// The cell-lowering phase (compile/cell_lowering.h): the unstreamed and streamed op sequences of
// LSTM and GRU generated from the one CellChain description, each against a hand-written op list
// (H = 2, every vector in a bank of its own, so each operand is recognisable), and the two
// variants checked to be the same element-wise ops on the same entries, split per gate region.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <tuple>

#include "compile/cell_lowering.h"

using namespace csbrnn;
using namespace csbrnn::compile;

namespace {

// pre = B, gates = C, h = A[0,2), c = A[2,4), out = D, temporaries E[0,2), E[2,4), ...
ChainBinding binding() {
  ChainBinding b;
  b.H = 2;
  b.pre = {Bank::B, 0};
  b.gates = {Bank::C, 0};
  b.h = {Bank::A, 0};
  b.c = {Bank::A, 2};
  b.out = {Bank::D, 0};
  for (uint32_t i = 0; i < 5; ++i) b.temps.push_back({Bank::E, 2 * i});
  b.bias0 = 8;
  return b;
}

std::string name(Operand o) {
  const char* banks[] = {"A", "B", "C", "D", "E", "Acc", "Bias", "Dram"};
  return std::string(banks[int(o.bank)]) + std::to_string(o.addr);
}

// One line per op: "op dst a [b] count" (b only for the ops that read it).
std::string listing(const std::vector<PendingOp>& ops) {
  std::ostringstream os;
  for (const PendingOp& p : ops) {
    const Section& s = p.s;
    const char* op = s.op == Op::BiasWb    ? "biaswb"
                     : s.op == Op::Sigmoid ? "sigmoid"
                     : s.op == Op::Tanh    ? "tanh"
                     : s.op == Op::Add     ? "add"
                     : s.op == Op::Sub     ? "sub"
                     : s.op == Op::Mul     ? "mul"
                                           : "?";
    os << op << " " << name(s.dst) << " " << name(s.a);
    if (s.op != Op::Sigmoid && s.op != Op::Tanh) os << " " << name(s.b);
    os << " " << s.count << "\n";
  }
  return os.str();
}

// The ops entry by entry: (op, dst, a, b) of each element, sorted.
using Elem = std::tuple<int, int, uint32_t, int, uint32_t, int, uint32_t>;
std::vector<Elem> elements(const std::vector<PendingOp>& ops) {
  std::vector<Elem> v;
  for (const PendingOp& p : ops)
    for (uint32_t i = 0; i < p.s.count; ++i) {
      const bool has_b = p.s.op != Op::Sigmoid && p.s.op != Op::Tanh;
      v.emplace_back(int(p.s.op), int(p.s.dst.bank), p.s.dst.addr + i, int(p.s.a.bank),
                     p.s.a.addr + i, has_b ? int(p.s.b.bank) : -1, has_b ? p.s.b.addr + i : 0);
    }
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

TEST_CASE("LSTM chain: unstreamed and streamed sequences from one description", "[compile][cell]") {
  const CellChain& cc = cell_chain(CellType::LSTM);
  CHECK(listing(unstreamed_chain(cc, binding())) ==
        "biaswb B0 Acc0 Bias8 8\n"  // all four gates
        "sigmoid C0 B0 4\n"         // i, f
        "tanh C4 B4 2\n"            // g
        "sigmoid C6 B6 2\n"         // o
        "mul E0 C2 A2 2\n"          // f*c
        "mul E2 C0 C4 2\n"          // i*g
        "add A2 E0 E2 2\n"          // c'
        "tanh E4 A2 2\n"            // tanh(c')
        "mul D0 C6 E4 2\n");        // h' = o*tanh(c')
  CHECK(listing(streamed_chain(cc, binding())) ==
        "biaswb B0 Acc0 Bias8 2\n"   // i
        "biaswb B4 Acc4 Bias12 2\n"  // g
        "sigmoid C0 B0 2\n"
        "tanh C4 B4 2\n"
        "mul E2 C0 C4 2\n"           // i*g
        "biaswb B2 Acc2 Bias10 2\n"  // f
        "sigmoid C2 B2 2\n"
        "mul E0 C2 A2 2\n"           // f*c
        "add A2 E0 E2 2\n"           // c'
        "biaswb B6 Acc6 Bias14 2\n"  // o
        "sigmoid C6 B6 2\n"
        "tanh E4 A2 2\n"
        "mul D0 C6 E4 2\n");
  CHECK(elements(unstreamed_chain(cc, binding())) == elements(streamed_chain(cc, binding())));
}

TEST_CASE("GRU chain: unstreamed and streamed sequences from one description", "[compile][cell]") {
  const CellChain& cc = cell_chain(CellType::GRU);
  CHECK(cc.gates_size() == 2);  // r, z activated; gi_n, gh_n read raw from pre
  CHECK(listing(unstreamed_chain(cc, binding())) ==
        "biaswb B0 Acc0 Bias8 8\n"
        "sigmoid C0 B0 4\n"   // r, z
        "mul E0 C0 B6 2\n"    // r*gh_n
        "add E2 B4 E0 2\n"    // gi_n + r*gh_n
        "tanh E4 E2 2\n"      // n
        "sub E6 A0 E4 2\n"    // h - n
        "mul E8 C2 E6 2\n"    // z*(h-n)
        "add D0 E4 E8 2\n");  // h'
  CHECK(listing(streamed_chain(cc, binding())) ==
        "biaswb B0 Acc0 Bias8 2\n"   // r
        "biaswb B6 Acc6 Bias14 2\n"  // gh_n
        "biaswb B4 Acc4 Bias12 2\n"  // gi_n
        "sigmoid C0 B0 2\n"
        "mul E0 C0 B6 2\n"
        "add E2 B4 E0 2\n"
        "tanh E4 E2 2\n"
        "biaswb B2 Acc2 Bias10 2\n"  // z
        "sigmoid C2 B2 2\n"
        "sub E6 A0 E4 2\n"
        "mul E8 C2 E6 2\n"
        "add D0 E4 E8 2\n");
  CHECK(elements(unstreamed_chain(cc, binding())) == elements(streamed_chain(cc, binding())));
}

TEST_CASE("vector allocation: state, temporaries and m in the documented order",
          "[compile][cell]") {
  CsbModel m;
  m.cell = CellType::LSTM;
  m.input_size = 3;
  m.hidden_size = 2;
  m.proj_size = 1;
  m.layers.resize(2);
  Allocator alloc(100, "t");
  std::vector<BankInit> init;
  const CellVectors v = allocate_vectors(m, true, false, alloc, init);
  // Whole vectors into the emptiest bank (first on ties): x A0 (3); h0 B0 (1); c0 C0 (2);
  // h1 D0 (1); c1 E0 (2); no hn (LSTMP); pre B1 (8); gates D1 (8); f*c C2, i*g E2, tanh(c) A3;
  // m C4.
  CHECK(name(v.x) == "A0");
  CHECK(name(v.h[0]) == "B0");
  CHECK(name(v.c[0]) == "C0");
  CHECK(name(v.h[1]) == "D0");
  CHECK(name(v.c[1]) == "E0");
  CHECK(name(v.pre) == "B1");
  CHECK(name(v.gates) == "D1");
  REQUIRE(v.temps.size() == 3);
  CHECK(name(v.temps[0]) == "C2");
  CHECK(name(v.temps[1]) == "E2");
  CHECK(name(v.temps[2]) == "A3");
  CHECK(name(v.m) == "C4");
  REQUIRE(init.size() == 4);  // h and c of both layers, zeros
  CHECK(init[1].values == std::vector<int16_t>(2, 0));
}
