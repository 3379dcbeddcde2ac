// memory.model presets and the deep weight streamer end to end through the CLI: outputs checked
// bit for bit against the fixed-point reference by `csbrnn simulate` itself, the DRAM figures
// against bounds that hold by construction (peak bandwidth, bursts x burst size >= bytes).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "support/test_util.h"

using namespace csbrnn;
using nlohmann::json;

namespace {

const std::string kHw = std::string(CSBRNN_SOURCE_DIR) + "/configs/hw_256pe.yaml";

// MT1 with an 8 KiB weight buffer: its images stream every timestep.
json run(const std::string& dir, const std::string& sets, bool small_buffer = true) {
  const auto r = test::run_cli("simulate --hw " + kHw + " bench:mt1 --steps 2 -q --out " + dir +
                               (small_buffer ? " --set buffers.weight_buffer_kib=8 " : " ") + sets);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const json j = json::parse(read_text_file(dir + "/stats.json"));
  REQUIRE(j["check"]["against"].get<std::string>().rfind("fixed-point reference", 0) == 0);
  REQUIRE(j["check"]["passed"] == true);
  return j;
}

int64_t cycles(const json& j) {
  return j["cycles"]["total"].get<int64_t>();
}

}  // namespace

TEST_CASE("dram preset: a streaming model under ddr4-2400 is bit-exact and below peak", "[dram]") {
  test::TempDir t("dram-ddr4");
  const json ideal = run(t.path.string() + "/ideal", "");
  const json d = run(t.path.string() + "/ddr4", "--set memory.model=ddr4-2400");
  const json& m = d["memory"];
  CHECK(m["model"] == "ddr4-2400");
  CHECK(m["peak_gbps"].get<double>() == Approx(19.2).epsilon(1e-3));
  CHECK(m["achieved_gbps"].get<double>() > 0);
  CHECK(m["achieved_gbps"].get<double>() < m["peak_gbps"].get<double>());
  CHECK(m["row_hit_rate"].get<double>() > 0);
  CHECK(m["row_hit_rate"].get<double>() < 1);
  // every byte read is in a burst of 64
  CHECK(m["read_bursts"].get<int64_t>() * 64 >= d["dram"]["bytes_read"].get<int64_t>());
  CHECK(m["activates"].get<int64_t>() > 0);
  const json& ws = m["weight_stall"];
  CHECK(ws["staging_cycles"].get<int64_t>() + ws["latency_cycles"].get<int64_t>() +
            ws["bandwidth_cycles"].get<int64_t>() ==
        d["stalls"]["weight_stream_cycles"].get<int64_t>());
  CHECK(cycles(d) > cycles(ideal));
  std::ifstream s(t.path.string() + "/ddr4/summary.txt");
  const std::string summary((std::istreambuf_iterator<char>(s)), std::istreambuf_iterator<char>());
  CHECK(summary.find("ddr4-2400: ") != std::string::npos);
  CHECK(summary.find("row hits") != std::string::npos);
}

TEST_CASE("dram preset: a parameter file equals its preset and lpddr4-3200 runs", "[dram]") {
  test::TempDir t("dram-file");
  const std::string copy = t.path.string() + "/my-ddr4.yaml";
  std::filesystem::copy_file(std::string(CSBRNN_SOURCE_DIR) + "/configs/dram/ddr4-2400.yaml", copy);
  const json a = run(t.path.string() + "/preset", "--set memory.model=ddr4-2400");
  const json b = run(t.path.string() + "/file", "--set memory.model=" + copy);
  CHECK(cycles(a) == cycles(b));
  CHECK(a["memory"]["activates"] == b["memory"]["activates"]);
  const json l = run(t.path.string() + "/lp", "--set memory.model=lpddr4-3200");
  CHECK(l["memory"]["peak_gbps"].get<double>() == Approx(12.8).epsilon(1e-3));
  CHECK(l["memory"]["achieved_gbps"].get<double>() < 12.8);
  // a bad model: one line, exit 2
  const auto r = test::run_cli("simulate --hw " + kHw +
                               " bench:mt1 --steps 1 -q --set memory.model=ddr5 --out " +
                               t.path.string() + "/bad");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("memory.model") != std::string::npos);
  CHECK(r.output.find("unknown memory model 'ddr5'") != std::string::npos);
}

TEST_CASE("dram preset: memory.ideal is the alias of ideal and simple", "[dram]") {
  test::TempDir t("dram-alias");
  const json a = run(t.path.string() + "/a", "--set memory.ideal=false");
  const json b = run(t.path.string() + "/b", "--set memory.model=simple");
  CHECK(cycles(a) == cycles(b));
  CHECK(a["memory"]["model"] == "simple");
  CHECK(a["hw"]["memory_ideal"] == false);
  // ideal memory, weights resident: no memory.* keys and the analytic cycles exactly
  const json c = run(t.path.string() + "/c", "", false);
  CHECK_FALSE(c.contains("memory"));
  CHECK(c["comparison"]["difference"] == 0);
}

TEST_CASE("deep streaming: staging prefetches ahead and outstanding limits in flight", "[dram]") {
  test::TempDir t("dram-deep");
  const json base = run(t.path.string() + "/base", "");
  const json deep = run(t.path.string() + "/deep", "--set memory.stream.staging_bytes=1048576");
  // fetching further ahead can only hide more of the stream (ideal memory: one burst a cycle)
  CHECK(cycles(deep) < cycles(base));
  CHECK(deep["stalls"]["weight_stream_cycles"] < base["stalls"]["weight_stream_cycles"]);
  // simple DRAM (100 ns latency): one request in flight is latency-bound
  const json any = run(t.path.string() + "/any", "--set memory.model=simple");
  const json one =
      run(t.path.string() + "/one", "--set memory.model=simple --set memory.stream.outstanding=1");
  CHECK(cycles(one) > cycles(any));
  CHECK(one["memory"]["weight_stall"]["latency_cycles"].get<int64_t>() > 0);
  // a tiny staging buffer holds back the prefetch: staging-full stalls are reported
  const json tiny = run(t.path.string() + "/tiny",
                        "--set memory.model=simple --set memory.stream.staging_bytes=64");
  CHECK(cycles(tiny) > cycles(any));  // no chunk ahead: later than one iteration ahead
  CHECK(tiny["memory"]["weight_stall"]["staging_cycles"].get<int64_t>() > 0);
  // residency by traffic: still bit-exact (run() checks)
  run(t.path.string() + "/res", "--set buffers.weight_residency=traffic");
}

TEST_CASE("dram preset: a sweep axis over memory.model", "[dram]") {
  test::TempDir t("dram-sweep");
  const std::string spec = t.path.string() + "/s.yaml";
  std::ofstream(spec) << "name: mem\nmodels: [mt1]\nmode: simulate\ntimesteps: 1\n"
                         "prune: {method: csb, rate: paper, block: 32}\nhw:\n  base: "
                      << kHw
                      << "\n  grid:\n    buffers.weight_buffer_kib: [8]\n"
                         "    memory.model: [ideal, ddr4-2400, lpddr4-3200]\n";
  const auto r = test::run_cli("sweep " + spec + " --out " + t.path.string() + "/out");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  const std::string csv = read_text_file(t.path.string() + "/out/results.csv");
  CHECK(csv.find(",ddr4-2400,ok,") != std::string::npos);
  CHECK(csv.find(",lpddr4-3200,ok,") != std::string::npos);
  CHECK(csv.find(",ideal,ok,") != std::string::npos);
}
