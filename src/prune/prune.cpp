#include "prune/prune.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.h"
#include "common/strings.h"

namespace csbrnn {

namespace {

struct MethodEntry {
  PruneMethod m;
  const char* name;
};
const MethodEntry kMethods[] = {
    {PruneMethod::Csb, "csb"},
    {PruneMethod::CsbGlobal, "csb-global"},
    {PruneMethod::Unstructured, "unstructured"},
    {PruneMethod::RowColumn, "row-column"},
    {PruneMethod::RowBalanced, "row-balanced"},
    {PruneMethod::BankBalanced, "bank-balanced"},
};

inline double sq(float v) {
  return double(v) * double(v);
}

/// Indices 0..n-1 sorted by key ascending, ties by index.
std::vector<uint32_t> order_ascending(const std::vector<double>& key) {
  std::vector<std::pair<double, uint32_t>> kv(key.size());
  for (size_t t = 0; t < key.size(); ++t) kv[t] = {key[t], uint32_t(t)};
  std::sort(kv.begin(), kv.end());  // key, then index
  std::vector<uint32_t> idx(key.size());
  for (size_t t = 0; t < kv.size(); ++t) idx[t] = kv[t].second;
  return idx;
}

/// Marks in `out` (size n, 0/1) the k largest entries of vals[0..n) (stride 1), ties broken by
/// lower index first. O(n) via nth_element on a scratch copy.
void keep_top_k(const float* absvals, size_t n, size_t k, uint8_t* out,
                std::vector<float>& scratch) {
  std::fill(out, out + n, uint8_t(0));
  if (k == 0) return;
  if (k >= n) {
    std::fill(out, out + n, uint8_t(1));
    return;
  }
  scratch.assign(absvals, absvals + n);
  std::nth_element(scratch.begin(), scratch.begin() + (k - 1), scratch.end(),
                   [](float a, float b) { return a > b; });
  const float thr = scratch[k - 1];
  size_t above = 0;
  for (size_t i = 0; i < n; ++i)
    if (absvals[i] > thr) {
      out[i] = 1;
      ++above;
    }
  size_t ties = k - above;
  for (size_t i = 0; i < n && ties > 0; ++i)
    if (absvals[i] == thr) {
      out[i] = 1;
      --ties;
    }
}

/// Indices (into key) of the k smallest keys among the n, ties by index.
void mark_smallest(const double* key, int n, int k, uint8_t* pruned, std::vector<int>& scratch) {
  if (k <= 0) return;
  scratch.resize(n);
  std::iota(scratch.begin(), scratch.end(), 0);
  auto less = [&](int a, int b) { return key[a] < key[b] || (key[a] == key[b] && a < b); };
  if (k < n) std::nth_element(scratch.begin(), scratch.begin() + (k - 1), scratch.end(), less);
  for (int t = 0; t < std::min(k, n); ++t) pruned[scratch[t]] = 1;
}

// ---------------------------------------------------------------------------------------------
// CSB: the state is rowkeep[r*BC + j] (row r kept in block-column strip j) and
// colkeep[i*C + c] (column c kept in block-row strip i). Block (i,j) keeps the cross-product of
// its rows r with rowkeep[r][j] and its columns c with colkeep[i][c].
struct CsbState {
  int R, C, bh, bw, BR, BC;
  std::vector<uint8_t> rowkeep, colkeep;
  CsbState(int r, int c, int h, int w)
      : R(r),
        C(c),
        bh(h),
        bw(w),
        BR((r + h - 1) / h),
        BC((c + w - 1) / w),
        rowkeep(size_t(r) * BC, 1),
        colkeep(size_t(BR) * c, 1) {}
  int strip_width(int j) const { return std::min(bw, C - j * bw); }
  /// kr[i*BC+j]
  std::vector<int> kr() const {
    std::vector<int> k(size_t(BR) * BC, 0);
    for (int r = 0; r < R; ++r)
      for (int j = 0; j < BC; ++j) k[size_t(r / bh) * BC + j] += rowkeep[size_t(r) * BC + j];
    return k;
  }
  std::vector<int> kc() const {
    std::vector<int> k(size_t(BR) * BC, 0);
    for (int i = 0; i < BR; ++i)
      for (int c = 0; c < C; ++c) k[size_t(i) * BC + c / bw] += colkeep[size_t(i) * C + c];
    return k;
  }
  size_t kept() const {
    const auto a = kr(), b = kc();
    size_t n = 0;
    for (size_t t = 0; t < a.size(); ++t) n += size_t(a[t]) * size_t(b[t]);
    return n;
  }
  /// Row-segment energies over kept columns: e[r*BC+j].
  std::vector<double> row_energy(const Matrix& w, bool respect_cols) const {
    std::vector<double> e(size_t(R) * BC, 0.0);
    for (int r = 0; r < R; ++r) {
      const float* row = &w.data[size_t(r) * C];
      const uint8_t* ck = &colkeep[size_t(r / bh) * C];
      double* er = &e[size_t(r) * BC];
      for (int c = 0; c < C; ++c)
        if (!respect_cols || ck[c]) er[c / bw] += sq(row[c]);
    }
    return e;
  }
  /// Column-segment energies over kept rows: e[i*C+c].
  std::vector<double> col_energy(const Matrix& w) const {
    std::vector<double> e(size_t(BR) * C, 0.0);
    for (int r = 0; r < R; ++r) {
      const float* row = &w.data[size_t(r) * C];
      const uint8_t* rk = &rowkeep[size_t(r) * BC];
      double* ec = &e[size_t(r / bh) * C];
      for (int j = 0; j < BC; ++j) {
        if (!rk[j]) continue;
        const int c1 = std::min(C, (j + 1) * bw);
        for (int c = j * bw; c < c1; ++c) ec[c] += sq(row[c]);
      }
    }
    return e;
  }
  std::vector<uint8_t> mask() const {
    std::vector<uint8_t> m(size_t(R) * C);
    for (int r = 0; r < R; ++r) {
      const uint8_t* rk = &rowkeep[size_t(r) * BC];
      const uint8_t* ck = &colkeep[size_t(r / bh) * C];
      uint8_t* mr = &m[size_t(r) * C];
      for (int c = 0; c < C; ++c) mr[c] = rk[c / bw] & ck[c];
    }
    return m;
  }
  double energy(const Matrix& w) const {
    const auto e = col_energy(w);
    double s = 0;
    for (size_t t = 0; t < e.size(); ++t)
      if (colkeep[t]) s += e[t];
    return s;
  }
};

/// Count adjustment of the paper's projection: prunes further column segments (lowest mean
/// square over the block's kept rows first) while the kept count exceeds the target, or restores
/// pruned ones (highest first, only while they fit) when it falls short.
void adjust_columns(const Matrix& w, CsbState& s, size_t target) {
  size_t kept = s.kept();
  if (kept == target) return;
  const auto kr = s.kr();
  const auto e = s.col_energy(w);
  const bool shrink = kept > target;
  std::vector<double> key;
  std::vector<size_t> seg;
  for (int i = 0; i < s.BR; ++i)
    for (int c = 0; c < s.C; ++c) {
      const size_t t = size_t(i) * s.C + c;
      const int k = kr[size_t(i) * s.BC + c / s.bw];
      if (k == 0 || bool(s.colkeep[t]) != shrink) continue;
      seg.push_back(t);
      key.push_back(shrink ? e[t] / k : -e[t] / k);
    }
  for (uint32_t o : order_ascending(key)) {
    const size_t t = seg[o];
    const size_t k = size_t(kr[(t / s.C) * s.BC + (t % s.C) / s.bw]);
    if (shrink) {
      if (kept <= target) break;
      s.colkeep[t] = 0;
      kept -= k;
    } else if (kept + k <= target) {
      s.colkeep[t] = 1;
      kept += k;
    }
  }
}

void prune_csb_paper(const Matrix& w, const PruneParams& p, MatrixPrune& out) {
  CsbState s(w.rows, w.cols, p.block.bh, p.block.bw);
  const double q = 1.0 - std::sqrt(1.0 / p.rate);
  std::vector<int> scratch;
  // Step 1 (RowPrune): per block-column strip j, rank the R row segments by l2 norm and prune
  // round(q * R) of them.
  {
    const auto e1 = s.row_energy(w, false);
    std::vector<double> key(s.R);
    std::vector<uint8_t> pruned(s.R);
    const int n1 = int(std::llround(q * s.R));
    for (int j = 0; j < s.BC; ++j) {
      for (int r = 0; r < s.R; ++r) key[r] = e1[size_t(r) * s.BC + j];
      std::fill(pruned.begin(), pruned.end(), uint8_t(0));
      mark_smallest(key.data(), s.R, n1, pruned.data(), scratch);
      for (int r = 0; r < s.R; ++r)
        if (pruned[r]) s.rowkeep[size_t(r) * s.BC + j] = 0;
    }
  }
  // Step 2 (ColumnPrune): per block-row strip i, rank the C column segments (energy of the
  // weights surviving step 1) and prune round(q * C) of them.
  {
    const auto e2 = s.col_energy(w);
    std::vector<uint8_t> pruned(s.C);
    const int n2 = int(std::llround(q * s.C));
    for (int i = 0; i < s.BR; ++i) {
      std::fill(pruned.begin(), pruned.end(), uint8_t(0));
      mark_smallest(&e2[size_t(i) * s.C], s.C, n2, pruned.data(), scratch);
      for (int c = 0; c < s.C; ++c)
        if (pruned[c]) s.colkeep[size_t(i) * s.C + c] = 0;
    }
  }
  out.projection_kept = s.kept();
  adjust_columns(w, s, out.target);
  out.keep = s.mask();
}

/// Greedy fill: items with value v and cost k > 0, sorted by v/k descending (ties by index),
/// taken while they fit in `budget`. Returns the taken flags; cost-0 items are left out (-1).
std::vector<int8_t> greedy_fill(const std::vector<double>& val, const std::vector<int>& cost,
                                size_t budget, size_t& used) {
  std::vector<double> key(val.size());
  for (size_t t = 0; t < val.size(); ++t) key[t] = cost[t] > 0 ? -val[t] / cost[t] : 0.0;
  std::vector<int8_t> take(val.size(), -1);
  used = 0;
  for (uint32_t t : order_ascending(key)) {
    if (cost[t] <= 0) continue;
    if (used + size_t(cost[t]) <= budget) {
      take[t] = 1;
      used += size_t(cost[t]);
    } else {
      take[t] = 0;
    }
  }
  return take;
}

/// Column step: given rowkeep, choose the column segments globally (mean square over the
/// block's kept rows, greedy fill of the target). Segments of blocks without kept rows keep
/// their previous state (they cost nothing and let the block revive in a later row step).
void select_columns(const Matrix& w, CsbState& s, size_t target) {
  const auto kr = s.kr();
  const auto e = s.col_energy(w);
  std::vector<int> cost(e.size());
  for (int i = 0; i < s.BR; ++i)
    for (int c = 0; c < s.C; ++c) cost[size_t(i) * s.C + c] = kr[size_t(i) * s.BC + c / s.bw];
  size_t used;
  const auto take = greedy_fill(e, cost, target, used);
  for (size_t t = 0; t < take.size(); ++t)
    if (take[t] >= 0) s.colkeep[t] = uint8_t(take[t]);
}

void select_rows(const Matrix& w, CsbState& s, size_t target) {
  const auto kc = s.kc();
  const auto e = s.row_energy(w, true);
  std::vector<int> cost(e.size());
  for (int r = 0; r < s.R; ++r)
    for (int j = 0; j < s.BC; ++j) cost[size_t(r) * s.BC + j] = kc[size_t(r / s.bh) * s.BC + j];
  size_t used;
  const auto take = greedy_fill(e, cost, target, used);
  for (size_t t = 0; t < take.size(); ++t)
    if (take[t] >= 0) s.rowkeep[t] = uint8_t(take[t]);
}

void prune_csb_global(const Matrix& w, const PruneParams& p, MatrixPrune& out) {
  CsbState s(w.rows, w.cols, p.block.bh, p.block.bw);
  const size_t n = size_t(w.rows) * w.cols;
  const double q = 1.0 - std::sqrt(1.0 / p.rate);
  // Init, step 1: global ranking of all row segments by mean square (energy per weight);
  // prune the lowest until round(q * n) weights are removed.
  {
    const auto e1 = s.row_energy(w, false);
    std::vector<double> key(e1.size());
    for (size_t t = 0; t < e1.size(); ++t) key[t] = e1[t] / s.strip_width(int(t % s.BC));
    const size_t remove = size_t(std::llround(q * double(n)));
    size_t removed = 0;
    for (uint32_t t : order_ascending(key)) {
      if (removed >= remove) break;
      s.rowkeep[t] = 0;
      removed += size_t(s.strip_width(int(t % s.BC)));
    }
  }
  // Init, step 2: global column selection filling the target.
  select_columns(w, s, out.target);
  out.projection_kept = s.kept();
  // Alternating refinement; keep the best state seen.
  CsbState best = s;
  double best_e = s.energy(w);
  for (int it = 0; it < p.refine_iters; ++it) {
    select_rows(w, s, out.target);
    select_columns(w, s, out.target);
    const double e = s.energy(w);
    if (e > best_e * (1 + 1e-12)) {
      best_e = e;
      best = s;
    } else {
      break;
    }
  }
  out.keep = best.mask();
}

void prune_unstructured(const Matrix& w, MatrixPrune& out) {
  std::vector<float> a(w.size()), scratch;
  for (size_t t = 0; t < w.size(); ++t) a[t] = std::fabs(w.data[t]);
  out.keep.resize(w.size());
  keep_top_k(a.data(), a.size(), out.target, out.keep.data(), scratch);
}

void prune_row_balanced(const Matrix& w, MatrixPrune& out) {
  const int k = int(std::clamp<long long>(std::llround(double(out.target) / w.rows), 1, w.cols));
  std::vector<float> a(w.cols), scratch;
  out.keep.resize(w.size());
  for (int r = 0; r < w.rows; ++r) {
    for (int c = 0; c < w.cols; ++c) a[c] = std::fabs(w.at(r, c));
    keep_top_k(a.data(), a.size(), size_t(k), &out.keep[size_t(r) * w.cols], scratch);
  }
}

void prune_bank_balanced(const Matrix& w, const PruneParams& p, MatrixPrune& out) {
  const int width = (w.cols + p.banks - 1) / p.banks;
  const int nb = (w.cols + width - 1) / width;
  const int narrowest = w.cols - (nb - 1) * width;
  const int k = int(std::clamp<long long>(std::llround(double(out.target) / (double(w.rows) * nb)),
                                          1, narrowest));
  std::vector<float> a(width), scratch;
  out.keep.resize(w.size());
  for (int r = 0; r < w.rows; ++r)
    for (int b = 0; b < nb; ++b) {
      const int c0 = b * width, c1 = std::min(w.cols, c0 + width);
      for (int c = c0; c < c1; ++c) a[c - c0] = std::fabs(w.at(r, c));
      keep_top_k(a.data(), size_t(c1 - c0), size_t(k), &out.keep[size_t(r) * w.cols + c0], scratch);
    }
}

void prune_row_column(const Matrix& w, const PruneParams& p, MatrixPrune& out) {
  const int R = w.rows, C = w.cols;
  const int kr = int(std::clamp<long long>(std::llround(R * std::sqrt(1.0 / p.rate)), 1, R));
  std::vector<double> e(R, 0.0);
  for (int r = 0; r < R; ++r)
    for (int c = 0; c < C; ++c) e[r] += sq(w.at(r, c));
  std::vector<uint8_t> rpruned(R, 0), cpruned(C, 0);
  std::vector<int> scratch;
  mark_smallest(e.data(), R, R - kr, rpruned.data(), scratch);
  const int kc = int(std::clamp<long long>(std::llround(double(out.target) / kr), 1, C));
  std::vector<double> ec(C, 0.0);
  for (int r = 0; r < R; ++r)
    if (!rpruned[r])
      for (int c = 0; c < C; ++c) ec[c] += sq(w.at(r, c));
  mark_smallest(ec.data(), C, C - kc, cpruned.data(), scratch);
  out.keep.assign(w.size(), 0);
  for (int r = 0; r < R; ++r)
    if (!rpruned[r]) out.kept_rows.push_back(r);
  for (int c = 0; c < C; ++c)
    if (!cpruned[c]) out.kept_cols.push_back(c);
  for (int r : out.kept_rows)
    for (int c : out.kept_cols) out.keep[size_t(r) * C + c] = 1;
}

}  // namespace

const char* method_name(PruneMethod m) {
  for (const auto& e : kMethods)
    if (e.m == m) return e.name;
  return "?";
}

PruneMethod parse_method(const std::string& s) {
  std::vector<std::string> names;
  for (const auto& e : kMethods) {
    if (s == e.name) return e.m;
    names.push_back(e.name);
  }
  const std::string near = closest_match(s, names);
  std::string all;
  for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
  fail("unknown pruning method '", s, "'", near.empty() ? "" : " (did you mean '" + near + "'?)",
       "; valid: ", all);
}

std::vector<PruneMethod> all_methods() {
  std::vector<PruneMethod> v;
  for (const auto& e : kMethods) v.push_back(e.m);
  return v;
}

double parse_rate(const std::string& s, const std::string& what) {
  double v = 0;
  if (!parse_double(s, v)) fail(what, ": bad rate '", s, "' (expected a number > 1)");
  if (v <= 1.0)
    fail(what, ": compression rate must be > 1 (got ", s, "); rate R keeps 1/R of the weights");
  return v;
}

BlockSize parse_block(const std::string& s, const std::string& what) {
  auto num = [&](const std::string& t) {
    if (t.empty() || t.size() > 6 || t.find_first_not_of("0123456789") != std::string::npos)
      fail(what, ": bad block size '", s, "' (expected BHxBW, e.g. 32x32, or one number)");
    const int v = std::stoi(t);  // at most 6 digits: cannot throw
    if (v < 1) fail(what, ": block size '", s, "' must be at least 1x1");
    if (v > 65535) fail(what, ": block size '", s, "' too large (max 65535)");
    return v;
  };
  const auto x = s.find_first_of("xX");
  if (x == std::string::npos) {
    const int v = num(s);
    return {v, v};
  }
  return {num(s.substr(0, x)), num(s.substr(x + 1))};
}

size_t target_kept(size_t n, double rate) {
  const long long t = std::llround(double(n) / rate);
  return size_t(std::max<long long>(1, t));
}

void check_prune_params(const Matrix& w, const PruneParams& p, const std::string& what) {
  if (w.empty()) fail(what, ": empty matrix cannot be pruned");
  if (!std::isfinite(p.rate) || p.rate <= 1.0)
    fail(what, ": compression rate must be a number > 1 (got ", p.rate,
         "); rate R keeps 1/R of the weights");
  if (is_csb_method(p.method)) {
    if (p.block.bh < 1 || p.block.bw < 1) fail(what, ": block size must be at least 1x1");
    if (p.block.bh > w.rows || p.block.bw > w.cols)
      fail(what, ": block ", p.block.bh, "x", p.block.bw, " is larger than the matrix (", w.rows,
           "x", w.cols, ")");
  }
  if (p.method == PruneMethod::BankBalanced && (p.banks < 1 || p.banks > w.cols))
    fail(what, ": bank count ", p.banks, " must be between 1 and the column count (", w.cols, ")");
  if (p.refine_iters < 0) fail(what, ": refinement passes must be >= 0");
}

MatrixPrune prune_matrix(const Matrix& w, const PruneParams& p, const std::string& what) {
  check_prune_params(w, p, what);
  MatrixPrune out;
  out.target = target_kept(w.size(), p.rate);
  switch (p.method) {
    case PruneMethod::Csb:
      prune_csb_paper(w, p, out);
      break;
    case PruneMethod::CsbGlobal:
      prune_csb_global(w, p, out);
      break;
    case PruneMethod::Unstructured:
      prune_unstructured(w, out);
      break;
    case PruneMethod::RowColumn:
      prune_row_column(w, p, out);
      break;
    case PruneMethod::RowBalanced:
      prune_row_balanced(w, out);
      break;
    case PruneMethod::BankBalanced:
      prune_bank_balanced(w, p, out);
      break;
  }
  out.kept = size_t(std::count(out.keep.begin(), out.keep.end(), uint8_t(1)));
  if (!is_csb_method(p.method)) out.projection_kept = out.kept;
  return out;
}

void apply_mask(Matrix& w, const std::vector<uint8_t>& keep) {
  CSBRNN_ASSERT(keep.size() == w.size());
  for (size_t t = 0; t < keep.size(); ++t)
    if (!keep[t]) w.data[t] = 0.0f;
}

bool mask_has_csb_structure(const std::vector<uint8_t>& keep, int rows, int cols, int bh, int bw) {
  for (int i0 = 0; i0 < rows; i0 += bh)
    for (int j0 = 0; j0 < cols; j0 += bw) {
      const int i1 = std::min(rows, i0 + bh), j1 = std::min(cols, j0 + bw);
      std::vector<uint8_t> rk(i1 - i0, 0), ck(j1 - j0, 0);
      size_t n = 0;
      for (int r = i0; r < i1; ++r)
        for (int c = j0; c < j1; ++c)
          if (keep[size_t(r) * cols + c]) {
            rk[r - i0] = ck[c - j0] = 1;
            ++n;
          }
      const size_t kr = size_t(std::count(rk.begin(), rk.end(), 1));
      const size_t kc = size_t(std::count(ck.begin(), ck.end(), 1));
      if (n != kr * kc) return false;
    }
  return true;
}

CsbMatrix mask_to_csb(const Matrix& w, const std::vector<uint8_t>& keep, int bh, int bw) {
  CSBRNN_ASSERT(keep.size() == w.size());
  CsbMatrix m;
  m.rows = w.rows;
  m.cols = w.cols;
  m.bh = bh;
  m.bw = bw;
  const int BR = m.block_rows(), BC = m.block_cols();
  m.blocks.resize(size_t(BR) * BC);
  for (int i = 0; i < BR; ++i)
    for (int j = 0; j < BC; ++j) {
      CsbBlock& b = m.block(i, j);
      const int i0 = i * bh, j0 = j * bw;
      const int i1 = std::min(w.rows, i0 + bh), j1 = std::min(w.cols, j0 + bw);
      std::vector<uint8_t> rk(i1 - i0, 0), ck(j1 - j0, 0);
      size_t n = 0;
      for (int r = i0; r < i1; ++r)
        for (int c = j0; c < j1; ++c)
          if (keep[size_t(r) * w.cols + c]) {
            rk[r - i0] = ck[c - j0] = 1;
            ++n;
          }
      for (int r = 0; r < i1 - i0; ++r)
        if (rk[r]) b.rows.push_back(uint16_t(r));
      for (int c = 0; c < j1 - j0; ++c)
        if (ck[c]) b.cols.push_back(uint16_t(c));
      CSBRNN_ASSERT(n == size_t(b.kr()) * size_t(b.kc()), "block (", i, ",", j,
                    ") of the mask is not a rows x cols cross-product");
      b.values.reserve(n);
      for (uint16_t r : b.rows)
        for (uint16_t c : b.cols) b.values.push_back(w.at(i0 + r, j0 + c));
    }
  return m;
}

std::vector<std::pair<std::string, const Matrix*>> model_matrices(const RnnModel& m) {
  std::vector<std::pair<std::string, const Matrix*>> v;
  for (int k = 0; k < m.num_layers(); ++k) {
    const auto& L = m.layers[k];
    v.emplace_back(param_name("weight_ih", k), &L.w_ih);
    v.emplace_back(param_name("weight_hh", k), &L.w_hh);
    if (!L.w_hr.empty()) v.emplace_back(param_name("weight_hr", k), &L.w_hr);
  }
  return v;
}

std::vector<std::pair<std::string, Matrix*>> model_matrices(RnnModel& m) {
  std::vector<std::pair<std::string, Matrix*>> v;
  for (const auto& [name, ptr] : model_matrices(static_cast<const RnnModel&>(m)))
    v.emplace_back(name, const_cast<Matrix*>(ptr));
  return v;
}

ModelPrune prune_model(const RnnModel& m, const ModelPruneOptions& o) {
  const auto mats = model_matrices(m);
  std::vector<std::string> names;
  for (const auto& kv : mats) names.push_back(kv.first);
  auto check_names = [&](const auto& overrides, const char* opt) {
    for (const auto& kv : overrides)
      if (std::find(names.begin(), names.end(), kv.first) == names.end()) {
        const std::string near = closest_match(kv.first, names);
        fail(opt, ": the model has no weight matrix '", kv.first, "'",
             near.empty() ? "" : " (did you mean '" + near + "'?)");
      }
  };
  check_names(o.rate_for, "--rate-for");
  check_names(o.block_for, "--block-for");
  ModelPrune mp;
  mp.pruned = m;
  auto out = model_matrices(mp.pruned);
  for (size_t t = 0; t < mats.size(); ++t) {
    PrunedMatrixInfo info;
    info.name = mats[t].first;
    info.params = o.base;
    if (auto it = o.rate_for.find(info.name); it != o.rate_for.end()) info.params.rate = it->second;
    if (auto it = o.block_for.find(info.name); it != o.block_for.end())
      info.params.block = it->second;
    // A rate that asks for (or a structure that yields) no weight at all is refused.
    const size_t n = mats[t].second->size();
    const bool asks_none =
        std::isfinite(info.params.rate) && std::llround(double(n) / info.params.rate) < 1;
    if (!asks_none) info.result = prune_matrix(*mats[t].second, info.params, info.name);
    if (asks_none || info.result.kept == 0)
      fail(info.name, ": compression rate ", info.params.rate, " keeps none of its ", n,
           " weights (use a rate below ", n, ")");
    apply_mask(*out[t].second, info.result.keep);
    mp.matrices.push_back(std::move(info));
  }
  return mp;
}

CsbModel pruned_to_csb_model(const ModelPrune& mp, const std::string& note) {
  const RnnModel& d = mp.pruned;
  CsbModel c;
  copy_model_shape(c, d);
  c.note = note;
  c.layers.resize(d.layers.size());
  auto mats = model_matrices(d);
  CSBRNN_ASSERT(mats.size() == mp.matrices.size());
  size_t t = 0;
  for (int k = 0; k < d.num_layers(); ++k) {
    auto& L = c.layers[k];
    L.b_ih = d.layers[k].b_ih;
    L.b_hh = d.layers[k].b_hh;
    for (CsbMatrix* dst : {&L.w_ih, &L.w_hh, &L.w_hr}) {
      if (dst == &L.w_hr && d.layers[k].w_hr.empty()) continue;
      const auto& info = mp.matrices[t];
      CSBRNN_ASSERT(is_csb_method(info.params.method), "not a CSB-pruned matrix: ", info.name);
      *dst = mask_to_csb(*mats[t].second, info.result.keep, info.params.block.bh,
                         info.params.block.bw);
      ++t;
    }
  }
  return c;
}

}  // namespace csbrnn
