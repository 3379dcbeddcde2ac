#include "compile/cell_lowering.h"

#include <algorithm>
#include <string>

#include "common/error.h"

namespace csbrnn::compile {
namespace {

constexpr ChainVal kNone{};
constexpr ChainVal kH{ChainVal::H, 0};
constexpr ChainVal kC{ChainVal::C, 0};
constexpr ChainVal kOut{ChainVal::Out, 0};
constexpr ChainVal gate(uint8_t q) {
  return ChainVal{ChainVal::Gate, q};
}
constexpr ChainVal tmp(uint8_t i) {
  return ChainVal{ChainVal::Temp, i};
}

// Acc regions [i f g o]; c' = f*c + i*g, h' = o * tanh(c') (LSTMP: m = o * tanh(c')).
const CellChain kLstm = {{Act::Sigmoid, Act::Sigmoid, Act::Tanh, Act::Sigmoid},
                         "gates",
                         {"f*c", "i*g", "tanh(c)"},
                         {
                             {Op::Mul, tmp(0), gate(1), kC, 2},       // f*c
                             {Op::Mul, tmp(1), gate(0), gate(2), 1},  // i*g
                             {Op::Add, kC, tmp(0), tmp(1), 2},        // c' = f*c + i*g
                             {Op::Tanh, tmp(2), kC, kNone, 3},        // tanh(c')
                             {Op::Mul, kOut, gate(3), tmp(2), 3},     // h' (or m) = o*tanh(c')
                         }};

// Acc regions [r z gi_n gh_n]; n = tanh(gi_n + r*gh_n), h' = n + z*(h - n) (= (1-z)*n + z*h).
const CellChain kGru = {{Act::Sigmoid, Act::Sigmoid, Act::Raw, Act::Raw},
                        "rz",
                        {"r*gh_n", "gi_n+r*gh_n", "n", "h-n", "z*(h-n)"},
                        {
                            {Op::Mul, tmp(0), gate(0), gate(3), 1},  // r*gh_n
                            {Op::Add, tmp(1), gate(2), tmp(0), 1},   // gi_n + r*gh_n
                            {Op::Tanh, tmp(2), tmp(1), kNone, 1},    // n
                            {Op::Sub, tmp(3), kH, tmp(2), 2},        // h - n
                            {Op::Mul, tmp(4), gate(1), tmp(3), 2},   // z*(h-n)
                            {Op::Add, kOut, tmp(2), tmp(4), 2},      // h'
                        }};

Op act_op(Act a) {
  return a == Act::Sigmoid ? Op::Sigmoid : Op::Tanh;
}

Operand resolve(const CellChain& cc, const ChainBinding& b, ChainVal v) {
  const uint32_t off = uint32_t(v.index) * uint32_t(b.H);
  switch (v.kind) {
    case ChainVal::Gate:
      return at(cc.activation[v.index] == Act::Raw ? b.pre : b.gates, off);
    case ChainVal::H:
      return b.h;
    case ChainVal::C:
      return b.c;
    case ChainVal::Temp:
      return b.temps.at(v.index);
    case ChainVal::Out:
      return b.out;
    case ChainVal::None:
      break;
  }
  CSBRNN_ASSERT(false, "chain: an op reads or writes no value");
  return {};
}

void emit(MacroBuilder& mb, const CellChain& cc, const ChainBinding& b, const ChainOp& op) {
  if (op.op == Op::Sigmoid || op.op == Op::Tanh)
    mb.unary(op.op, resolve(cc, b, op.dst), resolve(cc, b, op.a), b.H);
  else
    mb.binary(op.op, resolve(cc, b, op.dst), resolve(cc, b, op.a), resolve(cc, b, op.b), b.H);
}

}  // namespace

int CellChain::gates_size() const {
  int n = 0;
  for (int q = 0; q < int(activation.size()); ++q)
    if (activation[q] != Act::Raw) n = q + 1;
  return n;
}

const CellChain& cell_chain(CellType cell) {
  return cell == CellType::LSTM ? kLstm : kGru;
}

std::vector<PendingOp> unstreamed_chain(const CellChain& cc, const ChainBinding& b) {
  MacroBuilder mb;
  const int n = int(cc.activation.size());
  mb.bias_wb(b.pre, 0, b.bias0, n * b.H);
  for (int q = 0; q < n; ++q) {
    if (cc.activation[q] == Act::Raw) continue;
    int last = q;
    while (last + 1 < n && cc.activation[last + 1] == cc.activation[q]) ++last;
    const uint32_t off = uint32_t(q) * uint32_t(b.H);
    mb.unary(act_op(cc.activation[q]), at(b.gates, off), at(b.pre, off), (last - q + 1) * b.H);
    q = last;
  }
  for (const ChainOp& op : cc.ops) emit(mb, cc, b, op);
  return mb.ops;
}

std::vector<PendingOp> streamed_chain(const CellChain& cc, const ChainBinding& b) {
  MacroBuilder mb;
  int steps = 0;
  for (const ChainOp& op : cc.ops) steps = std::max(steps, op.step);
  std::array<bool, 4> seen{};
  for (int s = 1; s <= steps; ++s) {
    std::vector<int> fresh;  // gate regions first read in this step
    for (const ChainOp& op : cc.ops)
      for (const ChainVal& v : {op.a, op.b})
        if (op.step == s && v.kind == ChainVal::Gate && !seen[v.index]) {
          seen[v.index] = true;
          fresh.push_back(v.index);
        }
    for (int q : fresh) {
      const uint32_t off = uint32_t(q) * uint32_t(b.H);
      mb.bias_wb(at(b.pre, off), off, b.bias0 + off, b.H);
    }
    for (int q : fresh) {
      const uint32_t off = uint32_t(q) * uint32_t(b.H);
      if (cc.activation[q] != Act::Raw)
        mb.unary(act_op(cc.activation[q]), at(b.gates, off), at(b.pre, off), b.H);
    }
    for (const ChainOp& op : cc.ops)
      if (op.step == s) emit(mb, cc, b, op);
  }
  CSBRNN_ASSERT(std::all_of(seen.begin(), seen.end(), [](bool x) { return x; }),
                "chain: a gate region is never read");
  return mb.ops;
}

CellVectors allocate_vectors(const CsbModel& m, bool stream, bool inplace, Allocator& alloc,
                             std::vector<BankInit>& init) {
  const int H = m.hidden_size, S = m.state_size(), layers = m.num_layers();
  const bool lstm = m.cell == CellType::LSTM;
  const CellChain& cc = cell_chain(m.cell);
  CellVectors v;
  v.x = alloc.alloc(m.input_size, "x");
  v.h.resize(layers);
  v.c.resize(layers);
  v.hn.resize(layers);
  for (int k = 0; k < layers; ++k) {
    v.h[k] = alloc.alloc(S, "h_l" + std::to_string(k));
    init.push_back(BankInit{v.h[k], std::vector<int16_t>(size_t(S), 0)});
    if (lstm) {
      v.c[k] = alloc.alloc(H, "c_l" + std::to_string(k));
      init.push_back(BankInit{v.c[k], std::vector<int16_t>(size_t(H), 0)});
    }
  }
  if (stream && m.proj_size == 0)
    for (int k = 0; k < layers; ++k)
      v.hn[k] = inplace ? v.h[k] : alloc.alloc(S, "hn_l" + std::to_string(k));
  // Temporaries, shared by all layers (the list scheduler orders the reuse).
  v.pre = alloc.alloc(4 * H, "pre");
  v.gates = alloc.alloc(cc.gates_size() * H, cc.gates_name);
  for (const char* t : cc.temps) v.temps.push_back(alloc.alloc(H, t));
  if (m.proj_size > 0) v.m = alloc.alloc(H, "m");
  return v;
}

LayerLowering::LayerLowering(const CsbModel& m, const CellVectors& v, int layer, uint32_t bias0,
                             uint32_t proj_bias)
    : chain_(cell_chain(m.cell)),
      v_(v),
      H_(m.hidden_size),
      P_(m.proj_size),
      h_(v.h[layer]),
      c_(v.c[layer]),
      hn_(v.hn[layer]),
      bias0_(bias0),
      proj_bias_(proj_bias) {}

ChainBinding LayerLowering::binding(Operand out) const {
  ChainBinding b;
  b.H = H_;
  b.pre = v_.pre;
  b.gates = v_.gates;
  b.h = h_;
  b.c = c_;
  b.out = out;
  b.temps = v_.temps;
  b.bias0 = bias0_;
  return b;
}

std::vector<PendingOp> LayerLowering::gates_stream() const {
  return streamed_chain(chain_, binding(P_ > 0 ? v_.m : hn_));
}

std::vector<PendingOp> LayerLowering::projection_stream() const {
  MacroBuilder pc;
  pc.bias_wb(h_, 0, proj_bias_, P_);
  return pc.ops;
}

MacroBuilder LayerLowering::streamed_ops(int index, const MvmProgram& gates,
                                         const MvmProgram& proj) const {
  MacroBuilder b;
  b.mvm(index, gates);
  if (P_ == 0) {
    if (hn_.bank != h_.bank || hn_.addr != h_.addr) b.unary(Op::Copy, h_, hn_, H_);
  } else {
    b.mvm(index + 1, proj);
  }
  return b;
}

MacroBuilder LayerLowering::unstreamed_ops(int index, const MvmProgram& gates,
                                           const MvmProgram& proj) const {
  MacroBuilder b;
  b.mvm(index, gates);
  const std::vector<PendingOp> chain = unstreamed_chain(chain_, binding(P_ > 0 ? v_.m : h_));
  b.ops.insert(b.ops.end(), chain.begin(), chain.end());
  if (P_ > 0) {
    b.mvm(index + 1, proj);
    b.bias_wb(h_, 0, proj_bias_, P_);
  }
  return b;
}

Operand LayerLowering::streamed_state() const {
  return P_ > 0 ? h_ : hn_;
}

}  // namespace csbrnn::compile
