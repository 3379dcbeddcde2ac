#include "compile/variant_choice.h"

#include <algorithm>

#include "common/error.h"
#include "compile/micro_emit.h"
#include "timing/analytic.h"

namespace csbrnn::compile {
namespace {

// chunk_end[a]: the longest prefix of neurons 0..N-1 whose G Acc entries (neuron j: j + q*N,
// q < G) have all been written by row-groups <= a.
std::vector<uint32_t> chunk_ends(const MvmProgram& mv, int K, int N, int G) {
  std::vector<int> cnt(size_t(N), 0);
  std::vector<uint32_t> ends;
  uint32_t p = 0;
  for (int a = 0; a < mv.iter_rows; ++a) {
    for (int k = 0; k < K && a * K + k < mv.BR; ++k)
      for (int r = 0; r < mv.bh; ++r) {
        const uint32_t d = mv.row_dest[size_t(a * K + k) * mv.bh + r];
        if (d != kDiscard && d < uint32_t(N * G)) cnt[d % uint32_t(N)]++;
      }
    while (p < uint32_t(N) && cnt[p] == G) ++p;
    ends.push_back(p);
  }
  CSBRNN_ASSERT(p == uint32_t(N), "stream: neurons never completed");
  return ends;
}

// Attaches `chain` (element-wise ops over N neurons, in program order) to `mv` as its stream:
// list-scheduled into stages; adds and subtracts stay on Sum1 so Sum2 is free for the h copy.
void attach_stream(MvmProgram& mv, std::vector<PendingOp> chain, int K, int N, int G) {
  for (PendingOp& op : chain)
    if (op.uc == UClass::Sum) op.uc = UClass::Sum1Only;
  mv.stream.width = uint32_t(N);
  mv.stream.chunk_end = chunk_ends(mv, K, N, G);
  mv.stream.stages = list_schedule(chain);
}

// The Mvm section length of `mv` (analytic: max(engine cycles, stream end)).
int64_t mvm_section_len(const HwConfig& hw, MvmProgram& mv) {
  Program probe;
  probe.hw = hw;
  probe.mvms.push_back(std::move(mv));
  const int64_t c = timing::analyze_mvm(probe, 0).section_end;
  mv = std::move(probe.mvms[0]);
  return c;
}

// Cycles of `words` (sum of their longest sections), Mvm sections taking mvm_len[index].
int64_t program_cycles(const HwConfig& hw, const std::vector<MacroWord>& words,
                       const std::vector<int64_t>& mvm_len) {
  int64_t total = 0;
  for (const MacroWord& w : words) {
    int64_t c = 0;
    for (const Section& s : w.sections)
      c = std::max(c, s.op == Op::Mvm ? mvm_len.at(s.mvm) : timing::section_cycles(hw, s));
    total += c;
  }
  return total;
}

// The program's StoreY of `state` (S elements) as a stream stage of its own.
MacroWord store_stage(Operand state, int S) {
  Section st;
  st.unit = Unit::Store;
  st.op = Op::StoreY;
  st.dst = Operand{Bank::Dram, 0};
  st.a = state;
  st.count = uint32_t(S);
  return MacroWord{{st}};
}

// `store` (the program's last layer, eltwise.stream_store): the last stream ends with StoreY of
// the new state (S elements).
Variant streamed_variant(const LayerMvms& in, bool interleaved, const LayerLowering& low, int layer,
                         const HwConfig& hw, bool store, int S) {
  const int H = in.gates.rows / 4, K = hw.engine.K;
  Variant v;
  if (interleaved) {
    MappedGrid g = in.grid;
    interleave_block_rows(g, H);
    v.gates = make_mvm(layer, MvmKind::Gates, g, in.gates.rows, in.gates.cols, in.gates.col_slices,
                       hw, &v.stats);
  } else {
    v.gates = in.gates;
    v.stats = in.gates_stats;
  }
  attach_stream(v.gates, low.gates_stream(), K, H, 4);
  if (in.proj.rows > 0) {
    v.proj = in.proj;
    attach_stream(v.proj, low.projection_stream(), K, in.proj.rows, 1);
  }
  v.state = low.streamed_state();
  if (store) {
    MvmStream& last = in.proj.rows > 0 ? v.proj.stream : v.gates.stream;
    CSBRNN_ASSERT(last.width == uint32_t(S), "stream_store: the last stream is not the state");
    last.stages.push_back(store_stage(v.state, S));
    v.stores_output = true;
  }
  v.ops = low.streamed_ops(in.index, v.gates, v.proj);  // after the store: the Mvm op claims it
  return v;
}

}  // namespace

std::vector<Variant> layer_variants(LayerMvms in, const LayerLowering& low, int layer,
                                    const CompileOptions& opt, const HwConfig& hw, bool last_layer,
                                    int S) {
  using RowOrder = CompileOptions::RowOrder;
  std::vector<Variant> vars;
  const bool store = last_layer && hw.eltwise.stream_store;
  if (hw.eltwise.stream) {
    for (const bool interleaved : {true, false}) {
      if (opt.row_order == (interleaved ? RowOrder::Source : RowOrder::Interleaved)) continue;
      if (store) vars.push_back(streamed_variant(in, interleaved, low, layer, hw, true, S));
      vars.push_back(streamed_variant(in, interleaved, low, layer, hw, false, S));
    }
  }
  if (!hw.eltwise.stream || opt.streaming == CompileOptions::Streaming::Best) {
    Variant v;
    v.gates = std::move(in.gates);
    v.proj = std::move(in.proj);
    v.stats = in.gates_stats;
    v.ops = low.unstreamed_ops(in.index, v.gates, v.proj);
    v.state = low.unstreamed_state();
    vars.push_back(std::move(v));
  }
  return vars;
}

size_t choose_variant(std::vector<Variant>& vars, const std::vector<PendingOp>& prefix,
                      const std::vector<int64_t>& mvm_len, int S, const HwConfig& hw) {
  for (Variant& v : vars) {
    v.gates_len = mvm_section_len(hw, v.gates);
    if (v.proj.rows > 0) v.proj_len = mvm_section_len(hw, v.proj);
  }
  if (vars.size() < 2) return 0;
  size_t best = 0;
  int64_t best_c = -1;
  for (size_t i = 0; i < vars.size(); ++i) {
    MacroBuilder ops;
    ops.ops = prefix;
    ops.ops.insert(ops.ops.end(), vars[i].ops.ops.begin(), vars[i].ops.ops.end());
    if (!vars[i].stores_output) ops.store_y(vars[i].state, S);
    std::vector<int64_t> len = mvm_len;
    len.push_back(vars[i].gates_len);
    if (vars[i].proj.rows > 0) len.push_back(vars[i].proj_len);
    const int64_t c = program_cycles(hw, list_schedule(ops.ops), len);
    if (best_c < 0 || c < best_c) {
      best = i;
      best_c = c;
    }
  }
  return best;
}

}  // namespace csbrnn::compile
