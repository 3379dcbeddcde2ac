#include "config/config_loader.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdint>
#include <map>

#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "config/hw_keys.h"

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

class Loader {
 public:
  explicit Loader(std::string origin) : origin_(std::move(origin)) {}

  void load_text(const std::string& text) {
    YAML::Node doc;
    try {
      doc = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      fail(origin_, ":", e.mark.line + 1, ": invalid YAML: ", one_line(e.msg));
    }
    if (!doc.IsDefined() || doc.IsNull()) return;  // empty file: the defaults
    if (!doc.IsMap())
      fail(at(doc), ": expected a mapping of config sections at the top level, got ",
           describe_yaml_node(doc));
    // The sections may sit under a single top-level `hw:` key.
    // (yaml-cpp's Node::operator= assigns through to the node referred to; reset() rebinds.)
    YAML::Node root;
    root.reset(doc);
    YAML::Node hw_key;
    bool nested = false;
    for (auto it = doc.begin(); it != doc.end(); ++it)
      if (it->first.IsScalar() && it->first.Scalar() == "hw") {
        hw_key.reset(it->first);
        root.reset(it->second);
        nested = true;
      }
    if (nested) {
      if (doc.size() != 1) {
        for (auto it = doc.begin(); it != doc.end(); ++it)
          if (!(it->first.IsScalar() && it->first.Scalar() == "hw"))
            fail(at(it->first), ": unknown key '", key_text(it->first),
                 "' beside 'hw' (put every section under 'hw:', or drop 'hw:')");
        fail(at(hw_key), ": duplicate key 'hw'");
      }
      if (root.IsNull()) return;
      if (!root.IsMap())
        fail(at(hw_key), ": hw: expected a mapping of config sections, got ",
             describe_yaml_node(root));
      walk(root, "", "hw.");
    } else {
      walk(root, "", "");
    }
  }

  void apply_override(const std::string& s) {
    const std::string context = "--set " + s;
    const auto eq = s.find('=');
    if (eq == std::string::npos) fail(context, ": expected KEY=VALUE, e.g. engine.pe_groups=8x4");
    const HwKey& key = resolve_hw_key(s.substr(0, eq), context);
    YAML::Node value;
    try {
      value = YAML::Load(s.substr(eq + 1));
    } catch (const YAML::Exception& e) {
      fail(context, ": ", key.path, ": invalid value: ", one_line(e.msg),
           " (quote it if it is text)");
    }
    try {
      key.set(cfg_, value);
    } catch (const KeyValueError& e) {
      fail(context, ": ", key.path, ": ", e.message);
    }
    where_[key.path] = context;
  }

  void validate() const { validate_impl(cfg_, origin_, where_); }
  const HwConfig& config() const { return cfg_; }

 private:
  std::string at(const YAML::Node& n) const {
    const auto m = n.Mark();
    return m.is_null() ? origin_ : cat(origin_, ":", m.line + 1);
  }
  static std::string key_text(const YAML::Node& k) {
    return k.IsScalar() ? k.Scalar() : describe_yaml_node(k);
  }

  // `shown` is the prefix written in front of paths in messages ("hw." under a `hw:` root).
  void walk(const YAML::Node& map, const std::string& prefix, const std::string& shown) {
    std::map<std::string, int> seen;  // key -> line of its first occurrence
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node k = it->first;
      const YAML::Node v = it->second;
      const std::string here = at(k);
      if (!k.IsScalar())
        fail(here, ": a key must be a plain name, got ", describe_yaml_node(k),
             prefix.empty() ? "" : " in section '" + shown + prefix + "'");
      const std::string name = k.Scalar();
      const std::string path = prefix.empty() ? name : prefix + "." + name;
      const auto first = seen.emplace(name, k.Mark().line + 1);
      if (!first.second)
        fail(here, ": duplicate key '", shown, path, "' (first at line ", first.first->second, ")");
      if (const HwKey* key = find_hw_key(path)) {
        try {
          key->set(cfg_, v);
        } catch (const KeyValueError& e) {
          fail(here, ": ", shown, path, ": ", e.message);
        }
        where_[path] = here;
        continue;
      }
      const auto& sections = hw_sections();
      if (std::find(sections.begin(), sections.end(), path) != sections.end()) {
        if (v.IsNull()) continue;  // an empty section keeps its defaults
        if (!v.IsMap())
          fail(here, ": ", shown, path, ": expected a section (a mapping of keys), got ",
               describe_yaml_node(v));
        walk(v, path, shown);
        continue;
      }
      const std::string near = suggest_hw_key(path);
      fail(here, ": unknown key '", shown, path, "'",
           near.empty() ? std::string("; see 'csbrnn config --list-keys'")
                        : " (did you mean '" + shown + near + "'?)");
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

std::string hw_config_to_yaml(const HwConfig& c) {
  struct Line {
    std::string text, comment;
  };
  std::vector<Line> lines;
  std::vector<std::string> open;  // the currently open section components
  std::vector<std::string> closed;
  for (const auto& k : hw_keys()) {
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
      lines.push_back({std::string(2 * i, ' ') + parts[i] + ":", ""});
    }
    lines.push_back({std::string(2 * (parts.size() - 1), ' ') + parts.back() + ": " + k.get(c),
                     k.description + " [" + k.valid + "]"});
  }
  size_t col = 0;
  for (const auto& l : lines)
    if (!l.comment.empty()) col = std::max(col, l.text.size());
  col = std::min<size_t>(col + 2, 40);
  std::string out =
      "# csbrnn hardware configuration, fully resolved (every key; csbrnn --hw reads it back).\n";
  for (const auto& l : lines) {
    out += l.text;
    if (!l.comment.empty())
      out += std::string(l.text.size() < col ? col - l.text.size() : 2, ' ') + "# " + l.comment;
    out += "\n";
  }
  return out;
}

std::string describe_yaml_node(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "'" + n.Scalar() + "'";
}

}  // namespace csbrnn
