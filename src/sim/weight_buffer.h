// WeightBuffer + index memory of one PEGroup: the group's images of every MVM (loaded by the
// host over TLM). Capacity is buffers.weight_buffer_kib (values and indices, 2 bytes each):
// images are placed first-fit in program order; an MVM image that does not fit is *streamed*:
// it lives in DRAM and each iteration's tiles are fetched by the engine's WeightStreamer
// (double-buffered: the next iteration's tiles are fetched while the current one issues).
#pragma once
#include <cstdint>
#include <systemc>
#include <vector>

#include "compile/program.h"

namespace csbrnn::sim {

class WeightBuffer : public sc_core::sc_module {
 public:
  explicit WeightBuffer(sc_core::sc_module_name name) : sc_module(name) {}
  static int64_t image_bytes(const GroupImage& im) {
    return int64_t(im.weights.size() + im.index.size()) * 2;
  }
  /// Sizes the images (before the host writes) and decides residency.
  void place(const std::vector<int64_t>& bytes_per_mvm, int64_t capacity_bytes) {
    capacity_ = capacity_bytes;
    images.assign(bytes_per_mvm.size(), GroupImage{});
    streamed.assign(bytes_per_mvm.size(), false);
    used = 0;
    for (size_t m = 0; m < bytes_per_mvm.size(); ++m) {
      if (used + bytes_per_mvm[m] <= capacity_)
        used += bytes_per_mvm[m];
      else
        streamed[m] = true;
    }
  }
  std::vector<GroupImage> images;  // per MVM (streamed ones are a staging copy filled by fetches)
  std::vector<bool> streamed;
  int64_t used = 0;

 private:
  int64_t capacity_ = 0;
};

}  // namespace csbrnn::sim
