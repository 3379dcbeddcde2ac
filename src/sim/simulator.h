// Entry point of the SystemC model: elaborates one Top (+ Host) for `hw`, runs a list of jobs
// back to back, with optional VCD window and a progress bar. SystemC allows one elaboration per
// process: call simulate_jobs at most once per process.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "sim/host.h"

namespace csbrnn::sim {

struct VcdOptions {
  std::string file;  // "" = no VCD
  std::vector<std::string>
      scope;  // units: controller engine groups group(k,l) eltwise load store dram all
  int64_t from = 0, to = -1;  // cycle window [from, to) of the first job; to < 0: to the end
};

struct SimOptions {
  VcdOptions vcd;
  bool progress = false;        // progress bar on stderr
  int64_t expected_cycles = 0;  // for the progress bar and the utilization buckets (0: unknown)
  int buckets = 100;            // utilization picture resolution (a run longer than expected_cycles
                                // merges buckets pairwise: at most 10 x buckets per group)
  bool record_iterations = false;  // fill SimStats::iteration_cycles (tests)
};

/// Parses "--vcd-scope" text ("controller,group(0,1),eltwise"); throws Error on unknown names.
std::vector<std::string> parse_vcd_scope(const std::string& text, int K, int L);
/// Parses "FROM:TO" ("100:2000", "100:", ":500"); throws Error on malformed text.
void parse_vcd_window(const std::string& text, int64_t& from, int64_t& to);

/// CPU time of this process in seconds (CLOCK_PROCESS_CPUTIME_ID).
double process_cpu_seconds();

/// Runs the jobs; throws Error for a user error (program/config mismatch ...).
void simulate_jobs(const HwConfig& hw, std::vector<SimJob>& jobs, const SimOptions& opt);

}  // namespace csbrnn::sim
