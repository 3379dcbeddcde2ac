#include "compile/micro_emit.h"

#include <algorithm>
#include <numeric>

#include "common/error.h"
#include "compile/sharing.h"
#include "compile/sharing_solver.h"

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

// A lower bound on a row-group's makespan from where tiles can go: a group's tiles stay with it
// or move one hop right (horizontal sharing) or down (vertical), so the tiles of the kernels of
// any h x w rectangle S of groups on the K x L torus land in S, its right shift and its down
// shift: h * min(w + 1, L) + w (h < K) groups when both directions are allowed. The maximum over
// all rectangles of ceil(tiles(S) / |that union|) (S = all groups gives ceil(total / G)).
int64_t neighbourhood_bound(const std::vector<int64_t>& own, int K, int L, bool right, bool down) {
  int64_t lb = 0;
  for (int h = 1; h <= K; ++h)
    for (int w = 1; w <= L; ++w) {
      const int64_t reach = int64_t(h) * (right ? std::min(w + 1, L) : w) + (down && h < K ? w : 0);
      for (int k0 = 0; k0 < (h == K ? 1 : K); ++k0)
        for (int l0 = 0; l0 < (w == L ? 1 : L); ++l0) {
          int64_t t = 0;
          for (int i = 0; i < h; ++i)
            for (int j = 0; j < w; ++j) t += own[size_t((k0 + i) % K) * L + (l0 + j) % L];
          lb = std::max(lb, (t + reach - 1) / reach);
        }
    }
  return lb;
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
  void emit_row_group(int a, CompileStats* stats) {
    const int B = mv_.iter_cols;
    const size_t G = size_t(K_) * L_;
    std::vector<std::vector<KernelSize>> kernels(static_cast<size_t>(B));
    std::vector<int64_t> tiles(size_t(B), 0);
    int64_t total = 0;
    std::vector<int64_t> min_load(G, 0);  // sum over b of the smallest load g can have in b
    std::vector<int64_t> own(G, 0);       // sum over b of g's kernel tiles
    for (int b = 0; b < B; ++b) {
      kernels[size_t(b)] = kernels_of(a, b);
      for (size_t g = 0; g < G; ++g) {
        const std::vector<sharing::TileOption> opts =
            sharing::tile_options(kernels[size_t(b)][g], sp_);
        int32_t m = opts[0].local;
        for (const auto& o : opts) m = std::min(m, o.local);
        min_load[g] += m;
        tiles[size_t(b)] += opts[0].local;
        own[g] += opts[0].local;
      }
      total += tiles[size_t(b)];
    }
    const int64_t lb = std::max({(total + int64_t(G) - 1) / int64_t(G),
                                 *std::max_element(min_load.begin(), min_load.end()),
                                 neighbourhood_bound(own, K_, L_, sharing::horizontal_allowed(sp_),
                                                     sharing::vertical_allowed(sp_))});
    // Largest iterations first, each on top of the loads placed so far.
    std::vector<int> order(static_cast<size_t>(B));
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](int x, int y) { return tiles[size_t(x)] > tiles[size_t(y)]; });
    std::vector<IterationSchedule> sch(static_cast<size_t>(B));
    std::vector<int64_t> acc(G, 0);
    for (int b : order) {
      if (tiles[size_t(b)] == 0) {
        sch[size_t(b)] = schedule_iteration(kernels[size_t(b)], sp_);
        continue;
      }
      sch[size_t(b)] = solve(kernels[size_t(b)], acc);
      for (size_t g = 0; g < G; ++g) acc[g] += sch[size_t(b)].load[g];
    }
    // Improvement passes: re-solve each iteration on top of the others' loads; keep the new
    // schedule when it lowers (M(a), sum of squared loads).
    auto score = [](const std::vector<int64_t>& v) {
      int64_t m = 0, sq = 0;
      for (int64_t x : v) m = std::max(m, x), sq += x * x;
      return std::make_pair(m, sq);
    };
    auto cur = score(acc);
    if (sp_.mode != SharingMode::None)
      for (int pass = 0; pass < kRowGroupPasses && cur.first > lb; ++pass) {
        bool changed = false;
        for (int b : order) {
          if (tiles[size_t(b)] == 0 || cur.first <= lb) continue;
          std::vector<int64_t> others(G);
          for (size_t g = 0; g < G; ++g) others[g] = acc[g] - sch[size_t(b)].load[g];
          IterationSchedule s2 = solve(kernels[size_t(b)], others);
          std::vector<int64_t> next(G);
          for (size_t g = 0; g < G; ++g) next[g] = others[g] + s2.load[g];
          const auto sc = score(next);
          if (sc < cur) {
            cur = sc;
            acc = std::move(next);
            sch[size_t(b)] = std::move(s2);
            changed = true;
          }
        }
        if (!changed) break;
      }
    const bool proven = cur.first == lb;
    if (stats) {
      stats->iterations += B;
      stats->decision_units++;
      if (proven) {
        stats->proven_optimal += B;
        stats->proven_units++;
      } else {
        stats->add_gap(a, cur.first, lb);
      }
    }
    for (int b = 0; b < B; ++b) emit_iteration(a, b, kernels[size_t(b)], sch[size_t(b)]);
  }

 private:
  static constexpr int kRowGroupPasses = 2;
  // Each iteration of a row-group is solved up to 1 + kRowGroupPasses times, and optimality is
  // judged on the row-group (M(a) == LB(a)), so one solve gets a fifth of the iteration budget.
  static sharing::SolverOptions row_group_budget() {
    sharing::SolverOptions o;
    o.node_budget /= 5;
    o.work_budget /= 5;
    return o;
  }

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

  IterationSchedule solve(const std::vector<KernelSize>& kernels,
                          const std::vector<int64_t>& base) const {
    return sharing::schedule_iteration_ex(kernels, sp_, row_group_budget(), nullptr, base);
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
    GroupIteration& gi = mv_.micro[((size_t(a) * mv_.iter_cols + b) * K_ + k) * L_ + l];
    gi.share = sch.share[gidx];
    GroupImage& img = mv_.images[gidx];
    emit_piece(img, gi, ItemKind::Local, block_at(a * K_ + k, b * L_ + l), split[gidx].local, hw_);
    emit_piece(img, gi, ItemKind::FromLeft, block_at(a * K_ + k, b * L_ + kl),
               split[size_t(k) * L_ + kl].horizontal, hw_);
    emit_piece(img, gi, ItemKind::FromUp, block_at(a * K_ + ku, b * L_ + l),
               split[size_t(ku) * L_ + l].vertical, hw_);
    int64_t load = 0;
    for (const MicroItem& it : gi.items) load += item_tiles(it, hw_.engine.P, hw_.engine.Q);
    CSBRNN_ASSERT(load == sch.load[gidx], "group load ", load, " != scheduler load ",
                  sch.load[gidx]);
  }

  MvmProgram& mv_;
  const Grid& g_;
  const HwConfig& hw_;
  const int K_, L_;
  ShareParams sp_;
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
