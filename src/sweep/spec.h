// Sweep specs (docs/sweep.md): a strict YAML file naming models, pruning settings, a base hardware
// config and a grid of hardware overrides; its Cartesian product expands into design points, each
// with a stable id (a hash of the point's resolved settings).
//
// Contract: unknown keys, wrong types and impossible values are csbrnn::Error naming file:line
// (or the `--set` override) and, for misspelt keys, the closest valid key. Expansion order is
// fixed: models (slowest), prune methods, rates, blocks, tiles, permutes, variants, then the grid
// keys in file order (the last grid key varies fastest).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/hw_config.h"
#include "prune/prune.h"

namespace csbrnn::sweep {

enum class Mode { Analytic, Simulate };
const char* mode_name(Mode m);  // "analytic", "simulate"

/// (canonical hw key path, YAML scalar value) pairs, applied in order.
using HwSets = std::vector<std::pair<std::string, std::string>>;

struct ModelEntry {
  std::string label;          // shown in tables: the benchmark name (lower case) or the file's stem
  std::string kind;           // "bench" (models/*.yaml), "weights" (.npz / .npy folder), "csb"
  std::string path;           // resolved file (weights, csb) or the models/*.yaml spec (bench)
  std::string fingerprint;    // identity for ids: content checksum of the file
  std::vector<double> rates;  // per-model rates (empty: the spec's prune.rate)
  bool has_mode = false;      // per-model mode
  Mode mode = Mode::Analytic;
  HwSets set;                   // per-model fixed hw overrides
  double paper_latency_us = 0;  // 0: none
  std::string paper_source;
  std::string where;      // file:line of the entry
  double paper_rate = 0;  // bench: the model spec's paper rate (what rate 'paper' means)
};

struct Variant {
  std::string name;
  HwSets set;
};

/// Where the points run (docs/sweep.md "Launchers"): subprocesses here, a Slurm job array, or
/// GNU parallel (local or over ssh). Not part of a point's identity.
enum class Launcher { Local, Slurm, Parallel };
const char* launcher_name(Launcher l);  // "local", "slurm", "parallel"

struct SlurmOptions {
  std::string partition, time, mem, account;  // "" = the cluster's default (sbatch option left out)
  std::vector<std::string> sbatch_options;    // passed to sbatch as they are
  int points_per_task = 0;                    // 0: ceil(points / 1000), at least 1
};

struct ParallelOptions {
  std::vector<std::string> sshlogin;  // each one --sshlogin S; none: this host only
  std::string sshloginfile;           // --sshloginfile FILE ("" = none)
  int points_per_task = 1;
};

/// How the hw.grid axes are combined (docs/sweep.md "Search and Pareto front").
enum class Search { Grid, Random, LatinHypercube };
const char* search_name(Search s);  // "grid", "random", "latin-hypercube"

struct SweepSpec {
  std::string origin;  // the spec file (or text origin)
  std::string dir;     // directory relative paths are resolved against
  std::string name;
  Mode mode = Mode::Analytic;
  std::vector<ModelEntry> models;
  uint64_t seed = 1;
  std::vector<const PruneMethod*> methods{default_method()};
  std::vector<double> rates{0.0};  // 0 = the model spec's paper rate
  std::vector<BlockSize> blocks{BlockSize{32, 32}};
  std::vector<BlockSize> tiles{BlockSize{4, 4}};  // prune.tile: csb-tile's P x Q (bh = P)
  bool tile_set = false;                          // prune.tile given (csb-tile methods only)
  std::vector<std::string> permutes{"none"};      // prune.permute: none | balance
  int timesteps = 4;
  int jobs = 0;              // 0: number of processors
  bool check = true;         // simulate: bit-exact check against the fixed-point reference
  std::string hw_base;       // resolved path; "" = built-in defaults
  std::string hw_base_yaml;  // the base config resolved (a manifest's copy); "" = load hw_base
  HwSets hw_set;
  std::vector<Variant> variants;
  std::vector<std::pair<std::string, std::vector<std::string>>> grid;  // key -> values
  HwSets cli_set;  // `--set` hw keys: applied last, to every point
  Search search = Search::Grid;
  int search_points = 0;     // random / latin-hypercube: samples of the numeric grid axes
  uint64_t search_seed = 1;  // their generator's seed
  bool pareto = false;       // write pareto.md and the pareto_*.svg plots (default: search != grid)
  bool pareto_set = false;   // pareto given explicitly
  Launcher launcher = Launcher::Local;
  SlurmOptions slurm;
  ParallelOptions parallel;
};

/// "local" | "slurm" | "parallel"; throws Error naming `what` otherwise.
Launcher parse_launcher(const std::string& s, const std::string& what);

/// One design point, fully resolved.
struct Point {
  int index = 0;
  std::string id;     // 16 hex digits
  std::string model;  // label
  std::string model_kind, model_path, model_fingerprint;
  std::string method;            // method name, or "-" for a .csb model
  double rate = 0;               // resolved compression rate (0 for a .csb model)
  BlockSize block{0, 0};         // {0,0} for a .csb model
  BlockSize tile{4, 4};          // csb-tile's tile (part of the point's identity for csb-tile only)
  std::string permute = "none";  // none | balance (part of the identity when not none)
  uint64_t seed = 1;
  Mode mode = Mode::Analytic;
  int timesteps = 4;
  bool check = true;
  std::string variant;    // "" when the spec has no variants
  HwSets hw;              // every override applied to the base, in order
  std::string hw_yaml;    // the resolved config (hw_config_to_yaml)
  std::string cache_key;  // pruned-model cache entry ("" for a .csb model)
  double paper_latency_us = 0;
  std::string paper_source;
};

SweepSpec parse_sweep_spec(const std::string& yaml_text, const std::string& origin,
                           const std::string& dir, const std::vector<std::string>& overrides = {});
SweepSpec load_sweep_spec(const std::string& path, const std::vector<std::string>& overrides = {});

/// Most points one sweep may expand into (Expansion refuses more, naming the spec). Expansion
/// holds no point; the manifest takes 42 bytes and the duplicate check 8 bytes a point.
constexpr int64_t kMaxSweepPoints = 10000000;
/// Most points expand() returns at once (each a full Point with its resolved config as YAML).
constexpr int64_t kMaxExpandInMemory = 100000;

/// The points of a spec, by index, without holding them: point(i) regenerates point i from the
/// spec alone (order in the header comment), the same Point every time. Construction counts the
/// points (refusing more than kMaxSweepPoints before anything is built), parses the base config
/// and every override value once, and for random / latin-hypercube draws the samples (a table of
/// search_points x numeric axes small integers: the only memory that grows with the spec).
/// point() keeps a hash prefix of the previous point (not thread-safe; one Expansion per thread).
class Expansion {
 public:
  explicit Expansion(const SweepSpec& s);
  Expansion(const Expansion&) = delete;
  Expansion& operator=(const Expansion&) = delete;
  ~Expansion();

  int64_t size() const;
  const SweepSpec& spec() const;
  /// The resolved base config (hw.base or the built-in defaults).
  const HwConfig& base() const;

  /// Point `index` fully resolved (hw_yaml, id, cache_key). Throws Error naming the spec when
  /// its combination is an impossible hardware config.
  Point point(int64_t index);
  /// Point `index` without its hardware: every field but hw_yaml and id (cache_key is set).
  Point prune_point(int64_t index) const;
  /// The resolved hw config of point `index` (no YAML); throws as point() does.
  HwConfig config(int64_t index) const;
  /// The first point whose pruned model is cache entry `key`, or -1.
  int64_t first_with_cache_key(const std::string& key) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;  // owned: also freed when the constructor refuses the spec
};

/// Collects the 64-bit ids of an expansion and refuses two points with identical settings
/// (8 bytes a point; the duplicate is named by index, found again in `ex`).
class DuplicateCheck {
 public:
  explicit DuplicateCheck(int64_t points = 0) { ids_.reserve(size_t(points)); }
  void add(const std::string& id_hex);
  /// Throws Error naming the spec and the later of two points with the same id.
  void finish(Expansion& ex);

 private:
  std::vector<uint64_t> ids_;
};

/// Every point of the spec (tests, small tools): refuses more than kMaxExpandInMemory points.
/// Throws Error naming the spec when a combination is an impossible hardware config or two
/// points have identical resolved settings.
std::vector<Point> expand(const SweepSpec& s);

/// A grid axis is numeric when every value is a number (the axes random / latin-hypercube sample).
bool grid_axis_numeric(const std::vector<std::string>& values);
/// random / latin-hypercube: the chosen value index of each numeric grid axis (in grid order),
/// per sample, duplicates dropped (first kept), in sample order.
std::vector<std::vector<int>> search_choices(const SweepSpec& s);

/// Stable id: FNV-1a 64 of the canonical text of the point's settings (canonical_settings).
std::string point_id(const Point& p);
std::string canonical_settings(const Point& p);
/// Cache key of the pruned model (model identity, seed, method, rate, block).
std::string cache_key(const Point& p);

nlohmann::json point_to_json(const Point& p);
Point point_from_json(const nlohmann::json& j);

/// Hardware keys whose resolved value differs between points (in hw_keys() order).
std::vector<std::string> varying_hw_keys(const std::vector<Point>& pts);
std::vector<std::string> varying_hw_keys(const std::vector<HwConfig>& cfgs);
/// The resolved hw config of each point (parsed from its hw_yaml), in order.
std::vector<HwConfig> point_hw_configs(const std::vector<Point>& pts);
/// Resolved value of a hw key of a point (from hw_yaml).
std::string hw_value(const Point& p, const std::string& key);

std::string fnv1a64_hex(const std::string& s);
uint64_t fnv1a64(const std::string& s);
/// FNV-1a 64 of a sequence of texts, each sharing a prefix with the one before: the state at every
/// 64-byte boundary of the previous text is kept, so only the bytes from the first one that
/// differs are hashed again. hash(t) == fnv1a64(t).
class PrefixHasher {
 public:
  uint64_t hash(const std::string& text);

 private:
  std::string prev_;
  std::vector<uint64_t> states_;  // states_[k]: state after the first 64 k bytes of prev_
};
/// 16 lower-case hex digits, and back (false when `hex` is not 16 hex digits).
std::string id_hex(uint64_t id);
bool parse_id(const std::string& hex, uint64_t& id);

}  // namespace csbrnn::sweep
