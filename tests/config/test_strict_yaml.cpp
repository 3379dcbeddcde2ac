// The one strict-YAML module (config/strict_yaml.h) that hardware configs, sweep specs and model
// specs read their files through: unknown and duplicate keys, typed scalars, required keys, and
// the file:line every message starts with. The three users' own tests check a real file of each
// kind on top of this.
#include <yaml-cpp/yaml.h>

#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/file_util.h"
#include "config/strict_yaml.h"
#include "support/test_util.h"

using namespace csbrnn;
using yaml::Keys;
using yaml::Value;

namespace {

/// The message of the csbrnn::Error that f throws (fails the test if it throws nothing).
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    const std::string m = e.what();
    CHECK(m.find('\n') == std::string::npos);
    return m;
  }
  FAIL("expected a csbrnn::Error");
  return "";
}

/// The value of top-level key `key` of a one-document text "f.yaml" (any keys allowed).
Value top(const std::string& text, const std::string& key) {
  const auto m = yaml::parse(text, "f.yaml").map(Keys::any());
  return m.required(key);
}

}  // namespace

TEST_CASE("strict yaml: unknown keys are refused with the nearest valid name") {
  const std::string text = "# comment\nengine:\n  clock: 1\n  lanse: 2\n";
  const Value doc = yaml::parse(text, "f.yaml");
  const auto m = doc.map({"engine", "memory"});
  REQUIRE(m.size() == 1);
  const Value engine = m.required("engine");
  CHECK(error_of([&] {
          engine.map({"clock", "lanes"});
        }) == "f.yaml:4: unknown key 'engine.lanse' (did you mean 'engine.lanes'?)");
  // Nothing close: the valid names are listed.
  CHECK(error_of([&] {
          engine.map({"clock", "zzzzzzzz"});
        }) == "f.yaml:4: unknown key 'engine.lanse' (valid: clock, zzzzzzzz)");
  // A caller's own suggestion (e.g. a key that belongs in another section) and fallback text.
  Keys own({"clock"});
  own.suggest = [](const std::string& k) { return k == "lanse" ? "eltwise.lanes" : ""; };
  CHECK(error_of([&] { engine.map(own); }) ==
        "f.yaml:4: unknown key 'engine.lanse' (did you mean 'eltwise.lanes'?)");
  own.suggest = [](const std::string&) { return std::string(); };
  own.otherwise = "; see the key list";
  CHECK(error_of([&] { engine.map(own); }) ==
        "f.yaml:4: unknown key 'engine.lanse'; see the key list");
  // At the top level the name has no section prefix.
  CHECK(error_of([&] { yaml::parse("enigne: 1\n", "f.yaml").map({"engine"}); }) ==
        "f.yaml:1: unknown key 'enigne' (did you mean 'engine'?)");
  // Keys that are not plain names.
  CHECK(error_of([&] { yaml::parse("? [a, b]\n: 1\n", "f.yaml").map(Keys::any()); }) ==
        "f.yaml:1: a key must be a plain name, got a list");
  // Any key is fine under Keys::any(), in file order.
  const auto any = yaml::parse("b: 1\na: 2\n", "f.yaml").map(Keys::any());
  REQUIRE(any.size() == 2);
  CHECK(any.entries()[0].first == "b");
  CHECK(any.entries()[1].first == "a");
}

TEST_CASE("strict yaml: duplicate keys are refused naming both lines") {
  // yaml-cpp 0.7 keeps both entries and operator[] finds the first: without the check the second
  // value would be dropped silently.
  const YAML::Node raw = YAML::Load("a: 1\nb: 2\na: 3\n");
  CHECK(raw.size() == 3);
  CHECK(raw["a"].as<int>() == 1);
  CHECK(error_of([] {
          yaml::parse("a: 1\nb: 2\na: 3\n", "f.yaml").map({"a", "b"});
        }) == "f.yaml:3: duplicate key 'a' (first at line 1)");
  CHECK(error_of([] { yaml::parse("a: 1\nb: 2\na: 3\n", "f.yaml").map(Keys::any()); }) ==
        "f.yaml:3: duplicate key 'a' (first at line 1)");
  // Quoting does not make another key; flow mappings and nested sections are checked too.
  CHECK(error_of([] { yaml::parse("a: 1\n'a': 2\n", "f.yaml").map({"a"}); }) ==
        "f.yaml:2: duplicate key 'a' (first at line 1)");
  CHECK(error_of([] { top("m: {x: 1, x: 2}\n", "m").map({"x"}); }) ==
        "f.yaml:1: duplicate key 'm.x' (first at line 1)");
  CHECK(error_of([] { top("s:\n  x: 1\n\n  x: 2\n", "s").map({"x"}); }) ==
        "f.yaml:4: duplicate key 's.x' (first at line 2)");
  // A command-line value has no lines to name.
  YAML::Node n = YAML::Load("{x: 1, x: 2}");
  CHECK(error_of([&] { Value::fixed(n, "--set k={...}", "k").map({"x"}); }) ==
        "--set k={...}: duplicate key 'k.x'");
}

TEST_CASE("strict yaml: wrong types name file:line, the key and what was found") {
  const std::string t =
      "i: 4.5\nh: 0x10\nd: fast\ninf: .inf\nnan: nan\nb: maybe\nm: {x: 1}\nl: [1, 2]\n"
      "e: vertcal\nz:\n";
  auto v = [&](const std::string& k) { return top(t, k); };
  CHECK(error_of([&] { v("i").as_int(0, 9); }) == "f.yaml:1: i: expected an integer, got '4.5'");
  CHECK(error_of([&] { v("h").as_int(0, 99); }) == "f.yaml:2: h: expected an integer, got '0x10'");
  CHECK(error_of([&] { v("d").as_double(); }) == "f.yaml:3: d: expected a number, got 'fast'");
  CHECK(error_of([&] { v("inf").as_double(); }) == "f.yaml:4: inf: expected a number, got '.inf'");
  CHECK(error_of([&] { v("nan").as_double(); }) == "f.yaml:5: nan: expected a number, got 'nan'");
  CHECK(error_of([&] { v("b").as_bool(); }) == "f.yaml:6: b: expected true or false, got 'maybe'");
  CHECK(error_of([&] { v("m").as_string(); }) == "f.yaml:7: m: expected a string, got a mapping");
  CHECK(error_of([&] { v("l").as_int(0, 9); }) == "f.yaml:8: l: expected an integer, got a list");
  CHECK(error_of([&] {
          v("e").as_enum({"none", "horizontal", "vertical", "2d"});
        }) ==
        "f.yaml:9: e: expected one of none, horizontal, vertical, 2d, got 'vertcal' (did you "
        "mean 'vertical'?)");
  CHECK(error_of([&] { v("z").as_double(); }) == "f.yaml:10: z: expected a number, got nothing");
  CHECK(error_of([&] { v("m").list(); }) == "f.yaml:7: m: expected a list, got a mapping");
  CHECK(error_of([&] { v("l").map(Keys::any()); }) ==
        "f.yaml:8: l: expected a mapping, got a list");
  CHECK(error_of([&] { v("m").items(); }) ==
        "f.yaml:7: m: expected a value or a list of values, got a mapping");
  CHECK(error_of([&] { top("l: []\n", "l").items(); }) == "f.yaml:1: l: empty list");
  // Values of the right type, by the documented rules.
  const std::string ok =
      "a: +5\nb: -3\nc: ' 7 '\nd: 1e-3\ne: 19.2\nf: YES\ng: Off\nh: 2D\ni: text\nj: 123\n";
  CHECK(top(ok, "a").as_int(0, 9) == 5);
  CHECK(top(ok, "b").as_int(-9, 9) == -3);
  CHECK(top(ok, "c").as_int(0, 9) == 7);
  CHECK(top(ok, "d").as_double() == 1e-3);
  CHECK(top(ok, "e").as_double() == 19.2);
  CHECK(top(ok, "f").as_bool());
  CHECK_FALSE(top(ok, "g").as_bool());
  CHECK(top(ok, "h").as_enum({"none", "2d"}) == 1);
  CHECK(top(ok, "i").as_string() == "text");
  CHECK(top(ok, "j").as_string() == "123");
  CHECK(error_of([] { top("a: +-5\n", "a").as_int(-9, 9); }) ==
        "f.yaml:1: a: expected an integer, got '+-5'");
  // A single value reads as a one-element list.
  const auto one = top("x: 3\n", "x").items();
  REQUIRE(one.size() == 1);
  CHECK(one[0].as_int(0, 9) == 3);
}

TEST_CASE("strict yaml: out-of-range integers name the valid range") {
  CHECK(error_of([] { top("n: 0\n", "n").as_int(1, 10); }) ==
        "f.yaml:1: n: 0 is out of range (valid: 1..10)");
  CHECK(error_of([] { top("n: 11\n", "n").as_int(1, 10); }) ==
        "f.yaml:1: n: 11 is out of range (valid: 1..10)");
  // Beyond 64 bits is out of range too, not a wrong type; the caller may word the range.
  CHECK(error_of([] { top("n: 99999999999999999999999\n", "n").as_int(1, 10, "1..10 lanes"); }) ==
        "f.yaml:1: n: 99999999999999999999999 is out of range (valid: 1..10 lanes)");
  CHECK(error_of([] { top("n: -99999999999999999999999\n", "n").as_int(1, 10); }) ==
        "f.yaml:1: n: -99999999999999999999999 is out of range (valid: 1..10)");
  CHECK(top("n: 10\n", "n").as_int(1, 10) == 10);
  CHECK(top("n: 1\n", "n").as_int(1, 10) == 1);
  CHECK(top("n: 9223372036854775807\n", "n").as_int(0, INT64_MAX) == INT64_MAX);
}

TEST_CASE("strict yaml: missing required keys name the mapping and the key") {
  const std::string t = "# c\nsec:\n  a: 1\n";
  const auto root = yaml::parse(t, "f.yaml").map({"sec"});
  const auto sec = root.required("sec").map({"a", "b"});
  CHECK(sec.required("a").as_int(0, 9) == 1);
  CHECK_FALSE(sec.has("b"));
  CHECK_FALSE(sec.get("b").has_value());
  // A section is where its key is; the document where its first key is.
  CHECK(error_of([&] { sec.required("b"); }) == "f.yaml:2: missing required key 'sec.b'");
  CHECK(error_of([&] { root.required("top"); }) == "f.yaml:2: missing required key 'top'");
  // An empty document is an empty mapping with no line.
  const auto empty = yaml::parse("", "f.yaml").map({"x"});
  CHECK(empty.size() == 0);
  CHECK(error_of([&] { empty.required("x"); }) == "f.yaml: missing required key 'x'");
}

TEST_CASE("strict yaml: every message names the right line") {
  // Lines counted by hand: comments and blank lines count, a map entry is its key's line (also
  // when its value is null or starts on a later line), a list element is its own line.
  const std::string t =
      "# 1\n"
      "\n"
      "a: 1\n"         // 3
      "list:\n"        // 4
      "  - 1\n"        // 5
      "  - x\n"        // 6
      "flow: [1,\n"    // 7
      "   y]\n"        // 8
      "empty:\n"       // 9
      "nested:\n"      // 10
      "  deeper:\n"    // 11
      "    k: bad\n";  // 12
  const auto m = yaml::parse(t, "f.yaml").map(Keys::any());
  CHECK(m.required("a").where() == "f.yaml:3");
  const auto list = m.required("list").list();
  REQUIRE(list.size() == 2);
  CHECK(list[0].where() == "f.yaml:5");
  CHECK(error_of([&] { list[1].as_int(0, 9); }) == "f.yaml:6: list: expected an integer, got 'x'");
  const auto flow = m.required("flow").items();
  CHECK(error_of([&] { flow[1].as_int(0, 9); }) == "f.yaml:8: flow: expected an integer, got 'y'");
  CHECK(error_of([&] { m.required("empty").as_int(0, 9); }) ==
        "f.yaml:9: empty: expected an integer, got nothing");
  const Value k =
      m.required("nested").map(Keys::any()).required("deeper").map(Keys::any()).required("k");
  CHECK(k.key() == "nested.deeper.k");
  CHECK(error_of([&] { k.as_bool(); }) ==
        "f.yaml:12: nested.deeper.k: expected true or false, got 'bad'");
  CHECK(error_of([&] { k.renamed("other").fail("my problem"); }) == "f.yaml:12: other: my problem");
  // A fixed context replaces the line everywhere below it.
  const Value f = yaml::parse_value("{a: [1, z]}", "--set k={a: [1, z]}", "k");
  const Value z = f.map({"a"}).required("a").list()[1];
  CHECK(error_of([&] { z.as_int(0, 9); }) ==
        "--set k={a: [1, z]}: k.a: expected an integer, got 'z'");
  // Files: the path is the origin.
  test::TempDir d("strict-yaml");
  const std::string path = d.file("x.yaml");
  write_file_atomic(path, std::string("# header\nkey: [\n"));
  const std::string msg = error_of([&] { yaml::load_file(path); });
  CHECK(msg.rfind(path + ":", 0) == 0);
  write_file_atomic(path, std::string("# header\n\nkey: v\n"));
  CHECK(yaml::load_file(path).map({"key"}).required("key").where() == path + ":3");
  const std::string missing = d.file("missing.yaml");
  CHECK(error_of([&] { yaml::load_file(missing); }).find(missing) != std::string::npos);
}

TEST_CASE("strict yaml: a syntax error is one line with file:line:column") {
  // yaml-cpp's own text names the same position ("error at line L, column C"), 1-based.
  struct Case {
    std::string text, at;
  };
  const std::vector<Case> cases = {
      {"engine:\n  clock_mhz: [1,\n  2\nbuffers: 3\n", "line 4, column 8"},
      {"engine:\n  clock_mhz: 1\n bad: 2\n", "line 3, column 2"},
      {"name: &a x\nengine: *b\n", "line 2, column 9"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    std::string native;
    try {
      YAML::Load(c.text);
    } catch (const YAML::Exception& e) {
      native = e.what();
    }
    REQUIRE(native.find(c.at) != std::string::npos);
    const auto comma = c.at.find(',');
    const std::string line = c.at.substr(5, comma - 5);
    const std::string col = c.at.substr(comma + 9);
    const std::string msg = error_of([&] { yaml::parse(c.text, "cfg.yaml"); });
    CHECK(msg.rfind("cfg.yaml:" + line + ":" + col + ": invalid YAML: ", 0) == 0);
  }
  CHECK(error_of([] {
          yaml::parse_value("[x", "--set name=[x", "name");
        }).rfind("--set name=[x: name: invalid value: ", 0) == 0);
}
