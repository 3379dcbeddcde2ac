// The validation phase (compile/validate.h): the hardware's own ranges are refused through
// validate_hw_config (naming the key), the model-dependent limits by validate itself.
#include <catch2/catch.hpp>

#include "common/error.h"
#include "compile/validate.h"
#include "tiny_model.h"

using namespace csbrnn;

TEST_CASE("validate: hardware ranges are the config's checks, naming the key",
          "[compile][validate]") {
  const CsbModel m = test::tiny_lstm();
  CHECK_NOTHROW(compile::validate(m, test::tiny_hw(), "m.csb"));
  auto refused = [&](HwConfig hw, const char* key) {
    INFO(key);
    CHECK_THROWS_WITH(compile::validate(m, hw, "m.csb"),
                      Catch::StartsWith("m.csb: hardware config: ") && Catch::Contains(key));
  };
  HwConfig hw = test::tiny_hw();
  hw.numeric.wf = 0;
  refused(hw, "numeric.weight_frac_bits");
  hw = test::tiny_hw();
  hw.numeric.af = 16;
  refused(hw, "numeric.act_frac_bits");
  hw = test::tiny_hw();
  hw.engine.K = 0;
  refused(hw, "engine.pe_groups");
  hw = test::tiny_hw();
  hw.engine.Q = -1;
  refused(hw, "engine.pes_per_group");
  hw = test::tiny_hw();
  hw.buffers.vector_buffer = 0;
  refused(hw, "buffers.vector_buffer");
  hw = test::tiny_hw();
  hw.max_vertical_fraction = 1.5;
  refused(hw, "sharing.max_vertical_fraction");
}

TEST_CASE("validate: the Acc bank must hold a layer's 4H accumulators", "[compile][validate]") {
  const CsbModel m = test::tiny_lstm();  // H = 2: 8 accumulators
  HwConfig hw = test::tiny_hw();
  hw.buffers.vector_buffer = 8;
  CHECK_NOTHROW(compile::validate(m, hw, "m.csb"));
  hw.buffers.vector_buffer = 7;
  CHECK_THROWS_WITH(compile::validate(m, hw, "m.csb"),
                    "m.csb: the Acc bank (buffers.vector_buffer = 7 entries) cannot hold the 8 "
                    "gate accumulators of a layer");
}
