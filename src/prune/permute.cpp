#include "prune/permute.h"

#include <algorithm>
#include <map>
#include <numeric>

#include "common/error.h"

namespace csbrnn {

PermuteMode parse_permute_mode(const std::string& s, const std::string& what) {
  if (s == "none") return PermuteMode::None;
  if (s == "balance") return PermuteMode::Balance;
  fail(what, ": unknown permutation '", s, "' (none | balance)");
}

namespace {

std::vector<uint32_t> iota_u32(int n) {
  std::vector<uint32_t> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0u);
  return v;
}

void check_one(const std::vector<uint32_t>& p, int n, const std::string& what) {
  if (p.size() != size_t(n)) fail(what, " has ", p.size(), " entries, expected ", n);
  std::vector<uint8_t> seen(p.size(), 0);
  for (uint32_t v : p)
    if (v >= p.size() || seen[v]++) fail(what, " is not a permutation of 0..", n - 1);
}

std::vector<uint32_t> invert(const std::vector<uint32_t>& p) {
  std::vector<uint32_t> inv(p.size());
  for (size_t i = 0; i < p.size(); ++i) inv[p[i]] = uint32_t(i);
  return inv;
}

// new(r, c) = old(rs[r], cs[c]); an empty index vector is the identity.
Matrix gather(const Matrix& w, const std::vector<uint32_t>& rs, const std::vector<uint32_t>& cs) {
  Matrix out(w.rows, w.cols);
  for (int r = 0; r < w.rows; ++r)
    for (int c = 0; c < w.cols; ++c)
      out.at(r, c) = w.at(rs.empty() ? r : int(rs[size_t(r)]), cs.empty() ? c : int(cs[size_t(c)]));
  return out;
}

// Row sources of a gate-stacked matrix (G blocks of H rows): row g*H + p <- g*H + hidden[p].
std::vector<uint32_t> gate_rows(const std::vector<uint32_t>& hidden, int G) {
  const uint32_t H = uint32_t(hidden.size());
  std::vector<uint32_t> rs;
  rs.reserve(size_t(G) * H);
  for (int g = 0; g < G; ++g)
    for (uint32_t u : hidden) rs.push_back(uint32_t(g) * H + u);
  return rs;
}

const std::vector<uint32_t>& state_perm(const RnnModel& m, const ModelPermutation& p, int k) {
  return m.proj_size > 0 ? p.proj[size_t(k)] : p.hidden[size_t(k)];
}

BlockSize block_of(const ModelPruneOptions& o, const std::string& name) {
  auto it = o.block_for.find(name);
  return it == o.block_for.end() ? o.base.block : it->second;
}

// Relative target of bin b: T * |b| / n.
double bin_target(double total, int bin, int b, int n) {
  const int cap = std::min(n, (b + 1) * bin) - b * bin;
  return total * double(cap) / double(n);
}

}  // namespace

ModelPermutation identity_permutation(const RnnModel& m) {
  ModelPermutation p;
  for (int k = 0; k < m.num_layers(); ++k) {
    p.hidden.push_back(iota_u32(m.hidden_size));
    p.proj.push_back(m.proj_size > 0 ? iota_u32(m.proj_size) : std::vector<uint32_t>{});
  }
  return p;
}

ModelPermutation inverse_permutation(const ModelPermutation& p) {
  ModelPermutation q;
  for (const auto& h : p.hidden) q.hidden.push_back(invert(h));
  for (const auto& h : p.proj) q.proj.push_back(invert(h));
  return q;
}

void check_permutation(const RnnModel& m, const ModelPermutation& p, const std::string& origin) {
  if (p.hidden.size() != size_t(m.num_layers()) || p.proj.size() != size_t(m.num_layers()))
    fail(origin, ": permutation has ", p.hidden.size(), " layers, the model ", m.num_layers());
  for (int k = 0; k < m.num_layers(); ++k) {
    check_one(p.hidden[size_t(k)], m.hidden_size,
              origin + ": layer " + std::to_string(k) + " hidden permutation");
    check_one(p.proj[size_t(k)], m.proj_size,
              origin + ": layer " + std::to_string(k) + " projection permutation");
  }
}

RnnModel permute_model(const RnnModel& m, const ModelPermutation& p) {
  validate_model(m, "permute_model");
  check_permutation(m, p, "permute_model");
  const int G = gate_count(m.cell);
  RnnModel out = m;
  for (int k = 0; k < m.num_layers(); ++k) {
    const LayerWeights& L = m.layers[size_t(k)];
    LayerWeights& O = out.layers[size_t(k)];
    const std::vector<uint32_t> rows = gate_rows(p.hidden[size_t(k)], G);
    const std::vector<uint32_t> none;
    const std::vector<uint32_t>& in_cols = k == 0 ? none : state_perm(m, p, k - 1);
    O.w_ih = gather(L.w_ih, rows, in_cols);
    O.w_hh = gather(L.w_hh, rows, state_perm(m, p, k));
    if (m.proj_size > 0) O.w_hr = gather(L.w_hr, p.proj[size_t(k)], p.hidden[size_t(k)]);
    if (m.has_bias)
      for (size_t r = 0; r < rows.size(); ++r) {
        O.b_ih[r] = L.b_ih[rows[r]];
        O.b_hh[r] = L.b_hh[rows[r]];
      }
  }
  // Output i of the permuted model is the old model's output s[i], whose original index is
  // old_perm[s[i]].
  const std::vector<uint32_t>& s = state_perm(m, p, m.num_layers() - 1);
  std::vector<uint32_t> composed(s.size());
  for (size_t i = 0; i < s.size(); ++i)
    composed[i] = m.output_perm.empty() ? s[i] : m.output_perm[s[i]];
  out.output_perm = composed == iota_u32(int(s.size())) ? std::vector<uint32_t>{} : composed;
  return out;
}

double balance_objective(const std::vector<std::vector<double>>& loads,
                         const std::vector<uint32_t>& perm, int bin) {
  CSBRNN_ASSERT(bin >= 1);
  const int n = int(perm.size());
  const int nb = (n + bin - 1) / bin;
  double J = 0;
  for (const auto& ld : loads) {
    const double T = std::accumulate(ld.begin(), ld.end(), 0.0);
    if (!(T > 0)) continue;
    for (int b = 0; b < nb; ++b) {
      double L = 0;
      for (int q = b * bin; q < std::min(n, (b + 1) * bin); ++q) L += ld[perm[size_t(q)]];
      const double dev = (L - bin_target(T, bin, b, n)) / T;
      J += dev * dev;
    }
  }
  return J;
}

std::vector<uint32_t> balance_units(const std::vector<std::vector<double>>& loads, int bin,
                                    int swap_passes) {
  CSBRNN_ASSERT(!loads.empty() && bin >= 1);
  const int n = int(loads[0].size());
  const int nb = (n + bin - 1) / bin;
  // Relative loads x[d][u] = load / T_d and relative targets; dimensions without work drop out.
  std::vector<std::vector<double>> x;
  for (const auto& ld : loads) {
    CSBRNN_ASSERT(int(ld.size()) == n);
    const double T = std::accumulate(ld.begin(), ld.end(), 0.0);
    if (!(T > 0)) continue;
    x.emplace_back(ld.size());
    for (int u = 0; u < n; ++u) x.back()[size_t(u)] = ld[size_t(u)] / T;
  }
  std::vector<int> cap(static_cast<size_t>(nb)), fill(static_cast<size_t>(nb), 0),
      where(static_cast<size_t>(n), -1);
  std::vector<double> target(static_cast<size_t>(nb));
  for (int b = 0; b < nb; ++b) {
    cap[size_t(b)] = std::min(n, (b + 1) * bin) - b * bin;
    target[size_t(b)] = bin_target(1.0, bin, b, n);
  }
  const size_t D = x.size();
  std::vector<std::vector<double>> L(D, std::vector<double>(size_t(nb), 0.0));
  // LPT: units by decreasing summed relative load (ties: lower index first).
  std::vector<int> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> key(static_cast<size_t>(n), 0.0);
  for (size_t d = 0; d < D; ++d)
    for (int u = 0; u < n; ++u) key[size_t(u)] += x[d][size_t(u)];
  std::stable_sort(order.begin(), order.end(),
                   [&](int a, int b) { return key[size_t(a)] > key[size_t(b)]; });
  for (int u : order) {
    int best = -1;
    double best_delta = 0;
    for (int b = 0; b < nb; ++b) {
      if (fill[size_t(b)] == cap[size_t(b)]) continue;
      double delta = 0;  // J(bin with u) - J(bin without u)
      for (size_t d = 0; d < D; ++d) {
        const double dev = L[d][size_t(b)] - target[size_t(b)], v = x[d][size_t(u)];
        delta += v * (2 * dev + v);
      }
      if (best < 0 || delta < best_delta) {
        best = b;
        best_delta = delta;
      }
    }
    where[size_t(u)] = best;
    ++fill[size_t(best)];
    for (size_t d = 0; d < D; ++d) L[d][size_t(best)] += x[d][size_t(u)];
  }
  // Swap refinement: exchange u (bin a) and v (bin b) when that lowers J.
  for (int pass = 0; pass < swap_passes; ++pass) {
    bool improved = false;
    for (int u = 0; u < n; ++u)
      for (int v = u + 1; v < n; ++v) {
        const int a = where[size_t(u)], b = where[size_t(v)];
        if (a == b) continue;
        double delta = 0;
        for (size_t d = 0; d < D; ++d) {
          const double t = x[d][size_t(v)] - x[d][size_t(u)];  // bin a gains t, bin b loses t
          const double da = L[d][size_t(a)] - target[size_t(a)],
                       db = L[d][size_t(b)] - target[size_t(b)];
          delta += t * (2 * da + t) + (-t) * (2 * db - t);
        }
        if (delta < -1e-12) {
          for (size_t d = 0; d < D; ++d) {
            const double t = x[d][size_t(v)] - x[d][size_t(u)];
            L[d][size_t(a)] += t;
            L[d][size_t(b)] -= t;
          }
          where[size_t(u)] = b;
          where[size_t(v)] = a;
          improved = true;
        }
      }
    if (!improved) break;
  }
  // Positions: bins in order, each bin's units in ascending original order.
  std::vector<uint32_t> perm;
  perm.reserve(size_t(n));
  for (int b = 0; b < nb; ++b)
    for (int u = 0; u < n; ++u)
      if (where[size_t(u)] == b) perm.push_back(uint32_t(u));
  // Never worse than leaving the units where they are.
  const std::vector<uint32_t> id = iota_u32(n);
  return balance_objective(loads, perm, bin) < balance_objective(loads, id, bin) ? perm : id;
}

BalanceResult balance_permutation(const RnnModel& m, const ModelPruneOptions& o) {
  validate_model(m, "balance_permutation");
  const ModelPrune trial = prune_model(m, o);
  std::map<std::string, const MatrixPrune*> keep;
  for (const PrunedMatrixInfo& pm : trial.matrices) keep[pm.name] = &pm.result;
  const int H = m.hidden_size, P = m.proj_size, G = gate_count(m.cell);
  const int nl = m.num_layers();
  // Kept count of `name` summed over the rows g*n0 + u (all "gates" of size n0; n0 = rows for a
  // plain matrix) or over column u.
  auto row_loads = [&](const std::string& name, const Matrix& w, int n0, int gates,
                       std::vector<double>& out) {
    const auto& k = keep.at(name)->keep;
    for (int g = 0; g < gates; ++g)
      for (int u = 0; u < n0; ++u)
        for (int c = 0; c < w.cols; ++c) out[size_t(u)] += k[size_t(g * n0 + u) * w.cols + c];
  };
  auto col_loads = [&](const std::string& name, const Matrix& w, std::vector<double>& out) {
    const auto& k = keep.at(name)->keep;
    for (int r = 0; r < w.rows; ++r)
      for (int c = 0; c < w.cols; ++c) out[size_t(c)] += k[size_t(r) * w.cols + c];
  };
  BalanceResult res;
  res.perm = identity_permutation(m);
  for (int k = 0; k < nl; ++k) {
    const LayerWeights& L = m.layers[size_t(k)];
    const std::string ih = param_name("weight_ih", k), hh = param_name("weight_hh", k),
                      hr = param_name("weight_hr", k), ih1 = param_name("weight_ih", k + 1);
    // Hidden units: rows of the layer's [W_ih | W_hh] MVM (every gate), cut by the row block.
    std::vector<std::vector<double>> hl(1, std::vector<double>(size_t(H), 0.0));
    row_loads(ih, L.w_ih, H, G, hl[0]);
    row_loads(hh, L.w_hh, H, G, hl[0]);
    int hbin = std::gcd(block_of(o, ih).bh, block_of(o, hh).bh);
    // The state units' columns: W_hh_k and W_ih_{k+1}, cut by their column blocks.
    auto state_cols = [&](std::vector<std::vector<double>>& ld, int n, int& bin) {
      ld.emplace_back(size_t(n), 0.0);
      col_loads(hh, L.w_hh, ld.back());
      bin = std::gcd(bin, block_of(o, hh).bw);
      if (k + 1 < nl) {
        ld.emplace_back(size_t(n), 0.0);
        col_loads(ih1, m.layers[size_t(k + 1)].w_ih, ld.back());
        bin = std::gcd(bin, block_of(o, ih1).bw);
      }
    };
    if (P > 0) {
      // Hidden units are also W_hr's columns; projection units are W_hr's rows and the state.
      hl.emplace_back(size_t(H), 0.0);
      col_loads(hr, L.w_hr, hl.back());
      hbin = std::gcd(hbin, block_of(o, hr).bw);
      std::vector<std::vector<double>> pl(1, std::vector<double>(size_t(P), 0.0));
      row_loads(hr, L.w_hr, P, 1, pl[0]);
      int pbin = block_of(o, hr).bh;
      state_cols(pl, P, pbin);
      res.perm.proj[size_t(k)] = balance_units(pl, pbin);
      res.objective_identity += balance_objective(pl, iota_u32(P), pbin);
      res.objective_balanced += balance_objective(pl, res.perm.proj[size_t(k)], pbin);
    } else {
      state_cols(hl, H, hbin);
    }
    res.perm.hidden[size_t(k)] = balance_units(hl, hbin);
    res.objective_identity += balance_objective(hl, iota_u32(H), hbin);
    res.objective_balanced += balance_objective(hl, res.perm.hidden[size_t(k)], hbin);
  }
  return res;
}

}  // namespace csbrnn
