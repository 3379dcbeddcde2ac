// A user of the installed csbrnn libraries: compiles a small generated CSB model for a 2x2-group
// machine, simulates 3 timesteps cycle by cycle, and checks the simulated cycles against the
// analytic model (equal with ideal memory and resident weights) and the installed config; and
// finds the installed model specs, never the source tree it was built from (argv[1]).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "common/data_dir.h"
#include "common/error.h"
#include "compile/compiler.h"
#include "config/config_loader.h"
#include "sim/report.h"
#include "sim/simulator.h"
#include "workload/bench_model.h"
#include "workload/model_spec.h"

namespace {

bool starts_with(const std::string& s, const std::string& p) {
  return s.compare(0, p.size(), p) == 0;
}

// The data folder: without configuration an installed library never falls back to the source
// tree (argv[1]); CSBRNN_DATA_DIR and set_data_dir() select the installed share/csbrnn.
int check_data_dir(const std::string& source_dir) {
  using namespace csbrnn;
  try {
    const std::string d = data_dir();
    if (starts_with(d, source_dir))
      return std::fprintf(stderr, "data_dir() is the source tree %s\n", d.c_str()), 1;
  } catch (const Error& e) {
    if (std::string(e.what()).find("set CSBRNN_DATA_DIR") == std::string::npos)
      return std::fprintf(stderr, "data_dir(): unclear error: %s\n", e.what()), 1;
  }
  ::setenv("CSBRNN_DATA_DIR", CSBRNN_DATA_DIR, 1);
  if (data_dir() != CSBRNN_DATA_DIR || data_dir_origin() != "CSBRNN_DATA_DIR")
    return std::fprintf(stderr, "CSBRNN_DATA_DIR not used: %s\n", data_dir().c_str()), 1;
  ::unsetenv("CSBRNN_DATA_DIR");
  set_data_dir(CSBRNN_DATA_DIR);
  const ModelSpec sr1 = load_model_spec("sr1");
  if (!starts_with(sr1.origin, CSBRNN_DATA_DIR "/models/") || sr1.hidden_size != 1024)
    return std::fprintf(stderr, "sr1 from %s\n", sr1.origin.c_str()), 1;
  std::printf("consumer: model specs from %s (%s)\n", models_dir().c_str(),
              data_dir_origin().c_str());
  return 0;
}

}  // namespace

extern "C" int sc_main(int argc, char** argv) {
  using namespace csbrnn;
  if (argc != 2) return std::fprintf(stderr, "usage: app SOURCE_DIR\n"), 2;
  if (check_data_dir(argv[1]) != 0) return 1;
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
