// The program the compiler emits and both the functional interpreter and the SystemC model run.
// docs/isa.md is the normative description; this header is the in-memory form.
//
// Machine state (docs/architecture.md §5.1, §6):
//  - vector banks A..E: int16 entries (buffers.vector_buffer each), activations at af bits;
//  - Acc bank: int64 entries (48-bit), the CSB-Engine's outputs at wf+af bits;
//  - Bias bank: int64 entries at wf+af bits, loaded by the host;
//  - per PEGroup: WeightBuffer (int16 tiles) and index memory (uint16 block-local indices);
//  - DRAM: the input sequence X (T x input_size int16) and the output sequence Y.
//
// A timestep runs `words` once, in order; a word retires when all its sections have finished.
// Sections inside one word never depend on each other (the list scheduler guarantees it), so
// their order inside a word is irrelevant to the result.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "config/hw_config.h"
#include "isa/sharing_geometry.h"
#include "model/rnn_model.h"
#include "numeric/fixed_point.h"

namespace csbrnn {

enum class Bank : uint8_t { A = 0, B, C, D, E, Acc, Bias, Dram };
enum class Unit : uint8_t { Load = 0, Engine, Sum1, Sum2, Mult1, Mult2, Sigmoid, Tanh, Store };
constexpr int kUnitCount = 9;

enum class Op : uint8_t {
  LoadX = 0,  // Load:    dst[i] = X[t][a.addr + i]                  (Dram -> A..E)
  Mvm,        // Engine:  Acc[dst.addr + row_dest[r]] = (W x)[r] for MVM `mvm`
  BiasWb,     // Sum1:    dst[i] = fx::writeback(Acc[a+i] + Bias[b+i])  (-> A..E)
  Add,        // Sum1/2:  dst[i] = fx::add(a[i], b[i])
  Sub,        // Sum1/2:  dst[i] = fx::sub(a[i], b[i])
  Mul,        // Mult1/2: dst[i] = fx::mul(a[i], b[i])
  Sigmoid,    // Sigmoid: dst[i] = fx::sigmoid(a[i])
  Tanh,       // Tanh:    dst[i] = fx::tanh(a[i])
  Copy,       // Sum2:    dst[i] = a[i]
  StoreY,     // Store:   Y[t][dst.addr + i] = a[i]                 (A..E -> Dram)
};

struct Operand {
  Bank bank = Bank::A;
  uint32_t addr = 0;
};

struct Section {
  Unit unit = Unit::Sum1;
  Op op = Op::Add;
  Operand dst, a, b;
  uint32_t count = 0;  // elements (for Mvm: the MVM's row count)
  uint16_t mvm = 0;    // Mvm: index into Program::mvms
};

struct MacroWord {
  std::vector<Section> sections;  // at most one per unit
};

// ---- CSB-Engine micro-program ------------------------------------------------------------

enum class ItemKind : uint8_t { Local = 0, FromLeft = 1, FromUp = 2, FromRight = 3, FromDown = 4 };

/// One piece a PEGroup processes in one iteration (paper Fig. 9). Normative semantics for group
/// (k,l) in iteration (a,b), with kl = (l-1+L)%L, ku = (k-1+K)%K, kr = (l+1)%L, kd = (k+1)%K:
///   Local:    source block (a*K+k, b*L+l);  inputs BNB[l];  accumulate into NAB[k][l]
///   FromLeft: source block (a*K+k, b*L+kl); inputs BNB[kl]; accumulate into NAB[k][l]
///   FromUp:   source block (a*K+ku, b*L+l); inputs BNB[l];  accumulate into NAB[ku][l]
///             (over the vertical accumulation path)
///   FromRight: source block (a*K+k, b*L+kr); inputs BNB[kr]; accumulate into NAB[k][l]
///             (over the leftward horizontal link; sharing.neighbours = 4 only)
///   FromDown: source block (a*K+kd, b*L+l); inputs BNB[l];  accumulate into NAB[kd][l]
///             (its sums go back down the vertical path to the giver; sharing.neighbours = 4)
/// Index memory at index_ptr: `rows` block-local row indices (NAB addresses) followed by `cols`
/// block-local column indices (BNB addresses). Weights: ceil(cols/Q) x ceil(rows/P) tiles from
/// tile `weight_ptr`, column-tile outer, row-tile inner; a tile is P*Q int16 row-major [p][q]
/// (piece row rt*P+p, piece col ct*Q+q; zero where outside the piece).
struct MicroItem {
  ItemKind kind = ItemKind::Local;
  uint16_t rows = 0, cols = 0;  // trip counts (piece size in kernel rows / cols)
  uint32_t index_ptr = 0;
  uint32_t weight_ptr = 0;  // in tiles
};

/// Tiles a micro-item issues: ceil(rows/P) * ceil(cols/Q) (0 when empty).
inline int64_t item_tiles(const MicroItem& it, int P, int Q) {
  if (it.rows == 0 || it.cols == 0) return 0;
  return int64_t((it.rows + P - 1) / P) * ((it.cols + Q - 1) / Q);
}

/// Items whose sums take a vertical accumulation path: from the group above (FromUp) or, with
/// sharing.neighbours = 4, back down into the group below (FromDown). Their tiles use the vertical
/// path's extra pipeline stage, and a row-group whose last iteration issued one drains longer.
inline bool uses_vertical_path(ItemKind k) {
  return k == ItemKind::FromUp || k == ItemKind::FromDown;
}

struct GroupIteration {
  std::vector<MicroItem> items;  // 0..5, at most one of each kind, issued in this order
  GroupShare share;              // what this group gave away (for reports and disassembly)
};

struct GroupImage {
  std::vector<int16_t> weights;  // tiles of P*Q values
  std::vector<uint16_t> index;   // index memory
};

/// Where the inputs of one block-column come from (loaded into that column's BlockNeuronBuffer).
struct ColumnSlice {
  Operand src;         // vector bank and first element
  uint16_t width = 0;  // elements (<= bw); BNB entries past width read as 0
};

enum class MvmKind : uint8_t { Gates = 0, Projection = 1 };

/// An element-wise chain streamed behind an MVM (docs/isa.md "Streams", eltwise.stream). Normative
/// semantics: after the reduction of row-group a has been written to Acc, the chain runs on the
/// neurons [lo, hi) = [chunk_end[a-1], chunk_end[a]) (lo = 0 for a = 0): its stages in order, each
/// stage's sections together, every section executed on the sub-range [lo, hi) — each of its
/// operands (dst, a, b) shifted by lo, count hi - lo — with exactly the arithmetic of the
/// element-wise op (so the same fx operations per element as the unstreamed program). Chunks are
/// taken in row-group order and pipelined through the units (timing/cycle_rules.h); they touch
/// disjoint neurons, so this equals running them one after the other. An empty chunk (lo == hi)
/// costs nothing.
/// A stage may instead be a StoreY on the Store unit (eltwise.stream_store): Y[t][dst + lo ..)
/// <- a[lo .. hi), its source written by earlier stages of the chunk.
/// check_streams (isa/stream.h) guarantees: chunk a reads only Acc entries whose last writer
/// in this MVM is a row-group <= a; the chain writes nothing the MVM reads (column slices) —
/// unless Program::resident_inputs, where the MVM's inputs are all in the BlockNeuronBuffers
/// before chunk 0 starts — or writes (Acc); a StoreY stage stores only what earlier stages
/// wrote; sections of one stage are independent; the word holding the Mvm section has no other
/// section on a unit the stream uses. Hence running the whole MVM first and the chunks
/// afterwards (the interpreter) computes the same as interleaving them (the machine).
struct MvmStream {
  uint32_t width = 0;               // neurons N; every stage section has count == width
  std::vector<uint32_t> chunk_end;  // iter_rows entries, nondecreasing, last == width
  std::vector<MacroWord> stages;    // element-wise sections only; empty = no stream
  bool empty() const { return stages.empty(); }
};

struct MvmProgram {
  uint16_t layer = 0;
  MvmKind kind = MvmKind::Gates;
  // rows: Acc entries the MVM writes (the Mvm section's count): LSTM 4H; GRU 4H laid out
  // [r; z; gi_n; gh_n]; projection P. cols: logical input width (layer input + state, or H).
  int rows = 0, cols = 0;
  int bh = 0, bw = 0;
  int BR = 0, BC = 0;                   // block rows / cols
  int iter_rows = 0;                    // A = ceil(BR / K)
  int iter_cols = 0;                    // B = ceil(BC / L)
  std::vector<ColumnSlice> col_slices;  // BC
  // ReorderLogic: BR*bh entries, indexed by padded row (block_row*bh + block-local row); the
  // Acc offset that row's reduced sum goes to, or UINT32_MAX = discard (padding rows, and GRU
  // rows whose weights were all moved to the extra gh_n block-rows). GRU: block-rows
  // 0..ceil(3H/bh)-1 hold [W_ih | W_hh without n rows]; the extra block-rows after them hold
  // only W_hh's n rows (same block-local row indices as W_hh's block-rows, ih columns empty).
  // With eltwise.stream the compiler permutes whole block-rows (the grid's block-row i is some
  // source block-row; row_dest still sends every row to its Acc offset, so the Acc layout is
  // unchanged) so that row-groups complete neurons early (docs/compiler.md).
  std::vector<uint32_t> row_dest;
  std::vector<GroupIteration> micro;  // ((a*B + b)*K + k)*L + l
  std::vector<GroupImage> images;     // K*L
  uint64_t useful_macs = 0;           // sum of kr*kc over blocks (kept weights)
  MvmStream stream;                   // element-wise chain streamed behind the engine (or none)
  const GroupIteration& at(int a, int b, int k, int l, int K, int L) const {
    return micro[((size_t(a) * iter_cols + b) * K + k) * L + l];
  }
};

/// Initial contents the host writes into a vector bank before the first timestep (h0, c0 ...).
struct BankInit {
  Operand dst;
  std::vector<int16_t> values;
};

struct Program {
  HwConfig hw;  // the configuration compiled for (the simulator refuses a contradicting one)
  CellType cell = CellType::LSTM;
  int input_size = 0, hidden_size = 0, proj_size = 0, num_layers = 0;
  int output_size = 0;  // elements of Y per timestep
  fx::Format fmt;
  std::vector<MvmProgram> mvms;
  std::vector<MacroWord> words;  // one timestep, all layers
  std::vector<int64_t> bias;     // the Bias bank image
  std::vector<BankInit> init;    // initial state (zeros unless given)
  std::string note;              // provenance
  /// The model's output permutation (RnnModel::output_perm; empty = identity): the Store path's
  /// H-entry index table. Y row element i is delivered at position output_perm[i], so Y comes out
  /// in the unpermuted model's order; StoreY writes whole rows, so the scatter stays inside the
  /// row the Store already writes and moves no extra byte (docs/pruning.md).
  std::vector<uint32_t> output_perm;
  /// The program needs resident inputs (engine.sync row-group or free: every BlockNeuronBuffer
  /// holds its column's whole MVM input, loaded once before row-group 0 can end): its streams may
  /// write what their MVM reads (eltwise.inplace_state writes h in place). Container flag bit 1;
  /// the simulator refuses such a program under engine.sync iteration.
  bool resident_inputs = false;
};

}  // namespace csbrnn
