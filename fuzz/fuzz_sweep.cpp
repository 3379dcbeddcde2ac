// Sweep specs (sweep/spec.h): strict YAML, models, methods, grids, variants, then the expansion
// into points (ids, canonical settings, resolved hardware configs). Relative model paths resolve
// against configs/sweeps/ of the source tree, as for the shipped specs.
#include "fuzz_util.h"
#include "sweep/spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  csbrnn::fuzz::expect_user_error([&] {
    const csbrnn::sweep::SweepSpec s =
        csbrnn::sweep::parse_sweep_spec(text, "fuzz.yaml", CSBRNN_SOURCE_DIR "/configs/sweeps");
    for (const auto& p : csbrnn::sweep::expand(s)) (void)csbrnn::sweep::point_id(p);
  });
  return 0;
}

// csbrnn_sweep links the simulator, whose libsystemc.so references sc_main; libFuzzer owns
// main(), so SystemC is never started and this entry point is never called.
extern "C" int sc_main(int, char**) {
  return 1;
}
