// csbrnn sweep --launcher slurm | parallel: the same sweep through a real single-node Slurm
// (scripts/slurm_up.sh) and through GNU parallel gives results.csv byte for byte equal to
// --launcher local, timing columns aside; --no-wait / --status / --report-only; a killed job
// leaves its points without a result and a rerun resubmits only those; the launcher options;
// point processes die with a SIGKILLed parent sweep.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/file_util.h"
#include "support/test_util.h"
#include "sweep/spec.h"

using namespace csbrnn;
using csbrnn::test::csv_cells;
using csbrnn::test::run_cli;
using csbrnn::test::source_path;
using csbrnn::test::TempDir;
namespace fs = std::filesystem;

namespace {

void write(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

/// results.csv without its timing columns (wall and compile seconds differ run to run), cells
/// re-joined with '|': everything else must be equal byte for byte.
std::string csv_without_timing(const std::string& path) {
  std::istringstream in(read_text_file(path));
  std::string line, out;
  std::vector<bool> keep;
  while (std::getline(in, line)) {
    const auto cells = csv_cells(line);
    if (keep.empty())
      for (const auto& h : cells)
        keep.push_back(h != "compile_s" && h != "point_wall_s" && h != "sim_wall_s");
    REQUIRE(cells.size() == keep.size());
    for (size_t i = 0; i < cells.size(); ++i)
      if (keep[i]) out += cells[i] + "|";
    out += "\n";
  }
  return out;
}

// Three analytic points and one simulated point (the simulated one: SystemC, bit-exact check).
const char* kSpec = R"(name: launchers
timesteps: 2
models:
  - sr4
  - {model: sr4, mode: simulate, rate: 8}
prune: {block: 32}
hw:
  grid:
    sharing.mode: [none, 2d]
)";

int count_lines_with(const std::string& file, const std::string& prefix) {
  std::ifstream f(file);
  std::string l;
  int n = 0;
  while (std::getline(f, l)) n += l.rfind(prefix, 0) == 0;
  return n;
}

/// Lines of sweep.log after the last "start" line.
std::string last_run_log(const std::string& dir) {
  std::ifstream f(dir + "/sweep.log");
  std::string l, text;
  while (std::getline(f, l)) {
    if (l.rfind("start ", 0) == 0) text.clear();
    text += l + "\n";
  }
  return text;
}

std::string sh(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

/// The single-node Slurm of scripts/slurm_up.sh: found up, or brought up for the scope and
/// stopped again at its end. `why` says why it cannot run.
struct LocalSlurm {
  bool ok = false, started = false;
  std::string why;
  LocalSlurm() {
    const char* dir = std::getenv("CSBRNN_SLURM_DIR");
    const std::string conf = std::string(dir ? dir : "/tmp/csbrnn-slurm") + "/slurm.conf";
    ::setenv("SLURM_CONF", conf.c_str(), 1);
    if (::geteuid() != 0) {
      why = "not root: scripts/slurm_up.sh cannot start the Slurm daemons";
      return;
    }
    const bool up =
        fs::exists(conf) && sh("timeout 10 sinfo -h -o %T").find("idle") != std::string::npos;
    if (!up) {
      const std::string out = sh("bash " + source_path("scripts/slurm_up.sh"));
      started = true;
      if (out.find("slurm_up: up on") == std::string::npos) {
        why = "scripts/slurm_up.sh could not start Slurm: " + out;
        return;
      }
    }
    ok = true;
  }
  ~LocalSlurm() {
    if (started) sh("bash " + source_path("scripts/slurm_down.sh"));
  }
};

}  // namespace

TEST_CASE("sweep launcher options: spec keys, --set, and the CLI's checks") {
  using namespace csbrnn::sweep;
  const SweepSpec s = parse_sweep_spec(R"(models: [sr4]
launcher: slurm
slurm:
  partition: debug
  time: "00:10:00"
  mem: 2G
  account: arch
  sbatch_options: [--qos=short, --exclusive]
  points_per_task: 50
parallel: {sshlogin: [":", "4/host2"], points_per_task: 3}
)",
                                       "s.yaml", ".", {"slurm.partition=long"});
  CHECK(s.launcher == Launcher::Slurm);
  CHECK(s.slurm.partition == "long");
  CHECK(s.slurm.time == "00:10:00");
  CHECK(s.slurm.mem == "2G");
  CHECK(s.slurm.account == "arch");
  CHECK(s.slurm.sbatch_options == std::vector<std::string>{"--qos=short", "--exclusive"});
  CHECK(s.slurm.points_per_task == 50);
  CHECK(s.parallel.sshlogin == std::vector<std::string>{":", "4/host2"});
  CHECK(s.parallel.points_per_task == 3);
  // the launcher is not part of a point's identity
  const auto a = expand(s);
  const auto b = expand(parse_sweep_spec("models: [sr4]\n", "s.yaml", "."));
  REQUIRE(a.size() == b.size());
  CHECK(a[0].id == b[0].id);

  auto err = [](const std::string& text, const std::vector<std::string>& sets = {}) {
    try {
      parse_sweep_spec(text, "s.yaml", ".", sets);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(err("models: [sr4]\nlauncher: pbs\n").find("s.yaml:2") != std::string::npos);
  CHECK(err("models: [sr4]\nslurm: {partitin: x}\n").find("did you mean 'slurm.partition'") !=
        std::string::npos);
  CHECK(err("models: [sr4]\nslurm: {sbatch_options: [--array=1-3]}\n")
            .find("set by csbrnn sweep itself") != std::string::npos);
  CHECK(err("models: [sr4]\n", {"launcher=cloud"}).find("--set launcher=cloud") !=
        std::string::npos);
  CHECK(err("models: [sr4]\nslurm: {mem: 2 G}\n").find("one word") != std::string::npos);

  TempDir t("launch-opts");
  write(t.file("s.yaml"), "models: [sr4]\n");
  const std::string base = "sweep " + t.file("s.yaml") + " --out " + t.file("o");
  auto r = run_cli(base + " --launcher pbs");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--launcher: unknown launcher 'pbs'") != std::string::npos);
  r = run_cli(base + " --no-wait");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--no-wait needs --launcher slurm") != std::string::npos);
  r = run_cli(base + " --launcher slurm --sshlogin host1");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--sshlogin/--sshloginfile need --launcher parallel") != std::string::npos);
}

TEST_CASE("sweep --launcher parallel: results.csv equal to --launcher local") {
  if (!fs::exists("/usr/bin/parallel")) {
    WARN("skipped: GNU parallel is not installed (scripts/setup.sh installs it)");
    return;
  }
  TempDir t("launch-parallel");
  write(t.file("s.yaml"), kSpec);
  const std::string local = t.file("local"), par = t.file("par");
  auto r = run_cli("sweep " + t.file("s.yaml") + " --out " + local + " -j 2 --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  // --sshlogin ':' is this host through GNU parallel's ssh-login machinery
  r = run_cli("sweep " + t.file("s.yaml") + " --out " + par +
              " --launcher parallel --sshlogin 2/: --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("4 points: 0 skipped (already done), 4 run: 4 ok, 0 failed") !=
        std::string::npos);
  CHECK(csv_without_timing(par + "/results.csv") == csv_without_timing(local + "/results.csv"));
  CHECK(read_text_file(par + "/results.md").size() > 0);
  // every task of GNU parallel's joblog exited 0 (one point per task by default)
  CHECK(count_lines_with(par + "/launch/tasks.txt", "") == 4);
  // the pruned models were made once each, under their flock (2 cache entries: rate paper, 8)
  CHECK(std::distance(fs::directory_iterator(par + "/cache"), fs::directory_iterator()) == 2 * 3);
  // a rerun has nothing to do
  r = run_cli("sweep " + t.file("s.yaml") + " --out " + par + " --launcher parallel --no-progress");
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("4 skipped (already done), 0 run") != std::string::npos);
}

TEST_CASE("sweep --launcher slurm: a job array on a real Slurm, equal to --launcher local") {
  LocalSlurm slurm;
  if (!slurm.ok) {
    WARN("skipped: " << slurm.why);
    return;
  }
  TempDir t("launch-slurm");
  write(t.file("s.yaml"), std::string(kSpec) + "slurm: {points_per_task: 3}\n");
  const std::string local = t.file("local"), sl = t.file("slurm");
  auto r = run_cli("sweep " + t.file("s.yaml") + " --out " + local + " -j 2 --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);

  // 1. submit and wait: 4 points in 2 array tasks (3 + 1)
  r = run_cli("sweep " + t.file("s.yaml") + " --out " + sl + " --launcher slurm --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("2 array task(s), 4 point(s)") != std::string::npos);
  CHECK(r.output.find("4 points: 0 skipped (already done), 4 run: 4 ok, 0 failed") !=
        std::string::npos);
  CHECK(csv_without_timing(sl + "/results.csv") == csv_without_timing(local + "/results.csv"));
  CHECK(fs::exists(sl + "/launch/slurm-job.json"));

  // 2. a rerun submits only the points without a result
  std::istringstream ids(read_text_file(local + "/results.csv"));
  std::string line;
  std::getline(ids, line);
  std::getline(ids, line);
  const std::string victim = csv_cells(line).at(0);
  fs::remove(sl + "/points/" + victim + ".json");
  r = run_cli("sweep --status --out " + sl);
  CHECK(r.exit_code == 3);
  CHECK(r.output.find("4 points: 3 ok, 0 failed, 1 without a result") != std::string::npos);
  r = run_cli("sweep " + t.file("s.yaml") + " --out " + sl + " --launcher slurm --no-progress");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("1 array task(s), 1 point(s)") != std::string::npos);
  CHECK(last_run_log(sl).find("submit slurm job") != std::string::npos);
  CHECK(read_text_file(sl + "/launch/tasks.txt") == victim + "\n");
  CHECK(csv_without_timing(sl + "/results.csv") == csv_without_timing(local + "/results.csv"));

  // 3. a job killed by the scheduler: its points have no result; the waiting sweep says so
  // (exit 1), --status counts them, and a rerun resubmits exactly those
  const std::string k = t.file("killed");
  write(t.file("h.yaml"), std::string(kSpec) + "slurm: {sbatch_options: [--hold]}\n");
  FILE* bg = ::popen((std::string(CSBRNN_CLI) + " sweep " + t.file("h.yaml") + " --out " + k +
                      " --launcher slurm --no-progress 2>&1")
                         .c_str(),
                     "r");
  REQUIRE(bg);
  std::string job;
  for (int i = 0; i < 600 && job.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (fs::exists(k + "/launch/slurm-job.json"))
      job = nlohmann::json::parse(read_text_file(k + "/launch/slurm-job.json")).value("job_id", "");
  }
  REQUIRE(!job.empty());
  sh("scancel " + job);
  std::string bg_out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, bg)) > 0) bg_out.append(buf, n);
  const int st = ::pclose(bg);
  INFO(bg_out);
  CHECK(WEXITSTATUS(st) == 1);
  CHECK(bg_out.find("4 point(s) left no result") != std::string::npos);
  r = run_cli("sweep --status --out " + k);
  CHECK(r.exit_code == 3);
  CHECK(r.output.find("0 ok, 0 failed, 4 without a result; Slurm job " + job + ": finished") !=
        std::string::npos);
  r = run_cli("sweep --report-only --out " + k);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("4 failed or missing points") != std::string::npos);

  // 4. --no-wait, a rerun refused while the job is queued, then --status / --report-only finish
  r = run_cli("sweep " + t.file("s.yaml") + " --out " + k + " --launcher slurm --no-wait");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("4 submitted as Slurm job") != std::string::npos);
  job = nlohmann::json::parse(read_text_file(k + "/launch/slurm-job.json")).value("job_id", "");
  const auto again = run_cli("sweep " + t.file("s.yaml") + " --out " + k + " --launcher slurm");
  bool refused =
      again.exit_code == 2 &&
      again.output.find("Slurm job " + job + " of an earlier run still has") != std::string::npos;
  // (unless the job already ended: then the rerun had nothing to do)
  if (!refused) CHECK(again.output.find("4 skipped (already done), 0 run") != std::string::npos);
  for (int i = 0; i < 1200; ++i) {
    r = run_cli("sweep --status --out " + k);
    if (r.exit_code != 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  INFO(r.output);
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("4 points: 4 ok, 0 failed, 0 without a result") != std::string::npos);
  r = run_cli("sweep --report-only --out " + k);
  CHECK(r.exit_code == 0);
  CHECK(csv_without_timing(k + "/results.csv") == csv_without_timing(local + "/results.csv"));
}

namespace {

/// pids of every descendant of `pid` (/proc/PID/task/*/children).
std::set<pid_t> descendants(pid_t pid) {
  std::set<pid_t> out;
  std::vector<pid_t> queue{pid};
  while (!queue.empty()) {
    const pid_t p = queue.back();
    queue.pop_back();
    std::error_code ec;
    for (const auto& t : fs::directory_iterator("/proc/" + std::to_string(p) + "/task", ec)) {
      std::ifstream f(t.path() / "children");
      pid_t c;
      while (f >> c)
        if (out.insert(c).second) queue.push_back(c);
    }
  }
  return out;
}

bool alive(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s;
  if (!std::getline(f, s)) return false;
  const auto close = s.rfind(')');
  return close != std::string::npos && close + 2 < s.size() && s[close + 2] != 'Z';
}

}  // namespace

TEST_CASE("sweep: point processes die with a SIGKILLed parent sweep") {
  TempDir t("orphans");
  // simulated points long enough to be caught running (each one some 20 s: 100000 timesteps)
  write(t.file("s.yaml"), R"(mode: simulate
timesteps: 100000
models: [sr4]
prune: {block: 32}
hw:
  grid:
    sharing.mode: [none, 2d]
)");
  const std::string out = t.file("out");
  // orphans are re-parented to this process (not to a PID 1 that may not reap them)
  REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  const pid_t sweep = ::fork();
  REQUIRE(sweep >= 0);
  if (sweep == 0) {
    const int fd = ::open("/dev/null", O_WRONLY);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    ::execl(CSBRNN_CLI, CSBRNN_CLI, "sweep", t.file("s.yaml").c_str(), "--out", out.c_str(), "-j",
            "2", "--no-progress", (char*)nullptr);
    ::_exit(127);
  }
  // wait until both points run their `csbrnn simulate` (sweep -> run-point -> simulate)
  std::set<pid_t> kids;
  for (int i = 0; i < 1200; ++i) {
    kids = descendants(sweep);
    if (kids.size() >= 4) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO("descendants: " << kids.size());
  REQUIRE(kids.size() >= 4);
  ::kill(sweep, SIGKILL);
  int st;
  ::waitpid(sweep, &st, 0);
  // every descendant ends within a few seconds (a point left running takes far longer)
  const auto t0 = std::chrono::steady_clock::now();
  std::set<pid_t> left = kids;
  while (!left.empty() && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5)) {
    while (::waitpid(-1, &st, WNOHANG) > 0) {
    }
    for (auto it = left.begin(); it != left.end();)
      it = alive(*it) ? std::next(it) : left.erase(it);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (pid_t p : left) ::kill(p, SIGKILL);
  while (::waitpid(-1, &st, WNOHANG) > 0) {
  }
  CHECK(left.empty());
  // and none wrote a result after its parent died
  CHECK(std::distance(fs::directory_iterator(out + "/points"), fs::directory_iterator()) == 0);
}
