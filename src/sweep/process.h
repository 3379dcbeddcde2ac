// Subprocesses of a sweep (docs/sweep.md "Parallelism", "Orphans"): start one with its output
// in a log, wait for it, find the line of its log that explains a failure, run a command and
// capture its output (sbatch, squeue).
//
// Contract: every child is started with a parent-death signal (SIGTERM when the starting process
// dies, even by SIGKILL), and SIGINT/SIGTERM/SIGHUP to the sweep are forwarded to the children
// it started, so no point process outlives its sweep on this host.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace csbrnn::sweep {

/// At most this many children of one process (-j is capped to it).
constexpr int kMaxChildren = 1024;

/// Starts `exe args...` with stdout+stderr to `log` (created, truncated); returns the pid.
/// Throws Error when it cannot start.
pid_t spawn(const std::string& exe, const std::vector<std::string>& args, const std::string& log);

/// Waits for child `pid`; its exit status, 128 + signal when killed.
int wait_exit(pid_t pid);

/// Waits for any child to end (`block` false: returns 0 at once when none has ended); returns its
/// pid and sets `code` as wait_exit does, or -1 when no child is left.
pid_t reap_child(int& code, bool block = true);

/// The line of a log that explains a failure: the last "error" line, else the last line;
/// "killed by signal N (...)" when code >= 128.
std::string error_line(const std::string& log, int code);

/// Runs argv[0] (searched in PATH) with stdin from /dev/null; returns its exit status
/// (127 when it cannot be started) and sets `output` to its stdout and stderr together.
int run_capture(const std::vector<std::string>& argv, std::string& output);

/// The absolute path of the running csbrnn binary (for commands run on other hosts).
std::string self_exe_path();

}  // namespace csbrnn::sweep
