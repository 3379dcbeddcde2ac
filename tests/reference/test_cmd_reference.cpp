// `csbrnn reference` end to end on the PyTorch fixtures.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include "config/config_loader.h"

#include "io/npy.h"
#include "io/weights.h"
#include "model/csb.h"
#include "model/csb_file.h"
#include "support/test_util.h"

using namespace csbrnn;

namespace {

std::string fixture(const std::string& name) {
  return test::source_path("tests/fixtures/reference/" + name);
}

/// Writes member `key` of a fixture's data .npz as a standalone .npy in `dir`.
std::string extract(const test::TempDir& dir, const std::string& name, const std::string& key) {
  const auto data = load_npz(fixture(name + "_data.npz"));
  const std::string p = dir.file(name + "_" + key + ".npy");
  save_npy(p, data.at(key));
  return p;
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape == b.shape);
  double e = 0.0;
  for (size_t i = 0; i < a.data.size(); ++i)
    e = std::max(e, std::fabs(double(a.data[i]) - double(b.data[i])));
  return e;
}

int count_lines(const std::string& s) {
  int n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

}  // namespace

TEST_CASE("cli reference: float output matches PyTorch", "[cli]") {
  test::TempDir dir("ref-cli");
  for (const char* name : {"lstm2", "lstmp2", "gru2", "lstm_nobias"}) {
    INFO(name);
    const std::string x = extract(dir, name, "x"), y = dir.file(std::string(name) + "_y.npy");
    const auto r =
        test::run_cli("reference --model " + fixture(std::string(name) + "_weights.npz") +
                      " --input " + x + " --output " + y);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    const Tensor want = load_npz(fixture(std::string(name) + "_data.npz")).at("y");
    const Tensor got = load_npy(y);
    CHECK(got.source_dtype == "<f4");
    CHECK(max_abs_diff(got, want) < 1e-5);
  }
}

TEST_CASE("cli reference: initial state files", "[cli]") {
  test::TempDir dir("ref-cli");
  const std::string x = extract(dir, "lstmp_h0c0", "x");
  const std::string h0 = extract(dir, "lstmp_h0c0", "h0"), c0 = extract(dir, "lstmp_h0c0", "c0");
  const std::string y = dir.file("y.npy");
  const auto r = test::run_cli("reference --model " + fixture("lstmp_h0c0_weights.npz") +
                               " --input " + x + " --h0 " + h0 + " --c0 " + c0 + " --output " + y);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(max_abs_diff(load_npy(y), load_npz(fixture("lstmp_h0c0_data.npz")).at("y")) < 1e-5);
  // A GRU has no cell state.
  const auto bad =
      test::run_cli("reference --model " + fixture("gru_h0_weights.npz") + " --input " +
                    extract(dir, "gru_h0", "x") + " --c0 " + c0 + " --output " + y);
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, Catch::Contains("c0"));
}

TEST_CASE("cli reference: fixed point is bit-exact with the Python oracle", "[cli]") {
  test::TempDir dir("ref-cli");
  const std::string x = extract(dir, "gru_h0", "x"), h0 = extract(dir, "gru_h0", "h0");
  const std::string y = dir.file("y.npy"), y16 = dir.file("y16.npy");
  const auto r =
      test::run_cli("reference --model " + fixture("gru_h0_weights.npz") + " --input " + x +
                    " --h0 " + h0 + " --output " + y + " --fixed-point" + " --output-int16 " + y16);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const Tensor want = load_npz(fixture("gru_h0_data.npz")).at("y_fx");
  const Tensor got16 = load_npy(y16);
  CHECK(got16.source_dtype == "<i2");
  CHECK(max_abs_diff(got16, want) == 0.0);
  const Tensor got = load_npy(y);
  for (size_t i = 0; i < got.data.size(); ++i) CHECK(got.data[i] == want.data[i] / 4096.0f);

  // The format comes from the hardware config: 10 activation bits give a different result.
  const auto r10 = test::run_cli(
      "reference --model " + fixture("gru_h0_weights.npz") + " --input " + x + " --h0 " + h0 +
      " --output " + y + " --fixed-point --set numeric.act_frac_bits=10 --output-int16 " + y16);
  INFO(r10.output);
  REQUIRE(r10.exit_code == 0);
  CHECK(max_abs_diff(load_npy(y16), want) > 0.0);
  CHECK(max_abs_diff(load_npy(y), load_npz(fixture("gru_h0_data.npz")).at("y")) < 0.01);
  // The resolved config is saved beside the result and reads back with the override applied.
  CHECK(load_hw_config(y + ".hw.yaml").numeric.af == 10);
}

TEST_CASE("cli reference: bad inputs give one-line errors naming the file", "[cli]") {
  test::TempDir dir("ref-cli");
  const std::string w = fixture("lstm2_weights.npz"), y = dir.file("y.npy");
  auto expect_error = [&](const std::string& args, const std::string& needle) {
    const auto r = test::run_cli(args);
    INFO(args << "\n" << r.output);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.output, Catch::Contains(needle));
    CHECK(count_lines(r.output) == 1);
  };
  Tensor t;
  t.shape = {6, 4};  // the model expects 5 features
  t.data.assign(24, 0.5f);
  const std::string wide = dir.file("wide.npy");
  save_npy(wide, t);
  expect_error("reference --model " + w + " --input " + wide + " --output " + y, "wide.npy");
  t.shape = {6, 5};
  t.data.assign(30, 0.5f);
  t.data[7] = std::numeric_limits<float>::quiet_NaN();
  const std::string nan = dir.file("nan.npy");
  save_npy(nan, t);
  expect_error("reference --model " + w + " --input " + nan + " --output " + y, "nan.npy");
  t.shape = {1, 6, 5};
  t.data.assign(30, 0.5f);
  const std::string rank3 = dir.file("rank3.npy");
  save_npy(rank3, t);
  expect_error("reference --model " + w + " --input " + rank3 + " --output " + y, "rank3.npy");
  expect_error("reference --model " + w + " --input " + extract(dir, "lstm2", "x") + " --output " +
                   y + " --output-int16 " + dir.file("y16.npy"),
               "--fixed-point");
  expect_error("reference --model " + w + " --output " + y, "--input");
  CHECK_FALSE(std::filesystem::exists(y));
}

TEST_CASE("cli reference: --measure-error prints the error tables", "[cli]") {
  const auto r = test::run_cli("reference --measure-error --steps 4 --seeds 1");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("| lstmp 64-128-p32 L2 |"));
  CHECK_THAT(r.output, Catch::Contains("sigmoid max err"));
}

TEST_CASE("cli reference: a .csb model gives the same result as its dense weights", "[cli]") {
  test::TempDir dir("ref-cli");
  const RnnModel dense = load_weights(fixture("gru2_weights.npz"));
  const std::string csb = dir.file("gru2.csb");
  save_csb_model(csb, dense_model_to_csb(dense, 4, 4));  // lossless conversion
  const std::string x = extract(dir, "gru2", "x");
  const std::string y_csb = dir.file("y_csb.npy"), y_npz = dir.file("y_npz.npy");
  for (const std::string& fp : {std::string(), std::string(" --fixed-point")}) {
    const auto a =
        test::run_cli("reference --model " + csb + " --input " + x + " --output " + y_csb + fp);
    const auto b = test::run_cli("reference --model " + fixture("gru2_weights.npz") + " --input " +
                                 x + " --output " + y_npz + fp);
    INFO(a.output << b.output);
    REQUIRE(a.exit_code == 0);
    REQUIRE(b.exit_code == 0);
    CHECK(load_npy(y_csb).data == load_npy(y_npz).data);
  }
  CHECK(max_abs_diff(load_npy(y_csb), load_npz(fixture("gru2_data.npz")).at("y")) < 0.005);
}
