#include "sweep/launch.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "sweep/manifest.h"
#include "sweep/process.h"

namespace csbrnn::sweep {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

std::string path_in(const std::string& dir, const std::string& rel) {
  return (fs::path(dir) / rel).string();
}

std::string job_file(const std::string& dir) {
  return path_in(dir, "launch/slurm-job.json");
}

/// 'text' for sh, single quotes escaped.
std::string sh_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string last_line(const std::string& text) {
  std::string last;
  for (const auto& l : split(text, '\n'))
    if (!trim(l).empty()) last = trim(l);
  return last.empty() ? "no output" : last;
}

/// squeue's states of the array tasks of `job` (one per task; -r: array tasks one by one).
/// Returns false when squeue cannot be asked; an unknown (finished, purged) job is no states.
bool job_states(const std::string& job, std::vector<std::string>& states) {
  states.clear();
  std::string out;
  const int code = run_capture({"squeue", "-h", "-r", "-j", job, "-o", "%t"}, out);
  if (code == 127) return false;
  if (code != 0) return out.find("Invalid job id") != std::string::npos;
  for (const auto& l : split(out, '\n'))
    if (!trim(l).empty()) states.push_back(trim(l));
  return true;
}

std::string now_text() {
  const std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
  return buf;
}

/// Counts the results of the pending points as they land (each file is read once it exists).
class Landing {
 public:
  Landing(const std::string& dir, const std::vector<PointRef>& pending)
      : dir_(dir), waiting_(pending) {}
  void scan() {
    size_t keep = 0;
    for (size_t i = 0; i < waiting_.size(); ++i) {
      const std::string id = id_hex(waiting_[i].id);
      const std::string st =
          fs::exists(path_in(dir_, "points/" + id + ".json")) ? point_status(dir_, id) : "";
      if (st.empty()) {  // missing or not readable yet
        waiting_[keep++] = waiting_[i];
        continue;
      }
      (st == "ok" ? ok : failed)++;
    }
    waiting_.resize(keep);
  }
  bool all() const { return waiting_.empty(); }
  const std::vector<PointRef>& waiting() const { return waiting_; }  // in index order
  int ok = 0, failed = 0;

 private:
  std::string dir_;
  std::vector<PointRef> waiting_;
};

void progress_line(bool on, const std::string& text) {
  if (!on) return;
  if (isatty(2))
    std::fprintf(stderr, "\r%-100s", text.c_str());
  else
    std::fprintf(stderr, "%s\n", text.c_str());
  std::fflush(stderr);
}

/// DIR/launch/tasks.txt: one line per task, its point ids comma-separated.
int write_tasks(const std::string& dir, const std::vector<PointRef>& pending, int per_task) {
  AtomicWriter out(path_in(dir, "launch/tasks.txt"));
  std::string line;
  int tasks = 0, n = 0;
  for (const PointRef& p : pending) {
    line += (n ? "," : "") + id_hex(p.id);
    if (++n == per_task) out.write(line + "\n"), line.clear(), n = 0, ++tasks;
  }
  if (n) out.write(line + "\n"), ++tasks;
  out.commit();
  return tasks;
}

/// Waits until every pending point has a result or `alive()` says no task is left; the
/// progress line counts the result files.
void wait_results(Landing& land, const RunOptions& opt, const std::string& what,
                  const std::function<bool()>& alive, int total, int skipped) {
  const auto t0 = Clock::now();
  int last_done = -1;
  for (;;) {
    land.scan();
    const bool running = alive();
    if (!running) land.scan();  // the last results landed while we asked
    const int done = land.ok + land.failed;
    if (done != last_done || isatty(2)) {
      const int secs = int(std::chrono::duration<double>(Clock::now() - t0).count());
      progress_line(opt.progress,
                    cat("[sweep] ", what, ": ", done + skipped, "/", total, " done (", skipped,
                        " resumed, ", land.failed, " failed), ", secs, " s"));
      last_done = done;
    }
    if (land.all() || !running) break;
    std::this_thread::sleep_for(std::chrono::duration<double>(opt.poll_seconds));
  }
  if (opt.progress && isatty(2)) std::fprintf(stderr, "\n");
}

void finish(RunSummary& sum, const Landing& land, std::ofstream& slog) {
  sum.ok = land.ok;
  sum.failed = land.failed;
  sum.missing = int(land.waiting().size());
  for (const PointRef& p : land.waiting())
    slog << "missing " << id_hex(p.id)
         << ": no result (task killed, failed or lost; a rerun resubmits it)\n";
  slog << "end " << now_text() << " ran=" << sum.ran << " ok=" << sum.ok << " failed=" << sum.failed
       << " missing=" << sum.missing << "\n";
}

}  // namespace

void check_no_active_job(const std::string& dir) {
  if (!fs::exists(job_file(dir))) return;
  std::string job;
  try {
    job = nlohmann::json::parse(read_text_file(job_file(dir))).value("job_id", "");
  } catch (const std::exception&) {
    return;
  }
  std::vector<std::string> states;
  if (job.empty() || !job_states(job, states) || states.empty()) return;
  fail(dir, ": Slurm job ", job, " of an earlier run still has ", states.size(),
       " task(s) queued or running; wait for it (csbrnn sweep --status --out ", dir,
       ") or cancel it (scancel ", job, ")");
}

RunSummary launch_remote(const SweepSpec& spec, const RunOptions& opt,
                         const std::vector<PointRef>& pending, RunSummary sum) {
  const std::string dir = opt.out_dir;
  const bool slurm = spec.launcher == Launcher::Slurm;
  if (!opt.wait && !slurm)
    fail("--no-wait: only the slurm launcher runs without this process (parallel is its child)");
  std::ofstream slog(path_in(dir, "sweep.log"), std::ios::app);
  slog << "start " << now_text() << " points=" << sum.points << " skip=" << sum.skipped
       << " pending=" << pending.size() << " launcher=" << launcher_name(spec.launcher) << "\n";
  sum.ran = int(pending.size());
  if (pending.empty()) {
    slog << "end " << now_text() << " ran=0 ok=0 failed=0 missing=0\n";
    return sum;
  }
  // A failed point is retried: its old result goes, so that only new results are counted.
  for (const PointRef& p : pending) fs::remove(path_in(dir, "points/" + id_hex(p.id) + ".json"));
  make_directories(path_in(dir, "launch"));
  make_directories(path_in(dir, "logs"));
  const std::string exe = opt.exe.empty() ? self_exe_path() : opt.exe;
  const std::string cwd = fs::current_path().string();
  Landing land(dir, pending);

  if (slurm) {
    const SlurmOptions& so = spec.slurm;
    const int per = so.points_per_task > 0 ? so.points_per_task
                                           : std::max<int>(1, int((pending.size() + 999) / 1000));
    const int tasks = write_tasks(dir, pending, per);
    const std::string script = path_in(dir, "launch/slurm-task.sh");
    write_file_atomic(
        script, cat("#!/bin/sh\n# csbrnn sweep: one Slurm array task = one line of tasks.txt (its "
                    "point ids)\nset -e\ncd ",
                    sh_quote(cwd), "\nids=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" ",
                    sh_quote(path_in(dir, "launch/tasks.txt")), ")\nexec ", sh_quote(exe),
                    " sweep --run-points \"$ids\" --out ", sh_quote(dir), "\n"));
    std::vector<std::string> cmd = {"sbatch",
                                    "--parsable",
                                    "--job-name=csbrnn-sweep",
                                    cat("--array=0-", tasks - 1),
                                    "--chdir=" + cwd,
                                    "--output=" + path_in(dir, "logs/slurm-%A_%a.log")};
    if (!so.partition.empty()) cmd.push_back("--partition=" + so.partition);
    if (!so.time.empty()) cmd.push_back("--time=" + so.time);
    if (!so.mem.empty()) cmd.push_back("--mem=" + so.mem);
    if (!so.account.empty()) cmd.push_back("--account=" + so.account);
    cmd.insert(cmd.end(), so.sbatch_options.begin(), so.sbatch_options.end());
    cmd.push_back(script);
    std::string out;
    const int code = run_capture(cmd, out);
    if (code != 0)
      fail("csbrnn sweep: sbatch failed", code == 127 ? " (is Slurm installed?)" : "", ": ",
           last_line(out));
    const std::string job = trim(split(last_line(out), ';').at(0));
    write_file_atomic(job_file(dir), nlohmann::json{{"job_id", job},
                                                    {"tasks", tasks},
                                                    {"points", pending.size()},
                                                    {"points_per_task", per},
                                                    {"submitted", now_text()}}
                                             .dump(2) +
                                         "\n");
    slog << "submit slurm job " << job << " tasks=" << tasks << " points=" << pending.size()
         << " points_per_task=" << per << "\n";
    slog.flush();
    std::fprintf(stderr, "[sweep] submitted Slurm job %s: %d array task(s), %zu point(s)\n",
                 job.c_str(), tasks, pending.size());
    if (!opt.wait) {
      sum.submitted = job;
      slog << "no-wait " << now_text() << "\n";
      return sum;
    }
    int gone = 0;  // squeue must not list the job twice in a row (a task may be between states)
    wait_results(
        land, opt, "slurm job " + job,
        [&] {
          std::vector<std::string> states;
          if (!job_states(job, states))
            fail("csbrnn sweep: squeue cannot be asked about job ", job,
                 " (the job goes on: csbrnn sweep --status --out ", dir, " follows it)");
          gone = states.empty() ? gone + 1 : 0;
          return gone < 2;
        },
        sum.points, sum.skipped);
  } else {
    const ParallelOptions& po = spec.parallel;
    write_tasks(dir, pending, po.points_per_task);
    int jobs = opt.jobs > 0 ? opt.jobs : spec.jobs;
    std::vector<std::string> args = {"--will-cite",
                                     "--halt",
                                     "never",
                                     "--jobs",
                                     jobs > 0 ? std::to_string(jobs) : "100%",
                                     "--joblog",
                                     path_in(dir, "launch/parallel.joblog")};
    for (const auto& s : po.sshlogin) args.insert(args.end(), {"--sshlogin", s});
    if (!po.sshloginfile.empty()) args.insert(args.end(), {"--sshloginfile", po.sshloginfile});
    if (!po.sshlogin.empty() || !po.sshloginfile.empty())
      args.insert(args.end(), {"--workdir", cwd});
    args.insert(args.end(), {"-a", path_in(dir, "launch/tasks.txt"), exe, "sweep", "--out", dir,
                             "--run-points", "{}"});
    std::string par;
    for (const char* d : {"/usr/bin/parallel", "/usr/local/bin/parallel"})
      if (fs::exists(d)) par = d;
    if (par.empty())
      fail("csbrnn sweep: --launcher parallel needs GNU parallel (apt-get install parallel)");
    const std::string log = path_in(dir, "logs/parallel.log");
    slog << "start parallel " << pending.size() << " point(s)\n";
    slog.flush();
    const pid_t pid = spawn(par, args, log);
    int code = -1;
    wait_results(
        land, opt, "parallel",
        [&] {
          if (code >= 0) return false;
          int c = 0;
          const pid_t r = reap_child(c, false);
          if (r == pid) code = c;
          return code < 0;
        },
        sum.points, sum.skipped);
    if (code < 0) code = wait_exit(pid);
    if (code != 0 && land.ok + land.failed == 0 && !land.all())
      fail("csbrnn sweep: GNU parallel failed (", log, "): ", error_line(log, code));
  }
  finish(sum, land, slog);
  return sum;
}

SweepStatus sweep_status(const std::string& dir) {
  SweepStatus st;
  Manifest man(dir);
  man.for_each([&](int64_t, const std::string& id) {
    ++st.points;
    const std::string s = point_status(dir, id);
    (s == "ok" ? st.ok : s == "failed" ? st.failed : st.missing)++;
  });
  if (fs::exists(job_file(dir))) {
    st.job = nlohmann::json::parse(read_text_file(job_file(dir))).value("job_id", "");
    std::vector<std::string> states;
    st.job_known = job_states(st.job, states);
    for (const auto& s : states) (s == "PD" ? st.job_pending : st.job_running)++;
  }
  return st;
}

}  // namespace csbrnn::sweep
