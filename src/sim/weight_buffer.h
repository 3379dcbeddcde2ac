// WeightBuffer + index memory of one PEGroup: the group's images of every MVM (loaded by the
// host over TLM). Capacity is buffers.weight_buffer_kib (values and indices, 2 bytes each);
// residency is decided by isa/residency.h place_weights (first-fit in program order, the same
// rule the compiler reports); an MVM image that does not fit is *streamed*:
// it lives in DRAM and each iteration's tiles are fetched by the engine's WeightStreamer
// (double-buffered: the next iteration's tiles are fetched while the current one issues).
#pragma once
#include <cstdint>
#include <systemc>
#include <vector>

#include "isa/program.h"
#include "isa/residency.h"

namespace csbrnn::sim {

class WeightBuffer : public sc_core::sc_module {
 public:
  explicit WeightBuffer(sc_core::sc_module_name name) : sc_module(name) {}
  /// Takes group `g`'s residency from the program-wide placement (before the host writes).
  void place(const WeightPlacement& p, size_t g) {
    images.assign(p.streamed[g].size(), GroupImage{});
    streamed = p.streamed[g];
    used = int64_t(p.resident_bytes[g]);
  }
  std::vector<GroupImage> images;  // per MVM (streamed ones are a staging copy filled by fetches)
  std::vector<bool> streamed;
  int64_t used = 0;
};

}  // namespace csbrnn::sim
