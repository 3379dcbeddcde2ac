#include "stats/stats.h"

#include "stats/actions.h"

#include <algorithm>
#include <sstream>

namespace csbrnn::stats {
namespace {

using G = GroupStats;
using L = LayerStats;
constexpr Source kBoth = Source::Both, kSim = Source::Simulator, kAna = Source::Analytic;

template <class S>
std::vector<StatDoc> docs_of(const std::vector<Counter<S>>& table) {
  std::vector<StatDoc> d;
  for (const auto& c : table) {
    std::string name = std::string("`") + c.name + "`";
    if (c.analytic_key) name += std::string(" [`") + c.analytic_key + "`]";
    d.push_back({name, c.unit, source_name(c.source), c.description});
  }
  return d;
}

}  // namespace

const char* source_name(Source s) {
  switch (s) {
    case Source::Both:
      return "both";
    case Source::Simulator:
      return "simulator";
    case Source::Analytic:
      return "analytic";
  }
  return "?";
}

const std::vector<Counter<GroupStats>>& group_counters() {
  static const std::vector<Counter<G>> t = {
      {"busy", "busy", "cycles", kBoth,
       "the group issues a tile (own local piece or a received one)", &G::busy},
      {"barrier_idle", "barrier_idle", "cycles", kBoth,
       "inside an iteration, waiting for the busiest group (imbalance)", &G::barrier_idle},
      {"stall_input", "input_stall", "cycles", kBoth,
       "the iteration waits for the next BlockNeuronBuffer slices to load (ld(n+1) > M(n))",
       &G::stall_input},
      {"stall_weights", nullptr, "cycles", kSim,
       "waiting for its tiles to stream in from DRAM (weights not resident)", &G::stall_weights},
      {"engine_overhead", nullptr, "cycles", kBoth,
       "an MVM runs but no iteration issues (first slice load, drain, reduction wait)",
       &G::engine_overhead},
      {"outside", nullptr, "cycles", kBoth,
       "no MVM is running (element-wise and load/store-only words); 0 per MVM", &G::outside},
      {"tiles_local", nullptr, "tiles", kBoth, "tiles of its own local pieces", &G::tiles_local},
      {"tiles_given_h", "given_h", "tiles", kBoth, "tiles given to the right (and left) neighbour",
       &G::tiles_given_h},
      {"tiles_given_v", "given_v", "tiles", kBoth, "tiles given to the lower (and upper) neighbour",
       &G::tiles_given_v},
      {"tiles_received_h", "recv_h", "tiles", kBoth,
       "tiles received from the left (and right) neighbour", &G::tiles_received_h},
      {"tiles_received_v", "recv_v", "tiles", kBoth,
       "tiles received from the upper (and lower) neighbour", &G::tiles_received_v},
      {"useful_macs", nullptr, "MACs", kBoth, "multiply-accumulates on kept weights it issued",
       &G::useful_macs},
      {"weight_bytes_total", nullptr, "bytes", kSim,
       "bytes of its weight and index images, all MVMs", &G::weight_bytes_total},
      {"weight_bytes_resident", nullptr, "bytes", kSim,
       "bytes of its images kept in its WeightBuffer", &G::weight_bytes_resident},
      {"weight_bytes_streamed", nullptr, "bytes", kSim,
       "bytes of its images fetched from DRAM during the run", &G::weight_bytes_streamed},
  };
  return t;
}

const std::vector<Counter<LayerStats>>& layer_counters() {
  static const std::vector<Counter<L>> t = {
      {"cycles", "cycles", "cycles", kBoth,
       "cycles of the macro words attributed to the layer (docs/timing.md)", &L::cycles},
      {"engine_cycles", "engine_cycles", "cycles", kBoth, "cycles its MVM sections run",
       &L::engine_cycles},
      {"eltwise_cycles", "eltwise_cycles", "cycles", kAna,
       "sum of its element-wise sections and stream chunks (work, not the critical path)",
       &L::eltwise_cycles},
      {"load_store_cycles", "load_store_cycles", "cycles", kAna,
       "sum of its ideal load/store sections and streamed stores", &L::load_store_cycles},
  };
  return t;
}

template <class S>
const std::vector<Counter<S>>& counters_of();
template <>
const std::vector<Counter<G>>& counters_of<G>() {
  return group_counters();
}
template <>
const std::vector<Counter<L>>& counters_of<L>() {
  return layer_counters();
}

template <>
const std::vector<Counter<ActionCounts>>& counters_of<ActionCounts>() {
  return action_counters();
}

template <class S>
void add(S& into, const S& x, int64_t scale) {
  for (const auto& c : counters_of<S>()) into.*c.field += scale * (x.*c.field);
}

template <class S>
std::vector<std::string> differences(const S& a, const S& b, const std::string& prefix) {
  std::vector<std::string> d;
  for (const auto& c : counters_of<S>())
    if (c.source == Source::Both && a.*c.field != b.*c.field)
      d.push_back(prefix + "." + c.name + ": " + std::to_string(a.*c.field) +
                  " != " + std::to_string(b.*c.field));
  return d;
}

template void add<G>(G&, const G&, int64_t);
template void add<L>(L&, const L&, int64_t);
template std::vector<std::string> differences<G>(const G&, const G&, const std::string&);
template std::vector<std::string> differences<L>(const L&, const L&, const std::string&);
template void add<ActionCounts>(ActionCounts&, const ActionCounts&, int64_t);
template std::vector<std::string> differences<ActionCounts>(const ActionCounts&,
                                                            const ActionCounts&,
                                                            const std::string&);

nlohmann::json group_json(const GroupStats& g) {
  nlohmann::json j = {{"k", g.k}, {"l", g.l}};
  for (const auto& c : group_counters()) j[c.name] = g.*c.field;
  return j;
}

nlohmann::json group_analytic_json(const GroupStats& g) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& c : group_counters())
    if (c.analytic_key) j[c.analytic_key] = g.*c.field;
  return j;
}

nlohmann::json layer_analytic_json(const LayerStats& l) {
  nlohmann::json j = {{"layer", l.layer}};
  for (const auto& c : layer_counters())
    if (c.analytic_key) j[c.analytic_key] = l.*c.field;
  return j;
}

nlohmann::json::json_pointer pointer(const std::string& dotted) {
  std::string p = "/" + dotted;
  std::replace(p.begin(), p.end(), '.', '/');
  return nlohmann::json::json_pointer(p);
}

std::vector<StatDoc> group_docs() {
  return docs_of(group_counters());
}

std::vector<StatDoc> layer_docs() {
  return docs_of(layer_counters());
}

std::string markdown_table(const std::vector<StatDoc>& rows) {
  std::ostringstream o;
  o << "| stat | unit | filled by | description |\n|---|---|---|---|\n";
  for (const auto& r : rows)
    o << "| " << r.name << " | " << r.unit << " | " << r.source << " | " << r.description << " |\n";
  return o.str();
}

}  // namespace csbrnn::stats
