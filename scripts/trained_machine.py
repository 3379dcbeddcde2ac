#!/usr/bin/env python3
"""The committed trained models (models/trained/, listed in models/trained/models.json; docs/python.md
"Trained models in the repo") through the machine: for each, the ADMM CSB model as a .csb
(`csbrnn prune --method keep` at its block: every trained weight unchanged), the bit-exact machine (256-PE design, fixed
point) on --sim-n test sequences with the model's own linear head on its last output, next to
the float PyTorch model on the same sequences; then group occupancy and PE utilization per
sharing mode on the trained weights next to `csbrnn genmodel`'s stand-ins of the same shape
pruned once at the same rate and block (python/csbrnn/standin.py), and the kernel statistics of
both (python/csbrnn/kernels.py).

    PYTHONPATH=build/python /usr/bin/python3 scripts/trained_machine.py --out out/trained-machine

Prints a Markdown table; OUT/results.json (written atomically) holds every figure, all computed
by this run. --models picks a subset (names of models.json, e.g. fmnist-lstm64).
"""
import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch

import csbrnn
from csbrnn.kernels import kernel_stats
from csbrnn.standin import MODES, achieved_rate, keep_model, occupancy, shape_of, standin_model
from csbrnn.tasks import common
from csbrnn.tasks import fashion_mnist as fm
from csbrnn.tasks import speech as sp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAINED = os.path.join(ROOT, "models", "trained")


def load_npz(path):
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def float_model(task, sd, head):
    shape = shape_of(sd)
    classes = head["weight"].shape[0]
    m = common.SeqClassifier(cell=shape["cell"], hidden=shape["hidden_size"],
                             layers=shape["layers"], proj=shape["proj_size"],
                             inputs=shape["input_size"], classes=classes)
    m.rnn.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})
    m.fc.load_state_dict({k: torch.from_numpy(v) for k, v in head.items()})
    return m.eval()


def test_set(task, n, cache_dir):
    if task == "fmnist":
        x, y = fm.load("test", n)
        return x, y
    x, y = sp.load("test", None, cache_dir=cache_dir)
    idx = sp.subset(len(x), min(n, len(x)))   # every voice and word represented
    return x[idx], y[idx]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--models", default=None, help="comma list of names of "
                    "models/trained/models.json (default: all)")
    ap.add_argument("--sim-n", type=int, default=200, help="test sequences through the machine")
    ap.add_argument("--hw", default=None)
    ap.add_argument("--cache-dir", default=None, help="speech data set cache")
    ap.add_argument("--cli", default=os.environ.get("CSBRNN_CLI",
                                                    os.path.join(ROOT, "build", "csbrnn")))
    a = ap.parse_args()
    torch.set_num_threads(1)
    idx_path = os.path.join(TRAINED, "models.json")
    try:
        with open(idx_path) as fh:
            index = json.load(fh)
    except (OSError, ValueError) as e:
        sys.exit(f"{idx_path}: cannot read the trained-model index ({e})")
    names = a.models.split(",") if a.models else list(index)
    os.makedirs(a.out, exist_ok=True)
    res = {}
    for name in names:
        if name not in index:
            sys.exit(f"--models: {name} is not in {os.path.join(TRAINED, 'models.json')}")
        e = index[name]
        task = e["task"]
        block = tuple(e["block"])
        f = os.path.join(TRAINED, e["csb"])
        sd, head = load_npz(f), load_npz(os.path.join(TRAINED, e["csb_head"]))
        shape = shape_of(sd, f)
        cm = keep_model(sd, block, a.cli)
        lossless = all(np.array_equal(cm.state_dict()[k], v) for k, v in sd.items())
        x, y = test_set(task, a.sim_n, a.cache_dir)
        t0 = time.time()
        ys, _ = csbrnn.simulate(cm, x, hw=a.hw)
        model = float_model(task, sd, head)
        with torch.no_grad():
            pm = model.head(ys).argmax(1).numpy()
            pf = model(torch.from_numpy(np.asarray(x, np.float32))).argmax(1).numpy()
        rate = achieved_rate(sd)
        st = standin_model(shape, rate, block, a.cli)
        r = dict(shape=shape, rate=rate, csb_lossless=lossless, sim_n=len(x),
                 acc_machine=float((pm == y).mean()), acc_float=float((pf == y).mean()),
                 agree=float((pm == pf).mean()), sim_seconds=time.time() - t0,
                 kernels_trained=kernel_stats(sd, block), kernels_standin=kernel_stats(
                     st.state_dict(), block),
                 sharing_trained=occupancy(cm, shape["input_size"], a.hw),
                 sharing_standin=occupancy(st, shape["input_size"], a.hw))
        res[name] = r
        print(f"{name}: machine {100 * r['acc_machine']:.2f}% float {100 * r['acc_float']:.2f}% "
              f"(same class {100 * r['agree']:.1f}%, {r['sim_n']} sequences)", flush=True)
    fd, tmp = tempfile.mkstemp(dir=a.out)
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(res, indent=2) + "\n")
    os.replace(tmp, os.path.join(a.out, "results.json"))

    print("\n| model | rate | machine acc | float acc | same class | "
          + " | ".join(f"{m}: trained / stand-in occ (util)" for m in MODES) + " |")
    print("|---|---|---|---|---|" + "---|" * len(MODES))
    for name, r in res.items():
        cells = []
        for m in MODES:
            t, s = r["sharing_trained"][m], r["sharing_standin"][m]
            cells.append(f"{100 * t['group_occupancy']:.1f} / {100 * s['group_occupancy']:.1f} "
                         f"({100 * t['pe_utilization']:.1f} / {100 * s['pe_utilization']:.1f})")
        print(f"| {name} | {r['rate']:.2f}x | {100 * r['acc_machine']:.2f} % | "
              f"{100 * r['acc_float']:.2f} % | {100 * r['agree']:.1f} % | " + " | ".join(cells)
              + " |")
    print("\n| model | trained: tiles/block, CV, <= 2 tiles, block-row CV | stand-in: same |")
    print("|---|---|---|")
    for name, r in res.items():
        k = [r["kernels_trained"], r["kernels_standin"]]
        print(f"| {name} | " + " | ".join(
            f"{s['tiles_mean']:.2f}, {s['tiles_cv']:.2f}, {100 * s['share_le2_tiles']:.1f} %, "
            f"{s['row_cv']:.2f}" for s in k) + " |")


if __name__ == "__main__":
    main()
