#include "model/csb_stats.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"

namespace csbrnn {

namespace {

// Adds one matrix's counts to `s` and its per-block densities to `dens`.
void accumulate(const CsbMatrix& c, CsbStats& s, std::vector<double>& dens) {
  s.blocks += c.blocks.size();
  s.total += uint64_t(c.rows) * uint64_t(c.cols);
  s.index_bits += csb_index_bits(c);
  uint64_t kept = 0;
  const int BR = c.block_rows(), BC = c.block_cols();
  for (int i = 0; i < BR; ++i)
    for (int j = 0; j < BC; ++j) {
      const CsbBlock& b = c.block(i, j);
      const uint64_t k = uint64_t(b.kr()) * uint64_t(b.kc());
      kept += k;
      if (k == 0) ++s.empty_blocks;
      for (float v : b.values)
        if (v == 0.0f) ++s.kernel_zeros;
      ++s.kr_hist[b.kr()];
      ++s.kc_hist[b.kc()];
      ++s.size_hist[int(k)];
      const int h = std::min(c.bh, c.rows - i * c.bh), w = std::min(c.bw, c.cols - j * c.bw);
      dens.push_back(double(k) / (double(h) * double(w)));
    }
  s.kept += kept;
  s.csr_index_bits +=
      kept * ceil_log2(uint64_t(c.cols)) + (uint64_t(c.rows) + 1) * ceil_log2(kept + 1);
}

void finish(CsbStats& s, const std::vector<double>& dens) {
  const double inf = std::numeric_limits<double>::infinity();
  const double wbits = double(s.kept) * s.weight_bits;
  s.rate = s.kept ? double(s.total) / double(s.kept) : inf;
  s.nio = s.kept ? double(s.index_bits) / wbits : inf;
  s.csr_nio = s.kept ? double(s.csr_index_bits) / wbits : inf;
  if (dens.empty()) return;
  double sum = 0;
  s.density_min = dens[0];
  s.density_max = dens[0];
  for (double d : dens) {
    sum += d;
    s.density_min = std::min(s.density_min, d);
    s.density_max = std::max(s.density_max, d);
  }
  s.density_mean = sum / double(dens.size());
  double sq = 0;
  for (double d : dens) sq += (d - s.density_mean) * (d - s.density_mean);
  s.density_stddev = std::sqrt(sq / double(dens.size()));
}

void check_weight_bits(int weight_bits) {
  if (weight_bits < 1 || weight_bits > 64)
    fail("csb stats: weight width ", weight_bits, " bits out of range (1..64)");
}

}  // namespace

CsbStats csb_matrix_stats(const CsbMatrix& c, const std::string& name, int weight_bits) {
  check_weight_bits(weight_bits);
  check_csb(c, name);
  CsbStats s;
  s.name = name;
  s.rows = c.rows;
  s.cols = c.cols;
  s.bh = c.bh;
  s.bw = c.bw;
  s.weight_bits = weight_bits;
  std::vector<double> dens;
  accumulate(c, s, dens);
  finish(s, dens);
  return s;
}

CsbModelStats csb_model_stats(const CsbModel& m, int weight_bits) {
  check_weight_bits(weight_bits);
  validate_csb_model(m, "csb model");
  CsbModelStats out;
  out.total.name = "model";
  out.total.weight_bits = weight_bits;
  std::vector<double> all;
  for (int k = 0; k < m.num_layers(); ++k) {
    const CsbLayer& L = m.layers[k];
    std::vector<std::pair<const CsbMatrix*, std::string>> mats = {
        {&L.w_ih, param_name("weight_ih", k)}, {&L.w_hh, param_name("weight_hh", k)}};
    if (m.proj_size > 0) mats.push_back({&L.w_hr, param_name("weight_hr", k)});
    for (const auto& [c, name] : mats) {
      out.matrices.push_back(csb_matrix_stats(*c, name, weight_bits));
      accumulate(*c, out.total, all);
    }
  }
  finish(out.total, all);
  return out;
}

}  // namespace csbrnn
