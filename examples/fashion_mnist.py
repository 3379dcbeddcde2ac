#!/usr/bin/env python3
"""Sequential Fashion-MNIST, the whole flow on a trained model (docs/python.md §Tasks):

  1. dense training of a small LSTM (28 steps x 28 inputs, a linear head on the last output)
  2. ADMM CSB pruning (csbrnn.ADMMPruner) then masked retraining
  3. export (pruner.save_npz) -> `csbrnn prune --method keep` -> .csb (lossless, checked)
  4. compile + cycle-by-cycle simulation of the bit-exact machine on --sim-n test sequences:
     the machine's accuracy next to the float model's on the same sequences

    PYTHONPATH=build/python /usr/bin/python3 examples/fashion_mnist.py --out out/fmnist

Every figure printed is computed by this run; results.json (written atomically) holds them.
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
from csbrnn.tasks import fashion_mnist as fm

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_atomic(path, text):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def all_csb(sd, bh, bw):
    """Every weight matrix's zeros form bh x bw CSB blocks (csbrnn's keep accepts it)."""
    try:
        for k, v in sd.items():
            if k.startswith("weight_"):
                csbrnn.project(v.numpy(), method="keep", rate=None, block=(bh, bw), what=k)
        return True
    except csbrnn.Error:
        return False


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--cell", default="lstm", choices=["lstm", "gru"])
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--proj", type=int, default=0, help="LSTM proj_size (0: none)")
    ap.add_argument("--train-n", type=int, default=10000, help="first N training images")
    ap.add_argument("--test-n", type=int, default=2000, help="first N test images (float accuracy)")
    ap.add_argument("--dense-epochs", type=int, default=6)
    ap.add_argument("--admm-epochs", type=int, default=4)
    ap.add_argument("--retrain-epochs", type=int, default=3)
    ap.add_argument("--admm-every", type=int, default=20, help="pruner.update() every N batches")
    ap.add_argument("--rho", type=float, default=1e-2)
    ap.add_argument("--rate", type=float, default=8.0)
    ap.add_argument("--block", default="16x16")
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--sim-n", type=int, default=200, help="test sequences through the machine")
    ap.add_argument("--hw", default=None, help="hardware config YAML (default: built-in 256-PE)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cli", default=os.environ.get("CSBRNN_CLI", os.path.join(ROOT, "build", "csbrnn")))
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    bh, bw = (int(v) for v in a.block.lower().split("x"))
    log = print
    res = dict(args=vars(a))

    xtr, ytr = fm.load("train", a.train_n)
    xte, yte = fm.load("test", a.test_n)
    model = fm.SeqClassifier(a.cell, a.hidden, a.layers, a.proj)
    log(f"dense training: {a.cell.upper()}-{a.hidden} x{a.layers}"
        + (f" proj {a.proj}" if a.proj else "") + f", {len(xtr)} images, {a.dense_epochs} epochs")
    t = fm.train_epochs(model, xtr, ytr, a.dense_epochs, lr=a.lr, seed=a.seed, log=log)
    res["epoch_seconds_dense"] = t
    res["acc_dense"] = fm.accuracy(model, xte, yte)
    log(f"dense test accuracy {100 * res['acc_dense']:.2f}% ({len(xte)} images)")
    np.savez(os.path.join(a.out, "dense.npz"),
             **{k: v.numpy() for k, v in model.rnn.state_dict().items()})

    pruner = csbrnn.ADMMPruner(model, method="csb", rate=a.rate, block=(bh, bw), rho=a.rho)
    log(f"ADMM (csb, rate {a.rate}, block {bh}x{bw}): {a.admm_epochs} epochs")
    t = fm.train_epochs(model, xtr, ytr, a.admm_epochs, lr=a.lr, seed=a.seed + 1, pruner=pruner,
                        admm_every=a.admm_every, log=log)
    res["epoch_seconds_admm"] = t
    pruner.prune()
    masks = {n: m.clone() for n, m in pruner.masks.items()}
    res["csb_after_prune"] = all_csb(model.rnn.state_dict(), bh, bw)
    res["acc_hard_pruned"] = fm.accuracy(model, xte, yte)
    log(f"after hard projection {100 * res['acc_hard_pruned']:.2f}%; masked retraining "
        f"{a.retrain_epochs} epochs")
    t = fm.train_epochs(model, xtr, ytr, a.retrain_epochs, lr=a.lr / 3, seed=a.seed + 2, log=log)
    res["epoch_seconds_retrain"] = t
    res["acc_csb"] = fm.accuracy(model, xte, yte)
    res["sparsity"] = pruner.sparsity()
    sd = model.rnn.state_dict()
    res["zeros_stay_zero"] = all(bool((sd[n.split(".", 1)[1]][~m] == 0).all())
                                 for n, m in masks.items())
    res["csb_after_retrain"] = all_csb(sd, bh, bw)
    log(f"CSB structure exact after prune {res['csb_after_prune']}, after retraining "
        f"{res['csb_after_retrain']}; pruned weights still zero {res['zeros_stay_zero']}")
    log(f"CSB test accuracy {100 * res['acc_csb']:.2f}% (dense {100 * res['acc_dense']:.2f}%)")
    npz = os.path.join(a.out, "csb.npz")
    pruner.save_npz(npz)
    torch.save(model.fc.state_dict(), os.path.join(a.out, "head.pt"))

    # export -> csbrnn prune --method keep -> .csb, lossless
    csb = os.path.join(a.out, "csb.csb")
    r = subprocess.run([a.cli, "prune", npz, "--method", "keep", "--block", f"{bh}x{bw}", "-o",
                        csb, "--report", os.path.join(a.out, "prune.json"), "-q"],
                       capture_output=True, text=True)
    if r.returncode:
        sys.exit(f"csbrnn prune --method keep failed: {r.stderr.strip()}")
    cm = csbrnn.load_csb(csb)
    sd = cm.state_dict()
    with np.load(npz) as z:
        res["csb_lossless"] = all(np.array_equal(sd[k], z[k]) for k in z.files)
    log(f".csb conversion lossless: {res['csb_lossless']}")

    # the machine on sim_n test sequences
    n = min(a.sim_n, len(xte))
    t0 = time.time()
    ys, stats = csbrnn.simulate(cm, xte[:n], hw=a.hw)
    res["sim_seconds"] = time.time() - t0
    with torch.no_grad():
        pred_m = model.head(ys).argmax(1).numpy()
        pred_f = model(torch.from_numpy(xte[:n])).argmax(1).numpy()
    res["sim_n"] = n
    res["acc_machine"] = float((pred_m == yte[:n]).mean())
    res["acc_float_same"] = float((pred_f == yte[:n]).mean())
    res["agree_machine_float"] = float((pred_m == pred_f).mean())
    res["cycles_per_sequence"] = stats[0]["cycles"]["total"]
    log(f"machine (bit-exact, {n} test sequences): {100 * res['acc_machine']:.2f}%, float model "
        f"{100 * res['acc_float_same']:.2f}%, same class {100 * res['agree_machine_float']:.1f}%; "
        f"{res['cycles_per_sequence']} cycles per sequence; simulation {res['sim_seconds']:.1f} s")
    write_atomic(os.path.join(a.out, "results.json"), json.dumps(res, indent=2) + "\n")
    return res


if __name__ == "__main__":
    main()
