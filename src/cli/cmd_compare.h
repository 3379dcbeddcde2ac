// `csbrnn compare`: every pruning scheme on the benchmark models, in the shape of the ICS'20
// paper's Table 2 (rate at equal quality, quality at equal rate).
#pragma once
#include <optional>
#include <string>

#include "cli/command.h"
#include "workload/compare.h"

namespace csbrnn::cli {

struct CompareCmdOptions {
  CompareOptions compare;  // models (default: every benchmark model), methods, rates, ...
  std::optional<std::string> md, csv, json;  // tables to write (checked writable by run)
};

std::optional<CompareCmdOptions> parse_compare(const Args& args);
int run_compare(const CompareCmdOptions& opts);

}  // namespace csbrnn::cli
