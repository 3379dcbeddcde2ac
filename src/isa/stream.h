// Element-wise chains streamed behind an MVM (program.h MvmStream, docs/isa.md "Streams"): the
// chunk arithmetic both executors share, and the structural check of a program's streams.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

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

// ---- dataflow issue (eltwise.stream_issue = dataflow; docs/timing.md "Stream") ----------------
// A stream's sections in flat order: stage 0's sections, then stage 1's, ... (k = flat index).

/// Stage and section of each flat section index of `s`.
struct StreamSectionRef {
  int stage = 0, section = 0;
};
std::vector<StreamSectionRef> stream_section_refs(const MvmStream& s);

/// deps[k]: the flat indices k' of sections of earlier stages whose bank regions conflict with
/// section k's (k' writes what k reads or writes, or reads what k writes: RAW, WAW, WAR), in
/// ascending order. Regions are the full-width sections' (a chunk shifts every operand by the same
/// offset, so this is the same static matrix for every chunk; a conservative superset where two
/// sections' regions are offset). Within a chunk, instance k may start only after every deps[k]
/// instance of the same chunk is done; chunks never depend on each other (disjoint neurons).
std::vector<std::vector<int>> stream_dependencies(const MvmStream& s);

/// The controller's dataflow issue logic for one stream, without time: a done bit per section
/// instance, a per-unit queue over the stream's instances in priority order (chunk, then flat
/// section), and a priority picker. Instance i = c * sections() + k for the c-th non-empty chunk.
/// The analytic model (timing) drives it with computed times, the SystemC controller with the
/// units' real issue/done events.
class StreamIssueState {
 public:
  explicit StreamIssueState(const MvmStream& s);
  int chunks() const { return int(lo_.size()); }  // non-empty chunks
  int sections() const { return int(unit_.size()); }
  int instances() const { return chunks() * sections(); }
  /// Non-empty chunk of row-group a (-1: its chunk is empty).
  int chunk_of_row_group(int a) const { return chunk_of_[size_t(a)]; }
  uint32_t chunk_lo(int c) const { return lo_[size_t(c)]; }
  uint32_t chunk_n(int c) const { return n_[size_t(c)]; }
  int chunk(int i) const { return i / sections(); }
  int section(int i) const { return i % sections(); }
  Unit unit(int i) const { return unit_[size_t(section(i))]; }
  const StreamSectionRef& ref(int i) const { return refs_[size_t(section(i))]; }
  /// Row-group a's reduction ended: its chunk's instances may start (given their dependencies).
  void reduced(int a);
  /// The highest-priority instance on unit u that is ready and not started, or -1.
  int pick(Unit u) const;
  void start(int i);
  void done(int i);
  bool finished() const { return done_count_ == instances(); }

 private:
  bool ready(int i) const;
  std::vector<StreamSectionRef> refs_;
  std::vector<Unit> unit_;              // per flat section
  std::vector<std::vector<int>> deps_;  // per flat section
  std::vector<uint32_t> lo_, n_;        // per non-empty chunk
  std::vector<int> chunk_of_;           // per row-group
  std::vector<char> reduced_, started_, done_;
  std::vector<std::vector<int>> queue_;  // per unit: its instances in priority order
  std::vector<size_t> head_;             // per unit: first instance not started
  int done_count_ = 0;
};

/// Checks every stream of `p` against the guarantees listed at MvmStream; throws
/// Error("<origin>: inconsistent program: ...") naming the first violation. No-op without
/// streams. Called by check_program.
void check_streams(const Program& p, const std::string& origin);

}  // namespace csbrnn
