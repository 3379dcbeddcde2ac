// The stats schema (stats/stats.h): every counter of the shared records is in the table once,
// with a unit and a description; add, differences and the JSON records walk it.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "stats/stats.h"

using namespace csbrnn::stats;

namespace {

template <class S>
void check_table(const std::vector<Counter<S>>& t, size_t identity_bytes) {
  // a field added to the record without a table row changes its size: the table covers all
  CHECK(identity_bytes + t.size() * sizeof(int64_t) == sizeof(S));
  std::set<std::string> names, keys;
  std::vector<int64_t S::*> fields;  // member pointers compare for equality only
  const std::set<std::string> units = {"cycles", "tiles", "MACs", "bytes"};
  for (const auto& c : t) {
    INFO(c.name);
    CHECK(names.insert(c.name).second);
    CHECK(std::count(fields.begin(), fields.end(), c.field) == 0);
    fields.push_back(c.field);
    if (c.analytic_key) CHECK(keys.insert(c.analytic_key).second);
    CHECK(units.count(c.unit) == 1);
    CHECK(std::string(c.description).size() > 10);
  }
}

}  // namespace

TEST_CASE("stats schema: one row per counter, each with unit and description", "[stats]") {
  check_table(group_counters(), 2 * sizeof(int));
  check_table(layer_counters(), sizeof(int64_t));  // int layer, padded
  const auto d = group_docs();
  REQUIRE(d.size() == group_counters().size());
  CHECK(d[2].name == "`stall_input` [`input_stall`]");  // the compile report's key beside it
  CHECK(d[0].name == "`busy` [`busy`]");
  CHECK(d[3].name == "`stall_weights`");  // not in the compile report
  CHECK(d[3].source == "simulator");
  const std::string md = markdown_table(layer_docs());
  CHECK(md.rfind(
            "| stat | unit | filled by | description |\n|---|---|---|---|\n| `cycles` [`cycles`] | "
            "cycles | both | ",
            0) == 0);
}

TEST_CASE("stats schema: add, differences and the JSON records", "[stats]") {
  GroupStats a, b;
  a.k = 1, a.l = 2;
  a.busy = 5, a.stall_input = 2, a.stall_weights = 7, a.tiles_received_v = 3;
  b.busy = 1, b.weight_bytes_total = 100;
  GroupStats s = a;
  add(s, b, 3);
  CHECK(s.k == 1);
  CHECK(s.l == 2);
  CHECK(s.busy == 8);
  CHECK(s.stall_input == 2);
  CHECK(s.weight_bytes_total == 300);
  CHECK(s.tiles_received_v == 3);
  // counters both models fill are compared; simulator-only ones (stall_weights, weight bytes)
  // are not
  const auto d = differences(a, b, "g");
  CHECK(d == std::vector<std::string>{"g.busy: 5 != 1", "g.stall_input: 2 != 0",
                                      "g.tiles_received_v: 3 != 0"});
  CHECK(differences(a, a, "g").empty());
  const nlohmann::json j = group_json(a);
  CHECK(j.size() == group_counters().size() + 2);
  CHECK(j["k"] == 1);
  CHECK(j["stall_input"] == 2);
  CHECK(j["tiles_received_v"] == 3);
  CHECK(group_analytic_json(a) == nlohmann::json{{"busy", 5},
                                                 {"barrier_idle", 0},
                                                 {"input_stall", 2},
                                                 {"given_h", 0},
                                                 {"given_v", 0},
                                                 {"recv_h", 0},
                                                 {"recv_v", 3}});
  LayerStats l;
  l.layer = 1, l.cycles = 9, l.eltwise_cycles = 4;
  CHECK(layer_analytic_json(l) == nlohmann::json{{"layer", 1},
                                                 {"cycles", 9},
                                                 {"engine_cycles", 0},
                                                 {"eltwise_cycles", 4},
                                                 {"load_store_cycles", 0}});
  LayerStats m = l;
  m.load_store_cycles = 1;  // analytic-only: not compared
  m.engine_cycles = 2;
  CHECK(differences(l, m, "layers[1]") ==
        std::vector<std::string>{"layers[1].engine_cycles: 0 != 2"});
}
