#include "reference/error_measure.h"

#include <cmath>
#include <cstdio>
#include <sstream>

#include "common/error.h"
#include "reference/fixed_rnn.h"
#include "reference/float_rnn.h"

namespace csbrnn {

uint64_t SplitMix64::next() {
  uint64_t z = (s_ += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double SplitMix64::uniform() {
  return double(next() >> 11) * 0x1.0p-53;
}
double SplitMix64::uniform(double lo, double hi) {
  return lo + (hi - lo) * uniform();
}
double SplitMix64::normal() {
  const double u1 = 1.0 - uniform();  // (0, 1]
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

RnnModel random_rnn_model(CellType cell, int input_size, int hidden_size, int proj_size,
                          int num_layers, double scale, uint64_t seed) {
  RnnModel m;
  m.cell = cell;
  m.input_size = input_size;
  m.hidden_size = hidden_size;
  m.proj_size = proj_size;
  m.has_bias = true;
  SplitMix64 rng(seed);
  const double a = scale / std::sqrt(double(hidden_size));
  auto fill = [&](std::vector<float>& v) {
    for (float& e : v) e = float(rng.uniform(-a, a));
  };
  const int gh = gate_count(cell) * hidden_size;
  for (int k = 0; k < num_layers; ++k) {
    LayerWeights L;
    L.w_ih = Matrix(gh, m.layer_input_size(k));
    L.w_hh = Matrix(gh, m.state_size());
    fill(L.w_ih.data);
    fill(L.w_hh.data);
    L.b_ih.resize(size_t(gh));
    L.b_hh.resize(size_t(gh));
    fill(L.b_ih);
    fill(L.b_hh);
    if (proj_size > 0) {
      L.w_hr = Matrix(proj_size, hidden_size);
      fill(L.w_hr.data);
    }
    m.layers.push_back(std::move(L));
  }
  validate_model(m, "random model");
  return m;
}

Matrix random_input(int steps, int n, uint64_t seed) {
  Matrix x(steps, n);
  SplitMix64 rng(seed);
  for (float& e : x.data) e = float(rng.normal());
  return x;
}

ErrorStats measure_fixed_error(const RnnModel& m, const Matrix& x, const fx::Format& f) {
  const FloatRnnResult fl = run_float_rnn(m, x);
  const FixedRnnResult fi = run_fixed_rnn(m, x, f);
  ErrorStats s;
  double sum = 0.0;
  for (size_t i = 0; i < fl.output_d.size(); ++i) {
    const double e = std::fabs(fx::dequantize(fi.output[i], f.af) - fl.output_d[i]);
    s.max_abs = std::max(s.max_abs, e);
    s.max_ref = std::max(s.max_ref, std::fabs(fl.output_d[i]));
    sum += e;
  }
  s.mean_abs = fl.output_d.empty() ? 0.0 : sum / double(fl.output_d.size());
  return s;
}

std::vector<ErrorCase> default_error_cases() {
  std::vector<ErrorCase> cases;
  auto add = [&](CellType cell, int in, int hid, int proj, int layers, double scale, fx::Format f) {
    std::ostringstream l;
    l << cell_name(cell) << (proj > 0 ? "p" : "") << " " << in << "-" << hid;
    if (proj > 0) l << "-p" << proj;
    l << " L" << layers;
    cases.push_back({l.str(), cell, in, hid, proj, layers, scale, f});
  };
  const fx::Format formats[] = {{12, 12}, {10, 12}, {12, 10}, {14, 11}, {8, 8}};
  for (double scale : {1.0, 4.0})
    for (const fx::Format& f : formats) {
      add(CellType::LSTM, 16, 32, 0, 1, scale, f);
      add(CellType::LSTM, 64, 128, 0, 2, scale, f);
      add(CellType::GRU, 16, 32, 0, 1, scale, f);
      add(CellType::GRU, 64, 128, 0, 2, scale, f);
      add(CellType::LSTM, 64, 128, 32, 2, scale, f);
    }
  return cases;
}

std::vector<ErrorRow> measure_error_table(const std::vector<ErrorCase>& cases, int steps,
                                          int seeds) {
  if (steps < 1 || seeds < 1) fail("measure-error: steps and seeds must be >= 1");
  std::vector<ErrorRow> rows;
  for (const ErrorCase& c : cases) {
    ErrorRow r{c, {}};
    double mean_sum = 0.0;
    for (int s = 1; s <= seeds; ++s) {
      const RnnModel m = random_rnn_model(c.cell, c.input_size, c.hidden_size, c.proj_size,
                                          c.num_layers, c.scale, uint64_t(s));
      const Matrix x = random_input(steps, c.input_size, uint64_t(1000 + s));
      const ErrorStats e = measure_fixed_error(m, x, c.format);
      r.stats.max_abs = std::max(r.stats.max_abs, e.max_abs);
      r.stats.max_ref = std::max(r.stats.max_ref, e.max_ref);
      mean_sum += e.mean_abs;
    }
    r.stats.mean_abs = mean_sum / seeds;
    rows.push_back(r);
  }
  return rows;
}

ActivationError measure_activation_error(int af) {
  if (af < 1 || af > 15) fail("activation fractional bits must be in 1..15, got ", af);
  const fx::Format f{12, af};
  ActivationError e;
  e.af = af;
  for (int v = -32768; v <= 32767; ++v) {
    const double x = fx::dequantize(v, af);
    const double et = std::fabs(fx::dequantize(fx::tanh(int16_t(v), f), af) - std::tanh(x));
    const double es =
        std::fabs(fx::dequantize(fx::sigmoid(int16_t(v), f), af) - 1.0 / (1.0 + std::exp(-x)));
    e.tanh_max = std::max(e.tanh_max, et);
    e.sigmoid_max = std::max(e.sigmoid_max, es);
    if (std::fabs(x) < 4.0) e.tanh_max_in = std::max(e.tanh_max_in, et);
    if (std::fabs(x) < 8.0) e.sigmoid_max_in = std::max(e.sigmoid_max_in, es);
    e.tanh_mean += et;
    e.sigmoid_mean += es;
  }
  e.tanh_mean /= 65536.0;
  e.sigmoid_mean /= 65536.0;
  return e;
}

std::string activation_table_markdown(const std::vector<int>& afs) {
  std::ostringstream o;
  o << "| af | output LSB | tanh max err | tanh max err, abs(x)<4 | tanh mean err | "
       "sigmoid max err | sigmoid max err, abs(x)<8 | sigmoid mean err |\n"
       "|---|---|---|---|---|---|---|---|\n";
  char buf[256];
  for (int af : afs) {
    const ActivationError e = measure_activation_error(af);
    std::snprintf(buf, sizeof buf, "| %d | %.2e | %.2e | %.2e | %.2e | %.2e | %.2e | %.2e |\n", af,
                  std::ldexp(1.0, -af), e.tanh_max, e.tanh_max_in, e.tanh_mean, e.sigmoid_max,
                  e.sigmoid_max_in, e.sigmoid_mean);
    o << buf;
  }
  return o.str();
}

std::string error_table_markdown(const std::vector<ErrorRow>& rows) {
  std::ostringstream o;
  o << "| model | weights | wf/af | max abs err | mean abs err | max abs output |\n"
       "|---|---|---|---|---|---|\n";
  char buf[256];
  for (const ErrorRow& r : rows) {
    std::snprintf(buf, sizeof buf, "| %s | %s | %d/%d | %.5f | %.6f | %.3f |\n", r.c.label.c_str(),
                  (r.c.scale == 1.0 ? std::string("U(+-1/sqrt H)")
                                    : "U(+-" + std::to_string(int(r.c.scale)) + "/sqrt H)")
                      .c_str(),
                  r.c.format.wf, r.c.format.af, r.stats.max_abs, r.stats.mean_abs, r.stats.max_ref);
    o << buf;
  }
  return o.str();
}

}  // namespace csbrnn
