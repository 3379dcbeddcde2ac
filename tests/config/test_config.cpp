// Hardware config: defaults, shipped files, round trip, strict errors, --set overrides.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "config/config_loader.h"
#include "config/hw_keys.h"
#include "support/test_util.h"

using namespace csbrnn;

namespace {

// Field-by-field equality written out here, independently of the key table, so a field the
// table forgot shows up as a failure.
bool same(const HwConfig& a, const HwConfig& b) {
  const auto& x = a.engine;
  const auto& y = b.engine;
  return x.K == y.K && x.L == y.L && x.P == y.P && x.Q == y.Q && x.clock_mhz == y.clock_mhz &&
         x.neuron_load_width == y.neuron_load_width && x.lat_weight_read == y.lat_weight_read &&
         x.lat_multiply == y.lat_multiply && x.lat_adder_tree == y.lat_adder_tree &&
         x.lat_accumulate == y.lat_accumulate && x.lat_vertical_path == y.lat_vertical_path &&
         x.reduce_lanes == y.reduce_lanes && x.lat_reduce == y.lat_reduce && x.sync == y.sync &&
         a.buffers.weight_buffer_kib == b.buffers.weight_buffer_kib &&
         a.buffers.block_neuron_buffer == b.buffers.block_neuron_buffer &&
         a.buffers.neuron_accum_buffer == b.buffers.neuron_accum_buffer &&
         a.buffers.vector_buffer == b.buffers.vector_buffer &&
         a.buffers.weight_residency == b.buffers.weight_residency &&
         a.memory.model == b.memory.model &&
         a.memory.stream_outstanding == b.memory.stream_outstanding &&
         a.memory.stream_staging_bytes == b.memory.stream_staging_bytes &&
         a.eltwise.lanes == b.eltwise.lanes && a.eltwise.lat_sum == b.eltwise.lat_sum &&
         a.eltwise.lat_mult == b.eltwise.lat_mult &&
         a.eltwise.lat_sigmoid == b.eltwise.lat_sigmoid &&
         a.eltwise.lat_tanh == b.eltwise.lat_tanh && a.eltwise.stream == b.eltwise.stream &&
         a.eltwise.stream_issue == b.eltwise.stream_issue &&
         a.eltwise.stream_store == b.eltwise.stream_store &&
         a.eltwise.inplace_state == b.eltwise.inplace_state && a.memory.ideal == b.memory.ideal &&
         a.memory.dram_latency_ns == b.memory.dram_latency_ns &&
         a.memory.dram_bandwidth_gbps == b.memory.dram_bandwidth_gbps &&
         a.memory.burst_bytes == b.memory.burst_bytes && a.sharing == b.sharing &&
         a.sharing_carry == b.sharing_carry && a.max_vertical_fraction == b.max_vertical_fraction &&
         a.sharing_neighbours == b.sharing_neighbours && a.numeric.wf == b.numeric.wf &&
         a.numeric.af == b.numeric.af && a.name == b.name && a.timing == b.timing &&
         a.detailed.barrier_latency == b.detailed.barrier_latency &&
         a.detailed.item_bubble == b.detailed.item_bubble &&
         a.detailed.link_latency == b.detailed.link_latency &&
         a.detailed.link_width == b.detailed.link_width &&
         a.detailed.link_fifo_depth == b.detailed.link_fifo_depth &&
         a.detailed.accum_ports == b.detailed.accum_ports &&
         a.detailed.eltwise_fifo_depth == b.detailed.eltwise_fifo_depth &&
         a.detailed.vector_bank_ports == b.detailed.vector_bank_ports &&
         a.detailed.accum_forwarding == b.detailed.accum_forwarding &&
         a.detailed.vlink_fifo_depth == b.detailed.vlink_fifo_depth &&
         a.detailed.input_ports == b.detailed.input_ports && a.energy.table == b.energy.table &&
         a.energy.dram == b.energy.dram;
}

// The keys hw_config.h documents, one per field (pe_groups/pes_per_group set two each).
const std::vector<std::string> kExpectedKeys = {
    "name",
    "engine.pe_groups",
    "engine.pes_per_group",
    "engine.clock_mhz",
    "engine.neuron_load_width",
    "engine.pipeline.weight_read",
    "engine.pipeline.multiply",
    "engine.pipeline.adder_tree",
    "engine.pipeline.accumulate",
    "engine.pipeline.vertical_path",
    "engine.reduce.lanes",
    "engine.reduce.latency",
    "engine.sync",
    "buffers.weight_buffer_kib",
    "buffers.block_neuron_buffer",
    "buffers.neuron_accum_buffer",
    "buffers.weight_residency",
    "buffers.vector_buffer",
    "eltwise.lanes",
    "eltwise.latency.sum",
    "eltwise.latency.mult",
    "eltwise.latency.sigmoid",
    "eltwise.latency.tanh",
    "eltwise.stream",
    "eltwise.stream_issue",
    "eltwise.stream_store",
    "eltwise.inplace_state",
    "memory.ideal",
    "memory.model",
    "memory.dram_latency_ns",
    "memory.dram_bandwidth_gbps",
    "memory.burst_bytes",
    "memory.stream.outstanding",
    "memory.stream.staging_bytes",
    "sharing.mode",
    "sharing.max_vertical_fraction",
    "sharing.neighbours",
    "sharing.carry",
    "numeric.weight_frac_bits",
    "numeric.act_frac_bits",
    "sim.timing",
    "detailed.barrier_latency",
    "detailed.item_bubble",
    "detailed.link_latency",
    "detailed.link_width",
    "detailed.link_fifo_depth",
    "detailed.accum_ports",
    "detailed.eltwise_fifo_depth",
    "detailed.vector_bank_ports",
    "detailed.accum_forwarding",
    "detailed.vlink_fifo_depth",
    "detailed.input_ports",
    "energy.table",
    "energy.dram",
};

// A non-default value for every key and the field it must land in.
struct Setting {
  std::string key, value;
  std::function<bool(const HwConfig&)> landed;
};
const std::vector<Setting>& settings() {
  static const std::vector<Setting> s = {
      {"name", "\"my design: #2 \\\"x\\\" \\\\ y\"",
       [](const HwConfig& c) { return c.name == "my design: #2 \"x\" \\ y"; }},
      {"engine.pe_groups", "2x8",
       [](const HwConfig& c) { return c.engine.K == 2 && c.engine.L == 8; }},
      {"engine.pes_per_group", "8X2",
       [](const HwConfig& c) { return c.engine.P == 8 && c.engine.Q == 2; }},
      {"engine.clock_mhz", "123.456789012345",
       [](const HwConfig& c) { return c.engine.clock_mhz == 123.456789012345; }},
      {"engine.neuron_load_width", "7",
       [](const HwConfig& c) { return c.engine.neuron_load_width == 7; }},
      {"engine.pipeline.weight_read", "3",
       [](const HwConfig& c) { return c.engine.lat_weight_read == 3; }},
      {"engine.pipeline.multiply", "4",
       [](const HwConfig& c) { return c.engine.lat_multiply == 4; }},
      {"engine.pipeline.adder_tree", "0",
       [](const HwConfig& c) { return c.engine.lat_adder_tree == 0; }},
      {"engine.pipeline.accumulate", "5",
       [](const HwConfig& c) { return c.engine.lat_accumulate == 5; }},
      {"engine.pipeline.vertical_path", "0",
       [](const HwConfig& c) { return c.engine.lat_vertical_path == 0; }},
      {"engine.reduce.lanes", "32", [](const HwConfig& c) { return c.engine.reduce_lanes == 32; }},
      {"engine.reduce.latency", "6", [](const HwConfig& c) { return c.engine.lat_reduce == 6; }},
      {"engine.sync", "row-group",
       [](const HwConfig& c) { return c.engine.sync == SyncMode::RowGroup; }},
      {"buffers.weight_buffer_kib", "1024",
       [](const HwConfig& c) { return c.buffers.weight_buffer_kib == 1024; }},
      {"buffers.block_neuron_buffer", "64",
       [](const HwConfig& c) { return c.buffers.block_neuron_buffer == 64; }},
      {"buffers.neuron_accum_buffer", "32",
       [](const HwConfig& c) { return c.buffers.neuron_accum_buffer == 32; }},
      {"buffers.weight_residency", "traffic",
       [](const HwConfig& c) { return c.buffers.weight_residency == Residency::Traffic; }},
      {"buffers.vector_buffer", "4096",
       [](const HwConfig& c) { return c.buffers.vector_buffer == 4096; }},
      {"eltwise.stream_issue", "dataflow",
       [](const HwConfig& c) { return c.eltwise.stream_issue == StreamIssue::Dataflow; }},
      {"eltwise.lanes", "8", [](const HwConfig& c) { return c.eltwise.lanes == 8; }},
      {"eltwise.latency.sum", "2", [](const HwConfig& c) { return c.eltwise.lat_sum == 2; }},
      {"eltwise.latency.mult", "3", [](const HwConfig& c) { return c.eltwise.lat_mult == 3; }},
      {"eltwise.latency.sigmoid", "4",
       [](const HwConfig& c) { return c.eltwise.lat_sigmoid == 4; }},
      {"eltwise.latency.tanh", "5", [](const HwConfig& c) { return c.eltwise.lat_tanh == 5; }},
      {"eltwise.stream", "false", [](const HwConfig& c) { return !c.eltwise.stream; }},
      {"eltwise.stream_store", "true", [](const HwConfig& c) { return c.eltwise.stream_store; }},
      {"eltwise.inplace_state", "true", [](const HwConfig& c) { return c.eltwise.inplace_state; }},
      {"sharing.carry", "true", [](const HwConfig& c) { return c.sharing_carry; }},
      {"memory.ideal", "false", [](const HwConfig& c) { return !c.memory.ideal; }},
      {"memory.model", "ddr4-2400",
       [](const HwConfig& c) { return c.memory.model == "ddr4-2400" && !c.memory.ideal; }},
      {"memory.dram_latency_ns", "0",
       [](const HwConfig& c) { return c.memory.dram_latency_ns == 0.0; }},
      {"memory.dram_bandwidth_gbps", "0.1",
       [](const HwConfig& c) { return c.memory.dram_bandwidth_gbps == 0.1; }},
      {"memory.burst_bytes", "256", [](const HwConfig& c) { return c.memory.burst_bytes == 256; }},
      {"memory.stream.outstanding", "8",
       [](const HwConfig& c) { return c.memory.stream_outstanding == 8; }},
      {"memory.stream.staging_bytes", "65536",
       [](const HwConfig& c) { return c.memory.stream_staging_bytes == 65536; }},
      {"sharing.mode", "horizontal",
       [](const HwConfig& c) { return c.sharing == SharingMode::Horizontal; }},
      {"sharing.max_vertical_fraction", "0.3333333333333333",
       [](const HwConfig& c) { return c.max_vertical_fraction == 0.3333333333333333; }},
      {"sharing.neighbours", "4", [](const HwConfig& c) { return c.sharing_neighbours == 4; }},
      {"numeric.weight_frac_bits", "15", [](const HwConfig& c) { return c.numeric.wf == 15; }},
      {"numeric.act_frac_bits", "1", [](const HwConfig& c) { return c.numeric.af == 1; }},
      {"sim.timing", "detailed",
       [](const HwConfig& c) { return c.timing == TimingMode::Detailed; }},
      {"detailed.barrier_latency", "2",
       [](const HwConfig& c) { return c.detailed.barrier_latency == 2; }},
      {"detailed.item_bubble", "1", [](const HwConfig& c) { return c.detailed.item_bubble == 1; }},
      {"detailed.link_latency", "4",
       [](const HwConfig& c) { return c.detailed.link_latency == 4; }},
      {"detailed.link_width", "3", [](const HwConfig& c) { return c.detailed.link_width == 3; }},
      {"detailed.link_fifo_depth", "2",
       [](const HwConfig& c) { return c.detailed.link_fifo_depth == 2; }},
      {"detailed.accum_ports", "1", [](const HwConfig& c) { return c.detailed.accum_ports == 1; }},
      {"detailed.eltwise_fifo_depth", "3",
       [](const HwConfig& c) { return c.detailed.eltwise_fifo_depth == 3; }},
      {"detailed.vector_bank_ports", "2",
       [](const HwConfig& c) { return c.detailed.vector_bank_ports == 2; }},
      {"detailed.accum_forwarding", "false",
       [](const HwConfig& c) { return !c.detailed.accum_forwarding; }},
      {"detailed.vlink_fifo_depth", "3",
       [](const HwConfig& c) { return c.detailed.vlink_fifo_depth == 3; }},
      {"detailed.input_ports", "2", [](const HwConfig& c) { return c.detailed.input_ports == 2; }},
      {"energy.table", "my-table.yaml",
       [](const HwConfig& c) { return c.energy.table == "my-table.yaml"; }},
      {"energy.dram", "lpddr4", [](const HwConfig& c) { return c.energy.dram == "lpddr4"; }},
  };
  return s;
}

/// Runs f, expects csbrnn::Error whose one-line message contains every piece.
void expect_error(const std::function<void()>& f, const std::vector<std::string>& pieces) {
  try {
    f();
    FAIL("expected an error containing '" << pieces.front() << "'");
  } catch (const Error& e) {
    const std::string m = e.what();
    INFO(m);
    CHECK(m.find('\n') == std::string::npos);
    for (const auto& p : pieces) CHECK(m.find(p) != std::string::npos);
  }
}

void expect_file_error(const std::string& yaml, const std::vector<std::string>& pieces) {
  expect_error([&] { parse_hw_config(yaml, "cfg.yaml", {}); }, pieces);
}

}  // namespace

TEST_CASE("defaults are the paper's 256-PE design and valid") {
  const HwConfig d;
  CHECK(d.engine.K == 4);
  CHECK(d.engine.L == 4);
  CHECK(d.engine.P == 4);
  CHECK(d.engine.Q == 4);
  CHECK(d.engine.pes() == 256);
  CHECK(d.engine.clock_mhz == 200.0);
  CHECK(d.cycle_ns() == 5.0);
  CHECK(d.sharing == SharingMode::TwoD);
  CHECK(d.max_vertical_fraction == 0.5);
  CHECK_NOTHROW(validate_hw_config(d, "defaults"));
  CHECK(same(load_hw_config(""), d));
  CHECK(same(parse_hw_config("", "empty.yaml"), d));
  CHECK(same(parse_hw_config("# only a comment\n", "c.yaml"), d));
}

TEST_CASE("the key table is exactly the keys hw_config.h documents") {
  std::vector<std::string> got;
  for (const auto& k : hw_keys()) got.push_back(k.path);
  CHECK(got == kExpectedKeys);
  for (const auto& k : hw_keys()) {
    CHECK(!k.description.empty());
    CHECK(!k.valid.empty());
    CHECK(k.check(HwConfig{}).empty());
  }
}

TEST_CASE("every key is settable and lands in its own field") {
  REQUIRE(settings().size() == kExpectedKeys.size());
  const HwConfig d;
  for (const auto& s : settings()) {
    INFO(s.key << "=" << s.value);
    CHECK_FALSE(s.landed(d));
    // a detailed.* knob away from its ideal value needs the detailed timing mode
    const bool det = s.key.rfind("detailed.", 0) == 0;
    std::vector<std::string> sets = {s.key + "=" + s.value};
    if (det) sets.push_back("sim.timing=detailed");
    const HwConfig viaset = load_hw_config("", sets);
    CHECK(s.landed(viaset));
    CHECK_FALSE(same(viaset, d));
    // The same key from a YAML file (nested sections built from the dotted path).
    const auto parts = split(s.key, '.');
    std::string yaml = det ? "sim:\n  timing: detailed\n" : "";
    for (size_t i = 0; i < parts.size(); ++i)
      yaml += std::string(2 * i, ' ') + parts[i] + ":" +
              (i + 1 == parts.size() ? " " + s.value : "") + "\n";
    const HwConfig viafile = parse_hw_config(yaml, "one.yaml");
    CHECK(s.landed(viafile));
    CHECK(same(viafile, viaset));
  }
}

TEST_CASE("shipped 256-PE config equals the defaults and spells out every key") {
  const std::string path = test::source_path("configs/hw_256pe.yaml");
  CHECK(same(load_hw_config(path), HwConfig{}));
  const YAML::Node root = YAML::LoadFile(path);
  for (const auto& key : kExpectedKeys) {
    INFO(key);
    YAML::Node n;
    n.reset(root);
    for (const auto& part : split(key, '.')) {
      REQUIRE(n.IsMap());
      YAML::Node child = n[part];
      REQUIRE(child.IsDefined());
      n.reset(child);
    }
    CHECK(n.IsScalar());
  }
}

TEST_CASE("shipped 512-PE config has 512 PEs as 8x4 groups of 4x4") {
  const std::string path = test::source_path("configs/hw_512pe.yaml");
  const HwConfig c = load_hw_config(path);
  CHECK(c.engine.pes() == 512);
  CHECK(c.engine.K == 8);
  CHECK(c.engine.L == 4);
  CHECK(c.engine.P == 4);
  CHECK(c.engine.Q == 4);
  CHECK(c.engine.clock_mhz == 200.0);
  // Everything else is the 256-PE design.
  HwConfig expect;
  expect.engine.K = 8;
  expect.name = "csb-512pe";
  CHECK(same(c, expect));
}

TEST_CASE("printed config loads back identically") {
  std::vector<std::string> all;
  for (const auto& s : settings()) all.push_back(s.key + "=" + s.value);
  const std::vector<HwConfig> configs = {
      HwConfig{}, load_hw_config("", all),
      load_hw_config(test::source_path("configs/hw_512pe.yaml")),
      load_hw_config("", {"clock_mhz=0.1", "dram_latency_ns=1e-3", "dram_bandwidth_gbps=99999.99",
                          "max_vertical_fraction=1", "name='single # quoted'"})};
  for (const auto& c : configs) {
    const std::string y = hw_config_to_yaml(c);
    INFO(y);
    const HwConfig back = parse_hw_config(y, "printed.yaml");
    CHECK(same(back, c));
    CHECK(hw_config_equal(back, c));
    CHECK(hw_config_to_yaml(back) == y);
    // Every key printed, each on its own line with a comment.
    for (const auto& k : hw_keys()) {
      const std::string leaf_line = k.leaf() + ": " + k.get(c);
      CHECK(y.find(leaf_line) != std::string::npos);
    }
  }
  // Under a `hw:` root the same text means the same config.
  const HwConfig c = configs[1];
  std::string nested = "hw:\n";
  for (const auto& line : split(hw_config_to_yaml(c), '\n'))
    if (!line.empty()) nested += "  " + line + "\n";
  CHECK(same(parse_hw_config(nested, "nested.yaml"), c));
}

TEST_CASE("sections may sit under a top-level hw key") {
  const HwConfig c = parse_hw_config("hw:\n  engine:\n    pe_groups: 2x4\n  name: n\n", "h.yaml");
  CHECK(c.engine.K == 2);
  CHECK(c.engine.L == 4);
  CHECK(c.name == "n");
  CHECK(same(parse_hw_config("hw:\n", "h.yaml"), HwConfig{}));
  expect_file_error(
      "hw:\n  engine:\n    pe_grups: 2x4\n",
      {"cfg.yaml:3:", "unknown key 'hw.engine.pe_grups'", "did you mean 'hw.engine.pe_groups'?"});
  expect_file_error("hw:\n  engine: {}\nengine:\n  clock_mhz: 1\n",
                    {"cfg.yaml:3:", "unknown key 'engine' beside 'hw'"});
  expect_file_error("hw: 3\n", {"cfg.yaml:1:", "hw: expected a mapping"});
}

TEST_CASE("unknown keys name file, line, key and the closest key") {
  expect_file_error(
      "engine:\n  clock_mhz: 200\n  pe_grups: 4x4\n",
      {"cfg.yaml:3: unknown key 'engine.pe_grups' (did you mean 'engine.pe_groups'?)"});
  expect_file_error("name: x\n\nclock_mhz: 100\n",
                    {"cfg.yaml:3:", "unknown key 'clock_mhz'", "did you mean 'engine.clock_mhz'?"});
  expect_file_error("engin:\n  clock_mhz: 100\n",
                    {"cfg.yaml:1:", "unknown key 'engin'", "did you mean 'engine'?"});
  expect_file_error(
      "eltwise:\n  latency:\n    tnah: 3\n",
      {"cfg.yaml:3:", "'eltwise.latency.tnah'", "did you mean 'eltwise.latency.tanh'?"});
  expect_file_error("zzzzzzzzzzzz: 1\n",
                    {"cfg.yaml:1:", "unknown key 'zzzzzzzzzzzz'", "--list-keys"});
  expect_file_error("? [a, b]\n: 1\n", {"cfg.yaml:1:", "a key must be a plain name"});
}

TEST_CASE("wrong types name file, line, key and the value") {
  expect_file_error("engine:\n  clock_mhz: fast\n",
                    {"cfg.yaml:2: engine.clock_mhz: expected a number, got 'fast'"});
  expect_file_error("engine:\n  clock_mhz: .inf\n", {"cfg.yaml:2:", "expected a number"});
  expect_file_error("engine:\n  clock_mhz: nan\n", {"cfg.yaml:2:", "expected a number"});
  expect_file_error("engine:\n  clock_mhz:\n", {"cfg.yaml:2:", "expected a number, got nothing"});
  expect_file_error("engine:\n  neuron_load_width: 4.5\n",
                    {"cfg.yaml:2: engine.neuron_load_width: expected an integer, got '4.5'"});
  expect_file_error("engine:\n  neuron_load_width: 0x10\n", {"cfg.yaml:2:", "expected an integer"});
  expect_file_error("engine:\n  pe_groups: 4by4\n",
                    {"cfg.yaml:2: engine.pe_groups: expected 'KxL' such as '4x4', got '4by4'"});
  expect_file_error("engine:\n  pes_per_group: [4, 4]\n",
                    {"cfg.yaml:2:", "engine.pes_per_group", "expected 'PxQ'", "got a list"});
  expect_file_error("memory:\n  ideal: maybe\n",
                    {"cfg.yaml:2: memory.ideal: expected true or false, got 'maybe'"});
  expect_file_error("sharing:\n  mode: vertcal\n",
                    {"cfg.yaml:2:", "sharing.mode", "'vertcal'", "did you mean 'vertical'?"});
  expect_file_error("name:\n  a: b\n", {"cfg.yaml:1: name: expected a string, got a mapping"});
  expect_file_error("engine: 5\n", {"cfg.yaml:1:", "engine: expected a section", "got '5'"});
  expect_file_error("- 1\n- 2\n", {"cfg.yaml:1:", "expected a mapping", "got a list"});
  expect_file_error("engine:\n  neuron_load_width: 99999999999999999999999\n",
                    {"cfg.yaml:2:", "engine.neuron_load_width", "out of range (valid: 1..65536)"});
}

TEST_CASE("malformed YAML is one line with file, line and column") {
  expect_file_error("engine:\n  clock_mhz: [1,\n  2\nbuffers: 3\n",
                    {"cfg.yaml:4:8: invalid YAML:"});
  expect_file_error("engine:\n  clock_mhz: 1\n bad: 2\n", {"cfg.yaml:3:2: invalid YAML:"});
  expect_file_error("name: x\nengine:\n  clock_mhz: 1\n  - 3\n", {"cfg.yaml:4:3: invalid YAML:"});
  expect_file_error("name: &a x\nengine: *b\n", {"cfg.yaml:2:9: invalid YAML:", "anchor"});
}

TEST_CASE("duplicate keys are errors") {
  expect_file_error("engine:\n  clock_mhz: 100\n  clock_mhz: 200\n",
                    {"cfg.yaml:3: duplicate key 'engine.clock_mhz' (first at line 2)"});
  expect_file_error("engine:\n  clock_mhz: 100\nbuffers: {}\nengine:\n  K: 1\n",
                    {"cfg.yaml:4: duplicate key 'engine' (first at line 1)"});
  expect_file_error("engine: {clock_mhz: 1, clock_mhz: 2}\n", {"cfg.yaml:1: duplicate key"});
}

TEST_CASE("impossible values name the key and the valid range") {
  struct Bad {
    std::string key, value, range;
  };
  const std::vector<Bad> bad = {
      {"engine.pe_groups", "0x4", "each of K and L 1..256"},
      {"engine.pe_groups", "4x-1", "each of K and L 1..256"},
      {"engine.pes_per_group", "4x0", "each of P and Q 1..256"},
      {"engine.clock_mhz", "0", "0.001..10000 MHz"},
      {"engine.clock_mhz", "-200", "0.001..10000 MHz"},
      {"engine.clock_mhz", "0.000999", "0.001..10000 MHz"},
      {"engine.neuron_load_width", "0", "1..65536"},
      {"engine.pipeline.weight_read", "0", "1..1000"},
      {"engine.pipeline.multiply", "0", "1..1000"},
      {"engine.pipeline.adder_tree", "-1", "0..1000"},
      {"engine.pipeline.accumulate", "0", "1..1000"},
      {"engine.pipeline.vertical_path", "-1", "0..1000"},
      {"engine.reduce.lanes", "0", "1..65536"},
      {"engine.reduce.latency", "-3", "1..1000"},
      {"buffers.weight_buffer_kib", "0", "1..1048576"},
      {"buffers.block_neuron_buffer", "0", "1..65536"},
      {"buffers.neuron_accum_buffer", "0", "1..65536"},
      {"buffers.vector_buffer", "0", "1..16777216"},
      {"eltwise.lanes", "0", "1..65536"},
      {"eltwise.latency.sum", "0", "1..1000"},
      {"eltwise.latency.tanh", "-1", "1..1000"},
      {"memory.dram_latency_ns", "-1", "0..1000000 ns"},
      {"memory.dram_bandwidth_gbps", "0", "> 0 and <= 100000 GB/s"},
      {"memory.burst_bytes", "48", "a power of two, 2..4096"},
      {"sharing.max_vertical_fraction", "1.5", "0..1"},
      {"sharing.max_vertical_fraction", "-0.1", "0..1"},
      {"numeric.weight_frac_bits", "0", "1..15"},
      {"numeric.act_frac_bits", "16", "1..15"},
      {"name", "''", "1..200"},
  };
  for (const auto& b : bad) {
    const auto parts = split(b.key, '.');
    std::string yaml = "# header\n";
    for (size_t i = 0; i < parts.size(); ++i)
      yaml += std::string(2 * i, ' ') + parts[i] + ":" +
              (i + 1 == parts.size() ? " " + b.value : "") + "\n";
    const std::string line = std::to_string(parts.size() + 1);
    INFO(yaml);
    expect_file_error(yaml, {"cfg.yaml:" + line + ": " + b.key + ": ", "out of range", b.range});
    expect_error([&] { load_hw_config("", {b.key + "=" + b.value}); },
                 {"--set " + b.key + "=" + b.value + ": " + b.key + ":", b.range});
  }
  // Absurd sizes: more than 65536 PEs in total.
  expect_file_error(
      "engine:\n  pe_groups: 64x64\n  pes_per_group: 8x8\n",
      {"cfg.yaml:2:", "engine.pe_groups x engine.pes_per_group", "262144 PEs", "1..65536 PEs"});
  CHECK_NOTHROW(parse_hw_config("engine:\n  pe_groups: 16x16\n  pes_per_group: 16x16\n", "x"));
}

TEST_CASE("validate_hw_config checks a struct built in code") {
  HwConfig c;
  CHECK_NOTHROW(validate_hw_config(c, "code"));
  c.engine.clock_mhz = 0;
  expect_error([&] { validate_hw_config(c, "code"); }, {"code: engine.clock_mhz:", "0.001..10000"});
  c = HwConfig{};
  c.engine.clock_mhz = std::numeric_limits<double>::quiet_NaN();
  expect_error([&] { validate_hw_config(c, "code"); }, {"code: engine.clock_mhz:"});
  c = HwConfig{};
  c.numeric.wf = 16;
  expect_error([&] { validate_hw_config(c, "code"); },
               {"code: numeric.weight_frac_bits:", "1..15"});
  c = HwConfig{};
  c.engine.P = 0;
  expect_error([&] { validate_hw_config(c, "code"); },
               {"code: engine.pes_per_group:", "0x4 is out of range"});
  c = HwConfig{};
  c.engine.K = c.engine.L = c.engine.P = c.engine.Q = 256;  // overflows int if multiplied in int
  expect_error([&] { validate_hw_config(c, "code"); }, {"code: ", "4294967296 PEs"});
  c = HwConfig{};
  c.name = "two\nlines";
  expect_error([&] { validate_hw_config(c, "code"); }, {"code: name:", "control character"});
  c = HwConfig{};
  c.sharing = static_cast<SharingMode>(7);
  expect_error([&] { validate_hw_config(c, "code"); }, {"code: sharing.mode:"});
}

TEST_CASE("overrides: full paths, hw. prefix, unique short forms") {
  const HwConfig a = load_hw_config("", {"hw.engine.pe_groups=8x4"});
  CHECK((a.engine.K == 8 && a.engine.L == 4));
  const HwConfig b = load_hw_config(
      "", {"engine.pe_groups=2x2", "hw.pe_groups=8x2", "pipeline.multiply=3", "hw.mode=vertical",
           "tanh=7", "latency.sum=4", "ideal=no", " clock_mhz = 250 "});
  CHECK((b.engine.K == 8 && b.engine.L == 2));  // the last --set wins
  CHECK(b.engine.lat_multiply == 3);
  CHECK(b.sharing == SharingMode::Vertical);
  CHECK(b.eltwise.lat_tanh == 7);
  CHECK(b.eltwise.lat_sum == 4);
  CHECK(b.memory.ideal == false);
  CHECK(b.engine.clock_mhz == 250.0);
  // Overrides apply after the file, and an override may repair a file's impossible value.
  const HwConfig c = parse_hw_config("engine:\n  clock_mhz: 0\n  pe_groups: 2x2\n", "f.yaml",
                                     {"engine.clock_mhz=100"});
  CHECK(c.engine.clock_mhz == 100.0);
  CHECK(c.engine.K == 2);
  const HwConfig d = load_hw_config(test::source_path("configs/hw_512pe.yaml"), {"pe_groups=8x4"});
  CHECK(d.engine.pes() == 512);
  CHECK(d.engine.K == 8);
}

TEST_CASE("override errors: ambiguous, unknown, sections, bad values") {
  expect_error(
      [] { load_hw_config("", {"lanes=3"}); },
      {"--set lanes=3: ambiguous key 'lanes'", "'engine.reduce.lanes'", "'eltwise.lanes'"});
  // "latency" is a leaf only of engine.reduce.latency (eltwise.latency is a section).
  CHECK(load_hw_config("", {"hw.latency=3"}).engine.lat_reduce == 3);
  expect_error(
      [] { load_hw_config("", {"hw.pe_grups=8x4"}); },
      {"--set hw.pe_grups=8x4: unknown key 'pe_grups'", "did you mean 'engine.pe_groups'?"});
  expect_error([] { load_hw_config("", {"engine.clok_mhz=3"}); },
               {"unknown key 'engine.clok_mhz'", "did you mean 'engine.clock_mhz'?"});
  expect_error([] { load_hw_config("", {"engine=3"}); }, {"'engine' is a section"});
  expect_error([] { load_hw_config("", {"pe_groups"}); }, {"--set pe_groups", "KEY=VALUE"});
  expect_error([] { load_hw_config("", {"clock_mhz=fast"}); },
               {"--set clock_mhz=fast: engine.clock_mhz: expected a number, got 'fast'"});
  expect_error([] { load_hw_config("", {"clock_mhz="}); }, {"expected a number, got nothing"});
  expect_error([] { load_hw_config("", {"name=[x"}); }, {"--set name=[x: name: invalid value"});
  expect_error([] { load_hw_config("", {"pe_groups=256x256"}); },
               {"--set pe_groups=256x256:", "1048576 PEs"});
}

TEST_CASE("missing and unreadable files are named") {
  expect_error([] { load_hw_config("/nonexistent/hw.yaml"); }, {"/nonexistent/hw.yaml"});
  test::TempDir t("config");
  expect_error([&] { load_hw_config(t.path.string()); }, {t.path.string()});
  const std::string f = t.file("bad.yaml");
  write_file_atomic(f, std::string("engine:\n  pe_grups: 4x4\n"));
  expect_error([&] { load_hw_config(f); },
               {f + ":2: unknown key 'engine.pe_grups' (did you mean 'engine.pe_groups'?)"});
}

TEST_CASE("sharing names round-trip") {
  for (auto m :
       {SharingMode::None, SharingMode::Horizontal, SharingMode::Vertical, SharingMode::TwoD})
    CHECK(parse_sharing(sharing_name(m)) == m);
  CHECK(parse_sharing("2D") == SharingMode::TwoD);
  expect_error([] { parse_sharing("diagonal"); }, {"unknown sharing mode 'diagonal'", "2d"});
}

TEST_CASE("docs/config.md carries the generated key table") {
  const std::string doc = read_text_file(test::source_path("docs/config.md"));
  CHECK(doc.find(hw_keys_table_markdown()) != std::string::npos);
}

TEST_CASE("csbrnn config prints, checks and lists, and bad files exit 2 with one line") {
  if (!std::filesystem::exists(CSBRNN_CLI)) FAIL("the csbrnn binary is not built: " CSBRNN_CLI);
  auto r = test::run_cli("config");
  CHECK(r.exit_code == 0);
  CHECK(r.output == hw_config_to_yaml(HwConfig{}));

  const std::string p512 = test::source_path("configs/hw_512pe.yaml");
  r = test::run_cli("config --hw '" + p512 + "' --set hw.clock_mhz=250");
  CHECK(r.exit_code == 0);
  CHECK(r.output == hw_config_to_yaml(load_hw_config(p512, {"engine.clock_mhz=250"})));

  r = test::run_cli("config --check --hw '" + p512 + "'");
  CHECK(r.exit_code == 0);
  CHECK(r.output.find("512 PEs") != std::string::npos);

  r = test::run_cli("config --list-keys");
  CHECK(r.exit_code == 0);
  for (const auto& k : kExpectedKeys) CHECK(r.output.find(k) != std::string::npos);
  r = test::run_cli("config --list-keys --markdown");
  CHECK(r.exit_code == 0);
  CHECK(r.output == hw_keys_table_markdown());

  test::TempDir t("configcli");
  const std::string out = t.file("resolved.yaml");
  r = test::run_cli("config --set pe_groups=2x8 -o '" + out + "'");
  CHECK(r.exit_code == 0);
  CHECK(same(load_hw_config(out), load_hw_config("", {"pe_groups=2x8"})));

  const std::string bad = t.file("bad.yaml");
  write_file_atomic(bad, std::string("engine:\n  clock_mhz: fast\n"));
  r = test::run_cli("config --check --hw '" + bad + "'");
  CHECK(r.exit_code == 2);
  CHECK(r.output ==
        "csbrnn: error: " + bad + ":2: engine.clock_mhz: expected a number, got 'fast'\n");

  r = test::run_cli("config --set lanes=4");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("ambiguous key 'lanes'") != std::string::npos);
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
}

TEST_CASE("the shipped config with a duplicate or an unknown key added is refused at its line") {
  // configs/hw_256pe.yaml as shipped, one line repeated or misspelt; the expected line numbers
  // are counted in the text itself.
  const std::string orig = read_text_file(test::source_path("configs/hw_256pe.yaml"));
  auto line_of = [](const std::string& text, size_t pos) {
    return 1 + std::count(text.begin(), text.begin() + long(pos), '\n');
  };
  const size_t at = orig.find("  clock_mhz: 200");
  REQUIRE(at != std::string::npos);
  const size_t eol = orig.find('\n', at) + 1;
  const auto first = line_of(orig, at);
  test::TempDir t("hw-real");
  const std::string f = t.file("hw.yaml");
  write_file_atomic(f, orig.substr(0, eol) + "  clock_mhz: 250\n" + orig.substr(eol));
  expect_error(
      [&] { load_hw_config(f); },
      {cat(f, ":", first + 1, ": duplicate key 'engine.clock_mhz' (first at line ", first, ")")});
  std::string misspelt = orig;
  const size_t w = misspelt.find("  neuron_load_width:");
  REQUIRE(w != std::string::npos);
  misspelt.replace(w, 20, "  neuron_load_widht:");
  write_file_atomic(f, misspelt);
  expect_error([&] { load_hw_config(f); },
               {cat(f, ":", line_of(misspelt, w),
                    ": unknown key 'engine.neuron_load_widht' (did you mean "
                    "'engine.neuron_load_width'?)")});
  write_file_atomic(f, orig);
  CHECK(same(load_hw_config(f), HwConfig{}));
}
