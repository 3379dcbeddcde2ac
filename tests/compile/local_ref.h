// TEMPORARY test oracle until branch `reference` lands (then the tests call run_fixed_rnn):
// the normative op order of the fixed-point reference, written straight from its spec on dense
// matrices (no blocks, no sharing), independent of the compiler.
#pragma once
#include <cstdint>
#include <vector>

#include "compile/model_gen.h"
#include "numeric/fixed_point.h"

namespace csbrnn::test {

inline std::vector<int16_t> local_fixed_ref(const CsbModel& m, const fx::Format& f,
                                            const std::vector<int16_t>& xq, int T) {
  const int H = m.hidden_size, S = m.state_size(), G = gate_count(m.cell);
  const bool lstm = m.cell == CellType::LSTM;
  struct QL {
    std::vector<int16_t> wih, whh, whr;
    int in;
    std::vector<int64_t> bias, bhn;
  };
  std::vector<QL> q;
  for (int k = 0; k < m.num_layers(); ++k) {
    QL l;
    l.in = m.layer_input_size(k);
    for (float v : csb_matrix_dense(m.layers[k].w_ih).data) l.wih.push_back(fx::quantize(v, f.wf));
    for (float v : csb_matrix_dense(m.layers[k].w_hh).data) l.whh.push_back(fx::quantize(v, f.wf));
    if (m.proj_size)
      for (float v : csb_matrix_dense(m.layers[k].w_hr).data)
        l.whr.push_back(fx::quantize(v, f.wf));
    l.bias.assign(G * H, 0);
    l.bhn.assign(H, 0);
    if (m.has_bias) {
      const auto& bi = m.layers[k].b_ih;
      const auto& bh = m.layers[k].b_hh;
      for (int r = 0; r < G * H; ++r) {
        if (!lstm && r >= 2 * H) {
          l.bias[r] = fx::quantize_acc(double(bi[r]), f.wf + f.af);
          l.bhn[r - 2 * H] = fx::quantize_acc(double(bh[r]), f.wf + f.af);
        } else {
          l.bias[r] = fx::quantize_acc(double(bi[r]) + double(bh[r]), f.wf + f.af);
        }
      }
    }
    q.push_back(l);
  }
  std::vector<std::vector<int16_t>> h(m.num_layers(), std::vector<int16_t>(S, 0));
  std::vector<std::vector<int16_t>> c(m.num_layers(), std::vector<int16_t>(H, 0));
  std::vector<int16_t> y;
  for (int t = 0; t < T; ++t) {
    std::vector<int16_t> x(xq.begin() + size_t(t) * m.input_size,
                           xq.begin() + size_t(t + 1) * m.input_size);
    for (int k = 0; k < m.num_layers(); ++k) {
      const QL& l = q[k];
      std::vector<int64_t> ai(G * H, 0), ah(G * H, 0);
      for (int r = 0; r < G * H; ++r) {
        for (int j = 0; j < l.in; ++j) ai[r] += int64_t(l.wih[size_t(r) * l.in + j]) * x[j];
        for (int j = 0; j < S; ++j) ah[r] += int64_t(l.whh[size_t(r) * S + j]) * h[k][j];
      }
      std::vector<int16_t> hn(S);
      if (lstm) {
        std::vector<int16_t> pre(4 * H);
        for (int r = 0; r < 4 * H; ++r) pre[r] = fx::writeback(ai[r] + ah[r] + l.bias[r], f);
        std::vector<int16_t> mm(H);
        for (int j = 0; j < H; ++j) {
          const int16_t i = fx::sigmoid(pre[j], f), fg = fx::sigmoid(pre[H + j], f),
                        g = fx::tanh(pre[2 * H + j], f), o = fx::sigmoid(pre[3 * H + j], f);
          c[k][j] = fx::add(fx::mul(fg, c[k][j], f), fx::mul(i, g, f));
          mm[j] = fx::mul(o, fx::tanh(c[k][j], f), f);
        }
        if (m.proj_size) {
          for (int p = 0; p < S; ++p) {
            int64_t acc = 0;
            for (int j = 0; j < H; ++j) acc += int64_t(l.whr[size_t(p) * H + j]) * mm[j];
            hn[p] = fx::writeback(acc, f);
          }
        } else {
          hn = mm;
        }
      } else {
        for (int j = 0; j < H; ++j) {
          const int16_t r = fx::sigmoid(fx::writeback(ai[j] + ah[j] + l.bias[j], f), f);
          const int16_t z = fx::sigmoid(fx::writeback(ai[H + j] + ah[H + j] + l.bias[H + j], f), f);
          const int16_t gi = fx::writeback(ai[2 * H + j] + l.bias[2 * H + j], f);
          const int16_t gh = fx::writeback(ah[2 * H + j] + l.bhn[j], f);
          const int16_t n = fx::tanh(fx::add(gi, fx::mul(r, gh, f)), f);
          hn[j] = fx::add(n, fx::mul(z, fx::sub(h[k][j], n), f));
        }
      }
      h[k] = hn;
      x = hn;
    }
    y.insert(y.end(), x.begin(), x.end());
  }
  return y;
}

}  // namespace csbrnn::test
