// Strict YAML loading of HwConfig (yaml-cpp), with `--set section.key=value` overrides.
//
// Contract: the file is read through config/strict_yaml.h, so unknown and duplicate keys are
// errors naming file:line and the closest valid key, and wrong types name file:line and the key;
// impossible values are explained in one line naming where the value came from. An empty path means
// the built-in defaults (the paper's 256-PE design). Overrides use the same dotted names as the
// YAML file, with an optional leading "hw." (e.g. "hw.engine.pe_groups=8x4" or
// "engine.pe_groups=8x4"); unique short forms such as "hw.pe_groups=8x4" are accepted too.
#pragma once
#include <string>
#include <vector>

#include "config/hw_config.h"

namespace csbrnn {

HwConfig load_hw_config(const std::string& path, const std::vector<std::string>& overrides = {});
/// Parses YAML text (`origin` names it in errors).
HwConfig parse_hw_config(const std::string& yaml_text, const std::string& origin,
                         const std::vector<std::string>& overrides = {});
/// Throws Error("<origin>: ...") when the configuration is impossible (0 PEs, fractional bits
/// outside 1..15, ...).
void validate_hw_config(const HwConfig& c, const std::string& origin);

/// The fully resolved configuration as YAML that load_hw_config reads back identically.
std::string hw_config_to_yaml(const HwConfig& c);

}  // namespace csbrnn
