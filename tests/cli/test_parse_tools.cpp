// In-process tests of the other commands' parse functions (compare, config, disasm, fig12,
// compile-bench, genmodel, info, reference) and of the command table: parsed values and the
// exact csbrnn::Error of bad command lines (the messages the CLI printed before parse and run
// were split, checked against that binary).
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "cli/cmd_compare.h"
#include "cli/cmd_config.h"
#include "cli/cmd_disasm.h"
#include "cli/cmd_fig12.h"
#include "cli/cmd_genmodel.h"
#include "cli/cmd_info.h"
#include "cli/cmd_reference.h"
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

// ---------------------------------------------------------------------------------- table

TEST_CASE("command table: every command, once, with a summary", "[cli][parse]") {
  const auto table = register_commands();
  std::vector<std::string> names;
  for (const auto& [name, c] : table) {
    names.push_back(name);
    CHECK(c.name == name);
    CHECK_FALSE(c.summary.empty());
    CHECK(c.run);
  }
  // README's command list plus compile-bench (the compile-time benchmark)
  CHECK(names == std::vector<std::string>{"compare", "compile", "compile-bench", "config", "disasm",
                                          "fig12", "genmodel", "info", "prune", "reference",
                                          "simulate", "sweep"});
  std::ostringstream os;
  print_usage(os, table);
  const std::string usage = os.str();
  CHECK(usage.find("\n  simulate    run a program or model on the cycle-accurate SystemC "
                   "model\n") != std::string::npos);
  CHECK(std::count(usage.begin(), usage.end(), '\n') == 5 + 12 + 4);
}

TEST_CASE("dispatch: unknown commands, no command, and a command run through the table",
          "[cli][parse]") {
  CHECK(error_of([] { return dispatch({"simulat"}); }) ==
        "unknown command 'simulat' (did you mean 'simulate'?); see 'csbrnn --help'");
  CHECK(error_of([] {
          return dispatch({"prune-it-all-now"});
        }).rfind("unknown command 'prune-it-all-now'", 0) == 0);
  {
    Capture err(std::cerr);
    CHECK(dispatch({}) == 2);
    CHECK(err.text().find("usage: csbrnn <command> [options]") != std::string::npos);
  }
  Capture out;
  CHECK(dispatch({"config", "--check"}) == 0);
  CHECK(dispatch({"config", "--help"}) == 0);
  CHECK(out.text().rfind("built-in defaults: ok: 'csb-256pe', 4x4 groups of 4x4 PEs = 256 PEs "
                         "at 200 MHz, sharing 2d\nusage: csbrnn config ",
                         0) == 0);
}

// ---------------------------------------------------------------------------------- compare

TEST_CASE("parse compare: defaults are every benchmark model and scheme", "[cli][parse]") {
  std::vector<std::string> models;
  for (const auto& e : fs::directory_iterator(source_path("models")))
    if (e.path().extension() == ".yaml") models.push_back(e.path().stem().string());
  std::sort(models.begin(), models.end());
  const auto o = parse_ok(parse_compare, {});
  CHECK(o.compare.models == models);
  CHECK(o.compare.methods.empty());
  CHECK(o.compare.seed == 1);
  CHECK(o.compare.rate == 0);
  CHECK_FALSE(o.compare.block.has_value());
  CHECK(o.compare.banks == 8);
  CHECK(o.compare.max_matrix_weights == size_t(2) << 20);
  CHECK(o.compare.bisect_iters == 14);
  CHECK_FALSE(o.md.has_value());
  CHECK_FALSE(o.csv.has_value());
  CHECK_FALSE(o.json.has_value());
}

TEST_CASE("parse compare: models, methods, rates, outputs", "[cli][parse]") {
  const auto o = parse_ok(parse_compare, {"sr4",
                                          "nope",
                                          "--methods",
                                          "csb, unstructured",
                                          "-s",
                                          "5",
                                          "-r",
                                          "10",
                                          "-b",
                                          "16x8",
                                          "--banks",
                                          "4",
                                          "--full",
                                          "--bisect-iters",
                                          "20",
                                          "--md",
                                          "a.md",
                                          "--csv",
                                          "b.csv",
                                          "--json",
                                          "/proc/x/c.json"});
  CHECK(o.compare.models == std::vector<std::string>{"sr4", "nope"});  // specs are read by run
  CHECK(o.compare.methods ==
        std::vector<const PruneMethod*>{find_method("csb"), find_method("unstructured")});
  CHECK(o.compare.seed == 5);
  CHECK(o.compare.rate == 10.0);
  REQUIRE(o.compare.block.has_value());
  CHECK(o.compare.block->bh == 16);
  CHECK(o.compare.block->bw == 8);
  CHECK(o.compare.banks == 4);
  CHECK(o.compare.max_matrix_weights == 0);  // --full
  CHECK(o.compare.bisect_iters == 20);
  CHECK(o.md == std::optional<std::string>("a.md"));
  CHECK(o.csv == std::optional<std::string>("b.csv"));
  CHECK(o.json == std::optional<std::string>("/proc/x/c.json"));  // checked by run, after specs
  CHECK(
      parse_ok(parse_compare, {"sr4", "--max-matrix-weights", "1000"}).compare.max_matrix_weights ==
      1000);
}

TEST_CASE("parse compare: bad command lines", "[cli][parse][bad]") {
  CHECK(parse_error(parse_compare, {"--rate", "1"}) == "--rate: compression rate must be > 1");
  CHECK(parse_error(parse_compare, {"--rate", "1000"}) ==
        "--rate: compression rate must be below the bisection cap 1000");
  CHECK(parse_error(parse_compare, {"--methods", "csb,nope"}) ==
        "unknown pruning method 'nope'; valid: csb, csb-tile, csb-global, unstructured, "
        "row-column, row-balanced, bank-balanced, keep");
  CHECK(parse_error(parse_compare, {"--methods", "csb,keep"}) ==
        "--methods: 'keep' takes no rate; compare compares methods at a rate");
  CHECK(parse_error(parse_compare, {"--block", "0x4"}) ==
        "--block: block size '0x4' must be at least 1x1");
  CHECK(parse_error(parse_compare, {"--banks", "0"}) == "--banks: must be at least 1");
  CHECK(parse_error(parse_compare, {"--bisect-iters", "61"}) == "--bisect-iters: must be in 1..60");
  CHECK(parse_error(parse_compare, {"--bisect-iters", "0"}) == "--bisect-iters: must be in 1..60");
  CHECK(parse_error(parse_compare, {"--seed", "-2"}) ==
        "csbrnn compare: --seed: expected a non-negative integer, got '-2'");
  // order: methods, rate, block, banks, bisection steps
  CHECK(parse_error(parse_compare, {"--rate", "1", "--methods", "x", "--banks", "0"})
            .rfind("unknown pruning method 'x'", 0) == 0);
  CHECK(parse_error(parse_compare, {"--bisect-iters", "0", "--banks", "0"}) ==
        "--banks: must be at least 1");
}

TEST_CASE("run compare: model specs are read before the outputs are checked", "[cli][parse]") {
  const auto o = parse_ok(parse_compare, {"nope", "--md", "/proc/x/a.md"});
  CHECK(error_of([&] { return run_compare(o); }).rfind("unknown benchmark model 'nope'", 0) == 0);
  const auto w = parse_ok(parse_compare, {"sr4", "--md", "/proc/x/a.md"});
  CHECK(error_of([&] { return run_compare(w); }).rfind("/proc/x/a.md: cannot write: ", 0) == 0);
}

// ---------------------------------------------------------------------------------- config

TEST_CASE("parse config: print, check, list-keys", "[cli][parse]") {
  const auto p = parse_ok(parse_config, {});
  CHECK(p.mode == ConfigCmdOptions::Mode::Print);
  CHECK_FALSE(p.output.has_value());
  CHECK(p.hw.name == "csb-256pe");
  CHECK(parse_ok(parse_config, {"-o", "/proc/x/hw.yaml"}).output ==
        std::optional<std::string>("/proc/x/hw.yaml"));  // refused by the write, as before
  const auto c =
      parse_ok(parse_config, {"--check", "--hw", kHw512, "--set", "engine.clock_mhz=250"});
  CHECK(c.mode == ConfigCmdOptions::Mode::Check);
  CHECK(c.source == kHw512);
  CHECK(c.hw.engine.K == 8);
  CHECK(c.hw.engine.clock_mhz == 250.0);
  CHECK(parse_ok(parse_config, {"--check"}).source == "built-in defaults");
  // --list-keys reads no config: a missing --hw is not an error
  const auto k = parse_ok(parse_config, {"--list-keys", "--markdown", "--hw", "/nonexistent.yaml"});
  CHECK(k.mode == ConfigCmdOptions::Mode::ListKeys);
  CHECK(k.markdown);
  CHECK_FALSE(parse_ok(parse_config, {"--list-keys"}).markdown);
}

TEST_CASE("parse config: bad command lines", "[cli][parse][bad]") {
  CHECK(parse_error(parse_config, {"--bogus"}) ==
        "csbrnn config: unrecognised option '--bogus' (see 'csbrnn config --help')");
  CHECK(parse_error(parse_config, {"--set", "nokey=1"}) ==
        "--set nokey=1: unknown key 'nokey'; see 'csbrnn config --list-keys'");
  CHECK(parse_error(parse_config, {"--set", "engine.clock_mhz=nan"}) ==
        "--set engine.clock_mhz=nan: engine.clock_mhz: expected a number, got 'nan'");
  CHECK(parse_error(parse_config, {"--check", "--hw", "/nonexistent/hw.yaml"}) ==
        "/nonexistent/hw.yaml: cannot open: No such file or directory");
  CHECK(parse_error(parse_config, {"extra"}) ==
        "csbrnn config: too many positional options have been specified on the command line "
        "(see 'csbrnn config --help')");
}

// ---------------------------------------------------------------------------------- disasm

TEST_CASE("parse disasm: the program and the listing flags", "[cli][parse]") {
  const auto o = parse_ok(parse_disasm, {"missing.bin"});
  CHECK(o.program == "missing.bin");
  CHECK_FALSE(o.listing.micro);
  CHECK_FALSE(o.listing.images);
  const auto a = parse_ok(parse_disasm, {"--images", "--program", "p.bin", "--micro"});
  CHECK(a.program == "p.bin");
  CHECK(a.listing.micro);
  CHECK(a.listing.images);
  CHECK(error_of([&] { return run_disasm(o); }) ==
        "missing.bin: cannot open: No such file or directory");
}

TEST_CASE("parse disasm: bad command lines", "[cli][parse][bad]") {
  const std::string missing =
      "csbrnn disasm: the option '--program' is required but missing (see 'csbrnn disasm "
      "--help')";
  CHECK(parse_error(parse_disasm, {}) == missing);
  CHECK(parse_error(parse_disasm, {"--micro", "--images"}) == missing);
  CHECK(parse_error(parse_disasm, {"a", "b"}) ==
        "csbrnn disasm: too many positional options have been specified on the command line "
        "(see 'csbrnn disasm --help')");
}

// ---------------------------------------------------------------------------------- fig12

TEST_CASE("parse fig12 and compile-bench: defaults and options", "[cli][parse]") {
  const auto d = parse_ok(parse_fig12, {});
  CHECK(d.models == std::vector<std::string>{"mt1", "mt2", "sr1", "sr2", "sr3", "sr4"});
  CHECK(d.blocks == std::vector<int>{32, 64});
  CHECK(d.seed == 1);
  CHECK_FALSE(d.json.has_value());
  const auto o = parse_ok(parse_fig12, {"--models", "sr4, nope", "--block", "16, 8", "--seed", "2",
                                        "--json", "f.json", "--set", "engine.pe_groups=2x2"});
  CHECK(o.models == std::vector<std::string>{"sr4", "nope"});  // specs are read by run
  CHECK(o.blocks == std::vector<int>{16, 8});
  CHECK(o.seed == 2);
  CHECK(o.json == std::optional<std::string>("f.json"));
  CHECK(o.hw.engine.K == 2);
  CHECK(o.hw.engine.L == 2);

  const auto b = parse_ok(parse_compile_bench, {});
  CHECK(b.model == "mt2");
  CHECK(b.block == 32);
  CHECK(b.repeat == 1);
  const auto c = parse_ok(parse_compile_bench, {"--model", "sr4", "--block", "16", "--repeat", "3",
                                                "--set", "engine.clock_mhz=250"});
  CHECK(c.model == "sr4");
  CHECK(c.block == 16);
  CHECK(c.repeat == 3);
  CHECK(c.hw.engine.clock_mhz == 250.0);
}

TEST_CASE("parse fig12 and compile-bench: bad command lines", "[cli][parse][bad]") {
  CHECK(parse_error(parse_fig12, {"--block", "0"}) ==
        "--block: '0' is not a block size in 1..65535");
  CHECK(parse_error(parse_fig12, {"--block", "32,,64"}) ==
        "--block: '' is not a block size in 1..65535");
  CHECK(parse_error(parse_fig12, {"--block", "70000"}) ==
        "--block: '70000' is not a block size in 1..65535");
  CHECK(parse_error(parse_fig12, {"--seed", "-1"}) ==
        "csbrnn fig12: --seed: expected a non-negative integer, got '-1'");
  const std::string grid =
      "--set engine.pe_groups=1x0: engine.pe_groups: 1x0 is out of range (valid: each of K and L "
      "1..256)";
  CHECK(parse_error(parse_fig12, {"--set", "engine.pe_groups=1x0"}) == grid);
  CHECK(parse_error(parse_fig12, {"--block", "0", "--set", "engine.pe_groups=1x0"}) == grid);
  CHECK(parse_error(parse_compile_bench, {"--block", "x"}) ==
        "csbrnn compile-bench: the argument ('x') for option '--block' is invalid (see 'csbrnn "
        "compile-bench --help')");
  CHECK(parse_error(parse_compile_bench, {"--repeat", "1.5"}) ==
        "csbrnn compile-bench: the argument ('1.5') for option '--repeat' is invalid (see "
        "'csbrnn compile-bench --help')");
  CHECK(parse_error(parse_compile_bench, {"extra"}) ==
        "csbrnn compile-bench: too many positional options have been specified on the command "
        "line (see 'csbrnn compile-bench --help')");
}

TEST_CASE("run fig12: model specs are read before the JSON output is checked", "[cli][parse]") {
  const auto o = parse_ok(parse_fig12, {"--models", "sr4,nope", "--json", "/proc/x/a.json"});
  CHECK(error_of([&] { return run_fig12(o); }).rfind("unknown benchmark model 'nope'", 0) == 0);
}

// ---------------------------------------------------------------------------------- genmodel

TEST_CASE("parse genmodel: a model, --list, options", "[cli][parse]") {
  const auto o = parse_ok(parse_genmodel, {"sr4", "-o", "w.npz"});
  CHECK_FALSE(o.list);
  CHECK(o.model == "sr4");
  CHECK(o.seed == 1);
  CHECK(o.output == "w.npz");
  CHECK(o.info);
  const auto a = parse_ok(parse_genmodel, {"--seed", "7", "spec.yaml", "-o", "w", "--no-info"});
  CHECK(a.model == "spec.yaml");  // read by run
  CHECK(a.seed == 7);
  CHECK(a.output == "w");
  CHECK_FALSE(a.info);
  CHECK(parse_ok(parse_genmodel, {"--list"}).list);  // needs no model nor -o
}

TEST_CASE("parse genmodel: bad command lines", "[cli][parse][bad]") {
  CHECK(parse_error(parse_genmodel, {}) == "csbrnn genmodel: missing NAME|SPEC.yaml (see --list)");
  CHECK(parse_error(parse_genmodel, {"-o", "w.npz"}) ==
        "csbrnn genmodel: missing NAME|SPEC.yaml (see --list)");
  CHECK(parse_error(parse_genmodel, {"sr4"}) == "csbrnn genmodel: missing -o W.npz");
  CHECK(parse_error(parse_genmodel, {"--seed", "-1", "sr4", "-o", "w.npz"}) ==
        "csbrnn genmodel: --seed: expected a non-negative integer, got '-1'");
  CHECK(parse_error(parse_genmodel, {"a", "b"}) ==
        "csbrnn genmodel: too many positional options have been specified on the command line "
        "(see 'csbrnn genmodel --help')");
}

// ---------------------------------------------------------------------------------- info

TEST_CASE("parse info: the file and --json, the file is read by run", "[cli][parse]") {
  const auto o = parse_ok(parse_info, {"/nonexistent/w.npz"});
  CHECK(o.file == "/nonexistent/w.npz");
  CHECK_FALSE(o.json);
  CHECK(parse_ok(parse_info, {"--json", "x.npy"}).json);
  CHECK(parse_ok(parse_info, {"--file", "x.npy"}).file == "x.npy");
  CHECK(error_of([&] { return run_info(o); }) == "/nonexistent/w.npz: no such file or directory");
  const std::string missing =
      "csbrnn info: the option '--file' is required but missing (see 'csbrnn info --help')";
  CHECK(parse_error(parse_info, {}) == missing);
  CHECK(parse_error(parse_info, {"--json"}) == missing);
  CHECK(parse_error(parse_info, {"a", "b"}) ==
        "csbrnn info: too many positional options have been specified on the command line (see "
        "'csbrnn info --help')");
}

// ---------------------------------------------------------------------------------- reference

TEST_CASE("parse reference: --measure-error and a run", "[cli][parse]") {
  const auto m = parse_ok(parse_reference, {"--measure-error"});
  CHECK(m.measure_error);
  CHECK(m.steps == 50);
  CHECK(m.seeds == 3);
  const auto m2 = parse_ok(parse_reference, {"--measure-error", "--steps", "7", "--seeds", "2"});
  CHECK(m2.steps == 7);
  CHECK(m2.seeds == 2);

  const auto r =
      parse_ok(parse_reference, {"--model", "w.npz", "--input", "x.npy", "--output", "y.npy"});
  CHECK_FALSE(r.measure_error);
  CHECK(r.model == "w.npz");
  CHECK(r.input == "x.npy");
  CHECK(r.output == "y.npy");
  CHECK_FALSE(r.fixed_point);
  CHECK_FALSE(r.output_int16.has_value());
  CHECK_FALSE(r.h0.has_value());
  CHECK_FALSE(r.c0.has_value());
  CHECK(r.cell.empty());
  CHECK(r.hw.numeric.af == 12);

  const auto f = parse_ok(parse_reference,
                          {"--model", "m.csb", "--input", "x.npy", "--output", "/proc/x/y.npy",
                           "--fixed-point", "--output-int16", "y16.npy", "--h0", "h.npy", "--c0",
                           "c.npy", "--cell", "bogus", "--set", "numeric.act_frac_bits=10"});
  CHECK(f.fixed_point);
  CHECK(f.output == "/proc/x/y.npy");  // checked by run once the inputs are read, as before
  CHECK(f.output_int16 == std::optional<std::string>("y16.npy"));
  CHECK(f.h0 == std::optional<std::string>("h.npy"));
  CHECK(f.c0 == std::optional<std::string>("c.npy"));
  CHECK(f.cell == "bogus");  // a .csb model ignores --cell: checked by run
  CHECK(f.hw.numeric.af == 10);
  CHECK(f.hw.numeric.wf == 12);
}

TEST_CASE("parse reference: bad command lines", "[cli][parse][bad]") {
  CHECK(parse_error(parse_reference, {}) ==
        "csbrnn reference: --model is required (see 'csbrnn reference --help')");
  CHECK(parse_error(parse_reference, {"--model", "m"}) ==
        "csbrnn reference: --input is required (see 'csbrnn reference --help')");
  CHECK(parse_error(parse_reference, {"--model", "m", "--input", "x"}) ==
        "csbrnn reference: --output is required (see 'csbrnn reference --help')");
  CHECK(parse_error(parse_reference,
                    {"--model", "m", "--input", "x", "--output", "y", "--output-int16", "z"}) ==
        "csbrnn reference: --output-int16 needs --fixed-point");
  CHECK(parse_error(parse_reference,
                    {"--model", "m", "--input", "x", "--output", "y", "--set", "eltwse.lanes=1"}) ==
        "--set eltwse.lanes=1: unknown key 'eltwse.lanes' (did you mean 'eltwise.lanes'?)");
  CHECK(parse_error(parse_reference, {"--measure-error", "--steps", "0"}) ==
        "--steps: must be in 1..100000 (got 0)");
  CHECK(parse_error(parse_reference, {"--measure-error", "--steps", "100001"}) ==
        "--steps: must be in 1..100000 (got 100001)");
  CHECK(parse_error(parse_reference, {"--measure-error", "--seeds", "0"}) ==
        "--seeds: must be in 1..1000 (got 0)");
  CHECK(parse_error(parse_reference, {"--measure-error", "--seeds", "1001"}) ==
        "--seeds: must be in 1..1000 (got 1001)");
  CHECK(parse_error(parse_reference, {"x"}) ==
        "csbrnn reference: too many positional options have been specified on the command line "
        "(see 'csbrnn reference --help')");
  // order: --measure-error takes only its own checks; then required, int16, the config
  CHECK(parse_error(parse_reference, {"--measure-error", "--output-int16", "z"}) == "(accepted)");
  CHECK(parse_error(parse_reference, {"--model", "m", "--output-int16", "z", "--set", "x=1"}) ==
        "csbrnn reference: --input is required (see 'csbrnn reference --help')");
}

TEST_CASE("run reference: a bad model wins over an unwritable output, as before", "[cli][parse]") {
  const auto o = parse_ok(parse_reference, {"--model", "/nonexistent/w.npz", "--input", "x.npy",
                                            "--output", "/proc/x/y.npy"});
  CHECK(error_of([&] { return run_reference(o); }) ==
        "/nonexistent/w.npz: no such file or directory");
  const auto c =
      parse_ok(parse_reference, {"--model", source_path("tests/fixtures/io/gru_2l.npz"), "--input",
                                 "x.npy", "--output", "y.npy", "--cell", "rnn"});
  CHECK(error_of([&] { return run_reference(c); }) ==
        "--cell: unknown cell type 'rnn' (lstm or gru)");
}
