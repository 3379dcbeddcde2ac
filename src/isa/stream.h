// Element-wise chains streamed behind an MVM (program.h MvmStream, docs/isa.md "Streams"): the
// chunk arithmetic both executors share, and the structural check of a program's streams.
#pragma once
#include <cstdint>
#include <string>

#include "isa/program.h"
#include "isa/semantics.h"

namespace csbrnn {

/// Neurons [lo, hi) of row-group a's chunk.
inline uint32_t stream_chunk_lo(const MvmStream& s, int a) {
  return a == 0 ? 0 : s.chunk_end[size_t(a) - 1];
}

/// `s` (a full-width stream section) restricted to neurons [lo, lo + n): every operand + lo.
Section stream_section(const Section& s, uint32_t lo, uint32_t n);

/// Runs chunk a of `st` (all stages, in order) on the banks; a StoreY stage writes `y_row` (the
/// timestep's output row of p.output_size elements).
void exec_stream_chunk(const Program& p, const MvmStream& st, int a, MachineBanks& m,
                       int16_t* y_row);

/// Runs the MVM of an Mvm section and then its stream chunk by chunk (equivalent to the
/// machine's interleaving; see program.h).
void exec_mvm_streamed(const Program& p, const Section& s, MachineBanks& m, int16_t* y_row);

/// Whether a section of `mv`'s stream writes a vector the MVM reads (a column slice): legal only
/// in a program with resident_inputs (eltwise.inplace_state).
bool stream_writes_inputs(const MvmProgram& mv);

/// Checks every stream of `p` against the guarantees listed at MvmStream; throws
/// Error("<origin>: inconsistent program: ...") naming the first violation. No-op without
/// streams. Called by check_program.
void check_streams(const Program& p, const std::string& origin);

}  // namespace csbrnn
