// Benchmark of the neighbour workload-sharing scheduler (docs/sharing.md).
//
//   bench_sharing [instances_per_point] [seed]      realistic instances, one table
//   bench_sharing stress [instances] [seed]          8x8 groups, P,Q in 1..16, kernels to 128
//
// Realistic instances: 4x4 groups of 4x4 PEs; each group's kernel is a CSB-pruned block of
// 32x32 or 64x64 whose kept-row and kept-column fractions are drawn independently from a
// log-normal (sigma 0.6) with mean sqrt(1/12), clipped to [0, 1]: the kernel density
// kr*kc/(bh*bw) then has mean ~1/12 (printed) with a high variance, as CSB pruning at ~12x gives.
// Prints per block size and sharing mode: iterations/s, fraction proven optimal, mean
// makespan / lower bound, group occupancy = total tiles / (groups * makespan) summed over the
// iterations, the same with the lower bound in place of the makespan (what no scheduler can beat
// on these instances), and the MT2 compile-time estimate (2 layers x 1128 iterations, block 32).
// Times are CPU time of the running thread.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "compile/sharing.h"
#include "compile/sharing_solver.h"

using namespace csbrnn;

namespace {

const SharingMode kModes[] = {SharingMode::None, SharingMode::Horizontal, SharingMode::Vertical,
                              SharingMode::TwoD};
const char* kModeNames[] = {"none", "horizontal", "vertical", "2d"};

struct Gen {
  std::mt19937_64 rng;
  std::normal_distribution<double> n{0.0, 1.0};
  double sigma = 0.6;
  explicit Gen(uint64_t seed) : rng(seed) {}
  int keep(int b) {
    const double mean = std::sqrt(1.0 / 12.0);
    const double mu = std::log(mean) - sigma * sigma / 2;
    const double f = std::min(1.0, std::exp(mu + sigma * n(rng)));
    return int(std::lround(f * b));
  }
  KernelSize kernel(int b) {
    KernelSize k{keep(b), keep(b)};
    if (k.kr == 0 || k.kc == 0) k = {0, 0};
    return k;
  }
};

// CPU time of this thread: the build machine is shared, so wall time would measure the others.
double now_s() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + 1e-9 * double(t.tv_nsec);
}

int realistic(int n, uint64_t seed) {
  std::printf(
      "Realistic instances: 4x4 groups of 4x4 PEs, %d iterations per block size, seed %llu\n", n,
      (unsigned long long)seed);
  std::printf("%-6s %-11s %10s %9s %9s %9s %8s %8s %9s\n", "block", "mode", "iter/s", "us/iter",
              "max us", "proven", "ms/lb", "occup.", "occ.@lb");
  for (int block : {32, 64}) {
    Gen gen(seed + block);
    std::vector<std::vector<KernelSize>> inst(n, std::vector<KernelSize>(16));
    double density = 0;
    for (auto& ks : inst)
      for (auto& k : ks) {
        k = gen.kernel(block);
        density += double(k.kr) * k.kc / (block * block);
      }
    density /= 16.0 * n;
    for (int mi = 0; mi < 4; ++mi) {
      ShareParams p;
      p.mode = kModes[mi];
      int proven = 0;
      double ratio = 0, tiles = 0, slots = 0, lb_slots = 0, worst = 0;
      const double t0 = now_s();
      for (const auto& ks : inst) {
        sharing::SolverStats st;
        const double a = now_s();
        const IterationSchedule s = sharing::schedule_iteration_ex(ks, p, {}, &st);
        worst = std::max(worst, now_s() - a);
        proven += s.proven_optimal;
        if (s.makespan > 0)
          ratio += double(s.makespan) / double(std::max<int64_t>(1, st.lower_bound));
        for (int64_t l : s.load) tiles += double(l);
        slots += 16.0 * double(s.makespan);
        lb_slots += 16.0 * double(st.lower_bound);
      }
      const double dt = now_s() - t0;
      std::printf("%-6d %-11s %10.0f %9.1f %9.0f %8.2f%% %8.4f %7.1f%% %8.1f%%\n", block,
                  kModeNames[mi], n / dt, 1e6 * dt / n, 1e6 * worst, 100.0 * proven / n, ratio / n,
                  100.0 * tiles / slots, 100.0 * tiles / lb_slots);
      if (block == 32 && mi == 3)
        std::printf("       MT2 estimate (2 x 1128 iterations, 2d): %.3f s CPU\n",
                    2 * 1128 * dt / n);
    }
    std::printf("       mean kernel density kr*kc/(bh*bw) at block %d: 1/%.1f\n", block,
                1.0 / density);
  }
  return 0;
}

int stress(int n, uint64_t seed) {
  std::printf("Stress: 8x8 groups, P,Q in 1..16, kernels up to 128x128, 2d, %d instances\n", n);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pq(1, 16), dim(0, 128);
  int proven = 0;
  double total = 0, worst = 0;
  for (int i = 0; i < n; ++i) {
    ShareParams p;
    p.K = p.L = 8;
    p.P = pq(rng);
    p.Q = pq(rng);
    std::vector<KernelSize> ks(64);
    for (auto& k : ks) k = {dim(rng), dim(rng)};
    sharing::SolverStats st;
    const double a = now_s();
    const IterationSchedule s = sharing::schedule_iteration_ex(ks, p, {}, &st);
    const double dt = now_s() - a;
    total += dt;
    worst = std::max(worst, dt);
    proven += s.proven_optimal;
    std::printf(
        "  P=%2d Q=%2d  makespan %6lld  lb %6lld  unshared %6lld  nodes %7lld  work %10lld  probes "
        "%2d  "
        "%s  %.1f ms\n",
        p.P, p.Q, (long long)s.makespan, (long long)st.lower_bound, (long long)s.unshared_makespan,
        (long long)st.nodes, (long long)st.work, st.probes,
        s.proven_optimal ? "optimal" : "BUDGET ", 1e3 * dt);
    std::fflush(stdout);
  }
  std::printf("proven optimal %d/%d, mean %.1f ms, worst %.1f ms\n", proven, n, 1e3 * total / n,
              1e3 * worst);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "stress") == 0)
    return stress(argc > 2 ? std::atoi(argv[2]) : 20, argc > 3 ? std::strtoull(argv[3], 0, 10) : 1);
  return realistic(argc > 1 ? std::atoi(argv[1]) : 2000,
                   argc > 2 ? std::strtoull(argv[2], 0, 10) : 1);
}
