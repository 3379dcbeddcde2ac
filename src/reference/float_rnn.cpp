#include "reference/float_rnn.h"

#include <cmath>

#include "common/error.h"

namespace csbrnn {
namespace {

double sigmoid(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

/// y[r] = sum_j W[r][j] * v[j]   (W rows x cols, v cols), accumulated in double.
void matvec(const Matrix& w, const std::vector<double>& v, std::vector<double>& y) {
  y.assign(size_t(w.rows), 0.0);
  for (int r = 0; r < w.rows; ++r) {
    const float* row = &w.data[size_t(r) * size_t(w.cols)];
    double s = 0.0;
    for (int j = 0; j < w.cols; ++j) s += double(row[j]) * v[size_t(j)];
    y[size_t(r)] = s;
  }
}

std::vector<double> to_double(const std::vector<float>& v, size_t n) {
  if (v.empty()) return std::vector<double>(n, 0.0);
  return std::vector<double>(v.begin(), v.end());
}

}  // namespace

void validate_input(const RnnModel& m, const Matrix& x, const std::string& origin) {
  if (x.rows < 1) fail(origin, ": input sequence is empty (0 timesteps)");
  if (x.cols != m.input_size)
    fail(origin, ": input has ", x.cols, " features per timestep, the model expects ",
         m.input_size);
  if (x.data.size() != size_t(x.rows) * size_t(x.cols))
    fail(origin, ": input matrix data size does not match its shape");
  for (size_t i = 0; i < x.data.size(); ++i)
    if (!std::isfinite(x.data[i]))
      fail(origin, ": input contains NaN or Inf at timestep ", i / size_t(x.cols), ", feature ",
           i % size_t(x.cols));
}

void validate_initial_state(const RnnModel& m, const RnnInitialState& s,
                            const std::string& origin) {
  if (!m.output_perm.empty() && (!s.h0.empty() || !s.c0.empty()))
    fail(origin, ": an initial state for a permuted model (prune --permute) is not supported");
  auto check = [&](const std::vector<std::vector<float>>& v, int n, const char* name) {
    if (v.empty()) return;
    if (int(v.size()) != m.num_layers())
      fail(origin, ": ", name, " has ", v.size(), " layers, the model has ", m.num_layers());
    for (int k = 0; k < m.num_layers(); ++k) {
      if (int(v[size_t(k)].size()) != n)
        fail(origin, ": ", name, " layer ", k, " has ", v[size_t(k)].size(), " elements, expected ",
             n);
      for (float e : v[size_t(k)])
        if (!std::isfinite(e)) fail(origin, ": ", name, " contains NaN or Inf");
    }
  };
  check(s.h0, m.state_size(), "h0");
  if (m.cell == CellType::GRU && !s.c0.empty())
    fail(origin, ": c0 given but a GRU has no cell state");
  check(s.c0, m.hidden_size, "c0");
}

RnnInitialState initial_state_from_matrices(const RnnModel& m, const Matrix& h0, const Matrix& c0,
                                            const std::string& origin) {
  RnnInitialState s;
  auto conv = [&](const Matrix& a, int n, const char* name) {
    std::vector<std::vector<float>> v;
    if (a.empty()) return v;
    if (a.rows != m.num_layers() || a.cols != n)
      fail(origin, ": ", name, " has shape (", a.rows, ", ", a.cols, "), expected (",
           m.num_layers(), ", ", n, ") = (num_layers, ",
           name[0] == 'h' ? "state_size" : "hidden_size", ")");
    for (int k = 0; k < a.rows; ++k)
      v.emplace_back(a.data.begin() + size_t(k) * size_t(n),
                     a.data.begin() + size_t(k + 1) * size_t(n));
    return v;
  };
  s.h0 = conv(h0, m.state_size(), "h0");
  if (!c0.empty() && m.cell == CellType::GRU)
    fail(origin, ": c0 given but a GRU has no cell state");
  s.c0 = conv(c0, m.hidden_size, "c0");
  validate_initial_state(m, s, origin);
  return s;
}

FloatRnnResult run_float_rnn(const RnnModel& m, const Matrix& x, const RnnInitialState& init) {
  validate_model(m, "model");
  validate_input(m, x, "input");
  validate_initial_state(m, init, "initial state");

  const int T = x.rows, H = m.hidden_size, S = m.state_size();
  const size_t gh = size_t(gate_count(m.cell)) * size_t(H);
  FloatRnnResult res;

  // Layer input sequence, T x in, in double.
  std::vector<std::vector<double>> seq(static_cast<size_t>(T));
  for (int t = 0; t < T; ++t)
    seq[size_t(t)].assign(x.data.begin() + size_t(t) * size_t(x.cols),
                          x.data.begin() + size_t(t + 1) * size_t(x.cols));

  std::vector<double> gi, gh_v, proj;
  for (int k = 0; k < m.num_layers(); ++k) {
    const LayerWeights& L = m.layers[size_t(k)];
    const std::vector<double> b_ih = to_double(m.has_bias ? L.b_ih : std::vector<float>{}, gh);
    const std::vector<double> b_hh = to_double(m.has_bias ? L.b_hh : std::vector<float>{}, gh);
    std::vector<double> h = init.h0.empty() ? std::vector<double>(size_t(S), 0.0)
                                            : to_double(init.h0[size_t(k)], size_t(S));
    std::vector<double> c;
    if (m.cell == CellType::LSTM)
      c = init.c0.empty() ? std::vector<double>(size_t(H), 0.0)
                          : to_double(init.c0[size_t(k)], size_t(H));

    for (int t = 0; t < T; ++t) {
      matvec(L.w_ih, seq[size_t(t)], gi);
      matvec(L.w_hh, h, gh_v);
      for (size_t r = 0; r < gh; ++r) {
        gi[r] += b_ih[r];
        gh_v[r] += b_hh[r];
      }
      if (m.cell == CellType::LSTM) {
        std::vector<double> mvec(static_cast<size_t>(H));
        for (int n = 0; n < H; ++n) {
          auto pre = [&](int gate) {
            const size_t r = size_t(gate) * size_t(H) + size_t(n);
            return gi[r] + gh_v[r];
          };
          const double i = sigmoid(pre(0)), f = sigmoid(pre(1)), g = std::tanh(pre(2)),
                       o = sigmoid(pre(3));
          c[size_t(n)] = f * c[size_t(n)] + i * g;
          mvec[size_t(n)] = o * std::tanh(c[size_t(n)]);
        }
        if (m.proj_size > 0) {
          matvec(L.w_hr, mvec, proj);
          h = proj;
        } else {
          h = mvec;
        }
      } else {
        for (int n = 0; n < H; ++n) {
          const size_t rr = size_t(n), rz = size_t(H + n), rn = size_t(2 * H + n);
          const double r = sigmoid(gi[rr] + gh_v[rr]);
          const double z = sigmoid(gi[rz] + gh_v[rz]);
          const double nn = std::tanh(gi[rn] + r * gh_v[rn]);
          h[size_t(n)] = (1.0 - z) * nn + z * h[size_t(n)];
        }
      }
      seq[size_t(t)] = h;  // becomes the next layer's input
    }
    res.h_n.push_back(h);
    if (m.cell == CellType::LSTM) res.c_n.push_back(c);
  }

  res.output = Matrix(T, S);
  res.output_d.resize(size_t(T) * size_t(S));
  for (int t = 0; t < T; ++t)
    for (int j = 0; j < S; ++j) {
      const double v = seq[size_t(t)][size_t(j)];
      res.output_d[size_t(t) * size_t(S) + size_t(j)] = v;
      res.output.at(t, j) = float(v);
    }
  // A permuted model (prune --permute) returns its output, and the last layer's h_n, in the
  // unpermuted model's order.
  unpermute_output(m.output_perm, res.output.data.data(), size_t(T), size_t(S));
  unpermute_output(m.output_perm, res.output_d.data(), size_t(T), size_t(S));
  unpermute_output(m.output_perm, res.h_n.back().data(), 1, size_t(S));
  return res;
}

}  // namespace csbrnn
