// Shared helpers for tests: fixture paths, temp dirs, running the CLI as a subprocess.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

namespace csbrnn::test {

inline std::string source_path(const std::string& rel) {
  return std::string(CSBRNN_SOURCE_DIR) + "/" + rel;
}

/// A fresh directory under the build tree's tmp/, removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag) {
    static int counter = 0;
    path =
        std::filesystem::temp_directory_path() /
        ("csbrnn-test-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

/// Runs `csbrnn <args>` (args already shell-quoted by the caller) and captures its output.
inline RunResult run_cli(const std::string& args) {
  RunResult r;
  const std::string cmd = std::string(CSBRNN_CLI) + " " + args + " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int st = ::pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

}  // namespace csbrnn::test
