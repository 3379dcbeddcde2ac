// Issue 11's "freer cuts" lever, settled by exhaustive search: would cuts at any row / column
// (not only multiples of P and Q) give the sharing scheduler anything new? A group's decision
// matters only through the tiles of its three pieces (local, horizontal, vertical): the giver
// issues the local tiles, its right and lower neighbours the other two. A decision whose three
// tile counts are each >= those of some tile-aligned legal decision can never lower a makespan
// (every group's load is then >= under it). The tests enumerate every unaligned cut of small
// kernels and look for an aligned decision that is at least as good piece by piece.
#include <catch2/catch.hpp>

#include "isa/sharing_geometry.h"

using namespace csbrnn;

namespace {

struct Tiles {
  int64_t local, h, v;
};

Tiles tiles_of(KernelSize k, const GroupShare& s, int P, int Q) {
  const SplitPieces sp = split_kernel(k, s);
  return {piece_tiles(sp.local, P, Q), piece_tiles(sp.horizontal, P, Q),
          piece_tiles(sp.vertical, P, Q)};
}

/// Whether some legal (tile-aligned) decision has every piece's tiles <= t.
bool dominated_by_aligned(KernelSize k, const Tiles& t, const ShareParams& p) {
  for (int order = 0; order < 2; ++order)
    for (int h = 0; h <= k.kr; ++h)
      for (int v = 0; v <= k.kc; ++v) {
        GroupShare s{order == 0 ? CutOrder::RowsFirst : CutOrder::ColsFirst, h, v};
        if (!share_is_legal(k, s, p)) continue;
        const Tiles a = tiles_of(k, s, p.P, p.Q);
        if (a.local <= t.local && a.h <= t.h && a.v <= t.v) return true;
      }
  return false;
}

/// Kernels (kr, kc in 1..n) with an unaligned cut (v <= floor(fraction * kc)) that no aligned
/// legal decision dominates.
int undominated_kernels(int P, int Q, int n, double fraction) {
  ShareParams p;
  p.K = 2, p.L = 2, p.P = P, p.Q = Q, p.mode = SharingMode::TwoD;
  p.max_vertical_fraction = fraction;
  int count = 0;
  for (int kr = 1; kr <= n; ++kr)
    for (int kc = 1; kc <= n; ++kc) {
      const KernelSize k{kr, kc};
      const int vmax = sharing::max_vertical_cols(kc, fraction);
      bool found = false;
      for (int order = 0; order < 2 && !found; ++order)
        for (int h = 0; h <= kr && !found; ++h)
          for (int v = 0; v <= vmax && !found; ++v) {
            const GroupShare s{order == 0 ? CutOrder::RowsFirst : CutOrder::ColsFirst, h, v};
            if (!dominated_by_aligned(k, tiles_of(k, s, P, Q), p)) found = true;
          }
      count += found;
    }
  return count;
}

}  // namespace

TEST_CASE(
    "free cuts: without a vertical limit every unaligned cut is dominated by an aligned one") {
  // Argument: rounding h up to ceil(h/P)*P (or kr) and v up to ceil(v/Q)*Q (or kc) keeps the
  // given pieces' tile counts and shrinks the remainder, so the aligned cut is as good piece by
  // piece; the search confirms it for every PE shape up to 4x4 and kernels up to 12x12.
  for (int P = 1; P <= 4; ++P)
    for (int Q = 1; Q <= 4; ++Q) {
      INFO("P x Q = " << P << "x" << Q);
      CHECK(undominated_kernels(P, Q, 12, 1.0) == 0);
    }
}

TEST_CASE("free cuts: with the paper's half-width vertical limit an unaligned cut can be new") {
  // Hand-worked: a 4x13 kernel on 4x4 PEs may give at most floor(13/2) = 6 columns down.
  // Aligned, the vertical piece has 4 columns (1 tile) and the group keeps 9 (3 tiles); an
  // unaligned 6-column piece is 2 tiles and leaves 7 columns (2 tiles): (local 2, v 2) is
  // better for the giver than (3, 1) and no aligned decision has local <= 2 and v <= 2 without
  // giving a horizontal piece.
  ShareParams p;
  p.K = 2, p.L = 2, p.P = 4, p.Q = 4, p.mode = SharingMode::TwoD;
  p.max_vertical_fraction = 0.5;
  const KernelSize k{4, 13};
  const GroupShare free_cut{CutOrder::RowsFirst, 0, 6};
  const Tiles t = tiles_of(k, free_cut, 4, 4);
  CHECK(t.local == 2);
  CHECK(t.h == 0);
  CHECK(t.v == 2);
  CHECK_FALSE(share_is_legal(k, free_cut, p));
  CHECK_FALSE(dominated_by_aligned(k, t, p));
  // So the lever exists only through sharing.max_vertical_fraction: at 1.0 (no limit) the aligned
  // cuts are complete (previous test); at the paper's 0.5 some kernels gain an option.
  CHECK(undominated_kernels(4, 4, 16, 0.5) > 0);
}
