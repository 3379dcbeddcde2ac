#!/usr/bin/env python3
"""Calibrate the stand-in generator (`csbrnn genmodel`'s `generator:` knobs, docs/pruning.md) to
trained weights (docs/python.md "Stand-ins vs trained weights").

    PYTHONPATH=build/python /usr/bin/python3 scripts/calibrate_generator.py \
        --trained out/speech256/csb.npz --block 32x32 --out out/calib-gru256

TRAINED is a CSB-pruned state_dict (.npz, PyTorch names) or a .csb container. Its shape (cell,
input, hidden, projection, layers) and achieved rate are read from it. For every candidate set of
generator knobs the script generates stand-in weights of that shape (`csbrnn genmodel`, seed 1),
prunes them once with the CSB projection at the trained model's rate and block (`csbrnn prune`)
and computes the kernel statistics (python/csbrnn/kernels.py: tiles of P x Q PEs per block, their
mean, coefficient of variation, share of blocks with at most two tiles). The search: the default
knobs, --points seeded random candidates over the knob box below, then coordinate refinement of
the best (each knob moved up and down, step halved when nothing improves) for --refine rounds;
the objective is kernels.stats_distance to the trained statistics. A second generator seed checks
that the fit is not one seed's luck. Then the 256-PE design's group occupancy and PE utilization
per sharing mode (8 timesteps; the structure decides them, not the input values) on the trained
weights, the default stand-ins and the calibrated stand-ins. Prints a table and the calibrated
`generator:` block; OUT/calibration.json (written atomically) holds every figure. Every figure is
computed by this run.
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np

import csbrnn
from csbrnn.kernels import kernel_stats, stats_distance
from csbrnn.standin import (DEFAULT_KNOBS, MODES, achieved_rate, keep_model, occupancy,
                            shape_of, standin_model)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# knob: (default, low, high); clusters is an integer drawn from CLUSTERS
BOX = {
    "neuron_sigma": (0.8, 0.0, 2.0),
    "input_sigma": (0.8, 0.0, 2.0),
    "row_sigma": (0.25, 0.0, 1.0),
    "col_sigma": (0.25, 0.0, 1.0),
    "cluster_sigma": (1.0, 0.0, 2.0),
    "cluster_gain": (2.0, 1.0, 4.0),
    "cluster_shuffle": (0.25, 0.0, 1.0),
    "gate_sigma": (0.0, 0.0, 2.0),
}
CLUSTERS = [1, 2, 4, 8, 16, 32]
DEFAULT = dict(DEFAULT_KNOBS)
assert all(DEFAULT[k] == v[0] for k, v in BOX.items())


def load_weights(path):
    try:
        if path.endswith(".csb"):
            return csbrnn.load_csb(path).state_dict()
        with np.load(path) as z:
            return {k: z[k] for k in z.files}
    except (OSError, ValueError, csbrnn.Error) as e:
        sys.exit(f"{path}: not a readable .npz state_dict or .csb container ({e})")


class Evaluator:
    def __init__(self, a, shape, rate, block, tmp):
        self.a, self.shape, self.rate, self.block, self.tmp = a, shape, rate, block, tmp
        self.cache = {}

    def standin(self, knobs, seed=1):
        """The CSB-pruned stand-in of the trained shape for these knobs: a CsbModel."""
        try:
            return standin_model(self.shape, self.rate, self.block, self.a.cli, knobs, seed,
                                 tmp=self.tmp)
        except csbrnn.Error as e:
            sys.exit(f"calibrate_generator: {e}")

    def stats(self, knobs, seed=1):
        key = (json.dumps(knobs, sort_keys=True), seed)
        if key not in self.cache:
            self.cache[key] = kernel_stats(self.standin(knobs, seed).state_dict(), self.block,
                                           self.a.pe)
        return self.cache[key]


def clamp(k, v):
    _, lo, hi = BOX[k]
    return min(hi, max(lo, v))


def search(ev, target, a, log):
    rng = np.random.default_rng(a.seed)
    best = dict(DEFAULT)
    best_d = stats_distance(target, ev.stats(best))
    log(f"default knobs: distance {best_d:.4f}")
    for i in range(a.points):
        k = {n: float(rng.uniform(lo, hi)) for n, (_, lo, hi) in BOX.items()}
        k["clusters"] = int(rng.choice(CLUSTERS))
        d = stats_distance(target, ev.stats(k))
        if d < best_d:
            best, best_d = k, d
            log(f"random point {i}: distance {d:.4f}")
    steps = {n: (hi - lo) / 4 for n, (_, lo, hi) in BOX.items()}
    for rnd in range(a.refine):
        improved = False
        for n in list(BOX) + ["clusters"]:
            if n == "clusters":
                j = CLUSTERS.index(best["clusters"]) if best["clusters"] in CLUSTERS else 0
                cands = [CLUSTERS[x] for x in (j - 1, j + 1) if 0 <= x < len(CLUSTERS)]
            else:
                cands = [clamp(n, best[n] - steps[n]), clamp(n, best[n] + steps[n])]
            for v in cands:
                k = dict(best, **{n: v})
                d = stats_distance(target, ev.stats(k))
                if d < best_d - 1e-12:
                    best, best_d, improved = k, d, True
        log(f"refinement round {rnd}: distance {best_d:.4f}")
        if not improved:
            steps = {n: s / 2 for n, s in steps.items()}
    return best, best_d


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--trained", required=True, help="CSB-pruned state_dict .npz or .csb")
    ap.add_argument("--block", required=True, help="BHxBW, the trained model's CSB block")
    ap.add_argument("--out", required=True)
    ap.add_argument("--points", type=int, default=60, help="random candidates")
    ap.add_argument("--refine", type=int, default=6, help="coordinate refinement rounds")
    ap.add_argument("--pe", default="4x4", help="PEs per PEGroup, rows x cols (256-PE design)")
    ap.add_argument("--hw", default=None, help="hardware config for the occupancy figures")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random candidates")
    ap.add_argument("--cli", default=os.environ.get("CSBRNN_CLI",
                                                    os.path.join(ROOT, "build", "csbrnn")))
    ap.add_argument("-q", "--quiet", action="store_true")
    a = ap.parse_args()
    log = (lambda *_: None) if a.quiet else print
    try:
        block = tuple(int(v) for v in a.block.lower().split("x"))
        a.pe = tuple(int(v) for v in a.pe.lower().split("x"))
        if len(block) != 2 or len(a.pe) != 2 or min(block + a.pe) < 1:
            raise ValueError
    except ValueError:
        sys.exit("calibrate_generator: --block and --pe take ROWSxCOLS, e.g. 32x32")
    if not os.path.exists(a.trained):
        sys.exit(f"{a.trained}: no such file")
    sd = load_weights(a.trained)
    try:
        shape = shape_of(sd, a.trained)
    except ValueError as e:
        sys.exit(str(e))
    rate = achieved_rate(sd)
    target = kernel_stats(sd, block, a.pe)
    log(f"{a.trained}: {shape}, {rate:.2f}x, kernels {target}")
    os.makedirs(a.out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        ev = Evaluator(a, shape, rate, block, tmp)
        best, best_d = search(ev, target, a, log)
        default_stats, best_stats = ev.stats(DEFAULT), ev.stats(best)
        seed2 = dict(default=ev.stats(DEFAULT, 2), calibrated=ev.stats(best, 2))
        res = dict(trained=a.trained, shape=shape, rate=rate, block=list(block), pe=list(a.pe),
                   evaluations=len(ev.cache),
                   kernels=dict(trained=target, default=default_stats, calibrated=best_stats),
                   distance=dict(default=stats_distance(target, default_stats),
                                 calibrated=best_d),
                   seed2=seed2, default_knobs=DEFAULT, calibrated_knobs=best)
        trained_model = (csbrnn.load_csb(a.trained) if a.trained.endswith(".csb")
                         else keep_model(sd, block, a.cli))
        res["sharing"] = {
            "trained": occupancy(trained_model, shape["input_size"], a.hw),
            "default": occupancy(ev.standin(DEFAULT), shape["input_size"], a.hw),
            "calibrated": occupancy(ev.standin(best), shape["input_size"], a.hw)}
    fd, tmpf = tempfile.mkstemp(dir=a.out)
    with os.fdopen(fd, "w") as f:
        f.write(json.dumps(res, indent=2) + "\n")
    os.replace(tmpf, os.path.join(a.out, "calibration.json"))

    print(f"kernel statistics ({res['kernels']['trained']['blocks']} blocks of {a.block}, tiles of"
          f" {a.pe[0]}x{a.pe[1]} PEs, {rate:.2f}x; {res['evaluations']} generator evaluations)")
    print("| weights | tiles per block | CV | blocks <= 2 tiles | distance | seed 2: CV, <= 2 |")
    print("|---|---|---|---|---|---|")
    for name in ("trained", "default", "calibrated"):
        s = res["kernels"][name]
        d = "—" if name == "trained" else f"{res['distance'][name]:.3f}"
        s2 = "—" if name == "trained" else \
            f"{seed2[name]['tiles_cv']:.2f}, {100 * seed2[name]['share_le2_tiles']:.1f} %"
        print(f"| {name} | {s['tiles_mean']:.2f} | {s['tiles_cv']:.2f} | "
              f"{100 * s['share_le2_tiles']:.1f} % | {d} | {s2} |")
    print("\n| sharing | trained occ / util | default stand-in | calibrated stand-in |")
    print("|---|---|---|---|")
    for mode in MODES:
        cells = [res["sharing"][n][mode] for n in ("trained", "default", "calibrated")]
        print(f"| {mode} | " + " | ".join(f"{100 * c['group_occupancy']:.1f} % / "
                                         f"{100 * c['pe_utilization']:.1f} %" for c in cells) + " |")
    print("\ncalibrated generator:\n" + "\n".join(f"  {k}: {best[k]:.6g}" for k in sorted(best)))


if __name__ == "__main__":
    main()
