// The csb-tile method (src/prune/methods/csb_tile.cpp): tile alignment of every block's kernel,
// count, determinism, equality with csb at a 1x1 tile, and brute-force checks of the alignment's
// choices on tiny matrices.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include "prune/methods/csb_tile.h"
#include "prune/prune.h"
#include "prune/prune_stats.h"

using namespace csbrnn;

namespace {

Matrix random_matrix(int rows, int cols, uint32_t seed) {
  Matrix m(rows, cols);
  uint32_t s = seed * 2654435761u + 7;
  for (float& v : m.data) {
    s = s * 1664525u + 1013904223u;
    v = float(int32_t(s >> 8) - (1 << 23)) / float(1 << 23);
  }
  return m;
}

PruneParams tile_params(double rate, BlockSize block, BlockSize tile) {
  PruneParams p;
  p.method = parse_method("csb-tile");
  p.rate = rate;
  p.block = block;
  p.tile = tile;
  return p;
}

/// Kept rows and columns of block (i0.., j0..) read off the mask alone.
std::pair<int, int> mask_kernel(const std::vector<uint8_t>& keep, int C, int i0, int i1, int j0,
                                int j1) {
  int kr = 0, kc = 0;
  for (int r = i0; r < i1; ++r) {
    bool any = false;
    for (int c = j0; c < j1; ++c) any = any || keep[size_t(r) * C + c];
    kr += any;
  }
  for (int c = j0; c < j1; ++c) {
    bool any = false;
    for (int r = i0; r < i1; ++r) any = any || keep[size_t(r) * C + c];
    kc += any;
  }
  return {kr, kc};
}

bool aligned(int k, int extent, int unit) {
  return k == 0 || k % unit == 0 || k == extent;
}

}  // namespace

TEST_CASE("csb-tile: the aligned count is the nearest of 0, multiples of the unit, the extent") {
  // Hand table (unit 4): allowed counts in a 16-high block are 0 4 8 12 16; in a 15-high one
  // 0 4 8 12 15. Ties (2 between 0 and 4, 6 between 4 and 8) go to the larger.
  CHECK(csb_tile_round(0, 16, 4) == 0);
  CHECK(csb_tile_round(1, 16, 4) == 0);
  CHECK(csb_tile_round(2, 16, 4) == 4);
  CHECK(csb_tile_round(5, 16, 4) == 4);
  CHECK(csb_tile_round(6, 16, 4) == 8);
  CHECK(csb_tile_round(7, 16, 4) == 8);
  CHECK(csb_tile_round(16, 16, 4) == 16);
  CHECK(csb_tile_round(13, 15, 4) == 12);  // 13-12 = 1 < 15-13 = 2
  CHECK(csb_tile_round(14, 15, 4) == 15);  // 14-12 = 2 > 15-14 = 1
  CHECK(csb_tile_round(3, 3, 4) == 3);     // an edge block narrower than the tile: all or 0
  CHECK(csb_tile_round(1, 3, 4) == 0);
  CHECK(csb_tile_round(2, 3, 4) == 3);
  CHECK(csb_tile_round(5, 9, 1) == 5);  // a unit of 1 changes nothing
}

TEST_CASE("csb-tile: every block's kernel is tile-aligned and the count is within tolerance") {
  // Awkward shapes: edge blocks of 5, 10, 13 rows / columns; blocks larger than the matrix in one
  // direction; tiles of 4x4 (the engine's), 2x3 and 8x4.
  struct Case {
    int R, C;
    BlockSize block, tile;
    double rate;
  };
  const std::vector<Case> cases = {
      {69, 45, {16, 16}, {4, 4}, 8},  {69, 45, {16, 16}, {4, 4}, 4}, {50, 37, {12, 10}, {2, 3}, 6},
      {128, 77, {32, 32}, {4, 4}, 8}, {40, 29, {64, 16}, {8, 4}, 5}, {96, 96, {32, 32}, {4, 4}, 16},
      {61, 100, {16, 32}, {4, 4}, 3}, {33, 33, {8, 8}, {4, 4}, 2.5},
  };
  uint32_t seed = 1;
  for (const auto& k : cases) {
    const Matrix w = random_matrix(k.R, k.C, seed++);
    const PruneParams p = tile_params(k.rate, k.block, k.tile);
    INFO(k.R << "x" << k.C << " block " << k.block.bh << "x" << k.block.bw << " tile " << k.tile.bh
             << "x" << k.tile.bw << " rate " << k.rate);
    const MatrixPrune r = prune_matrix(w, p, "w");
    CHECK(mask_has_csb_structure(r.keep, k.R, k.C, k.block.bh, k.block.bw));
    int nonempty = 0;
    for (int i0 = 0; i0 < k.R; i0 += k.block.bh)
      for (int j0 = 0; j0 < k.C; j0 += k.block.bw) {
        const int i1 = std::min(k.R, i0 + k.block.bh), j1 = std::min(k.C, j0 + k.block.bw);
        const auto [kr, kc] = mask_kernel(r.keep, k.C, i0, i1, j0, j1);
        INFO("block at " << i0 << "," << j0 << ": " << kr << "x" << kc);
        CHECK(aligned(kr, i1 - i0, k.tile.bh));
        CHECK(aligned(kc, j1 - j0, k.tile.bw));
        nonempty += kr > 0;
      }
    CHECK(nonempty > 0);
    size_t kept = 0;
    for (uint8_t v : r.keep) kept += v;
    CHECK(kept == r.kept);
    // Tolerance by hand: max(ceil(0.5% of target), bh*Q, bw*P).
    const size_t target = size_t(std::llround(double(k.R) * k.C / k.rate));
    CHECK(r.target == target);
    const size_t tol =
        std::max<size_t>(size_t(std::ceil(0.005 * double(target))),
                         size_t(std::max(k.block.bh * k.tile.bw, k.block.bw * k.tile.bh)));
    CHECK(std::llabs((long long)kept - (long long)target) <= (long long)tol);
    CHECK(matrix_stats("w", w, p, r).within_tolerance);
  }
}

TEST_CASE("csb-tile: deterministic, also with ties everywhere") {
  Matrix w = random_matrix(70, 45, 11);
  const PruneParams p = tile_params(8, {16, 16}, {4, 4});
  const MatrixPrune a = prune_matrix(w, p, "w"), b = prune_matrix(w, p, "w");
  CHECK(a.keep == b.keep);
  // All magnitudes equal: every ranking is decided by index alone.
  for (float& v : w.data) v = v < 0 ? -0.5f : 0.5f;
  const MatrixPrune c = prune_matrix(w, p, "w"), d = prune_matrix(w, p, "w");
  CHECK(c.keep == d.keep);
  CHECK(mask_has_csb_structure(c.keep, 70, 45, 16, 16));
}

TEST_CASE("csb-tile with a 1x1 tile is csb exactly") {
  // Independent route: the csb method (the paper's projection and csb's own count adjustment).
  struct Case {
    int R, C;
    BlockSize block;
    double rate;
  };
  const std::vector<Case> cases = {{69, 45, {16, 16}, 8},  {50, 37, {12, 10}, 6},
                                   {128, 77, {32, 32}, 4}, {40, 29, {64, 16}, 12},
                                   {96, 96, {8, 32}, 16},  {33, 33, {8, 8}, 2.5}};
  uint32_t seed = 40;
  for (const auto& k : cases) {
    const Matrix w = random_matrix(k.R, k.C, seed++);
    PruneParams csb;
    csb.method = parse_method("csb");
    csb.rate = k.rate;
    csb.block = k.block;
    INFO(k.R << "x" << k.C << " rate " << k.rate);
    CHECK(prune_matrix(w, tile_params(k.rate, k.block, {1, 1}), "w").keep ==
          prune_matrix(w, csb, "w").keep);
  }
}

TEST_CASE("csb-tile: the alignment keeps the highest-energy rows and columns (brute force)") {
  // Tiny matrices; after the paper's projection, csb_tile_align must pick, in every block, the
  // row set of the aligned size with the largest energy over the block's kept columns among all
  // sets that contain the projection's kept rows (when it restores) or lie inside them (when it
  // drops); then the same for columns over the aligned rows. Brute force enumerates every subset.
  int restored = 0, dropped = 0;  // blocks where the alignment changed a set (not vacuous)
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    const int R = 6 + int(seed % 3), C = 5 + int(seed % 4);
    const int bh = 6, bw = 5, P = 4, Q = 2 + int(seed % 2);
    const Matrix w = random_matrix(R, C, 100 + seed);
    CsbState s(R, C, bh, bw);
    csb_paper_projection(w, 2.0 + 0.5 * (seed % 5), s);
    CsbState a = s;
    csb_tile_align(w, a, P, Q);
    auto sq = [&](int r, int c) { return double(w.at(r, c)) * double(w.at(r, c)); };
    for (int i = 0; i < s.BR; ++i)
      for (int j = 0; j < s.BC; ++j) {
        const int r0 = i * bh, r1 = std::min(R, r0 + bh), c0 = j * bw, c1 = std::min(C, c0 + bw);
        const int H = r1 - r0, W = c1 - c0;
        INFO("seed " << seed << " block " << i << "," << j);
        // rows: energy of row r over the projection's kept columns of the block
        auto row_e = [&](int r) {
          double e = 0;
          for (int c = c0; c < c1; ++c)
            if (s.colkeep[size_t(i) * C + c]) e += sq(r, c);
          return e;
        };
        uint32_t before = 0, after = 0;
        for (int r = r0; r < r1; ++r) {
          before |= uint32_t(s.rowkeep[size_t(r) * s.BC + j]) << (r - r0);
          after |= uint32_t(a.rowkeep[size_t(r) * s.BC + j]) << (r - r0);
        }
        const int want = csb_tile_round(__builtin_popcount(before), H, P);
        REQUIRE(__builtin_popcount(after) == want);
        auto set_e = [&](uint32_t m, auto f, int base) {
          double e = 0;
          for (int t = 0; m >> t; ++t)
            if (m >> t & 1) e += f(base + t);
          return e;
        };
        double best = -1;
        for (uint32_t m = 0; m < (1u << H); ++m) {
          if (__builtin_popcount(m) != want) continue;
          if ((m & before) != before && (m & before) != m) continue;  // neither superset nor subset
          best = std::max(best, set_e(m, row_e, r0));
        }
        CHECK(set_e(after, row_e, r0) == Approx(best).epsilon(1e-12));
        CHECK(((after & before) == before || (after & before) == after));
        restored += __builtin_popcount(after) > __builtin_popcount(before);
        dropped += __builtin_popcount(after) < __builtin_popcount(before);
        // columns: energy of column c over the aligned kept rows of the block
        auto col_e = [&](int c) {
          double e = 0;
          for (int r = r0; r < r1; ++r)
            if (a.rowkeep[size_t(r) * s.BC + j]) e += sq(r, c);
          return e;
        };
        uint32_t cb = 0, ca = 0;
        for (int c = c0; c < c1; ++c) {
          cb |= uint32_t(s.colkeep[size_t(i) * C + c]) << (c - c0);
          ca |= uint32_t(a.colkeep[size_t(i) * C + c]) << (c - c0);
        }
        const int wantc = csb_tile_round(__builtin_popcount(cb), W, Q);
        REQUIRE(__builtin_popcount(ca) == wantc);
        best = -1;
        for (uint32_t m = 0; m < (1u << W); ++m) {
          if (__builtin_popcount(m) != wantc) continue;
          if ((m & cb) != cb && (m & cb) != m) continue;
          best = std::max(best, set_e(m, col_e, c0));
        }
        CHECK(set_e(ca, col_e, c0) == Approx(best).epsilon(1e-12));
        CHECK(((ca & cb) == cb || (ca & cb) == ca));
        restored += __builtin_popcount(ca) > __builtin_popcount(cb);
        dropped += __builtin_popcount(ca) < __builtin_popcount(cb);
      }
  }
  CHECK(restored > 0);
  CHECK(dropped > 0);
}

TEST_CASE("csb-tile: a hand-worked single block") {
  // One 4x4 block, tile 2x2, rate 2 (target 8). Row energies |w|^2: rows 0..3 get magnitudes
  // 4, 3, 2, 1 in every column except column 3 which is 0.1 everywhere. Paper projection:
  // q = 1 - sqrt(1/2) = 0.2929, round(q*4) = 1 row and 1 column pruned: row 3 (least energy),
  // then column 3 (least surviving energy). Kernel 3x3 = 9 weights. Alignment (tile 2x2): kr 3
  // -> 4 (tie between 2 and 4 goes to 4): row 3 restored; kc 3 -> 4: column 3 restored -> 16.
  // Count adjustment (shrink, target 8): the block's lowest-energy kept columns are 3 (0.04 per
  // row) then any of 0..2 (equal energy 30 each, ties by index: 0); one group of Q=2 = columns 3
  // and 0, 4 x 2 = 8 weights -> 8 == target. Kept: columns 1 and 2, all four rows.
  Matrix w(4, 4);
  const float mag[4] = {4, 3, 2, 1};
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 4; ++c) w.at(r, c) = c == 3 ? 0.1f : mag[r];
  const MatrixPrune r = prune_matrix(w, tile_params(2, {4, 4}, {2, 2}), "w");
  CHECK(r.target == 8);
  CHECK(r.projection_kept == 16);
  CHECK(r.kept == 8);
  for (int row = 0; row < 4; ++row)
    for (int c = 0; c < 4; ++c) {
      INFO(row << "," << c);
      CHECK(r.keep[size_t(row) * 4 + c] == (c == 1 || c == 2 ? 1 : 0));
    }
}
