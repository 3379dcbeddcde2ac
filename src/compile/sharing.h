// Neighbour workload sharing, the scheduler: the cuts of every group in one temporal block
// iteration that minimise the iteration's makespan. The geometry it decides over (pieces,
// legality, loads) is the ISA's: isa/sharing_geometry.h.
#pragma once
#include <cstdint>
#include <vector>

#include "isa/sharing_geometry.h"

namespace csbrnn {

/// One temporal block iteration: the kernels of the K*L groups (index k*L + l).
struct IterationSchedule {
  std::vector<GroupShare> share;  // K*L decisions
  std::vector<int64_t> load;      // tiles each group issues: local + received h + received v
  int64_t makespan = 0;           // max(load): the iteration's issue cycles
  int64_t unshared_makespan = 0;  // max over groups of its own kernel tiles (mode none)
  bool proven_optimal = false;    // true when the search proved no legal schedule is shorter
};

/// Finds a schedule of minimum makespan under `p` (exact search; see docs/sharing.md).
IterationSchedule schedule_iteration(const std::vector<KernelSize>& kernels, const ShareParams& p);

}  // namespace csbrnn
