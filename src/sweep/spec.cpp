#include "sweep/spec.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>
#include <set>

#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "config/config_loader.h"
#include "config/hw_keys.h"
#include "config/strict_yaml.h"
#include "sweep/search.h"
#include "workload/model_spec.h"

namespace csbrnn::sweep {
namespace fs = std::filesystem;

const char* search_name(Search s) {
  return s == Search::Random ? "random" : s == Search::LatinHypercube ? "latin-hypercube" : "grid";
}

const char* launcher_name(Launcher l) {
  return l == Launcher::Slurm ? "slurm" : l == Launcher::Parallel ? "parallel" : "local";
}

Launcher parse_launcher(const std::string& s, const std::string& what) {
  if (s == "local") return Launcher::Local;
  if (s == "slurm") return Launcher::Slurm;
  if (s == "parallel") return Launcher::Parallel;
  fail(what, ": unknown launcher '", s, "' (local, slurm or parallel)");
}

const char* mode_name(Mode m) {
  return m == Mode::Simulate ? "simulate" : "analytic";
}

namespace {
constexpr uint64_t kFnvBasis = 0xcbf29ce484222325ull;  // FNV-1a 64 offset basis
constexpr uint64_t kFnvPrime = 0x100000001b3ull;       // FNV 64 prime

uint64_t fnv_continue(uint64_t h, const char* p, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    h ^= static_cast<unsigned char>(p[i]);
    h *= kFnvPrime;
  }
  return h;
}
}  // namespace

uint64_t fnv1a64(const std::string& s) {
  return fnv_continue(kFnvBasis, s.data(), s.size());
}

std::string id_hex(uint64_t id) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)id);
  return buf;
}

bool parse_id(const std::string& hex, uint64_t& id) {
  if (hex.size() != 16) return false;
  id = 0;
  for (char c : hex) {
    const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    id = id << 4 | uint64_t(d);
  }
  return true;
}

std::string fnv1a64_hex(const std::string& s) {
  return id_hex(fnv1a64(s));
}

uint64_t PrefixHasher::hash(const std::string& text) {
  constexpr size_t kStep = 64;
  size_t same = 0;
  const size_t n = std::min(prev_.size(), text.size());
  while (same < n && prev_[same] == text[same]) ++same;
  size_t k = same / kStep;  // states_[k] covers the first k * kStep bytes, all equal
  if (states_.empty()) states_.push_back(kFnvBasis), k = 0;
  k = std::min(k, states_.size() - 1);
  states_.resize(k + 1);
  uint64_t h = states_[k];
  size_t pos = k * kStep;
  while (pos + kStep <= text.size()) {
    h = fnv_continue(h, text.data() + pos, kStep);
    pos += kStep;
    states_.push_back(h);
  }
  h = fnv_continue(h, text.data() + pos, text.size() - pos);
  prev_ = text;
  return h;
}

namespace {

const std::vector<std::string> kTopKeys = {
    "name", "mode",     "models", "seed",     "prune",  "timesteps",     "jobs",        "check",
    "hw",   "launcher", "slurm",  "parallel", "search", "search_points", "search_seed", "pareto"};
const std::vector<std::string> kSlurmKeys = {"partition", "time",           "mem",
                                             "account",   "sbatch_options", "points_per_task"};
const std::vector<std::string> kParallelKeys = {"sshlogin", "sshloginfile", "points_per_task"};
const std::vector<std::string> kPruneKeys = {"method", "rate", "block", "tile", "permute"};
const std::vector<std::string> kHwKeys = {"base", "set", "variants", "grid"};
const std::vector<std::string> kModelKeys = {
    "model", "rate", "mode", "set", "paper_latency_us", "paper_source"};

using yaml::Value;

double to_rate(const Value& v) {
  const std::string s = trim(v.scalar());
  if (s == "paper") return 0.0;
  double r = 0;
  if (!yaml::read_number(s, r)) v.wrong_type("a compression rate (a number > 1) or 'paper'");
  return parse_rate(s, v.where() + ": " + v.key());
}

Mode to_mode(const Value& v) {
  return v.as_enum({"analytic", "simulate"}) == 1 ? Mode::Simulate : Mode::Analytic;
}

/// Resolves a relative path against the spec directory (then the working directory).
std::string resolve_path(const std::string& p, const std::string& dir) {
  const fs::path path(p);
  if (path.is_absolute()) return p;
  const fs::path rel = fs::path(dir) / path;
  if (!dir.empty() && fs::exists(rel)) return rel.lexically_normal().string();
  if (fs::exists(path)) return path.lexically_normal().string();
  return (dir.empty() ? path : rel).lexically_normal().string();
}

std::string file_fingerprint(const std::string& path) {
  if (fs::is_directory(path)) {
    // a folder of .npy files: names and contents, in name order
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(path))
      if (e.is_regular_file()) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    uint32_t crc = 0;
    uint64_t size = 0;
    for (const auto& n : names) {
      const auto bytes = read_file((fs::path(path) / n).string());
      crc = crc32_of(n.data(), n.size(), crc);
      crc = crc32_of(bytes.data(), bytes.size(), crc);
      size += bytes.size();
    }
    return cat("dir-crc", crc, "-", size);
  }
  const auto bytes = read_file(path);
  return cat("crc", crc32_of(bytes.data(), bytes.size()), "-", bytes.size());
}

/// Validates one hw override against the base config; returns the canonical key path.
std::string check_hw_set(const Value& at, const std::string& key, const std::string& value,
                         const std::string& base) {
  const HwKey& k = resolve_hw_key(key, at.where());
  try {
    load_hw_config(base, {k.path + "=" + value});
  } catch (const Error& e) {
    std::string msg = e.what();
    const std::string pre = "--set " + k.path + "=" + value + ": ";
    if (msg.rfind(pre, 0) == 0) msg = msg.substr(pre.size());
    fail(at.where(), ": ", k.path, ": value '", value, "': ", msg);
  }
  return k.path;
}

/// A mapping of hw keys (any spelling resolve_hw_key accepts) to values, minus `skip`.
HwSets parse_hw_map(const Value& n, const std::string& base,
                    const std::vector<std::string>& skip = {}) {
  HwSets out;
  const yaml::Map m = n.map(yaml::Keys::any(), "a mapping of hw keys");
  for (const auto& [key, v] : m.entries()) {
    if (std::find(skip.begin(), skip.end(), key) != skip.end()) continue;
    const std::string path = check_hw_set(v, key, v.scalar(), base);
    for (const auto& kv : out)
      if (kv.first == path) v.renamed(n.key()).fail("key '" + path + "' given twice");
    out.emplace_back(path, v.scalar());
  }
  return out;
}

ModelEntry parse_model(const Value& n, const SweepSpec& s) {
  ModelEntry m;
  m.where = n.where();
  Value name_node = n;
  if (n.is_map()) {
    const yaml::Map e = n.map(kModelKeys);
    if (!e.has("model")) n.fail("an entry given as a mapping needs 'model: NAME'");
    name_node = e.required("model");
    if (const auto r = e.get("rate"))
      for (const auto& x : r->items()) m.rates.push_back(to_rate(x));
    if (const auto md = e.get("mode")) {
      m.has_mode = true;
      m.mode = to_mode(*md);
    }
    if (const auto st = e.get("set")) m.set = parse_hw_map(*st, s.hw_base);
    if (const auto p = e.get("paper_latency_us")) {
      m.paper_latency_us = p->as_double();
      if (!(m.paper_latency_us > 0)) p->fail("must be > 0");
    }
    if (const auto p = e.get("paper_source")) m.paper_source = p->as_string();
  }
  const std::string name = name_node.scalar("a model name or path, or a mapping with 'model:'");
  const std::string where = name_node.where();
  const std::string lower = [&] {
    std::string t = name;
    for (auto& ch : t) ch = char(std::tolower((unsigned char)ch));
    return t;
  }();
  const bool looks_path =
      name.find('/') != std::string::npos ||
      (lower.size() > 4 &&
       (lower.substr(lower.size() - 4) == ".npz" || lower.substr(lower.size() - 4) == ".csb" ||
        lower.substr(lower.size() - 4) == ".npy" || lower.substr(lower.size() - 5) == ".yaml"));
  if (!looks_path) {
    ModelSpec ms;
    try {
      ms = load_model_spec(name);
    } catch (const Error& e) {
      fail(where, ": models: ", e.what());
    }
    m.kind = "bench";
    m.label = lower;
    m.path = ms.origin;
    m.paper_rate = ms.paper_rate;
    m.fingerprint = "bench:" + lower + ":" + file_fingerprint(ms.origin);
    return m;
  }
  m.path = resolve_path(name, s.dir);
  if (!fs::exists(m.path)) fail(where, ": models: no such file: ", m.path);
  m.label = fs::path(m.path).stem().string();
  if (lower.size() > 5 && lower.substr(lower.size() - 5) == ".yaml") {
    try {
      const ModelSpec ms = load_model_spec(m.path);
      m.kind = "bench";
      m.label = ms.name;
      m.paper_rate = ms.paper_rate;
      for (auto& ch : m.label) ch = char(std::tolower((unsigned char)ch));
    } catch (const Error& e) {
      fail(where, ": models: ", e.what());
    }
  } else if (lower.substr(lower.size() - 4) == ".csb") {
    m.kind = "csb";
  } else {
    m.kind = "weights";
  }
  m.fingerprint = m.kind + ":" + file_fingerprint(m.path);
  return m;
}

/// Applies the value of one top-level (or prune.*) key to the spec; `key` is its full name.
void apply_key(SweepSpec& s, const std::string& key, const Value& v) {
  if (key == "name") {
    s.name = v.as_string();
  } else if (key == "mode") {
    s.mode = to_mode(v);
  } else if (key == "models") {
    s.models.clear();
    for (const auto& e : v.items()) s.models.push_back(parse_model(e.renamed("models[]"), s));
  } else if (key == "seed") {
    s.seed = uint64_t(v.as_int(0, INT64_MAX));
  } else if (key == "timesteps") {
    s.timesteps = int(v.as_int(1, 1000000));
  } else if (key == "jobs") {
    s.jobs = int(v.as_int(0, 1024));
  } else if (key == "check") {
    s.check = v.as_bool();
  } else if (key == "search") {
    s.search = Search(v.as_enum({"grid", "random", "latin-hypercube"}));
    if (!s.pareto_set) s.pareto = s.search != Search::Grid;
  } else if (key == "search_points") {
    s.search_points = int(v.as_int(1, 10000000));
  } else if (key == "search_seed") {
    s.search_seed = uint64_t(v.as_int(0, INT64_MAX));
  } else if (key == "pareto") {
    s.pareto = v.as_bool();
    s.pareto_set = true;
  } else if (key == "launcher") {
    s.launcher = Launcher(v.as_enum({"local", "slurm", "parallel"}));
  } else if (key == "slurm.partition" || key == "slurm.time" || key == "slurm.mem" ||
             key == "slurm.account") {
    const std::string t = trim(v.as_string());
    if (t.empty() || t.find_first_of(" \t\n") != std::string::npos)
      v.fail("expected one word (as sbatch takes it), got '" + t + "'");
    (key == "slurm.partition" ? s.slurm.partition
     : key == "slurm.time"    ? s.slurm.time
     : key == "slurm.mem"     ? s.slurm.mem
                              : s.slurm.account) = t;
  } else if (key == "slurm.sbatch_options") {
    s.slurm.sbatch_options.clear();
    for (const auto& e : v.items()) {
      const std::string t = e.as_string();
      if (t.rfind("-", 0) != 0)
        e.fail("expected an sbatch option starting with '-', got '" + t + "'");
      for (const char* own : {"--array", "-a", "--output", "-o", "--parsable", "--wrap"})
        if (t == own || t.rfind(std::string(own) + "=", 0) == 0)
          e.fail(cat("'", t, "' is set by csbrnn sweep itself"));
      s.slurm.sbatch_options.push_back(t);
    }
  } else if (key == "slurm.points_per_task") {
    s.slurm.points_per_task = int(v.as_int(0, 1000000));
  } else if (key == "parallel.sshlogin") {
    s.parallel.sshlogin.clear();
    for (const auto& e : v.items()) s.parallel.sshlogin.push_back(e.as_string());
  } else if (key == "parallel.sshloginfile") {
    s.parallel.sshloginfile = resolve_path(v.as_string(), s.dir);
    if (!fs::exists(s.parallel.sshloginfile)) v.fail("no such file: " + s.parallel.sshloginfile);
  } else if (key == "parallel.points_per_task") {
    s.parallel.points_per_task = int(v.as_int(1, 1000000));
  } else if (key == "prune.method") {
    s.methods.clear();
    for (const auto& e : v.items()) {
      const PruneMethod* m = nullptr;
      try {
        m = parse_method(e.scalar());
      } catch (const Error& err) {
        e.fail(err.what());
      }
      if (!is_csb_method(m) || !method_uses_rate(m))
        e.fail(cat("'", method_name(m), "' is not a CSB method; the CSB engine runs ",
                   method_names(" or ", true),
                   " models only (compare baselines with 'csbrnn compare')"));
      s.methods.push_back(m);
    }
  } else if (key == "prune.rate") {
    s.rates.clear();
    for (const auto& e : v.items()) s.rates.push_back(to_rate(e));
  } else if (key == "prune.block") {
    s.blocks.clear();
    for (const auto& e : v.items()) {
      const std::string what = e.where() + ": " + e.key();
      try {
        s.blocks.push_back(parse_block(e.scalar(), what));
      } catch (const Error& err) {
        const std::string msg = err.what();
        if (msg.rfind(e.where(), 0) == 0) throw;
        e.fail(msg);
      }
    }
  } else if (key == "prune.tile") {
    s.tiles.clear();
    s.tile_set = true;
    for (const auto& e : v.items()) {
      try {
        s.tiles.push_back(parse_tile(e.scalar(), e.where() + ": " + e.key()));
      } catch (const Error& err) {
        const std::string msg = err.what();
        if (msg.rfind(e.where(), 0) == 0) throw;
        e.fail(msg);
      }
    }
  } else if (key == "prune.permute") {
    s.permutes.clear();
    for (const auto& e : v.items())
      s.permutes.push_back(e.as_enum({"none", "balance"}) == 0 ? "none" : "balance");
  } else {
    CSBRNN_ASSERT(false, "unhandled spec key ", key);
  }
}

void parse_hw(SweepSpec& s, const Value& hw_value) {
  const yaml::Map hw = hw_value.map(kHwKeys, "a mapping (base, set, variants, grid)");
  if (const auto b = hw.get("base")) {
    s.hw_base = resolve_path(b->as_string(), s.dir);
    if (!fs::exists(s.hw_base)) b->fail("no such file: " + s.hw_base);
    try {
      load_hw_config(s.hw_base);
    } catch (const Error& e) {
      b->fail(e.what());
    }
  }
  if (const auto st = hw.get("set")) s.hw_set = parse_hw_map(*st, s.hw_base);
  if (const auto vs = hw.get("variants")) {
    const auto list = vs->list("a list of mappings (name: ..., KEY: VALUE ...)");
    if (list.empty()) vs->fail("expected a list of mappings (name: ..., KEY: VALUE ...), got []");
    for (const auto& v : list) {
      const Value named = v.renamed("hw.variants[]");
      const yaml::Map vm = named.map(yaml::Keys::any());
      Variant var;
      if (!vm.has("name")) named.fail("each variant needs 'name: TEXT'");
      var.name = vm.required("name").as_string();
      for (const auto& o : s.variants)
        if (o.name == var.name) named.fail("duplicate variant name '" + var.name + "'");
      var.set = parse_hw_map(v.renamed("hw.variants[" + var.name + "]"), s.hw_base, {"name"});
      s.variants.push_back(var);
    }
  }
  if (const auto g = hw.get("grid")) {
    const yaml::Map grid = g->map(yaml::Keys::any(), "a mapping KEY: [values]");
    for (const auto& [key, axis] : grid.entries()) {
      std::vector<std::string> values;
      std::string path;
      for (const auto& e : axis.items()) {
        const std::string val = e.scalar();
        path = check_hw_set(e, key, val, s.hw_base);
        if (std::find(values.begin(), values.end(), val) != values.end())
          fail(e.where(), ": hw.grid.", path, ": value '", val, "' listed twice");
        values.push_back(val);
      }
      for (const auto& kv : s.grid)
        if (kv.first == path) g->fail("key '" + path + "' given twice");
      s.grid.emplace_back(path, values);
    }
  }
}

const std::vector<std::string>& spec_override_keys() {
  static const std::vector<std::string> k = {"name",
                                             "mode",
                                             "models",
                                             "seed",
                                             "timesteps",
                                             "jobs",
                                             "check",
                                             "prune.method",
                                             "prune.rate",
                                             "prune.block",
                                             "prune.tile",
                                             "prune.permute",
                                             "hw.base",
                                             "search",
                                             "search_points",
                                             "search_seed",
                                             "pareto",
                                             "launcher",
                                             "slurm.partition",
                                             "slurm.time",
                                             "slurm.mem",
                                             "slurm.account",
                                             "slurm.sbatch_options",
                                             "slurm.points_per_task",
                                             "parallel.sshlogin",
                                             "parallel.sshloginfile",
                                             "parallel.points_per_task"};
  return k;
}

}  // namespace

SweepSpec parse_sweep_spec(const std::string& text, const std::string& origin,
                           const std::string& dir, const std::vector<std::string>& overrides) {
  SweepSpec s;
  s.origin = origin;
  s.dir = dir;
  const Value doc = yaml::parse(text, origin);
  const yaml::Map top = doc.map(kTopKeys, "a mapping of sweep keys at the top level");
  // hw.base first: the other hw values are checked against it.
  if (const auto hw = top.get("hw")) parse_hw(s, *hw);
  for (const std::string k : {"name", "mode", "seed", "timesteps", "jobs", "check", "models"})
    if (const auto v = top.get(k)) apply_key(s, k, *v);
  if (const auto p = top.get("prune")) {
    const yaml::Map pm = p->map(kPruneKeys, "a mapping (method, rate, block, tile, permute)");
    for (const std::string k : {"method", "rate", "block", "tile", "permute"})
      if (const auto v = pm.get(k)) apply_key(s, "prune." + k, *v);
  }
  for (const std::string k : {"pareto", "search", "search_points", "search_seed", "launcher"})
    if (const auto v = top.get(k)) apply_key(s, k, *v);
  if (const auto p = top.get("slurm")) {
    const yaml::Map m = p->map(kSlurmKeys, "a mapping (partition, time, mem, account, ...)");
    for (const auto& k : kSlurmKeys)
      if (const auto v = m.get(k)) apply_key(s, "slurm." + k, *v);
  }
  if (const auto p = top.get("parallel")) {
    const yaml::Map m =
        p->map(kParallelKeys, "a mapping (sshlogin, sshloginfile, points_per_task)");
    for (const auto& k : kParallelKeys)
      if (const auto v = m.get(k)) apply_key(s, "parallel." + k, *v);
  }

  // --set overrides: spec keys, or any hw key (fixed for every point; replaces a grid axis).
  for (const auto& o : overrides) {
    const std::string ctx = "--set " + o;
    const auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0)
      fail(ctx, ": expected KEY=VALUE (e.g. timesteps=2, engine.pe_groups=4x8)");
    const std::string key = trim(o.substr(0, eq)), val = o.substr(eq + 1);
    const Value v = yaml::parse_value(val, ctx, key);
    const auto& sk = spec_override_keys();
    if (key == "hw.base") {
      YAML::Node hw;
      hw["base"] = v.node();
      s.hw_base = "";
      parse_hw(s, Value::fixed(hw, ctx, "hw"));
    } else if (std::find(sk.begin(), sk.end(), key) != sk.end()) {
      apply_key(s, key, v);
    } else {
      std::string hk = key;
      const HwKey* found = nullptr;
      try {
        found = &resolve_hw_key(hk, ctx);
      } catch (const Error&) {
        std::vector<std::string> all = sk;
        for (const auto& k : hw_keys()) all.push_back(k.path);
        const std::string near = closest_match(key, all);
        fail(ctx, ": unknown key '", key, "'",
             near.empty() ? std::string(" (sweep keys: mode, models, seed, timesteps, jobs, "
                                        "check, prune.*, hw.base, launcher, slurm.*, parallel.*; "
                                        "or any hw key)")
                          : " (did you mean '" + near + "'?)");
      }
      const std::string value = v.scalar();
      const std::string path = check_hw_set(v, found->path, value, s.hw_base);
      s.grid.erase(std::remove_if(s.grid.begin(), s.grid.end(),
                                  [&](const auto& g) { return g.first == path; }),
                   s.grid.end());
      s.cli_set.erase(std::remove_if(s.cli_set.begin(), s.cli_set.end(),
                                     [&](const auto& g) { return g.first == path; }),
                      s.cli_set.end());
      s.cli_set.emplace_back(path, value);
    }
  }
  if (s.models.empty()) fail(origin, ": 'models' is missing: list at least one model");
  if (s.search != Search::Grid) {
    if (s.search_points <= 0)
      fail(origin, ": search: ", search_name(s.search), " needs search_points: N (the budget)");
    bool numeric = false;
    for (const auto& g : s.grid) numeric |= grid_axis_numeric(g.second);
    if (!numeric)
      fail(origin, ": search: ", search_name(s.search),
           " samples the numeric hw.grid axes, and this spec has none");
  }
  if (s.tile_set)
    for (const PruneMethod* m : s.methods)
      if (std::string(method_name(m)) != "csb-tile")
        fail(origin, ": prune.tile: only method 'csb-tile' takes a tile (prune.method lists '",
             method_name(m), "')");
  return s;
}

SweepSpec load_sweep_spec(const std::string& path, const std::vector<std::string>& overrides) {
  const std::string text = read_text_file(path);
  const std::string dir = fs::path(path).parent_path().string();
  return parse_sweep_spec(text, path, dir.empty() ? "." : dir, overrides);
}

namespace {
/// What a point's pruned model depends on besides method, rate and block, in its id and cache
/// key only where it is not the default (so that every earlier point keeps its id): csb-tile's
/// tile, a permutation.
std::string prune_extras(const Point& p) {
  return cat(p.method == "csb-tile" ? cat("\ntile=", p.tile.bh, "x", p.tile.bw) : std::string(),
             p.permute != "none" ? "\npermute=" + p.permute : std::string());
}
}  // namespace

std::string canonical_settings(const Point& p) {
  return cat("csbrnn-sweep-point v1\nmodel=", p.model_fingerprint, "\nmethod=", p.method,
             "\nrate=", p.rate, "\nblock=", p.block.bh, "x", p.block.bw, prune_extras(p),
             "\nseed=", p.seed, "\nmode=", mode_name(p.mode), "\ntimesteps=", p.timesteps,
             "\ncheck=", p.check ? 1 : 0, "\nhw=\n", p.hw_yaml);
}

std::string point_id(const Point& p) {
  return fnv1a64_hex(canonical_settings(p));
}

std::string cache_key(const Point& p) {
  if (p.model_kind == "csb") return "";
  return fnv1a64_hex(cat("csbrnn-sweep-model v1\n", p.model_fingerprint, "\n", p.seed, "\n",
                         p.method, "\n", p.rate, "\n", p.block.bh, "x", p.block.bw,
                         prune_extras(p)));
}

bool grid_axis_numeric(const std::vector<std::string>& values) {
  for (const auto& v : values) {
    double x;
    if (!yaml::read_number(trim(v), x)) return false;
  }
  return true;
}

namespace {

/// random / latin-hypercube: the value index of each numeric axis (`dims`: their grid indices),
/// sample-major, the samples whose values repeat an earlier one's dropped (the first kept).
std::vector<int32_t> search_table(const SweepSpec& s, const std::vector<int>& dims) {
  const size_t nd = dims.size();
  const int n = s.search_points;
  std::vector<int32_t> t(size_t(n) * nd);
  auto put = [&](int i, int d, double u) {
    const size_t k = s.grid[size_t(dims[size_t(d)])].second.size();
    t[size_t(i) * nd + size_t(d)] = int32_t(std::min(k - 1, size_t(u * double(k))));
  };
  if (s.search == Search::LatinHypercube)
    latin_hypercube_each(n, int(nd), s.search_seed, put);
  else
    random_samples_each(n, int(nd), s.search_seed, put);
  // duplicates: sorted by values then sample, the first of each run of equal rows is kept
  auto row_less = [&](uint32_t a, uint32_t b) {
    for (size_t d = 0; d < nd; ++d)
      if (t[a * nd + d] != t[b * nd + d]) return t[a * nd + d] < t[b * nd + d];
    return a < b;
  };
  std::vector<uint32_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0u);
  std::sort(order.begin(), order.end(), row_less);
  std::vector<bool> keep(static_cast<size_t>(n), true);
  for (size_t i = 1; i < order.size(); ++i)
    if (std::equal(t.begin() + long(order[i - 1] * nd), t.begin() + long(order[i - 1] * nd + nd),
                   t.begin() + long(order[i] * nd)))
      keep[order[i]] = false;
  std::vector<uint32_t>().swap(order);
  size_t out = 0;
  for (size_t i = 0; i < size_t(n); ++i)
    if (keep[i]) {
      for (size_t d = 0; d < nd; ++d) t[out * nd + d] = t[i * nd + d];
      ++out;
    }
  t.resize(out * nd);
  t.shrink_to_fit();
  return t;
}

std::vector<int> numeric_axes(const SweepSpec& s) {
  std::vector<int> dims;  // grid index of each numeric axis
  for (size_t g = 0; g < s.grid.size(); ++g)
    if (grid_axis_numeric(s.grid[g].second)) dims.push_back(int(g));
  return dims;
}

}  // namespace

std::vector<std::vector<int>> search_choices(const SweepSpec& s) {
  const std::vector<int> dims = numeric_axes(s);
  const std::vector<int32_t> t = search_table(s, dims);
  std::vector<std::vector<int>> out;
  for (size_t i = 0; dims.size() && i < t.size(); i += dims.size())
    out.emplace_back(t.begin() + long(i), t.begin() + long(i + dims.size()));
  return out;
}

struct Expansion::Impl {
  struct PSet {  // one override, its value parsed once
    const HwKey* key;
    yaml::Value value;
  };
  struct Model {
    std::vector<const PruneMethod*> methods;
    std::vector<double> rates;
    std::vector<BlockSize> blocks, tiles;
    std::vector<std::string> permutes;
    int64_t offset = 0, count = 0;
  };
  SweepSpec s;
  HwConfig base;
  std::vector<Variant> variants;
  std::vector<PSet> hw_set, cli_set;
  std::vector<std::vector<PSet>> model_set, variant_set, axis;  // axis[g][value]
  std::vector<Model> models;
  int64_t combos = 1, total = 0;
  // random / latin-hypercube
  bool search = false;
  std::vector<int> num_axes;   // grid indices of the sampled axes
  std::vector<bool> sampled;   // per grid axis
  std::vector<int32_t> table;  // search_table
  int64_t others = 1;          // product of the other axes' sizes
  PrefixHasher hasher;

  static std::vector<PSet> parse_sets(const HwSets& sets) {
    std::vector<PSet> out;
    for (const auto& [k, v] : sets) {
      const HwKey* key = find_hw_key(k);
      CSBRNN_ASSERT(key, "sweep: unknown canonical hw key ", k);
      out.push_back({key, yaml::parse_value(v, "--set " + k + "=" + v, key->path)});
    }
    return out;
  }

  /// (model index, method, rate, block, tile, permute, variant, combo) of a point.
  struct Coord {
    size_t m, method, rate, block, tile, permute, variant;
    int64_t combo;
  };
  Coord decode(int64_t index) const {
    CSBRNN_ASSERT(index >= 0 && index < total, "sweep: point index ", index, " out of range");
    size_t m = 0;
    while (index >= models[m].offset + models[m].count) ++m;
    int64_t r = index - models[m].offset;
    Coord c{};
    c.m = m;
    c.combo = r % combos, r /= combos;
    c.variant = size_t(r % int64_t(variants.size())), r /= int64_t(variants.size());
    const Model& md = models[m];
    c.permute = size_t(r % int64_t(md.permutes.size())), r /= int64_t(md.permutes.size());
    c.tile = size_t(r % int64_t(md.tiles.size())), r /= int64_t(md.tiles.size());
    c.block = size_t(r % int64_t(md.blocks.size())), r /= int64_t(md.blocks.size());
    c.rate = size_t(r % int64_t(md.rates.size())), r /= int64_t(md.rates.size());
    c.method = size_t(r);
    return c;
  }

  /// The value index of every grid axis in combination `combo` (grid order).
  std::vector<size_t> combo_values(int64_t combo) const {
    std::vector<size_t> v(s.grid.size());
    int64_t rest = combo;
    if (search) {
      const int64_t sample = combo / others;
      rest = combo % others;
      for (size_t d = 0; d < num_axes.size(); ++d)
        v[size_t(num_axes[d])] = size_t(table[size_t(sample) * num_axes.size() + d]);
    }
    for (size_t g = s.grid.size(); g-- > 0;) {
      if (search && sampled[g]) continue;
      const int64_t n = int64_t(s.grid[g].second.size());
      v[g] = size_t(rest % n), rest /= n;
    }
    return v;
  }

  Point prune_point(const Coord& c, int64_t index) const {
    const ModelEntry& m = s.models[c.m];
    const Model& md = models[c.m];
    Point p;
    p.index = int(index);
    p.model = m.label;
    p.model_kind = m.kind;
    p.model_path = m.path;
    p.model_fingerprint = m.fingerprint;
    p.seed = s.seed;
    p.mode = m.has_mode ? m.mode : s.mode;
    p.timesteps = s.timesteps;
    p.check = s.check;
    p.paper_latency_us = m.paper_latency_us;
    p.paper_source = m.paper_source;
    if (m.kind == "csb") {
      p.method = "-";
    } else {
      p.method = method_name(md.methods[c.method]);
      p.block = md.blocks[c.block];
      p.tile = md.tiles[c.tile];
      p.permute = md.permutes[c.permute];
      p.rate = md.rates[c.rate];
      if (p.rate == 0) {
        if (m.kind != "bench")
          fail(m.where, ": ", m.path,
               ": rate 'paper' needs a benchmark model; give prune.rate (or the entry's rate) as a "
               "number");
        p.rate = m.paper_rate;
      }
    }
    p.variant = variants[c.variant].name;
    p.hw = s.hw_set;
    p.hw.insert(p.hw.end(), m.set.begin(), m.set.end());
    const Variant& var = variants[c.variant];
    p.hw.insert(p.hw.end(), var.set.begin(), var.set.end());
    const std::vector<size_t> vals = combo_values(c.combo);
    for (size_t g = 0; g < s.grid.size(); ++g)
      p.hw.emplace_back(s.grid[g].first, s.grid[g].second[vals[g]]);
    p.hw.insert(p.hw.end(), s.cli_set.begin(), s.cli_set.end());
    p.cache_key = cache_key(p);
    return p;
  }

  /// The point's config: the base with its overrides applied in order, validated. An impossible
  /// one is resolved again from the base the way the spec was checked, for the very message.
  HwConfig config(const Coord& c, const Point& p) const {
    HwConfig cfg = base;
    auto apply = [&](const std::vector<PSet>& sets) {
      for (const PSet& ps : sets) ps.key->set(cfg, ps.value);
    };
    apply(hw_set);
    apply(model_set[c.m]);
    apply(variant_set[c.variant]);
    const std::vector<size_t> vals = combo_values(c.combo);
    for (size_t g = 0; g < s.grid.size(); ++g) {
      const PSet& ps = axis[g][vals[g]];
      ps.key->set(cfg, ps.value);
    }
    apply(cli_set);
    try {
      validate_hw_config(cfg, "sweep point");
    } catch (const Error& fast) {
      std::vector<std::string> sets;
      for (const auto& kv : p.hw) sets.push_back(kv.first + "=" + kv.second);
      std::string msg = fast.what();
      try {
        if (s.hw_base_yaml.empty())
          load_hw_config(s.hw_base, sets);
        else
          parse_hw_config(s.hw_base_yaml, s.hw_base.empty() ? "built-in defaults" : s.hw_base,
                          sets);
      } catch (const Error& e) {
        msg = e.what();
      }
      std::string what;
      for (const auto& kv : p.hw) what += (what.empty() ? "" : ", ") + kv.first + "=" + kv.second;
      fail(s.origin, ": point ", p.index, " (", p.model, "; ", what,
           "): impossible hardware config: ", msg);
    }
    return cfg;
  }
};

Expansion::Expansion(const SweepSpec& spec) : impl_(std::make_unique<Impl>()) {
  Impl& x = *impl_;
  x.s = spec;
  const SweepSpec& s = x.s;
  x.variants = s.variants;
  if (x.variants.empty()) x.variants.push_back(Variant{});
  // The product is counted before anything is built (a few long grid lists multiply into more
  // points than any run wants; a fuzz/fuzz_sweep input could make it astronomic), refused in
  // one line. random / latin-hypercube: at most search_points samples of the numeric axes.
  x.search = s.search != Search::Grid;
  x.sampled.assign(s.grid.size(), false);
  double combos = 1;
  if (x.search) {
    x.num_axes = numeric_axes(s);
    double numeric = 1;
    for (int g : x.num_axes)
      x.sampled[size_t(g)] = true, numeric *= double(s.grid[size_t(g)].second.size());
    combos = std::min(numeric, double(s.search_points));
    for (size_t g = 0; g < s.grid.size(); ++g)
      if (!x.sampled[g]) combos *= double(s.grid[g].second.size());
  } else {
    for (const auto& kv : s.grid) combos *= double(kv.second.size());
  }
  double per_model = 0;
  for (const ModelEntry& m : s.models)
    per_model +=
        m.kind == "csb"
            ? 1.0
            : double(s.methods.size()) * double(m.rates.empty() ? s.rates.size() : m.rates.size()) *
                  double(s.blocks.size()) * double(s.tiles.size()) * double(s.permutes.size());
  const double n = combos * double(x.variants.size()) * per_model;
  if (n > double(kMaxSweepPoints))
    fail(s.origin, ": the sweep expands into ", int64_t(std::min(n, 9e18)),
         " points (models x methods x rates x blocks x tiles x permutes x variants x grid values), "
         "more than ",
         kMaxSweepPoints, "; split it into smaller sweeps");
  if (x.search && s.search_points > kMaxSweepPoints)
    fail(s.origin, ": search_points: ", s.search_points, " samples, more than ", kMaxSweepPoints,
         "; split it into smaller sweeps");
  if (x.search) {
    x.table = search_table(s, x.num_axes);
    x.combos = x.num_axes.empty() ? 1 : int64_t(x.table.size() / x.num_axes.size());
    for (size_t g = 0; g < s.grid.size(); ++g)
      if (!x.sampled[g]) x.others *= int64_t(s.grid[g].second.size());
    x.combos *= x.others;
  } else {
    x.combos = int64_t(combos);
  }
  x.base =
      s.hw_base_yaml.empty()
          ? load_hw_config(s.hw_base)
          : parse_hw_config(s.hw_base_yaml, s.hw_base.empty() ? "built-in defaults" : s.hw_base);
  x.hw_set = Impl::parse_sets(s.hw_set);
  x.cli_set = Impl::parse_sets(s.cli_set);
  for (const ModelEntry& m : s.models) x.model_set.push_back(Impl::parse_sets(m.set));
  for (const Variant& v : x.variants) x.variant_set.push_back(Impl::parse_sets(v.set));
  for (const auto& [key, values] : s.grid) {
    HwSets sets;
    for (const auto& v : values) sets.emplace_back(key, v);
    x.axis.push_back(Impl::parse_sets(sets));
  }
  for (const ModelEntry& m : s.models) {
    Impl::Model md;
    md.methods = s.methods;
    md.rates = m.rates.empty() ? s.rates : m.rates;
    md.blocks = s.blocks;
    md.tiles = s.tiles;
    md.permutes = s.permutes;
    if (m.kind == "csb") {
      md.methods.resize(1), md.rates = {0.0}, md.blocks = {BlockSize{0, 0}};
      md.tiles = {BlockSize{4, 4}}, md.permutes = {"none"};
    }
    md.offset = x.total;
    md.count = int64_t(md.methods.size() * md.rates.size() * md.blocks.size() * md.tiles.size() *
                       md.permutes.size() * x.variants.size()) *
               x.combos;
    x.total += md.count;
    x.models.push_back(std::move(md));
  }
}

Expansion::~Expansion() = default;

int64_t Expansion::size() const {
  return impl_->total;
}

const SweepSpec& Expansion::spec() const {
  return impl_->s;
}

const HwConfig& Expansion::base() const {
  return impl_->base;
}

Point Expansion::prune_point(int64_t index) const {
  return impl_->prune_point(impl_->decode(index), index);
}

HwConfig Expansion::config(int64_t index) const {
  const Impl::Coord c = impl_->decode(index);
  return impl_->config(c, impl_->prune_point(c, index));
}

Point Expansion::point(int64_t index) {
  const Impl::Coord c = impl_->decode(index);
  Point p = impl_->prune_point(c, index);
  p.hw_yaml = hw_config_to_yaml(impl_->config(c, p));
  p.id = id_hex(impl_->hasher.hash(canonical_settings(p)));
  return p;
}

int64_t Expansion::first_with_cache_key(const std::string& key) const {
  const Impl& x = *impl_;
  for (const Impl::Model& md : x.models) {
    const int64_t per = int64_t(x.variants.size()) * x.combos;  // points of one prune setting
    for (int64_t i = md.offset; i < md.offset + md.count; i += per)
      if (prune_point(i).cache_key == key) return i;
  }
  return -1;
}

void DuplicateCheck::add(const std::string& id) {
  uint64_t v = 0;
  CSBRNN_ASSERT(parse_id(id, v), "sweep: bad point id ", id);
  ids_.push_back(v);
}

void DuplicateCheck::finish(Expansion& ex) {
  std::vector<uint64_t> sorted = std::move(ids_);
  ids_.clear();
  std::sort(sorted.begin(), sorted.end());
  const auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  if (dup == sorted.end()) return;
  const std::string id = id_hex(*dup);
  std::vector<uint64_t>().swap(sorted);
  bool seen = false;
  for (int64_t i = 0; i < ex.size(); ++i) {
    const Point p = ex.point(i);
    if (p.id != id) continue;
    if (seen)
      fail(ex.spec().origin, ": point ", p.index, " (", p.model,
           ") duplicates an earlier point (same resolved settings); remove the repeated model or "
           "value");
    seen = true;
  }
}

std::vector<Point> expand(const SweepSpec& s) {
  // the sample table is drawn before the points are counted: a budget beyond what is held at
  // once is refused first (a fuzz/fuzz_sweep input must not make it allocate gigabytes)
  if (s.search != Search::Grid && s.search_points > kMaxExpandInMemory)
    fail(s.origin, ": search_points: ", s.search_points, " samples, more than ", kMaxExpandInMemory,
         " held at once (csbrnn sweep streams any number up to ", kMaxSweepPoints, ")");
  Expansion ex(s);
  if (ex.size() > kMaxExpandInMemory)
    fail(s.origin, ": the sweep expands into ", ex.size(), " points, more than ",
         kMaxExpandInMemory, " held at once (csbrnn sweep streams any number up to ",
         kMaxSweepPoints, ")");
  std::vector<Point> pts;
  std::set<std::string> ids;
  for (int64_t i = 0; i < ex.size(); ++i) {
    pts.push_back(ex.point(i));
    if (!ids.insert(pts.back().id).second)
      fail(s.origin, ": point ", i, " (", pts.back().model,
           ") duplicates an earlier point (same resolved settings); remove the repeated model or "
           "value");
  }
  return pts;
}

nlohmann::json point_to_json(const Point& p) {
  nlohmann::json hw = nlohmann::json::array();
  for (const auto& kv : p.hw) hw.push_back({kv.first, kv.second});
  return {{"index", p.index},
          {"id", p.id},
          {"model", p.model},
          {"model_kind", p.model_kind},
          {"model_path", p.model_path},
          {"model_fingerprint", p.model_fingerprint},
          {"method", p.method},
          {"rate", p.rate},
          {"block", {p.block.bh, p.block.bw}},
          {"tile", {p.tile.bh, p.tile.bw}},
          {"permute", p.permute},
          {"seed", p.seed},
          {"mode", mode_name(p.mode)},
          {"timesteps", p.timesteps},
          {"check", p.check},
          {"variant", p.variant},
          {"hw_overrides", hw},
          {"hw_yaml", p.hw_yaml},
          {"cache_key", p.cache_key},
          {"paper_latency_us", p.paper_latency_us},
          {"paper_source", p.paper_source}};
}

Point point_from_json(const nlohmann::json& j) {
  Point p;
  p.index = j.at("index").get<int>();
  p.id = j.at("id").get<std::string>();
  p.model = j.at("model").get<std::string>();
  p.model_kind = j.at("model_kind").get<std::string>();
  p.model_path = j.at("model_path").get<std::string>();
  p.model_fingerprint = j.at("model_fingerprint").get<std::string>();
  p.method = j.at("method").get<std::string>();
  p.rate = j.at("rate").get<double>();
  p.block = BlockSize{j.at("block").at(0).get<int>(), j.at("block").at(1).get<int>()};
  if (j.contains("tile"))  // absent in a manifest written before prune.tile / prune.permute
    p.tile = BlockSize{j.at("tile").at(0).get<int>(), j.at("tile").at(1).get<int>()};
  p.permute = j.value("permute", std::string("none"));
  p.seed = j.at("seed").get<uint64_t>();
  p.mode = j.at("mode").get<std::string>() == "simulate" ? Mode::Simulate : Mode::Analytic;
  p.timesteps = j.at("timesteps").get<int>();
  p.check = j.at("check").get<bool>();
  p.variant = j.at("variant").get<std::string>();
  for (const auto& kv : j.at("hw_overrides"))
    p.hw.emplace_back(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
  p.hw_yaml = j.at("hw_yaml").get<std::string>();
  p.cache_key = j.at("cache_key").get<std::string>();
  p.paper_latency_us = j.value("paper_latency_us", 0.0);
  p.paper_source = j.value("paper_source", std::string());
  return p;
}

std::string hw_value(const Point& p, const std::string& key) {
  const HwConfig c = parse_hw_config(p.hw_yaml, "point " + p.id);
  const HwKey* k = find_hw_key(key);
  CSBRNN_ASSERT(k, "unknown hw key ", key);
  return k->get(c);
}

std::vector<HwConfig> point_hw_configs(const std::vector<Point>& pts) {
  std::vector<HwConfig> cfgs;
  cfgs.reserve(pts.size());
  for (const auto& p : pts) cfgs.push_back(parse_hw_config(p.hw_yaml, "point " + p.id));
  return cfgs;
}

std::vector<std::string> varying_hw_keys(const std::vector<Point>& pts) {
  return varying_hw_keys(point_hw_configs(pts));
}

std::vector<std::string> varying_hw_keys(const std::vector<HwConfig>& cfgs) {
  std::vector<std::string> out;
  if (cfgs.empty()) return out;
  for (const auto& k : hw_keys()) {
    if (k.path == "name") continue;
    const std::string first = k.get(cfgs[0]);
    for (const auto& c : cfgs)
      if (k.get(c) != first) {
        out.push_back(k.path);
        break;
      }
  }
  return out;
}

}  // namespace csbrnn::sweep
