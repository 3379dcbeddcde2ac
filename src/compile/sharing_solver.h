// Internals of the neighbour workload-sharing scheduler (docs/sharing.md), exposed for tests and
// the benchmark. The public entry point is schedule_iteration() in compile/sharing.h; this header
// adds the search budget and statistics that it does not show.
#pragma once
#include <cstdint>
#include <vector>

#include "compile/sharing.h"

namespace csbrnn {
namespace sharing {

/// One distinct way a group can cut its kernel, in tile units (local + h + v == the kernel's
/// tiles). `share` is a canonical legal decision producing exactly these tile counts.
struct TileOption {
  int32_t local = 0, h = 0, v = 0;
  GroupShare share;
};

/// All legal decisions of one kernel, deduplicated by (h, v) tile counts, sorted by h then v.
/// Always contains the no-sharing option (0, 0).
std::vector<TileOption> tile_options(KernelSize k, const ShareParams& p);

struct SolverOptions {
  // Per iteration, all makespan probes together: search nodes, and work (options examined by the
  // propagation, ~1 ns each). Whichever runs out first ends the search (proven_optimal = false).
  int64_t node_budget = 100000;
  int64_t work_budget = 50000000;
};

struct SolverStats {
  int64_t nodes = 0;        // search nodes expanded
  int64_t work = 0;         // options examined
  int probes = 0;           // makespan values tested for feasibility
  int64_t lower_bound = 0;  // max(ceil(total/G), per-group bounds), of the objective
  int64_t objective = 0;    // max over groups of base + load (the makespan without bases)
  bool budget_exhausted = false;
};

/// schedule_iteration() with an explicit budget and statistics. With `base` (K*L loads, empty =
/// all zero) it minimises max_g(base_g + load_g) instead: group g's constraint becomes
/// base_g + X_left(g) + Y_up(g) + F_g(X_g, Y_g) <= M (row-group sync, docs/sharing.md);
/// proven_optimal and stats->objective / lower_bound then refer to that objective, while the
/// result's makespan stays max(load).
IterationSchedule schedule_iteration_ex(const std::vector<KernelSize>& kernels,
                                        const ShareParams& p, const SolverOptions& opt,
                                        SolverStats* stats, const std::vector<int64_t>& base = {});

}  // namespace sharing
}  // namespace csbrnn
