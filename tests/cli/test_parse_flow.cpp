// In-process tests of the flow commands' parse functions (prune, compile, simulate, sweep): the
// parsed values (defaults, --set, positional arguments) and the exact csbrnn::Error of bad
// command lines, including which error wins when there are two. The expected messages are the
// ones the CLI printed before parse and run were split (checked against that binary).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "cli/cmd_compile.h"
#include "cli/cmd_prune.h"
#include "cli/cmd_simulate.h"
#include "cli/cmd_sweep.h"
#include "cli/parse_util.h"
#include "prune/registry.h"
#include "support/test_util.h"

using namespace csbrnn;
using namespace csbrnn::cli;
using namespace csbrnn::test;
namespace fs = std::filesystem;

namespace {
const std::string kHw512 = source_path("configs/hw_512pe.yaml");
}

// ---------------------------------------------------------------------------------- simulate

TEST_CASE("parse simulate: a bench: run with every default", "[cli][parse]") {
  TempDir d("ps-def");
  const auto o = parse_ok(parse_simulate, {"bench:sr4", "--out", d.file("so")});
  CHECK(o.program == "bench:sr4");
  CHECK(o.bench);
  CHECK(o.bench_name == "sr4");
  CHECK(o.bench_model.block == 0);  // the paper's
  CHECK(o.bench_model.rate == 0);   // the paper's
  CHECK(o.bench_model.seed == 1);
  CHECK_FALSE(o.input.has_value());
  CHECK(o.steps == 100);
  CHECK(o.output.empty());
  CHECK(o.out_dir == d.file("so"));
  CHECK_FALSE(fs::exists(d.file("so")));  // checked writable; created complete at the end
  CHECK_FALSE(o.vcd_given);
  CHECK(o.vcd.from == 0);
  CHECK(o.vcd.to == -1);
  CHECK(o.check);
  CHECK_FALSE(o.quiet);
  CHECK(o.hw.name == "csb-256pe");
  CHECK(o.hw.engine.K == 4);
  CHECK(o.hw.engine.L == 4);
  CHECK(o.hw.engine.clock_mhz == 200.0);
}

TEST_CASE("parse simulate: program, input, outputs, VCD, --hw and --set", "[cli][parse]") {
  TempDir d("ps-all");
  const auto o = parse_ok(parse_simulate, {"--hw",
                                           kHw512,
                                           "missing/p.bin",
                                           "--input",
                                           "x.npy",
                                           "--steps",
                                           "0",
                                           "--output",
                                           d.file("y.npy"),
                                           "--out",
                                           d.file("so"),
                                           "--vcd",
                                           d.file("a.vcd"),
                                           "--vcd-scope",
                                           "engine,group(7, 3)",
                                           "--vcd-window",
                                           "10:20",
                                           "--no-check",
                                           "-q",
                                           "--set",
                                           "engine.clock_mhz=250",
                                           "--set",
                                           "sharing.mode=none"});
  CHECK(o.program == "missing/p.bin");  // read by run, not by parse
  CHECK_FALSE(o.bench);
  CHECK(o.input == std::optional<std::string>("x.npy"));
  CHECK(o.steps == 0);  // ignored with --input, as before
  CHECK(o.output == d.file("y.npy"));
  CHECK(o.vcd_given);
  CHECK(o.vcd.file == d.file("a.vcd"));
  CHECK(o.vcd.scope == std::vector<std::string>{"engine", "group(7,3)"});  // 8x4 grid of 512pe
  CHECK(o.vcd.from == 10);
  CHECK(o.vcd.to == 20);
  CHECK_FALSE(o.check);
  CHECK(o.quiet);
  CHECK(o.hw.name == "csb-512pe");
  CHECK(o.hw.engine.K == 8);
  CHECK(o.hw.engine.L == 4);
  CHECK(o.hw.engine.clock_mhz == 250.0);
  CHECK(o.hw.sharing == SharingMode::None);
  // Checked writable, but nothing is written by parse.
  CHECK_FALSE(fs::exists(d.file("y.npy")));
  CHECK_FALSE(fs::exists(d.file("a.vcd")));
}

TEST_CASE("parse simulate: bench:NAME:BLOCK, --rate, --seed and --steps", "[cli][parse]") {
  TempDir d("ps-bench");
  const auto o = parse_ok(parse_simulate, {"bench:mt1:16", "--rate", "8", "--seed", "3", "--steps",
                                           "5", "--out", d.file("so")});
  CHECK(o.bench_name == "mt1");
  CHECK(o.bench_model.block == 16);
  CHECK(o.bench_model.rate == 8.0);
  CHECK(o.bench_model.seed == 3);
  CHECK(o.steps == 5);
  // --rate applies to bench: only; a program's run ignores it (no check), as before.
  const auto p = parse_ok(parse_simulate,
                          {"p.bin", "--input", "x.npy", "--rate", "0.5", "--out", d.file("so")});
  CHECK(p.bench_model.rate == 0);
  // a model name that does not exist is the run's error (models/*.yaml is read there)
  CHECK(parse_ok(parse_simulate, {"bench:nope", "--out", d.file("so")}).bench_name == "nope");
}

TEST_CASE("parse simulate: --help prints the usage and runs nothing", "[cli][parse]") {
  Capture out;
  CHECK_FALSE(parse_simulate({"--help"}).has_value());
  CHECK(out.text().rfind("usage: csbrnn simulate --hw HW.yaml PROGRAM_OR_MODEL --input X.npy", 0) ==
        0);
  CHECK(out.text().find("--vcd-window") != std::string::npos);
}

TEST_CASE("parse simulate: bad command lines", "[cli][parse][bad]") {
  TempDir d("ps-bad");
  const std::string so = d.file("so");
  std::ofstream(d.file("afile")) << "x";
  CHECK(parse_error(parse_simulate, {"--bogus"}) ==
        "csbrnn simulate: unrecognised option '--bogus' (see 'csbrnn simulate --help')");
  CHECK(parse_error(parse_simulate, {"p.bin"}) ==
        "csbrnn simulate: the option '--out' is required but missing (see 'csbrnn simulate "
        "--help')");
  CHECK(parse_error(parse_simulate, {"--out", so}) ==
        "csbrnn simulate: the option '--program' is required but missing (see 'csbrnn "
        "simulate --help')");
  CHECK(parse_error(parse_simulate, {"p.bin", "--out", so}) ==
        "csbrnn simulate: missing --input X.npy");
  CHECK(parse_error(parse_simulate, {"bench:sr4", "--steps", "0", "--out", so}) ==
        "--steps must be positive");
  CHECK(parse_error(parse_simulate, {"bench:sr4", "--steps", "x", "--out", so}) ==
        "csbrnn simulate: the argument ('x') for option '--steps' is invalid (see 'csbrnn "
        "simulate --help')");
  CHECK(parse_error(parse_simulate, {"bench:sr4:x", "--out", so}) ==
        "bench:sr4:x: BLOCK must be a positive integer");
  CHECK(parse_error(parse_simulate, {"bench:sr4:0", "--out", so}) ==
        "bench:sr4:0: BLOCK must be a positive integer");
  CHECK(parse_error(parse_simulate, {"bench:", "--out", so}) ==
        "bench:: expected bench:NAME[:BLOCK]");
  CHECK(parse_error(parse_simulate, {"bench:sr4:1:2", "--out", so}) ==
        "bench:sr4:1:2: expected bench:NAME[:BLOCK]");
  CHECK(parse_error(parse_simulate, {"bench:sr4", "--rate", "1", "--out", so}) ==
        "--rate: compression rate must be a finite number > 1 (got 1)");
  CHECK(parse_error(parse_simulate, {"bench:sr4", "--rate", "inf", "--out", so}) ==
        "--rate: compression rate must be a finite number > 1 (got inf)");
  CHECK(parse_error(parse_simulate, {"bench:sr4", "--seed", "-1", "--out", so}) ==
        "csbrnn simulate: --seed: expected a non-negative integer, got '-1'");
  CHECK(parse_error(parse_simulate, {"bench:sr4", "--vcd-window", "1:5", "--out", so}) ==
        "--vcd-scope/--vcd-window need --vcd FILE");
  CHECK(parse_error(parse_simulate, {"bench:sr4", "--vcd-scope", "engine", "--out", so}) ==
        "--vcd-scope/--vcd-window need --vcd FILE");
  CHECK(parse_error(parse_simulate, {"bench:sr4", "--vcd", d.file("a.vcd"), "--vcd-scope",
                                     "group(4,0)", "--out", so}) ==
        "--vcd-scope: group(4,0) outside the 4x4 PEGroup grid");
  CHECK(parse_error(parse_simulate,
                    {"bench:sr4", "--vcd", d.file("a.vcd"), "--vcd-scope", "bogus", "--out", so}) ==
        "--vcd-scope: unknown unit 'bogus'; valid: all, controller, engine, groups, "
        "group(k,l), eltwise, load, store, dram");
  CHECK(parse_error(parse_simulate, {"bench:sr4", "--vcd", d.file("a.vcd"), "--vcd-window", "5:5",
                                     "--out", so}) == "--vcd-window: empty window 5:5");
  CHECK(parse_error(parse_simulate, {"bench:sr4", "--out", d.file("afile")}) ==
        d.file("afile") + ": exists and is not a directory");
  CHECK(parse_error(parse_simulate, {"bench:sr4", "--output", d.path.string(), "--out", so}) ==
        d.path.string() + ": is a directory, expected a file");
  CHECK(parse_error(parse_simulate, {"bench:sr4", "--set", "engine.pe_groups=0x4", "--out", so}) ==
        "--set engine.pe_groups=0x4: engine.pe_groups: 0x4 is out of range (valid: each of K "
        "and L 1..256)");
}

TEST_CASE("parse simulate: the same check wins as before when two fail", "[cli][parse][bad]") {
  TempDir d("ps-order");
  const std::string so = d.file("so");
  std::ofstream(d.file("afile")) << "x";
  // config, then --output, then --out, then bench:, then --steps, then the VCD options
  CHECK(parse_error(parse_simulate, {"bench:sr4", "--set", "engine.pe_groups=0x4", "--output",
                                     d.path.string(), "--out", so})
            .rfind("--set engine.pe_groups=0x4", 0) == 0);
  CHECK(parse_error(parse_simulate,
                    {"bench:sr4", "--output", d.path.string(), "--out", d.file("afile")}) ==
        d.path.string() + ": is a directory, expected a file");
  CHECK(parse_error(parse_simulate, {"bench:sr4:0", "--out", d.file("afile")}) ==
        d.file("afile") + ": exists and is not a directory");
  CHECK(parse_error(parse_simulate, {"bench:sr4", "--rate", "1", "--steps", "0", "--out", so}) ==
        "--rate: compression rate must be a finite number > 1 (got 1)");
  CHECK(parse_error(parse_simulate, {"bench:sr4", "--steps", "0", "--vcd-scope", "engine", "--out",
                                     so}) == "--steps must be positive");
  // with a bigger grid from --set, the same group is inside it: the config comes first
  CHECK(parse_ok(parse_simulate, {"bench:sr4", "--set", "engine.pe_groups=8x4", "--vcd",
                                  d.file("a.vcd"), "--vcd-scope", "group(4,0)", "--out", so})
            .vcd.scope == std::vector<std::string>{"group(4,0)"});
}

TEST_CASE("run simulate: inputs are read by run, after the parse checks", "[cli][parse]") {
  TempDir d("ps-run");
  // a missing program passes parse and is refused by run, before any output is written
  const auto o = parse_ok(parse_simulate, {d.file("missing.bin"), "--input", d.file("x.npy"),
                                           "--out", d.file("so"), "-q"});
  CHECK(error_of([&] { return run_simulate(o); }) ==
        d.file("missing.bin") + ": cannot open: No such file or directory");
  CHECK_FALSE(fs::exists(d.file("so")));  // the report folder appears only when complete
  CHECK(fs::is_empty(d.path));            // nor its staging sibling
}

// ---------------------------------------------------------------------------------- compile

TEST_CASE("parse compile: a model file with every default", "[cli][parse]") {
  TempDir d("pc-def");
  const auto o = parse_ok(parse_compile, {"missing.csb", "-o", d.file("p.bin")});
  CHECK(o.origin == "missing.csb");  // read by run
  CHECK_FALSE(o.bench);
  CHECK(o.bench_model.block == 0);
  CHECK(o.output == d.file("p.bin"));
  CHECK(o.report.empty());
  CHECK(o.hw.name == "csb-256pe");
  CHECK(o.hw.sharing == SharingMode::TwoD);
  CHECK_FALSE(fs::exists(d.file("p.bin")));
  // --block is for --bench only: a negative one is ignored with a model file, as before
  CHECK(parse_ok(parse_compile, {"m.csb", "--block", "-1", "-o", d.file("p.bin")}).origin ==
        "m.csb");
}

TEST_CASE("parse compile: --bench, --block, --report, --hw and --set", "[cli][parse]") {
  TempDir d("pc-bench");
  const auto o =
      parse_ok(parse_compile, {"--bench", "sr4", "--block", "16", "--output", d.file("sub/p.bin"),
                               "--report", d.file("r.json"), "--hw", kHw512, "--set",
                               "engine.pe_groups=4x8", "--set", "sharing.mode=vertical"});
  CHECK(o.origin == "sr4");
  CHECK(o.bench);
  CHECK(o.bench_model.block == 16);
  CHECK(o.output == d.file("sub/p.bin"));
  CHECK(o.report == d.file("r.json"));
  CHECK(o.hw.name == "csb-512pe");
  CHECK(o.hw.engine.K == 4);  // --set after --hw
  CHECK(o.hw.engine.L == 8);
  CHECK(o.hw.sharing == SharingMode::Vertical);
  CHECK(fs::is_directory(d.file("sub")));  // check_writable creates the parents, as before
  CHECK_FALSE(fs::exists(d.file("r.json")));
  Capture out;
  CHECK_FALSE(parse_compile({"-h"}).has_value());
  CHECK(out.text().rfind("usage: csbrnn compile MODEL.csb [--hw HW.yaml]", 0) == 0);
}

TEST_CASE("parse compile: bad command lines, and which error wins", "[cli][parse][bad]") {
  TempDir d("pc-bad");
  const std::string p = d.file("p.bin"), dir = d.path.string();
  CHECK(parse_error(parse_compile, {}) ==
        "csbrnn compile: the option '--output' is required but missing (see 'csbrnn compile "
        "--help')");
  CHECK(parse_error(parse_compile, {"-o", p}) ==
        "csbrnn compile: give exactly one of MODEL.csb or --bench NAME");
  CHECK(parse_error(parse_compile, {"m.csb", "--bench", "sr4", "-o", dir}) ==
        "csbrnn compile: give exactly one of MODEL.csb or --bench NAME");
  CHECK(parse_error(parse_compile, {"a.csb", "b.csb", "-o", p}) ==
        "csbrnn compile: too many positional options have been specified on the command line "
        "(see 'csbrnn compile --help')");
  CHECK(parse_error(parse_compile, {"--bench", "sr4", "--block", "-1", "-o", p}) ==
        "--block: -1 is not a block size (0 = the paper's)");
  CHECK(parse_error(parse_compile, {"--bench", "sr4", "-o", dir}) ==
        dir + ": is a directory, expected a file");
  CHECK(parse_error(parse_compile, {"--bench", "sr4", "-o", p, "--report", dir}) ==
        dir + ": is a directory, expected a file");
  CHECK(parse_error(parse_compile, {"--bench", "sr4", "-o", p, "--hw", d.file("no.yaml")}) ==
        d.file("no.yaml") + ": cannot open: No such file or directory");
  // order: the config, then -o, then --report, then --block
  CHECK(parse_error(parse_compile, {"--bench", "sr4", "-o", dir, "--hw", d.file("no.yaml")}) ==
        d.file("no.yaml") + ": cannot open: No such file or directory");
  CHECK(parse_error(parse_compile, {"--bench", "sr4", "--block", "-1", "-o", p, "--report", dir}) ==
        dir + ": is a directory, expected a file");
  CHECK_FALSE(fs::exists(p));
}

TEST_CASE("run compile: the model is read by run", "[cli][parse]") {
  TempDir d("pc-run");
  const auto o = parse_ok(parse_compile, {d.file("missing.csb"), "-o", d.file("p.bin")});
  CHECK(error_of([&] { return run_compile(o); }) ==
        d.file("missing.csb") + ": cannot open: No such file or directory");
  CHECK_FALSE(fs::exists(d.file("p.bin")));
}

// ---------------------------------------------------------------------------------- prune

TEST_CASE("parse prune: defaults", "[cli][parse]") {
  const auto o = parse_ok(parse_prune, {"missing.npz", "--rate", "4"});
  CHECK(o.weights == "missing.npz");  // read by run
  CHECK(o.prune.base.method == find_method("csb"));
  CHECK(o.prune.base.rate == 4.0);
  CHECK(o.prune.base.block.bh == 32);
  CHECK(o.prune.base.block.bw == 32);
  CHECK(o.prune.base.banks == 8);
  CHECK(o.prune.base.refine_iters == 4);
  CHECK(o.prune.rate_for.empty());
  CHECK(o.prune.block_for.empty());
  CHECK_FALSE(o.cell.has_value());
  CHECK_FALSE(o.output.has_value());
  CHECK_FALSE(o.export_dense.has_value());
  CHECK_FALSE(o.report.has_value());
  CHECK_FALSE(o.time);
  CHECK_FALSE(o.quiet);
}

TEST_CASE("parse prune: every option, repeated --rate-for/--block-for", "[cli][parse]") {
  const auto o = parse_ok(parse_prune, {"w.npz",
                                        "-m",
                                        "csb-global",
                                        "-r",
                                        "8",
                                        "-b",
                                        "16x8",
                                        "--rate-for",
                                        "weight_hh_l0=12",
                                        "--rate-for",
                                        "weight_ih_l1=6",
                                        "--block-for",
                                        "weight_ih_l0=4x2",
                                        "--banks",
                                        "4",
                                        "--refine",
                                        "2",
                                        "--cell",
                                        "gru",
                                        "-o",
                                        "m.csb",
                                        "--export-dense",
                                        "p.npz",
                                        "--report",
                                        "r.json",
                                        "--time",
                                        "-q"});
  CHECK(o.prune.base.method == find_method("csb-global"));
  CHECK(o.prune.base.rate == 8.0);
  CHECK(o.prune.base.block.bh == 16);
  CHECK(o.prune.base.block.bw == 8);
  CHECK(o.prune.base.banks == 4);
  CHECK(o.prune.base.refine_iters == 2);
  CHECK(o.prune.rate_for ==
        std::map<std::string, double>{{"weight_hh_l0", 12.0}, {"weight_ih_l1", 6.0}});
  REQUIRE(o.prune.block_for.size() == 1);
  CHECK(o.prune.block_for.at("weight_ih_l0").bh == 4);
  CHECK(o.prune.block_for.at("weight_ih_l0").bw == 2);
  CHECK(o.cell == std::optional<CellType>(CellType::GRU));
  CHECK(o.output == std::optional<std::string>("m.csb"));
  CHECK(o.export_dense == std::optional<std::string>("p.npz"));
  CHECK(o.report == std::optional<std::string>("r.json"));
  CHECK(o.time);
  CHECK(o.quiet);
}

TEST_CASE("parse prune: baseline methods, one-number blocks, --cell lstm", "[cli][parse]") {
  const auto b = parse_ok(parse_prune, {"w.npz", "--method", "bank-balanced", "--rate", "2.5",
                                        "--banks", "3", "--block", "16", "--cell", "lstm"});
  CHECK(b.prune.base.method == find_method("bank-balanced"));
  CHECK(b.prune.base.rate == 2.5);
  CHECK(b.prune.base.banks == 3);
  CHECK(b.prune.base.block.bh == 16);
  CHECK(b.prune.base.block.bw == 16);
  CHECK(b.cell == std::optional<CellType>(CellType::LSTM));
  // a baseline method may export its dense weights (only -o needs a csb method)
  const auto u =
      parse_ok(parse_prune, {"w.npz", "-m", "unstructured", "-r", "4", "--export-dense", "p.npz"});
  CHECK(u.prune.base.method == find_method("unstructured"));
  CHECK(u.export_dense == std::optional<std::string>("p.npz"));
}

TEST_CASE("parse prune: keep takes no rate", "[cli][parse]") {
  const auto k =
      parse_ok(parse_prune, {"w.npz", "--method", "keep", "--block", "8x4", "-o", "m.csb"});
  CHECK(k.prune.base.method == find_method("keep"));
  CHECK(k.prune.base.block.bh == 8);
  CHECK(k.prune.base.block.bw == 4);
  CHECK(k.output == std::optional<std::string>("m.csb"));
  CHECK(parse_error(parse_prune, {"w.npz", "--method", "keep", "--rate", "8"}) ==
        "--rate: method 'keep' takes no rate (it keeps the weights' own nonzeros)");
  CHECK(parse_error(parse_prune, {"w.npz", "-m", "keep", "--rate-for", "weight_hh_l0=8"}) ==
        "--rate-for: method 'keep' takes no rate (it keeps the weights' own nonzeros)");
}

TEST_CASE("parse prune: bad command lines, and which error wins", "[cli][parse][bad]") {
  CHECK(parse_error(parse_prune, {}) ==
        "csbrnn prune: missing WEIGHTS (see 'csbrnn prune --help')");
  CHECK(parse_error(parse_prune, {"w.npz"}) ==
        "csbrnn prune: missing --rate R (compression rate > 1)");
  CHECK(parse_error(parse_prune, {"w.npz", "--rate", "1"}) ==
        "--rate: compression rate must be > 1 (got 1); rate R keeps 1/R of the weights");
  CHECK(parse_error(parse_prune, {"w.npz", "--rate", "4", "--method", "csbb"}) ==
        "unknown pruning method 'csbb' (did you mean 'csb'?); valid: csb, csb-tile, csb-global, "
        "unstructured, row-column, row-balanced, bank-balanced, keep");
  // --tile: csb-tile's alone, PxQ of positive sizes.
  CHECK(parse_error(parse_prune, {"w.npz", "--rate", "4", "--tile", "4x4"}) ==
        "--tile: only method 'csb-tile' takes a tile (method is 'csb')");
  CHECK(parse_error(parse_prune, {"w.npz", "--rate", "4", "-m", "csb-global", "--tile", "2"}) ==
        "--tile: only method 'csb-tile' takes a tile (method is 'csb-global')");
  CHECK(parse_error(parse_prune, {"w.npz", "--rate", "4", "-m", "csb-tile", "--tile", "4by4"}) ==
        "--tile: bad tile '4by4' (expected PxQ, e.g. 4x4, or one number)");
  CHECK(parse_error(parse_prune, {"w.npz", "--rate", "4", "-m", "csb-tile", "--tile", "0x4"}) ==
        "--tile: tile '0x4' must be at least 1x1");
  CHECK(parse_error(parse_prune, {"w.npz", "--rate", "4", "--banks", "0"}) ==
        "--banks: must be at least 1 (got 0)");
  CHECK(parse_error(parse_prune, {"w.npz", "--rate", "4", "--refine", "-1"}) ==
        "--refine: must be >= 0");
  CHECK(parse_error(parse_prune, {"w.npz", "--rate", "4", "--rate-for", "weight_hh_l0"}) ==
        "--rate-for: expected NAME=VALUE (e.g. --rate-for weight_hh_l0=8), got 'weight_hh_l0'");
  CHECK(parse_error(parse_prune, {"w.npz", "--rate", "4", "--rate-for", "weight_hh_l0=0.5"}) ==
        "--rate-for weight_hh_l0: compression rate must be > 1 (got 0.5); rate R keeps 1/R of "
        "the weights");
  CHECK(parse_error(parse_prune, {"w.npz", "--rate", "4", "--block-for", "=4x4"}) ==
        "--block-for: expected NAME=VALUE (e.g. --block-for weight_hh_l0=16x16), got '=4x4'");
  CHECK(parse_error(parse_prune, {"w.npz", "--rate", "4", "--block-for", "weight_ih_l0=4x"}) ==
        "--block-for weight_ih_l0: bad block size '4x' (expected BHxBW, e.g. 32x32, or one "
        "number)");
  CHECK(parse_error(parse_prune,
                    {"w.npz", "--rate", "4", "--method", "row-balanced", "-o", "m.csb"}) ==
        "-o/--output: the .csb container holds CSB models only (method 'row-balanced'); use "
        "--export-dense for the pruned weights");
  CHECK(parse_error(parse_prune, {"w.npz", "--rate", "4", "--cell", "rnn"}) ==
        "--cell: expected lstm or gru, got 'rnn'");
  // order: WEIGHTS, --rate given, --method, --rate, ..., -o vs method, --cell
  CHECK(parse_error(parse_prune, {"--rate", "1"}) ==
        "csbrnn prune: missing WEIGHTS (see 'csbrnn prune --help')");
  CHECK(parse_error(parse_prune, {"w.npz", "--method", "bogus", "--rate", "1"})
            .rfind("unknown pruning method 'bogus'", 0) == 0);
  CHECK(parse_error(parse_prune, {"w.npz", "--rate", "1", "--banks", "0"})
            .rfind("--rate: compression rate must be > 1", 0) == 0);
  CHECK(parse_error(parse_prune, {"w.npz", "--rate", "4", "--cell", "rnn", "--method",
                                  "unstructured", "-o", "m.csb"})
            .rfind("-o/--output:", 0) == 0);
}

// ---------------------------------------------------------------------------------- sweep

TEST_CASE("parse sweep: a run, its defaults and options", "[cli][parse]") {
  const auto o = parse_ok(parse_sweep, {"missing.yaml", "--out", "dir"});
  CHECK(o.mode == SweepCmdOptions::Mode::Run);
  CHECK(o.spec == "missing.yaml");  // read by run
  CHECK(o.out == "dir");
  CHECK(o.sets.empty());
  CHECK(o.jobs == 0);
  CHECK_FALSE(o.dry_run);
  CHECK(o.progress);
  const auto a = parse_ok(parse_sweep, {"s.yaml", "-o", "dir", "-j", "3", "-n", "--no-progress",
                                        "--set", "timesteps=2", "--set", "engine.pe_groups=4x8"});
  CHECK(a.jobs == 3);
  CHECK(a.dry_run);
  CHECK_FALSE(a.progress);
  CHECK(a.sets == std::vector<std::string>{"timesteps=2", "engine.pe_groups=4x8"});
  CHECK_FALSE(fs::exists("dir"));  // nothing created by parse
}

TEST_CASE("parse sweep: the internal modes and --report-only take --out only", "[cli][parse]") {
  const auto p = parse_ok(parse_sweep, {"--out", "d", "--prepare", "K1", "-j", "0"});
  CHECK(p.mode == SweepCmdOptions::Mode::Prepare);  // -j is not checked here, as before
  CHECK(p.key == "K1");
  CHECK(p.out == "d");
  const auto r = parse_ok(parse_sweep, {"--out", "d", "--run-point", "P7"});
  CHECK(r.mode == SweepCmdOptions::Mode::RunPoint);
  CHECK(r.key == "P7");
  CHECK(parse_ok(parse_sweep, {"--out", "d", "--prepare", "K", "--run-point", "P"}).mode ==
        SweepCmdOptions::Mode::Prepare);
  CHECK(parse_ok(parse_sweep, {"--report-only", "--out", "d"}).mode ==
        SweepCmdOptions::Mode::ReportOnly);
  CHECK(parse_ok(parse_sweep, {"--status", "--out", "d"}).mode == SweepCmdOptions::Mode::Status);
  const auto rp = parse_ok(parse_sweep, {"--out", "d", "--run-points", "A1,B2"});
  CHECK(rp.mode == SweepCmdOptions::Mode::RunPoints);
  CHECK(rp.key == "A1,B2");
  // the launchers
  const auto l =
      parse_ok(parse_sweep, {"s.yaml", "--out", "d", "--launcher", "parallel", "--sshlogin", ":",
                             "--sshlogin", "2/h2", "--sshloginfile", "hosts.txt"});
  CHECK(l.launcher == "parallel");
  CHECK(l.sshlogin == std::vector<std::string>{":", "2/h2"});
  CHECK(l.sshloginfile == "hosts.txt");
  CHECK(l.wait);
  const auto nw =
      parse_ok(parse_sweep, {"s.yaml", "--out", "d", "--launcher", "slurm", "--no-wait"});
  CHECK(nw.launcher == "slurm");
  CHECK(!nw.wait);
  CHECK(parse_ok(parse_sweep, {"s.yaml", "--out", "d"}).launcher.empty());  // the spec's
}

TEST_CASE("parse sweep: bad command lines", "[cli][parse][bad]") {
  CHECK(parse_error(parse_sweep, {}) == "csbrnn sweep: missing --out DIR");
  CHECK(parse_error(parse_sweep, {"s.yaml", "-j", "0"}) == "csbrnn sweep: missing --out DIR");
  CHECK(parse_error(parse_sweep, {"--out", "d"}) ==
        "csbrnn sweep: missing SPEC.yaml (see docs/sweep.md)");
  CHECK(parse_error(parse_sweep, {"s.yaml", "--out", "d", "-j", "0"}) ==
        "csbrnn sweep: -j/--jobs must be at least 1");
  CHECK(parse_error(parse_sweep, {"s.yaml", "--out", "d", "-j", "x"}) ==
        "csbrnn sweep: the argument ('x') for option '--jobs' is invalid (see 'csbrnn sweep "
        "--help')");
  CHECK(parse_error(parse_sweep, {"s.yaml", "--out", "d", "--launcher", "pbs"}) ==
        "--launcher: unknown launcher 'pbs' (local, slurm or parallel)");
  CHECK(parse_error(parse_sweep,
                    {"s.yaml", "--out", "d", "--launcher", "slurm", "--sshlogin", "h"}) ==
        "csbrnn sweep: --sshlogin/--sshloginfile need --launcher parallel");
  CHECK(parse_error(parse_sweep, {"--out", "d", "--bogus"}) ==
        "csbrnn sweep: unrecognised option '--bogus' (see 'csbrnn sweep --help')");
}
