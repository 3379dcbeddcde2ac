// `csbrnn config`: print the resolved hardware config, list the keys, or only validate.
#pragma once
#include <optional>
#include <string>

#include "cli/command.h"
#include "config/hw_config.h"

namespace csbrnn::cli {

struct ConfigCmdOptions {
  enum class Mode {
    Print,     // the resolved YAML, to `output` or standard output (the default)
    Check,     // --check: a one-line summary
    ListKeys,  // --list-keys: the key table (--hw/--set are not read)
  };
  Mode mode = Mode::Print;
  bool markdown = false;              // ListKeys: as a Markdown table
  std::string source;                 // Check: the --hw path, or "built-in defaults"
  std::optional<std::string> output;  // Print: -o FILE
  HwConfig hw;                        // Print, Check: resolved from --hw/--set
};

std::optional<ConfigCmdOptions> parse_config(const Args& args);
int run_config(const ConfigCmdOptions& o);

}  // namespace csbrnn::cli
