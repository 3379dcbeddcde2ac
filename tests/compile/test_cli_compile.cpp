// csbrnn compile / disasm end to end on a .csb file.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "compile/compiler.h"
#include "isa/program_io.h"
#include "model/csb_file.h"
#include "support/test_util.h"
#include "timing/analytic.h"
#include "workload/bench_model.h"

using namespace csbrnn;

TEST_CASE("csbrnn compile writes the program and a report", "[compile][cli]") {
  test::TempDir dir("compile");
  GenSpec s;
  s.cell = CellType::GRU;
  s.input_size = 12;
  s.hidden_size = 10;
  s.layers = 2;
  s.bh = s.bw = 8;
  const CsbModel m = generate_csb_model(s);
  save_csb_model(dir.file("m.csb"), m);
  const auto r = test::run_cli("compile " + dir.file("m.csb") +
                               " --set engine.pe_groups=2x2 --set sharing.mode=vertical -o " +
                               dir.file("p.bin") + " --report " + dir.file("r.json"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const Program p = load_program(dir.file("p.bin"));
  CHECK(p.hw.engine.K == 2);
  CHECK(p.hw.sharing == SharingMode::Vertical);
  // Same program as compiling in-process from the decoded model.
  HwConfig hw;
  hw.engine.K = hw.engine.L = 2;
  hw.sharing = SharingMode::Vertical;
  const Program q = compile_program(load_csb_model(dir.file("m.csb")), hw, {dir.file("m.csb")});
  CHECK(encode_program(q) == encode_program(p));
  const auto j = nlohmann::json::parse(read_text_file(dir.file("r.json")));
  CHECK(j["timing"]["cycles_per_step"] == timing::analyze(p).cycles_per_step);
  CHECK(j["compile"]["weight_buffer_overflow"] == false);
}

TEST_CASE("csbrnn compile refuses a model the hardware cannot hold", "[compile][cli]") {
  test::TempDir dir("compile-refuse");
  GenSpec s;
  s.bh = s.bw = 32;
  save_csb_model(dir.file("m.csb"), generate_csb_model(s));
  const auto r = test::run_cli("compile " + dir.file("m.csb") +
                               " --set buffers.block_neuron_buffer=16 -o " + dir.file("p.bin"));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("block_neuron_buffer") != std::string::npos);
  CHECK(r.output.find("m.csb") != std::string::npos);
}

TEST_CASE("csbrnn compile with engine.sync=row-group reports its scheduling units",
          "[compile][cli][rowgroup]") {
  test::TempDir dir("compile-rowgroup");
  GenSpec s;
  s.input_size = 40;
  s.hidden_size = 30;
  s.layers = 2;
  s.bh = s.bw = 8;
  save_csb_model(dir.file("m.csb"), generate_csb_model(s));
  const std::string base = "compile " + dir.file("m.csb") +
                           " --set engine.pe_groups=2x2 --set engine.sync=row-group -o " +
                           dir.file("p.bin");
  const auto r = test::run_cli(base + " --report " + dir.file("r.json"));
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  Program p = load_program(dir.file("p.bin"));
  // engine.sync is a compiler/simulator setting, not part of the program's hw record
  CHECK(p.hw.engine.sync == SyncMode::Iteration);
  const auto j = nlohmann::json::parse(read_text_file(dir.file("r.json")));
  const auto& c = j["compile"];
  CHECK(c["sync"] == "row-group");
  int64_t row_groups = 0;
  for (const MvmProgram& mv : p.mvms) row_groups += mv.iter_rows;
  CHECK(c["decision_units"] == row_groups);
  CHECK(c["proven_units"].get<int64_t>() + c["unproven"]["count"].get<int64_t>() == row_groups);
  CHECK(c["unproven"]["units"].size() ==
        size_t(std::min<int64_t>(c["unproven"]["count"].get<int64_t>(), 100)));
  // per MVM the busiest of the L = 2 columns: the sum of its slices' widths
  REQUIRE(c["resident_input_entries"].size() == p.mvms.size());
  for (size_t i = 0; i < p.mvms.size(); ++i) {
    const MvmProgram& mv = p.mvms[i];
    int64_t need = 0;
    for (int l = 0; l < 2; ++l) {
      int64_t sum = 0;
      for (int j2 = l; j2 < mv.BC; j2 += 2) sum += mv.col_slices[size_t(j2)].width;
      need = std::max(need, sum);
    }
    CHECK(c["resident_input_entries"][i] == need);
  }
  p.hw.engine.sync = SyncMode::RowGroup;
  CHECK(j["timing"]["cycles_per_step"] == timing::analyze(p).cycles_per_step);
  p.hw.engine.sync = SyncMode::Iteration;
  CHECK(j["timing"]["cycles_per_step"] != timing::analyze(p).cycles_per_step);
  // refused: layer 0 reads 40 + 30 columns in slices 8,8,8,8,8 | 8,8,8,6; column 0 holds
  // slices 0, 2, 4, 6, 8 = 38 entries > 32
  const auto bad = test::run_cli(base + " --set buffers.block_neuron_buffer=32");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output,
             Catch::Contains("m.csb: MVM 0 (layer 0 gates): BlockNeuronBuffer column") &&
                 Catch::Contains("needs 38 entries") &&
                 Catch::Contains("buffers.block_neuron_buffer = 32"));
  CHECK(std::count(bad.output.begin(), bad.output.end(), '\n') == 1);
}
