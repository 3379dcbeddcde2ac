// How a piece of datapath work turns into action counts (stats/actions.h). One function per kind
// of work, called by the simulator beside the isa/semantics.h function that does the work, in
// both timing modes (so the counts cannot differ between them where the work is the same), and by
// program_counts, the analytic route, which walks the program instead of running it.
//
// Why here and not in isa/semantics.h: the isa layer is the machine's arithmetic, shared with the
// functional interpreter, and knows nothing of statistics; a counting hook inside exec_micro_item
// would make every interpreter run pay for it and tie isa to the stats schema. The call sites are
// few (item, BlockNeuronBuffer load, reduction of a block-row, element-wise section, load/store
// section) and each sits next to its semantics call.
#pragma once
#include <cstdint>

#include "isa/program.h"
#include "stats/actions.h"

namespace csbrnn::energy {

using stats::ActionCounts;

/// A micro-item run by a PEGroup (exec_micro_item): its tiles' MAC slots, weight, index and
/// input-buffer reads, accumulator updates and link transfers.
void count_item(ActionCounts& a, const MicroItem& it, int P, int Q);
/// One column slice loaded into a BlockNeuronBuffer of bw entries (load_bnb).
void count_bnb_load(ActionCounts& a, const ColumnSlice& cs, int bw);
/// The column slices of block-column iteration `b` loaded into the L BlockNeuronBuffers
/// (load_bnb_iteration; columns past the matrix load nothing).
void count_bnb_iteration(ActionCounts& a, const MvmProgram& mv, int b, int L);
/// The reduction of one block-row over L NeuronAccumBuffers (reduce_row_group).
void count_reduce(ActionCounts& a, const MvmProgram& mv, int block_row, int L);
/// An element-wise section (exec_elementwise; a stream chunk is its sub-range section).
void count_elementwise(ActionCounts& a, const Section& s);
/// A LoadX / StoreY section: bytes moved and vector-bank accesses (DRAM bursts are counted by
/// the DRAM model in the simulator, by program_counts analytically).
void count_load_store(ActionCounts& a, const Section& s);
/// DRAM bursts of a transfer of `bytes` issued as transactions of at most `burst_bytes`.
int64_t bursts_of(int64_t bytes, int burst_bytes);

/// The action counts of `steps` timesteps of `p`, from the program alone: every word's sections
/// once per timestep, every MVM's iterations (BlockNeuronBuffer loads, items, reductions), the
/// streams' stages over their full width, load/store bursts. Weights are taken as resident (no
/// streamed bursts), like the analytic timing model.
/// `hw`: the simulated machine (its memory.burst_bytes may differ from the compiled one).
ActionCounts program_counts(const Program& p, const HwConfig& hw, int steps);

}  // namespace csbrnn::energy
