#include "prune/prune.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "common/strings.h"
#include "prune/method.h"

namespace csbrnn {

double parse_rate(const std::string& s, const std::string& what) {
  double v = 0;
  if (!parse_double(s, v)) fail(what, ": bad rate '", s, "' (expected a number > 1)");
  if (v <= 1.0)
    fail(what, ": compression rate must be > 1 (got ", s, "); rate R keeps 1/R of the weights");
  return v;
}

namespace {

/// "AxB" or "A" (square), each 1..65535; `noun` / `form` name the thing in errors.
BlockSize parse_dims(const std::string& s, const std::string& what, const char* noun,
                     const char* form) {
  auto num = [&](const std::string& t) {
    if (t.empty() || t.size() > 6 || t.find_first_not_of("0123456789") != std::string::npos)
      fail(what, ": bad ", noun, " '", s, "' (expected ", form, ", or one number)");
    const int v = std::stoi(t);  // at most 6 digits: cannot throw
    if (v < 1) fail(what, ": ", noun, " '", s, "' must be at least 1x1");
    if (v > 65535) fail(what, ": ", noun, " '", s, "' too large (max 65535)");
    return v;
  };
  const auto x = s.find_first_of("xX");
  if (x == std::string::npos) {
    const int v = num(s);
    return {v, v};
  }
  return {num(s.substr(0, x)), num(s.substr(x + 1))};
}

}  // namespace

BlockSize parse_block(const std::string& s, const std::string& what) {
  return parse_dims(s, what, "block size", "BHxBW, e.g. 32x32");
}

BlockSize parse_tile(const std::string& s, const std::string& what) {
  return parse_dims(s, what, "tile", "PxQ, e.g. 4x4");
}

size_t target_kept(size_t n, double rate) {
  const long long t = std::llround(double(n) / rate);
  return size_t(std::max<long long>(1, t));
}

void check_prune_params(const Matrix& w, const PruneParams& p, const std::string& what) {
  CSBRNN_ASSERT(p.method, what, ": no pruning method");
  if (w.empty()) fail(what, ": empty matrix cannot be pruned");
  if (p.method->uses_rate() && (!std::isfinite(p.rate) || p.rate <= 1.0))
    fail(what, ": compression rate must be a number > 1 (got ", p.rate,
         "); rate R keeps 1/R of the weights");
  p.method->check_params(w, p, what);
}

MatrixPrune prune_matrix(const Matrix& w, const PruneParams& p, const std::string& what) {
  check_prune_params(w, p, what);
  constexpr size_t kUnset = ~size_t(0);
  MatrixPrune out;
  out.target =
      p.method->uses_rate()
          ? target_kept(w.size(), p.rate)
          : size_t(std::count_if(w.data.begin(), w.data.end(), [](float v) { return v != 0.0f; }));
  out.projection_kept = kUnset;
  p.method->project(w, p, out);
  CSBRNN_ASSERT(out.keep.size() == w.size(), p.method->name(), ": mask of ", out.keep.size(),
                " entries for ", w.size(), " weights");
  out.kept = size_t(std::count(out.keep.begin(), out.keep.end(), uint8_t(1)));
  if (out.projection_kept == kUnset) out.projection_kept = out.kept;
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
    const bool rated = info.params.method->uses_rate();
    const bool asks_none =
        rated && std::isfinite(info.params.rate) && std::llround(double(n) / info.params.rate) < 1;
    if (!asks_none) info.result = prune_matrix(*mats[t].second, info.params, info.name);
    if (!rated && info.result.kept == 0)
      fail(info.name, ": every one of its ", n, " weights is zero (nothing to keep)");
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
