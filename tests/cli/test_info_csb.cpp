// `csbrnn info` on a .csb container: sizes, block size, kept weights, rate and index bits.
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
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

TEST_CASE("info states the format version of .csb and program files, newer ones are refused",
          "[cli]") {
  TempDir dir("info-ver");
  const std::string csb = dir.file("m.csb"), bin = dir.file("p.bin");
  save_csb_model(
      csb, dense_model_to_csb(load_weights(source_path("tests/fixtures/io/lstm_2l.npz")), 4, 4));
  REQUIRE(run_cli("compile '" + csb + "' --set engine.pe_groups=2x2 -o '" + bin + "'").exit_code ==
          0);
  RunResult r = run_cli("info '" + csb + "'");
  CHECK(r.exit_code == 0);
  CHECK(r.output.find(csb + ": CSB model (container version 1), lstm, 2 layers, input 5") == 0);
  r = run_cli("info '" + bin + "'");
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find(bin + ": csbrnn program, format version 3, lstm, 2 layers, input 5, "
                            "hidden 7, proj 0, output 7\n") == 0);
  CHECK(r.output.find("groups of 2x2 PEs") == std::string::npos);  // the grid is 2x2 groups
  CHECK(r.output.find("for 2x2 groups") != std::string::npos);
  const auto j = nlohmann::json::parse(run_cli("info --json '" + bin + "'").output);
  CHECK(j["kind"] == "program");
  CHECK(j["format_version"] == 3);
  CHECK(nlohmann::json::parse(run_cli("info --json '" + csb + "'").output)["format_version"] == 1);
  // the version field (bytes 8..11 of both containers) set one past what this csbrnn reads
  auto bump = [&](const std::string& path, uint8_t v) {
    std::vector<uint8_t> b = read_file(path);
    b[8] = v;
    write_file_atomic(path + ".new", b);
    return path + ".new";
  };
  const std::string csb2 = bump(csb, 3), bin3 = bump(bin, 4);
  for (const std::string cmd : {"info", "disasm"}) {
    r = run_cli(cmd + " '" + bin3 + "'");
    CHECK(r.exit_code == 2);
    CHECK(r.output == "csbrnn: error: " + bin3 +
                          ": program version 4 is newer than this csbrnn reads (version 3): "
                          "written by a newer csbrnn\n");
  }
  for (const std::string cmd : {"info", "compile"}) {
    r = run_cli(cmd + " '" + csb2 + "'" +
                (cmd == "compile" ? " -o '" + dir.file("x.bin") + "'" : ""));
    CHECK(r.exit_code == 2);
    CHECK(r.output == "csbrnn: error: " + csb2 +
                          ": CSB container version 3 is newer than this csbrnn reads (version 2): "
                          "written by a newer csbrnn\n");
  }
}
