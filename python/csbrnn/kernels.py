"""Kernel statistics of CSB-pruned weights (docs/python.md "Stand-ins vs trained weights").

A CSB block's kernel is the rows x columns of the block that hold a kept weight; on the machine
it occupies ceil(rows / P) x ceil(cols / Q) tiles of a P x Q PEGroup. How evenly those tile
counts spread over the blocks is what the compiler's sharing has to balance, so these are the
figures to compare between trained weights and `csbrnn genmodel`'s stand-ins.
"""
import numpy as np


def block_tiles(w, block, pe=(4, 4), grid=False):
    """Tiles per block of one weight matrix w (rows x cols), blocks of block = (bh, bw) in row
    major order, edge blocks as they fall (narrower or shorter). grid=True: as a 2-D array
    (block-rows x block-columns)."""
    bh, bw = block
    w = np.asarray(w)
    out = []
    for r in range(0, w.shape[0], bh):
        row = []
        for c in range(0, w.shape[1], bw):
            nz = w[r:r + bh, c:c + bw] != 0
            kr, kc = int(nz.any(1).sum()), int(nz.any(0).sum())
            row.append(-(-kr // pe[0]) * -(-kc // pe[1]))
        out.append(row)
    return np.asarray(out, int) if grid else [t for row in out for t in row]


def _cv(x):
    x = np.asarray(x, float)
    return float(x.std() / x.mean()) if x.size and x.mean() else 0.0


def kernel_stats(state_dict, block, pe=(4, 4)):
    """Over every block of every weight_* matrix of a state_dict (names as PyTorch's): the
    number of blocks, the mean tiles per block, their coefficient of variation (std / mean), the
    share of blocks with at most two tiles and the share of empty blocks; and how the tiles
    spread over whole block-rows and block-columns (the coefficient of variation of the tiles of
    each block-row, resp. block-column, of a matrix, weighted by its block count): the part of
    the unevenness that the hidden units' importance puts into lines of blocks, which a
    sharing scheme between neighbours cannot average out."""
    tiles, rows, cols = [], [], []
    for k, w in state_dict.items():
        if k.startswith("weight_"):
            g = block_tiles(w, block, pe, grid=True)
            tiles += list(g.ravel())
            rows.append((_cv(g.sum(1)), g.size))
            cols.append((_cv(g.sum(0)), g.size))
    t = np.asarray(tiles, float)
    if t.size == 0:
        raise ValueError("kernel_stats: no weight_* matrix in the state_dict")
    mean = float(t.mean())

    def weighted(v):
        return float(sum(c * n for c, n in v) / sum(n for _, n in v))
    return dict(blocks=int(t.size), tiles_mean=mean, tiles_cv=_cv(t),
                share_le2_tiles=float((t <= 2).mean()), share_empty=float((t == 0).mean()),
                row_cv=weighted(rows), col_cv=weighted(cols))


def stats_distance(a, b):
    """How far kernel statistics b are from a (the target): the sum of the relative differences
    of the mean, the coefficient of variation and the block-row and block-column spreads, and the
    absolute difference of the share of blocks with at most two tiles (a share is already on a
    0..1 scale)."""
    d = abs(b["tiles_mean"] - a["tiles_mean"]) / max(a["tiles_mean"], 1e-9)
    for k in ("tiles_cv", "row_cv", "col_cv"):
        if k in a and k in b:
            d += abs(b[k] - a[k]) / max(a[k], 1e-9)
    return d + abs(b["share_le2_tiles"] - a["share_le2_tiles"])
