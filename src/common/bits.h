// Bit-width helpers shared by the model, pruning and sweep statistics.
#pragma once
#include <cstdint>

namespace csbrnn {

/// ceil(log2(n)) for n >= 1 (0 for n <= 1): bits to address n distinct items [0, n-1].
inline uint64_t ceil_log2(uint64_t n) {
  uint64_t b = 0;
  while (b < 64 && (uint64_t(1) << b) < n) ++b;
  return b;
}

}  // namespace csbrnn
