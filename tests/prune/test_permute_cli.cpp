// `csbrnn prune --permute balance` end to end (subprocess): the .csb carries the output order,
// `csbrnn reference` of the .csb, `csbrnn reference` of the dense export (the same pruned model
// in the original unit order, an independent route) and `csbrnn simulate` (fast and detailed)
// all give the same Y; detailed == fast == analytic on the cycles.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "common/file_util.h"
#include "io/npy.h"
#include "model/csb_file.h"
#include "support/test_util.h"

using namespace csbrnn;
using test::run_cli;

namespace {
std::string q(const std::string& s) {
  return "'" + s + "'";
}
}  // namespace

TEST_CASE("prune --permute balance: reference, dense export, fast and detailed simulation agree",
          "[prune][permute][cli]") {
  test::TempDir d("permute-cli");
  const std::string w = d.file("sr4.npz"), bal = d.file("b.csb"), none = d.file("n.csb"),
                    exp = d.file("e.npz"), x = d.file("x.npy");
  REQUIRE(run_cli("genmodel sr4 -o " + q(w)).exit_code == 0);
  REQUIRE(run_cli("prune " + q(w) + " -m csb -r 23 -b 32 -q -o " + q(none)).exit_code == 0);
  const auto pr = run_cli("prune " + q(w) + " -m csb -r 23 -b 32 --permute balance -o " + q(bal) +
                          " --export-dense " + q(exp) + " --report " + q(d.file("r.json")));
  REQUIRE(pr.exit_code == 0);
  CHECK(pr.output.find("permute balance: objective ") != std::string::npos);
  const auto rep = nlohmann::json::parse(read_text_file(d.file("r.json")));
  CHECK(rep["permute"] == "balance");
  CHECK(rep["permute_objective"]["balanced"].get<double>() <
        rep["permute_objective"]["identity"].get<double>());
  // The container: version 2 with a 256-entry permutation; the unpermuted prune stays version 1.
  const CsbModel mb = load_csb_model(bal), mn = load_csb_model(none);
  CHECK(mb.output_perm.size() == 256);
  CHECK(mn.output_perm.empty());
  CHECK(read_file(bal)[8] == 2);
  CHECK(read_file(none)[8] == 1);
  const std::string info = run_cli("info " + q(bal)).output;
  CHECK(info.find("container version 2") != std::string::npos);
  CHECK(info.find("output permutation: yes") != std::string::npos);
  CHECK(run_cli("info " + q(none)).output.find("output permutation") == std::string::npos);

  Tensor xt;
  xt.shape = {7, 39};
  for (int i = 0; i < 7 * 39; ++i) xt.data.push_back(float((i * 37) % 200) / 100.0f - 1.0f);
  save_npy(x, xt);
  auto ref = [&](const std::string& model, const std::string& out) {
    const auto r = run_cli("reference --fixed-point --model " + q(model) + " --input " + q(x) +
                           " --output " + q(out));
    REQUIRE(r.exit_code == 0);
    return read_file(out);
  };
  const auto y_csb = ref(bal, d.file("y_csb.npy")), y_exp = ref(exp, d.file("y_exp.npy"));
  CHECK(y_csb == y_exp);  // the .csb's reference returns the original order
  auto sim = [&](const std::string& extra, const std::string& tag) {
    const auto r =
        run_cli("simulate " + q(bal) + " --input " + q(x) + " --output " +
                q(d.file("y_" + tag + ".npy")) + " --out " + q(d.file(tag)) + " -q " + extra);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);  // includes simulate's own bit-exact check
    return nlohmann::json::parse(read_text_file(d.file(tag + "/stats.json")));
  };
  const auto fast = sim("", "fast"), det = sim("--set sim.timing=detailed", "det");
  CHECK(read_file(d.file("y_fast.npy")) == y_exp);
  CHECK(read_file(d.file("y_det.npy")) == y_exp);
  CHECK(fast["cycles"]["total"] == det["cycles"]["total"]);
  CHECK(fast["cycles"]["total"] == fast["analytic"]["cycles_total"]);
  CHECK(fast["group_occupancy"] == det["group_occupancy"]);
}

TEST_CASE("prune --permute: a bad value is one line", "[prune][permute][cli]") {
  test::TempDir d("permute-cli-bad");
  const std::string w = d.file("sr4.npz");
  REQUIRE(run_cli("genmodel sr4 -o " + q(w)).exit_code == 0);
  const auto r = run_cli("prune " + q(w) + " -m csb -r 23 --permute even -q");
  CHECK(r.exit_code != 0);
  CHECK(r.output == "csbrnn: error: --permute: unknown permutation 'even' (none | balance)\n");
  const auto k = run_cli("prune " + q(w) + " -m keep -b 16 --permute balance -q");
  CHECK(k.exit_code != 0);
  CHECK(k.output ==
        "csbrnn: error: --permute: method 'keep' keeps the weights' existing block "
        "structure, which a permutation would break\n");
}
