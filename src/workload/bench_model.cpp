#include "workload/bench_model.h"

#include <algorithm>
#include <random>

#include "common/error.h"
#include "prune/prune.h"
#include "workload/model_spec.h"

namespace csbrnn {

CsbMatrix generate_csb_matrix(int rows, int cols, const GenSpec& s, uint64_t seed) {
  std::mt19937_64 rng(seed);
  CsbMatrix c;
  c.rows = rows;
  c.cols = cols;
  c.bh = s.bh;
  c.bw = s.bw;
  const int BR = c.block_rows(), BC = c.block_cols();
  c.blocks.resize(size_t(BR) * BC);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  for (int i = 0; i < BR; ++i)
    for (int j = 0; j < BC; ++j) {
      CsbBlock& b = c.block(i, j);
      for (int r = 0; r < std::min(s.bh, rows - i * s.bh); ++r)
        if (u(rng) < s.keep_row) b.rows.push_back(uint16_t(r));
      for (int q = 0; q < std::min(s.bw, cols - j * s.bw); ++q)
        if (u(rng) < s.keep_col) b.cols.push_back(uint16_t(q));
      for (size_t t = 0; t < b.rows.size() * b.cols.size(); ++t)
        b.values.push_back(float((2 * u(rng) - 1) * s.weight_scale));
    }
  return c;
}

CsbModel generate_csb_model(const GenSpec& s) {
  CsbModel m;
  m.cell = s.cell;
  m.input_size = s.input_size;
  m.hidden_size = s.hidden_size;
  m.proj_size = s.proj_size;
  m.has_bias = s.has_bias;
  const int G = gate_count(s.cell), H = s.hidden_size;
  std::mt19937_64 rng(s.seed * 7919 + 17);
  std::uniform_real_distribution<double> u(-s.weight_scale, s.weight_scale);
  for (int k = 0; k < s.layers; ++k) {
    CsbLayer L;
    L.w_ih = generate_csb_matrix(G * H, m.layer_input_size(k), s, rng());
    L.w_hh = generate_csb_matrix(G * H, m.state_size(), s, rng());
    if (s.proj_size > 0) L.w_hr = generate_csb_matrix(s.proj_size, H, s, rng());
    if (s.has_bias)
      for (int r = 0; r < G * H; ++r) {
        L.b_ih.push_back(float(u(rng)));
        L.b_hh.push_back(float(u(rng)));
      }
    m.layers.push_back(std::move(L));
  }
  m.note = "synthetic (seed " + std::to_string(s.seed) + ")";
  return m;
}

CsbModel benchmark_csb_model(const std::string& name, const BenchModelOptions& o) {
  const ModelSpec spec = load_model_spec(name);
  ModelPruneOptions popt;
  popt.base.method = parse_method("csb");
  popt.base.rate = o.rate > 0 ? o.rate : spec.paper_rate;
  popt.base.block = o.block > 0 ? BlockSize{o.block, o.block} : spec.block;
  const int bh = popt.base.block.bh, bw = popt.base.block.bw;
  const RnnModel dense = generate_model(spec, o.seed);
  // A matrix narrower than the block (SR2/SR4: 39 inputs) is one partial block-column.
  const ModelPrune mp = prune_model(dense, popt);
  return pruned_to_csb_model(
      mp, cat(spec.name, " (generated weights, seed ", o.seed, ", csb pruned at ", popt.base.rate,
              "x, block ", bh, "x", bw, ")"));
}

}  // namespace csbrnn
