// `csbrnn info` on a .csb container: sizes, block size, kept weights, rate and index bits.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "io/weights.h"
#include "model/csb.h"
#include "model/csb_file.h"
#include "support/test_util.h"

using namespace csbrnn;
using namespace csbrnn::test;

TEST_CASE("info: a .csb model prints its sizes, blocks, kept weights and index bits") {
  // A 2-layer LSTM (input 5, hidden 7) written by PyTorch (no exact zeros), with rows 0..3 of
  // weight_hh_l0 zeroed so its first block-row keeps nothing.
  RnnModel m = load_weights(source_path("tests/fixtures/io/lstm_2l.npz"));
  Matrix& hh = m.layers[0].w_hh;  // 28 x 7
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < hh.cols; ++c) hh.at(r, c) = 0.0f;
  const CsbModel cm = dense_model_to_csb(m, 4, 4);
  TempDir dir("info-csb");
  const std::string path = dir.file("m.csb");
  save_csb_model(path, cm);

  const RunResult r = run_cli("info --json '" + path + "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.output);
  CHECK(j["kind"] == "csb");
  CHECK(j["cell"] == "lstm");
  CHECK(j["layers"] == 2);
  CHECK(j["input_size"] == 5);
  CHECK(j["hidden_size"] == 7);
  REQUIRE(j["matrices"].size() == 4);
  const auto& whh = j["matrices"][1];
  CHECK(whh["name"] == "weight_hh_l0");
  CHECK(whh["block"] == nlohmann::json::array({4, 4}));
  CHECK(whh["dense"] == 28 * 7);
  CHECK(whh["kept"] == 24 * 7);  // rows 4..27 stay, every column of them
  // Blocks: 7 block-rows x 2 block-cols (cols 0..3, 4..6). Counters: ceil(log2 5) = 3 bits for
  // kr and 3 bits for kc per block = 14 * 6 = 84. Index bits: 2 per kept row/col (log2 4):
  // block-row 0 keeps 0 rows, 0 cols (all zero) in both blocks; the other 6 block-rows keep
  // 4 rows and 4 (or 3) cols: 6 * (4*2 + 4*2) + 6 * (4*2 + 3*2) = 96 + 84 = 180.
  CHECK(whh["index_bits"] == 84 + 180);
  CHECK(whh["rate"].get<double>() == Approx(28.0 * 7 / (24 * 7)));
  const RunResult t = run_cli("info '" + path + "'");
  CHECK(t.exit_code == 0);
  CHECK(t.output.find("weight_hh_l0  28 x 7, blocks 4 x 4, kept 168 of 196 (rate 1.17x)") !=
        std::string::npos);
}
