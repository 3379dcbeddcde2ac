#include "sweep/spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "config/config_loader.h"
#include "config/hw_keys.h"
#include "prune/model_gen.h"

namespace csbrnn::sweep {
namespace fs = std::filesystem;

const char* mode_name(Mode m) {
  return m == Mode::Simulate ? "simulate" : "analytic";
}

std::string fnv1a64_hex(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a 64 offset basis
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;  // FNV 64 prime
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)h);
  return buf;
}

namespace {

const std::vector<std::string> kTopKeys = {"name",      "mode", "models", "seed", "prune",
                                           "timesteps", "jobs", "check",  "hw"};
const std::vector<std::string> kPruneKeys = {"method", "rate", "block"};
const std::vector<std::string> kHwKeys = {"base", "set", "variants", "grid"};
const std::vector<std::string> kModelKeys = {
    "model", "rate", "mode", "set", "paper_latency_us", "paper_source"};

/// Parsing context: where a node sits ("spec.yaml:12" or "--set k=v").
class Ctx {
 public:
  Ctx(std::string origin, bool is_override) : origin_(std::move(origin)), ovr_(is_override) {}
  std::string at(const YAML::Node& n) const {
    if (ovr_) return origin_;
    const auto m = n.Mark();
    return m.is_null() ? origin_ : cat(origin_, ":", m.line + 1);
  }

 private:
  std::string origin_;
  bool ovr_;
};

void check_keys(const Ctx& c, const YAML::Node& map, const std::vector<std::string>& known,
                const std::string& section) {
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar()) fail(c.at(it->first), ": a key must be a plain name");
    const std::string k = it->first.Scalar();
    const std::string shown = section.empty() ? k : section + "." + k;
    if (!seen.insert(k).second) fail(c.at(it->first), ": duplicate key '", shown, "'");
    if (std::find(known.begin(), known.end(), k) == known.end()) {
      const std::string near = closest_match(k, known);
      std::string valid;
      for (const auto& s : known) valid += (valid.empty() ? "" : ", ") + s;
      fail(c.at(it->first), ": unknown key '", shown, "'",
           near.empty()
               ? " (valid: " + valid + ")"
               : " (did you mean '" + (section.empty() ? "" : section + ".") + near + "'?)");
    }
  }
}

std::string scalar(const Ctx& c, const YAML::Node& n, const std::string& what) {
  if (!n.IsScalar())
    fail(c.at(n), ": ", what, ": expected a single value, got ", describe_yaml_node(n));
  return n.Scalar();
}

/// A value or a list of values (a scalar is a one-element list).
std::vector<YAML::Node> items(const Ctx& c, const YAML::Node& n, const std::string& what) {
  std::vector<YAML::Node> v;
  if (n.IsSequence()) {
    for (const auto& e : n) v.push_back(e);
    if (v.empty()) fail(c.at(n), ": ", what, ": empty list");
  } else if (n.IsScalar()) {
    v.push_back(n);
  } else {
    fail(c.at(n), ": ", what, ": expected a value or a list of values, got ",
         describe_yaml_node(n));
  }
  return v;
}

int64_t to_int(const Ctx& c, const YAML::Node& n, const std::string& what, int64_t lo, int64_t hi) {
  const std::string s = scalar(c, n, what);
  long long v = 0;
  if (!parse_int(s, v)) fail(c.at(n), ": ", what, ": expected an integer, got '", s, "'");
  if (v < lo || v > hi)
    fail(c.at(n), ": ", what, ": ", v, " is out of range (valid: ", lo, "..", hi, ")");
  return v;
}

double to_rate(const Ctx& c, const YAML::Node& n, const std::string& what) {
  const std::string s = scalar(c, n, what);
  if (s == "paper") return 0.0;
  double v = 0;
  if (!parse_double(s, v))
    fail(c.at(n), ": ", what, ": expected a compression rate (a number > 1) or 'paper', got '", s,
         "'");
  return parse_rate(s, c.at(n) + ": " + what);
}

bool to_bool(const Ctx& c, const YAML::Node& n, const std::string& what) {
  const std::string s = scalar(c, n, what);
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  fail(c.at(n), ": ", what, ": expected true or false, got '", s, "'");
}

Mode to_mode(const Ctx& c, const YAML::Node& n, const std::string& what) {
  const std::string s = scalar(c, n, what);
  if (s == "analytic") return Mode::Analytic;
  if (s == "simulate") return Mode::Simulate;
  const std::string near = closest_match(s, {"analytic", "simulate"});
  fail(c.at(n), ": ", what, ": expected analytic or simulate, got '", s, "'",
       near.empty() ? "" : " (did you mean '" + near + "'?)");
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
std::string check_hw_set(const Ctx& c, const YAML::Node& at, const std::string& key,
                         const std::string& value, const std::string& base) {
  const HwKey& k = resolve_hw_key(key, c.at(at));
  try {
    load_hw_config(base, {k.path + "=" + value});
  } catch (const Error& e) {
    std::string msg = e.what();
    const std::string pre = "--set " + k.path + "=" + value + ": ";
    if (msg.rfind(pre, 0) == 0) msg = msg.substr(pre.size());
    fail(c.at(at), ": ", k.path, ": value '", value, "': ", msg);
  }
  return k.path;
}

HwSets parse_hw_map(const Ctx& c, const YAML::Node& n, const std::string& what,
                    const std::string& base, const std::vector<std::string>& skip = {}) {
  if (!n.IsMap())
    fail(c.at(n), ": ", what, ": expected a mapping of hw keys, got ", describe_yaml_node(n));
  HwSets out;
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string key = scalar(c, it->first, what + " key");
    if (std::find(skip.begin(), skip.end(), key) != skip.end()) continue;
    const std::string value = scalar(c, it->second, what + "." + key);
    const std::string path = check_hw_set(c, it->first, key, value, base);
    for (const auto& kv : out)
      if (kv.first == path) fail(c.at(it->first), ": ", what, ": key '", path, "' given twice");
    out.emplace_back(path, value);
  }
  return out;
}

ModelEntry parse_model(const Ctx& c, const YAML::Node& n, const SweepSpec& s) {
  ModelEntry m;
  m.where = c.at(n);
  YAML::Node name_node;
  name_node.reset(n);  // (operator= would assign through to n's node)
  if (n.IsMap()) {
    check_keys(c, n, kModelKeys, "models[]");
    if (!n["model"]) fail(c.at(n), ": models[]: an entry given as a mapping needs 'model: NAME'");
    name_node.reset(n["model"]);
    if (n["rate"])
      for (const auto& r : items(c, n["rate"], "models[].rate"))
        m.rates.push_back(to_rate(c, r, "models[].rate"));
    if (n["mode"]) {
      m.has_mode = true;
      m.mode = to_mode(c, n["mode"], "models[].mode");
    }
    if (n["set"]) m.set = parse_hw_map(c, n["set"], "models[].set", s.hw_base);
    if (n["paper_latency_us"]) {
      const std::string v = scalar(c, n["paper_latency_us"], "models[].paper_latency_us");
      if (!parse_double(v, m.paper_latency_us))
        fail(c.at(n["paper_latency_us"]), ": paper_latency_us: expected a number, got '", v, "'");
      if (!(m.paper_latency_us > 0))
        fail(c.at(n["paper_latency_us"]), ": paper_latency_us: must be > 0");
    }
    if (n["paper_source"]) m.paper_source = scalar(c, n["paper_source"], "paper_source");
  }
  const std::string name = scalar(c, name_node, "models[]");
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
      fail(c.at(name_node), ": models: ", e.what());
    }
    m.kind = "bench";
    m.label = lower;
    m.path = ms.origin;
    m.fingerprint = "bench:" + lower + ":" + file_fingerprint(ms.origin);
    return m;
  }
  m.path = resolve_path(name, s.dir);
  if (!fs::exists(m.path)) fail(c.at(name_node), ": models: no such file: ", m.path);
  m.label = fs::path(m.path).stem().string();
  if (lower.size() > 5 && lower.substr(lower.size() - 5) == ".yaml") {
    try {
      const ModelSpec ms = load_model_spec(m.path);
      m.kind = "bench";
      m.label = ms.name;
      for (auto& ch : m.label) ch = char(std::tolower((unsigned char)ch));
    } catch (const Error& e) {
      fail(c.at(name_node), ": models: ", e.what());
    }
  } else if (lower.substr(lower.size() - 4) == ".csb") {
    m.kind = "csb";
  } else {
    m.kind = "weights";
  }
  m.fingerprint = m.kind + ":" + file_fingerprint(m.path);
  return m;
}

/// Applies the value of one top-level (or prune.*) key to the spec.
void apply_key(SweepSpec& s, const Ctx& c, const std::string& key, const YAML::Node& v) {
  if (key == "name") {
    s.name = scalar(c, v, "name");
  } else if (key == "mode") {
    s.mode = to_mode(c, v, "mode");
  } else if (key == "models") {
    s.models.clear();
    for (const auto& e : items(c, v, "models")) s.models.push_back(parse_model(c, e, s));
  } else if (key == "seed") {
    s.seed = uint64_t(to_int(c, v, "seed", 0, INT64_MAX));
  } else if (key == "timesteps") {
    s.timesteps = int(to_int(c, v, "timesteps", 1, 1000000));
  } else if (key == "jobs") {
    s.jobs = int(to_int(c, v, "jobs", 0, 1024));
  } else if (key == "check") {
    s.check = to_bool(c, v, "check");
  } else if (key == "prune.method") {
    s.methods.clear();
    for (const auto& e : items(c, v, "prune.method")) {
      const PruneMethod* m = nullptr;
      try {
        m = parse_method(scalar(c, e, "prune.method"));
      } catch (const Error& err) {
        fail(c.at(e), ": prune.method: ", err.what());
      }
      if (!is_csb_method(m))
        fail(c.at(e), ": prune.method: '", method_name(m),
             "' is not a CSB method; the CSB engine runs ", method_names(" or ", true),
             " models only (compare baselines with 'csbrnn compare')");
      s.methods.push_back(m);
    }
  } else if (key == "prune.rate") {
    s.rates.clear();
    for (const auto& e : items(c, v, "prune.rate")) s.rates.push_back(to_rate(c, e, "prune.rate"));
  } else if (key == "prune.block") {
    s.blocks.clear();
    for (const auto& e : items(c, v, "prune.block")) {
      try {
        s.blocks.push_back(parse_block(scalar(c, e, "prune.block"), c.at(e) + ": prune.block"));
      } catch (const Error& err) {
        const std::string msg = err.what();
        if (msg.rfind(c.at(e), 0) == 0) throw;
        fail(c.at(e), ": prune.block: ", msg);
      }
    }
  } else {
    CSBRNN_ASSERT(false, "unhandled spec key ", key);
  }
}

void parse_hw(SweepSpec& s, const Ctx& c, const YAML::Node& hw) {
  if (!hw.IsMap())
    fail(c.at(hw), ": hw: expected a mapping (base, set, variants, grid), got ",
         describe_yaml_node(hw));
  check_keys(c, hw, kHwKeys, "hw");
  if (hw["base"]) {
    s.hw_base = resolve_path(scalar(c, hw["base"], "hw.base"), s.dir);
    if (!fs::exists(s.hw_base)) fail(c.at(hw["base"]), ": hw.base: no such file: ", s.hw_base);
    try {
      load_hw_config(s.hw_base);
    } catch (const Error& e) {
      fail(c.at(hw["base"]), ": hw.base: ", e.what());
    }
  }
  if (hw["set"]) s.hw_set = parse_hw_map(c, hw["set"], "hw.set", s.hw_base);
  if (hw["variants"]) {
    const YAML::Node vs = hw["variants"];
    if (!vs.IsSequence() || vs.size() == 0)
      fail(c.at(vs), ": hw.variants: expected a list of mappings (name: ..., KEY: VALUE ...)");
    for (const auto& v : vs) {
      if (!v.IsMap())
        fail(c.at(v), ": hw.variants[]: expected a mapping, got ", describe_yaml_node(v));
      Variant var;
      if (!v["name"]) fail(c.at(v), ": hw.variants[]: each variant needs 'name: TEXT'");
      var.name = scalar(c, v["name"], "hw.variants[].name");
      for (const auto& o : s.variants)
        if (o.name == var.name) fail(c.at(v), ": hw.variants: duplicate name '", var.name, "'");
      var.set = parse_hw_map(c, v, "hw.variants[" + var.name + "]", s.hw_base, {"name"});
      s.variants.push_back(var);
    }
  }
  if (hw["grid"]) {
    const YAML::Node g = hw["grid"];
    if (!g.IsMap())
      fail(c.at(g), ": hw.grid: expected a mapping KEY: [values], got ", describe_yaml_node(g));
    for (auto it = g.begin(); it != g.end(); ++it) {
      const std::string key = scalar(c, it->first, "hw.grid key");
      std::vector<std::string> values;
      std::string path;
      for (const auto& e : items(c, it->second, "hw.grid." + key)) {
        const std::string val = scalar(c, e, "hw.grid." + key);
        path = check_hw_set(c, e, key, val, s.hw_base);
        if (std::find(values.begin(), values.end(), val) != values.end())
          fail(c.at(e), ": hw.grid.", path, ": value '", val, "' listed twice");
        values.push_back(val);
      }
      for (const auto& kv : s.grid)
        if (kv.first == path) fail(c.at(it->first), ": hw.grid: key '", path, "' given twice");
      s.grid.emplace_back(path, values);
    }
  }
}

const std::vector<std::string>& spec_override_keys() {
  static const std::vector<std::string> k = {"name",       "mode",        "models", "seed",
                                             "timesteps",  "jobs",        "check",  "prune.method",
                                             "prune.rate", "prune.block", "hw.base"};
  return k;
}

}  // namespace

SweepSpec parse_sweep_spec(const std::string& text, const std::string& origin,
                           const std::string& dir, const std::vector<std::string>& overrides) {
  SweepSpec s;
  s.origin = origin;
  s.dir = dir;
  const Ctx c(origin, false);
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(origin, ":", e.mark.line + 1, ": invalid YAML: ", one_line(e.msg));
  }
  if (!doc.IsMap())
    fail(origin, ": expected a mapping of sweep keys at the top level, got ",
         describe_yaml_node(doc));
  check_keys(c, doc, kTopKeys, "");
  // hw.base first: the other hw values are checked against it.
  if (doc["hw"]) parse_hw(s, c, doc["hw"]);
  for (const std::string k : {"name", "mode", "seed", "timesteps", "jobs", "check", "models"})
    if (doc[k]) apply_key(s, c, k, doc[k]);
  if (doc["prune"]) {
    const YAML::Node p = doc["prune"];
    if (!p.IsMap())
      fail(c.at(p), ": prune: expected a mapping (method, rate, block), got ",
           describe_yaml_node(p));
    check_keys(c, p, kPruneKeys, "prune");
    for (const std::string k : {"method", "rate", "block"})
      if (p[k]) apply_key(s, c, "prune." + k, p[k]);
  }

  // --set overrides: spec keys, or any hw key (fixed for every point; replaces a grid axis).
  for (const auto& o : overrides) {
    const std::string ctx = "--set " + o;
    const auto eq = o.find('=');
    if (eq == std::string::npos || eq == 0)
      fail(ctx, ": expected KEY=VALUE (e.g. timesteps=2, engine.pe_groups=4x8)");
    const std::string key = trim(o.substr(0, eq)), val = o.substr(eq + 1);
    YAML::Node v;
    try {
      v = YAML::Load(val);
    } catch (const YAML::Exception& e) {
      fail(ctx, ": invalid value: ", one_line(e.msg));
    }
    const Ctx oc(ctx, true);
    const auto& sk = spec_override_keys();
    if (key == "hw.base") {
      YAML::Node hw;
      hw["base"] = v;
      s.hw_base = "";
      parse_hw(s, oc, hw);
    } else if (std::find(sk.begin(), sk.end(), key) != sk.end()) {
      apply_key(s, oc, key, v);
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
                                        "check, prune.*, hw.base; or any hw key)")
                          : " (did you mean '" + near + "'?)");
      }
      const std::string value = scalar(oc, v, key);
      const std::string path = check_hw_set(oc, v, found->path, value, s.hw_base);
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
  return s;
}

SweepSpec load_sweep_spec(const std::string& path, const std::vector<std::string>& overrides) {
  const std::string text = read_text_file(path);
  const std::string dir = fs::path(path).parent_path().string();
  return parse_sweep_spec(text, path, dir.empty() ? "." : dir, overrides);
}

std::string canonical_settings(const Point& p) {
  return cat("csbrnn-sweep-point v1\nmodel=", p.model_fingerprint, "\nmethod=", p.method,
             "\nrate=", p.rate, "\nblock=", p.block.bh, "x", p.block.bw, "\nseed=", p.seed,
             "\nmode=", mode_name(p.mode), "\ntimesteps=", p.timesteps, "\ncheck=", p.check ? 1 : 0,
             "\nhw=\n", p.hw_yaml);
}

std::string point_id(const Point& p) {
  return fnv1a64_hex(canonical_settings(p));
}

std::string cache_key(const Point& p) {
  if (p.model_kind == "csb") return "";
  return fnv1a64_hex(cat("csbrnn-sweep-model v1\n", p.model_fingerprint, "\n", p.seed, "\n",
                         p.method, "\n", p.rate, "\n", p.block.bh, "x", p.block.bw));
}

std::vector<Point> expand(const SweepSpec& s) {
  std::vector<Point> pts;
  std::vector<Variant> variants = s.variants;
  if (variants.empty()) variants.push_back(Variant{});
  // grid combinations, last key fastest
  std::vector<HwSets> combos{HwSets{}};
  for (const auto& [key, values] : s.grid) {
    std::vector<HwSets> next;
    for (const auto& c : combos)
      for (const auto& v : values) {
        HwSets n = c;
        n.emplace_back(key, v);
        next.push_back(n);
      }
    combos = next;
  }
  std::set<std::string> ids;
  for (const ModelEntry& m : s.models) {
    const bool csb = m.kind == "csb";
    std::vector<const PruneMethod*> methods = s.methods;
    std::vector<double> rates = m.rates.empty() ? s.rates : m.rates;
    std::vector<BlockSize> blocks = s.blocks;
    if (csb) methods.resize(1), rates = {0.0}, blocks = {BlockSize{0, 0}};
    double paper_rate = 0;
    if (m.kind == "bench") paper_rate = load_model_spec(m.path).paper_rate;
    for (const PruneMethod* meth : methods)
      for (double r : rates)
        for (const BlockSize& b : blocks)
          for (const Variant& var : variants)
            for (const HwSets& combo : combos) {
              Point p;
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
              if (csb) {
                p.method = "-";
              } else {
                p.method = method_name(meth);
                p.block = b;
                p.rate = r;
                if (r == 0) {
                  if (m.kind != "bench")
                    fail(m.where, ": ", m.path,
                         ": rate 'paper' needs a benchmark model; give prune.rate (or the "
                         "entry's rate) as a number");
                  p.rate = paper_rate;
                }
              }
              p.variant = var.name;
              p.hw = s.hw_set;
              p.hw.insert(p.hw.end(), m.set.begin(), m.set.end());
              p.hw.insert(p.hw.end(), var.set.begin(), var.set.end());
              p.hw.insert(p.hw.end(), combo.begin(), combo.end());
              p.hw.insert(p.hw.end(), s.cli_set.begin(), s.cli_set.end());
              std::vector<std::string> sets;
              for (const auto& kv : p.hw) sets.push_back(kv.first + "=" + kv.second);
              try {
                p.hw_yaml = hw_config_to_yaml(load_hw_config(s.hw_base, sets));
              } catch (const Error& e) {
                std::string what;
                for (const auto& kv : p.hw)
                  what += (what.empty() ? "" : ", ") + kv.first + "=" + kv.second;
                fail(s.origin, ": point ", pts.size(), " (", m.label, "; ", what,
                     "): impossible hardware config: ", e.what());
              }
              p.index = int(pts.size());
              p.id = point_id(p);
              p.cache_key = cache_key(p);
              if (!ids.insert(p.id).second)
                fail(s.origin, ": point ", p.index, " (", m.label,
                     ") duplicates an earlier point (same resolved settings); remove the "
                     "repeated model or value");
              pts.push_back(p);
            }
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

std::vector<std::string> varying_hw_keys(const std::vector<Point>& pts) {
  std::vector<std::string> out;
  if (pts.empty()) return out;
  std::vector<HwConfig> cfgs;
  for (const auto& p : pts) cfgs.push_back(parse_hw_config(p.hw_yaml, "point " + p.id));
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
