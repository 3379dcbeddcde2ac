// Compiler phase: micro-item emission. Turns a block grid into an MvmProgram: per temporal block
// iteration the sharing scheduler's decisions (compile/sharing.h), the MicroItems of every group
// and the group images (block-local indices, int16 weight tiles) they point into.
//
// Contract: make_mvm fills every MvmProgram field except `stream` (docs/isa.md "Micro program").
// Iteration (a, b) covers grid block-rows a*K..a*K+K-1 and block-columns b*L..b*L+L-1 (blocks
// outside the grid are empty); per group it emits the Local piece of its own block, then the
// FromLeft piece of its left neighbour's block (l-1 mod L) and the FromUp piece of its upper
// neighbour's (k-1 mod K), each item's weights appended column-tile-major in P x Q tiles at wf
// bits. It asserts that every decision is legal and that each group's emitted tiles equal the
// scheduler's load; it throws Error when an image outgrows the ISA's 32-bit pointers. `stats`
// (may be null) counts iterations and proven-optimal schedules.
#pragma once
#include <vector>

#include "compile/block_grid.h"
#include "compile/compiler.h"
#include "isa/program.h"

namespace csbrnn::compile {

/// The MVM of `grid` for layer `layer`: `rows` Acc entries, `cols` logical input columns read
/// through `slices` (one per block-column).
MvmProgram make_mvm(int layer, MvmKind kind, const MappedGrid& grid, int rows, int cols,
                    std::vector<ColumnSlice> slices, const HwConfig& hw, CompileStats* stats);

}  // namespace csbrnn::compile
