// Float reference vs real PyTorch outputs
// (tests/fixtures/make_reference_fixtures.py), and the fixed-point reference vs
// the float one on the same PyTorch models.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <string>

#include "io/npy.h"
#include "io/weights.h"
#include "reference/fixed_rnn.h"
#include "reference/float_rnn.h"
#include "support/test_util.h"

using namespace csbrnn;

namespace {

struct Fixture {
  RnnModel model;
  std::map<std::string, Tensor> data;
};

Fixture load_fixture(const std::string& name) {
  Fixture f;
  f.model = load_weights(test::source_path("tests/fixtures/reference/" + name + "_weights.npz"));
  f.data = load_npz(test::source_path("tests/fixtures/reference/" + name + "_data.npz"));
  return f;
}

Matrix to_matrix(const Tensor& t) {
  REQUIRE(t.dims() == 2);
  Matrix m(int(t.shape[0]), int(t.shape[1]));
  m.data = t.data;
  return m;
}

double max_abs_diff(const std::vector<float>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double e = 0.0;
  for (size_t i = 0; i < a.size(); ++i) e = std::max(e, std::fabs(double(a[i]) - b[i]));
  return e;
}

std::vector<double> flatten(const std::vector<std::vector<double>>& v) {
  std::vector<double> out;
  for (const auto& x : v) out.insert(out.end(), x.begin(), x.end());
  return out;
}

RnnInitialState fixture_state(const Fixture& f) {
  const Matrix h0 = f.data.count("h0") ? to_matrix(f.data.at("h0")) : Matrix();
  const Matrix c0 = f.data.count("c0") ? to_matrix(f.data.at("c0")) : Matrix();
  return initial_state_from_matrices(f.model, h0, c0, "fixture");
}

void check_against_pytorch(const std::string& name) {
  INFO("fixture " << name);
  const Fixture f = load_fixture(name);
  const Matrix x = to_matrix(f.data.at("x"));
  const FloatRnnResult r = run_float_rnn(f.model, x, fixture_state(f));
  const Tensor& y = f.data.at("y");
  REQUIRE(y.shape == std::vector<int64_t>{x.rows, f.model.state_size()});
  CHECK(max_abs_diff(y.data, r.output_d) < 1e-5);
  CHECK(max_abs_diff(f.data.at("h_n").data, flatten(r.h_n)) < 1e-5);
  if (f.model.cell == CellType::LSTM)
    CHECK(max_abs_diff(f.data.at("c_n").data, flatten(r.c_n)) < 1e-5);
  // The last layer's final h is the last output row.
  for (int j = 0; j < f.model.state_size(); ++j)
    CHECK(r.h_n.back()[size_t(j)] == r.output_d[size_t((x.rows - 1) * f.model.state_size() + j)]);
}

}  // namespace

TEST_CASE("float LSTM 2-layer matches PyTorch", "[float]") {
  check_against_pytorch("lstm2");
}
TEST_CASE("float LSTMP 2-layer matches PyTorch", "[float]") {
  check_against_pytorch("lstmp2");
}
TEST_CASE("float GRU 2-layer matches PyTorch", "[float]") {
  check_against_pytorch("gru2");
}
TEST_CASE("float LSTM without bias matches PyTorch", "[float]") {
  check_against_pytorch("lstm_nobias");
}
TEST_CASE("float GRU with given h0 matches PyTorch", "[float]") {
  check_against_pytorch("gru_h0");
}
TEST_CASE("float LSTMP with given h0 and c0 matches PyTorch", "[float]") {
  check_against_pytorch("lstmp_h0c0");
}

TEST_CASE("float reference really depends on the initial state", "[float]") {
  const Fixture f = load_fixture("gru_h0");
  const Matrix x = to_matrix(f.data.at("x"));
  const FloatRnnResult zero = run_float_rnn(f.model, x);
  // PyTorch's y was computed from h0 != 0: the zero-state run must miss it
  // clearly.
  CHECK(max_abs_diff(f.data.at("y").data, zero.output_d) > 1e-2);
}

TEST_CASE("fixed-point reference stays close to PyTorch on every fixture", "[fixed][float]") {
  for (const char* name : {"lstm2", "lstmp2", "gru2", "lstm_nobias", "gru_h0", "lstmp_h0c0"}) {
    INFO("fixture " << name);
    const Fixture f = load_fixture(name);
    const Matrix x = to_matrix(f.data.at("x"));
    const FixedRnnResult r = run_fixed_rnn(f.model, x, fx::Format{12, 12}, fixture_state(f));
    std::vector<double> out(r.output.size());
    for (size_t i = 0; i < out.size(); ++i) out[i] = fx::dequantize(r.output[i], 12);
    const double e = max_abs_diff(f.data.at("y").data, out);
    CHECK(e < 0.005);
    CHECK(e > 0.0);  // quantization is visible: the fixed path is not the float path
  }
}

// y_fx was computed by an independent pure-Python integer implementation of the
// normative operation order (make_reference_fixtures.py: fixed_point_rnn), wf =
// af = 12.
TEST_CASE("fixed-point reference is bit-exact with the independent Python oracle", "[fixed]") {
  for (const char* name : {"lstm2", "lstmp2", "gru2", "lstm_nobias", "gru_h0", "lstmp_h0c0"}) {
    INFO("fixture " << name);
    const Fixture f = load_fixture(name);
    const Matrix x = to_matrix(f.data.at("x"));
    const FixedRnnResult r = run_fixed_rnn(f.model, x, fx::Format{12, 12}, fixture_state(f));
    const Tensor& want = f.data.at("y_fx");
    CHECK(want.source_dtype == "<i2");
    REQUIRE(want.data.size() == r.output.size());
    int mismatches = 0;
    for (size_t i = 0; i < r.output.size(); ++i)
      if (float(r.output[i]) != want.data[i]) ++mismatches;
    CHECK(mismatches == 0);
  }
}
