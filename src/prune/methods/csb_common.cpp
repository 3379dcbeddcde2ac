#include "prune/methods/csb_common.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "prune/prune_stats.h"
#include "prune/rank.h"

namespace csbrnn {

CsbState::CsbState(int r, int c, int h, int w)
    : R(r),
      C(c),
      bh(h),
      bw(w),
      BR((r + h - 1) / h),
      BC((c + w - 1) / w),
      rowkeep(size_t(r) * BC, 1),
      colkeep(size_t(BR) * c, 1) {}

int CsbState::strip_width(int j) const {
  return std::min(bw, C - j * bw);
}

std::vector<int> CsbState::kr() const {
  std::vector<int> k(size_t(BR) * BC, 0);
  for (int r = 0; r < R; ++r)
    for (int j = 0; j < BC; ++j) k[size_t(r / bh) * BC + j] += rowkeep[size_t(r) * BC + j];
  return k;
}

std::vector<int> CsbState::kc() const {
  std::vector<int> k(size_t(BR) * BC, 0);
  for (int i = 0; i < BR; ++i)
    for (int c = 0; c < C; ++c) k[size_t(i) * BC + c / bw] += colkeep[size_t(i) * C + c];
  return k;
}

size_t CsbState::kept() const {
  const auto a = kr(), b = kc();
  size_t n = 0;
  for (size_t t = 0; t < a.size(); ++t) n += size_t(a[t]) * size_t(b[t]);
  return n;
}

std::vector<double> CsbState::row_energy(const Matrix& w, bool respect_cols) const {
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

std::vector<double> CsbState::col_energy(const Matrix& w) const {
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

std::vector<uint8_t> CsbState::mask() const {
  std::vector<uint8_t> m(size_t(R) * C);
  for (int r = 0; r < R; ++r) {
    const uint8_t* rk = &rowkeep[size_t(r) * BC];
    const uint8_t* ck = &colkeep[size_t(r / bh) * C];
    uint8_t* mr = &m[size_t(r) * C];
    for (int c = 0; c < C; ++c) mr[c] = rk[c / bw] & ck[c];
  }
  return m;
}

double CsbState::energy(const Matrix& w) const {
  const auto e = col_energy(w);
  double s = 0;
  for (size_t t = 0; t < e.size(); ++t)
    if (colkeep[t]) s += e[t];
  return s;
}

void csb_paper_projection(const Matrix& w, double rate, CsbState& s) {
  const double q = 1.0 - std::sqrt(1.0 / rate);
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
}

void CsbStructuredMethod::check_params(const Matrix& w, const PruneParams& p,
                                       const std::string& what) const {
  (void)w;  // a block larger than the matrix is one partial edge block, like any edge block
  if (p.block.bh < 1 || p.block.bw < 1) fail(what, ": block size must be at least 1x1");
}

uint64_t CsbStructuredMethod::index_bits(const Matrix& w, const PruneParams& p,
                                         const MatrixPrune& r, std::string* format) const {
  const int bh = p.block.bh, bw = p.block.bw;
  const uint64_t per_block = index_bits_for(uint64_t(bh) + 1) + index_bits_for(uint64_t(bw) + 1);
  uint64_t bits = 0;
  for (int i0 = 0; i0 < w.rows; i0 += bh)
    for (int j0 = 0; j0 < w.cols; j0 += bw) {
      const int i1 = std::min(w.rows, i0 + bh), j1 = std::min(w.cols, j0 + bw);
      uint64_t kr = 0, kc = 0;
      for (int rr = i0; rr < i1; ++rr) {
        bool any = false;
        for (int c = j0; c < j1 && !any; ++c) any = r.keep[size_t(rr) * w.cols + c];
        kr += any;
      }
      for (int c = j0; c < j1; ++c) {
        bool any = false;
        for (int rr = i0; rr < i1 && !any; ++rr) any = r.keep[size_t(rr) * w.cols + c];
        kc += any;
      }
      bits += per_block + kr * index_bits_for(bh) + kc * index_bits_for(bw);
    }
  if (format)
    *format = cat("CSB: per block kr,kc counters (", index_bits_for(uint64_t(bh) + 1), "+",
                  index_bits_for(uint64_t(bw) + 1), " bits) + kept row/col indices (",
                  index_bits_for(bh), "/", index_bits_for(bw), " bits each)");
  return bits;
}

size_t CsbStructuredMethod::count_step(const Matrix& /*w*/, const PruneParams& p) const {
  return size_t(std::max(p.block.bh, p.block.bw));
}

}  // namespace csbrnn
