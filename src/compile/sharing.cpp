// The sharing scheduler's public entry point (compile/sharing.h); the search lives in
// sharing_solver.cpp.
#include "compile/sharing.h"

#include "compile/sharing_solver.h"

namespace csbrnn {

IterationSchedule schedule_iteration(const std::vector<KernelSize>& kernels, const ShareParams& p) {
  return sharing::schedule_iteration_ex(kernels, p, sharing::SolverOptions{}, nullptr);
}

}  // namespace csbrnn
