// Shared helpers for tests: fixture paths, temp dirs, running the CLI as a subprocess.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

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

/// Cells of a CSV line (quoted cells may hold commas and "").
inline std::vector<std::string> csv_cells(const std::string& line) {
  std::vector<std::string> cells(1);
  bool q = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (q) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"')
        cells.back() += '"', ++i;
      else if (c == '"')
        q = false;
      else
        cells.back() += c;
    } else if (c == '"') {
      q = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

/// The pid of a process that has ended (a child that exited and was reaped).
inline long dead_pid() {
  const pid_t c = ::fork();
  if (c == 0) ::_exit(0);
  int st = 0;
  ::waitpid(c, &st, 0);
  return long(c);
}

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

/// A tiny tmpfs (a full disk on demand) mounted at a temporary directory for the scope: tests of
/// failed writes. Needs root and mount(8); where either is missing `ok` is false and `why`
/// says so (the test then skips with that message).
struct SmallFs {
  std::filesystem::path path;
  bool ok = false;
  std::string why;
  explicit SmallFs(const std::string& tag, int kib) {
    path = std::filesystem::temp_directory_path() /
           ("csbrnn-fullfs-" + tag + "-" + std::to_string(::getpid()));
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (::geteuid() != 0) {
      why = "not root: cannot mount a small tmpfs to fill";
      return;
    }
    const std::string cmd = "mount -t tmpfs -o size=" + std::to_string(kib) + "k tmpfs '" +
                            path.string() + "' 2>/dev/null";
    ok = std::system(cmd.c_str()) == 0;
    if (!ok) why = "mount -t tmpfs failed (no mount privilege in this container?)";
  }
  ~SmallFs() {
    if (ok) std::system(("umount '" + path.string() + "' 2>/dev/null").c_str());
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string file(const std::string& name) const { return (path / name).string(); }
};

}  // namespace csbrnn::test
