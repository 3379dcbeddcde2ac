#include "config/config_loader.h"

#include <algorithm>
#include <cstdint>
#include <map>

#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "config/hw_keys.h"
#include "config/strict_yaml.h"

namespace csbrnn {
namespace {

constexpr int64_t kMaxPes = 65536;

/// Where each key got its value: "FILE:LINE" or "--set KEY=VALUE"; keys not listed come from the
/// defaults (errors about them name the origin).
using Locations = std::map<std::string, std::string>;

void validate_impl(const HwConfig& c, const std::string& origin, const Locations& where) {
  auto loc = [&](const std::string& path) {
    auto it = where.find(path);
    return it == where.end() ? origin : it->second;
  };
  for (const auto& k : hw_keys()) {
    const std::string problem = k.check(c);
    if (!problem.empty()) fail(loc(k.path), ": ", k.path, ": ", problem);
  }
  const int64_t pes = int64_t(c.engine.K) * c.engine.L * c.engine.P * c.engine.Q;
  if (pes > kMaxPes) {
    const std::string at =
        where.count("engine.pe_groups") ? loc("engine.pe_groups") : loc("engine.pes_per_group");
    fail(at, ": engine.pe_groups x engine.pes_per_group: ", c.engine.K, "x", c.engine.L,
         " groups of ", c.engine.P, "x", c.engine.Q, " PEs = ", pes,
         " PEs is out of range (valid: 1..", kMaxPes, " PEs in total)");
  }
}

/// The names a section's mapping may hold: its keys' and sub-sections' next path component.
std::vector<std::string> section_children(const std::string& prefix) {
  std::vector<std::string> out;
  const std::string p = prefix.empty() ? "" : prefix + ".";
  for (const auto& k : hw_keys()) {
    if (k.path.compare(0, p.size(), p) != 0) continue;
    const std::string rest = k.path.substr(p.size());
    const std::string name = rest.substr(0, rest.find('.'));
    if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(name);
  }
  return out;
}

class Loader {
 public:
  explicit Loader(std::string origin) : origin_(std::move(origin)) {}

  void load_text(const std::string& text) {
    const yaml::Value doc = yaml::parse(text, origin_);
    if (doc.is_null()) return;  // empty file: the defaults
    // The sections may sit under a single top-level `hw:` key.
    yaml::Keys top = section_keys("", "");
    top.names.push_back("hw");
    const yaml::Map m = doc.map(top, "a mapping of config sections at the top level");
    const auto hw = m.get("hw");
    if (!hw) return walk(m, "", "");
    for (const auto& [name, v] : m.entries())
      if (name != "hw")
        v.renamed("").fail("unknown key '" + name +
                           "' beside 'hw' (put every section under 'hw:', or drop 'hw:')");
    walk(hw->map(section_keys("", "hw."), "a mapping of config sections"), "", "hw.");
  }

  void apply_override(const std::string& s) {
    const std::string context = "--set " + s;
    const auto eq = s.find('=');
    if (eq == std::string::npos) fail(context, ": expected KEY=VALUE, e.g. engine.pe_groups=8x4");
    const HwKey& key = resolve_hw_key(s.substr(0, eq), context);
    key.set(cfg_, yaml::parse_value(s.substr(eq + 1), context, key.path));
    where_[key.path] = context;
  }

  void validate() const { validate_impl(cfg_, origin_, where_); }
  const HwConfig& config() const { return cfg_; }

 private:
  /// The keys of section `prefix`; `shown` is written in front of paths in messages ("hw."
  /// under a `hw:` root).
  static yaml::Keys section_keys(const std::string& prefix, const std::string& shown) {
    yaml::Keys k(section_children(prefix));
    k.suggest = [prefix, shown](const std::string& name) {
      const std::string near = suggest_hw_key(prefix.empty() ? name : prefix + "." + name);
      return near.empty() ? near : shown + near;
    };
    k.otherwise = "; see 'csbrnn config --list-keys'";
    return k;
  }

  void walk(const yaml::Map& section, const std::string& prefix, const std::string& shown) {
    for (const auto& [name, v] : section.entries()) {
      const std::string path = prefix.empty() ? name : prefix + "." + name;
      if (const HwKey* key = find_hw_key(path)) {
        key->set(cfg_, v);
        where_[path] = v.where();
        continue;
      }
      // A section (the key check let nothing else through); an empty one keeps its defaults.
      walk(v.map(section_keys(path, shown), "a section (a mapping of keys)"), path, shown);
    }
  }

  std::string origin_;
  HwConfig cfg_;
  Locations where_;
};

}  // namespace

HwConfig parse_hw_config(const std::string& yaml_text, const std::string& origin,
                         const std::vector<std::string>& overrides) {
  Loader l(origin);
  l.load_text(yaml_text);
  for (const auto& s : overrides) l.apply_override(s);
  l.validate();
  return l.config();
}

HwConfig load_hw_config(const std::string& path, const std::vector<std::string>& overrides) {
  if (path.empty()) return parse_hw_config("", "built-in defaults", overrides);
  return parse_hw_config(read_text_file(path), path, overrides);
}

void validate_hw_config(const HwConfig& c, const std::string& origin) {
  validate_impl(c, origin, Locations{});
}

namespace {

/// What hw_config_to_yaml writes that depends on the key table only (built once): per key, the
/// section header lines opened before it, the text in front of its value and its comment.
struct YamlLayout {
  struct Item {
    std::vector<std::string> headers;  // "engine:", "  pipeline:", ...
    std::string prefix;                // indentation + leaf + ": "
    std::string comment;               // "# description [valid]"
    const HwKey* key = nullptr;
  };
  std::vector<Item> items;
};

const YamlLayout& yaml_layout() {
  static const YamlLayout layout = [] {
    YamlLayout y;
    std::vector<std::string> open;  // the currently open section components
    std::vector<std::string> closed;
    for (const auto& k : hw_keys()) {
      YamlLayout::Item item;
      const auto parts = split(k.path, '.');
      size_t common = 0;
      while (common < open.size() && common + 1 < parts.size() && open[common] == parts[common])
        ++common;
      for (size_t i = common; i < open.size(); ++i) {
        std::string s;
        for (size_t j = 0; j <= i; ++j) s += (j ? "." : "") + open[j];
        closed.push_back(s);
      }
      open.resize(common);
      for (size_t i = common; i + 1 < parts.size(); ++i) {
        open.push_back(parts[i]);
        std::string s;
        for (size_t j = 0; j <= i; ++j) s += (j ? "." : "") + parts[j];
        CSBRNN_ASSERT(std::find(closed.begin(), closed.end(), s) == closed.end(),
                      "section reopened by the key table: ", s);
        item.headers.push_back(std::string(2 * i, ' ') + parts[i] + ":");
      }
      item.prefix = std::string(2 * (parts.size() - 1), ' ') + parts.back() + ": ";
      item.comment = "# " + k.description + " [" + k.valid + "]";
      item.key = &k;
      y.items.push_back(std::move(item));
    }
    return y;
  }();
  return layout;
}

}  // namespace

std::string hw_config_to_yaml(const HwConfig& c) {
  // Every key line has a comment, aligned at one column: 2 past the longest key line, at most 40
  // (a longer line gets 2 spaces). The layout is the key table's; only the values are per call.
  const YamlLayout& y = yaml_layout();
  std::vector<std::string> values;
  values.reserve(y.items.size());
  size_t col = 0, size = 0;
  for (const auto& item : y.items) {
    values.push_back(item.key->get(c));
    col = std::max(col, item.prefix.size() + values.back().size());
  }
  col = std::min<size_t>(col + 2, 40);
  std::string out =
      "# csbrnn hardware configuration, fully resolved (every key; csbrnn --hw reads it back).\n";
  for (const auto& item : y.items) size += item.prefix.size() + item.comment.size() + col + 64;
  out.reserve(out.size() + size);
  for (size_t i = 0; i < y.items.size(); ++i) {
    const auto& item = y.items[i];
    for (const auto& h : item.headers) out.append(h).push_back('\n');
    const size_t len = item.prefix.size() + values[i].size();
    out.append(item.prefix).append(values[i]);
    out.append(len < col ? col - len : 2, ' ');
    out.append(item.comment).push_back('\n');
  }
  return out;
}

}  // namespace csbrnn
