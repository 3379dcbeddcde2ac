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
