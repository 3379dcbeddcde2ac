#include "reference/fixed_rnn.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "common/error.h"

namespace csbrnn {
namespace {

constexpr int64_t kMaxAbs16 = 32768;  // |int16| <= 2^15

std::vector<int16_t> quantize_matrix(const Matrix& w, int frac) {
  std::vector<int16_t> q(w.data.size());
  for (size_t i = 0; i < w.data.size(); ++i) q[i] = fx::quantize(double(w.data[i]), frac);
  return q;
}

/// Bound on |sum_j w[r][j]*v[j] + bias| for any int16 v, saturating just above kAccMax (each
/// term is <= 2^30, so the running sum cannot overflow int64 before the early exit).
int64_t row_bound(const int16_t* w, int cols, int64_t bias) {
  int64_t s = bias < 0 ? -bias : bias;
  for (int j = 0; j < cols && s <= fx::kAccMax; ++j) s += std::llabs(int64_t(w[j])) * kMaxAbs16;
  return s;
}

/// The exact accumulator value sum_j w[r][j]*v[j] (int64, no rounding anywhere).
int64_t dot(const int16_t* w, const int16_t* v, int n) {
  int64_t s = 0;
  for (int j = 0; j < n; ++j) s += int64_t(w[j]) * int64_t(v[j]);
  return s;
}

int64_t checked_acc(int64_t acc) {
  CSBRNN_ASSERT(acc >= fx::kAccMin && acc <= fx::kAccMax,
                "accumulator left the 48-bit range despite the static bound: ", acc);
  return acc;
}

void check_format(const fx::Format& f) {
  if (f.wf < 1 || f.wf > 15 || f.af < 1 || f.af > 15)
    fail("numeric format: fractional bits must be in 1..15 (weight_frac_bits ", f.wf,
         ", act_frac_bits ", f.af, ")");
}

}  // namespace

std::vector<int16_t> quantize_input(const Matrix& x, const fx::Format& f) {
  return quantize_matrix(x, f.af);
}

int64_t accumulator_bound(const QuantizedModel& q) {
  int64_t worst = 0;
  const int H = q.hidden_size, S = q.state_size();
  const int G = gate_count(q.cell);
  for (const QuantizedLayer& L : q.layers) {
    for (int r = 0; r < G * H; ++r) {
      const int16_t* wi = &L.w_ih[size_t(r) * size_t(L.in)];
      const int16_t* wh = &L.w_hh[size_t(r) * size_t(S)];
      int64_t b;
      if (q.cell == CellType::GRU && r >= 2 * H) {
        // n rows: two separate accumulations, W_in x + b_in and W_hn h + b_hn.
        b = std::max(row_bound(wi, L.in, L.bias[size_t(r)]),
                     row_bound(wh, S, L.bias_hn[size_t(r - 2 * H)]));
      } else {
        b = row_bound(wi, L.in, L.bias[size_t(r)]);
        if (b <= fx::kAccMax) b += row_bound(wh, S, 0);
      }
      worst = std::max(worst, b);
    }
    for (int p = 0; p < q.proj_size; ++p)
      worst = std::max(worst, row_bound(&L.w_hr[size_t(p) * size_t(H)], H, 0));
  }
  return worst;
}

QuantizedModel quantize_model(const RnnModel& m, const fx::Format& f) {
  validate_model(m, "model");
  check_format(f);
  QuantizedModel q;
  q.cell = m.cell;
  q.input_size = m.input_size;
  q.hidden_size = m.hidden_size;
  q.proj_size = m.proj_size;
  q.output_perm = m.output_perm;
  q.format = f;
  const int H = m.hidden_size, G = gate_count(m.cell);
  const int acc_frac = f.wf + f.af;
  for (int k = 0; k < m.num_layers(); ++k) {
    const LayerWeights& L = m.layers[size_t(k)];
    QuantizedLayer ql;
    ql.in = m.layer_input_size(k);
    ql.w_ih = quantize_matrix(L.w_ih, f.wf);
    ql.w_hh = quantize_matrix(L.w_hh, f.wf);
    if (m.proj_size > 0) ql.w_hr = quantize_matrix(L.w_hr, f.wf);
    ql.bias.assign(size_t(G * H), 0);
    if (m.cell == CellType::GRU) ql.bias_hn.assign(size_t(H), 0);
    if (m.has_bias) {
      for (int r = 0; r < G * H; ++r) {
        if (m.cell == CellType::GRU && r >= 2 * H) {
          ql.bias[size_t(r)] = fx::quantize_acc(double(L.b_ih[size_t(r)]), acc_frac);
          ql.bias_hn[size_t(r - 2 * H)] = fx::quantize_acc(double(L.b_hh[size_t(r)]), acc_frac);
        } else {
          ql.bias[size_t(r)] =
              fx::quantize_acc(double(L.b_ih[size_t(r)]) + double(L.b_hh[size_t(r)]), acc_frac);
        }
      }
    }
    q.layers.push_back(std::move(ql));
  }
  const int64_t bound = accumulator_bound(q);
  if (bound > fx::kAccMax)
    fail("model too wide for the ", fx::kAccBits, "-bit accumulator: an MVM row of the ",
         cell_name(m.cell), " (input ", m.input_size, ", hidden ", m.hidden_size,
         ") can reach |sum| >= ", bound, " > 2^47-1 at weight_frac_bits ", f.wf, ", act_frac_bits ",
         f.af, "; use fewer weight fractional bits or smaller weights");
  return q;
}

FixedRnnResult run_fixed_rnn(const QuantizedModel& q, const std::vector<int16_t>& x_q, int steps,
                             const std::vector<std::vector<int16_t>>& h0_q,
                             const std::vector<std::vector<int16_t>>& c0_q,
                             const FixedRnnOptions& opt) {
  const fx::Format& f = q.format;
  check_format(f);
  const int H = q.hidden_size, S = q.state_size(), NL = q.num_layers();
  const bool lstm = q.cell == CellType::LSTM;
  const int G = gate_count(q.cell);
  if (NL < 1) fail("quantized model has no layers");
  if (steps < 1) fail("input sequence is empty (0 timesteps)");
  if (x_q.size() != size_t(steps) * size_t(q.input_size))
    fail("quantized input has ", x_q.size(), " values, expected ", steps, " x ", q.input_size);
  auto check_state = [&](const std::vector<std::vector<int16_t>>& s, int n, const char* name) {
    if (s.empty()) return;
    if (int(s.size()) != NL) fail(name, " has ", s.size(), " layers, the model has ", NL);
    for (const auto& v : s)
      if (int(v.size()) != n) fail(name, " has a layer of ", v.size(), " elements, expected ", n);
  };
  for (int k = 0; k < NL; ++k) {
    const QuantizedLayer& L = q.layers[size_t(k)];
    const size_t rows = size_t(G) * size_t(H);
    const bool ok = L.in == (k == 0 ? q.input_size : S) && L.w_ih.size() == rows * size_t(L.in) &&
                    L.w_hh.size() == rows * size_t(S) && L.bias.size() == rows &&
                    L.w_hr.size() == size_t(q.proj_size) * size_t(H) &&
                    L.bias_hn.size() == (lstm ? size_t(0) : size_t(H)) &&
                    (q.proj_size == 0 || lstm);
    if (!ok) fail("quantized model: layer ", k, " has inconsistent sizes");
  }
  check_state(h0_q, S, "h0");
  if (!q.output_perm.empty() && (!h0_q.empty() || !c0_q.empty()))
    fail("initial state: an initial state for a permuted model (prune --permute) is not supported");
  if (!lstm && !c0_q.empty()) fail("c0 given but a GRU has no cell state");
  check_state(c0_q, H, "c0");

  FixedRnnResult res;
  res.format = f;
  res.steps = steps;
  res.state_size = S;
  res.output.resize(size_t(steps) * size_t(S));
  for (int k = 0; k < NL; ++k) {
    res.h_n.push_back(h0_q.empty() ? std::vector<int16_t>(size_t(S), 0) : h0_q[size_t(k)]);
    if (lstm)
      res.c_n.push_back(c0_q.empty() ? std::vector<int16_t>(size_t(H), 0) : c0_q[size_t(k)]);
  }
  if (opt.keep_trace) res.trace.resize(size_t(steps));

  std::vector<int16_t> x, pre(size_t(G * H)), gates(size_t(G * H)), gh_n,
      mv(static_cast<size_t>(H));
  for (int t = 0; t < steps; ++t) {
    x.assign(x_q.begin() + size_t(t) * size_t(q.input_size),
             x_q.begin() + size_t(t + 1) * size_t(q.input_size));
    for (int k = 0; k < NL; ++k) {
      const QuantizedLayer& L = q.layers[size_t(k)];
      std::vector<int16_t>& h = res.h_n[size_t(k)];  // h_{t-1}, updated in place to h_t
      FixedLayerStep* tr = nullptr;
      if (opt.keep_trace) {
        res.trace[size_t(t)].emplace_back();
        tr = &res.trace[size_t(t)].back();
        tr->x = x;
      }
      const int16_t* xp = x.data();
      const int16_t* hp = h.data();
      if (lstm) {
        // pre[r] = writeback(W_ih x + W_hh h + bias), one exact 48-bit accumulation per row.
        for (int r = 0; r < 4 * H; ++r) {
          const int64_t acc =
              checked_acc(dot(&L.w_ih[size_t(r) * size_t(L.in)], xp, L.in) +
                          dot(&L.w_hh[size_t(r) * size_t(S)], hp, S) + L.bias[size_t(r)]);
          pre[size_t(r)] = fx::writeback(acc, f);
        }
        std::vector<int16_t>& c = res.c_n[size_t(k)];
        for (int n = 0; n < H; ++n) {
          const int16_t i = fx::sigmoid(pre[size_t(n)], f);
          const int16_t fg = fx::sigmoid(pre[size_t(H + n)], f);
          const int16_t g = fx::tanh(pre[size_t(2 * H + n)], f);
          const int16_t o = fx::sigmoid(pre[size_t(3 * H + n)], f);
          gates[size_t(n)] = i;
          gates[size_t(H + n)] = fg;
          gates[size_t(2 * H + n)] = g;
          gates[size_t(3 * H + n)] = o;
          c[size_t(n)] = fx::add(fx::mul(fg, c[size_t(n)], f), fx::mul(i, g, f));
          mv[size_t(n)] = fx::mul(o, fx::tanh(c[size_t(n)], f), f);
        }
        if (q.proj_size > 0) {
          for (int p = 0; p < q.proj_size; ++p)
            h[size_t(p)] =
                fx::writeback(checked_acc(dot(&L.w_hr[size_t(p) * size_t(H)], mv.data(), H)), f);
        } else {
          h = mv;
        }
        if (tr) {
          tr->c = c;
          tr->m = mv;
        }
      } else {
        gh_n.resize(size_t(H));
        for (int r = 0; r < 2 * H; ++r) {
          const int64_t acc =
              checked_acc(dot(&L.w_ih[size_t(r) * size_t(L.in)], xp, L.in) +
                          dot(&L.w_hh[size_t(r) * size_t(S)], hp, S) + L.bias[size_t(r)]);
          pre[size_t(r)] = fx::writeback(acc, f);
        }
        for (int n = 0; n < H; ++n) {
          const int r = 2 * H + n;
          pre[size_t(r)] = fx::writeback(
              checked_acc(dot(&L.w_ih[size_t(r) * size_t(L.in)], xp, L.in) + L.bias[size_t(r)]), f);
          gh_n[size_t(n)] = fx::writeback(
              checked_acc(dot(&L.w_hh[size_t(r) * size_t(S)], hp, S) + L.bias_hn[size_t(n)]), f);
        }
        for (int n = 0; n < H; ++n) {
          const int16_t r = fx::sigmoid(pre[size_t(n)], f);
          const int16_t z = fx::sigmoid(pre[size_t(H + n)], f);
          const int16_t nn =
              fx::tanh(fx::add(pre[size_t(2 * H + n)], fx::mul(r, gh_n[size_t(n)], f)), f);
          gates[size_t(n)] = r;
          gates[size_t(H + n)] = z;
          gates[size_t(2 * H + n)] = nn;
          h[size_t(n)] = fx::add(nn, fx::mul(z, fx::sub(h[size_t(n)], nn), f));
        }
        if (tr) tr->gh_n = gh_n;
      }
      if (tr) {
        tr->pre = pre;
        tr->gates = gates;
        tr->h = h;
      }
      x = h;  // next layer's input
    }
    std::copy(x.begin(), x.end(), res.output.begin() + size_t(t) * size_t(S));
  }
  res.output_float = Matrix(steps, S);
  // A permuted model (prune --permute): output and the last layer's h_n in the unpermuted order.
  unpermute_output(q.output_perm, res.output.data(), size_t(steps), size_t(S));
  if (!res.h_n.empty()) unpermute_output(q.output_perm, res.h_n.back().data(), 1, size_t(S));
  for (size_t i = 0; i < res.output.size(); ++i)
    res.output_float.data[i] = float(fx::dequantize(res.output[i], f.af));
  return res;
}

FixedRnnResult run_fixed_rnn(const RnnModel& m, const Matrix& x, const fx::Format& f,
                             const RnnInitialState& init, const FixedRnnOptions& opt) {
  const QuantizedModel q = quantize_model(m, f);
  validate_input(m, x, "input");
  validate_initial_state(m, init, "initial state");
  auto qstate = [&](const std::vector<std::vector<float>>& s) {
    std::vector<std::vector<int16_t>> out;
    for (const auto& v : s) {
      out.emplace_back(v.size());
      for (size_t i = 0; i < v.size(); ++i) out.back()[i] = fx::quantize(double(v[i]), f.af);
    }
    return out;
  };
  return run_fixed_rnn(q, quantize_input(x, f), x.rows, qstate(init.h0), qstate(init.c0), opt);
}

}  // namespace csbrnn
