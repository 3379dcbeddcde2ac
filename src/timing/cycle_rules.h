// The machine's cycle rules: the ONE place both the analytic model (timing/analytic.*) and the
// SystemC model (sim/*) take their latencies from. docs/timing.md is the normative text.
//
// Engine, per MVM (iterations n = (a,b) in a-major, b-inner order; M(n) = makespan in tiles,
// i.e. the busiest group's load; ld(n) = neuron_load_cycles of the widest of the L slices that
// iteration n needs):
//   - the first iteration's inputs load before any issue: ld(0) cycles;
//   - iteration n lasts D(n) = max(M(n), ld(n+1)) (the next slices load underneath, double
//     buffered; ld(n+1) = 0 after the last iteration); max(0, ld(n+1) - M(n)) is input stall;
//   - after the last iteration of row-group a the pipeline drains: drain_cycles(vertical used in
//     that iteration); then that row-group's horizontal reduction runs: reduce_cycles(bh), on a
//     single reduction unit (it waits for the previous reduction to finish);
//   - row-group a+1 starts issuing at max(end of a's drain, end of a-1's reduction) (two
//     NeuronAccumBuffer halves);
//   - the MVM ends when its last reduction ends.
// Element-wise section: eltwise_cycles(unit, count) = ceil(count/lanes) + latency(unit).
// Load/Store section with ideal memory: transfer_cycles(bytes) = ceil(bytes/burst_bytes)
// (one burst per cycle); a real DRAM (memory.ideal = false) adds latency and bandwidth limits in
// the simulator only. A word lasts as long as its longest section; words run back to back.
//
// Stream (an element-wise chain attached to an Mvm section, program.h MvmStream): chunk a (the
// neurons completed by row-group a, n_a of them) starts at max(red_end(a), end of the previous
// non-empty chunk) and lasts stream_chunk_cycles(n_a) = sum over its stages of
// stream_stage_cycles = the longest of the stage's sections at count n_a (eltwise_cycles); an
// empty chunk costs nothing. The Mvm section lasts max(engine cycles, end of the last chunk).
#pragma once
#include <cstdint>
#include <vector>

#include "compile/program.h"
#include "config/hw_config.h"

namespace csbrnn::timing {

enum class EltUnit { Sum, Mult, Sigmoid, Tanh };

int64_t neuron_load_cycles(const HwConfig& hw, int width);
int64_t drain_cycles(const HwConfig& hw, bool vertical_used);
int64_t reduce_cycles(const HwConfig& hw, int bh);
int64_t eltwise_cycles(const HwConfig& hw, EltUnit u, int64_t count);
int64_t transfer_cycles(const HwConfig& hw, int64_t bytes);

/// The element-wise unit class of an element-wise op (BiasWb/Add/Sub/Copy: Sum).
EltUnit elt_unit_of(Op op);
/// One stream stage on a chunk of n elements: max over its sections of eltwise_cycles(unit, n).
int64_t stream_stage_cycles(const HwConfig& hw, const MacroWord& stage, int64_t n);
/// One chunk of n elements through the whole chain (0 for n = 0).
int64_t stream_chunk_cycles(const HwConfig& hw, const MvmStream& s, int64_t n);
/// End of the last chunk, given red_end(a) (the end of every row-group's reduction, cycles from
/// the start of the Mvm section); 0 without a stream.
int64_t stream_end_cycles(const HwConfig& hw, const MvmStream& s,
                          const std::vector<int64_t>& red_end);

}  // namespace csbrnn::timing
