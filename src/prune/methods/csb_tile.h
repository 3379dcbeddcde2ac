// The alignment step of the `csb-tile` method, exposed for its tests (docs/pruning.md §csb-tile).
#pragma once
#include "prune/methods/csb_common.h"

namespace csbrnn {

/// The aligned count nearest k among {0, unit, 2 unit, ..., n} (n, the block's extent, is
/// allowed even when it is no multiple of unit); a tie goes to the larger count.
int csb_tile_round(int k, int n, int unit);

/// Alignment of a CSB state: per block, kr to csb_tile_round(kr, height, P) by restoring the
/// highest-energy pruned row segments (energy over the block's kept columns) or dropping the
/// lowest-energy kept ones, then kc to csb_tile_round(kc, width, Q) likewise by column energy
/// over the block's (aligned) kept rows. Ties by index.
void csb_tile_align(const Matrix& w, CsbState& s, int P, int Q);

}  // namespace csbrnn
