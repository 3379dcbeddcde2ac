#!/usr/bin/env python3
"""A larger trained model through the machine (docs/python.md §Trained models through the
machine): an SR4-like GRU (39 -> 256, here two layers) on the espeak-ng spoken-digit task,

  1. dense training (seeded; the data set, splits and recipe of python/csbrnn/tasks/speech.py)
  2. ADMM CSB pruning at the paper's SR4 rate (23x, 32x32 blocks) + masked retraining
  3. export -> `csbrnn prune --method keep` -> .csb (lossless, checked)
  4. the bit-exact machine (256-PE design) on --sim-n test utterances: its accuracy next to the
     float model's on the same utterances
  5. group occupancy and PE utilization per sharing mode (none, horizontal, vertical, 2d) on the
     trained weights, next to the stand-in weights `csbrnn genmodel` makes for the same shape
     (models/sr4.yaml's generator with --layers), pruned once by the same projection

    PYTHONPATH=build/python /usr/bin/python3 examples/speech_machine.py --out out/speech256

Every figure printed is computed by this run; results.json (written atomically) holds them. The
dense weights are not committed (2.5 MB as float32): this script regenerates them
deterministically (fixed seeds, 1 thread); the CSB model (.csb) and the head are small.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

import csbrnn
from csbrnn.kernels import kernel_stats
from csbrnn.tasks import common
from csbrnn.tasks import speech as sp

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODES = ["none", "horizontal", "vertical", "2d"]


def write_atomic(path, text):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)))
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def run(args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"{' '.join(args[:2])} failed: {r.stderr.strip()}")
    return r


def machine_figures(cm, x, hw):
    """{mode: (group occupancy, PE utilization, cycles per step)} of the model on input x."""
    out = {}
    for mode in MODES:
        _, st = csbrnn.simulate(cm, x, hw=hw, sets={"sharing.mode": mode})
        out[mode] = dict(group_occupancy=st["group_occupancy"], pe_utilization=st["pe_utilization"],
                         cycles_per_step=st["cycles"]["per_step_mean"])
    return out


def standin(a, d):
    """Stand-in weights of the same shape (`csbrnn genmodel`, models/sr4.yaml's generator),
    CSB-pruned once at the same rate and block: a CsbModel."""
    import re
    with open(os.path.join(ROOT, "models", "sr4.yaml")) as f:
        spec = f.read()
    spec = re.sub(r"(?m)^layers: .*$", f"layers: {a.layers}", spec)
    spec = re.sub(r"(?m)^hidden_size: .*$", f"hidden_size: {a.hidden}", spec)
    spec = re.sub(r"(?m)^name: .*$", "name: SR4-standin", spec)
    ys = os.path.join(d, "standin.yaml")
    with open(ys, "w") as f:
        f.write(spec)
    w = os.path.join(d, "standin.npz")
    run([a.cli, "genmodel", ys, "--seed", "1", "-o", w, "--no-info"])
    m = os.path.join(d, "standin.csb")
    run([a.cli, "prune", w, "--method", "csb", "--rate", f"{a.rate:g}", "--block", a.block, "-o", m,
         "-q"])
    return csbrnn.load_csb(m)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--train-n", type=int, default=3200, help="seeded subset of the 3200 "
                    "training utterances")
    ap.add_argument("--dense-epochs", type=int, default=6)
    ap.add_argument("--admm-epochs", type=int, default=4)
    ap.add_argument("--retrain-epochs", type=int, default=3)
    ap.add_argument("--admm-every", type=int, default=10)
    ap.add_argument("--rho", type=float, default=1e-2)
    ap.add_argument("--rate", type=float, default=23.0, help="SR4's CSB rate (ICS'20 Table 2)")
    ap.add_argument("--block", default="32x32")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--sim-n", type=int, default=200, help="test utterances through the machine")
    ap.add_argument("--hw", default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cache-dir", default=None)
    ap.add_argument("--cli", default=os.environ.get("CSBRNN_CLI", os.path.join(ROOT, "build", "csbrnn")))
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    bh, bw = (int(v) for v in a.block.lower().split("x"))
    res = dict(args=vars(a))
    xtr, ytr = sp.load("train", a.train_n, cache_dir=a.cache_dir, log=print)
    xte, yte = sp.load("test", cache_dir=a.cache_dir)
    model = common.SeqClassifier("gru", a.hidden, a.layers, inputs=sp.FEATURES, classes=10)
    dense_pt = os.path.join(a.out, "dense.pt")
    c0 = time.process_time()
    if os.path.exists(dense_pt):       # resumable: the dense phase is the longest
        model.load_state_dict(torch.load(dense_pt))
        print(f"dense model from {dense_pt}")
    else:
        print(f"dense: GRU-{a.hidden} x{a.layers}, {len(xtr)} utterances, {a.dense_epochs} epochs")
        common.train_epochs(model, xtr, ytr, a.dense_epochs, lr=a.lr, batch=a.batch,
                            seed=a.seed, log=print)
        torch.save(model.state_dict(), dense_pt + ".tmp")
        os.replace(dense_pt + ".tmp", dense_pt)
    res["acc_dense"] = common.accuracy(model, xte, yte)
    print(f"dense test accuracy {100 * res['acc_dense']:.2f}% ({len(xte)} held-out-voice utterances)")

    pr = csbrnn.ADMMPruner(model, method="csb", rate=a.rate, block=(bh, bw), rho=a.rho)
    common.train_epochs(model, xtr, ytr, a.admm_epochs, lr=a.lr, batch=a.batch, seed=a.seed + 1,
                        pruner=pr, admm_every=a.admm_every, log=print)
    pr.prune()
    res["acc_hard_pruned"] = common.accuracy(model, xte, yte)
    common.train_epochs(model, xtr, ytr, a.retrain_epochs, lr=a.lr / 3, batch=a.batch,
                        seed=a.seed + 2, log=print)
    res["acc_csb"] = common.accuracy(model, xte, yte)
    res["train_cpu_seconds"] = time.process_time() - c0
    sps = pr.sparsity()
    res["achieved_rate"] = sum(n for _, n in sps.values()) / sum(k for k, _ in sps.values())
    print(f"CSB {res['achieved_rate']:.2f}x: after the hard projection "
          f"{100 * res['acc_hard_pruned']:.2f}%, after retraining {100 * res['acc_csb']:.2f}%")
    npz = os.path.join(a.out, "csb.npz")
    pr.save_npz(npz)
    csb = os.path.join(a.out, "gru256x2-csb.csb")
    run([a.cli, "prune", npz, "--method", "keep", "--block", a.block, "-o", csb, "-q"])
    np.savez(os.path.join(a.out, "head.npz"),
             **{k: v.numpy() for k, v in model.fc.state_dict().items()})
    cm = csbrnn.load_csb(csb)
    sd = cm.state_dict()
    with np.load(npz) as z:
        res["csb_lossless"] = all(np.array_equal(sd[k], z[k]) for k in z.files)

    n = min(a.sim_n, len(xte))
    idx = sp.subset(len(xte), n)            # every voice and word represented
    t0 = time.time()
    ys, stats = csbrnn.simulate(cm, xte[idx], hw=a.hw)
    res["sim_seconds"] = time.time() - t0
    with torch.no_grad():
        pm = model.head(ys).argmax(1).numpy()
        pf = model(torch.from_numpy(xte[idx])).argmax(1).numpy()
    res.update(sim_n=n, acc_machine=float((pm == yte[idx]).mean()),
               acc_float_same=float((pf == yte[idx]).mean()),
               agree_machine_float=float((pm == pf).mean()),
               cycles_per_sequence=stats[0]["cycles"]["total"])
    print(f"machine (bit-exact, {n} test utterances): {100 * res['acc_machine']:.2f}%, float "
          f"{100 * res['acc_float_same']:.2f}%, same class {100 * res['agree_machine_float']:.1f}%,"
          f" {res['cycles_per_sequence']} cycles per utterance")

    with tempfile.TemporaryDirectory() as d:
        st = standin(a, d)
    st.save(os.path.join(a.out, "standin-csb.csb"))
    res["kernels_trained"] = kernel_stats(cm.state_dict(), (bh, bw))
    res["kernels_standin"] = kernel_stats(st.state_dict(), (bh, bw))
    print(f"kernels (tiles of 4x4 per {bh}x{bw} block): trained {res['kernels_trained']}, "
          f"stand-in {res['kernels_standin']}")
    x1 = xte[0, :8]                            # 8 timesteps: the figures are per-step averages
    res["sharing_trained"] = machine_figures(cm, x1, a.hw)
    res["sharing_standin"] = machine_figures(st, x1, a.hw)
    print("| sharing | trained occ / util | stand-in occ / util |\n|---|---|---|")
    for mode in MODES:
        t, s = res["sharing_trained"][mode], res["sharing_standin"][mode]
        print(f"| {mode} | {100 * t['group_occupancy']:.1f}% / {100 * t['pe_utilization']:.1f}% | "
              f"{100 * s['group_occupancy']:.1f}% / {100 * s['pe_utilization']:.1f}% |")
    write_atomic(os.path.join(a.out, "results.json"), json.dumps(res, indent=2) + "\n")
    return res


if __name__ == "__main__":
    main()
