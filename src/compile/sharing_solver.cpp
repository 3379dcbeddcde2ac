// Exact minimum-makespan search for one temporal block iteration (docs/sharing.md).
//
// Model. Each group g picks one option o_g (a distinct (h, v) tile split, local = T_g - h - v).
// Its load is local(o_g) + h(o_left(g)) + v(o_up(g)). For a makespan M we ask whether some choice
// keeps every load <= M. We search over variables X_g (tiles g gives right) and Y_g (tiles g
// gives down), with the constraint of group g
//     X_left(g) + Y_up(g) + F_g(X_g, Y_g) <= M,   F_g(x, y) = min local over options h<=x, v<=y,
// where X_g / Y_g are upper bounds on what g actually gives: lowering a giver's output never
// hurts anybody, so this relaxation has a solution iff the real problem has one. Domains are the
// distinct h (resp. v) values of the group's options, kept as index intervals; bounds
// propagation runs to a fixpoint, then the search branches on the options of one still
// unsatisfied group (fewest candidates first). Every branch fixes one more group, so the depth is
// at most K*L; the branching is complete (see docs/sharing.md for the argument).
#include <algorithm>
#include <array>
#include <climits>
#include <cmath>
#include <numeric>
#include <optional>

#include "common/error.h"
#include "compile/sharing_solver.h"

namespace csbrnn {
namespace sharing {

std::vector<TileOption> tile_options(KernelSize k, const ShareParams& p) {
  if (k.kr < 0 || k.kc < 0) fail("sharing: negative kernel size ", k.kr, "x", k.kc);
  if (p.P < 1 || p.Q < 1) fail("sharing: bad PEGroup shape ", p.P, "x", p.Q);
  const int TR = (k.kr + p.P - 1) / p.P, TC = (k.kc + p.Q - 1) / p.Q;
  const int32_t T = TR * TC;
  std::vector<TileOption> out;
  out.push_back(TileOption{T, 0, 0, GroupShare{}});
  if (T == 0) return out;
  const int amax = horizontal_allowed(p) ? TR : 0;
  int bmax = 0;
  if (vertical_allowed(p)) {
    const int limit = max_vertical_cols(k.kc, p.max_vertical_fraction);
    while (bmax < TC && std::min((bmax + 1) * p.Q, k.kc) <= limit) ++bmax;
  }
  // With four neighbours a (b) counts the row (col) tiles of the right (down) piece and a2 (b2)
  // those of the left (up) piece; with two, a2 = b2 = 0 (the paper's enumeration, unchanged).
  const bool four = p.neighbours == 4;
  for (int order = 0; order < 2; ++order) {
    for (int a = 0; a <= amax; ++a) {
      for (int a2 = 0; a2 <= (four ? amax - a : 0); ++a2) {
        for (int b = 0; b <= bmax; ++b) {
          for (int b2 = 0; b2 <= (four ? bmax - b : 0); ++b2) {
            if (a + a2 == 0 && b + b2 == 0) continue;
            TileOption o;
            o.local = (TR - a - a2) * (TC - b - b2);
            if (order == 0) {
              o.h = a * TC;
              o.hl = a2 * TC;
              o.v = (TR - a - a2) * b;
              o.vu = (TR - a - a2) * b2;
            } else {
              o.v = TR * b;
              o.vu = TR * b2;
              o.h = a * (TC - b - b2);
              o.hl = a2 * (TC - b - b2);
            }
            o.share.order = order == 0 ? CutOrder::RowsFirst : CutOrder::ColsFirst;
            o.share.h_rows = o.h == 0 ? 0 : std::min(a * p.P, k.kr);
            o.share.v_cols = o.v == 0 ? 0 : std::min(b * p.Q, k.kc);
            o.share.hl_rows = o.hl == 0 ? 0 : std::min((a + a2) * p.P, k.kr) - o.share.h_rows;
            o.share.vu_cols = o.vu == 0 ? 0 : std::min((b + b2) * p.Q, k.kc) - o.share.v_cols;
            if (o.h + o.hl == 0 || o.v + o.vu == 0) o.share.order = CutOrder::RowsFirst;
            if (o.h + o.hl == 0 && o.v + o.vu == 0) continue;
            out.push_back(o);
          }
        }
      }
    }
  }
  std::stable_sort(out.begin(), out.end(), [](const TileOption& x, const TileOption& y) {
    if (x.h != y.h) return x.h < y.h;
    if (x.v != y.v) return x.v < y.v;
    return x.hl != y.hl ? x.hl < y.hl : x.vu < y.vu;
  });
  out.erase(std::unique(out.begin(), out.end(),
                        [](const TileOption& x, const TileOption& y) {
                          return x.h == y.h && x.v == y.v && x.hl == y.hl && x.vu == y.vu;
                        }),
            out.end());
  return out;
}

namespace {

int32_t index_of(const std::vector<int32_t>& d, int32_t v) {
  return int32_t(std::lower_bound(d.begin(), d.end(), v) - d.begin());
}
int32_t last_le(const std::vector<int32_t>& d, int32_t v) {
  return int32_t(std::upper_bound(d.begin(), d.end(), v) - d.begin()) - 1;
}

// Bounds propagation of both searches (two and four neighbours): narrows a variable's index
// interval [i, j] into the sorted domain `dom` to the values in [lo, hi]; false when empty.
bool narrow(int32_t& i, int32_t& j, const std::vector<int32_t>& dom, int64_t lo, int64_t hi,
            bool& changed) {
  if (hi < dom[size_t(j)]) {
    const int32_t nj = hi < 0 ? -1 : last_le(dom, int32_t(std::min<int64_t>(hi, INT32_MAX)));
    if (nj < i) return false;
    j = nj;
    changed = true;
  }
  if (lo > dom[size_t(i)]) {
    const int32_t ni = index_of(dom, int32_t(std::min<int64_t>(lo, INT32_MAX)));
    if (ni > j) return false;
    i = ni;
    changed = true;
  }
  return true;
}

// Neighbours of every group g = k*L + l on the K x L torus.
struct Torus {
  std::vector<int> left, right, up, down;
  explicit Torus(const ShareParams& p) {
    const int G = p.K * p.L;
    left.resize(G);
    right.resize(G);
    up.resize(G);
    down.resize(G);
    for (int k = 0; k < p.K; ++k)
      for (int l = 0; l < p.L; ++l) {
        const int g = k * p.L + l;
        left[g] = k * p.L + (l + p.L - 1) % p.L;
        right[g] = k * p.L + (l + 1) % p.L;
        up[g] = ((k + p.K - 1) % p.K) * p.L + l;
        down[g] = ((k + 1) % p.K) * p.L + l;
      }
    four = p.neighbours == 4;
  }
  bool four = false;  // sharing.neighbours = 4: pieces also go left and up

  // The load changes when group c's option goes from o0 to o: (group, delta) pairs for c, its
  // right and lower (and with four neighbours its left and upper) neighbours, merged where they
  // coincide on small tori, in that order.
  struct Moves {
    int n = 0;
    int grp[5];
    int64_t delta[5];
    void add(int g, int64_t d) {
      for (int i = 0; i < n; ++i)
        if (grp[i] == g) {
          delta[i] += d;
          return;
        }
      grp[n] = g;
      delta[n++] = d;
    }
  };
  Moves moves(int c, const TileOption& o0, const TileOption& o) const {
    Moves m;
    m.add(c, o.local - o0.local);
    m.add(right[c], o.h - o0.h);
    m.add(down[c], o.v - o0.v);
    if (four) {
      m.add(left[c], o.hl - o0.hl);
      m.add(up[c], o.vu - o0.vu);
    }
    return m;
  }
  // The groups whose option decides part of a's load: a and its givers.
  std::vector<int> givers(int a) const {
    if (four) return {a, left[a], up[a], right[a], down[a]};
    return {a, left[a], up[a]};
  }
  // Adds (sign = 1) or removes (-1) option o of group c to / from the loads.
  void place(std::vector<int64_t>& load, int c, const TileOption& o, int sign) const {
    load[c] += sign * o.local;
    load[right[c]] += sign * o.h;
    load[down[c]] += sign * o.v;
    load[left[c]] += sign * o.hl;
    load[up[c]] += sign * o.vu;
  }
};

class Search {
 public:
  Search(const std::vector<std::vector<TileOption>>& opts, const ShareParams& p,
         const SolverOptions& o, const std::vector<int32_t>& base)
      : G_(int(opts.size())),
        opts_(opts),
        base_(base),
        budget_(o.node_budget),
        work_budget_(o.work_budget) {
    const Torus t(p);
    left_ = t.left;
    up_ = t.up;
    right_ = t.right;
    down_ = t.down;
    hv_.resize(G_);
    vv_.resize(G_);
    T_.resize(G_);
    total_ = 0;
    for (int g = 0; g < G_; ++g) {
      T_[g] = opts_[g][0].local;  // option 0 is (0, 0)
      total_ += T_[g] + base_[g];
      for (const auto& opt : opts_[g]) {
        hv_[g].push_back(opt.h);
        vv_[g].push_back(opt.v);
      }
      for (auto* d : {&hv_[g], &vv_[g]}) {
        std::sort(d->begin(), d->end());
        d->erase(std::unique(d->begin(), d->end()), d->end());
      }
    }
    inq_.assign(G_, 0);
  }

  int64_t nodes() const { return nodes_; }
  int64_t work() const { return work_; }
  bool exhausted() const { return nodes_ > budget_ || work_ > work_budget_; }

  /// 1: feasible (choice filled, one option index per group), 0: proven infeasible, -1: budget.
  int probe(int32_t M, std::vector<int>& choice) {
    M_ = M;
    S_ = int64_t(G_) * M - total_;
    if (S_ < 0) return 0;
    for (int g = 0; g < G_; ++g)
      if (base_[g] > M) return 0;
    if (exhausted()) return -1;
    State s(5 * size_t(G_) + 1, 0);
    for (int g = 0; g < G_; ++g) {
      s[4 * g + 1] = int32_t(hv_[g].size()) - 1;
      s[4 * g + 3] = int32_t(vv_[g].size()) - 1;
    }
    queue_.clear();
    for (int g = 0; g < G_; ++g) push(g);
    const int r = propagate(s);
    if (r != 1) return r;
    return dfs(s, choice);
  }

 private:
  // Per group g: s[4g..4g+3] = index bounds xlo, xhi, ylo, yhi into hv_[g] / vv_[g];
  // s[4G + g] = a lower bound on the group's deficit M - load; s[5G] = their sum.
  using State = std::vector<int32_t>;

  void push(int g) {
    if (!inq_[g]) {
      inq_[g] = 1;
      queue_.push_back(g);
    }
  }
  int32_t xlo(const State& s, int g) const { return hv_[g][s[4 * g]]; }
  int32_t xhi(const State& s, int g) const { return hv_[g][s[4 * g + 1]]; }
  int32_t ylo(const State& s, int g) const { return vv_[g][s[4 * g + 2]]; }
  int32_t yhi(const State& s, int g) const { return vv_[g][s[4 * g + 3]]; }
  // What g may issue in this iteration: the makespan probed minus g's base load.
  int32_t cap(int g) const { return M_ - base_[g]; }

  // The options of g still possible under s, as a range filter.
  struct Window {
    int32_t xl, xh, yl, yh, loc_lo, loc_hi;
    bool ok(const TileOption& o) const {
      return o.h >= xl && o.v >= yl && o.v <= yh && o.local >= loc_lo && o.local <= loc_hi;
    }
  };
  Window window(const State& s, int g) const {
    const int L = left_[g], U = up_[g];
    // Loads sum to the total, so the G deficits M - load sum to S; the others' deficits are at
    // least their bounds, which caps g's deficit from above: load_g >= floor.
    const int64_t floor = cap(g) - S_ + (s[5 * G_] - s[4 * G_ + g]);
    return Window{xlo(s, g),
                  xhi(s, g),
                  ylo(s, g),
                  yhi(s, g),
                  int32_t(std::max<int64_t>(0, floor - xhi(s, L) - yhi(s, U))),
                  cap(g) - xlo(s, L) - ylo(s, U)};
  }

  // Tightens the bounds around constraint g (its load) to what some option of g supports.
  bool revise(State& s, int g) {
    const int L = left_[g], U = up_[g];
    const Window w = window(s, g);
    if (w.loc_hi < w.loc_lo) return false;
    work_ += int64_t(opts_[g].size());
    int32_t minh = INT32_MAX, maxh = -1, minv = INT32_MAX, maxv = -1;
    int32_t minloc = INT32_MAX, maxloc = -1;
    for (const auto& o : opts_[g]) {
      if (o.h > w.xh) break;
      if (!w.ok(o)) continue;
      minh = std::min(minh, o.h);
      maxh = std::max(maxh, o.h);
      minv = std::min(minv, o.v);
      maxv = std::max(maxv, o.v);
      minloc = std::min(minloc, o.local);
      maxloc = std::max(maxloc, o.local);
    }
    if (maxh < 0) return false;
    // g's own outputs: exactly the range of its possible options.
    int32_t i = index_of(hv_[g], minh), j = index_of(hv_[g], maxh);
    if (i != s[4 * g] || j != s[4 * g + 1]) {
      s[4 * g] = i;
      s[4 * g + 1] = j;
      push(right_[g]);
    }
    i = index_of(vv_[g], minv);
    j = index_of(vv_[g], maxv);
    if (i != s[4 * g + 2] || j != s[4 * g + 3]) {
      s[4 * g + 2] = i;
      s[4 * g + 3] = j;
      push(down_[g]);
    }
    // What g receives: load_g = local + X_L + Y_U must lie in [floor, M].
    const int64_t floor = cap(g) - S_ + (s[5 * G_] - s[4 * G_ + g]);
    if (!tighten(s, 4 * L, hv_[L], floor - yhi(s, U) - maxloc, cap(g) - ylo(s, U) - minloc, L, g))
      return false;
    if (!tighten(s, 4 * U + 2, vv_[U], floor - xhi(s, L) - maxloc, cap(g) - xlo(s, L) - minloc, U,
                 g))
      return false;
    // Deficit bound of g.
    const int32_t ub = std::min<int32_t>(cap(g), xhi(s, L) + yhi(s, U) + maxloc);
    const int32_t d = cap(g) - ub;
    if (d > s[4 * G_ + g]) {
      s[5 * G_] += d - s[4 * G_ + g];
      s[4 * G_ + g] = d;
      if (s[5 * G_] > S_) return false;
    }
    return true;
  }

  // Restricts variable (index bounds at s[at], s[at+1], values `dom`) of group n to [lo, hi].
  bool tighten(State& s, int at, const std::vector<int32_t>& dom, int64_t lo, int64_t hi, int n,
               int g) {
    bool changed = false;
    if (!narrow(s[at], s[at + 1], dom, lo, hi, changed)) return false;
    if (changed) push(n), push(g);
    return true;
  }

  // 1: fixpoint reached, 0: infeasible, -1: out of budget.
  int propagate(State& s) {
    // The state came from a fixpoint at this deficit sum (or, at the root, every group is queued).
    int32_t swept = s[5 * G_];
    for (;;) {
      while (!queue_.empty()) {
        const int g = queue_.back();
        queue_.pop_back();
        inq_[g] = 0;
        const bool ok = revise(s, g);
        if (!ok || work_ > work_budget_) {
          for (int x : queue_) inq_[x] = 0;
          queue_.clear();
          return ok ? -1 : 0;
        }
      }
      // A larger deficit sum raises every group's floor: sweep again until it settles.
      if (s[5 * G_] == swept) return 1;
      swept = s[5 * G_];
      for (int g = 0; g < G_; ++g) push(g);
    }
  }

  int dfs(const State& s, std::vector<int>& choice) {
    if (++nodes_ > budget_ || work_ > work_budget_) return -1;
    // Sufficient test: if every group has an option giving at most its lower bounds and fitting
    // under M with lower-bound inputs, those options form a schedule (actual inputs can only be
    // smaller). Otherwise branch on the failing group with the fewest possible options.
    int bg = -1;
    size_t bcount = SIZE_MAX;
    for (int g = 0; g < G_; ++g) {
      const int32_t room_g = cap(g) - xlo(s, left_[g]) - ylo(s, up_[g]);
      const int32_t lx = xlo(s, g), ly = ylo(s, g);
      bool fits = false;
      for (const auto& o : opts_[g]) {
        if (o.h > lx) break;
        if (o.v <= ly && o.local <= room_g) {
          fits = true;
          break;
        }
      }
      if (fits) continue;
      const Window w = window(s, g);
      size_t count = 0;
      for (const auto& o : opts_[g]) {
        if (o.h > w.xh) break;
        if (w.ok(o)) ++count;
      }
      if (count < bcount) {
        bcount = count;
        bg = g;
      }
    }
    if (bg < 0) {
      choice.assign(G_, 0);
      for (int g = 0; g < G_; ++g) {
        const int32_t lx = xlo(s, g), ly = ylo(s, g);
        int32_t best = INT32_MAX;
        for (int i = 0; i < int(opts_[g].size()); ++i) {
          const auto& o = opts_[g][i];
          if (o.h > lx) break;
          if (o.v <= ly && o.local < best) {
            best = o.local;
            choice[g] = i;
          }
        }
      }
      return 1;
    }
    const int g = bg;
    const Window w = window(s, g);
    // Room left at the receivers: M minus their smallest load without g's contribution.
    const int32_t room_r = room(s, right_[g], true), room_d = room(s, down_[g], false);
    std::vector<std::pair<int64_t, int>> cand;
    for (int i = 0; i < int(opts_[g].size()); ++i) {
      const auto& o = opts_[g][i];
      if (o.h > w.xh) break;
      if (w.ok(o)) {
        const int32_t over = std::max(o.h - room_r, o.v - room_d);
        cand.push_back({int64_t(over) * 65536 + (o.h + o.v), i});
      }
    }
    std::sort(cand.begin(), cand.end());
    for (const auto& c : cand) {
      const auto& o = opts_[g][c.second];
      State child = s;
      child[4 * g] = child[4 * g + 1] = index_of(hv_[g], o.h);
      child[4 * g + 2] = child[4 * g + 3] = index_of(vv_[g], o.v);
      queue_.clear();
      push(g);
      push(right_[g]);
      push(down_[g]);
      const int pr = propagate(child);
      if (pr == -1) return -1;
      if (pr == 0) continue;
      const int r = dfs(child, choice);
      if (r != 0) return r;
    }
    return 0;
  }

  int32_t room(const State& s, int r, bool horizontal) const {
    int32_t minloc = T_[r];
    for (const auto& o : opts_[r]) {
      if (o.h > xhi(s, r)) break;
      if (o.h >= xlo(s, r) && o.v >= ylo(s, r) && o.v <= yhi(s, r))
        minloc = std::min(minloc, o.local);
    }
    const int32_t other = horizontal ? ylo(s, up_[r]) : xlo(s, left_[r]);
    return cap(r) - other - minloc;
  }

  int G_;
  const std::vector<std::vector<TileOption>>& opts_;
  const std::vector<int32_t>& base_;
  int64_t budget_, work_budget_, nodes_ = 0, work_ = 0;
  int32_t M_ = 0;
  int64_t S_ = 0, total_ = 0;
  std::vector<int> left_, up_, right_, down_;
  std::vector<std::vector<int32_t>> hv_, vv_;
  std::vector<int32_t> T_;
  std::vector<int> queue_;
  std::vector<char> inq_;
};

// The same search with four outputs per group (sharing.neighbours = 4): variables X_g^d, d = 0
// right (h), 1 down (v), 2 left (hl), 3 up (vu), each an upper bound on what g gives in direction
// d; the constraint of group g is
//     sum_d X^d_{giver_d(g)} + F_g(X_g^0..3) <= M,   F_g = min local over options with out <= X,
// giver_0 = left, giver_1 = up, giver_2 = right, giver_3 = down. The relaxation argument carries
// over unchanged: lowering one output of a giver lowers one receiver's load and nothing else, so
// the relaxation is feasible iff the real problem is, and WLOG every X_g equals the outputs of
// the option attaining F_g (so loads sum to the total and the deficit bounds stay valid).
// Kept separate from Search so that the paper's two-neighbour schedules stay bit-identical.
class Search4 {
 public:
  static constexpr int D = 4;
  // A group has ~(TR+1)^2 (TC'+1)^2 / 2 options instead of ~2 (TR+1)(TC'+1), and the search
  // proves fewer iterations; the budget is cut by this factor so that a compile stays within
  // the two-neighbour time (MT2 < 10 s), the best schedule found so far being returned.
  static constexpr int64_t kBudgetDivisor = 32;
  Search4(const std::vector<std::vector<TileOption>>& opts, const ShareParams& p,
          const SolverOptions& o, const std::vector<int32_t>& base)
      : G_(int(opts.size())),
        opts_(opts),
        base_(base),
        budget_(o.node_budget / kBudgetDivisor),
        work_budget_(o.work_budget / kBudgetDivisor) {
    const Torus t(p);
    recv_[0] = t.right, recv_[1] = t.down, recv_[2] = t.left, recv_[3] = t.up;
    giver_[0] = t.left, giver_[1] = t.up, giver_[2] = t.right, giver_[3] = t.down;
    for (auto& d : dom_) d.resize(G_);
    T_.resize(G_);
    total_ = 0;
    for (int g = 0; g < G_; ++g) {
      T_[g] = opts_[g][0].local;
      total_ += T_[g] + base_[g];
      for (const auto& opt : opts_[g])
        for (int d = 0; d < D; ++d) dom_[d][g].push_back(out(opt, d));
      for (int d = 0; d < D; ++d) {
        std::sort(dom_[d][g].begin(), dom_[d][g].end());
        dom_[d][g].erase(std::unique(dom_[d][g].begin(), dom_[d][g].end()), dom_[d][g].end());
      }
    }
    inq_.assign(G_, 0);
  }

  static int32_t out(const TileOption& o, int d) {
    return d == 0 ? o.h : d == 1 ? o.v : d == 2 ? o.hl : o.vu;
  }
  int64_t nodes() const { return nodes_; }
  int64_t work() const { return work_; }
  bool exhausted() const { return nodes_ > budget_ || work_ > work_budget_; }

  int probe(int32_t M, std::vector<int>& choice) {
    M_ = M;
    S_ = int64_t(G_) * M - total_;
    if (S_ < 0) return 0;
    for (int g = 0; g < G_; ++g)
      if (base_[g] > M) return 0;
    if (exhausted()) return -1;
    State s(size_t(2 * D + 1) * G_ + 1, 0);
    for (int g = 0; g < G_; ++g)
      for (int d = 0; d < D; ++d) s[at(g, d) + 1] = int32_t(dom_[d][g].size()) - 1;
    queue_.clear();
    for (int g = 0; g < G_; ++g) push(g);
    const int r = propagate(s);
    if (r != 1) return r;
    return dfs(s, choice);
  }

 private:
  // s[at(g, d)], s[at(g, d) + 1]: index bounds of X_g^d into dom_[d][g]; s[2*D*G + g]: a lower
  // bound on g's deficit M - load; s[(2*D+1)*G]: their sum.
  using State = std::vector<int32_t>;
  static size_t at(int g, int d) { return size_t(2 * D) * g + 2 * d; }
  size_t def(int g) const { return size_t(2 * D) * G_ + g; }
  size_t defsum() const { return size_t(2 * D + 1) * G_; }

  void push(int g) {
    if (!inq_[g]) {
      inq_[g] = 1;
      queue_.push_back(g);
    }
  }
  int32_t lo(const State& s, int g, int d) const { return dom_[d][g][s[at(g, d)]]; }
  int32_t hi(const State& s, int g, int d) const { return dom_[d][g][s[at(g, d) + 1]]; }
  int32_t cap(int g) const { return M_ - base_[g]; }
  // Sums of the lower / upper bounds of what g receives, leaving direction `skip` out.
  int64_t in_lo(const State& s, int g, int skip = -1) const {
    int64_t x = 0;
    for (int d = 0; d < D; ++d)
      if (d != skip) x += lo(s, giver_[d][g], d);
    return x;
  }
  int64_t in_hi(const State& s, int g, int skip = -1) const {
    int64_t x = 0;
    for (int d = 0; d < D; ++d)
      if (d != skip) x += hi(s, giver_[d][g], d);
    return x;
  }
  int64_t floor_of(const State& s, int g) const { return cap(g) - S_ + (s[defsum()] - s[def(g)]); }
  // The options of g still possible under s (its four output intervals and a local range), with
  // the bounds read once: the filter runs over every option of g.
  struct Window {
    int32_t lo[D], hi[D];
    int64_t loc_lo, loc_hi;
    bool ok(const TileOption& o) const {
      return o.local >= loc_lo && o.local <= loc_hi && o.h >= lo[0] && o.h <= hi[0] &&
             o.v >= lo[1] && o.v <= hi[1] && o.hl >= lo[2] && o.hl <= hi[2] && o.vu >= lo[3] &&
             o.vu <= hi[3];
    }
  };
  Window window(const State& s, int g, int64_t loc_lo, int64_t loc_hi) const {
    Window w;
    for (int d = 0; d < D; ++d) w.lo[d] = lo(s, g, d), w.hi[d] = hi(s, g, d);
    w.loc_lo = loc_lo;
    w.loc_hi = loc_hi;
    return w;
  }

  bool revise(State& s, int g) {
    const int64_t loc_hi = cap(g) - in_lo(s, g);
    const int64_t loc_lo = std::max<int64_t>(0, floor_of(s, g) - in_hi(s, g));
    if (loc_hi < loc_lo) return false;
    work_ += int64_t(opts_[g].size());
    int32_t mn[D], mx[D], minloc = INT32_MAX, maxloc = -1;
    for (int d = 0; d < D; ++d) mn[d] = INT32_MAX, mx[d] = -1;
    const Window w = window(s, g, loc_lo, loc_hi);
    for (const auto& o : opts_[g]) {
      if (o.h > w.hi[0]) break;
      if (!w.ok(o)) continue;
      for (int d = 0; d < D; ++d) {
        mn[d] = std::min(mn[d], out(o, d));
        mx[d] = std::max(mx[d], out(o, d));
      }
      minloc = std::min(minloc, o.local);
      maxloc = std::max(maxloc, o.local);
    }
    if (maxloc < 0) return false;
    for (int d = 0; d < D; ++d) {
      const int32_t i = index_of(dom_[d][g], mn[d]), j = index_of(dom_[d][g], mx[d]);
      if (i != s[at(g, d)] || j != s[at(g, d) + 1]) {
        s[at(g, d)] = i;
        s[at(g, d) + 1] = j;
        push(recv_[d][g]);
      }
    }
    // What g receives in direction d lies in [floor - other inputs' hi - maxloc,
    // cap - other inputs' lo - minloc].
    for (int d = 0; d < D; ++d) {
      const int n = giver_[d][g];
      const int64_t fl = floor_of(s, g);
      if (!tighten(s, at(n, d), dom_[d][n], fl - in_hi(s, g, d) - maxloc,
                   cap(g) - in_lo(s, g, d) - minloc, n, g))
        return false;
    }
    const int32_t ub = int32_t(std::min<int64_t>(cap(g), in_hi(s, g) + maxloc));
    const int32_t dd = cap(g) - ub;
    if (dd > s[def(g)]) {
      s[defsum()] += dd - s[def(g)];
      s[def(g)] = dd;
      if (s[defsum()] > S_) return false;
    }
    return true;
  }

  bool tighten(State& s, size_t a, const std::vector<int32_t>& dom, int64_t lo, int64_t hi, int n,
               int g) {
    bool changed = false;
    if (!narrow(s[a], s[a + 1], dom, lo, hi, changed)) return false;
    if (changed) push(n), push(g);
    return true;
  }

  int propagate(State& s) {
    int32_t swept = s[defsum()];
    for (;;) {
      while (!queue_.empty()) {
        const int g = queue_.back();
        queue_.pop_back();
        inq_[g] = 0;
        const bool ok = revise(s, g);
        if (!ok || work_ > work_budget_) {
          for (int x : queue_) inq_[x] = 0;
          queue_.clear();
          return ok ? -1 : 0;
        }
      }
      if (s[defsum()] == swept) return 1;
      swept = s[defsum()];
      for (int g = 0; g < G_; ++g) push(g);
    }
  }

  // The option of g giving at most its lower bounds with the least local part (-1: none fits
  // under cap with lower-bound inputs).
  int fitting(const State& s, int g) const {
    const int64_t room = cap(g) - in_lo(s, g);
    const int32_t l0 = lo(s, g, 0), l1 = lo(s, g, 1), l2 = lo(s, g, 2), l3 = lo(s, g, 3);
    int best = -1;
    for (int i = 0; i < int(opts_[g].size()); ++i) {
      const auto& o = opts_[g][i];
      if (o.h > l0) break;
      const bool ok = o.local <= room && o.v <= l1 && o.hl <= l2 && o.vu <= l3;
      if (ok && (best < 0 || o.local < opts_[g][best].local)) best = i;
    }
    return best;
  }

  int dfs(const State& s, std::vector<int>& choice) {
    if (++nodes_ > budget_ || work_ > work_budget_) return -1;
    // Sufficient test as in Search: options giving at most the lower bounds that fit with
    // lower-bound inputs form a schedule (actual inputs can only be smaller).
    int bg = -1;
    size_t bcount = SIZE_MAX;
    for (int g = 0; g < G_; ++g) {
      if (fitting(s, g) >= 0) continue;
      const int64_t loc_hi = cap(g) - in_lo(s, g);
      const int64_t loc_lo = std::max<int64_t>(0, floor_of(s, g) - in_hi(s, g));
      const Window w = window(s, g, loc_lo, loc_hi);
      size_t count = 0;
      for (const auto& o : opts_[g]) {
        if (o.h > w.hi[0]) break;
        if (w.ok(o)) ++count;
      }
      if (count < bcount) {
        bcount = count;
        bg = g;
      }
    }
    if (bg < 0) {
      choice.assign(G_, 0);
      for (int g = 0; g < G_; ++g) choice[g] = fitting(s, g);
      return 1;
    }
    const int g = bg;
    const int64_t loc_hi = cap(g) - in_lo(s, g);
    const int64_t loc_lo = std::max<int64_t>(0, floor_of(s, g) - in_hi(s, g));
    int64_t room[D];
    for (int d = 0; d < D; ++d) room[d] = room_at(s, recv_[d][g], d);
    std::vector<std::pair<int64_t, int>> cand;
    const Window w = window(s, g, loc_lo, loc_hi);
    for (int i = 0; i < int(opts_[g].size()); ++i) {
      const auto& o = opts_[g][i];
      if (o.h > w.hi[0]) break;
      if (!w.ok(o)) continue;
      int64_t over = INT64_MIN, sum = 0;
      for (int d = 0; d < D; ++d) over = std::max(over, out(o, d) - room[d]), sum += out(o, d);
      cand.push_back({over * 65536 + sum, i});
    }
    std::sort(cand.begin(), cand.end());
    for (const auto& c : cand) {
      const auto& o = opts_[g][c.second];
      State child = s;
      queue_.clear();
      push(g);
      for (int d = 0; d < D; ++d) {
        child[at(g, d)] = child[at(g, d) + 1] = index_of(dom_[d][g], out(o, d));
        push(recv_[d][g]);
      }
      const int pr = propagate(child);
      if (pr == -1) return -1;
      if (pr == 0) continue;
      const int r = dfs(child, choice);
      if (r != 0) return r;
    }
    return 0;
  }

  // Room at receiver r for what it gets in direction d: cap minus its other inputs' lower bounds
  // and its smallest possible local part.
  int64_t room_at(const State& s, int r, int d) const {
    int32_t minloc = T_[r];
    const Window w = window(s, r, 0, INT64_MAX);
    for (const auto& o : opts_[r]) {
      if (o.h > w.hi[0]) break;
      if (w.ok(o)) minloc = std::min(minloc, o.local);
    }
    return cap(r) - in_lo(s, r, d) - minloc;
  }

  int G_;
  const std::vector<std::vector<TileOption>>& opts_;
  const std::vector<int32_t>& base_;
  int64_t budget_, work_budget_, nodes_ = 0, work_ = 0;
  int32_t M_ = 0;
  int64_t S_ = 0, total_ = 0;
  std::vector<int> recv_[D], giver_[D];
  std::vector<std::vector<int32_t>> dom_[D];
  std::vector<int32_t> T_;
  std::vector<int> queue_;
  std::vector<char> inq_;
};

}  // namespace

namespace {

int64_t tile_makespan(const std::vector<std::vector<TileOption>>& opts, const ShareParams& p,
                      const std::vector<int32_t>& base, const std::vector<int>& c) {
  const Torus t(p);
  std::vector<int64_t> load(base.begin(), base.end());
  for (int g = 0; g < p.K * p.L; ++g) t.place(load, g, opts[g][c[g]], 1);
  return *std::max_element(load.begin(), load.end());
}

// Hill climbing from `choice`: repeatedly re-decide one group next to a busiest group (the group
// itself or one of its givers: left, upper, and with four neighbours right, lower) if that lowers
// (makespan, sum of squared loads). Returns the makespan reached. Only an upper bound for the
// exact search.
int64_t local_search(const std::vector<std::vector<TileOption>>& opts, const ShareParams& p,
                     const std::vector<int32_t>& base, std::vector<int>& choice) {
  const int G = p.K * p.L;
  const Torus t(p);
  std::vector<int64_t> load(base.begin(), base.end());
  for (int g = 0; g < G; ++g) t.place(load, g, opts[g][choice[g]], 1);
  auto sq = [](int64_t x) { return x * x; };
  for (int iter = 0; iter < 64 * G; ++iter) {
    const int64_t ms = *std::max_element(load.begin(), load.end());
    int bc = -1, bi = -1;
    int64_t bms = ms, bdsq = 0;
    for (int a = 0; a < G; ++a) {
      if (load[a] != ms) continue;
      for (int c : t.givers(a)) {
        const TileOption& cur = opts[c][choice[c]];
        // Max over the groups the move does not touch.
        const Torus::Moves touched = t.moves(c, cur, cur);
        int64_t rest = 0;
        for (int x = 0; x < G; ++x) {
          bool in = false;
          for (int j = 0; j < touched.n; ++j) in = in || touched.grp[j] == x;
          if (!in) rest = std::max(rest, load[x]);
        }
        for (int i = 0; i < int(opts[c].size()); ++i) {
          if (i == choice[c]) continue;
          const Torus::Moves mv = t.moves(c, cur, opts[c][i]);
          int64_t nms = rest, dsq = 0;
          for (int j = 0; j < mv.n; ++j) {
            const int64_t x = load[mv.grp[j]] + mv.delta[j];
            nms = std::max(nms, x);
            dsq += sq(x) - sq(load[mv.grp[j]]);
          }
          if (nms < bms || (nms == bms && dsq < bdsq)) {
            bms = nms;
            bdsq = dsq;
            bc = c;
            bi = i;
          }
        }
      }
    }
    if (bc < 0) break;
    t.place(load, bc, opts[bc][choice[bc]], -1);
    t.place(load, bc, opts[bc][bi], 1);
    choice[bc] = bi;
  }
  return *std::max_element(load.begin(), load.end());
}

}  // namespace

IterationSchedule schedule_iteration_ex(const std::vector<KernelSize>& kernels,
                                        const ShareParams& p, const SolverOptions& opt,
                                        SolverStats* stats, const std::vector<int64_t>& base_in) {
  if (p.K < 1 || p.L < 1 || p.P < 1 || p.Q < 1)
    fail("sharing: bad engine shape ", p.K, "x", p.L, " groups of ", p.P, "x", p.Q, " PEs");
  if (!(p.max_vertical_fraction >= 0.0 && p.max_vertical_fraction <= 1.0))
    fail("sharing: max_vertical_fraction ", p.max_vertical_fraction, " is not in [0, 1]");
  const int G = p.K * p.L;
  if (kernels.size() != size_t(G)) fail("sharing: ", kernels.size(), " kernels for ", G, " groups");
  if (!base_in.empty() && base_in.size() != size_t(G))
    fail("sharing: ", base_in.size(), " base loads for ", G, " groups");
  std::vector<int32_t> base(size_t(G), 0);
  for (size_t g = 0; g < base_in.size(); ++g) {
    if (base_in[g] < 0 || base_in[g] > INT32_MAX / 4)
      fail("sharing: base load ", base_in[g], " out of range");
    base[g] = int32_t(base_in[g]);
  }
  const Torus tor(p);

  std::vector<std::vector<TileOption>> opts(G);
  int64_t total = 0, unshared = 0, unshared_obj = 0, lb = 0;
  for (int g = 0; g < G; ++g) opts[g] = tile_options(kernels[g], p);
  for (int g = 0; g < G; ++g) {
    const int32_t T = opts[g][0].local;
    total += T + base[g];
    unshared = std::max<int64_t>(unshared, T);
    unshared_obj = std::max<int64_t>(unshared_obj, base[g] + T);
    // Whatever g picks, g carries its base and local part and its receivers carry their bases
    // plus h and v (and hl, vu with four neighbours; 0 otherwise).
    const int32_t br = base[tor.right[g]], bd = base[tor.down[g]];
    const int32_t bl = base[tor.left[g]], bu = base[tor.up[g]];
    int32_t best = INT32_MAX;
    for (const auto& o : opts[g])
      best =
          std::min(best, std::max({base[g] + o.local, br + o.h, bd + o.v, bl + o.hl, bu + o.vu}));
    lb = std::max<int64_t>(lb, best);
  }
  lb = std::max<int64_t>(lb, (total + G - 1) / G);

  std::vector<int> best_choice(G, 0);  // option 0 = no sharing
  int64_t best = unshared_obj;
  int64_t proven_below = lb - 1;  // every makespan <= this is proven infeasible
  SolverStats st;
  st.lower_bound = lb;
  if (lb < best && p.neighbours == 4) {
    // Four neighbours: start from the two-neighbour schedule (cheap, usually proven), whose
    // decisions are options here too (same tile counts with hl = vu = 0), so the result is never
    // worse than the paper's rules on the same iteration.
    ShareParams p2 = p;
    p2.neighbours = 2;
    // (on an eighth of the budget: it is only the starting point; compile time stays bounded)
    const SolverOptions o2{opt.node_budget / 8, opt.work_budget / 8};
    const IterationSchedule s2 = schedule_iteration_ex(kernels, p2, o2, nullptr, base_in);
    std::vector<int> c2(size_t(G), 0);
    for (int g = 0; g < G; ++g) {
      const SplitPieces sp = split_kernel(kernels[size_t(g)], s2.share[size_t(g)]);
      const int32_t h = int32_t(piece_tiles(sp.horizontal, p.P, p.Q));
      const int32_t v = int32_t(piece_tiles(sp.vertical, p.P, p.Q));
      for (int i = 0; i < int(opts[size_t(g)].size()); ++i) {
        const TileOption& o = opts[size_t(g)][size_t(i)];
        if (o.h == h && o.v == v && o.hl == 0 && o.vu == 0) c2[size_t(g)] = i;
      }
    }
    const int64_t m2 = tile_makespan(opts, p, base, c2);
    if (m2 < best) {
      best = m2;
      best_choice = c2;
    }
  }
  if (lb < best) {
    // A quick upper bound first, so that an exhausted budget still returns a good schedule.
    best = local_search(opts, p, base, best_choice);
  }
  if (lb < best) {
    std::optional<Search> search2;
    std::optional<Search4> search4;
    if (p.neighbours == 4)
      search4.emplace(opts, p, opt, base);
    else
      search2.emplace(opts, p, opt, base);
    std::vector<int> choice;
    // probe(M): 1 feasible, 0 infeasible, -1 out of budget.
    auto probe = [&](int64_t M) {
      ++st.probes;
      const int r =
          search4 ? search4->probe(int32_t(M), choice) : search2->probe(int32_t(M), choice);
      if (r == 1) {
        const int64_t ms = tile_makespan(opts, p, base, choice);
        CSBRNN_ASSERT(ms <= M, "sharing search returned makespan ", ms, " > ", M);
        if (ms < best) {
          best = ms;
          best_choice = choice;
        }
      } else if (r == 0) {
        proven_below = std::max(proven_below, M);
      }
      return r;
    };
    // The optimum is usually the lower bound itself: try it, then bisect between the largest
    // makespan proven infeasible and the best found. Feasible at M implies feasible above M, so
    // one infeasibility proof at M covers every makespan below M.
    bool out = probe(lb) == -1;
    while (!out && proven_below + 1 < best) {
      const int64_t lo = proven_below + 1;
      if (probe(lo + (best - 1 - lo) / 2) == -1) out = true;
    }
    st.nodes = search4 ? search4->nodes() : search2->nodes();
    st.work = search4 ? search4->work() : search2->work();
    st.budget_exhausted = search4 ? search4->exhausted() : search2->exhausted();
  }

  IterationSchedule res;
  res.share.resize(G);
  for (int g = 0; g < G; ++g) res.share[g] = opts[g][best_choice[g]].share;
  res.load = group_loads(kernels, res.share, p);
  res.makespan = *std::max_element(res.load.begin(), res.load.end());
  int64_t objective = 0;
  for (int g = 0; g < G; ++g) objective = std::max<int64_t>(objective, base[g] + res.load[g]);
  CSBRNN_ASSERT(objective == best, "sharing: loads disagree with the search (", objective, " vs ",
                best, ")");
  st.objective = objective;
  res.unshared_makespan = unshared;
  res.proven_optimal = best == lb || proven_below == best - 1;
  if (stats) *stats = st;
  return res;
}

namespace {

// A lower bound on a row-group's makespan from where tiles can go: a group's tiles stay with it
// or move one hop right (horizontal sharing) or down (vertical), so the tiles of the kernels of
// any h x w rectangle S of groups on the K x L torus land in S, its right shift and its down
// shift: h * min(w + 1, L) + w (h < K) groups when both directions are allowed. The maximum over
// all rectangles of ceil(tiles(S) / |that union|) (S = all groups gives ceil(total / G)).
// With four neighbours (`both`) tiles also move one hop left or up, so the union is S widened by
// one column on each side and one row above and below: h * min(w + 2, L) + min(2, K - h) * w
// groups (the extra rows coincide when h = K - 1). Valid for the same reason: no piece travels
// further than one hop.
int64_t neighbourhood_bound(const std::vector<int64_t>& own, int K, int L, bool right, bool down,
                            bool both = false) {
  int64_t lb = 0;
  for (int h = 1; h <= K; ++h)
    for (int w = 1; w <= L; ++w) {
      const int64_t reach =
          both ? int64_t(h) * (right ? std::min(w + 2, L) : w) + (down ? std::min(2, K - h) * w : 0)
               : int64_t(h) * (right ? std::min(w + 1, L) : w) + (down && h < K ? w : 0);
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

// A small deterministic generator (the same sequence on every platform and library).
struct Rng {
  uint64_t s;
  explicit Rng(uint32_t seed) : s(0x9E3779B97F4A7C15ull ^ seed) {}
  uint32_t next(uint32_t n) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    return uint32_t((s >> 16) % n);
  }
};

// Lexicographic quality of a row-group's loads: makespan, groups at the makespan, sum of squares.
struct Key {
  int64_t max = 0, at_max = 0, sq = 0;
  bool operator<(const Key& o) const {
    return max != o.max ? max < o.max : at_max != o.at_max ? at_max < o.at_max : sq < o.sq;
  }
};

Key key_of(const std::vector<int64_t>& load) {
  Key k;
  for (int64_t x : load) {
    if (x > k.max) {
      k.max = x;
      k.at_max = 0;
    }
    if (x == k.max) ++k.at_max;
    k.sq += x * x;
  }
  return k;
}

// Row-group local search over choice[b][g] (option indices into opts[b][g]) with loads
// load[g] = sum_b of g's load. A move re-decides one group c in one iteration b; it changes the
// loads of c, right(c) and down(c) only (and left(c), up(c) with four neighbours). Only groups
// next to a busiest group (itself and its givers: left, upper, and with four neighbours right,
// lower) can lower the makespan or the count of busiest groups, so only those move.
class RowGroupSearch {
 public:
  RowGroupSearch(const std::vector<std::vector<std::vector<TileOption>>>& opts,
                 const ShareParams& p)
      : opts_(opts), t_(p), G_(p.K * p.L), B_(int(opts.size())) {}

  int64_t lb = 0;

  // Steepest descent on Key until no move improves it.
  void descend(std::vector<std::vector<int>>& choice, std::vector<int64_t>& load) const {
    Key cur = key_of(load);
    for (int step = 0; step < 64 * G_ * B_ && cur.max > lb; ++step) {
      int bb = -1, bc = -1, bi = -1;
      Key best = cur;
      std::vector<char> seen(size_t(G_), 0);
      for (int a = 0; a < G_; ++a) {
        if (load[a] != cur.max) continue;
        for (int c : t_.givers(a)) {
          if (seen[c]) continue;
          seen[c] = 1;
          const TileOption& any = opts_[0][c][choice[0][c]];
          const Torus::Moves touched = t_.moves(c, any, any);
          // Max, count at max and sum of squares of the groups the move does not touch.
          Key rest;
          for (int x = 0; x < G_; ++x) {
            bool in = false;
            for (int j = 0; j < touched.n; ++j) in = in || touched.grp[j] == x;
            if (in) continue;
            if (load[x] > rest.max) {
              rest.max = load[x];
              rest.at_max = 0;
            }
            if (load[x] == rest.max) ++rest.at_max;
            rest.sq += load[x] * load[x];
          }
          for (int b = 0; b < B_; ++b) {
            const auto& os = opts_[b][c];
            const TileOption& o0 = os[choice[b][c]];
            for (int i = 0; i < int(os.size()); ++i) {
              if (i == choice[b][c]) continue;
              const Torus::Moves mv = t_.moves(c, o0, os[i]);
              Key k = rest;
              for (int j = 0; j < mv.n; ++j) {
                const int64_t x = load[mv.grp[j]] + mv.delta[j];
                if (x > k.max) {
                  k.max = x;
                  k.at_max = 0;
                }
                if (x == k.max) ++k.at_max;
                k.sq += x * x;
              }
              if (k < best) {
                best = k;
                bb = b;
                bc = c;
                bi = i;
              }
            }
          }
        }
      }
      if (bb < 0) break;
      apply(choice, load, bb, bc, bi);
      cur = best;
    }
  }

  void apply(std::vector<std::vector<int>>& choice, std::vector<int64_t>& load, int b, int c,
             int i) const {
    t_.place(load, c, opts_[b][c][choice[b][c]], -1);
    t_.place(load, c, opts_[b][c][i], 1);
    choice[b][c] = i;
  }

  const Torus& torus() const { return t_; }

  // Simulated annealing towards makespan target = best - 1: minimises the sum of squared
  // excesses over the target by random moves (any iteration, any group), accepting a worse
  // state with probability exp(-delta / temperature), temperature falling geometrically from
  // 4 to 0.2 tiles^2. Each time the excess reaches 0 the state is a schedule with a smaller
  // makespan: it is kept and the target drops by one. Leaves the best schedule found.
  void anneal(std::vector<std::vector<int>>& choice, std::vector<int64_t>& load, Rng& rng,
              int64_t moves) const {
    int64_t best = *std::max_element(load.begin(), load.end());
    if (best <= lb || moves <= 0) return;
    std::vector<std::vector<int>> best_choice = choice;
    std::vector<int64_t> best_load = load;
    int64_t target = best - 1;
    auto ex = [&target](int64_t x) { return x > target ? (x - target) * (x - target) : 0; };
    int64_t f = 0;
    for (int64_t x : load) f += ex(x);
    const double t0 = 4.0, t1 = 0.2, decay = std::pow(t1 / t0, 1.0 / double(moves));
    double temp = t0;
    for (int64_t it = 0; it < moves; ++it, temp *= decay) {
      const int b = int(rng.next(uint32_t(B_))), c = int(rng.next(uint32_t(G_)));
      const auto& os = opts_[b][c];
      if (os.size() < 2) continue;
      const int i = int(rng.next(uint32_t(os.size())));
      if (i == choice[b][c]) continue;
      const Torus::Moves mv = t_.moves(c, os[choice[b][c]], os[i]);
      int64_t delta = 0;
      for (int j = 0; j < mv.n; ++j)
        delta += ex(load[mv.grp[j]] + mv.delta[j]) - ex(load[mv.grp[j]]);
      if (delta > 0 &&
          double(rng.next(1u << 24)) / double(1u << 24) >= std::exp(-double(delta) / temp))
        continue;
      apply(choice, load, b, c, i);
      f += delta;
      if (f == 0) {
        best = *std::max_element(load.begin(), load.end());
        best_choice = choice;
        best_load = load;
        if (best <= lb) break;
        target = best - 1;
        f = 0;
        for (int64_t x : load) f += ex(x);
      }
    }
    choice = std::move(best_choice);
    load = std::move(best_load);
  }

 private:
  const std::vector<std::vector<std::vector<TileOption>>>& opts_;
  const Torus t_;
  const int G_, B_;
};

}  // namespace

int64_t row_group_lower_bound(const std::vector<std::vector<KernelSize>>& kernels,
                              const ShareParams& p, const std::vector<int64_t>& base_in) {
  const size_t G = size_t(p.K) * p.L;
  if (!base_in.empty() && base_in.size() != G)
    fail("sharing: ", base_in.size(), " base loads for ", G, " groups");
  const std::vector<int64_t> base = base_in.empty() ? std::vector<int64_t>(G, 0) : base_in;
  const bool based = std::any_of(base.begin(), base.end(), [](int64_t x) { return x != 0; });
  int64_t total = 0;
  std::vector<int64_t> min_load(G, 0);  // sum over b of the smallest load g can have in b
  std::vector<int64_t> own(G, 0);       // sum over b of g's kernel tiles
  for (const auto& kb : kernels) {
    if (kb.size() != G) fail("sharing: ", kb.size(), " kernels for ", G, " groups");
    for (size_t g = 0; g < G; ++g) {
      const std::vector<TileOption> opts = tile_options(kb[g], p);
      int32_t m = opts[0].local;
      for (const auto& o : opts) m = std::min(m, o.local);
      min_load[g] += m;
      own[g] += opts[0].local;
      total += opts[0].local;
    }
  }
  // The base cannot move: it adds to the total and to each group's own least load.
  for (size_t g = 0; g < G; ++g) total += base[g], min_load[g] += base[g];
  int64_t lb = std::max((total + int64_t(G) - 1) / int64_t(G),
                        *std::max_element(min_load.begin(), min_load.end()));
  if (!based)
    lb = std::max(lb, neighbourhood_bound(own, p.K, p.L, horizontal_allowed(p), vertical_allowed(p),
                                          p.neighbours == 4));
  if (p.mode == SharingMode::None) return lb;
  // Outflow bound. For an h x w rectangle S of groups, the tiles of S's kernels that can leave S
  // are the horizontal pieces of its right column (when w < L) and the vertical pieces of its
  // bottom row (when h < K); everything else stays in S, and what S receives is >= 0. So
  // sum_{g in S} load_g >= own(S) - sum_b sum_{g in S} out_b(g), with out_b(g) the largest
  // h (right column), v (bottom row) or h + v (the corner) over g's options in iteration b, and
  // M >= ceil of that over |S|. S = one group is the min_load bound above; S = a full row shows
  // how little a row can shed downwards (max_vertical_fraction).
  // With four neighbours the left pieces of S's left column and the up pieces of its top row
  // leave S too: out_b(g) is the largest sum, over g's options, of the pieces whose direction
  // leaves S from g's position (a mask over right, down, left, up); every other piece lands in S
  // (one hop inside the rectangle), so the bound stays valid.
  {
    const bool four = p.neighbours == 4;
    std::vector<std::array<int64_t, 16>> omax(G);  // per mask, summed over the iterations
    for (auto& a : omax) a.fill(0);
    for (const auto& kb : kernels)
      for (size_t g = 0; g < G; ++g) {
        std::array<int32_t, 16> m{};
        for (const auto& o : tile_options(kb[g], p))
          for (int mask = 1; mask < 16; ++mask) {
            const int32_t x = (mask & 1 ? o.h : 0) + (mask & 2 ? o.v : 0) + (mask & 4 ? o.hl : 0) +
                              (mask & 8 ? o.vu : 0);
            m[size_t(mask)] = std::max(m[size_t(mask)], x);
          }
        for (int mask = 1; mask < 16; ++mask) omax[g][size_t(mask)] += m[size_t(mask)];
      }
    const int K = p.K, L = p.L;
    for (int h = 1; h <= K; ++h)
      for (int w = 1; w <= L; ++w)
        for (int k0 = 0; k0 < (h == K ? 1 : K); ++k0)
          for (int l0 = 0; l0 < (w == L ? 1 : L); ++l0) {
            int64_t t = 0;
            for (int i = 0; i < h; ++i)
              for (int j = 0; j < w; ++j) {
                const size_t g = size_t((k0 + i) % K) * L + (l0 + j) % L;
                const int mask = (w < L && j == w - 1 ? 1 : 0) | (h < K && i == h - 1 ? 2 : 0) |
                                 (four && w < L && j == 0 ? 4 : 0) |
                                 (four && h < K && i == 0 ? 8 : 0);
                t += base[g] + own[g] - (mask ? omax[g][size_t(mask)] : 0);
              }
            const int64_t n = int64_t(h) * w;
            lb = std::max(lb, (t + n - 1) / n);
          }
  }
  return lb;
}

namespace {

// One run of the row-group heuristic from a given iteration order.
class RowGroupRun {
 public:
  RowGroupRun(const std::vector<std::vector<KernelSize>>& kernels, const ShareParams& p,
              const RowGroupOptions& opt, int64_t lb, const std::vector<int64_t>& tiles,
              const std::vector<int64_t>& base)
      : kernels_(kernels),
        p_(p),
        opt_(opt),
        lb_(lb),
        tiles_(tiles),
        base_(base),
        B_(int(kernels.size())),
        G_(size_t(p.K) * p.L) {}

  std::vector<IterationSchedule> sch;
  std::vector<int64_t> acc;  // per group: base + the loads placed so far

  void run(const std::vector<int>& order, Rng& rng) {
    construct(order);
    passes(order);
    if (p_.mode != SharingMode::None && (opt_.kick_rounds > 0 || opt_.anneal_moves > 0) &&
        max() > lb_)
      local_search(rng);
  }
  int64_t max() const { return acc.empty() ? 0 : *std::max_element(acc.begin(), acc.end()); }

 private:
  // Each iteration in `order` on top of the loads placed so far.
  void construct(const std::vector<int>& order) {
    sch.assign(size_t(B_), IterationSchedule{});
    acc = base_;
    for (int b : order) {
      if (tiles_[size_t(b)] == 0) {
        sch[size_t(b)] = schedule_iteration(kernels_[size_t(b)], p_);
        continue;
      }
      sch[size_t(b)] = schedule_iteration_ex(kernels_[size_t(b)], p_, opt_.iteration, nullptr, acc);
      for (size_t g = 0; g < G_; ++g) acc[g] += sch[size_t(b)].load[g];
    }
  }

  // Improvement passes: re-solve each iteration on top of the others' loads; keep the new
  // schedule when it lowers (M, sum of squared loads).
  void passes(const std::vector<int>& order) {
    auto score = [](const std::vector<int64_t>& v) {
      int64_t m = 0, sq = 0;
      for (int64_t x : v) m = std::max(m, x), sq += x * x;
      return std::make_pair(m, sq);
    };
    auto cur = score(acc);
    if (p_.mode == SharingMode::None) return;
    for (int pass = 0; pass < opt_.passes && cur.first > lb_; ++pass) {
      bool changed = false;
      for (int b : order) {
        if (tiles_[size_t(b)] == 0 || cur.first <= lb_) continue;
        std::vector<int64_t> others(G_);
        for (size_t g = 0; g < G_; ++g) others[g] = acc[g] - sch[size_t(b)].load[g];
        IterationSchedule s2 =
            schedule_iteration_ex(kernels_[size_t(b)], p_, opt_.iteration, nullptr, others);
        std::vector<int64_t> next(G_);
        for (size_t g = 0; g < G_; ++g) next[g] = others[g] + s2.load[g];
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
  }

  // Row-group local search from the current schedule, then perturbation rounds: a few random
  // moves next to the busiest groups, descent, kept only when the Key improves.
  void local_search(Rng& rng) {
    std::vector<std::vector<std::vector<TileOption>>> opts(static_cast<size_t>(B_));
    std::vector<std::vector<int>> choice(static_cast<size_t>(B_), std::vector<int>(G_, 0));
    for (int b = 0; b < B_; ++b) {
      opts[size_t(b)].resize(G_);
      for (size_t g = 0; g < G_; ++g) {
        opts[size_t(b)][g] = tile_options(kernels_[size_t(b)][g], p_);
        const GroupShare& s = sch[size_t(b)].share[g];
        const auto& os = opts[size_t(b)][g];
        int found = -1;
        for (int i = 0; i < int(os.size()) && found < 0; ++i)
          if (os[i].share.order == s.order && os[i].share.h_rows == s.h_rows &&
              os[i].share.v_cols == s.v_cols && os[i].share.hl_rows == s.hl_rows &&
              os[i].share.vu_cols == s.vu_cols)
            found = i;
        CSBRNN_ASSERT(found >= 0, "sharing: a schedule's decision is not a canonical option");
        choice[size_t(b)][g] = found;
      }
    }
    const int64_t before = max();
    RowGroupSearch rs(opts, p_);
    rs.lb = lb_;
    std::vector<int64_t> load = acc;
    rs.descend(choice, load);
    Key best = key_of(load);
    const Torus& t = rs.torus();
    for (int round = 0; round < opt_.kick_rounds && best.max > lb_; ++round) {
      std::vector<std::vector<int>> c2 = choice;
      std::vector<int64_t> l2 = load;
      const int moves = 1 + int(rng.next(3));
      for (int m = 0; m < moves; ++m) {
        std::vector<int> crit;
        const int64_t mx = *std::max_element(l2.begin(), l2.end());
        for (int a = 0; a < int(G_); ++a)
          if (l2[size_t(a)] == mx) crit.push_back(a);
        const int a = crit[rng.next(uint32_t(crit.size()))];
        const std::vector<int> gv = t.givers(a);
        const int c = gv[rng.next(uint32_t(gv.size()))];
        const int b = int(rng.next(uint32_t(B_)));
        const auto& os = opts[size_t(b)][size_t(c)];
        if (os.size() < 2) continue;
        rs.apply(c2, l2, b, c, int(rng.next(uint32_t(os.size()))));
      }
      rs.descend(c2, l2);
      const Key k = key_of(l2);
      if (k < best) {
        best = k;
        choice = std::move(c2);
        load = std::move(l2);
      }
    }
    if (opt_.anneal_moves > 0 && best.max > lb_) {
      rs.anneal(choice, load, rng, opt_.anneal_moves * int64_t(B_) * int64_t(G_));
      rs.descend(choice, load);
      best = key_of(load);
    }
    if (best.max >= before) return;
    for (int b = 0; b < B_; ++b) {
      IterationSchedule& s = sch[size_t(b)];
      for (size_t g = 0; g < G_; ++g) s.share[g] = opts[size_t(b)][g][choice[size_t(b)][g]].share;
      s.load = group_loads(kernels_[size_t(b)], s.share, p_);
      s.makespan = *std::max_element(s.load.begin(), s.load.end());
    }
    std::vector<int64_t> check = base_;
    for (int b = 0; b < B_; ++b)
      for (size_t g = 0; g < G_; ++g) check[g] += sch[size_t(b)].load[g];
    CSBRNN_ASSERT(check == load, "sharing: row-group loads disagree with the local search");
    acc = load;
  }

  const std::vector<std::vector<KernelSize>>& kernels_;
  const ShareParams& p_;
  const RowGroupOptions& opt_;
  const int64_t lb_;
  const std::vector<int64_t>& tiles_;
  const std::vector<int64_t>& base_;
  const int B_;
  const size_t G_;
};

}  // namespace

RowGroupSchedule schedule_row_group(const std::vector<std::vector<KernelSize>>& kernels,
                                    const ShareParams& p, const RowGroupOptions& opt,
                                    const std::vector<int64_t>& base_in) {
  const int B = int(kernels.size());
  const size_t G = size_t(p.K) * p.L;
  const std::vector<int64_t> base = base_in.empty() ? std::vector<int64_t>(G, 0) : base_in;
  RowGroupSchedule res;
  res.lower_bound = row_group_lower_bound(kernels, p, base);
  const int64_t lb = res.lower_bound;
  std::vector<int64_t> tiles(size_t(B), 0);
  for (int b = 0; b < B; ++b)
    for (const KernelSize& k : kernels[size_t(b)]) tiles[size_t(b)] += tile_options(k, p)[0].local;
  // Largest iterations first (stable), then restarts from seeded random orders.
  std::vector<int> order(static_cast<size_t>(B));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int x, int y) { return tiles[size_t(x)] > tiles[size_t(y)]; });
  Rng rng(opt.seed);
  RowGroupRun best(kernels, p, opt, lb, tiles, base);
  best.run(order, rng);
  for (int r = 0; r < opt.restarts && best.max() > lb && p.mode != SharingMode::None; ++r) {
    for (int i = B - 1; i > 0; --i) std::swap(order[size_t(i)], order[rng.next(uint32_t(i + 1))]);
    RowGroupRun cand(kernels, p, opt, lb, tiles, base);
    cand.run(order, rng);
    if (cand.max() < best.max()) {
      best.sch = std::move(cand.sch);
      best.acc = std::move(cand.acc);
    }
  }
  res.iters = std::move(best.sch);
  res.objective = best.max();
  res.load = std::move(best.acc);
  for (size_t g = 0; g < res.load.size(); ++g) res.load[g] -= base[g];
  res.makespan = res.load.empty() ? 0 : *std::max_element(res.load.begin(), res.load.end());
  res.proven_optimal = res.objective == lb;
  return res;
}

}  // namespace sharing
}  // namespace csbrnn
