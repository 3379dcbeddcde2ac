#include "sweep/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"

namespace csbrnn::sweep {
namespace fs = std::filesystem;

namespace {

// Running subprocesses, so that SIGINT/SIGTERM/SIGHUP to a sweep (or to a point process) stop
// its children too instead of leaving them running as orphans. Plain array: the handler may only
// read it (async-signal-safe).
volatile pid_t g_children[kMaxChildren];

void on_signal(int sig) {
  for (int i = 0; i < kMaxChildren; ++i)
    if (g_children[i] > 0) ::kill(g_children[i], sig);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void track_child(pid_t pid) {
  static bool installed = false;
  if (!installed) {
    installed = true;
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, on_signal);
  }
  for (int i = 0; i < kMaxChildren; ++i)
    if (g_children[i] == 0) {
      g_children[i] = pid;
      return;
    }
}

void untrack_child(pid_t pid) {
  for (int i = 0; i < kMaxChildren; ++i)
    if (g_children[i] == pid) g_children[i] = 0;
}

int exit_code(int st) {
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/// fork + exec with the parent-death signal set in the child. Only async-signal-safe calls
/// between fork and exec; an exec failure is reported through a close-on-exec pipe.
/// `out_fd`: the child's stdout and stderr (-1: inherit); `search`: execvp instead of execv.
pid_t start(const std::vector<std::string>& cmd, int out_fd, bool search, int& err) {
  std::vector<std::string> all = cmd;
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  int pipefd[2];
  if (::pipe2(pipefd, O_CLOEXEC) != 0) {
    err = errno;
    return -1;
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    err = errno;
    ::close(pipefd[0]);
    ::close(pipefd[1]);
    return -1;
  }
  if (pid == 0) {
    ::close(pipefd[0]);
    // die with the parent; if it already died between fork and prctl, stop now
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::signal(sig, SIG_DFL);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    if (out_fd >= 0) {
      ::dup2(out_fd, 1);
      ::dup2(out_fd, 2);
    }
    if (search)
      ::execvp(argv[0], argv.data());
    else
      ::execv(argv[0], argv.data());
    const int e = errno;
    ssize_t w = ::write(pipefd[1], &e, sizeof e);
    (void)w;
    ::_exit(127);
  }
  ::close(pipefd[1]);
  int e = 0;
  ssize_t n;
  while ((n = ::read(pipefd[0], &e, sizeof e)) < 0 && errno == EINTR) {
  }
  ::close(pipefd[0]);
  if (n == ssize_t(sizeof e)) {
    int st;
    while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    err = e;
    return -1;
  }
  return pid;
}

}  // namespace

pid_t spawn(const std::string& exe, const std::vector<std::string>& args, const std::string& log) {
  make_directories(fs::path(log).parent_path().string());
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) fail(log, ": cannot create: ", std::strerror(errno));
  std::vector<std::string> cmd{exe};
  cmd.insert(cmd.end(), args.begin(), args.end());
  int err = 0;
  const pid_t pid = start(cmd, fd, false, err);
  ::close(fd);
  if (pid < 0) fail("csbrnn sweep: cannot start ", exe, ": ", std::strerror(err));
  track_child(pid);
  return pid;
}

int wait_exit(pid_t pid) {
  int st = 0;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  untrack_child(pid);
  return exit_code(st);
}

pid_t reap_child(int& code, bool block) {
  for (;;) {
    int st = 0;
    const pid_t pid = waitpid(-1, &st, block ? 0 : WNOHANG);
    if (pid < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (pid == 0) return 0;
    untrack_child(pid);
    code = exit_code(st);
    return pid;
  }
}

std::string error_line(const std::string& log, int code) {
  std::ifstream f(log);
  std::string line, last, err;
  while (std::getline(f, line)) {
    line = trim(line);
    if (line.empty()) continue;
    // progress output uses \r; keep the text after the last one
    const auto cr = line.rfind('\r');
    if (cr != std::string::npos) line = trim(line.substr(cr + 1));
    last = line;
    if (line.find("error") != std::string::npos) err = line;
  }
  std::string msg = !err.empty() ? err : !last.empty() ? last : "no output";
  if (code >= 128) msg = cat("killed by signal ", code - 128, " (", msg, ")");
  return msg;
}

int run_capture(const std::vector<std::string>& argv, std::string& output) {
  output.clear();
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return 127;
  int err = 0;
  const pid_t pid = start(argv, p[1], true, err);
  ::close(p[1]);
  if (pid < 0) {
    ::close(p[0]);
    output = cat(argv.at(0), ": ", std::strerror(err));
    return 127;
  }
  track_child(pid);
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(p[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    output.append(buf, size_t(n));
  }
  ::close(p[0]);
  return wait_exit(pid);
}

std::string self_exe_path() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) fail("csbrnn sweep: /proc/self/exe is not available (needs Linux procfs)");
  return p.string();
}

}  // namespace csbrnn::sweep
