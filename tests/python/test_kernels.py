"""csbrnn.kernels (the kernel statistics that compare trained weights with stand-ins) on matrices
whose tile counts are worked out by hand, and scripts/calibrate_generator.py end to end on a tiny
model: the calibrated knobs are never farther from the target than the default ones (the search
starts from them), and its figures are the ones kernel_stats gives for the knobs it prints."""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

import csbrnn
from csbrnn.kernels import block_tiles, kernel_stats, stats_distance

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


# 8 x 12 matrix, 4 x 4 blocks (blocks of 4x4 PEs: one tile holds a whole 4x4 block), and with
# 2 x 2 PEs per group (tiles of 2 x 2):
#   block (0,0): rows 0,1 cols 0,3 kept -> kernel 2 rows x 2 cols -> 1 x 1 = 1 tile of 2x2
#   block (0,1): empty -> 0 tiles
#   block (0,2): rows 0..3, col 9 -> 4 x 1 -> 2 x 1 = 2 tiles
#   block (1,0): rows 4..7 x cols 0..3 all kept -> 4 x 4 -> 2 x 2 = 4 tiles
#   block (1,1): row 5, cols 4..6 -> 1 x 3 -> 1 x 2 = 2 tiles
#   block (1,2): row 7, col 11 -> 1 x 1 -> 1 tile
w = np.zeros((8, 12), np.float32)
w[0, 0] = w[1, 3] = 1
w[0:4, 9] = 1
w[4:8, 0:4] = 1
w[5, 4:7] = 1
w[7, 11] = 1
check(block_tiles(w, (4, 4), (2, 2)) == [1, 0, 2, 4, 2, 1], "tiles of 2x2 per 4x4 block")
check(block_tiles(w, (4, 4), (4, 4)) == [1, 0, 1, 1, 1, 1], "tiles of 4x4 per 4x4 block")
# edge blocks: 5 x 5 blocks over 8 x 12 -> block-rows 0..4, 5..7; block-columns 0..4, 5..9, 10..11
#   (0,0): rows 0..4 kept in cols 0,3 and row 4 in 0..3 -> rows {0,1,4}, cols {0,1,2,3} -> 2x2=4
t = block_tiles(w, (5, 5), (2, 2))
check(len(t) == 6 and t[0] == 4, f"edge blocks: {t}")
s = kernel_stats({"weight_ih_l0": w, "bias_ih_l0": np.ones(8)}, (4, 4), (2, 2))
tiles = np.array([1, 0, 2, 4, 2, 1], float)
check(s["blocks"] == 6, "six blocks (biases ignored)")
check(abs(s["tiles_mean"] - tiles.mean()) < 1e-12, "mean")
check(abs(s["tiles_cv"] - tiles.std() / tiles.mean()) < 1e-12, "coefficient of variation")
check(abs(s["share_le2_tiles"] - 5 / 6) < 1e-12 and abs(s["share_empty"] - 1 / 6) < 1e-12,
      "shares")
check(stats_distance(s, s) == 0, "distance to itself")
# distance: |1.5/1.0 - 1| + |cv| relative + |share| absolute
a = dict(tiles_mean=2.0, tiles_cv=0.5, share_le2_tiles=0.4)
b = dict(tiles_mean=3.0, tiles_cv=0.25, share_le2_tiles=0.1)
check(abs(stats_distance(a, b) - (0.5 + 0.5 + 0.3)) < 1e-12, "distance by hand")
try:
    kernel_stats({"bias_ih_l0": np.ones(4)}, (4, 4))
    check(False, "no weight matrix refused")
except ValueError:
    pass

# the calibration script on a tiny LSTM CSB-projected at 4x (8x8 blocks)
cli = os.environ.get("CSBRNN_CLI")
src = os.environ.get("CSBRNN_SOURCE_DIR")
if cli and src:
    rng = np.random.default_rng(3)
    sd = {"weight_ih_l0": rng.standard_normal((64, 12)).astype(np.float32),
          "weight_hh_l0": (rng.standard_normal((64, 16)) * np.exp(rng.standard_normal(16))
                           ).astype(np.float32),
          "bias_ih_l0": np.zeros(64, np.float32), "bias_hh_l0": np.zeros(64, np.float32)}
    for k in ("weight_ih_l0", "weight_hh_l0"):
        sd[k] = csbrnn.project(sd[k], method="csb", rate=4.0, block=(8, 8))
    with tempfile.TemporaryDirectory() as d:
        p = os.path.join(d, "t.npz")
        np.savez(p, **sd)
        r = subprocess.run([sys.executable, os.path.join(src, "scripts", "calibrate_generator.py"),
                            "--trained", p, "--block", "8x8", "--out", d, "--points", "3",
                            "--refine", "1", "--cli", cli, "-q"], capture_output=True, text=True)
        check(r.returncode == 0, f"calibrate_generator ran: {r.stderr}")
        if r.returncode == 0:
            with open(os.path.join(d, "calibration.json")) as f:
                res = json.load(f)
            check(res["shape"] == dict(cell="lstm", input_size=12, hidden_size=16, proj_size=0,
                                       layers=1), f"shape {res['shape']}")
            check(res["distance"]["calibrated"] <= res["distance"]["default"],
                  "calibrated no farther than the default")
            check(res["kernels"]["trained"] == kernel_stats(sd, (8, 8)), "trained statistics")
            check(set(res["sharing"]["trained"]) == {"none", "horizontal", "vertical", "2d"},
                  "occupancy per sharing mode")
        r = subprocess.run([sys.executable, os.path.join(src, "scripts", "calibrate_generator.py"),
                            "--trained", os.path.join(d, "missing.npz"), "--block", "8x8", "--out",
                            d, "--cli", cli], capture_output=True, text=True)
        check(r.returncode != 0 and "missing.npz: no such file" in r.stderr,
              f"a missing file named: {r.stderr}")

if failures:
    sys.exit(f"{len(failures)} failure(s)")
print("ok")
