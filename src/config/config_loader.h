// Strict YAML loading of HwConfig (yaml-cpp), with `--set section.key=value` overrides.
//
// Contract: unknown keys are errors naming file:line and the closest valid key; wrong types and
// impossible values are explained in one line naming the file. An empty path means the built-in
// defaults (the paper's 256-PE design). Overrides use the same dotted names as the YAML file,
// with an optional leading "hw." (e.g. "hw.engine.pe_groups=8x4" or "engine.pe_groups=8x4");
// unique short forms such as "hw.pe_groups=8x4" are accepted too.
#pragma once
#include <string>
#include <vector>

#include "config/hw_config.h"

namespace YAML {
class Node;
}

namespace csbrnn {

HwConfig load_hw_config(const std::string& path, const std::vector<std::string>& overrides = {});
/// Parses YAML text (`origin` names it in errors).
HwConfig parse_hw_config(const std::string& yaml_text, const std::string& origin,
                         const std::vector<std::string>& overrides = {});
/// Throws Error("<origin>: ...") when the configuration is impossible (0 PEs, fractional bits
/// outside 1..15, ...).
void validate_hw_config(const HwConfig& c, const std::string& origin);
/// How a YAML node reads in an error message: "nothing", "a list", "a mapping" or "'text'".
std::string describe_yaml_node(const YAML::Node& n);

/// The fully resolved configuration as YAML that load_hw_config reads back identically.
std::string hw_config_to_yaml(const HwConfig& c);

}  // namespace csbrnn
