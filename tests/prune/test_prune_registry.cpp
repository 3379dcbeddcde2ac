// The registry of pruning methods and the method interface: every name round-trips, unknown
// names are refused with the list, each method checks exactly the parameters it reads, the
// is_csb flag and the report extras agree with what the methods produce, and a method
// that is not in the registry runs through the whole pipeline by the interface alone.
#include <catch2/catch.hpp>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/strings.h"
#include "prune/method.h"
#include "prune/prune.h"
#include "prune/prune_stats.h"
#include "prune/registry.h"
#include "support/test_util.h"

using namespace csbrnn;

namespace {

// The methods docs/pruning.md documents, in the order it lists them.
const std::vector<std::string> kDocumented = {"csb",           "csb-tile",   "csb-global",
                                              "unstructured",  "row-column", "row-balanced",
                                              "bank-balanced", "keep"};
const char* const kValidList =
    "valid: csb, csb-tile, csb-global, unstructured, row-column, row-balanced, bank-balanced, "
    "keep";

Matrix random_matrix(int rows, int cols, uint32_t seed) {
  Matrix m(rows, cols);
  uint32_t s = seed * 2654435761u + 1;
  for (float& v : m.data) {
    s = s * 1664525u + 1013904223u;
    v = float(int32_t(s >> 8) - (1 << 23)) / float(1 << 23);
  }
  return m;
}

std::string error_of(const Matrix& w, const PruneParams& p) {
  try {
    check_prune_params(w, p, "m");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

/// A method outside the registry: keeps the first `target` positions in row-major order; needs
/// an even row count; one index bit per kept weight; reports how many rows it touched.
class KeepFirst final : public PruneMethod {
 public:
  const char* name() const override { return "keep-first"; }
  const char* description() const override { return "the first T positions (a test method)"; }
  void check_params(const Matrix& w, const PruneParams&, const std::string& what) const override {
    if (w.rows % 2) fail(what, ": keep-first needs an even row count");
  }
  void project(const Matrix& w, const PruneParams&, MatrixPrune& out) const override {
    out.keep.assign(w.size(), 0);
    for (size_t t = 0; t < out.target; ++t) out.keep[t] = 1;
  }
  uint64_t index_bits(const Matrix&, const PruneParams&, const MatrixPrune& r,
                      std::string* format) const override {
    if (format) *format = "one bit per kept weight";
    return r.kept;
  }
  size_t count_step(const Matrix& w, const PruneParams&) const override { return size_t(w.cols); }
  void report_matrix(const MatrixStats& s, nlohmann::json& j) const override {
    j["rows_touched"] = (s.kept + size_t(s.cols) - 1) / size_t(s.cols);
  }
};

}  // namespace

TEST_CASE("registry: every documented method is registered once and its name round-trips") {
  const auto& all = all_methods();
  REQUIRE(all.size() == kDocumented.size());
  std::set<const PruneMethod*> distinct(all.begin(), all.end());
  CHECK(distinct.size() == all.size());
  for (size_t t = 0; t < all.size(); ++t) {
    const PruneMethod* m = all[t];
    INFO(kDocumented[t]);
    CHECK(m->name() == kDocumented[t]);
    CHECK(method_name(m) == kDocumented[t]);
    CHECK(find_method(kDocumented[t]) == m);
    CHECK(parse_method(kDocumented[t]) == m);
    const std::string d = m->description();
    CHECK(!d.empty());
    CHECK(d.find('\n') == std::string::npos);
  }
  CHECK(default_method() == parse_method("csb"));
  CHECK(PruneParams{}.method == parse_method("csb"));
  CHECK(method_names(", ") == std::string(kValidList).substr(7));
  CHECK(method_names(" or ", true) == "csb or csb-tile or csb-global");
  // The --help text: one line per method, names aligned in a column 2 wider than the longest.
  const std::string help = methods_help();
  const std::vector<std::string> lines = split(help, '\n');
  REQUIRE(lines.size() == all.size());
  for (size_t t = 0; t < all.size(); ++t) {
    const std::string name = all[t]->name();
    CHECK(lines[t] == "  " + name + std::string(15 - name.size(), ' ') + all[t]->description());
  }
}

TEST_CASE("registry: an unknown name is refused with the nearest name and the list") {
  CHECK(find_method("") == nullptr);
  CHECK(find_method("CSB") == nullptr);  // names are case-sensitive
  CHECK(find_method("csb ") == nullptr);
  CHECK_THROWS_WITH(parse_method("csb-globel"),
                    std::string("unknown pruning method 'csb-globel' (did you mean "
                                "'csb-global'?); ") +
                        kValidList);
  CHECK_THROWS_WITH(parse_method("bank-balance"), Catch::Contains("did you mean 'bank-balanced'"));
  CHECK_THROWS_WITH(parse_method("zzzzzzzzzzzz"),
                    std::string("unknown pruning method 'zzzzzzzzzzzz'; ") + kValidList);
}

TEST_CASE("registry: each method checks the parameters it reads and no other") {
  const Matrix w = random_matrix(20, 12, 1);
  struct Case {
    const char* what;
    PruneParams p;
  };
  auto with = [](auto f) {
    PruneParams p;
    p.rate = 4;
    p.block = {4, 4};
    f(p);
    return p;
  };
  const std::vector<Case> cases = {
      {"block larger", with([](PruneParams& p) {
         p.block = {21, 4};
       })},
      {"block zero", with([](PruneParams& p) {
         p.block = {0, 4};
       })},
      {"banks 0", with([](PruneParams& p) { p.banks = 0; })},
      {"banks > cols", with([](PruneParams& p) { p.banks = 13; })},
      {"refine < 0", with([](PruneParams& p) { p.refine_iters = -1; })},
      {"tile zero", with([](PruneParams& p) {
         p.tile = {4, 0};
       })},
  };
  // Expected message per method and case ("" = accepted): what docs/pruning.md says each reads.
  const std::string zero = "m: block size must be at least 1x1";
  const std::string banks0 = "m: bank count 0 must be at least 1";
  const std::string refine = "m: refinement passes must be >= 0";
  const std::string tile = "m: tile must be at least 1x1";
  const std::map<std::string, std::vector<std::string>> expect = {
      {"csb", {"", zero, "", "", "", ""}},
      {"csb-tile", {"", zero, "", "", "", tile}},
      {"csb-global", {"", zero, "", "", refine, ""}},
      {"unstructured", {"", "", "", "", "", ""}},
      {"row-column", {"", "", "", "", "", ""}},
      {"row-balanced", {"", "", "", "", "", ""}},
      {"bank-balanced", {"", "", banks0, "", "", ""}},
      {"keep", {"", zero, "", "", "", ""}},
  };
  for (const PruneMethod* m : all_methods()) {
    const auto& want = expect.at(m->name());
    for (size_t t = 0; t < cases.size(); ++t) {
      PruneParams p = cases[t].p;
      p.method = m;
      INFO(m->name() << ": " << cases[t].what);
      CHECK(error_of(w, p) == want[t]);
      if (want[t].empty()) {  // accepted parameters also prune
        const MatrixPrune r = prune_matrix(w, p, "m");
        CHECK(r.keep.size() == w.size());
        CHECK(r.kept > 0);
      } else {
        CHECK_THROWS_WITH(prune_matrix(w, p, "m"), want[t]);
      }
    }
    // The common checks come first, for every method.
    PruneParams p = with([](PruneParams& q) { q.rate = 1.0; });
    p.method = m;
    p.banks = 0;  // would fail bank-balanced's own check: the rate is reported first
    if (m->uses_rate())
      CHECK(error_of(w, p) ==
            "m: compression rate must be a number > 1 (got 1); rate R keeps 1/R of the weights");
    else  // keep reads no rate: nothing to refuse (its own check, the block, passes)
      CHECK(error_of(w, p) == "");
    CHECK(error_of(Matrix(0, 0), with([&](PruneParams& q) { q.method = m; })) ==
          "m: empty matrix cannot be pruned");
  }
}

TEST_CASE("registry: the CSB methods produce CSB masks") {
  // Independent route: mask_has_csb_structure inspects every block of the mask. Row-column's
  // kept-rows x kept-cols mask is CSB on any grid, though it is a baseline; the other baselines'
  // masks are not CSB on a random matrix.
  const Matrix w = random_matrix(64, 48, 7);
  const std::map<std::string, bool> csb_mask = {{"csb", true},
                                                {"csb-tile", true},
                                                {"csb-global", true},
                                                {"unstructured", false},
                                                {"row-column", true},
                                                {"row-balanced", false},
                                                {"bank-balanced", false},
                                                {"keep", true}};  // a dense matrix: full blocks
  for (const PruneMethod* m : all_methods()) {
    PruneParams p;
    p.method = m;
    p.rate = 5;
    p.block = {8, 8};
    const MatrixPrune r = prune_matrix(w, p, "m");
    INFO(m->name());
    CHECK(mask_has_csb_structure(r.keep, w.rows, w.cols, 8, 8) == csb_mask.at(m->name()));
    const std::string n = m->name();
    CHECK(m->is_csb() == (n == "csb" || n == "csb-tile" || n == "csb-global" || n == "keep"));
    CHECK(m->uses_rate() == (n != "keep"));
    CHECK(method_uses_rate(m) == m->uses_rate());
    CHECK(is_csb_method(m) == m->is_csb());
  }
}

TEST_CASE("registry: report extras are the method's own fields") {
  const Matrix w = random_matrix(48, 40, 3);
  const std::set<std::string> csb_only = {"kernel_rows_histogram", "kernel_cols_histogram",
                                          "kernel_area"};
  for (const PruneMethod* m : all_methods()) {
    PruneParams p;
    p.method = m;
    p.rate = 6;
    p.block = {8, 8};
    p.banks = 5;
    p.refine_iters = 3;
    p.tile = {2, 4};
    const MatrixPrune r = prune_matrix(w, p, "m");
    const nlohmann::json j = stats_to_json(matrix_stats("m", w, p, r));
    nlohmann::json run = nlohmann::json::object();
    m->report_run(p, run);
    const std::string n = m->name();
    INFO(n);
    CHECK(j["method"] == n);
    CHECK(j.contains("banks") == (n == "bank-balanced"));
    CHECK(j.contains("projection_kept_before_adjust") == (n == "csb"));
    CHECK(j.contains("init_kept") == (n == "csb-global"));
    CHECK(j.contains("aligned_kept_before_adjust") == (n == "csb-tile"));
    for (const auto& k : csb_only) CHECK(j.contains(k) == m->is_csb());
    if (n == "bank-balanced") {
      // 48 x 40 at 6x: T = 320 = 6.67 per row -> 7 = 7 banks x 1 (width 6, the last 4) or 1 x 7;
      // 7 banks is nearer the requested 5.
      CHECK(j["banks_requested"] == 5);
      CHECK(j["banks"] == 7);
      CHECK(j["bank_width"] == 6);
      CHECK(j["kept_per_bank"] == 1);
      CHECK(r.kept == 48 * 7);
      CHECK(run == nlohmann::json{{"banks", 5}});
    } else if (n == "csb-tile") {
      CHECK(j["aligned_kept_before_adjust"] == r.projection_kept);
      CHECK(run == nlohmann::json{{"tile", {2, 4}}});
    } else if (n == "csb-global") {
      CHECK(j["init_kept"] == r.projection_kept);
      CHECK(run == nlohmann::json{{"refine", 3}});
    } else {
      CHECK(run.empty());
    }
    if (n == "csb") CHECK(j["projection_kept_before_adjust"] == r.projection_kept);
    // Methods without a count before adjustment report their kept count there.
    if (!m->is_csb()) CHECK(r.projection_kept == r.kept);
  }
}

TEST_CASE("registry: a method outside the registry runs by the interface alone") {
  const KeepFirst keep_first;
  CHECK(find_method("keep-first") == nullptr);
  PruneParams p;
  p.method = &keep_first;
  p.rate = 10;
  const Matrix odd = random_matrix(21, 10, 2);
  CHECK_THROWS_WITH(prune_matrix(odd, p, "w"), "w: keep-first needs an even row count");
  const Matrix w = random_matrix(20, 10, 2);
  const MatrixPrune r = prune_matrix(w, p, "w");
  REQUIRE(r.target == 20);
  CHECK(r.kept == 20);
  CHECK(r.projection_kept == 20);  // not set by the method: the kept count
  for (size_t t = 0; t < w.size(); ++t) CHECK(r.keep[t] == (t < 20 ? 1 : 0));
  const MatrixStats s = matrix_stats("w", w, p, r);
  CHECK(s.index_bits == 20);
  CHECK(s.index_format == "one bit per kept weight");
  CHECK(s.tolerance == 10);  // max(ceil(0.5% of 20), count_step = cols)
  CHECK(s.kr_hist.empty());  // not CSB: no kernel sizes
  const nlohmann::json j = stats_to_json(s);
  CHECK(j["method"] == "keep-first");
  CHECK(j["rows_touched"] == 2);
  CHECK(!j.contains("kernel_area"));
}

TEST_CASE("registry: csbrnn prune lists the registry's methods") {
  const auto help = test::run_cli("prune --help");
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.output,
             Catch::Contains("\n\nmethods (-m/--method):\n" + methods_help() + "\n\noptions:\n"));
  CHECK_THAT(help.output, Catch::Contains("csb | csb-tile | csb-global | unstructured | "));
  const auto bad = test::run_cli("prune no-such.npz --method row-balancd --rate 8");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, Catch::Contains("unknown pruning method 'row-balancd' (did you mean "
                                         "'row-balanced'?); ") &&
                             Catch::Contains(kValidList));
  const auto cmp = test::run_cli("compare sr4 --methods csb,magnitude");
  CHECK(cmp.exit_code == 2);
  CHECK_THAT(cmp.output, Catch::Contains(kValidList));
}
