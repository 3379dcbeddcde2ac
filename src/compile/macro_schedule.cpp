#include "compile/macro_schedule.h"

#include <algorithm>

#include "common/error.h"

namespace csbrnn::compile {
namespace {

bool overlap(const Region& x, const Region& y) {
  return x.bank == y.bank && x.addr < y.addr + y.count && y.addr < x.addr + x.count;
}

Region reg(Operand o, uint32_t n) {
  return Region{o.bank, o.addr, n};
}

Unit unit_for(UClass c, int alt) {
  switch (c) {
    case UClass::Load:
      return Unit::Load;
    case UClass::Engine:
      return Unit::Engine;
    case UClass::Sum1Only:
      return Unit::Sum1;
    case UClass::Sum:
      return alt == 0 ? Unit::Sum1 : Unit::Sum2;
    case UClass::Mult:
      return alt == 0 ? Unit::Mult1 : Unit::Mult2;
    case UClass::Sigmoid:
      return Unit::Sigmoid;
    case UClass::Tanh:
      return Unit::Tanh;
    case UClass::Sum2Only:
      return Unit::Sum2;
    case UClass::Store:
      return Unit::Store;
  }
  return Unit::Sum1;
}

int alternatives(UClass c) {
  return (c == UClass::Sum || c == UClass::Mult) ? 2 : 1;
}

bool conflicts(const PendingOp& earlier, const PendingOp& later) {
  for (const Region& w : earlier.writes) {
    for (const Region& r : later.reads)
      if (overlap(w, r)) return true;
    for (const Region& r : later.writes)
      if (overlap(w, r)) return true;
  }
  for (const Region& r : earlier.reads)
    for (const Region& w : later.writes)
      if (overlap(w, r)) return true;
  return false;
}

// The alternative of `op`'s unit class free in `busy` (and not claimed by `op` itself), or -1.
int free_alternative(const PendingOp& op, const std::array<bool, kUnitCount>& busy) {
  for (int u = 0; u < kUnitCount; ++u)
    if (op.claims[u] && busy[u]) return -1;
  for (int alt = 0; alt < alternatives(op.uc); ++alt) {
    const int u = int(unit_for(op.uc, alt));
    if (!busy[u] && !op.claims[u]) return alt;
  }
  return -1;
}

}  // namespace

std::vector<MacroWord> list_schedule(const std::vector<PendingOp>& ops) {
  std::vector<int> word_of(ops.size(), 0);
  std::vector<std::array<bool, kUnitCount>> busy;
  std::vector<MacroWord> words;
  for (size_t i = 0; i < ops.size(); ++i) {
    int earliest = 0;
    for (size_t j = 0; j < i; ++j)
      if (conflicts(ops[j], ops[i])) earliest = std::max(earliest, word_of[j] + 1);
    for (int w = earliest;; ++w) {
      if (size_t(w) >= busy.size()) {
        busy.emplace_back();
        busy.back().fill(false);
        words.emplace_back();
      }
      const int alt = free_alternative(ops[i], busy[w]);
      if (alt < 0) continue;
      Section s = ops[i].s;
      s.unit = unit_for(ops[i].uc, alt);
      busy[w][int(s.unit)] = true;
      for (int u = 0; u < kUnitCount; ++u) busy[w][u] = busy[w][u] || ops[i].claims[u];
      words[w].sections.push_back(s);
      word_of[i] = w;
      break;
    }
  }
  return words;
}

void MacroBuilder::load_x(Operand dst, int n) {
  PendingOp p;
  p.s.op = Op::LoadX;
  p.s.dst = dst;
  p.s.a = Operand{Bank::Dram, 0};
  p.s.count = uint32_t(n);
  p.uc = UClass::Load;
  p.writes = {reg(dst, n)};
  ops.push_back(p);
}

void MacroBuilder::mvm(int index, const MvmProgram& mv) {
  PendingOp p;
  p.s.op = Op::Mvm;
  p.s.dst = Operand{Bank::Acc, 0};
  p.s.count = uint32_t(mv.rows);
  p.s.mvm = uint16_t(index);
  p.uc = UClass::Engine;
  for (const ColumnSlice& cs : mv.col_slices) p.reads.push_back(reg(cs.src, cs.width));
  p.writes = {Region{Bank::Acc, 0, uint32_t(mv.rows)}};
  // A stream runs inside the Mvm's word: the op also reads and writes what the chain does and
  // occupies the chain's units.
  for (const MacroWord& st : mv.stream.stages)
    for (const Section& x : st.sections) {
      p.reads.push_back(reg(x.a, x.count));
      if (x.op == Op::BiasWb || x.op == Op::Add || x.op == Op::Sub || x.op == Op::Mul)
        p.reads.push_back(reg(x.b, x.count));
      p.writes.push_back(reg(x.dst, x.count));
      p.claims[int(x.unit)] = true;
    }
  ops.push_back(p);
}

void MacroBuilder::bias_wb(Operand dst, uint32_t acc, uint32_t bias, int n) {
  PendingOp p;
  p.s.op = Op::BiasWb;
  p.s.dst = dst;
  p.s.a = Operand{Bank::Acc, acc};
  p.s.b = Operand{Bank::Bias, bias};
  p.s.count = uint32_t(n);
  p.uc = UClass::Sum1Only;
  p.reads = {reg(p.s.a, n), reg(p.s.b, n)};
  p.writes = {reg(dst, n)};
  ops.push_back(p);
}

void MacroBuilder::unary(Op op, Operand dst, Operand a, int n) {
  CSBRNN_ASSERT(op == Op::Sigmoid || op == Op::Tanh || op == Op::Copy, "not a unary op");
  PendingOp p;
  p.s.op = op;
  p.s.dst = dst;
  p.s.a = a;
  p.s.count = uint32_t(n);
  p.uc = op == Op::Sigmoid ? UClass::Sigmoid : op == Op::Tanh ? UClass::Tanh : UClass::Sum2Only;
  p.reads = {reg(a, n)};
  p.writes = {reg(dst, n)};
  ops.push_back(p);
}

void MacroBuilder::binary(Op op, Operand dst, Operand a, Operand b, int n) {
  CSBRNN_ASSERT(op == Op::Add || op == Op::Sub || op == Op::Mul, "not a binary op");
  PendingOp p;
  p.s.op = op;
  p.s.dst = dst;
  p.s.a = a;
  p.s.b = b;
  p.s.count = uint32_t(n);
  p.uc = op == Op::Mul ? UClass::Mult : UClass::Sum;
  p.reads = {reg(a, n), reg(b, n)};
  p.writes = {reg(dst, n)};
  ops.push_back(p);
}

void MacroBuilder::store_y(Operand a, int n) {
  PendingOp p;
  p.s.op = Op::StoreY;
  p.s.dst = Operand{Bank::Dram, 0};
  p.s.a = a;
  p.s.count = uint32_t(n);
  p.uc = UClass::Store;
  p.reads = {reg(a, n)};
  ops.push_back(p);
}

Operand Allocator::alloc(int n, const std::string& what) {
  int best = -1;
  for (int b = 0; b < 5; ++b)
    if (best < 0 || used_[b] < used_[best]) best = b;
  if (n > cap_ - used_[best])
    fail(origin_, ": vector '", what, "' (", n, " entries) does not fit in any vector bank ",
         "(buffers.vector_buffer = ", cap_, " entries; banks A..E hold ", used_[0], ", ", used_[1],
         ", ", used_[2], ", ", used_[3], ", ", used_[4], ")");
  Operand o{Bank(best), uint32_t(used_[best])};
  used_[best] += n;
  return o;
}

}  // namespace csbrnn::compile
