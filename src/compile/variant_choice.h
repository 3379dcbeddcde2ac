// Compiler phase: the choice between a layer's variants (eltwise.stream). A layer may run its
// element-wise chain after its Gates MVM (unstreamed) or streamed behind it, with the grid's
// block-rows in source order or interleaved; the analytic cost model (timing/analytic.h) picks.
//
// Contract (docs/compiler.md "Streaming"):
//  - layer_variants builds, in this order, streamed-interleaved (unless row_order = Source),
//    streamed-source (unless row_order = Interleaved) — both only when hw.eltwise.stream — and
//    unstreamed (when !hw.eltwise.stream or streaming = Best); with eltwise.stream_store, in the
//    program's last layer, each streamed variant is preceded by the same variant whose last
//    stream (Projection for LSTMP, else Gates) ends with a stage of its own: StoreY Y[t] <-
//    the new state, so the program needs no store word. A streamed variant's Gates MVM
//    carries the cell's chain as its stream (chunk_end: the longest prefix of neurons whose 4
//    Acc entries were written; stages: the chain list-scheduled with adds/subs on Sum1); an
//    LSTMP Projection carries the one-op chain BiasWb -> h.
//  - choose_variant fills each variant's analytic Mvm section lengths and returns the index of
//    the variant whose program prefix (the ops before the layer, the variant's ops, then StoreY
//    of its new state unless the variant stores in its stream) has the fewest cycles (sum over
//    list-scheduled words of the longest section; Mvm sections take their analytic length); ties go
//    to the earlier variant.
#pragma once
#include <cstdint>
#include <vector>

#include "compile/block_grid.h"
#include "compile/cell_lowering.h"
#include "compile/compiler.h"
#include "compile/macro_schedule.h"

namespace csbrnn::compile {

/// What every variant of one layer shares.
struct LayerMvms {
  int index = 0;             // the Gates MVM's index in Program::mvms (Projection: index + 1)
  MappedGrid grid;           // the Gates grid, source block-row order
  MvmProgram gates;          // compiled from `grid`, no stream
  CompileStats gates_stats;  // what compiling `gates` counted
  MvmProgram proj;           // LSTMP: the Projection MVM, no stream (else empty)
};

struct Variant {
  MvmProgram gates, proj;
  int64_t gates_len = 0, proj_len = 0;  // Mvm section lengths (analytic; set by choose_variant)
  CompileStats stats;                   // what compiling this variant's Gates MVM counted
  MacroBuilder ops;                     // the layer's ops
  Operand state;                        // the layer's new state (read by the next layer, StoreY)
  bool stores_output = false;  // the last stream ends with the program's StoreY (stream_store)
};

/// `last_layer`: the program's last layer (with hw.eltwise.stream_store every streamed variant
/// also comes with the StoreY of its new state appended to its last stream, S = state size).
std::vector<Variant> layer_variants(LayerMvms in, const LayerLowering& low, int layer,
                                    const CompileOptions& opt, const HwConfig& hw, bool last_layer,
                                    int S);

/// `mvm_len`: the Mvm section lengths of the MVMs before the layer; `S`: the state size.
size_t choose_variant(std::vector<Variant>& vars, const std::vector<PendingOp>& prefix,
                      const std::vector<int64_t>& mvm_len, int S, const HwConfig& hw);

}  // namespace csbrnn::compile
