// DRAM device and controller parameters for memory.model presets (ddr4-2400, lpddr4-3200) and
// user files (`memory.model: path/to/file.yaml`, the format of configs/dram/*.yaml). Plain data;
// the timing model that uses them is sim/dram_timing/dram_timing.h.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace csbrnn {

struct DramParams {
  std::string name;
  // organisation
  int channels = 1;         // independent channels, each with its own controller queue
  int ranks = 1;            // ranks per channel
  int bank_groups = 1;      // bank groups per rank (DDR4; 1 = none)
  int banks_per_group = 8;  // banks in each bank group
  int64_t rows = 65536;     // rows per bank
  int columns = 1024;       // column addresses per row (bus-width words)
  int bus_bits = 64;        // data bus width of one channel
  int burst_length = 8;     // BL: beats per column access (two per clock)
  // controller
  int queue_depth = 16;  // requests the FR-FCFS scheduler sees at once (per channel)
  // timing, in clock cycles (nCK) of tck_ns; data is transferred on both edges
  double tck_ns = 1.0;
  int CL = 1, CWL = 1, RCD = 1, RP = 1, RAS = 1, RRD_S = 1, RRD_L = 1, FAW = 1, WR = 1, WTR_S = 1,
      WTR_L = 1, RTP = 1, CCD_S = 1, CCD_L = 1, RFC = 1, REFI = 1;

  int64_t burst_bytes() const { return int64_t(bus_bits) / 8 * burst_length; }
  int banks() const { return bank_groups * banks_per_group; }
  /// Peak data rate over all channels, GB/s (= bytes/ns).
  double peak_gbps() const { return double(channels) * bus_bits / 8 * 2 / tck_ns; }
};

/// The built-in presets' names ("ddr4-2400", "lpddr4-3200").
const std::vector<std::string>& dram_preset_names();
/// True and `out` filled when `name` is a built-in preset (the tables of configs/dram/NAME.yaml).
bool dram_preset(const std::string& name, DramParams& out);
/// Reads a parameter file (strict YAML: every key required, unknown keys refused; errors are one
/// line naming the file, line and key). Checks the values are consistent.
DramParams load_dram_params(const std::string& path);
/// A built-in preset, or a file when `model` ends in .yaml / .yml; throws Error otherwise.
DramParams resolve_dram_model(const std::string& model);
/// "" when the parameters are usable, else the problem.
std::string check_dram_params(const DramParams& p);

}  // namespace csbrnn
