#include "sweep/search.h"

#include <algorithm>
#include <numeric>

namespace csbrnn::sweep {

uint64_t SplitMix64::next() {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

double SplitMix64::unit() {
  return double(next() >> 11) * 0x1.0p-53;
}

uint64_t SplitMix64::below(uint64_t n) {
  return uint64_t((unsigned __int128)next() * n >> 64);
}

void latin_hypercube_each(int n, int dims, uint64_t seed, const CoordSink& put) {
  SplitMix64 rng(seed);
  std::vector<int> perm(static_cast<size_t>(n));
  for (int d = 0; d < dims; ++d) {
    std::iota(perm.begin(), perm.end(), 0);
    for (int i = n - 1; i > 0; --i) std::swap(perm[size_t(i)], perm[rng.below(uint64_t(i) + 1)]);
    for (int i = 0; i < n; ++i) put(i, d, (perm[size_t(i)] + rng.unit()) / n);
  }
}

void random_samples_each(int n, int dims, uint64_t seed, const CoordSink& put) {
  SplitMix64 rng(seed);
  for (int i = 0; i < n; ++i)
    for (int d = 0; d < dims; ++d) put(i, d, rng.unit());
}

namespace {
std::vector<std::vector<double>> held(int n, int dims, uint64_t seed,
                                      void (*each)(int, int, uint64_t, const CoordSink&)) {
  std::vector<std::vector<double>> s(static_cast<size_t>(n),
                                     std::vector<double>(static_cast<size_t>(dims)));
  each(n, dims, seed, [&](int i, int d, double u) { s[size_t(i)][size_t(d)] = u; });
  return s;
}
}  // namespace

std::vector<std::vector<double>> latin_hypercube(int n, int dims, uint64_t seed) {
  return held(n, dims, seed, latin_hypercube_each);
}

std::vector<std::vector<double>> random_samples(int n, int dims, uint64_t seed) {
  return held(n, dims, seed, random_samples_each);
}

std::vector<size_t> pareto_front(const std::vector<std::pair<double, double>>& pts) {
  std::vector<size_t> idx(pts.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return pts[a] < pts[b]; });
  std::vector<size_t> front;
  for (size_t i : idx) {
    // sorted by x then y: i is dominated iff an earlier kept point has y <= its y (for an equal
    // x an earlier point has a smaller or equal y; an exact duplicate is dropped too)
    if (!front.empty() && pts[front.back()].second <= pts[i].second) continue;
    front.push_back(i);
  }
  return front;
}

}  // namespace csbrnn::sweep
