// Faults: `csbrnn simulate` and `csbrnn prune` killed with SIGKILL at random points of their run
// (issue 14). Every output must then be complete and valid, or absent; only the writers'
// temporary siblings ("NAME.tmp.PID") may be left behind, and a rerun removes those.
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcntl.h>
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "common/file_util.h"
#include "io/npy.h"
#include "model/csb_file.h"
#include "support/test_util.h"

extern char** environ;

using namespace csbrnn;
namespace fs = std::filesystem;

namespace {

// Runs csbrnn with `args`, SIGKILLs it after `delay` seconds (unless it ended first); returns
// the wall time it ran and whether it was killed.
std::pair<double, bool> run_killed(const std::vector<std::string>& args, double delay) {
  std::vector<std::string> all = {CSBRNN_CLI};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  pid_t pid = 0;
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(posix_spawn(&pid, CSBRNN_CLI, &fa, nullptr, argv.data(), environ) == 0);
  posix_spawn_file_actions_destroy(&fa);
  int st = 0;
  bool killed = false;
  for (;;) {
    const pid_t w = ::waitpid(pid, &st, WNOHANG);
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (w == pid) return {t, killed};
    if (!killed && t >= delay) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

// The entries of `dir` other than the writers' temporary siblings.
std::vector<std::string> outputs_in(const fs::path& dir) {
  std::vector<std::string> v;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename();
    if (n.find(".tmp.") == std::string::npos) v.push_back(n);
  }
  std::sort(v.begin(), v.end());
  return v;
}

// The writers' temporary siblings in `dir`.
std::vector<std::string> temps_in(const fs::path& dir) {
  std::vector<std::string> v;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename();
    if (n.find(".tmp.") != std::string::npos) v.push_back(n);
  }
  std::sort(v.begin(), v.end());
  return v;
}

void check_report_dir(const fs::path& d) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(d)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  CHECK(names == std::vector<std::string>{"energy.svg", "hw.yaml", "stats.csv", "stats.json",
                                          "summary.txt", "utilization.svg"});
  CHECK(nlohmann::json::parse(read_text_file((d / "stats.json").string()))["cycles"]["total"] > 0);
  const std::string svg = read_text_file((d / "utilization.svg").string());
  CHECK(svg.size() > 6);
  CHECK(svg.find("</svg>") != std::string::npos);
  CHECK(read_text_file((d / "summary.txt").string()).find("cycles") != std::string::npos);
}

}  // namespace

TEST_CASE("SIGKILL at random points: simulate's and prune's outputs are complete or absent",
          "[cli][faults]") {
  test::TempDir t("kill");
  // The children's TMPDIR (WriteRelay's private directories) is ours to inspect.
  const fs::path tmpdir = t.path / "tmpdir";
  fs::create_directories(tmpdir);
  ::setenv("TMPDIR", tmpdir.c_str(), 1);
  REQUIRE(test::run_cli("genmodel sr4 -o " + t.file("w.npz")).exit_code == 0);
  std::mt19937 rng(14);
  const int kRuns = 12;  // per command
  struct Cmd {
    std::string name;
    std::function<std::vector<std::string>(const fs::path&)> args;
    std::function<void(const fs::path&, const std::vector<std::string>&)> check;
  };
  const std::vector<Cmd> cmds = {
      {"simulate",
       [&](const fs::path& d) {
         return std::vector<std::string>{"simulate",
                                         "bench:sr4",
                                         "--steps",
                                         "20",
                                         "-q",
                                         "--out",
                                         (d / "so").string(),
                                         "--output",
                                         (d / "y.npy").string(),
                                         "--vcd",
                                         (d / "w.vcd").string()};
       },
       [](const fs::path& d, const std::vector<std::string>& out) {
         for (const auto& n : out) {
           INFO(n);
           if (n == "so") {
             check_report_dir(d / n);
           } else if (n == "y.npy") {
             const Tensor y = load_npy((d / n).string());
             CHECK(y.shape == std::vector<int64_t>{20, 256});
           } else if (n == "w.vcd") {
             const std::string v = read_text_file((d / n).string());
             CHECK(v.find("$enddefinitions") != std::string::npos);
             CHECK(v.back() == '\n');
           } else {
             FAIL("unexpected output " << n);
           }
         }
       }},
      {"prune",
       [&](const fs::path& d) {
         return std::vector<std::string>{"prune",
                                         t.file("w.npz"),
                                         "--method",
                                         "csb",
                                         "--rate",
                                         "8",
                                         "-q",
                                         "-o",
                                         (d / "m.csb").string(),
                                         "--report",
                                         (d / "r.json").string(),
                                         "--export-dense",
                                         (d / "d.npz").string()};
       },
       [](const fs::path& d, const std::vector<std::string>& out) {
         for (const auto& n : out) {
           INFO(n);
           if (n == "m.csb") {
             CHECK(load_csb_model((d / n).string()).hidden_size == 256);
           } else if (n == "r.json") {
             CHECK(!nlohmann::json::parse(read_text_file((d / n).string())).empty());
           } else if (n == "d.npz") {
             CHECK(load_npz((d / n).string()).count("weight_hh_l0") == 1);
           } else {
             FAIL("unexpected output " << n);
           }
         }
       }},
  };
  for (const Cmd& c : cmds) {
    INFO(c.name);
    // an uninterrupted run: its length spans the kill points, and it writes every output
    const fs::path full = t.path / (c.name + "-full");
    fs::create_directories(full);
    double len = run_killed(c.args(full), 600).first;  // the first run warms the caches
    len = std::min(len, run_killed(c.args(full), 600).first);
    const std::vector<std::string> all = outputs_in(full);
    CHECK(all.size() == 3);
    c.check(full, all);
    int killed = 0, partial = 0;
    for (int i = 0; i < kRuns; ++i) {
      const fs::path d = t.path / (c.name + std::to_string(i));
      fs::create_directories(d);
      // half the kill points anywhere in the run, half in its last third (where it writes)
      const double from = i % 2 ? 0.67 * len : 0.0;
      const double at = std::uniform_real_distribution<double>(from, len)(rng);
      INFO("killed after " << at << " s of a " << len << " s run");
      killed += run_killed(c.args(d), at).second;
      const std::vector<std::string> out = outputs_in(d);
      partial += !out.empty() && out.size() < all.size();
      c.check(d, out);
    }
    WARN(c.name << ": " << killed << " of " << kRuns << " runs killed, " << partial
                << " with some outputs written");
    CHECK(killed >= kRuns / 3);
    // A rerun into the same folder removes the killed runs' temporaries: those left by the kills
    // above and, so that there is always one, a planted "NAME.tmp.PID" of a dead process for
    // every output; a live process's (this test's) is left alone.
    int left = 0;
    const long dead = test::dead_pid();
    for (int i = 0; i < kRuns; ++i) {
      const fs::path d = t.path / (c.name + std::to_string(i));
      left += int(temps_in(d).size());
      for (const auto& n : all) {
        fs::create_directories(d / (n + ".tmp." + std::to_string(dead)));
        std::ofstream(d / (n + ".tmp." + std::to_string(dead) + ".old")) << "x";
      }
      const std::string mine = all[0] + ".tmp." + std::to_string(long(::getpid()));
      std::ofstream(d / mine) << "x";
      const auto rerun = run_killed(c.args(d), 600);
      CHECK_FALSE(rerun.second);
      c.check(d, outputs_in(d));
      CHECK(outputs_in(d) == all);
      CHECK(temps_in(d) == std::vector<std::string>{mine});
    }
    WARN(c.name << ": the kills left " << left << " temporaries, all removed by the reruns");
  }
  // simulate --vcd's relay pipe lives in a private directory of TMPDIR, named by pid: the kills
  // left some, the reruns removed those of dead processes.
  for (const auto& e : fs::directory_iterator(tmpdir)) {
    INFO(e.path());
    CHECK(e.path().filename().string().rfind("csbrnn-relay-", 0) != 0);
  }
}
