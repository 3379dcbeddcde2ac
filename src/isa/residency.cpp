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
  return place_weights(p, p.hw);
}

WeightPlacement place_weights(const Program& p, const HwConfig& hw) {
  const size_t G = size_t(p.hw.engine.groups());
  const uint64_t cap = uint64_t(hw.buffers.weight_buffer_kib) * 1024;
  WeightPlacement w;
  w.streamed.assign(G, std::vector<bool>(p.mvms.size(), false));
  w.resident_bytes.assign(G, 0);
  w.total_bytes.assign(G, 0);
  // placement order of the MVMs (the same for every group under program-order)
  std::vector<uint64_t> runs(p.mvms.size(), 0);  // Mvm sections per timestep
  for (const auto& word : p.words)
    for (const auto& s : word.sections)
      if (s.op == Op::Mvm && s.mvm < runs.size()) ++runs[s.mvm];
  std::vector<size_t> order(p.mvms.size());
  for (size_t g = 0; g < G; ++g) {
    for (size_t m = 0; m < p.mvms.size(); ++m) order[m] = m;
    for (size_t m = 0; m < p.mvms.size(); ++m)
      CSBRNN_ASSERT(p.mvms[m].images.size() == G, "MVM ", m, " has ", p.mvms[m].images.size(),
                    " images for ", G, " groups");
    if (hw.buffers.weight_residency == Residency::Traffic)
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        return image_bytes(p.mvms[a].images[g]) * runs[a] >
               image_bytes(p.mvms[b].images[g]) * runs[b];
      });
    for (size_t m : order) {
      const uint64_t b = image_bytes(p.mvms[m].images[g]);
      w.total_bytes[g] += b;
      if (w.resident_bytes[g] + b <= cap)
        w.resident_bytes[g] += b;
      else
        w.streamed[g][m] = true;
    }
  }
  return w;
}

int64_t resident_input_entries(const MvmProgram& mv, const HwConfig& hw, int l) {
  const int L = hw.engine.L;
  int64_t n = 0;
  for (int j = l; j < mv.BC && size_t(j) < mv.col_slices.size(); j += L)
    n += mv.col_slices[size_t(j)].width;
  return n;
}

std::string resident_inputs_problem(const MvmProgram& mv, const HwConfig& hw) {
  const int64_t cap = hw.buffers.block_neuron_buffer;
  const char* kind = mv.kind == MvmKind::Gates ? "gates" : "projection";
  for (int l = 0; l < hw.engine.L; ++l) {
    int64_t need = 0;
    if (inputs_resident(hw.engine.sync)) {
      need = resident_input_entries(mv, hw, l);
    } else {
      for (int j = l; j < mv.BC && size_t(j) < mv.col_slices.size(); j += hw.engine.L)
        need = std::max<int64_t>(need, mv.col_slices[size_t(j)].width);
    }
    if (need > cap)
      return cat("(layer ", mv.layer, " ", kind, "): BlockNeuronBuffer column ", l, " needs ", need,
                 " entries",
                 inputs_resident(hw.engine.sync)
                     ? cat(" (all its input slices, engine.sync = ", sync_name(hw.engine.sync), ")")
                     : std::string(),
                 " > buffers.block_neuron_buffer = ", cap);
  }
  return "";
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
