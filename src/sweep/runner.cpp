#include "sweep/runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "compile/compiler.h"
#include "config/config_loader.h"
#include "energy/counts.h"
#include "energy/model.h"
#include "energy/table.h"
#include "io/npy.h"
#include "io/weights.h"
#include "model/csb_file.h"
#include "prune/permute.h"
#include "prune/prune.h"
#include "stats/stats.h"
#include "sweep/launch.h"
#include "sweep/manifest.h"
#include "sweep/process.h"
#include "timing/analytic.h"
#include "workload/model_spec.h"

namespace csbrnn::sweep {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// The running binary. Spawning "/proc/self/exe" itself (not the path it points to) runs the very
/// same executable image even when the file is rebuilt or deleted during a long sweep.
std::string self_exe() {
  if (!fs::exists("/proc/self/exe"))
    fail("csbrnn sweep: /proc/self/exe is not available (needs Linux procfs)");
  return "/proc/self/exe";
}

std::string path_in(const std::string& dir, const std::string& rel) {
  return (fs::path(dir) / rel).string();
}

std::string now_text() {
  const std::time_t t = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", std::localtime(&t));
  return buf;
}

nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(read_text_file(path));
}

void write_failed(const std::string& dir, const Point& p, const std::string& error, double secs) {
  const nlohmann::json j = {{"id", p.id},
                            {"status", "failed"},
                            {"error", error},
                            {"point", point_to_json(p)},
                            {"wall_seconds", secs}};
  write_file_atomic(path_in(dir, "points/" + p.id + ".json"), j.dump(2) + "\n");
}

/// Records how a point process ended: ok when it exited 0 and wrote an ok result, else
/// points/ID.json "failed" with the error line of its log. Returns "" when ok, else the error.
std::string record_exit(const std::string& dir, const Point& p, int code, double secs) {
  if (code == 0 && point_status(dir, p.id) == "ok") return "";
  const std::string log = path_in(dir, "logs/" + p.id + ".log");
  const std::string err = code == 0 ? "point process wrote no result" : error_line(log, code);
  write_failed(dir, p, err, secs);
  return err;
}

/// The pruned CSB model of a point (bench spec or weights file), as csbrnn fig12 builds it (a
/// matrix smaller than the block is one partial edge block).
CsbModel build_model(const Point& p, nlohmann::json& info) {
  RnnModel dense;
  std::string note;
  if (p.model_kind == "bench") {
    const ModelSpec spec = load_model_spec(p.model_path);
    dense = generate_model(spec, p.seed);
    note = spec.name + " (synthetic weights, " + p.method + " pruned)";
    info["synthetic"] = true;
    info["notice"] = kSyntheticNotice;
  } else {
    dense = load_weights(p.model_path);
    note = p.model_path + " (" + p.method + " pruned)";
  }
  ModelPruneOptions popt;
  popt.base.method = parse_method(p.method);
  popt.base.rate = p.rate;
  popt.base.block = p.block;
  popt.base.tile = p.tile;
  if (p.permute == "balance") {  // as csbrnn prune --permute balance: the permuted model is pruned
    dense = permute_model(dense, balance_permutation(dense, popt).perm);
    note += ", permute balance";
  }
  const ModelPrune mp = prune_model(dense, popt);
  CsbModel m = pruned_to_csb_model(mp, note + cat(", rate ", p.rate, ", block ", p.block.bh, "x",
                                                  p.block.bw, ", seed ", p.seed));
  size_t kept = 0, total = 0;
  for (auto& l : m.layers)
    for (auto* c : {&l.w_ih, &l.w_hh, &l.w_hr}) {
      if (c->rows == 0) continue;
      kept += c->nnz();
      total += size_t(c->rows) * c->cols;
    }
  info["weights_kept"] = kept;
  info["weights_dense"] = total;
  info["achieved_rate"] = kept ? double(total) / double(kept) : 0.0;
  return m;
}

std::string cache_csb(const std::string& dir, const std::string& key) {
  return path_in(dir, "cache/" + key + ".csb");
}

/// The point process's arguments: its id and, so that it finds its manifest line without a
/// scan, its index.
std::vector<std::string> point_args(const std::string& dir, const Point& p) {
  return {"sweep", "--run-point", p.id, "--index", std::to_string(p.index), "--out", dir};
}

// points/ID.json "analytic": keys of the compile report's timing section (timing_json, docs/
// timing.md "Compile report") and the sweep's sums over MVMs.
nlohmann::json analytic_json(const timing::TimingReport& r, const HwConfig& hw) {
  const nlohmann::json t = timing::timing_json(r);
  nlohmann::json a = nlohmann::json::object();
  for (const char* k :
       {"cycles_per_step", "latency_us", "frames_per_s", "engine_cycles", "pe_utilization",
        "pe_utilization_step", "group_occupancy", "imbalance", "tiles", "useful_macs"})
    a[k] = t.at(k);
  int64_t issue = 0, drain = 0, stall = 0;
  for (const auto& m : r.mvms)
    issue += m.issue_cycles, drain += m.drain_cycles, stall += m.input_stall;
  const int64_t pes = hw.engine.pes();
  a["issue_cycles"] = issue;
  a["drain_cycles"] = drain;
  a["input_stall_cycles"] = stall;
  a["outside_engine_cycles"] = r.cycles_per_step - r.engine_cycles;
  a["ideal_cycles"] = int64_t((r.useful_macs + uint64_t(pes) - 1) / uint64_t(pes));
  return a;
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& sim_point_keys() {
  static const std::vector<std::pair<std::string, std::string>> k = {
      {"cycles_total", "cycles.total"},
      {"cycles_per_step", "cycles.per_step_mean"},
      {"latency_us", "latency_us_per_step"},
      {"frames_per_s", "frames_per_s"},
      {"pe_utilization", "pe_utilization"},
      {"group_occupancy", "group_occupancy"},
      {"imbalance", "imbalance"},
      {"stalls", "stalls"},
      {"analytic_cycles_total", "comparison.analytic"},
      {"difference_cycles", "comparison.difference"},
      {"causes", "comparison.causes"},
      {"check", "check"},
      {"energy_per_step_nj", "energy.per_step_nj"},
      {"power_mw", "energy.power_mw"},
      {"frames_per_joule", "energy.frames_per_joule"},
      {"wall_seconds", "wall_seconds"}};
  return k;
}

namespace {

class Progress {
 public:
  Progress(bool on, int total, int skipped)
      : on_(on), tty_(isatty(2)), total_(total), skipped_(skipped), t0_(Clock::now()) {}
  void update(int done, int failed, int running, const std::string& phase) {
    if (!on_) return;
    const std::string s =
        cat("[sweep] ", phase, " ", done + skipped_, "/", total_, " done (", skipped_, " resumed, ",
            failed, " failed), ", running, " running, ", int(since(t0_)), " s");
    if (tty_)
      std::fprintf(stderr, "\r%-100s", s.c_str());
    else
      std::fprintf(stderr, "%s\n", s.c_str());
    std::fflush(stderr);
  }
  void finish() {
    if (on_ && tty_) std::fprintf(stderr, "\n");
  }

 private:
  bool on_, tty_;
  int total_, skipped_;
  Clock::time_point t0_;
};

}  // namespace

std::string point_status(const std::string& dir, const std::string& id) {
  const std::string f = path_in(dir, "points/" + id + ".json");
  if (!fs::exists(f)) return "";
  try {
    const auto j = read_json(f);
    if (j.value("id", "") != id) return "";
    return j.value("status", "");
  } catch (const std::exception&) {
    return "";
  }
}

void prepare_cache_entry(const std::string& dir, const std::string& key) {
  Manifest man(dir);
  const int64_t first = man.expansion().first_with_cache_key(key);
  if (first >= 0) {
    const Point p = man.expansion().prune_point(first);
    const auto t0 = Clock::now();
    nlohmann::json info = {{"model", p.model},
                           {"path", p.model_path},
                           {"method", p.method},
                           {"rate", p.rate},
                           {"block", {p.block.bh, p.block.bw}},
                           {"seed", p.seed}};
    if (p.method == "csb-tile") info["tile"] = {p.tile.bh, p.tile.bw};
    if (p.permute != "none") info["permute"] = p.permute;
    const CsbModel m = build_model(p, info);
    info["seconds"] = since(t0);
    save_csb_model(cache_csb(dir, key), m);
    write_file_atomic(path_in(dir, "cache/" + key + ".json"), info.dump(2) + "\n");
    std::printf("cache %s: %s %s rate %g block %dx%d: %s kept, %.2f s\n", key.c_str(),
                p.model.c_str(), p.method.c_str(), p.rate, p.block.bh, p.block.bw,
                info["weights_kept"].dump().c_str(), since(t0));
    return;
  }
  fail(path_in(dir, "manifest.jsonl"), ": no point uses cache key ", key);
}

void run_point(const std::string& dir, const std::string& id, int64_t index,
               const std::string& exe_in) {
  const auto t0 = Clock::now();
  Manifest man(dir);
  if (index < 0 || index >= man.size() || man.id_at(index) != id) index = man.find(id);
  if (index < 0) fail(man.path(), ": no point with id ", id);
  const Point p = man.point(index);

  const std::string model_file = p.model_kind == "csb" ? p.model_path : cache_csb(dir, p.cache_key);
  if (!fs::exists(model_file)) fail(model_file, ": pruned model missing (cache not prepared)");
  const CsbModel m = load_csb_model(model_file);
  const HwConfig hw = parse_hw_config(p.hw_yaml, "manifest point " + id);
  nlohmann::json j = {{"id", id}, {"status", "ok"}, {"point", point_to_json(p)}};
  if (p.model_kind != "csb") {
    const std::string info = path_in(dir, "cache/" + p.cache_key + ".json");
    if (fs::exists(info)) j["model"] = read_json(info);
  }
  CompileStats st;
  CompileOptions co;
  co.origin = model_file;
  const Program prog = compile_program(m, hw, co, &st);
  const timing::TimingReport r = timing::analyze(prog);
  uint64_t max_bytes = 0;
  for (const auto& b : st.buffers) max_bytes = std::max(max_bytes, b.max_group_bytes);
  // Residency of the whole program (compile/compiler.h place_weights, the simulator's rule).
  const uint64_t capacity = uint64_t(hw.buffers.weight_buffer_kib) * 1024;
  j["compile"] = {{"seconds", st.seconds},
                  {"model_max_group_bytes", st.model_max_group_bytes},
                  {"model_overflow", st.weight_buffer_overflow},
                  {"iterations", st.iterations},
                  {"proven_optimal", st.proven_optimal},
                  {"decision_units", st.decision_units},
                  {"proven_units", st.proven_units},
                  {"unproven", {{"count", st.unproven}, {"gap_tiles", st.gap_tiles}}},
                  {"max_group_bytes", max_bytes},
                  {"capacity_bytes", capacity}};
  j["analytic"] = analytic_json(r, hw);
  {  // the analytic energy estimate of one timestep (docs/energy.md)
    const energy::EnergyReport e = energy::evaluate(energy::program_counts(prog, hw, 1), hw,
                                                    energy::load_table(hw.energy.table),
                                                    r.cycles_per_step, 1, prog.bias.size());
    j["analytic"]["energy_per_step_nj"] = e.per_step_nj;
    j["analytic"]["power_mw"] = e.power_mw;
    j["analytic"]["frames_per_joule"] = e.frames_per_joule;
  }

  if (p.mode == Mode::Simulate) {
    const std::string run = path_in(dir, "runs/" + id);
    make_directories(run);
    // deterministic random input, uniform in [-1, 1)
    Tensor x;
    x.shape = {p.timesteps, m.input_size};
    std::mt19937 rng(uint32_t(p.seed));
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    for (int64_t i = 0; i < int64_t(p.timesteps) * m.input_size; ++i) x.data.push_back(u(rng));
    const std::string xin = path_in(run, "input.npy"), hwf = path_in(run, "point.hw.yaml");
    save_npy(xin, x);
    write_file_atomic(hwf, p.hw_yaml);
    const std::string exe = exe_in.empty() ? self_exe() : exe_in;
    std::vector<std::string> args = {"simulate", model_file, "--input", xin,      "--hw",
                                     hwf,        "--out",    run,       "--quiet"};
    if (!p.check) args.push_back("--no-check");
    const std::string log = path_in(run, "simulate.log");
    const int code = wait_exit(spawn(exe, args, log));
    if (code != 0) fail("csbrnn simulate (", log, "): ", error_line(log, code));
    const nlohmann::json s = read_json(path_in(run, "stats.json"));
    nlohmann::json& js = j["sim"];
    for (const auto& [key, path] : sim_point_keys()) js[key] = s.at(stats::pointer(path));
    js["report_dir"] = run;
  }
  j["wall_seconds"] = since(t0);
  write_file_atomic(path_in(dir, "points/" + id + ".json"), j.dump(2) + "\n");
  std::printf("point %s: %lld cycles/step, %.3f us\n", id.c_str(), (long long)r.cycles_per_step,
              r.latency_us);
}

namespace {

/// Makes cache/KEY.csb if it is missing, under an exclusive flock of cache/KEY.lock (tasks on
/// several hosts of a shared file system prune each entry once; the others wait and reuse it).
/// Returns "" or the error, worded as the local launcher's.
std::string ensure_cache(const std::string& dir, const std::string& key, const std::string& exe) {
  if (fs::exists(cache_csb(dir, key))) return "";
  make_directories(path_in(dir, "cache"));
  const std::string lockf = path_in(dir, "cache/" + key + ".lock");
  const int fd = ::open(lockf.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) fail(lockf, ": cannot open: ", std::strerror(errno));
  while (::flock(fd, LOCK_EX) != 0)
    if (errno != EINTR) {
      const int e = errno;
      ::close(fd);
      fail(lockf, ": cannot lock: ", std::strerror(e));
    }
  std::string err;
  if (!fs::exists(cache_csb(dir, key))) {
    const std::string log = path_in(dir, "logs/cache-" + key + ".log");
    std::printf("prepare %s\n", key.c_str());
    std::fflush(stdout);
    const int code = wait_exit(spawn(exe, {"sweep", "--prepare", key, "--out", dir}, log));
    if (code != 0 || !fs::exists(cache_csb(dir, key)))
      err = "pruning failed: " + error_line(log, code);
  }
  ::close(fd);  // releases the lock
  return err;
}

}  // namespace

int run_points(const std::string& dir, const std::string& ids, const std::string& exe_in) {
  const std::string exe = exe_in.empty() ? self_exe() : exe_in;
  Manifest man(dir);
  std::vector<std::string> want;
  for (const std::string& raw : split(ids, ','))
    if (!trim(raw).empty()) want.push_back(trim(raw));
  std::map<std::string, int64_t> index_of;  // this task's points only (one pass over the ids)
  for (const auto& id : want) index_of.emplace(id, -1);
  man.for_each([&](int64_t i, const std::string& id) {
    const auto it = index_of.find(id);
    if (it != index_of.end() && it->second < 0) it->second = i;
  });
  std::map<std::string, std::string> cache_error;
  int failed = 0;
  for (const std::string& id : want) {
    const int64_t index = index_of.at(id);
    if (index < 0) fail(man.path(), ": no point with id ", id);
    if (point_status(dir, id) == "ok") {
      std::printf("skip %s\n", id.c_str());
      continue;
    }
    const Point p = man.point(index);
    std::string err;
    if (!p.cache_key.empty()) {
      auto ce = cache_error.find(p.cache_key);
      if (ce == cache_error.end())
        ce = cache_error.emplace(p.cache_key, ensure_cache(dir, p.cache_key, exe)).first;
      err = ce->second;
      if (!err.empty()) write_failed(dir, p, err, 0);
    }
    const auto t0 = Clock::now();
    if (err.empty()) {
      const int code =
          wait_exit(spawn(exe, point_args(dir, p), path_in(dir, "logs/" + id + ".log")));
      err = record_exit(dir, p, code, since(t0));
    }
    if (err.empty()) {
      std::printf("ok %s %g s\n", id.c_str(), since(t0));
    } else {
      ++failed;
      std::printf("failed %s: %s\n", id.c_str(), err.c_str());
    }
    std::fflush(stdout);
  }
  return failed;
}

namespace {

/// The ids of the result files in DIR/points (whatever their status), sorted.
std::vector<uint64_t> result_files(const std::string& dir) {
  std::vector<uint64_t> ids;
  std::error_code ec;
  for (fs::directory_iterator it(path_in(dir, "points"), ec), end; !ec && it != end;
       it.increment(ec)) {
    const std::string f = it->path().filename().string();
    uint64_t id = 0;
    if (f.size() == 21 && f.compare(16, 5, ".json") == 0 && parse_id(f.substr(0, 16), id))
      ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

constexpr int64_t kDryRunListed = 1000;  // --dry-run lists this many points, then counts the rest

}  // namespace

RunSummary run_sweep(const SweepSpec& spec, const RunOptions& opt) {
  const std::string dir = opt.out_dir;
  Expansion ex(spec);  // counts and refuses an oversized spec before anything is written
  if (fs::exists(dir) && !fs::is_directory(dir)) fail(dir, ": --out exists and is not a directory");
  make_directories(path_in(dir, "points"));
  // one sweep per directory at a time (the lock goes with the process)
  const int lock = ::open(path_in(dir, ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  struct Fd {
    int fd;
    ~Fd() {
      if (fd >= 0) ::close(fd);
    }
  } lock_guard{lock};
  if (lock < 0 || ::flock(lock, LOCK_EX | LOCK_NB) != 0)
    fail(dir, ": another csbrnn sweep is running in this directory");
  // a Slurm job of an earlier --no-wait run still reads this manifest
  check_no_active_job(dir);

  // One pass: each point is regenerated, its id written to the manifest and checked against the
  // result files already there; only its index is kept when it is pending (8 bytes a point).
  const std::vector<uint64_t> have = result_files(dir);
  RunSummary sum;
  sum.points = int(ex.size());
  std::vector<PointRef> pending;
  std::vector<bool> done(opt.dry_run ? 0 : size_t(ex.size()), false);
  std::string listing;
  {
    ManifestWriter mw(dir, ex);
    DuplicateCheck dups(ex.size());
    for (int64_t i = 0; i < ex.size(); ++i) {
      const Point p = ex.point(i);
      mw.add(i, p.id);
      dups.add(p.id);
      uint64_t id = 0;
      parse_id(p.id, id);
      const bool ok =
          std::binary_search(have.begin(), have.end(), id) && point_status(dir, p.id) == "ok";
      if (!opt.dry_run) done[size_t(i)] = ok;
      if (ok)
        sum.skipped++;
      else if (!opt.dry_run)
        pending.push_back(PointRef{i, id});
      if (opt.dry_run && i < kDryRunListed) {
        std::string hw;
        for (const auto& kv : p.hw) hw += " " + kv.first + "=" + kv.second;
        char buf[512];
        std::snprintf(buf, sizeof buf, "  %s %-4s %-14s %-10s %-10s rate %-6g block %dx%d",
                      p.id.c_str(), ok ? "done" : "pending", p.model.c_str(), mode_name(p.mode),
                      p.method.c_str(), p.rate, p.block.bh, p.block.bw);
        listing += buf + (p.variant.empty() ? "" : " variant=" + p.variant) + hw + "\n";
      }
    }
    dups.finish(ex);
    mw.commit();
  }
  if (fs::is_regular_file(spec.origin))
    write_file_atomic(path_in(dir, "spec.yaml"), read_text_file(spec.origin));

  if (opt.dry_run) {
    std::printf("%d points (%d already done, %d to run); manifest: %s\n", sum.points, sum.skipped,
                sum.points - sum.skipped, path_in(dir, "manifest.jsonl").c_str());
    std::fputs(listing.c_str(), stdout);
    if (ex.size() > kDryRunListed)
      std::printf("  ... %lld more points (manifest.jsonl)\n",
                  (long long)(ex.size() - kDryRunListed));
    return sum;
  }

  if (spec.launcher != Launcher::Local) return launch_remote(spec, opt, pending, sum);

  int jobs = opt.jobs > 0 ? opt.jobs : spec.jobs;
  if (jobs <= 0) jobs = int(std::max(1u, std::thread::hardware_concurrency()));
  jobs = std::min(jobs, kMaxChildren);
  const std::string exe = opt.exe.empty() ? self_exe() : opt.exe;
  std::ofstream slog(path_in(dir, "sweep.log"), std::ios::app);
  slog << "start " << now_text() << " points=" << sum.points << " skip=" << sum.skipped
       << " pending=" << pending.size() << " jobs=" << jobs << "\n";
  if (sum.skipped) {
    Manifest man(dir);
    man.for_each([&](int64_t i, const std::string& id) {
      if (done[size_t(i)]) slog << "skip " << id << "\n";
    });
  }
  std::vector<bool>().swap(done);
  slog.flush();

  Progress prog(opt.progress, sum.points, sum.skipped);
  // Phase 1: the pruned-model cache, one process per missing entry.
  std::map<std::string, std::string> cache_error;  // key -> error
  {
    std::vector<std::string> keys;
    std::set<std::string> seen;
    for (const PointRef& r : pending) {
      const std::string k = ex.prune_point(r.index).cache_key;
      if (!k.empty() && seen.insert(k).second && !fs::exists(cache_csb(dir, k))) keys.push_back(k);
    }
    std::map<pid_t, std::string> running;
    size_t next = 0;
    int done_keys = 0;
    while (next < keys.size() || !running.empty()) {
      while (next < keys.size() && int(running.size()) < jobs) {
        const std::string& k = keys[next++];
        slog << "prepare " << k << "\n";
        running[spawn(exe, {"sweep", "--prepare", k, "--out", dir},
                      path_in(dir, "logs/cache-" + k + ".log"))] = k;
      }
      prog.update(0, 0, int(running.size()), cat("pruning ", done_keys, "/", keys.size(), ";"));
      int code = 0;
      const pid_t pid = reap_child(code);
      if (pid < 0) break;
      auto it = running.find(pid);
      if (it == running.end()) continue;
      if (code != 0 || !fs::exists(cache_csb(dir, it->second))) {
        cache_error[it->second] =
            "pruning failed: " +
            error_line(path_in(dir, "logs/cache-" + it->second + ".log"), code);
        slog << "failed cache " << it->second << ": " << cache_error[it->second] << "\n";
      }
      slog.flush();
      done_keys++;
      running.erase(it);
    }
  }

  // Phase 2: the points (each regenerated when it starts; the running ones are held).
  {
    std::map<pid_t, std::pair<Point, Clock::time_point>> running;
    size_t next = 0;
    int finished = 0;
    auto record = [&](const Point& p, int code, double secs) {
      const std::string err = record_exit(dir, p, code, secs);
      if (err.empty()) {
        sum.ok++;
        slog << "ok " << p.id << " " << secs << " s\n";
      } else {
        sum.failed++;
        slog << "failed " << p.id << ": " << err << "\n";
      }
      slog.flush();
    };
    while (next < pending.size() || !running.empty()) {
      while (next < pending.size() && int(running.size()) < jobs) {
        Point p = ex.point(pending[next++].index);
        sum.ran++;
        slog << "run " << p.id << "\n";
        auto ce = cache_error.find(p.cache_key);
        if (ce != cache_error.end()) {
          write_failed(dir, p, ce->second, 0);
          sum.failed++;
          slog << "failed " << p.id << ": " << ce->second << "\n";
          finished++;
          continue;
        }
        const pid_t pid = spawn(exe, point_args(dir, p), path_in(dir, "logs/" + p.id + ".log"));
        running.emplace(pid, std::make_pair(std::move(p), Clock::now()));
      }
      prog.update(finished, sum.failed, int(running.size()), "points");
      if (running.empty()) continue;
      int code = 0;
      const pid_t pid = reap_child(code);
      if (pid < 0) break;
      auto it = running.find(pid);
      if (it == running.end()) continue;
      record(it->second.first, code, since(it->second.second));
      finished++;
      running.erase(it);
    }
    prog.update(finished, sum.failed, 0, "points");
  }
  prog.finish();
  slog << "end " << now_text() << " ran=" << sum.ran << " ok=" << sum.ok << " failed=" << sum.failed
       << "\n";
  return sum;
}

}  // namespace csbrnn::sweep
