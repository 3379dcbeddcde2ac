// A sweep's manifest, DIR/manifest.jsonl (docs/sweep.md "Outputs"), version 2: the first line
// is a header holding what the expansion needs (the spec as resolved: models with their content
// fingerprints, prune settings, the base hw config as resolved YAML, the overrides, variants, grid
// and search settings); then one fixed-width line per point, `{"index": I,"id":"ID"}`, in
// expansion order. A point's settings and resolved config are regenerated from the header and its
// index (spec.h Expansion), so writing the manifest is streaming and it takes 42 bytes a point.
//
// Contract: point i is the line at byte header + i x width (read without scanning); reading
// point i regenerates it and refuses a manifest whose id for i differs from the regenerated one.
// A version-1 manifest (one full point per line, csbrnn before this format) and a newer version
// are refused in one line naming the file; a rerun of the sweep command rewrites it (point ids
// did not change, so existing results are reused).
#pragma once
#include <cstdint>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "sweep/spec.h"

namespace csbrnn::sweep {

constexpr int kManifestVersion = 2;

/// The expansion context of a spec as JSON (the header's "spec") and back. The base config is
/// stored resolved (`base`), so the header does not depend on files that may change later.
nlohmann::json expansion_to_json(const SweepSpec& s, const HwConfig& base);
SweepSpec expansion_from_json(const nlohmann::json& j, const std::string& where);

/// Writes DIR/manifest.jsonl atomically, point by point.
class ManifestWriter {
 public:
  ManifestWriter(const std::string& dir, const Expansion& ex);
  void add(int64_t index, const std::string& id);  // in index order, every point once
  void commit();

 private:
  AtomicWriter out_;
  int64_t points_, next_ = 0;
  int digits_;
};

/// Reads DIR/manifest.jsonl.
class Manifest {
 public:
  explicit Manifest(const std::string& dir);
  int64_t size() const { return points_; }
  const std::string& path() const { return path_; }
  /// The id on line `index`.
  std::string id_at(int64_t index);
  /// The index of point `id`, or -1 (one pass over the lines).
  int64_t find(const std::string& id);
  /// Calls fn(index, id) for every point, in order (one pass).
  void for_each(const std::function<void(int64_t, const std::string&)>& fn);
  /// Point `index` regenerated (throws when its id is not the manifest's).
  Point point(int64_t index);
  Expansion& expansion() { return *ex_; }

 private:
  std::string path_;
  std::ifstream in_;
  int64_t points_ = 0, header_bytes_ = 0, width_ = 0;
  std::unique_ptr<Expansion> ex_;
};

}  // namespace csbrnn::sweep
