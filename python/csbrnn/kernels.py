"""Kernel statistics of CSB-pruned weights (docs/python.md "Stand-ins vs trained weights").

A CSB block's kernel is the rows x columns of the block that hold a kept weight; on the machine
it occupies ceil(rows / P) x ceil(cols / Q) tiles of a P x Q PEGroup. How evenly those tile
counts spread over the blocks is what the compiler's sharing has to balance, so these are the
figures to compare between trained weights and `csbrnn genmodel`'s stand-ins.
"""
import numpy as np


def block_tiles(w, block, pe=(4, 4)):
    """Tiles per block of one weight matrix w (rows x cols), blocks of block = (bh, bw) in row
    major order, edge blocks as they fall (narrower or shorter)."""
    bh, bw = block
    w = np.asarray(w)
    out = []
    for r in range(0, w.shape[0], bh):
        for c in range(0, w.shape[1], bw):
            nz = w[r:r + bh, c:c + bw] != 0
            kr, kc = int(nz.any(1).sum()), int(nz.any(0).sum())
            out.append(-(-kr // pe[0]) * -(-kc // pe[1]))
    return out


def kernel_stats(state_dict, block, pe=(4, 4)):
    """Over every block of every weight_* matrix of a state_dict (names as PyTorch's): the
    number of blocks, the mean tiles per block, their coefficient of variation (std / mean), the
    share of blocks with at most two tiles and the share of empty blocks."""
    tiles = []
    for k, w in state_dict.items():
        if k.startswith("weight_"):
            tiles += block_tiles(w, block, pe)
    t = np.asarray(tiles, float)
    if t.size == 0:
        raise ValueError("kernel_stats: no weight_* matrix in the state_dict")
    mean = float(t.mean())
    return dict(blocks=int(t.size), tiles_mean=mean,
                tiles_cv=float(t.std() / mean) if mean else 0.0,
                share_le2_tiles=float((t <= 2).mean()), share_empty=float((t == 0).mean()))


def stats_distance(a, b):
    """How far kernel statistics b are from a (the target): the sum of the relative differences
    of the mean and the coefficient of variation and the absolute difference of the share of
    blocks with at most two tiles (a share is already on a 0..1 scale)."""
    d = abs(b["tiles_mean"] - a["tiles_mean"]) / max(a["tiles_mean"], 1e-9)
    d += abs(b["tiles_cv"] - a["tiles_cv"]) / max(a["tiles_cv"], 1e-9)
    return d + abs(b["share_le2_tiles"] - a["share_le2_tiles"])
