#include "compile/micro_emit.h"

#include <algorithm>
#include <optional>

#include "common/error.h"
#include "compile/sharing.h"
#include "compile/sharing_solver.h"
#include "timing/cycle_rules.h"

namespace csbrnn::compile {
namespace {

void emit_item(GroupImage& img, GroupIteration& gi, ItemKind kind, const VBlock& vb,
               const Piece& pc, int P, int Q) {
  if (pc.empty()) return;
  MicroItem it;
  it.kind = kind;
  it.rows = uint16_t(pc.rows);
  it.cols = uint16_t(pc.cols);
  it.index_ptr = uint32_t(img.index.size());
  it.weight_ptr = uint32_t(img.weights.size() / size_t(P * Q));
  if (img.index.size() + pc.rows + pc.cols > UINT32_MAX ||
      img.weights.size() / size_t(P * Q) > UINT32_MAX - 1)
    fail("program: a group image exceeds the ISA's 32-bit pointers");
  for (int i = 0; i < pc.rows; ++i) img.index.push_back(vb.row(pc.row0 + i));
  for (int j = 0; j < pc.cols; ++j) img.index.push_back(vb.b->cols[pc.col0 + j]);
  gi.items.push_back(it);
}

void emit_weights(GroupImage& img, const VBlock& vb, const Piece& pc, int P, int Q, int wf) {
  if (pc.empty()) return;
  const int RT = ceil_div(pc.rows, P), CT = ceil_div(pc.cols, Q);
  const size_t base = img.weights.size();
  img.weights.resize(base + size_t(RT) * CT * P * Q, 0);
  int16_t* w = img.weights.data() + base;
  for (int ct = 0; ct < CT; ++ct)
    for (int rt = 0; rt < RT; ++rt, w += P * Q)
      for (int p = 0; p < P; ++p) {
        const int r = rt * P + p;
        if (r >= pc.rows) break;
        for (int q = 0; q < Q; ++q) {
          const int c = ct * Q + q;
          if (c >= pc.cols) break;
          w[p * Q + q] = fx::quantize(vb.val(pc.row0 + r, pc.col0 + c), wf);
        }
      }
}

void emit_piece(GroupImage& img, GroupIteration& gi, ItemKind kind, const VBlock& vb,
                const Piece& pc, const HwConfig& hw) {
  const int P = hw.engine.P, Q = hw.engine.Q;
  emit_item(img, gi, kind, vb, pc, P, Q);
  emit_weights(img, vb, pc, P, Q, hw.numeric.wf);
}

class IterationEmitter {
 public:
  IterationEmitter(MvmProgram& mv, const Grid& g, const HwConfig& hw)
      : mv_(mv), g_(g), hw_(hw), K_(hw.engine.K), L_(hw.engine.L) {
    sp_.K = K_;
    sp_.L = L_;
    sp_.P = hw.engine.P;
    sp_.Q = hw.engine.Q;
    sp_.mode = hw.sharing;
    sp_.max_vertical_fraction = hw.max_vertical_fraction;
    sp_.neighbours = hw.sharing_neighbours;
  }

  // Iteration sync: schedules iteration (a, b) on its own and emits every group's items.
  void emit(int a, int b, CompileStats* stats) {
    const std::vector<KernelSize> kernels = kernels_of(a, b);
    sharing::SolverStats st;
    const IterationSchedule sch =
        sharing::schedule_iteration_ex(kernels, sp_, sharing::SolverOptions{}, &st);
    if (stats) {
      stats->iterations++;
      stats->decision_units++;
      if (sch.proven_optimal) {
        stats->proven_optimal++;
        stats->proven_units++;
      } else {
        stats->add_gap(a * mv_.iter_cols + b, sch.makespan, st.lower_bound);
      }
    }
    emit_iteration(a, b, kernels, sch);
  }

  // Row-group sync: schedules the B iterations of row-group a together, minimising the
  // row-group makespan M(a) = max_g sum_b load_g(a, b) (docs/sharing.md "Row-group
  // scheduling"), then emits them in block-column order (the order the groups walk them).
  // sharing.carry (free sync): minimises max_g (S_g(a) - min S(a) + load_g(a)) instead, with
  // S_g(a) the groups' start times under the free-sync rules (cycle_rules.h) for the row-groups
  // emitted so far, so a group that finished early takes more of this row-group.
  void emit_row_group(int a, CompileStats* stats) {
    const int B = mv_.iter_cols;
    std::vector<std::vector<KernelSize>> kernels(static_cast<size_t>(B));
    for (int b = 0; b < B; ++b) kernels[size_t(b)] = kernels_of(a, b);
    std::vector<int64_t> base;
    if (hw_.sharing_carry) {
      if (a == 0) carry_.emplace(hw_, mv_);
      const std::vector<int64_t> start = carry_->starts();
      const int64_t lo = *std::min_element(start.begin(), start.end());
      for (int64_t s : start) base.push_back(s - lo);
    }
    const sharing::RowGroupSchedule rg =
        sharing::schedule_row_group(kernels, sp_, sharing::RowGroupOptions{}, base);
    if (stats) {
      stats->iterations += B;
      stats->decision_units++;
      if (rg.proven_optimal) {
        stats->proven_optimal += B;
        stats->proven_units++;
      } else {
        stats->add_gap(a, rg.objective, rg.lower_bound);
      }
    }
    for (int b = 0; b < B; ++b) emit_iteration(a, b, kernels[size_t(b)], rg.iters[size_t(b)]);
    if (hw_.sharing_carry) carry_walk(a, rg);
  }

 private:
  std::vector<KernelSize> kernels_of(int a, int b) const {
    std::vector<KernelSize> kernels(size_t(K_) * L_);
    for (int k = 0; k < K_; ++k)
      for (int l = 0; l < L_; ++l) {
        const VBlock& vb = block_at(a * K_ + k, b * L_ + l);
        KernelSize ks{vb.kr(), vb.kc()};
        if (ks.kr == 0 || ks.kc == 0) ks = KernelSize{};
        kernels[size_t(k) * L_ + l] = ks;
      }
    return kernels;
  }

  void emit_iteration(int a, int b, const std::vector<KernelSize>& kernels,
                      const IterationSchedule& sch) {
    CSBRNN_ASSERT(sch.share.size() == kernels.size(), "scheduler returned wrong size");
    std::vector<SplitPieces> split(kernels.size());
    for (size_t x = 0; x < kernels.size(); ++x) {
      CSBRNN_ASSERT(share_is_legal(kernels[x], sch.share[x], sp_), "illegal share decision");
      split[x] = split_kernel(kernels[x], sch.share[x]);
    }
    for (int k = 0; k < K_; ++k)
      for (int l = 0; l < L_; ++l) emit_group(a, b, k, l, sch, split);
  }

  const VBlock& block_at(int i, int j) const {
    static const VBlock kNone;
    return (i < g_.BR && j < g_.BC) ? g_.at(i, j) : kNone;
  }

  void emit_group(int a, int b, int k, int l, const IterationSchedule& sch,
                  const std::vector<SplitPieces>& split) {
    const size_t gidx = size_t(k) * L_ + l;
    const int kl = (l - 1 + L_) % L_, ku = (k - 1 + K_) % K_;
    const int kr = (l + 1) % L_, kd = (k + 1) % K_;
    GroupIteration& gi = mv_.micro[((size_t(a) * mv_.iter_cols + b) * K_ + k) * L_ + l];
    gi.share = sch.share[gidx];
    GroupImage& img = mv_.images[gidx];
    emit_piece(img, gi, ItemKind::Local, block_at(a * K_ + k, b * L_ + l), split[gidx].local, hw_);
    emit_piece(img, gi, ItemKind::FromLeft, block_at(a * K_ + k, b * L_ + kl),
               split[size_t(k) * L_ + kl].horizontal, hw_);
    emit_piece(img, gi, ItemKind::FromUp, block_at(a * K_ + ku, b * L_ + l),
               split[size_t(ku) * L_ + l].vertical, hw_);
    emit_piece(img, gi, ItemKind::FromRight, block_at(a * K_ + k, b * L_ + kr),
               split[size_t(k) * L_ + kr].left, hw_);
    emit_piece(img, gi, ItemKind::FromDown, block_at(a * K_ + kd, b * L_ + l),
               split[size_t(kd) * L_ + l].up, hw_);
    int64_t load = 0;
    for (const MicroItem& it : gi.items) load += item_tiles(it, hw_.engine.P, hw_.engine.Q);
    CSBRNN_ASSERT(load == sch.load[gidx], "group load ", load, " != scheduler load ",
                  sch.load[gidx]);
  }

  // sharing.carry: the free-sync timeline of the row-groups emitted so far
  // (timing::FreeSyncWalk, the analytic model's own walk) steps through row-group a.
  void carry_walk(int a, const sharing::RowGroupSchedule& rg) {
    const int B = mv_.iter_cols;
    const size_t G = size_t(K_) * L_;
    std::vector<int64_t> loads(size_t(B) * G);
    std::vector<char> vertical(G, 0);
    for (size_t g = 0; g < G; ++g) {
      for (int b = 0; b < B; ++b) loads[size_t(b) * G + g] = rg.iters[size_t(b)].load[g];
      const GroupIteration& last =
          mv_.micro[((size_t(a) * B + size_t(B - 1)) * K_ + g / size_t(L_)) * L_ + g % size_t(L_)];
      for (const MicroItem& it : last.items) vertical[g] |= uses_vertical_path(it.kind);
    }
    carry_->step(loads.data(), vertical);
  }

  MvmProgram& mv_;
  const Grid& g_;
  const HwConfig& hw_;
  const int K_, L_;
  ShareParams sp_;
  std::optional<timing::FreeSyncWalk> carry_;  // sharing.carry's free-sync timeline
};

}  // namespace

MvmProgram make_mvm(int layer, MvmKind kind, const MappedGrid& grid, int rows, int cols,
                    std::vector<ColumnSlice> slices, const HwConfig& hw, CompileStats* stats) {
  const Grid& g = grid.grid;
  const int K = hw.engine.K, L = hw.engine.L;
  MvmProgram mv;
  mv.layer = uint16_t(layer);
  mv.kind = kind;
  mv.rows = rows;
  mv.cols = cols;
  mv.bh = g.bh;
  mv.bw = g.bw;
  mv.BR = g.BR;
  mv.BC = g.BC;
  mv.iter_rows = ceil_div(g.BR, K);
  mv.iter_cols = ceil_div(g.BC, L);
  mv.col_slices = std::move(slices);
  mv.row_dest = grid.row_dest;
  mv.images.assign(size_t(K) * L, GroupImage{});
  mv.micro.assign(size_t(mv.iter_rows) * mv.iter_cols * K * L, GroupIteration{});
  IterationEmitter em(mv, g, hw);
  for (int a = 0; a < mv.iter_rows; ++a) {
    if (inputs_resident(hw.engine.sync))
      em.emit_row_group(a, stats);
    else
      for (int b = 0; b < mv.iter_cols; ++b) em.emit(a, b, stats);
  }
  mv.useful_macs = 0;
  for (const VBlock& vb : g.blocks) mv.useful_macs += uint64_t(vb.kr()) * vb.kc();
  return mv;
}

}  // namespace csbrnn::compile
