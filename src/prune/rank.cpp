#include "prune/rank.h"

#include <algorithm>
#include <numeric>
#include <utility>

namespace csbrnn {

std::vector<uint32_t> order_ascending(const std::vector<double>& key) {
  std::vector<std::pair<double, uint32_t>> kv(key.size());
  for (size_t t = 0; t < key.size(); ++t) kv[t] = {key[t], uint32_t(t)};
  std::sort(kv.begin(), kv.end());  // key, then index
  std::vector<uint32_t> idx(key.size());
  for (size_t t = 0; t < kv.size(); ++t) idx[t] = kv[t].second;
  return idx;
}

void keep_top_k(const float* absvals, size_t n, size_t k, uint8_t* out,
                std::vector<float>& scratch) {
  std::fill(out, out + n, uint8_t(0));
  if (k == 0) return;
  if (k >= n) {
    std::fill(out, out + n, uint8_t(1));
    return;
  }
  scratch.assign(absvals, absvals + n);
  std::nth_element(scratch.begin(), scratch.begin() + (k - 1), scratch.end(),
                   [](float a, float b) { return a > b; });
  const float thr = scratch[k - 1];
  size_t above = 0;
  for (size_t i = 0; i < n; ++i)
    if (absvals[i] > thr) {
      out[i] = 1;
      ++above;
    }
  size_t ties = k - above;
  for (size_t i = 0; i < n && ties > 0; ++i)
    if (absvals[i] == thr) {
      out[i] = 1;
      --ties;
    }
}

void mark_smallest(const double* key, int n, int k, uint8_t* pruned, std::vector<int>& scratch) {
  if (k <= 0) return;
  scratch.resize(n);
  std::iota(scratch.begin(), scratch.end(), 0);
  auto less = [&](int a, int b) { return key[a] < key[b] || (key[a] == key[b] && a < b); };
  if (k < n) std::nth_element(scratch.begin(), scratch.begin() + (k - 1), scratch.end(), less);
  for (int t = 0; t < std::min(k, n); ++t) pruned[scratch[t]] = 1;
}

}  // namespace csbrnn
