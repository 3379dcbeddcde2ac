// Models the hardware cannot hold and configs that contradict the model are refused clearly.
#include <catch2/catch.hpp>

#include "common/error.h"
#include "compile/compiler.h"
#include "tiny_model.h"
#include "workload/bench_model.h"

using namespace csbrnn;

namespace {
GenSpec small() {
  GenSpec s;
  s.input_size = 10;
  s.hidden_size = 8;
  s.bh = 8;
  s.bw = 8;
  return s;
}
}  // namespace

TEST_CASE("refuses a block larger than the neuron buffers", "[compile][refuse]") {
  HwConfig hw;
  hw.buffers.neuron_accum_buffer = 4;
  CHECK_THROWS_WITH(compile_program(generate_csb_model(small()), hw, {"m.csb"}),
                    Catch::StartsWith("m.csb: ") && Catch::Contains("neuron_accum_buffer"));
  hw = HwConfig{};
  hw.buffers.block_neuron_buffer = 6;
  CHECK_THROWS_WITH(compile_program(generate_csb_model(small()), hw, {"m.csb"}),
                    Catch::Contains("block_neuron_buffer"));
}

TEST_CASE("refuses vectors exceeding a bank", "[compile][refuse]") {
  HwConfig hw;
  hw.buffers.vector_buffer = 20;  // 4H = 32 accumulators do not fit
  CHECK_THROWS_WITH(compile_program(generate_csb_model(small()), hw, {"m.csb"}),
                    Catch::Contains("vector_buffer"));
  hw.buffers.vector_buffer = 40;  // fits the Acc bank, but not the 50-wide input vector
  GenSpec wide = small();
  wide.input_size = 50;
  CHECK_THROWS_WITH(compile_program(generate_csb_model(wide), hw, {"m.csb"}),
                    Catch::Contains("does not fit in any vector bank"));
}

TEST_CASE("refuses different ih/hh block sizes and malformed models", "[compile][refuse]") {
  CsbModel m = generate_csb_model(small());
  GenSpec other = small();
  other.bw = 4;
  m.layers[0].w_hh = generate_csb_matrix(32, 8, other, 3);
  CHECK_THROWS_WITH(compile_program(m, HwConfig{}, {"m.csb"}), Catch::Contains("one block size"));
  CsbModel bad = test::tiny_lstm();
  bad.layers[0].w_ih.blocks[0].rows = {2, 1, 3};
  CHECK_THROWS_WITH(compile_program(bad, HwConfig{}, {"t.csb"}), Catch::Contains("bad row index"));
  CsbModel gp = generate_csb_model(small());
  gp.cell = CellType::GRU;
  gp.proj_size = 3;
  CHECK_THROWS_WITH(compile_program(gp, HwConfig{}, {"g.csb"}), Catch::Contains("GRU"));
  CsbModel nb = test::tiny_lstm();
  nb.layers[0].b_hh.pop_back();
  CHECK_THROWS_WITH(compile_program(nb, HwConfig{}, {"b.csb"}), Catch::Contains("biases"));
}

TEST_CASE("weight buffer overflow is reported, not refused", "[compile][refuse]") {
  HwConfig hw;
  hw.buffers.weight_buffer_kib = 1;  // 1 KiB per group; a 64x64 LSTM needs more
  GenSpec big = small();
  big.input_size = big.hidden_size = 64;
  CompileStats st;
  const Program p = compile_program(generate_csb_model(big), hw, {}, &st);
  CHECK(st.weight_buffer_overflow);
  CHECK(st.buffers.size() == p.mvms.size());
  CHECK(st.buffers[0].max_group_bytes > 0);
}
