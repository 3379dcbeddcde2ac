// Ranking helpers shared by the pruning methods (src/prune/methods/). Every helper breaks ties
// by index (lower index first among equals), which is what makes the methods deterministic.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace csbrnn {

inline double sq(float v) {
  return double(v) * double(v);
}

/// Indices 0..n-1 sorted by key ascending, ties by index.
std::vector<uint32_t> order_ascending(const std::vector<double>& key);

/// Marks in `out` (size n, 0/1) the k largest entries of absvals[0..n), ties broken by lower
/// index first. O(n) via nth_element on `scratch`.
void keep_top_k(const float* absvals, size_t n, size_t k, uint8_t* out,
                std::vector<float>& scratch);

/// Sets pruned[t] = 1 for the k smallest keys among key[0..n), ties by index.
void mark_smallest(const double* key, int n, int k, uint8_t* pruned, std::vector<int>& scratch);

}  // namespace csbrnn
