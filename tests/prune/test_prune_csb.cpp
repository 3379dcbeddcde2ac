// Cross-checks of the pruner's CSB output and statistics against src/model (dense_to_csb,
// has_csb_structure, csb_index_bits, csb_matrix_stats): independent implementations.
#include <catch2/catch.hpp>

#include "model/csb.h"
#include "model/csb_stats.h"
#include "prune/prune.h"
#include "prune/prune_stats.h"
#include "workload/model_spec.h"

using namespace csbrnn;

TEST_CASE("csb-pruned matrices round-trip through dense_to_csb and match the model's stats") {
  ModelSpec spec = load_model_spec("sr4");  // GRU 39 -> 256: 768x39 and 768x256
  const RnnModel m = generate_model(spec, 9);
  for (auto method : {parse_method("csb"), parse_method("csb-global")})
    for (auto [bh, bw] : std::vector<std::pair<int, int>>{{32, 32}, {16, 8}, {24, 20}})
      for (const auto& [name, w] : model_matrices(m)) {
        INFO(method_name(method) << " " << name << " block " << bh << "x" << bw);
        PruneParams p;
        p.method = method;
        p.rate = 10;
        p.block = {bh, bw};
        const MatrixPrune r = prune_matrix(*w, p, name);
        Matrix pruned = *w;
        apply_mask(pruned, r.keep);
        CHECK(has_csb_structure(pruned, bh, bw));
        const CsbMatrix mine = mask_to_csb(*w, r.keep, bh, bw);
        check_csb(mine, name);
        const CsbMatrix theirs = dense_to_csb(pruned, bh, bw);  // generated weights are non-zero
        REQUIRE(theirs.blocks.size() == mine.blocks.size());
        for (size_t b = 0; b < mine.blocks.size(); ++b) {
          CHECK(theirs.blocks[b].rows == mine.blocks[b].rows);
          CHECK(theirs.blocks[b].cols == mine.blocks[b].cols);
          CHECK(theirs.blocks[b].values == mine.blocks[b].values);
        }
        CHECK(csb_to_dense(mine).data == pruned.data);
        CHECK(mine.nnz() == r.kept);
        // Statistics: index bits, kernel histograms and density spread.
        const MatrixStats s = matrix_stats(name, *w, p, r);
        const CsbStats cs = csb_matrix_stats(mine, name);
        CHECK(s.index_bits == csb_index_bits(mine));
        CHECK(s.index_bits == cs.index_bits);
        CHECK(s.empty_blocks == cs.empty_blocks);
        CHECK(s.blocks == cs.blocks);
        for (const auto& [k, n] : s.kr_hist) CHECK(cs.kr_hist.at(k) == n);
        for (const auto& [k, n] : s.kc_hist) CHECK(cs.kc_hist.at(k) == n);
        CHECK(s.block_density.min == Approx(cs.density_min));
        CHECK(s.block_density.max == Approx(cs.density_max));
        CHECK(s.block_density.mean == Approx(cs.density_mean));
        CHECK(s.block_density.stddev == Approx(cs.density_stddev).margin(1e-12));
        // The unstructured CSR formula agrees with the model's CSR figure for the same positions.
        PruneParams pu = p;
        pu.method = parse_method("unstructured");
        CHECK(scheme_index_bits(*w, pu, r) == cs.csr_index_bits);
      }
}

TEST_CASE("baselines generally lack CSB structure, csb methods never do") {
  const RnnModel m = generate_model(load_model_spec("sc2"), 2);
  const Matrix& w = m.layers[0].w_hh;
  for (auto method : all_methods()) {
    PruneParams p;
    p.method = method;
    p.rate = 8;
    const auto r = prune_matrix(w, p, "w");
    Matrix pruned = w;
    apply_mask(pruned, r.keep);
    const bool structured = has_csb_structure(pruned, 32, 32);
    // row-column keeps whole rows x whole columns: a cross-product in every block too.
    if (is_csb_method(method) || method == parse_method("row-column"))
      CHECK(structured);
    else
      CHECK_FALSE(structured);
  }
}

TEST_CASE("a pruned model converts to a valid CsbModel with the biases untouched") {
  const RnnModel m = generate_model(load_model_spec("sr1"), 4);
  RnnModel small = m;
  ModelPruneOptions o;
  o.base.method = parse_method("csb-global");
  o.base.rate = 13;
  o.rate_for["weight_hr_l1"] = 4;
  o.block_for["weight_ih_l0"] = {32, 17};
  const ModelPrune mp = prune_model(m, o);
  const CsbModel c = pruned_to_csb_model(mp, "test");
  CHECK(c.layers[0].w_ih.bw == 17);
  CHECK(c.layers[1].w_hr.rows == 512);
  CHECK(c.layers[1].w_hr.nnz() == mp.matrices.back().result.kept);
  CHECK(double(c.layers[1].w_hr.nnz()) == Approx(512.0 * 1024 / 4).epsilon(0.005));
  CHECK(c.layers[0].b_ih == m.layers[0].b_ih);
  const RnnModel back = csb_model_to_dense(c);
  for (int k = 0; k < 2; ++k) {
    CHECK(back.layers[k].w_ih.data == mp.pruned.layers[k].w_ih.data);
    CHECK(back.layers[k].w_hh.data == mp.pruned.layers[k].w_hh.data);
    CHECK(back.layers[k].w_hr.data == mp.pruned.layers[k].w_hr.data);
  }
  ModelPruneOptions bad = o;
  bad.rate_for["weight_hr_l2"] = 4;
  CHECK_THROWS_WITH(prune_model(m, bad), Catch::Contains("no weight matrix 'weight_hr_l2'"));
}
