"""CI smoke run of the speech task (python/csbrnn/tasks/speech.py, docs/python.md §Tasks), well
under a minute: a tiny espeak-ng data set (2 accents, 3 training voices, 1 held-out voice) built
into a temporary cache, a GRU-32 trained on it, ADMM CSB pruning + masked retraining. Asserts:
the feature layout (39 = 13 MFCC + deltas + delta-deltas, the deltas recomputed here from the
MFCC by the regression formula), utterances reproducible from their seed, the atomic cache (one
file, reused), accuracy well above chance (10 %) on the held-out voice, exact CSB structure and
pruned weights still zero after retraining, and the bound projection == `csbrnn prune
--export-dense` on the trained weights."""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

import csbrnn
from csbrnn.tasks import common
from csbrnn.tasks import speech as sp

torch.set_num_threads(1)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def deltas(c):
    """The N = 2 regression deltas over time of c (T, F), edges repeated (an independent route
    to torchaudio.functional.compute_deltas' definition)."""
    p = np.pad(c, ((2, 2), (0, 0)), mode="edge")
    T = len(c)
    return (1 * (p[3:3 + T] - p[1:1 + T]) + 2 * (p[4:4 + T] - p[0:T])) / 10.0


rc = sp.recipe(accents=["en-us", "en-gb"], train_variants=["m1", "m3", "f2"],
               test_variants=["f5"], train_reps=4, test_reps=3)
t_start = time.time()
with tempfile.TemporaryDirectory() as d:
    # feature layout and reproducibility of one utterance
    raw, _ = sp.utterance(rc, "test", "en-gb", "f5", "seven", 0)
    raw2, _ = sp.utterance(rc, "test", "en-gb", "f5", "seven", 0)
    check(raw.shape == (81, 39), f"features shape {raw.shape}")
    check(np.array_equal(raw, raw2), "utterance not reproducible from its seed")
    check(np.allclose(raw[:, 13:26], deltas(raw[:, :13]), atol=1e-3), "deltas layout")
    check(np.allclose(raw[:, 26:], deltas(raw[:, 13:26]), atol=1e-3), "delta-deltas layout")

    path = sp.build(rc, cache_dir=d)
    check(sp.build(rc, cache_dir=d) == path and os.listdir(d) == [os.path.basename(path)],
          f"cache: {os.listdir(d)}")
    xtr, ytr = sp.load("train", rc=rc, cache_dir=d)
    xte, yte = sp.load("test", rc=rc, cache_dir=d)
    check(xtr.shape == (240, 81, 39) and xte.shape == (60, 81, 39), f"{xtr.shape} {xte.shape}")
    check(np.abs(xtr).max() <= sp.CLIP, "standardised features clipped")
    print(f"data set built in {time.time() - t_start:.1f} s")

    torch.manual_seed(0)
    m = common.SeqClassifier("gru", 32, inputs=sp.FEATURES, classes=10)
    common.train_epochs(m, xtr, ytr, 12, lr=1e-2, batch=32, seed=0)
    acc_dense = common.accuracy(m, xte, yte)
    dense = os.path.join(d, "dense.npz")
    np.savez(dense, **{k: v.numpy() for k, v in m.rnn.state_dict().items()})
    pr = csbrnn.ADMMPruner(m, method="csb", rate=4.0, block=(8, 8), rho=1e-2)
    common.train_epochs(m, xtr, ytr, 3, lr=1e-2, batch=32, seed=1, pruner=pr, admm_every=2)
    pr.prune()
    masks = {n: mk.clone() for n, mk in pr.masks.items()}
    common.train_epochs(m, xtr, ytr, 5, lr=3e-3, batch=32, seed=2)
    acc_csb = common.accuracy(m, xte, yte)
    print(f"dense {100 * acc_dense:.1f}%, CSB 4x {100 * acc_csb:.1f}% on the held-out voice "
          f"({len(xte)} utterances)")
    check(acc_dense > 0.35, f"dense accuracy {acc_dense}")
    check(acc_csb > 0.35, f"CSB accuracy {acc_csb}")
    sd = m.rnn.state_dict()
    check(all(bool((sd[n.split(".", 1)[1]][~mk] == 0).all()) for n, mk in masks.items()),
          "pruned weights zero after retraining")
    for k, v in sd.items():
        if k.startswith("weight_"):
            try:
                csbrnn.project(v.numpy(), method="keep", rate=None, block=(8, 8), what=k)
            except csbrnn.Error as e:
                check(False, f"CSB structure after retraining: {e}")
            kept = int((v != 0).sum())
            check(abs(v.numel() / kept - 4.0) < 0.4, f"{k}: rate {v.numel() / kept}")
    # bound projection == CLI on the trained dense weights
    exp = os.path.join(d, "cli.npz")
    p = subprocess.run([os.environ["CSBRNN_CLI"], "prune", dense, "--rate", "4", "--block", "8x8",
                        "--export-dense", exp, "-q"])
    check(p.returncode == 0, "cli prune")
    with np.load(exp) as z, np.load(dense) as w:
        for k in z.files:
            if k.startswith("weight_"):
                check(np.array_equal(csbrnn.project(w[k], "csb", 4.0, (8, 8)), z[k]),
                      f"{k}: bound projection != CLI")
print(f"{time.time() - t_start:.1f} s")
if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("ok")
