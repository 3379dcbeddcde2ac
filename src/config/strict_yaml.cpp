#include "config/strict_yaml.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>

#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"

namespace csbrnn::yaml {
namespace {

std::string lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string locate(const std::string& origin, bool fixed, const YAML::Mark& m) {
  if (fixed || m.is_null()) return origin;
  return cat(origin, ":", m.line + 1);
}

std::string sub_key(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

}  // namespace

std::string describe(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsSequence()) return "a list";
  if (n.IsMap()) return "a mapping";
  return "'" + n.Scalar() + "'";
}

IntText read_integer(const std::string& text, long long& v) {
  std::string t = trim(text);
  if (!t.empty() && t[0] == '+') {
    t.erase(0, 1);
    if (!t.empty() && (t[0] == '+' || t[0] == '-')) return IntText::NotInteger;
  }
  if (t.empty()) return IntText::NotInteger;
  const char* b = t.data();
  const char* e = b + t.size();
  const auto r = std::from_chars(b, e, v);
  if (r.ptr != e) return IntText::NotInteger;
  if (r.ec == std::errc::result_out_of_range) return IntText::Overflow;
  return r.ec == std::errc() ? IntText::Ok : IntText::NotInteger;
}

bool read_number(const std::string& text, double& v) {
  const std::string t = trim(text);
  if (t.empty()) return false;
  // Plain decimal or exponent notation only (no hex floats, inf or nan).
  for (char ch : t)
    if (!(std::isdigit(static_cast<unsigned char>(ch)) || ch == '+' || ch == '-' || ch == '.' ||
          ch == 'e' || ch == 'E'))
      return false;
  char* end = nullptr;
  v = std::strtod(t.c_str(), &end);
  return end == t.c_str() + t.size() && std::isfinite(v);
}

Keys Keys::any() {
  Keys k(std::vector<std::string>{});
  k.any_key = true;
  return k;
}

// ---- Value ------------------------------------------------------------------------------------

Value::Value(const YAML::Node& n, std::string origin, bool fixed, std::string key,
             std::string where)
    : node_(n),
      origin_(std::move(origin)),
      fixed_(fixed),
      key_(std::move(key)),
      where_(std::move(where)) {}

Value Value::root(const YAML::Node& n, const std::string& origin) {
  return Value(n, origin, false, "", locate(origin, false, n.Mark()));
}

Value Value::fixed(const YAML::Node& n, const std::string& context, const std::string& key) {
  return Value(n, context, true, key, context);
}

Value& Value::operator=(const Value& o) {
  if (this == &o) return *this;
  node_.reset(o.node_);
  origin_ = o.origin_;
  fixed_ = o.fixed_;
  key_ = o.key_;
  where_ = o.where_;
  return *this;
}

Value Value::child(const YAML::Node& n, const YAML::Mark& at, const std::string& key) const {
  return Value(n, origin_, fixed_, key, locate(origin_, fixed_, at));
}

Value Value::renamed(const std::string& key) const {
  Value v(*this);
  v.key_ = key;
  return v;
}

void Value::fail(const std::string& problem) const {
  if (key_.empty()) csbrnn::fail(where_, ": ", problem);
  csbrnn::fail(where_, ": ", key_, ": ", problem);
}

void Value::wrong_type(const std::string& expected) const {
  fail(cat("expected ", expected, ", got ", describe()));
}

std::string Value::scalar(const std::string& expected) const {
  if (!node_.IsScalar()) wrong_type(expected);
  return node_.Scalar();
}

long long Value::as_int(long long lo, long long hi, const std::string& valid) const {
  const std::string text = scalar("an integer");
  long long v = 0;
  const IntText r = read_integer(text, v);
  if (r == IntText::NotInteger) wrong_type("an integer");
  if (r == IntText::Overflow || v < lo || v > hi)
    fail(cat(trim(text), " is out of range (valid: ", valid.empty() ? cat(lo, "..", hi) : valid,
             ")"));
  return v;
}

double Value::as_double() const {
  double v = 0;
  if (!node_.IsScalar() || !read_number(node_.Scalar(), v)) wrong_type("a number");
  return v;
}

bool Value::as_bool() const {
  const std::string t = lower(trim(scalar("true or false")));
  if (t == "true" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "no" || t == "off") return false;
  wrong_type("true or false");
}

size_t Value::as_enum(const std::vector<std::string>& names) const {
  const std::string expected = "one of " + join(names);
  const std::string t = lower(trim(scalar(expected)));
  std::vector<std::string> lowered;
  for (size_t i = 0; i < names.size(); ++i) {
    lowered.push_back(lower(names[i]));
    if (t == lowered.back()) return i;
  }
  const std::string near = closest_match(t, lowered);
  std::string name_near;
  for (size_t i = 0; i < names.size(); ++i)
    if (!near.empty() && lowered[i] == near) name_near = names[i];
  fail(cat("expected ", expected, ", got ", describe(),
           name_near.empty() ? "" : " (did you mean '" + name_near + "'?)"));
}

std::vector<Value> Value::list(const std::string& expected) const {
  if (!node_.IsSequence()) wrong_type(expected);
  std::vector<Value> out;
  for (const auto& e : node_) out.push_back(child(e, e.Mark(), key_));
  return out;
}

std::vector<Value> Value::items() const {
  if (node_.IsScalar()) return {*this};
  if (!node_.IsSequence()) wrong_type("a value or a list of values");
  std::vector<Value> out = list();
  if (out.empty()) fail("empty list");
  return out;
}

Map Value::map(const Keys& keys, const std::string& expected) const {
  Map m(*this);
  if (is_null()) return m;
  if (!node_.IsMap()) wrong_type(expected);
  std::map<std::string, int> first_line;  // key -> line of its first occurrence
  for (auto it = node_.begin(); it != node_.end(); ++it) {
    const YAML::Node k = it->first;
    const std::string at = locate(origin_, fixed_, k.Mark());
    if (!k.IsScalar())
      csbrnn::fail(at, ": a key must be a plain name, got ", yaml::describe(k),
                   key_.empty() ? "" : " in '" + key_ + "'");
    const std::string name = k.Scalar();
    const std::string shown = sub_key(key_, name);
    const auto first = first_line.emplace(name, k.Mark().line + 1);
    if (!first.second)
      csbrnn::fail(at, ": duplicate key '", shown, "'",
                   fixed_ ? "" : cat(" (first at line ", first.first->second, ")"));
    if (!keys.any_key &&
        std::find(keys.names.begin(), keys.names.end(), name) == keys.names.end()) {
      std::string near;
      if (keys.suggest) {
        near = keys.suggest(name);
      } else {
        near = closest_match(name, keys.names);
        if (!near.empty()) near = sub_key(key_, near);
      }
      csbrnn::fail(at, ": unknown key '", shown, "'",
                   !near.empty()             ? " (did you mean '" + near + "'?)"
                   : !keys.otherwise.empty() ? keys.otherwise
                                             : " (valid: " + join(keys.names) + ")");
    }
    m.entries_.emplace_back(name, child(it->second, k.Mark(), shown));
  }
  return m;
}

// ---- Map --------------------------------------------------------------------------------------

bool Map::has(const std::string& key) const {
  for (const auto& e : entries_)
    if (e.first == key) return true;
  return false;
}

std::optional<Value> Map::get(const std::string& key) const {
  for (const auto& e : entries_)
    if (e.first == key) return e.second;
  return std::nullopt;
}

Value Map::required(const std::string& key) const {
  if (auto v = get(key)) return *v;
  csbrnn::fail(self_.where(), ": missing required key '", sub_key(self_.key(), key), "'");
}

// ---- documents --------------------------------------------------------------------------------

Value parse(const std::string& text, const std::string& origin) {
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    if (e.mark.is_null()) fail(origin, ": invalid YAML: ", one_line(e.msg));
    fail(origin, ":", e.mark.line + 1, ":", e.mark.column + 1, ": invalid YAML: ", one_line(e.msg));
  }
  return Value::root(doc, origin);
}

Value load_file(const std::string& path) {
  return parse(read_text_file(path), path);
}

Value parse_value(const std::string& text, const std::string& context, const std::string& key) {
  YAML::Node n;
  try {
    n = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    fail(context, ": ", key.empty() ? "" : key + ": ", "invalid value: ", one_line(e.msg),
         " (quote it if it is text)");
  }
  return Value::fixed(n, context, key);
}

}  // namespace csbrnn::yaml
