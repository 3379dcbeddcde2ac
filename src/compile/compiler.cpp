// The driver: validation, then per layer the block grid, its MVMs (micro-item emission), the
// cell's variants and the choice between them, then the macro program (list scheduling).
#include "compile/compiler.h"

#include <algorithm>
#include <chrono>

#include "common/error.h"
#include "compile/block_grid.h"
#include "compile/cell_lowering.h"
#include "compile/macro_schedule.h"
#include "compile/micro_emit.h"
#include "compile/validate.h"
#include "compile/variant_choice.h"
#include "isa/stream.h"

namespace csbrnn {
namespace {

using namespace compile;

// The program being built: its MVMs, bias image and ops so far.
struct ProgramState {
  Program prog;
  MacroBuilder mb;               // ops of the layers lowered so far
  std::vector<int64_t> mvm_len;  // analytic Mvm section lengths of prog.mvms
  CompileStats counts;           // iterations counted so far
};

Program program_header(const CsbModel& m, const HwConfig& hw, const std::string& origin) {
  Program prog;
  prog.hw = hw;
  prog.cell = m.cell;
  prog.input_size = m.input_size;
  prog.hidden_size = m.hidden_size;
  prog.proj_size = m.proj_size;
  prog.num_layers = m.num_layers();
  prog.output_size = m.state_size();
  prog.output_perm = m.output_perm;
  prog.fmt = hw.numeric;
  prog.note = m.note.empty() ? origin : origin + ": " + m.note;
  return prog;
}

uint32_t append_bias(Program& prog, const std::vector<int64_t>& b) {
  const uint32_t start = uint32_t(prog.bias.size());
  prog.bias.insert(prog.bias.end(), b.begin(), b.end());
  return start;
}

// Lowers layer k reading `xin`; returns the layer's new state; `*stored`: the layer's last
// stream stores it (eltwise.stream_store).
Operand lower_layer(ProgramState& ps, const CsbModel& m, const CellVectors& vec, int k, Operand xin,
                    const CompileOptions& opt, bool* stored) {
  const HwConfig& hw = ps.prog.hw;
  const CsbLayer& ly = m.layers[k];
  const int H = m.hidden_size, S = m.state_size(), P = m.proj_size, in = m.layer_input_size(k);
  LayerMvms mv;
  CompileStats proj_stats;
  mv.index = int(ps.prog.mvms.size());
  mv.grid = gates_grid(ly, m.cell, H);
  std::vector<ColumnSlice> sl = slices_for(xin, in, mv.grid.grid.bw);
  for (const ColumnSlice& s : slices_for(vec.h[k], S, mv.grid.grid.bw)) sl.push_back(s);
  mv.gates =
      make_mvm(k, MvmKind::Gates, mv.grid, 4 * H, in + S, std::move(sl), hw, &mv.gates_stats);
  const int frac = hw.numeric.wf + hw.numeric.af;
  const uint32_t bias0 = append_bias(ps.prog, gates_bias(ly, m.cell, H, m.has_bias, frac));
  uint32_t proj_bias = 0;
  if (P > 0) {  // compiled once, shared by every variant of the layer
    mv.proj = make_mvm(k, MvmKind::Projection, projection_grid(ly.w_hr), P, H,
                       slices_for(vec.m, H, ly.w_hr.bw), hw, &proj_stats);
    proj_bias = append_bias(ps.prog, std::vector<int64_t>(size_t(P), 0));  // no bias
  }
  const LayerLowering low(m, vec, k, bias0, proj_bias);
  std::vector<Variant> vars =
      layer_variants(std::move(mv), low, k, opt, hw, k + 1 == m.num_layers(), S);
  Variant& v = vars[choose_variant(vars, ps.mb.ops, ps.mvm_len, S, hw)];
  *stored = v.stores_output;
  ps.counts.merge(v.stats, int(ps.prog.mvms.size()));
  ps.prog.mvms.push_back(std::move(v.gates));
  ps.mvm_len.push_back(v.gates_len);
  if (P > 0) {
    ps.counts.merge(proj_stats, int(ps.prog.mvms.size()));
    ps.prog.mvms.push_back(std::move(v.proj));
    ps.mvm_len.push_back(v.proj_len);
  }
  ps.mb.ops.insert(ps.mb.ops.end(), v.ops.ops.begin(), v.ops.ops.end());
  return v.state;
}

void fill_stats(CompileStats& st, const Program& prog, const CompileStats& counts) {
  st.iterations = counts.iterations;
  st.proven_optimal = counts.proven_optimal;
  st.decision_units = counts.decision_units;
  st.proven_units = counts.proven_units;
  st.unproven = counts.unproven;
  st.gap_tiles = counts.gap_tiles;
  st.gaps = counts.gaps;
  st.buffers = buffer_usage(prog);
  st.weight_buffer_overflow = false;
  for (const auto& b : st.buffers) st.weight_buffer_overflow |= b.overflow;
  st.model_max_group_bytes = 0;
  for (uint64_t b : place_weights(prog).total_bytes)
    st.model_max_group_bytes = std::max(st.model_max_group_bytes, b);
}

// Row-group and free sync: every column's input slices must fit its BlockNeuronBuffer, and the
// weights must stay resident (streamed images are not modelled with row-group sync).
void check_row_group(const Program& prog, const std::string& origin) {
  for (size_t i = 0; i < prog.mvms.size(); ++i) {
    const std::string why = resident_inputs_problem(prog.mvms[i], prog.hw);
    if (!why.empty()) fail(origin, ": MVM ", i, " ", why);
  }
  const WeightPlacement w = place_weights(prog);
  for (size_t g = 0; g < w.streamed.size(); ++g)
    for (size_t m = 0; m < w.streamed[g].size(); ++m)
      if (w.streamed[g][m])
        fail(origin, ": engine.sync=", sync_name(prog.hw.engine.sync),
             " needs resident weights, but MVM ", m, "'s image of PEGroup ", g, " (",
             image_bytes(prog.mvms[m].images[g]),
             " bytes) does not fit buffers.weight_buffer_kib = ", prog.hw.buffers.weight_buffer_kib,
             " after the images placed before it; use a larger buffers.weight_buffer_kib");
}

// eltwise.inplace_state: chunk 0 may write the MVM's inputs only once they are all in the
// BlockNeuronBuffers. Row-group sync: every group waits for every slice set in row-group 0.
// Free sync: a group with a tile in row-group 0 does; a row-group 0 without any tile does not wait.
std::string inplace_input_problem(const MvmProgram& mv, const HwConfig& hw) {
  if (hw.engine.sync == SyncMode::RowGroup) return "";
  const int K = hw.engine.K, L = hw.engine.L, P = hw.engine.P, Q = hw.engine.Q;
  for (int b = 0; b < mv.iter_cols; ++b)
    for (int k = 0; k < K; ++k)
      for (int l = 0; l < L; ++l)
        for (const MicroItem& it : mv.at(0, b, k, l, K, L).items)
          if (item_tiles(it, P, Q) > 0) return "";
  return "has no tile in row-group 0, so under engine.sync free its stream could write h before "
         "the inputs are loaded; use engine.sync row-group or eltwise.inplace_state false";
}

}  // namespace

Program compile_program(const CsbModel& m, const HwConfig& hw, const CompileOptions& opt,
                        CompileStats* stats) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string& origin = opt.origin;
  compile::validate(m, hw, origin);
  ProgramState ps;
  ps.prog = program_header(m, hw, origin);
  Allocator alloc(hw.buffers.vector_buffer, origin);
  if (hw.sharing_carry && hw.engine.sync != SyncMode::Free)
    fail(origin, ": sharing.carry needs engine.sync free (the groups run on across row-groups), ",
         "but engine.sync = ", sync_name(hw.engine.sync));
  if (hw.eltwise.inplace_state && !inputs_resident(hw.engine.sync))
    fail(origin,
         ": eltwise.inplace_state needs engine.sync row-group or free (resident inputs), "
         "but engine.sync = ",
         sync_name(hw.engine.sync));
  const CellVectors vec =
      allocate_vectors(m, hw.eltwise.stream, hw.eltwise.inplace_state, alloc, ps.prog.init);
  ps.mb.load_x(vec.x, m.input_size);
  Operand state = vec.x;
  bool stored = false;
  for (int k = 0; k < m.num_layers(); ++k) state = lower_layer(ps, m, vec, k, state, opt, &stored);
  if (!stored) ps.mb.store_y(state, m.state_size());
  if (ps.prog.mvms.size() > 65535) fail(origin, ": too many MVMs");
  ps.prog.words = list_schedule(ps.mb.ops);
  for (const MvmProgram& mv : ps.prog.mvms) {
    if (!stream_writes_inputs(mv)) continue;
    ps.prog.resident_inputs = true;  // eltwise.inplace_state: the program says what it needs
    const std::string why = inplace_input_problem(mv, hw);
    if (!why.empty())
      fail(origin, ": eltwise.inplace_state: MVM ", &mv - ps.prog.mvms.data(), " ", why);
  }
  if (hw.eltwise.stream) check_streams(ps.prog, origin);  // the compiler's own guarantees
  if (inputs_resident(hw.engine.sync)) check_row_group(ps.prog, origin);
  if (stats) {
    fill_stats(*stats, ps.prog, ps.counts);
    stats->seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  return ps.prog;
}

}  // namespace csbrnn
