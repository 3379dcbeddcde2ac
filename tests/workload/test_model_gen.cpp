// Benchmark specs and the synthetic weight generator.
#include <algorithm>
#include <catch2/catch.hpp>

#include <cmath>

#include "common/error.h"
#include "common/file_util.h"
#include "prune/prune_stats.h"
#include "support/test_util.h"
#include "workload/compare.h"
#include "workload/model_spec.h"

using namespace csbrnn;

TEST_CASE("benchmark specs match the papers' Table 1 weight counts") {
  // Counts from ICS'20 Table 1 / BARC'20 Table 1 (weights only), recomputed here by hand:
  // MT1: 4*256*(128+256) + 4*256*(256+256) = 393216 + 524288.
  CHECK(spec_weight_count(load_model_spec("mt1")) == 393216 + 524288);
  // MT2: 2 x 4*1500*3000 = 2 x 18M.
  CHECK(spec_weight_count(load_model_spec("mt2")) == 36000000);
  // SR1 (LSTMP): 4*1024*(153+512) + 512*1024 = 3248128 ; 4*1024*(512+512) + 512*1024 = 4718592.
  CHECK(spec_weight_count(load_model_spec("sr1")) == 3248128 + 4718592);
  // SR2 (GRU): 3*1024*(39+1024) + 3*1024*2048.
  CHECK(spec_weight_count(load_model_spec("sr2")) == 3265536 + 6291456);
  // SR4: 3*256*(39+256) = 226560 ("226.6K").
  CHECK(spec_weight_count(load_model_spec("sr4")) == 226560);
  // SPP: 4*128*129 + 4*128*256 = 66048 + 131072.
  CHECK(spec_weight_count(load_model_spec("spp")) == 66048 + 131072);
  // SC1: 4*512*544 + 2 * 4*512*1024.
  CHECK(spec_weight_count(load_model_spec("sc1")) == 1114112 + 2 * 2097152);
  // SC2: 4*256*306 = 313344; QA: 313344 + 2 * 524288.
  CHECK(spec_weight_count(load_model_spec("sc2")) == 313344);
  CHECK(spec_weight_count(load_model_spec("qa")) == 313344 + 2 * 524288);
  // BARC speech 13.2M: 4*1024*(153+1024) + 4*1024*2048 = 4820992 + 8388608 = 13209600.
  CHECK(spec_weight_count(load_model_spec("barc-speech")) == 13209600);
  CHECK(spec_weight_count(load_model_spec("barc-translation")) == 36000000);
  // SR3 is a GRU stand-in for the Li-GRU: 3*512*551 + 3*512*1024 (not Table 1's 564.2K + 1M).
  CHECK(spec_weight_count(load_model_spec("sr3")) == 846336 + 1572864);
  CHECK(builtin_model_names().size() == 12);
}

TEST_CASE("generator: PyTorch layout, init scale, determinism") {
  const ModelSpec spec = load_model_spec("sr1");
  ModelSpec small = spec;
  small.hidden_size = 64;
  small.proj_size = 32;
  small.input_size = 20;
  const RnnModel a = generate_model(small, 42);
  REQUIRE(a.num_layers() == 2);
  CHECK(a.layers[0].w_ih.rows == 256);
  CHECK(a.layers[0].w_ih.cols == 20);
  CHECK(a.layers[0].w_hh.cols == 32);
  CHECK(a.layers[1].w_ih.cols == 32);
  CHECK(a.layers[0].w_hr.rows == 32);
  CHECK(a.layers[0].w_hr.cols == 64);
  CHECK(a.layers[0].b_ih.size() == 256);
  // RMS of every matrix equals PyTorch's U(-1/sqrt(H), 1/sqrt(H)) RMS = 1/sqrt(3H).
  for (const auto& [name, w] : model_matrices(a)) {
    double s = 0;
    for (float v : w->data) s += double(v) * v;
    CHECK(std::sqrt(s / double(w->size())) == Approx(1.0 / std::sqrt(3.0 * 64)).epsilon(1e-4));
  }
  for (float b : a.layers[1].b_hh) CHECK(std::fabs(b) <= 1.0 / 8.0);
  const RnnModel b = generate_model(small, 42);
  const RnnModel c = generate_model(small, 43);
  CHECK(a.layers[1].w_hh.data == b.layers[1].w_hh.data);
  CHECK(a.layers[0].b_ih == b.layers[0].b_ih);
  CHECK(a.layers[1].w_hh.data != c.layers[1].w_hh.data);
}

TEST_CASE("generator gate_sigma scales whole gate blocks of rows and nothing else") {
  // gate_sigma draws one gain per gate block of rows (rows g*H .. (g+1)*H - 1) from its own
  // stream, so a matrix with gate_sigma > 0 is the gate_sigma = 0 matrix with each gate block
  // multiplied by its gain, then the whole matrix rescaled to the init RMS: per gate block the
  // element ratio is one constant, and the constants differ between gates. gate_sigma = 0 is
  // the generator as before (every byte: the other tests' figures do not move).
  ModelSpec s = load_model_spec("sr1");
  s.hidden_size = 32;
  s.proj_size = 0;
  s.input_size = 12;
  s.layers = 1;
  const RnnModel base = generate_model(s, 7);
  ModelSpec g = s;
  g.gen.gate_sigma = 0.8;
  const RnnModel gated = generate_model(g, 7);
  const Matrix& a = base.layers[0].w_hh;
  const Matrix& b = gated.layers[0].w_hh;
  REQUIRE(a.rows == 4 * 32);
  std::vector<double> ratio(4);
  for (int gate = 0; gate < 4; ++gate) {
    ratio[size_t(gate)] = double(b.at(gate * 32, 0)) / double(a.at(gate * 32, 0));
    for (int r = gate * 32; r < (gate + 1) * 32; ++r)
      for (int c = 0; c < a.cols; ++c)
        CHECK(double(b.at(r, c)) == Approx(ratio[size_t(gate)] * a.at(r, c)).epsilon(1e-5));
  }
  std::sort(ratio.begin(), ratio.end());
  CHECK(ratio[3] > 1.2 * ratio[0]);
  CHECK(generate_model(s, 7).layers[0].w_hh.data == a.data);
}

TEST_CASE("generator knobs make CSB blocks uneven, i.i.d. weights stay even") {
  ModelSpec s = load_model_spec("mt1");
  s.layers = 1;
  struct Figures {
    double energy_cv, density_sd;
  };
  auto figures = [](const ModelSpec& spec) {
    const RnnModel m = generate_model(spec, 1);
    const Matrix& w = m.layers[0].w_hh;  // 1024 x 256
    // Coefficient of variation of the 32x32 blocks' energy (before pruning).
    std::vector<double> e;
    for (int i0 = 0; i0 < w.rows; i0 += 32)
      for (int j0 = 0; j0 < w.cols; j0 += 32) {
        double b = 0;
        for (int r = i0; r < i0 + 32; ++r)
          for (int c = j0; c < j0 + 32; ++c) b += double(w.at(r, c)) * w.at(r, c);
        e.push_back(b);
      }
    double mean = 0, var = 0;
    for (double x : e) mean += x / e.size();
    for (double x : e) var += (x - mean) * (x - mean) / e.size();
    PruneParams p;
    p.method = parse_method("csb-global");
    p.rate = 8;
    const auto r = prune_matrix(w, p, "w");
    return Figures{std::sqrt(var) / mean, matrix_stats("w", w, p, r).block_density.stddev};
  };
  ModelSpec iid = s;
  iid.gen = GeneratorKnobs{0, 0, 0, 0, 1, 0, 1, 0};
  const Figures structured = figures(s), flat = figures(iid);
  INFO("block energy cv: structured " << structured.energy_cv << ", iid " << flat.energy_cv
                                      << "; kept density sd: structured " << structured.density_sd
                                      << ", iid " << flat.density_sd);
  // i.i.d. uniform: each block's energy sums 1024 terms, cv ~ sqrt(0.8/1024) ~ 0.03.
  CHECK(flat.energy_cv < 0.05);
  CHECK(structured.energy_cv > 10 * flat.energy_cv);
  CHECK(structured.density_sd > 2 * flat.density_sd);
}

TEST_CASE("spec errors name the file, line and key") {
  const std::string ok = "name: X\ncell: lstm\ninput_size: 4\nhidden_size: 8\nlayers: 1\n";
  CHECK(parse_model_spec(ok, "x.yaml").hidden_size == 8);
  CHECK_THROWS_WITH(parse_model_spec(ok + "hiden: 3\n", "x.yaml"),
                    Catch::Contains("x.yaml:6") && Catch::Contains("unknown key 'hiden'"));
  CHECK_THROWS_WITH(parse_model_spec(ok + "generator:\n  row_sigm: 1\n", "x.yaml"),
                    Catch::Contains("did you mean 'generator.row_sigma'") ||
                        Catch::Contains("did you mean 'row_sigma'"));
  CHECK_THROWS_WITH(
      parse_model_spec("name: X\ncell: rnn\ninput_size: 4\nhidden_size: 8\nlayers: 1\n", "x.yaml"),
      Catch::Equals("x.yaml:2: cell: expected one of lstm, gru, got 'rnn'"));
  CHECK_THROWS_WITH(parse_model_spec("name: X\ncell: lstm\nhidden_size: 8\nlayers: 1\n", "x.yaml"),
                    Catch::Contains("missing required key 'input_size'"));
  CHECK_THROWS_WITH(load_model_spec("mt3"), Catch::Contains("unknown benchmark model 'mt3'"));
}

TEST_CASE("a shipped model spec with a duplicate or an unknown key is refused at its line") {
  // models/mt1.yaml as shipped, one key repeated or misspelt; the expected line numbers are
  // counted in the text itself. Model specs refuse duplicate keys like every strict YAML file.
  const std::string orig = read_text_file(models_dir() + "/mt1.yaml");
  auto line_of = [](const std::string& text, size_t pos) {
    return 1 + long(std::count(text.begin(), text.begin() + long(pos), '\n'));
  };
  test::TempDir t("spec-real");
  const std::string f = t.file("mt1.yaml");
  const size_t h = orig.find("\nhidden_size: 256\n");
  REQUIRE(h != std::string::npos);
  const size_t eol = h + 18;  // just after "hidden_size: 256\n"
  write_file_atomic(f, orig.substr(0, eol) + "hidden_size: 512\n" + orig.substr(eol));
  const auto first = line_of(orig, h + 1);
  CHECK_THROWS_WITH(load_model_spec(f), Catch::Equals(cat(f, ":", first + 1,
                                                          ": duplicate key 'hidden_size' (first "
                                                          "at line ",
                                                          first, ")")));
  std::string misspelt = orig;
  const size_t r = misspelt.find("  row_sigma:");
  REQUIRE(r != std::string::npos);
  misspelt.replace(r, 12, "  row_sigam:");
  write_file_atomic(f, misspelt);
  CHECK_THROWS_WITH(load_model_spec(f),
                    Catch::Equals(cat(f, ":", line_of(misspelt, r),
                                      ": unknown key 'generator.row_sigam' (did you mean "
                                      "'generator.row_sigma'?)")));
  write_file_atomic(f, orig);
  CHECK(load_model_spec(f).hidden_size == 256);
}

TEST_CASE("comparison on a small model: csb meets its own reference, unstructured is best") {
  CompareOptions o;
  o.models = {"sr4"};
  o.bisect_iters = 12;
  const Comparison c = run_comparison(o);
  REQUIRE(c.models.size() == 1);
  const auto& m = c.models[0];
  CHECK(m.rate == 23);
  CHECK(m.subsample_notes.empty());
  double unstructured = 0, csb = 0;
  for (const auto& s : m.schemes) {
    CHECK(s.energy_at_quality >= m.reference_energy);
    if (s.method == parse_method("unstructured")) unstructured = s.rate_at_quality;
    if (s.method == parse_method("csb")) csb = s.rate_at_quality;
  }
  CHECK(csb >= 23 * 0.99);
  for (const auto& s : m.schemes) CHECK(unstructured >= s.rate_at_quality * 0.999);
  const std::string md = comparison_markdown(c);
  CHECK_THAT(md, Catch::Contains("SYNTHETIC STAND-IN"));
  CHECK_THAT(comparison_csv(c), Catch::Contains("SR4,csb-global"));
}
