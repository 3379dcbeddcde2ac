// Strict YAML (yaml-cpp) for every csbrnn input file: hardware configs, sweep specs and model
// specs read their files through this one module.
//
// Contract: every error is one csbrnn::Error line that starts with where the problem is
// ("FILE:LINE" from yaml-cpp's marks, "FILE:LINE:COLUMN" for a syntax error, or a fixed context
// such as "--set KEY=VALUE" for a value that came from the command line) and names the key:
//   cfg.yaml:3: unknown key 'engine.pe_grups' (did you mean 'engine.pe_groups'?)
//   cfg.yaml:3: duplicate key 'engine.clock_mhz' (first at line 2)
//   cfg.yaml:2: engine.clock_mhz: expected a number, got 'fast'
//   s.yaml:4: timesteps: 0 is out of range (valid: 1..1000000)
//   x.yaml:1: missing required key 'input_size'
//   cfg.yaml:4:1: invalid YAML: end of map not found
// yaml-cpp 0.7 keeps both entries of a duplicate key (operator[] finds the first); Value::map
// refuses the second. Scalars follow one set of rules (docs/config.md, "Value types"):
//   integer  decimal with an optional sign; no fraction, exponent or hex
//   number   decimal or exponent notation, finite (no inf/nan/hex)
//   boolean  true/false, yes/no, on/off (any case)
//   enum     one of a list of names (any case); a misspelling gets the closest name
// A map entry's location is its key's line (a null value has no line of its own); a list
// element's is the element's.
#pragma once
#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace csbrnn::yaml {

/// How a node reads in an error message: "nothing", "a list", "a mapping" or "'text'".
std::string describe(const YAML::Node& n);

enum class IntText { Ok, NotInteger, Overflow };
/// The integer rule applied to text (surrounding blanks ignored); Overflow: beyond long long.
IntText read_integer(const std::string& text, long long& v);
/// The number rule applied to text (surrounding blanks ignored); false if it is not one.
bool read_number(const std::string& text, double& v);

/// The keys a mapping may hold.
struct Keys {
  Keys(std::vector<std::string> valid) : names(std::move(valid)) {}  // NOLINT: implicit on purpose
  Keys(std::initializer_list<std::string> valid) : names(valid) {}
  /// Any plain, unrepeated key (a mapping of user-chosen names).
  static Keys any();

  std::vector<std::string> names;
  bool any_key = false;
  /// The name to suggest for an unknown key, as shown ("" for none). Default: the closest of
  /// `names`, shown under the mapping's key path.
  std::function<std::string(const std::string& key)> suggest;
  /// Appended to an unknown key that has no suggestion. Default: " (valid: a, b, c)".
  std::string otherwise;
};

class Map;

/// A node, where it is ("FILE:LINE" or a fixed context) and what it is called in messages (the
/// dotted key path: "engine.clock_mhz", "models[].rate"; "" for a document's root).
class Value {
 public:
  /// A document root: locations come from the nodes' marks.
  static Value root(const YAML::Node& n, const std::string& origin);
  /// A value every message of which names `context` instead of a line (e.g. "--set k=v").
  static Value fixed(const YAML::Node& n, const std::string& context, const std::string& key);

  Value(const Value& o) = default;
  // yaml-cpp's Node::operator= assigns through to the node referred to; these rebind instead.
  Value& operator=(const Value& o);

  const YAML::Node& node() const { return node_; }
  const std::string& key() const { return key_; }
  const std::string& where() const { return where_; }
  /// The same value under another name in messages.
  Value renamed(const std::string& key) const;

  bool is_null() const { return !node_.IsDefined() || node_.IsNull(); }
  bool is_scalar() const { return node_.IsScalar(); }
  bool is_list() const { return node_.IsSequence(); }
  bool is_map() const { return node_.IsMap(); }
  std::string describe() const { return yaml::describe(node_); }

  /// Throws Error("WHERE: KEY: problem") ("WHERE: problem" for an unnamed value).
  [[noreturn]] void fail(const std::string& problem) const;
  /// fail("expected EXPECTED, got <describe()>").
  [[noreturn]] void wrong_type(const std::string& expected) const;

  /// The scalar's text; anything else is wrong_type(expected).
  std::string scalar(const std::string& expected = "a single value") const;
  std::string as_string() const { return scalar("a string"); }
  /// An integer in lo..hi. Out of range: "TEXT is out of range (valid: VALID)", VALID being
  /// `valid` or "lo..hi".
  long long as_int(long long lo, long long hi, const std::string& valid = "") const;
  double as_double() const;  // finite
  bool as_bool() const;
  /// Index of the name in `names` the scalar equals (any case).
  size_t as_enum(const std::vector<std::string>& names) const;

  /// A list's elements (wrong_type(expected) for anything else), named like the list.
  std::vector<Value> list(const std::string& expected = "a list") const;
  /// A single value or a non-empty list of values, as a list.
  std::vector<Value> items() const;
  /// A mapping whose keys are plain, unique and in `keys` (null: an empty mapping). Anything
  /// else is wrong_type(expected).
  Map map(const Keys& keys, const std::string& expected = "a mapping") const;

 private:
  Value(const YAML::Node& n, std::string origin, bool fixed, std::string key, std::string where);
  Value child(const YAML::Node& n, const YAML::Mark& at, const std::string& key) const;

  YAML::Node node_;
  std::string origin_;  // the file, or the fixed context
  bool fixed_ = false;
  std::string key_, where_;
};

/// A checked mapping, entries in file order.
class Map {
 public:
  using Entry = std::pair<std::string, Value>;
  const Value& self() const { return self_; }
  const std::vector<Entry>& entries() const& { return entries_; }
  // Not on a temporary: `for (auto& e : v.map(k).entries())` would iterate a destroyed Map.
  const std::vector<Entry>& entries() const&& = delete;
  size_t size() const { return entries_.size(); }
  bool has(const std::string& key) const;
  std::optional<Value> get(const std::string& key) const;
  /// Error("WHERE: missing required key 'PATH'") when absent.
  Value required(const std::string& key) const;

 private:
  friend class Value;
  explicit Map(Value self) : self_(std::move(self)) {}
  Value self_;
  std::vector<Entry> entries_;
};

/// Parses a document; a syntax error is Error("ORIGIN:LINE:COLUMN: invalid YAML: MESSAGE").
Value parse(const std::string& text, const std::string& origin);
/// parse(read_text_file(path), path).
Value load_file(const std::string& path);
/// Parses one command-line value (`--set KEY=TEXT`) as a fixed-context Value named `key`; a
/// syntax error is Error("CONTEXT: KEY: invalid value: MESSAGE (quote it if it is text)").
Value parse_value(const std::string& text, const std::string& context, const std::string& key);

}  // namespace csbrnn::yaml
