// The one weight-residency rule (isa/residency.h place_weights), worked by hand.
#include <catch2/catch.hpp>

#include "isa/residency.h"

using namespace csbrnn;

namespace {

/// A program skeleton whose only content is the group images (sizes in int16 entries).
Program with_images(int groups_k, const std::vector<std::vector<size_t>>& weights_per_mvm) {
  Program p;
  p.hw.engine.K = groups_k;
  p.hw.engine.L = 1;
  p.hw.buffers.weight_buffer_kib = 1;  // 1024 bytes per group
  for (const auto& per_group : weights_per_mvm) {
    MvmProgram m;
    for (size_t n : per_group) {
      GroupImage im;
      im.weights.assign(n, 1);
      m.images.push_back(im);
    }
    p.mvms.push_back(m);
  }
  return p;
}

}  // namespace

TEST_CASE("weight placement: all MVM images of a group share its buffer, first fit in order") {
  // Group 0: images of 600, 800 and 200 bytes. 600 fits; 600+800 = 1400 > 1024, so MVM 1
  // streams; 600+200 = 800 fits, so MVM 2 stays resident (first fit, not stop-at-first-miss).
  // Group 1: 100, 100, 100 bytes: everything resident.
  // Each image alone fits in 1 KiB: a per-MVM check would (wrongly) report no overflow.
  const Program p = with_images(2, {{300, 50}, {400, 50}, {100, 50}});
  const WeightPlacement w = place_weights(p);
  CHECK(w.streamed[0] == std::vector<bool>{false, true, false});
  CHECK(w.streamed[1] == std::vector<bool>{false, false, false});
  CHECK(w.resident_bytes == std::vector<uint64_t>{800, 300});
  CHECK(w.total_bytes == std::vector<uint64_t>{1600, 300});
  CHECK(w.any_streamed());

  const auto usage = buffer_usage(p);
  REQUIRE(usage.size() == 3);
  CHECK(usage[0].max_group_bytes == 600);
  CHECK_FALSE(usage[0].overflow);
  CHECK(usage[1].max_group_bytes == 800);
  CHECK(usage[1].streamed_groups == 1);
  CHECK(usage[1].overflow);
  CHECK_FALSE(usage[2].overflow);
}

TEST_CASE("weight placement: a program that fits streams nothing") {
  const Program p = with_images(1, {{200}, {300}});  // 400 + 600 = 1000 <= 1024 bytes
  const WeightPlacement w = place_weights(p);
  CHECK_FALSE(w.any_streamed());
  CHECK(w.resident_bytes[0] == 1000);
}

TEST_CASE("weight placement: the traffic policy keeps the most streamed bytes resident") {
  Program p = with_images(1, {{300}, {400}, {100}});  // 600, 800, 200 bytes; 1024 per group
  auto run = [](uint16_t m) {
    Section s;
    s.unit = Unit::Engine;
    s.op = Op::Mvm;
    s.mvm = m;
    return MacroWord{{s}};
  };
  p.words = {run(0), run(1), run(2)};  // each MVM once per timestep
  p.hw.buffers.weight_residency = Residency::Traffic;
  // order by bytes x runs: 800 (MVM 1) fits, 800 + 600 does not (MVM 0 streams), 800 + 200 fits
  WeightPlacement w = place_weights(p);
  CHECK(w.streamed[0] == std::vector<bool>{true, false, false});
  CHECK(w.resident_bytes[0] == 1000);  // program order keeps 800 (600 + 200)
  CHECK(w.total_bytes[0] == 1600);
  // MVM 0 twice a timestep: 1200 first -> resident, then 800 (1400 > 1024: streams), then 200
  p.words.push_back(run(0));
  w = place_weights(p);
  CHECK(w.streamed[0] == std::vector<bool>{false, true, false});
  CHECK(w.resident_bytes[0] == 800);
  // the default policy ignores the runs: first fit in program order
  p.hw.buffers.weight_residency = Residency::ProgramOrder;
  CHECK(place_weights(p).streamed[0] == std::vector<bool>{false, true, false});
}
