// The one table of HwConfig's YAML keys. The loader, the `--set` overrides, the YAML printer,
// the unknown-key check, validate_hw_config, `csbrnn config --list-keys` and the key table in
// docs/config.md all come from this table, so a key cannot exist in one of them and not another.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "config/hw_config.h"

namespace csbrnn {

namespace yaml {
class Value;
}

struct HwKey {
  std::string path;         // dotted YAML path, e.g. "engine.pe_groups"
  std::string type;         // "integer", "number", "boolean", "string", "KxL", "none|..."
  std::string description;  // one line
  std::string valid;        // the valid range in words, e.g. "1..65536", "> 0 and <= 10000"
  /// The field's value as YAML scalar text that `set` reads back identically.
  std::function<std::string(const HwConfig&)> get;
  /// Sets the field from a YAML value (config/strict_yaml.h: its location and name are in every
  /// message); throws Error on a value of the wrong type (range problems are left to `check`,
  /// except values that do not fit the field at all).
  std::function<void(HwConfig&, const yaml::Value&)> set;
  /// "" when the field's value is valid, else the problem (e.g. "0 is out of range
  /// (valid: 1..256)").
  std::function<std::string(const HwConfig&)> check;

  /// The key's fields as typed values, in the order the key holds them (a KxL key: two ints),
  /// for binary records: the program container's hw record (isa/program_io.cpp) walks the table
  /// instead of listing HwConfig's fields again.
  struct Field {
    enum class Kind { Int, Real, Bool, Enum, Text };
    Kind kind = Kind::Int;
    int enum_max = 0;                                 // Enum: the largest valid value
    std::function<int64_t(const HwConfig&)> get_int;  // Int, Bool (0/1), Enum
    std::function<void(HwConfig&, int64_t)> set_int;  // Int, Bool, Enum
    std::function<double(const HwConfig&)> get_real;  // Real
    std::function<void(HwConfig&, double)> set_real;  // Real
    std::function<std::string(const HwConfig&)> get_text;
    std::function<void(HwConfig&, const std::string&)> set_text;
  };
  std::vector<Field> fields;

  /// The last path component ("pe_groups").
  std::string leaf() const;
};

/// Every key, in the order the printer writes them (grouped by section).
const std::vector<HwKey>& hw_keys();
/// The key with this exact dotted path, or nullptr.
const HwKey* find_hw_key(const std::string& path);
/// The sections (every proper prefix of a key path: "engine", "engine.pipeline", ...).
const std::vector<std::string>& hw_sections();

/// Resolves a `--set` key: an optional leading "hw.", then either a full dotted path or a unique
/// suffix of one on component boundaries ("pe_groups", "pipeline.multiply"). Throws Error naming
/// `context` for unknown keys (with a suggestion), ambiguous short forms (listing the candidates)
/// and section names.
const HwKey& resolve_hw_key(const std::string& key, const std::string& context);

/// The closest key or section to a misspelt dotted path ("engine.pe_grups" -> "engine.pe_groups",
/// "clock_mhz" -> "engine.clock_mhz"), or "" when nothing is close.
std::string suggest_hw_key(const std::string& path);

/// The key table as plain text (for `csbrnn config --list-keys`) or as a Markdown table (the one
/// committed in docs/config.md). The defaults column shows HwConfig{}.
std::string hw_keys_table_text();
std::string hw_keys_table_markdown();

/// Compares two configs key by key through the table (every field the table covers).
bool hw_config_equal(const HwConfig& a, const HwConfig& b);

}  // namespace csbrnn
