// Compiler phase: macro words. The element-wise and MVM operations of the program as PendingOps
// (a Section plus the vector regions it reads and writes and the unit class it may run on), the
// vector-bank allocator, and the ASAP list scheduler that packs ops into MacroWords.
//
// Contract: list_schedule(ops) places each op in the first word after every earlier op it
// conflicts with (RAW, WAR or WAW on an overlapping region) that has a free unit of its class,
// so running the words in order computes exactly what running the ops one by one in program
// order computes (docs/compiler.md "Macro scheduling"). It never reorders two ops of one word
// relative to program order within a unit, and is deterministic. MacroBuilder appends ops with
// their regions filled in; an Mvm op also carries its stream's regions and units (the stream runs
// inside the Mvm's word). Allocator::alloc puts a whole vector into the bank A..E with the most
// free space (first on ties) and throws Error("<origin>: vector '<what>' ...") when none has room.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "isa/program.h"

namespace csbrnn::compile {

/// A run of `count` entries of one bank.
struct Region {
  Bank bank;
  uint32_t addr, count;
};

/// Which units an op may run on: Sum and Mult have two alternatives (Sum1/Sum2, Mult1/Mult2).
enum class UClass { Load, Engine, Sum1Only, Sum, Mult, Sigmoid, Tanh, Sum2Only, Store };

struct PendingOp {
  Section s;  // s.unit is chosen by the scheduler
  UClass uc;
  std::vector<Region> reads, writes;
  std::array<bool, kUnitCount> claims{};  // further units the op occupies (an Mvm's stream)
};

/// The ops packed into words (ASAP in program order; see the contract above).
std::vector<MacroWord> list_schedule(const std::vector<PendingOp>& ops);

inline Operand at(Operand o, uint32_t off) {
  return Operand{o.bank, o.addr + off};
}

/// Appends ops in program order.
class MacroBuilder {
 public:
  std::vector<PendingOp> ops;

  void load_x(Operand dst, int n);
  /// The Mvm section of MVM `index` (reads its column slices, writes Acc[0, rows)), with the
  /// regions and units of `mv.stream` (attach the stream first).
  void mvm(int index, const MvmProgram& mv);
  void bias_wb(Operand dst, uint32_t acc, uint32_t bias, int n);
  /// Sigmoid, Tanh (their own units) or Copy (Sum2).
  void unary(Op op, Operand dst, Operand a, int n);
  /// Add, Sub (Sum1 or Sum2) or Mul (Mult1 or Mult2).
  void binary(Op op, Operand dst, Operand a, Operand b, int n);
  void store_y(Operand a, int n);
};

/// Vector-bank allocation: banks A..E of `cap` entries each, whole vectors only.
class Allocator {
 public:
  Allocator(int cap, std::string origin) : cap_(cap), origin_(std::move(origin)) {}
  Operand alloc(int n, const std::string& what);

 private:
  int cap_;
  std::string origin_;
  std::array<int, 5> used_{};
};

}  // namespace csbrnn::compile
