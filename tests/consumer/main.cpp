// A user of the installed csbrnn libraries: compiles a small generated CSB model for a 2x2-group
// machine, simulates 3 timesteps cycle by cycle, and checks the simulated cycles against the
// analytic model (equal with ideal memory and resident weights) and the installed config.
#include <cstdio>
#include <fstream>

#include "compile/compiler.h"
#include "config/config_loader.h"
#include "sim/report.h"
#include "sim/simulator.h"
#include "workload/bench_model.h"

extern "C" int sc_main(int, char**) {
  using namespace csbrnn;
  const HwConfig shipped = load_hw_config(CSBRNN_DATA_DIR "/configs/hw_256pe.yaml");
  if (shipped.engine.groups() != 16) return std::fprintf(stderr, "hw_256pe: not 16 groups\n"), 1;
  const HwConfig hw = parse_hw_config("", "built-in defaults", {"engine.pe_groups=2x2"});
  GenSpec s;
  s.input_size = 11;
  s.hidden_size = 9;
  const Program p = compile_program(generate_csb_model(s), hw);
  std::vector<sim::SimJob> jobs(1);
  jobs[0].prog = &p;
  jobs[0].origin = "consumer";
  jobs[0].steps = 3;
  jobs[0].x.assign(size_t(3 * p.input_size), int16_t(100));
  sim::SimOptions so;
  sim::simulate_jobs(hw, jobs, so);
  const int64_t simulated = jobs[0].stats.total_cycles;
  const int64_t analytic = sim::analytic_for(p, hw).total_cycles(3);
  std::printf("consumer: %lld simulated cycles, %lld analytic, %zu outputs\n", (long long)simulated,
              (long long)analytic, jobs[0].y.size());
  return simulated == analytic && simulated > 0 && jobs[0].y.size() == size_t(3 * p.output_size)
             ? 0
             : 1;
}
