#!/usr/bin/env python3
"""The accuracy table (the papers' Table 1/2 with accuracy measured): for each task x model,
dense accuracy, and for CSB (one-shot and ADMM) and the baselines (unstructured, row-column,
row-balanced, bank-balanced), all retrained the same way, the test accuracy at a ladder of
rates; the "lossless rate" of each scheme (the highest rate within 1 point of dense) and CSB's
lossless rate over each other scheme's. docs/python.md §Accuracy table.

    PYTHONPATH=build/python /usr/bin/python3 scripts/accuracy_table.py --out out/acc [--smoke]

Resumable: every task x model x scheme x rate result is one JSON file in OUT/cells/, written
atomically (a temporary file renamed into place) and keyed by the recipe, so an interrupted run
continues where it stopped and a changed recipe recomputes. Pruned cells start from the cached
dense model (OUT/dense-*.pt). --smoke: a tiny model on a data subset, one short epoch per phase,
two rates, to check the script end to end in about a minute (its figures mean nothing).
Prints the table and writes OUT/table.md; every figure in it is computed by this script.
--table-only prints the table of the cells cached so far (a partial run) without computing.
"""
import argparse
import hashlib
import json
import os
import sys
import tempfile
import time

import numpy as np
import torch

import csbrnn
from csbrnn.tasks import fashion_mnist as fm

MODELS = {
    "lstm64": dict(cell="lstm", hidden=64, layers=1, proj=0),
    "gru64": dict(cell="gru", hidden=64, layers=1, proj=0),
    "lstmp96": dict(cell="lstm", hidden=96, layers=1, proj=48),
}
SCHEMES = ["csb-admm", "csb-oneshot", "unstructured", "row-column", "row-balanced",
           "bank-balanced"]
RECIPE = dict(train_n=10000, test_n=2000, dense_epochs=6, admm_epochs=4, retrain_epochs=3,
              admm_every=20, rho=1e-2, lr=3e-3, block=16, banks=4, seed=0)
SMOKE = dict(train_n=1500, test_n=500, dense_epochs=1, admm_epochs=1, retrain_epochs=1,
             admm_every=4, rho=1e-2, lr=1e-2, block=8, banks=4, seed=0)


def atomic_write(path, write):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)))
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def key_of(obj):
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


def dense_cell(out, model_name, rc, data, log, cached_only=False):
    spec = MODELS[model_name]
    ident = dict(task="fmnist", model=model_name, spec=spec, recipe=rc)
    path = os.path.join(out, f"dense-fmnist-{model_name}-{key_of(ident)}.pt")
    cell = os.path.join(out, "cells", f"fmnist-{model_name}-dense.json")
    if os.path.exists(path) and os.path.exists(cell):
        with open(cell) as f:
            r = json.load(f)
        if r.get("key") == key_of(ident):
            return r, path
    if cached_only:
        return None, None
    torch.manual_seed(rc["seed"])
    m = fm.SeqClassifier(**spec)
    xtr, ytr, xte, yte = data
    t = fm.train_epochs(m, xtr, ytr, rc["dense_epochs"], lr=rc["lr"], seed=rc["seed"], log=log)
    r = dict(key=key_of(ident), task="fmnist", model=model_name, scheme="dense", rate=1.0,
             acc=fm.accuracy(m, xte, yte), epoch_seconds=t)
    atomic_write(path, lambda p: torch.save(m.state_dict(), p))
    atomic_write(cell, lambda p: open(p, "w").write(json.dumps(r, indent=1)))
    return r, path


def pruned_cell(out, model_name, scheme, rate, rc, data, dense_path, log, cached_only=False):
    spec = MODELS[model_name]
    ident = dict(task="fmnist", model=model_name, spec=spec, recipe=rc, scheme=scheme, rate=rate)
    cell = os.path.join(out, "cells", f"fmnist-{model_name}-{scheme}-{rate:g}.json")
    if os.path.exists(cell):
        with open(cell) as f:
            r = json.load(f)
        if r.get("key") == key_of(ident):
            return r
    if cached_only:
        return None
    torch.manual_seed(rc["seed"] + 1)
    m = fm.SeqClassifier(**spec)
    m.load_state_dict(torch.load(dense_path))
    xtr, ytr, xte, yte = data
    method = "csb" if scheme.startswith("csb") else scheme
    pr = csbrnn.ADMMPruner(m, method=method, rate=rate, block=(rc["block"], rc["block"]),
                           rho=rc["rho"], banks=rc["banks"])
    t0 = time.time()
    if scheme != "csb-oneshot":
        fm.train_epochs(m, xtr, ytr, rc["admm_epochs"], lr=rc["lr"], seed=rc["seed"] + 1,
                        pruner=pr, admm_every=rc["admm_every"], log=log)
    pr.prune()
    acc_hard = fm.accuracy(m, xte, yte)
    fm.train_epochs(m, xtr, ytr, rc["retrain_epochs"], lr=rc["lr"] / 3, seed=rc["seed"] + 2,
                    log=log)
    sp = pr.sparsity()
    kept = sum(k for k, _ in sp.values())
    total = sum(n for _, n in sp.values())
    r = dict(key=key_of(ident), task="fmnist", model=model_name, scheme=scheme, rate=rate,
             achieved_rate=total / kept, acc_hard=acc_hard, acc=fm.accuracy(m, xte, yte),
             seconds=time.time() - t0)
    atomic_write(cell, lambda p: open(p, "w").write(json.dumps(r, indent=1)))
    return r


def table(results, rates, schemes, models):
    lines = []
    head = "| model | dense | scheme | " + " | ".join(f"{r:g}x" for r in rates) + \
        " | lossless rate | CSB-ADMM / scheme |"
    lines += [head, "|" + "---|" * (5 + len(rates))]
    for mn in models:
        d = results.get((mn, "dense", 1.0))
        if d is None:
            continue
        lossless = {}
        for s in schemes:
            # the achieved rate (a balanced scheme cannot hit every rate on a 28-wide matrix)
            ok = [results[(mn, s, r)]["achieved_rate"] for r in rates if (mn, s, r) in results
                  and results[(mn, s, r)]["acc"] >= d["acc"] - 0.01]
            lossless[s] = max(ok) if ok else None
        for s in schemes:
            cells = []
            for r in rates:
                c = results.get((mn, s, r))
                if c is None:
                    cells.append("—")
                    continue
                ach = c["achieved_rate"]  # shown when the structure missed the target by > 2 %
                cells.append(f"{100 * c['acc']:.2f}" + ("" if abs(ach / r - 1) <= 0.02
                                                       else f" (at {ach:.2f}x)"))
            ll = lossless[s]
            ratio = "—"
            if lossless.get("csb-admm") and ll:
                ratio = f"{lossless['csb-admm'] / ll:.2f}"
            lines.append(f"| {mn} | {100 * d['acc']:.2f} | {s} | " + " | ".join(cells)
                         + f" | {'—' if ll is None else f'{ll:.2f}x'} | {ratio} |")
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--models", default="lstm64", help=f"comma list of {','.join(MODELS)}")
    ap.add_argument("--schemes", default=",".join(SCHEMES))
    ap.add_argument("--rates", default=None, help="ladder, default 4,8,16 (smoke: 4,8)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--table-only", action="store_true",
                    help="print the table from the cached cells only (missing ones show as -)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no per-epoch lines")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    rc = dict(SMOKE if a.smoke else RECIPE)
    if a.smoke:
        MODELS["lstm64"] = dict(cell="lstm", hidden=32, layers=1, proj=0)
    rates = [float(r) for r in (a.rates or ("4,8" if a.smoke else "4,8,16")).split(",")]
    schemes = a.schemes.split(",")
    models = a.models.split(",")
    for s in schemes:
        if s not in SCHEMES:
            sys.exit(f"--schemes: unknown scheme '{s}' (valid: {', '.join(SCHEMES)})")
    for mn in models:
        if mn not in MODELS:
            sys.exit(f"--models: unknown model '{mn}' (valid: {', '.join(MODELS)})")
    os.makedirs(os.path.join(a.out, "cells"), exist_ok=True)
    xtr, ytr = fm.load("train", rc["train_n"])
    xte, yte = fm.load("test", rc["test_n"])
    data = (xtr, ytr, xte, yte)
    log = None if a.quiet else print
    results = {}
    for mn in models:
        d, dpath = dense_cell(a.out, mn, rc, data, log, a.table_only)
        if d is None:
            continue
        results[(mn, "dense", 1.0)] = d
        print(f"fmnist {mn} dense: {100 * d['acc']:.2f}%", flush=True)
        for s in schemes:
            for r in rates:
                c = pruned_cell(a.out, mn, s, r, rc, data, dpath, log, a.table_only)
                if c is None:
                    continue
                results[(mn, s, r)] = c
                print(f"fmnist {mn} {s} {r:g}x: {100 * c['acc']:.2f}% (achieved "
                      f"{c['achieved_rate']:.2f}x, {c['seconds']:.0f} s)", flush=True)
    t = table(results, rates, schemes, models)
    hdr = (f"Sequential Fashion-MNIST, recipe {json.dumps(rc, sort_keys=True)}"
           + (" (SMOKE: figures mean nothing)" if a.smoke else "")
           + f"; test accuracy % on the first {rc['test_n']} test images; lossless rate = the"
           " highest achieved rate of the measured ladder within 1 point of dense; — = not measured\n\n")
    atomic_write(os.path.join(a.out, "table.md"), lambda p: open(p, "w").write(hdr + t))
    print(hdr + t)


if __name__ == "__main__":
    main()
