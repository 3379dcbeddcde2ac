// `csbrnn info FILE`: what a .npy, .npz, folder of .npy or .csb container holds.
#pragma once
#include <optional>
#include <string>

#include "cli/command.h"

namespace csbrnn::cli {

struct InfoCmdOptions {
  std::string file;   // a .npy, .npz, folder of .npy files, or .csb model
  bool json = false;  // --json
};

std::optional<InfoCmdOptions> parse_info(const Args& args);
int run_info(const InfoCmdOptions& o);

}  // namespace csbrnn::cli
