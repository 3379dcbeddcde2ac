// Compiler phase: the block grid. Which CSB blocks an MVM multiplies, in which block-row order,
// and where each of its rows lands in the Acc bank (the ReorderLogic's row_dest); the layer's
// bias image in the same Acc layout; the column slices feeding the block-columns.
//
// Contract (docs/compiler.md "Mapping", docs/isa.md):
//  - gates_grid: block-columns of W_ih then of W_hh (each with its own edge padding). LSTM:
//    ceil(4H/bh) block-rows, grid row r -> Acc r. GRU: the ceil(3H/bh) block-rows of
//    [W_ih | W_hh without its n rows] (grid row r -> Acc r), then one extra block-row per W_hh
//    block-row holding n rows, with only those n rows (ih columns empty), grid row of W_hh row
//    2H+j -> Acc 3H+j; so the Acc layout is [r; z; gi_n; gh_n]. Padding rows (and GRU rows whose
//    weights all moved to the extra block-rows) -> kDiscard.
//  - projection_grid: W_hr as stored, rows [0, P) -> Acc [0, P).
//  - interleave_block_rows: a stable permutation of whole block-rows (blocks and their row_dest
//    rows together; the Acc layout is unchanged) by the smallest neuron (Acc offset mod N) each
//    writes, block-rows writing nothing last.
//  - gates_bias: 4H entries at wf+af bits: b_ih + b_hh per Acc row; GRU's n rows separately,
//    b_ih at 2H..3H and b_hh at 3H..4H; zeros for a model without biases.
// The grids point into the CsbLayer they were built from: it must outlive them.
#pragma once
#include <cstdint>
#include <vector>

#include "isa/program.h"
#include "model/csb.h"

namespace csbrnn::compile {

/// row_dest value of a row whose sum is dropped.
constexpr uint32_t kDiscard = UINT32_MAX;

inline int ceil_div(int a, int b) {
  return (a + b - 1) / b;
}

/// A block of the grid: a source CSB block, optionally with only some of its kept rows.
struct VBlock {
  const CsbBlock* b = nullptr;
  std::vector<int> rsel;  // positions into b->rows; used when !all_rows
  bool all_rows = true;
  int kr() const { return b ? (all_rows ? b->kr() : int(rsel.size())) : 0; }
  int kc() const { return b ? b->kc() : 0; }
  int rpos(int i) const { return all_rows ? i : rsel[i]; }
  uint16_t row(int i) const { return b->rows[rpos(i)]; }
  float val(int i, int j) const { return b->values[size_t(rpos(i)) * b->kc() + j]; }
};

struct Grid {
  int BR = 0, BC = 0, bh = 0, bw = 0;
  std::vector<VBlock> blocks;  // BR*BC, row-major
  const VBlock& at(int i, int j) const { return blocks[size_t(i) * BC + j]; }
  VBlock& at(int i, int j) { return blocks[size_t(i) * BC + j]; }
};

/// A grid and its ReorderLogic map: row_dest[i*bh + r] = Acc offset of grid row (i, r).
struct MappedGrid {
  Grid grid;
  std::vector<uint32_t> row_dest;  // BR*bh
};

/// The Gates MVM of a layer of `cell` with hidden size H (see the contract).
MappedGrid gates_grid(const CsbLayer& layer, CellType cell, int H);
/// The LSTMP Projection MVM over `w_hr` (proj_size = w_hr.rows).
MappedGrid projection_grid(const CsbMatrix& w_hr);
/// Block-rows reordered so that row-groups complete neurons 0..N-1 early (see the contract).
void interleave_block_rows(MappedGrid& g, int N);
/// The layer's bias image (4H entries) at `frac_bits` (wf + af).
std::vector<int64_t> gates_bias(const CsbLayer& layer, CellType cell, int H, bool has_bias,
                                int frac_bits);
/// One column slice per block-column of width `bw` over the n entries at `src`.
std::vector<ColumnSlice> slices_for(Operand src, int n, int bw);

}  // namespace csbrnn::compile
