// The datapath semantics of the program (docs/isa.md), in reusable pieces: the functional
// interpreter (isa/interpreter.*) and the SystemC model call these SAME functions and add
// only timing. Every number goes through numeric/fixed_point.h.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

#include "isa/program.h"

namespace csbrnn {

/// The vector banks of the machine: A..E (int16), Acc (int64, 48-bit values), Bias (int64).
struct MachineBanks {
  std::array<std::vector<int16_t>, 5> v;  // A..E
  std::vector<int64_t> acc;
  std::vector<int64_t> bias;

  /// Sizes the banks for `p` (A..E and Acc: hw.buffers.vector_buffer entries; Bias: the image)
  /// and writes the Bias image and the initial state (Program::init).
  void reset(const Program& p);
};

/// Throws Error when `s` addresses outside a bank (a corrupt or foreign program).
void check_section_bounds(const Section& s, const MachineBanks& m, const Program& p);

/// One element-wise section (BiasWb, Add, Sub, Mul, Sigmoid, Tanh, Copy): all inputs are read
/// before any output is written, so in-place operation is well defined.
void exec_elementwise(const Section& s, MachineBanks& m, const fx::Format& f);
/// Whether an element-wise `op` reads a second operand `b` (biaswb: the Bias bank; add, sub, mul)
/// besides `a`.
bool reads_b(Op op);
/// LoadX: dst[i] = x_row[a.addr + i]. `x_row` has `input_size` entries.
void exec_load(const Section& s, MachineBanks& m, const int16_t* x_row, int input_size);
/// StoreY: y_row[dst.addr + i] = a[i]. `y_row` has `output_size` entries.
void exec_store(const Section& s, const MachineBanks& m, int16_t* y_row, int output_size);

/// Fills a BlockNeuronBuffer (bw entries) from a column slice; entries past width read as 0.
void load_bnb(const ColumnSlice& cs, const MachineBanks& m, int bw, int16_t* bnb);
/// Fills the L BlockNeuronBuffers of block-column iteration `b` of `mv` (buffer l: `mv.bw`
/// entries at bnb + l * bw) with column slice b * L + l, or zeros past the matrix (>= mv.BC).
/// The one fill loop of the interpreter and both simulator timing modes.
void load_bnb_iteration(const MvmProgram& mv, int b, int L, const MachineBanks& m, int16_t* bnb);

/// One micro-item's tile loop (column tile outer, row tile inner, P x Q products per tile):
/// nab[row_idx[r]] += w[r][c] * bnb[col_idx[c]] for every kept (r,c) of the piece.
/// Returns the number of tiles issued.
int64_t exec_micro_item(const MicroItem& it, const GroupImage& img, int P, int Q,
                        const int16_t* bnb, int64_t* nab);

/// Horizontal reduction of block-row `block_row` (the L NeuronAccumBuffers of one group row,
/// bh entries each) through ReorderLogic: Acc[acc_base + row_dest[block_row*bh + r]] =
/// sum_l nab[l][r], skipped where row_dest is UINT32_MAX.
void reduce_row_group(const MvmProgram& mv, int block_row, const std::vector<int64_t*>& nabs,
                      uint32_t acc_base, std::vector<int64_t>& acc);

/// The whole MVM of a section, functionally (iteration by iteration, items literally, torus
/// neighbours, vertical path, reduction): what the CSB-Engine computes.
void exec_mvm(const Program& p, const Section& s, MachineBanks& m);

/// Checks a decoded program's internal consistency (pointers inside images, sizes, indices);
/// throws Error("<origin>: ...") naming the first problem.
/// Whether unit `u` may execute `op` (Sum1/Sum2 both add and subtract, Mult1/Mult2 both
/// multiply, biaswb only on Sum1, copy only on Sum2): the ISA's one unit/op rule.
bool unit_can_run(Unit u, Op op);

void check_program(const Program& p, const std::string& origin);

}  // namespace csbrnn
