// Compiler phase: cell lowering. Each cell type's element-wise chain is described ONCE, as data
// (CellChain: the activation of each Acc region and the cell's ops in formula order, each with
// the step of the streamed chain it belongs to); both the unstreamed op sequence and the
// streamed one are generated from that description. Also: the program's vector allocation and
// the macro ops of a layer around its MVMs.
//
// Contract (docs/compiler.md "Mapping", "Streaming"):
//  - unstreamed_chain: one BiasWb of the 4H accumulators into `pre`; the activations region by
//    region in Acc order (adjacent regions with the same function merged into one op; a Raw region
//    is read from `pre` directly); then the ops in table order.
//  - streamed_chain: per step 1, 2, ...: for every gate region that an op of the step is the
//    first to read (in the order the step's ops read them) a BiasWb of its H accumulators, then
//    their activations in the same order, then the step's ops in table order. The same ops on the
//    same vectors as the unstreamed chain, split per gate region
//    (tests/compile/test_cell_lowering).
//  - The chain reads the layer's old h (and c) and writes `out` last; c (LSTM) is updated in
//    place. LSTMP: out = m, the projection follows. The streamed chain cannot write h in place
//    (the MVM still reads it): without a projection it writes hn and a Copy hn -> h follows —
//    unless eltwise.inplace_state (resident inputs): then hn is h and no Copy follows.
//  - allocate_vectors: in this order x; per layer h (and c), zero-initialised; per layer hn
//    (streamed, no projection, not in place; in place hn aliases h); pre (4H); the gates
//    vector; the cell's temporaries; m (LSTMP).
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "compile/macro_schedule.h"
#include "isa/program.h"
#include "model/csb.h"

namespace csbrnn::compile {

/// A value the chain reads or writes.
struct ChainVal {
  enum Kind : uint8_t { None, Gate, H, C, Temp, Out };
  Kind kind = None;
  uint8_t index = 0;  // Gate: the Acc region q (entries [qH, qH+H)); Temp: the temporary
};

/// One element-wise op of H entries.
struct ChainOp {
  Op op;  // Sigmoid, Tanh (a only), Add, Sub, Mul
  ChainVal dst, a, b;
  int step;  // the streamed chain's step (1, 2, ...)
};

/// How a gate region's pre-activation becomes the value the ops read.
enum class Act : uint8_t { Raw, Sigmoid, Tanh };

/// A cell's element-wise chain (see the contract). Activated regions land in the gates vector
/// at the same offset (region q at qH); Raw regions are read from pre.
struct CellChain {
  std::array<Act, 4> activation;
  const char* gates_name;          // the gates vector's name (error messages)
  std::vector<const char*> temps;  // temporaries of H entries, in allocation order
  std::vector<ChainOp> ops;        // formula order (the unstreamed program's order)
  int gates_size() const;          // regions up to the last activated one, in H units
};

const CellChain& cell_chain(CellType cell);

/// Where one layer's chain values live.
struct ChainBinding {
  int H = 0;
  Operand pre, gates, h, c, out;
  std::vector<Operand> temps;
  uint32_t bias0 = 0;  // the layer's 4H bias entries in the Bias bank
};

std::vector<PendingOp> unstreamed_chain(const CellChain& cc, const ChainBinding& b);
std::vector<PendingOp> streamed_chain(const CellChain& cc, const ChainBinding& b);

/// The program's vectors (see the contract for the allocation order).
struct CellVectors {
  Operand x, pre, gates, m;       // m: LSTMP only
  std::vector<Operand> temps;     // the cell's temporaries (shared by all layers)
  std::vector<Operand> h, c, hn;  // per layer; c: LSTM; hn: streamed without projection
};

CellVectors allocate_vectors(const CsbModel& m, bool stream, bool inplace, Allocator& alloc,
                             std::vector<BankInit>& init);

/// Layer k's lowering: the chain and the ops around the layer's MVMs (Gates at `index`, for
/// LSTMP Projection at index + 1).
class LayerLowering {
 public:
  LayerLowering(const CsbModel& m, const CellVectors& v, int layer, uint32_t bias0,
                uint32_t proj_bias);
  /// The chain to stream behind the Gates MVM (writes hn, or m for LSTMP).
  std::vector<PendingOp> gates_stream() const;
  /// LSTMP: the one-op chain streamed behind the Projection MVM (BiasWb into h).
  std::vector<PendingOp> projection_stream() const;
  /// The layer's ops with the streams already attached to `gates` (and `proj`): the Mvm, then
  /// Copy hn -> h, or the Projection Mvm.
  MacroBuilder streamed_ops(int index, const MvmProgram& gates, const MvmProgram& proj) const;
  /// The layer's ops without streams: the Mvm, the unstreamed chain (writing h, or m), and for
  /// LSTMP the Projection Mvm and its BiasWb into h.
  MacroBuilder unstreamed_ops(int index, const MvmProgram& gates, const MvmProgram& proj) const;
  /// The layer's new state as the next layer and StoreY read it.
  Operand streamed_state() const;
  Operand unstreamed_state() const { return h_; }

 private:
  ChainBinding binding(Operand out) const;
  const CellChain& chain_;
  const CellVectors& v_;
  int H_, P_;
  Operand h_, c_, hn_;
  uint32_t bias0_, proj_bias_;
};

}  // namespace csbrnn::compile
