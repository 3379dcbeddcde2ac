// The energy table (docs/energy.md): per-action energies, the SRAM scaling law, link and DRAM
// energies and leakage, read from strict YAML (config/strict_yaml.h). The shipped table
// configs/energy/default-45nm.yaml is built into the binary (energy.table: default-45nm); any
// other energy.table value is the path of a table in the same format.
#pragma once
#include <map>
#include <string>

namespace csbrnn::energy {

struct DramEnergy {
  double read_pj_per_byte = 0, write_pj_per_byte = 0;
  double activate_pj = 0, precharge_pj = 0, refresh_pj = 0;
  double background_mw = 0;
};

struct EnergyTable {
  std::string name, origin;  // the table's `name`, and where it came from (file or built-in)
  int datapath_bits = 16;
  double add16 = 0, add48 = 0, mul16 = 0, mac = 0, sigmoid = 0, tanh = 0, copy = 0, biaswb = 0;
  double sram_reference_kib = 8, sram_read_pj_per_byte = 0, sram_exponent = 0.5;
  double sram_write_factor = 1;
  double link_neighbour_pj_per_byte = 0, link_load_store_pj_per_byte = 0;
  std::map<std::string, DramEnergy> dram;
  double leak_pe_mw = 0, leak_sram_per_kib_mw = 0, leak_eltwise_lane_mw = 0, leak_control_mw = 0;

  /// SRAM read energy per byte of a buffer of `bytes` capacity (the scaling law).
  double sram_read_pj_per_byte_at(double bytes) const;
  double sram_write_pj_per_byte_at(double bytes) const {
    return sram_write_factor * sram_read_pj_per_byte_at(bytes);
  }
};

/// The text of the built-in table (configs/energy/default-45nm.yaml at build time).
const char* default_table_text();
/// Parses a table; every problem is one Error line "ORIGIN:LINE: key: problem".
EnergyTable parse_table(const std::string& text, const std::string& origin);
/// The built-in table, parsed once.
const EnergyTable& default_table();
/// energy.table: "default-45nm" (built in) or a path. Throws Error naming the file and problem.
EnergyTable load_table(const std::string& spec);

}  // namespace csbrnn::energy
