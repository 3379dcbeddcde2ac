// `keep` (structure-preserving conversion): keeps exactly the nonzero weights, takes no rate,
// refuses a matrix whose zeros do not form CSB blocks naming the first offending block; through
// `csbrnn prune --method keep -o` the .csb holds every weight unchanged.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "common/error.h"
#include "io/weights.h"
#include "model/csb.h"
#include "model/csb_file.h"
#include "prune/prune.h"
#include "support/test_util.h"

using namespace csbrnn;

namespace {

PruneParams keep_params(int bh, int bw) {
  PruneParams p;
  p.method = parse_method("keep");
  p.rate = std::nan("");  // never read
  p.block = {bh, bw};
  return p;
}

std::string error_of(const Matrix& w, const PruneParams& p) {
  try {
    prune_matrix(w, p, "weight_hh_l0");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

/// 4x4, blocks 2x2, by hand: block (0,0) keeps rows {0,1} x col {1}; block (0,1) rows {1} x
/// cols {2,3}; block (1,0) is empty; block (1,1) is full.
Matrix hand_matrix() {
  Matrix w(4, 4);
  const float v[16] = {0, 1.5f, 0, 0, 0, -2, 3, 4,  //
                       0, 0,    5, 6, 0, 0,  7, -8};
  std::copy(v, v + 16, w.data.begin());
  return w;
}

}  // namespace

TEST_CASE("keep: keeps exactly the nonzeros of a CSB-structured matrix, whatever the rate") {
  const Matrix w = hand_matrix();
  const PruneParams p = keep_params(2, 2);
  CHECK_FALSE(p.method->uses_rate());
  CHECK(p.method->is_csb());
  const MatrixPrune r = prune_matrix(w, p, "w");
  CHECK(r.kept == 8);
  CHECK(r.target == 8);  // the nonzero count
  for (size_t t = 0; t < 16; ++t) CHECK(r.keep[t] == (w.data[t] != 0.0f ? 1 : 0));
  const CsbMatrix c = mask_to_csb(w, r.keep, 2, 2);
  CHECK(c.block(0, 0).rows == std::vector<uint16_t>{0, 1});
  CHECK(c.block(0, 0).cols == std::vector<uint16_t>{1});
  CHECK(c.block(0, 0).values == std::vector<float>{1.5f, -2});
  CHECK(c.block(0, 1).rows == std::vector<uint16_t>{1});
  CHECK(c.block(0, 1).cols == std::vector<uint16_t>{0, 1});
  CHECK(c.block(1, 0).kr() == 0);
  CHECK(c.block(1, 1).values == std::vector<float>{5, 6, 7, -8});
  const Matrix back = csb_to_dense(c);
  CHECK(back.data == w.data);
}

TEST_CASE("keep: refuses the first block that is not a cross-product, by position") {
  Matrix w = hand_matrix();
  w.at(3, 0) = 1;  // block (1,0): nonzeros at (3,0) only -> fine (1 x 1)
  CHECK(error_of(w, keep_params(2, 2)) == "no error");
  w.at(2, 1) = 1;  // block (1,0) now has (2,1) and (3,0): rows {2,3} x cols {0,1}, 2 of 4
  CHECK(error_of(w, keep_params(2, 2)) ==
        "weight_hh_l0: block (1,0) (rows 2-3, cols 0-1) is not a CSB block for 2x2: its nonzeros "
        "span 2 rows x 2 cols but number 2 (weight (2,0) is zero); prune it with a CSB method "
        "first");
  // with 4x4 blocks the whole matrix is one block: rows 0-3 x cols 0-3, (0,0) is zero
  CHECK_THAT(error_of(hand_matrix(), keep_params(4, 4)),
             Catch::Contains("block (0,0) (rows 0-3, cols 0-3)") &&
                 Catch::Contains("span 4 rows x 3 cols but number 8 (weight (0,2) is zero)"));
  // 8x2 blocks, taller than the matrix: one partial block-row; by hand, block (0,0) holds rows
  // {0,1} x col {1} and block (0,1) rows {1,2,3} x cols {2,3}, both cross-products: accepted.
  CHECK(error_of(hand_matrix(), keep_params(8, 2)) == "no error");
}

TEST_CASE("keep through the CLI: lossless .csb, no --rate, refusal naming the block") {
  test::TempDir d("prune-keep");
  // csb-pruned weights of a generated model, exported dense, then converted by keep
  REQUIRE(test::run_cli("genmodel sc2 --seed 3 -o " + d.file("w.npz")).exit_code == 0);
  REQUIRE(test::run_cli("prune " + d.file("w.npz") + " --method csb --rate 8 --block 16x16 -q " +
                        "--export-dense " + d.file("p.npz") + " -o " + d.file("csb.csb"))
              .exit_code == 0);
  const auto r = test::run_cli("prune " + d.file("p.npz") + " --method keep --block 16x16 -o " +
                               d.file("keep.csb") + " --export-dense " + d.file("k.npz"));
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("keep"));
  const RnnModel pruned = load_weights(d.file("p.npz"));
  const RnnModel back = csb_model_to_dense(load_csb_model(d.file("keep.csb")));
  const RnnModel via_csb = csb_model_to_dense(load_csb_model(d.file("csb.csb")));
  const auto a = model_matrices(pruned), b = model_matrices(back), c = model_matrices(via_csb);
  REQUIRE(a.size() == b.size());
  for (size_t t = 0; t < a.size(); ++t) {
    CHECK(a[t].second->data == b[t].second->data);  // not one weight changed
    CHECK(a[t].second->data == c[t].second->data);  // == what csb -o itself wrote
  }
  // dense stand-in weights are one full kernel per block; a block with a stray zero is refused
  const auto bad =
      test::run_cli("prune " + d.file("w.npz") + " --method keep --block 16x16 --rate 4");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, Catch::Contains("--rate: method 'keep' takes no rate"));
  // unstructured-pruned weights: refused, naming the matrix and its first offending block
  REQUIRE(test::run_cli("prune " + d.file("w.npz") + " --method unstructured --rate 8 -q " +
                        "--export-dense " + d.file("u.npz"))
              .exit_code == 0);
  const auto u = test::run_cli("prune " + d.file("u.npz") + " --method keep --block 16x16 -o " +
                               d.file("u.csb"));
  CHECK(u.exit_code == 2);
  CHECK_THAT(u.output, Catch::Contains("weight_ih_l0: block (0,0) (rows 0-15, cols 0-15) is not "
                                       "a CSB block for 16x16"));
  CHECK_FALSE(std::filesystem::exists(d.file("u.csb")));
}
