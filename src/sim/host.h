// Host: a TLM-2.0 initiator bound to the Top's host_socket. For each job it writes the weight
// and index images, the Bias bank, the initial state and the input sequence X (in transactions
// of at most 4 KiB), starts the controller, waits for the end of the run and reads Y back from
// DRAM. Jobs run back to back in one elaboration (same machine structure).
#pragma once
#include <tlm_utils/simple_initiator_socket.h>
#include <cstdint>
#include <optional>
#include <string>
#include <systemc>
#include <tlm>
#include <vector>

#include "sim/sim_stats.h"
#include "sim/top.h"

namespace csbrnn::sim {

struct SimJob {
  const Program* prog = nullptr;
  std::string origin;      // names the program in errors
  std::vector<int16_t> x;  // steps x input_size
  int steps = 0;
  /// The machine's knobs for this job; empty = the elaborated config. Structure (K, L, P, Q)
  /// must equal the elaborated one; every other knob may differ from job to job.
  std::optional<HwConfig> hw;
  // results
  std::vector<int16_t> y;  // steps x output_size
  SimStats stats;
  bool done = false;
};

class Host : public sc_core::sc_module {
 public:
  tlm_utils::simple_initiator_socket<Host> isocket;
  SC_HAS_PROCESS(Host);
  Host(sc_core::sc_module_name name, Top& top, std::vector<SimJob>& jobs);
  bool all_done = false;
  std::string error;  // a user error raised while preparing a job

 private:
  void run();
  void write(uint64_t addr, const void* data, uint64_t len, sc_core::sc_time& delay);
  void read(uint64_t addr, void* data, uint64_t len, sc_core::sc_time& delay);
  Top& top_;
  std::vector<SimJob>& jobs_;
};

}  // namespace csbrnn::sim
