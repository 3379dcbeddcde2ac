// Internals of the neighbour workload-sharing scheduler (docs/sharing.md), exposed for tests and
// the benchmark. The public entry point is schedule_iteration() in compile/sharing.h; this header
// adds the search budget and statistics that it does not show.
#pragma once
#include <cstdint>
#include <vector>

#include "compile/sharing.h"

namespace csbrnn {
namespace sharing {

/// One distinct way a group can cut its kernel, in tile units (local + h + v + hl + vu == the
/// kernel's tiles): h given right, v given down, hl given left, vu given up (hl = vu = 0 unless
/// sharing.neighbours = 4). `share` is a canonical legal decision producing exactly these counts.
struct TileOption {
  int32_t local = 0, h = 0, v = 0;
  GroupShare share;
  int32_t hl = 0, vu = 0;
};

/// All legal decisions of one kernel, deduplicated by (h, v, hl, vu) tile counts, sorted by h,
/// then v, hl, vu. Always contains the no-sharing option (0, 0, 0, 0).
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

/// Row-group sync (docs/sharing.md "Row-group scheduling"): the B iterations of one row-group
/// (kernels[b] = iteration b's K*L kernels) scheduled together to minimise the row-group
/// makespan M = max_g sum_b load_g(b).
struct RowGroupOptions {
  // Improvement passes of single-iteration re-solves (each on the others' loads).
  int passes = 2;
  // Row-group local search (moves of one group's option in one iteration, judged on M) and
  // seeded perturbation rounds of it; 0 rounds (and 0 restarts, 0 anneal moves) = the plain pass
  // heuristic.
  int kick_rounds = 1024;
  // Further runs (construction, passes, local search) from seeded random iteration orders while
  // the row-group is unproven; the best makespan is kept.
  int restarts = 0;
  // Simulated annealing after the local search while unproven: moves per (iteration, group).
  int anneal_moves = 1000;
  uint32_t seed = 1;
  // Budget of each single-iteration solve: an iteration is solved up to 1 + passes times and
  // optimality is judged on the row-group, so a fifth of the iteration-sync budget.
  SolverOptions iteration{SolverOptions{}.node_budget / 5, SolverOptions{}.work_budget / 5};
};

struct RowGroupSchedule {
  std::vector<IterationSchedule> iters;  // B schedules
  std::vector<int64_t> load;             // per group, summed over the iterations
  int64_t makespan = 0;                  // max(load)
  int64_t objective = 0;                 // max(base + load) (== makespan without a base)
  int64_t lower_bound = 0;               // row_group_lower_bound(), of the objective
  bool proven_optimal = false;           // objective == lower_bound
};

/// Valid lower bound on the row-group makespan: max(ceil(tiles / G), max_g sum_b min local,
/// neighbourhood rectangle bound) (docs/sharing.md). With `base` (G offsets, empty = all zero:
/// sharing.carry) a bound on max_g(base_g + load_g): the base cannot move, so ceil((tiles +
/// sum base) / G), max_g(base_g + sum_b min local) and the outflow rectangles with their base
/// added (the neighbourhood bound is left out).
int64_t row_group_lower_bound(const std::vector<std::vector<KernelSize>>& kernels,
                              const ShareParams& p, const std::vector<int64_t>& base = {});

/// With `base` the row-group is scheduled to minimise max_g(base_g + load_g) (sharing.carry:
/// the groups' start offsets under free sync); the result's load and makespan exclude the base.
RowGroupSchedule schedule_row_group(const std::vector<std::vector<KernelSize>>& kernels,
                                    const ShareParams& p, const RowGroupOptions& opt = {},
                                    const std::vector<int64_t>& base = {});

}  // namespace sharing
}  // namespace csbrnn
