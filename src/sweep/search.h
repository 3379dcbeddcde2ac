// Design-space search beyond full grids (docs/sweep.md "Search and Pareto front"): deterministic
// random and Latin-hypercube samples of the numeric grid axes, and the Pareto front of two
// objectives to minimize.
//
// Contract: the samples depend only on (n, dims, seed) (own splitmix64 generator, no
// library distribution, so they are the same with every standard library); a Latin hypercube
// puts exactly one of its n samples in each of the n equal bins of every dimension.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

namespace csbrnn::sweep {

/// splitmix64: a small, fully specified 64-bit generator.
struct SplitMix64 {
  uint64_t state;
  explicit SplitMix64(uint64_t seed) : state(seed) {}
  uint64_t next();
  double unit();               // uniform in [0, 1), 53 bits
  uint64_t below(uint64_t n);  // uniform in [0, n), n > 0 (multiply-shift)
};

/// n samples of `dims` coordinates in [0, 1): sample i's coordinate d is in bin
/// perm_d[i] = floor(u * n) of a random permutation perm_d per dimension, jittered in the bin.
std::vector<std::vector<double>> latin_hypercube(int n, int dims, uint64_t seed);

/// n samples of `dims` independent uniform coordinates in [0, 1).
std::vector<std::vector<double>> random_samples(int n, int dims, uint64_t seed);

/// The same coordinates handed to `put(sample, dim, u)` one by one instead of held (latin
/// hypercube: dimension by dimension; random: sample by sample); the two above are made of these.
using CoordSink = std::function<void(int, int, double)>;
void latin_hypercube_each(int n, int dims, uint64_t seed, const CoordSink& put);
void random_samples_each(int n, int dims, uint64_t seed, const CoordSink& put);

/// Indices of the points (x, y) not dominated by another (both objectives minimized: q
/// dominates p when q.x <= p.x, q.y <= p.y and one is smaller), sorted by x then y; of points
/// with equal (x, y) the first is kept. O(n log n).
std::vector<std::size_t> pareto_front(const std::vector<std::pair<double, double>>& pts);

}  // namespace csbrnn::sweep
