// Fixed-point reference: hand-worked cases, structure checks, error bound, error handling.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "reference/error_measure.h"
#include "reference/fixed_rnn.h"
#include "reference/float_rnn.h"

using namespace csbrnn;

namespace {

Matrix col(std::initializer_list<float> v) {
  Matrix m(int(v.size()), 1);
  m.data.assign(v.begin(), v.end());
  return m;
}

RnnModel one_unit(CellType cell) {
  RnnModel m;
  m.cell = cell;
  m.input_size = 1;
  m.hidden_size = 1;
  m.has_bias = true;
  m.layers.resize(1);
  return m;
}

}  // namespace

// Hand-worked LSTM, input 1, hidden 1, wf = af = 12 (1.0 = 4096). PWL table entries used
// (T[i] = lround(tanh(i/32) * 32768)): T[0]=0 T[1]=1024 T[5]=5079 T[6]=6073 T[7]=7056
// T[8]=8025 T[16]=15143.
//   w_ih = [i 0, f 0, g 1.0, o 0] -> [0, 0, 4096, 0];  w_hh = [0, 0, 0.5, 0] -> [0, 0, 2048, 0]
//   b_ih = b_hh = [0, 0, 0, 0.25] -> bias_acc = [0, 0, 0, 0.5 * 2^24 = 8388608]
//   x = [0.5, -0.25] -> [2048, -1024]
// t=0 (h=0, c=0):
//   pre_i = pre_f = 0 -> sigmoid(0): tanh(0)=0, (32768 + 0) >> 4 = 2048  => i = f = 2048
//   pre_g = round_shift(4096*2048, 12) = 2048;  pre_o = round_shift(8388608, 12) = 2048
//   g = tanh(2048): 2048<<4 = 32768 Q16 -> seg 16, frac 0 -> 15143; (15143+4)>>3 = 1893
//   o = sigmoid(2048): 2048<<3 = 16384 -> seg 8 -> 8025; 32768+8025 = 40793; (40793+8)>>4 = 2550
//   c = mul(2048,0) + mul(2048,1893) = (3876864+2048)>>12 = 947   (946.5 rounds half up)
//   tanh(947): 947<<4 = 15152 -> seg 7, frac 816: 7056 + ((969*816+1024)>>11 = 386) = 7442;
//              (7442+4)>>3 = 930
//   h = mul(2550, 930) = (2371500+2048)>>12 = 579
// t=1 (x=-1024, h=579, c=947):
//   pre_g = round_shift(4096*-1024 + 2048*579 = -3008512, 12) = (-3008512+2048)>>12 = -734
//   g = tanh(-734): 734<<4 = 11744 -> seg 5, frac 1504: 5079 + ((994*1504+1024)>>11 = 730)
//       = 5809; (5809+4)>>3 = 726 -> -726
//   c = mul(2048,947) + mul(2048,-726) = ((1939456+2048)>>12 = 474) + ((-1486848+2048)>>12 = -363)
//     = 111
//   tanh(111): 111<<4 = 1776 -> seg 0, frac 1776: 0 + ((1024*1776+1024)>>11 = 888);
//              (888+4)>>3 = 111
//   h = mul(2550, 111) = (283050+2048)>>12 = 69
TEST_CASE("fixed LSTM 1x1 matches the hand-worked computation", "[fixed]") {
  RnnModel m = one_unit(CellType::LSTM);
  m.layers[0].w_ih = col({0, 0, 1.0f, 0});
  m.layers[0].w_hh = col({0, 0, 0.5f, 0});
  m.layers[0].b_ih = {0, 0, 0, 0.25f};
  m.layers[0].b_hh = {0, 0, 0, 0.25f};
  const Matrix x = col({0.5f, -0.25f});
  FixedRnnOptions opt;
  opt.keep_trace = true;
  const FixedRnnResult r = run_fixed_rnn(m, x, fx::Format{12, 12}, {}, opt);
  REQUIRE(r.steps == 2);
  REQUIRE(r.state_size == 1);
  CHECK(r.output == std::vector<int16_t>{579, 69});
  CHECK(r.h_n == std::vector<std::vector<int16_t>>{{69}});
  CHECK(r.c_n == std::vector<std::vector<int16_t>>{{111}});
  REQUIRE(r.trace.size() == 2);
  const FixedLayerStep& s0 = r.trace[0][0];
  CHECK(s0.x == std::vector<int16_t>{2048});
  CHECK(s0.pre == std::vector<int16_t>{0, 0, 2048, 2048});
  CHECK(s0.gates == std::vector<int16_t>{2048, 2048, 1893, 2550});
  CHECK(s0.c == std::vector<int16_t>{947});
  CHECK(s0.m == std::vector<int16_t>{579});
  const FixedLayerStep& s1 = r.trace[1][0];
  CHECK(s1.x == std::vector<int16_t>{-1024});
  CHECK(s1.pre == std::vector<int16_t>{0, 0, -734, 2048});
  CHECK(s1.gates == std::vector<int16_t>{2048, 2048, -726, 2550});
  CHECK(s1.c == std::vector<int16_t>{111});
  CHECK(s1.h == std::vector<int16_t>{69});
  CHECK(r.output_float.at(0, 0) == Approx(579.0 / 4096.0));
  CHECK(r.output_float.at(1, 0) == Approx(69.0 / 4096.0));
}

// Hand-worked GRU, input 1, hidden 1, wf = af = 12, given h0 = 0.5 (T[33]=25376, T[34]=25776).
//   w_ih = [r 0, z 0, n 0.5] -> [0, 0, 2048];  w_hh = [0, 0, 1.0] -> [0, 0, 4096]
//   b_ih = [0.5, 0, 0], b_hh = [0.5, -0.5, 0.25]
//     -> bias_acc r = q(1.0) = 16777216, z = q(-0.5) = -8388608, n: q(b_in) = 0,
//        q(b_hn) = 0.25 * 2^24 = 4194304
//   x = [1.0] -> 4096; h = 2048
//   pre_r = 16777216 >> 12 = 4096; pre_z = -2048
//   gi_n = round_shift(2048*4096, 12) = 2048;  gh_n = round_shift(4096*2048 + 4194304, 12) = 3072
//   r = sigmoid(4096): 4096<<3 = 32768 -> seg 16 -> 15143; (32768+15143+8)>>4 = 2994
//   z = sigmoid(-2048): 32768-8025 = 24743; (24743+8)>>4 = 1546
//   r*gh_n = (2994*3072 + 2048)>>12 = (9197568+2048)>>12 = 2246     (2245.5 rounds up)
//   n = tanh(2048 + 2246 = 4294): 4294<<4 = 68704 -> seg 33, frac 1120:
//       25376 + ((400*1120+1024)>>11 = 219) = 25595; (25595+4)>>3 = 3199
//   h' = n + mul(z, h - n) = 3199 + ((1546 * -1151 + 2048)>>12 = -434) = 2765
TEST_CASE("fixed GRU 1x1 with given h0 matches the hand-worked computation", "[fixed]") {
  RnnModel m = one_unit(CellType::GRU);
  m.layers[0].w_ih = col({0, 0, 0.5f});
  m.layers[0].w_hh = col({0, 0, 1.0f});
  m.layers[0].b_ih = {0.5f, 0, 0};
  m.layers[0].b_hh = {0.5f, -0.5f, 0.25f};
  RnnInitialState init;
  init.h0 = {{0.5f}};
  FixedRnnOptions opt;
  opt.keep_trace = true;
  const QuantizedModel q = quantize_model(m, fx::Format{12, 12});
  CHECK(q.layers[0].bias == std::vector<int64_t>{16777216, -8388608, 0});
  CHECK(q.layers[0].bias_hn == std::vector<int64_t>{4194304});
  const FixedRnnResult r = run_fixed_rnn(m, col({1.0f}), fx::Format{12, 12}, init, opt);
  CHECK(r.output == std::vector<int16_t>{2765});
  CHECK(r.h_n == std::vector<std::vector<int16_t>>{{2765}});
  CHECK(r.c_n.empty());
  const FixedLayerStep& s = r.trace[0][0];
  CHECK(s.pre == std::vector<int16_t>{4096, -2048, 2048});
  CHECK(s.gh_n == std::vector<int16_t>{3072});
  CHECK(s.gates == std::vector<int16_t>{2994, 1546, 3199});
}

// Saturation: a pre-activation beyond int16 saturates at write-back, tanh/sigmoid saturate at
// the table end T[128] = 32746 -> (32746+4)>>3 = 4093 (tanh) and (32768+32746+8)>>4 = 4095.
TEST_CASE("fixed write-back and activations saturate", "[fixed]") {
  RnnModel m = one_unit(CellType::LSTM);
  m.layers[0].w_ih = col({7.0f, -7.0f, 7.0f, 7.0f});  // x = 7: pre = 49 -> 32767 / -32768
  m.layers[0].w_hh = col({0, 0, 0, 0});
  m.layers[0].b_ih = {0, 0, 0, 0};
  m.layers[0].b_hh = {0, 0, 0, 0};
  FixedRnnOptions opt;
  opt.keep_trace = true;
  const FixedRnnResult r = run_fixed_rnn(m, col({7.0f}), fx::Format{12, 12}, {}, opt);
  const FixedLayerStep& s = r.trace[0][0];
  CHECK(s.pre == std::vector<int16_t>{32767, -32768, 32767, 32767});
  // sigmoid(-8): (32768-32746+8)>>4 = 1
  CHECK(s.gates == std::vector<int16_t>{4095, 1, 4093, 4095});
  // c = mul(1, 0) + mul(4095, 4093) = (16760835+2048)>>12 = 4092
  CHECK(s.c == std::vector<int16_t>{4092});
  CHECK(s.m[0] == fx::mul(4095, fx::tanh(4092, fx::Format{12, 12}), fx::Format{12, 12}));
}

TEST_CASE("fixed accumulator bound is exact and too-wide models are refused", "[fixed]") {
  RnnModel m = one_unit(CellType::LSTM);
  m.input_size = 3;
  m.layers[0].w_ih = Matrix(4, 3, 0.0f);
  m.layers[0].w_ih.data = {1, -1, 0.5f, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  m.layers[0].w_hh = col({0, 2.0f, 0, 0});
  m.layers[0].b_ih = {0.25f, 0, 0, 0};
  m.layers[0].b_hh = {0, 0, 0, 0};
  const QuantizedModel q = quantize_model(m, fx::Format{12, 12});
  // row i: (4096+4096+2048)*32768 + 0.25*2^24; row f: 8192*32768
  CHECK(accumulator_bound(q) == (10240LL * 32768 + 4194304));

  // 4 x 140000 weights at +-7.99 (wf 12: |w_q| = 32767): bound ~ 140000 * 2^30 > 2^47.
  RnnModel wide = one_unit(CellType::LSTM);
  wide.input_size = 140000;
  wide.layers[0].w_ih = Matrix(4, 140000, 7.99f);
  wide.layers[0].w_hh = col({0, 0, 0, 0});
  wide.layers[0].b_ih = {0, 0, 0, 0};
  wide.layers[0].b_hh = {0, 0, 0, 0};
  CHECK_THROWS_WITH(quantize_model(wide, fx::Format{12, 12}),
                    Catch::Contains("too wide for the 48-bit accumulator"));
  // With 1/8 of the columns it fits: 17500 * 32767 * 32768 < 2^47.
  wide.input_size = 17500;
  wide.layers[0].w_ih = Matrix(4, 17500, 7.99f);
  CHECK_NOTHROW(quantize_model(wide, fx::Format{12, 12}));
}

TEST_CASE("fixed multi-layer feeds layer k's int16 h' into layer k+1", "[fixed]") {
  const RnnModel m2 = random_rnn_model(CellType::LSTM, 5, 7, 0, 2, 1.0, 11);
  const Matrix x = random_input(8, 5, 12);
  const fx::Format f{12, 12};
  FixedRnnOptions opt;
  opt.keep_trace = true;
  const FixedRnnResult full = run_fixed_rnn(m2, x, f, {}, opt);
  // Split into two 1-layer models; feed the first one's int16 output to the second.
  RnnModel a = m2, b = m2;
  a.layers.resize(1);
  b.layers.erase(b.layers.begin());
  b.input_size = 7;
  const FixedRnnResult ra = run_fixed_rnn(a, x, f);
  const FixedRnnResult rb = run_fixed_rnn(quantize_model(b, f), ra.output, 8);
  CHECK(rb.output == full.output);
  CHECK(ra.h_n[0] == full.h_n[0]);
  CHECK(rb.h_n[0] == full.h_n[1]);
  CHECK(rb.c_n[0] == full.c_n[1]);
  for (int t = 0; t < 8; ++t) CHECK(full.trace[t][1].x == full.trace[t][0].h);
}

TEST_CASE("fixed LSTMP projects m through W_hr without bias", "[fixed]") {
  RnnModel m = random_rnn_model(CellType::LSTM, 4, 6, 2, 1, 1.0, 21);
  // W_hr picks m[1] and 0.5*(m[3] + m[4]).
  m.layers[0].w_hr = Matrix(2, 6, 0.0f);
  m.layers[0].w_hr.at(0, 1) = 1.0f;
  m.layers[0].w_hr.at(1, 3) = 0.5f;
  m.layers[0].w_hr.at(1, 4) = 0.5f;
  const fx::Format f{12, 12};
  FixedRnnOptions opt;
  opt.keep_trace = true;
  const FixedRnnResult r = run_fixed_rnn(m, random_input(5, 4, 22), f, {}, opt);
  for (int t = 0; t < 5; ++t) {
    const auto& s = r.trace[t][0];
    REQUIRE(s.m.size() == 6);
    REQUIRE(s.h.size() == 2);
    CHECK(s.h[0] == s.m[1]);  // (4096*m1 + 2048) >> 12 = m1
    CHECK(int(s.h[1]) == ((2048 * int64_t(s.m[3]) + 2048 * int64_t(s.m[4]) + 2048) >> 12));
    CHECK(r.out(t, 0) == s.h[0]);
    CHECK(r.out(t, 1) == s.h[1]);
  }
}

TEST_CASE("fixed is deterministic and both entry points agree", "[fixed]") {
  for (CellType cell : {CellType::LSTM, CellType::GRU}) {
    const RnnModel m = random_rnn_model(cell, 9, 10, 0, 2, 2.0, 31);
    const Matrix x = random_input(12, 9, 32);
    const fx::Format f{11, 13};
    RnnInitialState init;
    init.h0 = {std::vector<float>(10, 0.3f), std::vector<float>(10, -0.6f)};
    if (cell == CellType::LSTM)
      init.c0 = {std::vector<float>(10, 1.5f), std::vector<float>(10, -2.0f)};
    const FixedRnnResult a = run_fixed_rnn(m, x, f, init);
    const FixedRnnResult b = run_fixed_rnn(m, x, f, init);
    CHECK(a.output == b.output);
    CHECK(a.h_n == b.h_n);
    std::vector<std::vector<int16_t>> h0q, c0q;
    for (const auto& v : init.h0) {
      h0q.push_back({});
      for (float e : v) h0q.back().push_back(fx::quantize(e, f.af));
    }
    for (const auto& v : init.c0) {
      c0q.push_back({});
      for (float e : v) c0q.back().push_back(fx::quantize(e, f.af));
    }
    const FixedRnnResult c =
        run_fixed_rnn(quantize_model(m, f), quantize_input(x, f), 12, h0q, c0q);
    CHECK(c.output == a.output);
    CHECK(c.c_n == a.c_n);
    // The initial state matters: zero state gives a different first output.
    const FixedRnnResult z = run_fixed_rnn(m, x, f);
    CHECK(z.output != a.output);
  }
}

// The documented bound (docs/numerics.md): PyTorch-init models, wf/af = 12/12, T = 50: max abs
// error of the output sequence < 0.005 and mean < 0.0005 (measured: ~0.001 and ~0.0002).
TEST_CASE("fixed vs float error stays within the documented bound", "[fixed][error]") {
  std::vector<ErrorCase> cases;
  for (CellType cell : {CellType::LSTM, CellType::GRU}) {
    cases.push_back({"", cell, 16, 32, 0, 2, 1.0, fx::Format{12, 12}});
  }
  cases.push_back({"", CellType::LSTM, 16, 32, 8, 2, 1.0, fx::Format{12, 12}});
  for (const ErrorRow& r : measure_error_table(cases, 50, 3)) {
    INFO(cell_name(r.c.cell) << " proj " << r.c.proj_size);
    CHECK(r.stats.max_abs < 0.005);
    CHECK(r.stats.mean_abs < 0.0005);
    CHECK(r.stats.max_ref > 0.05);  // the outputs are not trivially zero
  }
  // And the error shrinks with more fractional bits (and grows with fewer): a real dependence.
  const RnnModel m = random_rnn_model(CellType::LSTM, 16, 32, 0, 1, 1.0, 5);
  const Matrix x = random_input(50, 16, 6);
  const double e8 = measure_fixed_error(m, x, {8, 8}).max_abs;
  const double e12 = measure_fixed_error(m, x, {12, 12}).max_abs;
  CHECK(e12 < e8);
  CHECK(e12 > 0.0);
}

TEST_CASE("fixed rejects bad input, state and format with one-line errors", "[fixed]") {
  const RnnModel m = random_rnn_model(CellType::GRU, 3, 4, 0, 1, 1.0, 41);
  const fx::Format f{12, 12};
  CHECK_THROWS_WITH(run_fixed_rnn(m, Matrix(4, 2), f), Catch::Contains("expects 3"));
  Matrix nan(2, 3);
  nan.at(1, 2) = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_WITH(run_fixed_rnn(m, nan, f), Catch::Contains("NaN"));
  CHECK_THROWS_WITH(run_fixed_rnn(m, Matrix(0, 3), f), Catch::Contains("empty"));
  CHECK_THROWS_WITH(run_fixed_rnn(m, Matrix(2, 3), fx::Format{0, 12}), Catch::Contains("1..15"));
  RnnInitialState bad;
  bad.h0 = {std::vector<float>(5, 0.0f)};
  CHECK_THROWS_WITH(run_fixed_rnn(m, Matrix(2, 3), f, bad), Catch::Contains("h0"));
  RnnInitialState c0;
  c0.c0 = {std::vector<float>(4, 0.0f)};
  CHECK_THROWS_WITH(run_fixed_rnn(m, Matrix(2, 3), f, c0), Catch::Contains("GRU"));
  CHECK_THROWS_AS(run_fixed_rnn(quantize_model(m, f), std::vector<int16_t>(5), 2), Error);
}

// The PWL activations against std::tanh / the logistic function, exhaustively over all int16
// inputs (docs/numerics.md, "Activation approximation").
TEST_CASE("PWL activation error matches the documented figures", "[fixed][activation]") {
  const ActivationError e12 = measure_activation_error(12);
  CHECK(e12.tanh_max < 7.5e-4);     // saturation at T[128] = tanh(4) for |x| >= 4
  CHECK(e12.tanh_max > 6.5e-4);     // 1 - tanh(4) = 6.7e-4 is really there
  CHECK(e12.tanh_max_in < 2.5e-4);  // inside the table: interpolation + 1/2 LSB rounding
  CHECK(e12.sigmoid_max < 2.0e-4);
  const ActivationError e15 = measure_activation_error(15);
  CHECK(e15.tanh_max_in < 1.2e-4);  // the table's own interpolation error dominates
  CHECK(e15.sigmoid_max < 7e-5);
}
