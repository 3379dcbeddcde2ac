// Where csbrnn's data lives: the folder with models/ (the benchmark model specs) and configs/
// (the shipped hardware configs). Installed, it is <prefix>/share/csbrnn; in the build tree, the
// source tree. docs/design.md "Using csbrnn as a library".
#pragma once
#include <string>

namespace csbrnn {

/// Sets the data folder for this process (a program that links the csbrnn libraries and is not
/// installed next to them: e.g. set_data_dir(csbrnn_DATA_DIR) from find_package(csbrnn)). It
/// must hold models/; "" goes back to the search. Throws Error naming `dir` otherwise.
void set_data_dir(const std::string& dir);

/// The data folder, the first that holds models/ of: set_data_dir(); $CSBRNN_DATA_DIR;
/// <dir of the binary holding this code>/../share/csbrnn (the installed CLI, or a program
/// installed into the same prefix); the install prefix configured at build time
/// (CMAKE_INSTALL_PREFIX/share/csbrnn, when installed there); and, only for a binary inside the
/// build tree (the CLI, the tests, the Python module as built), the source tree. Never the
/// source tree from an installed copy. Throws Error saying what was tried when none is found.
std::string data_dir();

/// How data_dir() was found: "set_data_dir", "CSBRNN_DATA_DIR", "installed next to <binary>",
/// "install prefix", "source tree (build tree binary)".
std::string data_dir_origin();

}  // namespace csbrnn
