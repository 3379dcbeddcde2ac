#include "sweep/manifest.h"

#include <filesystem>

#include "common/error.h"
#include "common/strings.h"
#include "config/config_loader.h"
#include "prune/registry.h"

namespace csbrnn::sweep {
namespace fs = std::filesystem;
namespace {

nlohmann::json sets_json(const HwSets& sets) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& kv : sets) a.push_back({kv.first, kv.second});
  return a;
}

HwSets sets_of(const nlohmann::json& a) {
  HwSets out;
  for (const auto& kv : a)
    out.emplace_back(kv.at(0).get<std::string>(), kv.at(1).get<std::string>());
  return out;
}

Mode mode_of(const nlohmann::json& j) {
  return j.get<std::string>() == "simulate" ? Mode::Simulate : Mode::Analytic;
}

Search search_of(const std::string& s) {
  return s == "random"            ? Search::Random
         : s == "latin-hypercube" ? Search::LatinHypercube
                                  : Search::Grid;
}

int digits_of(int64_t points) {
  int d = 1;
  for (int64_t v = points - 1; v >= 10; v /= 10) ++d;
  return d;
}

// {"index": I,"id":"0123456789abcdef"} and "\n": I right-aligned in `digits` characters.
int64_t line_width(int digits) {
  return 9 + digits + 7 + 16 + 2 + 1;
}

}  // namespace

nlohmann::json expansion_to_json(const SweepSpec& s, const HwConfig& base) {
  nlohmann::json models = nlohmann::json::array();
  for (const ModelEntry& m : s.models)
    models.push_back({{"label", m.label},
                      {"kind", m.kind},
                      {"path", m.path},
                      {"fingerprint", m.fingerprint},
                      {"rates", m.rates},
                      {"has_mode", m.has_mode},
                      {"mode", mode_name(m.mode)},
                      {"set", sets_json(m.set)},
                      {"paper_latency_us", m.paper_latency_us},
                      {"paper_source", m.paper_source},
                      {"where", m.where},
                      {"paper_rate", m.paper_rate}});
  nlohmann::json methods = nlohmann::json::array(), blocks = nlohmann::json::array();
  for (const PruneMethod* pm : s.methods) methods.push_back(method_name(pm));
  for (const BlockSize& b : s.blocks) blocks.push_back({b.bh, b.bw});
  nlohmann::json tiles = nlohmann::json::array();
  for (const BlockSize& b : s.tiles) tiles.push_back({b.bh, b.bw});
  nlohmann::json variants = nlohmann::json::array(), grid = nlohmann::json::array();
  for (const Variant& v : s.variants)
    variants.push_back({{"name", v.name}, {"set", sets_json(v.set)}});
  for (const auto& [key, values] : s.grid) grid.push_back({key, values});
  return {{"origin", s.origin},
          {"dir", s.dir},
          {"name", s.name},
          {"mode", mode_name(s.mode)},
          {"models", models},
          {"seed", s.seed},
          {"methods", methods},
          {"rates", s.rates},
          {"blocks", blocks},
          {"tiles", tiles},
          {"tile_set", s.tile_set},
          {"permutes", s.permutes},
          {"timesteps", s.timesteps},
          {"check", s.check},
          {"hw_base", s.hw_base},
          {"hw_base_yaml", hw_config_to_yaml(base)},
          {"hw_set", sets_json(s.hw_set)},
          {"variants", variants},
          {"grid", grid},
          {"cli_set", sets_json(s.cli_set)},
          {"search", search_name(s.search)},
          {"search_points", s.search_points},
          {"search_seed", s.search_seed},
          {"pareto", s.pareto}};
}

SweepSpec expansion_from_json(const nlohmann::json& j, const std::string& where) {
  SweepSpec s;
  try {
    s.origin = j.at("origin").get<std::string>();
    s.dir = j.at("dir").get<std::string>();
    s.name = j.at("name").get<std::string>();
    s.mode = mode_of(j.at("mode"));
    for (const auto& e : j.at("models")) {
      ModelEntry m;
      m.label = e.at("label").get<std::string>();
      m.kind = e.at("kind").get<std::string>();
      m.path = e.at("path").get<std::string>();
      m.fingerprint = e.at("fingerprint").get<std::string>();
      m.rates = e.at("rates").get<std::vector<double>>();
      m.has_mode = e.at("has_mode").get<bool>();
      m.mode = mode_of(e.at("mode"));
      m.set = sets_of(e.at("set"));
      m.paper_latency_us = e.at("paper_latency_us").get<double>();
      m.paper_source = e.at("paper_source").get<std::string>();
      m.where = e.at("where").get<std::string>();
      m.paper_rate = e.at("paper_rate").get<double>();
      s.models.push_back(m);
    }
    s.seed = j.at("seed").get<uint64_t>();
    s.methods.clear();
    for (const auto& m : j.at("methods")) s.methods.push_back(parse_method(m.get<std::string>()));
    s.rates = j.at("rates").get<std::vector<double>>();
    s.blocks.clear();
    for (const auto& b : j.at("blocks"))
      s.blocks.push_back(BlockSize{b.at(0).get<int>(), b.at(1).get<int>()});
    if (j.contains("tiles")) {  // absent in a manifest written before prune.tile / permute
      s.tiles.clear();
      for (const auto& b : j.at("tiles"))
        s.tiles.push_back(BlockSize{b.at(0).get<int>(), b.at(1).get<int>()});
      s.tile_set = j.at("tile_set").get<bool>();
      s.permutes = j.at("permutes").get<std::vector<std::string>>();
    }
    s.timesteps = j.at("timesteps").get<int>();
    s.check = j.at("check").get<bool>();
    s.hw_base = j.at("hw_base").get<std::string>();
    s.hw_base_yaml = j.at("hw_base_yaml").get<std::string>();
    s.hw_set = sets_of(j.at("hw_set"));
    for (const auto& v : j.at("variants"))
      s.variants.push_back(Variant{v.at("name").get<std::string>(), sets_of(v.at("set"))});
    for (const auto& g : j.at("grid"))
      s.grid.emplace_back(g.at(0).get<std::string>(), g.at(1).get<std::vector<std::string>>());
    s.cli_set = sets_of(j.at("cli_set"));
    s.search = search_of(j.at("search").get<std::string>());
    s.search_points = j.at("search_points").get<int>();
    s.search_seed = j.at("search_seed").get<uint64_t>();
    s.pareto = j.at("pareto").get<bool>();
  } catch (const nlohmann::json::exception& e) {
    fail(where, ": not a sweep manifest header: ", e.what());
  }
  return s;
}

ManifestWriter::ManifestWriter(const std::string& dir, const Expansion& ex)
    : out_((fs::path(dir) / "manifest.jsonl").string()),
      points_(ex.size()),
      digits_(digits_of(ex.size())) {
  const nlohmann::json h = {{"csbrnn_sweep_manifest", kManifestVersion},
                            {"points", points_},
                            {"line_bytes", line_width(digits_)},
                            {"spec", expansion_to_json(ex.spec(), ex.base())}};
  out_.write(h.dump() + "\n");
}

void ManifestWriter::add(int64_t index, const std::string& id) {
  CSBRNN_ASSERT(index == next_ && id.size() == 16, "manifest: point ", index, " out of order");
  char buf[64];
  const int n = std::snprintf(buf, sizeof buf, "{\"index\":%*lld,\"id\":\"%s\"}\n", digits_,
                              (long long)index, id.c_str());
  out_.write(buf, size_t(n));
  ++next_;
}

void ManifestWriter::commit() {
  CSBRNN_ASSERT(next_ == points_, "manifest: ", next_, " of ", points_, " points written");
  out_.commit();
}

Manifest::Manifest(const std::string& dir)
    : path_((fs::path(dir) / "manifest.jsonl").string()), in_(path_, std::ios::binary) {
  if (!in_) fail(path_, ": cannot open (no sweep in this directory?)");
  std::string line;
  std::getline(in_, line);
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(line);
  } catch (const std::exception&) {
    fail(path_, ":1: not a sweep manifest (its first line is not JSON)");
  }
  if (!h.is_object() || !h.contains("csbrnn_sweep_manifest")) {
    if (h.is_object() && h.contains("hw_yaml"))
      fail(path_,
           ": a version-1 manifest (one full point a line, from an older csbrnn); rerun the sweep "
           "command on this directory to rewrite it (point ids are unchanged: its results are "
           "kept and reused)");
    fail(path_, ":1: not a sweep manifest header");
  }
  const int version =
      h["csbrnn_sweep_manifest"].is_number_integer() ? h["csbrnn_sweep_manifest"].get<int>() : -1;
  if (version != kManifestVersion)
    fail(path_, ": manifest version ", h["csbrnn_sweep_manifest"].dump(), ", this csbrnn reads ",
         kManifestVersion, "; rerun the sweep command with this csbrnn to rewrite it");
  try {
    points_ = h.at("points").get<int64_t>();
    width_ = h.at("line_bytes").get<int64_t>();
  } catch (const nlohmann::json::exception& e) {
    fail(path_, ":1: not a sweep manifest header: ", e.what());
  }
  header_bytes_ = int64_t(line.size()) + 1;
  std::error_code ec;
  const auto bytes = fs::file_size(path_, ec);
  if (ec || points_ < 0 || width_ != line_width(digits_of(points_)) ||
      int64_t(bytes) != header_bytes_ + points_ * width_)
    fail(path_, ": truncated or corrupt (", points_, " points of ", width_,
         " bytes announced, file has ", uint64_t(bytes), " bytes)");
  ex_ = std::make_unique<Expansion>(expansion_from_json(h.at("spec"), path_));
  if (ex_->size() != points_)
    fail(path_, ": its header expands into ", ex_->size(), " points, not the ", points_,
         " listed (corrupt)");
}

std::string Manifest::id_at(int64_t index) {
  CSBRNN_ASSERT(index >= 0 && index < points_, "manifest: index ", index, " out of range");
  std::string line(size_t(width_), '\0');
  in_.clear();
  in_.seekg(header_bytes_ + index * width_);
  in_.read(&line[0], width_);
  const size_t at = line.find("\"id\":\"");
  if (!in_ || at == std::string::npos || at + 22 > line.size())
    fail(path_, ":", index + 2, ": not a point line");
  return line.substr(at + 6, 16);
}

void Manifest::for_each(const std::function<void(int64_t, const std::string&)>& fn) {
  in_.clear();
  in_.seekg(header_bytes_);
  std::vector<char> buf(size_t(width_) * 4096);
  for (int64_t i = 0; i < points_;) {
    const int64_t n = std::min<int64_t>(4096, points_ - i);
    in_.read(buf.data(), n * width_);
    if (!in_) fail(path_, ": truncated at point ", i);
    for (int64_t k = 0; k < n; ++k, ++i) {
      const char* l = buf.data() + k * width_;
      fn(i, std::string(l + width_ - 19, 16));  // ...,"id":"ID"}\n
    }
  }
}

int64_t Manifest::find(const std::string& id) {
  int64_t found = -1;
  for_each([&](int64_t i, const std::string& x) {
    if (found < 0 && x == id) found = i;
  });
  return found;
}

Point Manifest::point(int64_t index) {
  const std::string id = id_at(index);
  Point p = ex_->point(index);
  if (p.id != id)
    fail(path_, ":", index + 2, ": point ", index, " regenerates with id ", p.id,
         ", not the manifest's ", id, " (corrupt manifest)");
  return p;
}

}  // namespace csbrnn::sweep
