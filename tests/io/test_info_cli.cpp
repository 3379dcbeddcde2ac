// `csbrnn info` run as a subprocess on the fixtures (needs the csbrnn binary built).
#include <filesystem>

#include "io_test_util.h"

using namespace csbrnn;
using namespace csbrnn::test;

namespace {

RunResult info(const std::string& args) {
  REQUIRE(std::filesystem::exists(CSBRNN_CLI));  // build the `csbrnn` target first
  return run_cli("info " + args);
}

bool has(const std::string& hay, const std::string& needle) {
  return hay.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("info: a .npy prints shape and dtype") {
  const RunResult r = info("'" + fixture("fortran_3d.npy") + "'");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(has(r.output, "shape (2, 3, 4), dtype <f8, 24 elements"));
}

TEST_CASE("info: an LSTM state_dict prints every member and the inferred model") {
  const RunResult r = info("'" + fixture("lstmp.npz") + "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(has(r.output, "10 arrays"));
  CHECK(has(r.output, "weight_hr_l1"));
  CHECK(has(r.output, "(3, 7)"));
  CHECK(has(r.output, "lstm, 2 layers, input 5, hidden 7, proj 3, bias yes"));
  // weights: l0 28x5 + 28x3 + 3x7, l1 28x3 + 28x3 + 3x7 = 140+84+21+84+84+21; biases 4 x 28.
  CHECK(has(r.output, "weights 434, biases 112"));
}

TEST_CASE("info: --json of a GRU folder gives the same figures") {
  const RunResult r = info("--json '" + fixture("gru_1l_dir") + "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.output);
  CHECK(j["kind"] == "folder");
  CHECK(j["arrays"].size() == 4);
  CHECK(j["rnn"]["cell"] == "gru");
  CHECK(j["rnn"]["layers"] == 1);
  CHECK(j["rnn"]["input_size"] == 3);
  CHECK(j["rnn"]["hidden_size"] == 4);
  CHECK(j["rnn"]["proj_size"] == 0);
  CHECK(j["rnn"]["weights"] == 12 * 3 + 12 * 4);
  CHECK(j["rnn"]["biases"] == 24);
}

TEST_CASE("info: a non-RNN archive is listed without a model") {
  const RunResult r = info("--json '" + fixture("savez_compressed.npz") + "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.output);
  CHECK(j["rnn"].is_null());
  CHECK(j["arrays"].size() == 4);
  CHECK(j["arrays"][1]["name"] == "b");
  CHECK(j["arrays"][1]["dtype"] == "<i2");
}

TEST_CASE("info: corrupt and unknown files exit non-zero with one line naming the file") {
  TempDir dir("info");
  const auto good = read_file(fixture("lstm_2l.npz"));
  const std::string cut = dir.file("cut.npz");
  write_file_atomic(cut, good.data(), good.size() / 2);
  const std::string bad_npy = dir.file("bad.npy");
  const auto npy = read_file(fixture("f4_2d.npy"));
  write_file_atomic(bad_npy, npy.data(), 70);
  const std::string text = dir.file("notes.txt");
  write_file_atomic(text, std::string("hello\n"));
  for (const std::string& f : {cut, bad_npy, text, dir.file("missing.npz")}) {
    const RunResult r = info("'" + f + "'");
    INFO(r.output);
    CHECK(r.exit_code == 2);
    CHECK(r.output.rfind("csbrnn: error: " + f + ": ", 0) == 0);
    CHECK(r.output.find('\n') == r.output.size() - 1);
  }
}
