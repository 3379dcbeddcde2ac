// Weight-buffer residency and image sizes (isa/residency.h).
#include "isa/residency.h"

#include <algorithm>

#include "common/error.h"

namespace csbrnn {

bool WeightPlacement::any_streamed() const {
  for (const auto& g : streamed)
    for (bool s : g)
      if (s) return true;
  return false;
}

WeightPlacement place_weights(const Program& p) {
  const size_t G = size_t(p.hw.engine.groups());
  const uint64_t cap = uint64_t(p.hw.buffers.weight_buffer_kib) * 1024;
  WeightPlacement w;
  w.streamed.assign(G, std::vector<bool>(p.mvms.size(), false));
  w.resident_bytes.assign(G, 0);
  w.total_bytes.assign(G, 0);
  for (size_t g = 0; g < G; ++g)
    for (size_t m = 0; m < p.mvms.size(); ++m) {
      CSBRNN_ASSERT(p.mvms[m].images.size() == G, "MVM ", m, " has ", p.mvms[m].images.size(),
                    " images for ", G, " groups");
      const uint64_t b = image_bytes(p.mvms[m].images[g]);
      w.total_bytes[g] += b;
      if (w.resident_bytes[g] + b <= cap)
        w.resident_bytes[g] += b;
      else
        w.streamed[g][m] = true;
    }
  return w;
}

std::vector<MvmBufferUsage> buffer_usage(const Program& p) {
  const WeightPlacement w = place_weights(p);
  std::vector<MvmBufferUsage> r;
  for (size_t i = 0; i < p.mvms.size(); ++i) {
    MvmBufferUsage mb;
    mb.mvm = int(i);
    for (size_t g = 0; g < p.mvms[i].images.size(); ++g) {
      mb.max_group_bytes = std::max(mb.max_group_bytes, image_bytes(p.mvms[i].images[g]));
      if (w.streamed[g][i]) ++mb.streamed_groups;
    }
    mb.overflow = mb.streamed_groups > 0;
    r.push_back(mb);
  }
  return r;
}

}  // namespace csbrnn
