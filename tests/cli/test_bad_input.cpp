// Bad input to every command: each case must end in ONE line naming the file or option and the
// problem, with a non-zero exit (never a crash, an uncaught exception's text, or a success).
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <fstream>
#include <limits>

#include "common/file_util.h"
#include "io/npy.h"
#include "support/test_util.h"

using namespace csbrnn;
using namespace csbrnn::test;

namespace {

const std::string kWeights = source_path("tests/fixtures/io/gru_2l.npz");  // GRU, input 5, H 7

std::string q(const std::string& s) {
  return "'" + s + "'";
}

/// Runs `csbrnn <args>` and checks the refusal: exit 1..127, exactly one line of output, the
/// line names `needle` (the file or option) and holds no C++ runtime text.
void expect_refused(const std::string& args, const std::string& needle) {
  const RunResult r = run_cli(args);
  INFO("csbrnn " << args << "\n" << r.output);
  CHECK(r.exit_code != 0);
  CHECK(r.exit_code < 128);
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  CHECK(r.output.rfind("csbrnn: error: ", 0) == 0);
  CHECK(r.output.find(needle) != std::string::npos);
  CHECK(r.output.find("std::") == std::string::npos);
  CHECK(r.output.find("terminate") == std::string::npos);
  CHECK(r.output.find("filesystem error") == std::string::npos);
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

void write_matrix(const std::string& path, std::vector<int64_t> shape, float fill) {
  Tensor t;
  t.shape = std::move(shape);
  t.data.assign(size_t(t.numel()), fill);
  save_npy(path, t);
}

}  // namespace

TEST_CASE("bad input: info refuses missing, empty, truncated and directory inputs", "[cli][bad]") {
  TempDir d("bad-info");
  const auto w = read_file(kWeights);
  write_bytes(d.file("half.npz"), std::string(w.begin(), w.begin() + long(w.size() / 2)));
  write_bytes(d.file("empty.npz"), "");
  write_matrix(d.file("x.npy"), {5, 5}, 1.0f);
  const auto x = read_file(d.file("x.npy"));
  write_bytes(d.file("cut.npy"), std::string(x.begin(), x.end() - 7));
  std::filesystem::create_directories(d.file("nothing"));
  expect_refused("info " + q(d.file("missing.npz")), "missing.npz");
  expect_refused("info " + q(d.file("empty.npz")), "empty.npz");
  expect_refused("info " + q(d.file("half.npz")), "half.npz");
  expect_refused("info " + q(d.file("cut.npy")), "cut.npy");
  expect_refused("info " + q(d.file("nothing")), "nothing");
}

TEST_CASE("bad input: config refuses malformed YAML, unknown keys, absurd sizes", "[cli][bad]") {
  TempDir d("bad-config");
  write_bytes(d.file("syntax.yaml"), "engine: [1, 2\n  foo: :");
  write_bytes(d.file("unknown.yaml"), "engine:\n  bogus_key: 3\n");
  write_bytes(d.file("type.yaml"), "engine:\n  clock_mhz: fast\n");
  expect_refused("config --hw " + q(d.file("syntax.yaml")), "syntax.yaml");
  expect_refused("config --hw " + q(d.file("unknown.yaml")), "bogus_key");
  expect_refused("config --hw " + q(d.file("type.yaml")), "type.yaml:2");
  expect_refused("config --hw " + q(d.path.string()), d.path.string());
  expect_refused("config --set engine.pe_groups=0x0", "engine.pe_groups");
  expect_refused("config --set engine.pe_groups=1x0", "engine.pe_groups");
  expect_refused("config --set engine.pe_groups=65536x65536", "engine.pe_groups");
  expect_refused("config --set engine.clock_mhz=1e9", "engine.clock_mhz");
  expect_refused("config --set engine.clock_mhz=nan", "engine.clock_mhz");
  expect_refused("config -o /proc/x/out.yaml", "/proc/x/out.yaml");
}

TEST_CASE("bad input: prune refuses NaN weights, absurd rates and blocks, bad outputs",
          "[cli][bad]") {
  TempDir d("bad-prune");
  auto arrays = load_npz(kWeights);
  arrays["weight_hh_l1"].data[3] = std::numeric_limits<float>::quiet_NaN();
  save_npz(d.file("nan.npz"), arrays);
  arrays["weight_hh_l1"].data[3] = std::numeric_limits<float>::infinity();
  save_npz(d.file("inf.npz"), arrays);
  const std::string w = q(kWeights) + " -q";
  expect_refused("prune " + q(d.file("nan.npz")) + " --rate 4 -q", "nan.npz");
  expect_refused("prune " + q(d.file("inf.npz")) + " --rate 4 -q", "inf.npz");
  expect_refused("prune " + q(d.path.string()) + " --rate 4 -q", d.path.string());
  // a rate that keeps no weight of a matrix is refused, not written as an empty model
  expect_refused("prune " + w + " --rate 1e9 --block 4x4", "weight_ih_l0");
  expect_refused("prune " + w + " --rate abc", "--rate");
  expect_refused("prune " + w + " --rate inf", "--rate");
  expect_refused("prune " + w + " --rate 4 --block 0x0", "--block");
  expect_refused("prune " + w + " --rate 4 --block 1x0", "--block");
  expect_refused("prune " + w + " --rate 4 --block 65536x65536", "--block");
  expect_refused("prune " + w + " --rate 4 --block 4x4 -o /proc/x/out.csb", "/proc/x/out.csb");
  expect_refused("prune " + w + " --rate 4 --block 4x4 --export-dense /proc/x/out.npz",
                 "/proc/x/out.npz");
  expect_refused("prune " + w + " --rate 4 --block 4x4 -o " + q(d.path.string()), d.path.string());
}

TEST_CASE("bad input: genmodel and compare refuse negative seeds, bad outputs, absurd rates",
          "[cli][bad]") {
  TempDir d("bad-gen");
  write_bytes(d.file("spec.yaml"), "name: [oops\n");
  expect_refused("genmodel sr4 --seed -1 -o " + q(d.file("w.npz")), "--seed");
  expect_refused("genmodel sr4 -o /proc/x/out.npz", "/proc/x/out.npz");
  expect_refused("genmodel " + q(d.file("spec.yaml")) + " -o " + q(d.file("w.npz")), "spec.yaml");
  expect_refused("compare sr4 --rate 1e9", "--rate");
  expect_refused("compare sr4 --seed -2", "--seed");
  // the output path is checked before the (long) comparison runs
  expect_refused("compare sr4 --md /proc/x/out.md", "/proc/x/out.md");
  expect_refused("compare sr4 --json " + q(d.path.string()), d.path.string());
  expect_refused("fig12 --models sr4,nope", "nope");
  expect_refused("fig12 --models sr4 --block 0", "--block");
  expect_refused("fig12 --models sr4 --json /proc/x/a.json", "/proc/x/a.json");
}

TEST_CASE("bad input: reference refuses NaN/Inf, empty and 1-D inputs and bad outputs",
          "[cli][bad]") {
  TempDir d("bad-ref");
  write_matrix(d.file("x.npy"), {3, 5}, 0.5f);
  write_matrix(d.file("nan.npy"), {3, 5}, std::nanf(""));
  write_matrix(d.file("inf.npy"), {3, 5}, std::numeric_limits<float>::infinity());
  write_matrix(d.file("t0.npy"), {0, 5}, 0.f);
  write_matrix(d.file("flat.npy"), {5}, 0.f);
  write_matrix(d.file("wide.npy"), {3, 4}, 0.f);
  const std::string m = "reference --model " + q(kWeights) + " --input ";
  const std::string y = " --output " + q(d.file("y.npy"));
  expect_refused(m + q(d.file("nan.npy")) + y, "nan.npy");
  expect_refused(m + q(d.file("inf.npy")) + y + " --fixed-point", "inf.npy");
  expect_refused(m + q(d.file("t0.npy")) + y, "t0.npy");
  expect_refused(m + q(d.file("flat.npy")) + y, "flat.npy");
  expect_refused(m + q(d.file("wide.npy")) + y, "wide.npy");
  expect_refused(m + q(d.path.string()) + y, d.path.string());
  expect_refused(m + q(d.file("x.npy")) + " --output /proc/x/y.npy", "/proc/x/y.npy");
  expect_refused(m + q(d.file("x.npy")) + " --output " + q(d.path.string()), d.path.string());
  expect_refused("reference --measure-error --steps 0", "--steps");
  expect_refused("reference --measure-error --steps 1000000000 --seeds 1000000000", "--steps");
  expect_refused("reference --measure-error --seeds 0", "--seeds");
}

TEST_CASE("bad input: sweep refuses bad specs, -j 0 and unusable output folders", "[cli][bad]") {
  TempDir d("bad-sweep");
  const std::string base = source_path("configs/hw_256pe.yaml");
  const std::string ok =
      "name: t\nmode: analytic\nmodels: [sr4]\nprune: {method: csb, rate: 8, "
      "block: 32}\nhw: {base: " +
      base + "}\n";
  write_bytes(d.file("ok.yaml"), ok);
  write_bytes(d.file("unknown.yaml"), ok + "bogus: 1\n");
  write_bytes(d.file("block.yaml"),
              "name: t\nmode: analytic\nmodels: [sr4]\nprune: {method: csb, rate: 8, block: "
              "0x0}\nhw: {base: " +
                  base + "}\n");
  write_bytes(d.file("rate.yaml"),
              "name: t\nmode: analytic\nmodels: [sr4]\nprune: {method: csb, rate: abc, block: "
              "32}\nhw: {base: " +
                  base + "}\n");
  write_bytes(d.file("afile"), "x");
  const std::string out = " --out " + q(d.file("out"));
  expect_refused("sweep " + q(d.file("unknown.yaml")) + out, "bogus");
  expect_refused("sweep " + q(d.file("block.yaml")) + out, "prune.block");
  expect_refused("sweep " + q(d.file("rate.yaml")) + out, "prune.rate");
  expect_refused("sweep " + q(d.file("missing.yaml")) + out, "missing.yaml");
  expect_refused("sweep " + q(d.file("ok.yaml")) + out + " -j 0", "-j");
  expect_refused("sweep " + q(d.file("ok.yaml")) + " --out /proc/x/out", "/proc/x/out");
  expect_refused("sweep " + q(d.file("ok.yaml")) + " --out " + q(d.file("afile")), "afile");
}

TEST_CASE("compile and simulate refuse bad outputs and options before working") {
  test::TempDir t("badout");
  struct Case {
    std::string args, names;
  };
  const std::vector<Case> cases = {
      {"compile --bench sr4 -o " + t.file("p.bin") + " --report /proc/x/r.json", "/proc/x/r.json"},
      {"compile --bench sr4 --block -1 -o " + t.file("p.bin"), "--block"},
      {"simulate bench:sr4 --steps 2 --rate 0 --out " + t.file("so"), "--rate"},
      {"simulate bench:sr4 --steps 2 --rate nan --out " + t.file("so"), "--rate"},
      {"simulate bench:sr4 --steps 2 --out " + t.file("so") + " --vcd /proc/x/a.vcd",
       "/proc/x/a.vcd"},
      {"simulate bench:sr4 --steps 2 --out " + t.file("so") + " --output /proc/x/y.npy",
       "/proc/x/y.npy"},
  };
  for (const auto& c : cases) {
    INFO(c.args);
    const auto r = test::run_cli(c.args);
    CHECK(r.exit_code == 2);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
    CHECK(r.output.find("csbrnn: error:") == 0);
    CHECK(r.output.find(c.names) != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(t.file("p.bin")));  // nothing written before the refusal
}

TEST_CASE("one clock range, one message, in config, compile and simulate (issue 14)") {
  // 1e-6 MHz passed config and compile but simulate refused it with its own message; the key
  // table's range is now the simulator's (a period of whole picoseconds, at most 1 ms).
  test::TempDir t("clock");
  const std::string bad = " --set engine.clock_mhz=0.000001";
  const std::vector<std::string> cmds = {
      "config --check" + bad,
      "compile --bench sr4 -o " + t.file("p.bin") + bad,
      "simulate bench:sr4 --steps 1 --out " + t.file("so") + bad,
  };
  std::vector<std::string> lines;
  for (const auto& c : cmds) {
    INFO(c);
    const auto r = test::run_cli(c);
    CHECK(r.exit_code == 2);
    CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
    CHECK(r.output.find("engine.clock_mhz") != std::string::npos);
    CHECK(r.output.find("0.001..10000 MHz") != std::string::npos);
    lines.push_back(r.output);
  }
  CHECK(lines[0] == lines[1]);
  CHECK(lines[1] == lines[2]);
  // The slowest accepted clock simulates (period 1e9 ps), and its latency follows the clock.
  const auto r = test::run_cli(
      "simulate bench:sr4 --steps 1 -q --set engine.clock_mhz=0.001 --out " + t.file("slow"));
  INFO(r.output);
  CHECK(r.exit_code == 0);
}

TEST_CASE("simulate --vcd on a full disk fails the run and leaves no waveform (issue 14)") {
  test::SmallFs fs("vcd", 16);  // the waveform of 3 steps is ~56 KB
  if (!fs.ok) {
    WARN("skipped: " << fs.why);
    return;
  }
  test::TempDir t("vcdfull");
  const std::string vcd = fs.file("w.vcd");
  const auto r =
      test::run_cli("simulate bench:sr4 --steps 3 -q --out " + t.file("so") + " --vcd " + vcd);
  INFO(r.output);
  CHECK(r.exit_code == 2);
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  CHECK(r.output.find("csbrnn: error: " + vcd + ": write failed: No space left on device") == 0);
  CHECK(std::filesystem::is_empty(fs.path));
  // The same run with room for the waveform succeeds and writes a whole VCD.
  const auto ok = test::run_cli("simulate bench:sr4 --steps 3 -q --out " + t.file("so2") +
                                " --vcd " + t.file("w.vcd"));
  CHECK(ok.exit_code == 0);
  const std::string text = read_text_file(t.file("w.vcd"));
  CHECK(text.find("$enddefinitions") != std::string::npos);
  CHECK(std::filesystem::file_size(t.file("w.vcd")) > 16 * 1024);
}

namespace {
// The names in a directory, sorted.
std::vector<std::string> names_in(const std::filesystem::path& d) {
  std::vector<std::string> v;
  for (const auto& e : std::filesystem::directory_iterator(d)) v.push_back(e.path().filename());
  std::sort(v.begin(), v.end());
  return v;
}
const std::vector<std::string> kReport = {"energy.svg", "hw.yaml",     "stats.csv",
                                          "stats.json", "summary.txt", "utilization.svg"};
}  // namespace

TEST_CASE(
    "simulate --out on a full disk leaves no report folder, a previous one intact (issue 14)") {
  test::SmallFs fs("simout", 100);  // stats, csv and hw.yaml fit (~15 KB); the SVG (~190 KB) not
  if (!fs.ok) {
    WARN("skipped: " << fs.why);
    return;
  }
  const std::string out = fs.file("so");
  const std::string run = "simulate bench:sr4 --steps 3 -q --out ";
  auto r = test::run_cli(run + out);
  INFO(r.output);
  CHECK(r.exit_code == 2);
  CHECK(std::count(r.output.begin(), r.output.end(), '\n') == 1);
  CHECK(r.output.find("csbrnn: error: " + out + "/utilization.svg: write failed") == 0);
  CHECK(std::filesystem::is_empty(fs.path));  // no folder, no staging sibling
  // A previous report folder stays as it was when the new report cannot be written.
  std::filesystem::create_directories(out);
  write_file_atomic(out + "/stats.json", "{\"previous\": true}\n");
  r = test::run_cli(run + out);
  CHECK(r.exit_code == 2);
  CHECK(names_in(fs.path) == std::vector<std::string>{"so"});
  CHECK(names_in(out) == std::vector<std::string>{"stats.json"});
  CHECK(read_text_file(out + "/stats.json") == "{\"previous\": true}\n");
  // With room, the report replaces the previous one; a file that is not a report file stays.
  test::TempDir t("simout");
  const std::string good = t.file("so");
  std::filesystem::create_directories(good);
  write_file_atomic(good + "/stats.json", "{\"previous\": true}\n");
  write_file_atomic(good + "/input.npy", "keep");
  r = test::run_cli(run + good);
  CHECK(r.exit_code == 0);
  std::vector<std::string> want = kReport;
  want.push_back("input.npy");
  std::sort(want.begin(), want.end());
  CHECK(names_in(good) == want);
  CHECK(names_in(t.path) == std::vector<std::string>{"so"});
  CHECK(read_text_file(good + "/input.npy") == "keep");
  CHECK(read_text_file(good + "/stats.json").find("\"previous\"") == std::string::npos);
  CHECK(read_text_file(good + "/utilization.svg").find("</svg>") != std::string::npos);
}
