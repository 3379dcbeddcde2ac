#!/usr/bin/env python3
"""The accuracy table (the papers' Table 1/2 with accuracy measured): for each task x model,
dense accuracy, and for CSB (one-shot and ADMM), tile-aligned CSB (csb-tile-admm,
csb-tile-oneshot: the csb-tile projection, 4x4 tile) and the baselines (unstructured, row-column,
row-balanced, bank-balanced), all retrained the same way, the test accuracy at a ladder of
rates; the "lossless rate" of each scheme (the highest rate within 1 point of dense), its index
overhead and CSB's lossless rate over each other scheme's. docs/python.md §Accuracy table.

    PYTHONPATH=build/python /usr/bin/python3 scripts/accuracy_table.py --out out/acc [--jobs 2]
    PYTHONPATH=build/python /usr/bin/python3 scripts/accuracy_table.py --out out/acc-smoke --smoke

Tasks: fmnist (sequential Fashion-MNIST) and speech (espeak-ng spoken digits, 39-dim MFCC);
models: lstm64, gru64, lstmp96 (LSTM-96 with proj_size 48).
Resumable: every task x model x scheme x rate result is one JSON file in OUT/cells/, written
atomically (a temporary file renamed into place) and keyed by the recipe, so an interrupted run
continues where it stopped and a changed recipe recomputes. Pruned cells start from the cached
dense model (OUT/dense-*.pt). --jobs N runs N worker processes (each a share of the task x model
pairs, one thread each) and then prints the table. --smoke: a tiny model on a data subset, one
short epoch per phase, two rates, to check the script end to end (its figures mean nothing).
The trained weights of every cell are kept as OUT/models/TASK-MODEL-SCHEME-RATE.npz (the RNN's
state_dict, ready for `csbrnn prune --method keep` / `compile`) and ...-head.npz (the linear head).
Prints the table and writes OUT/table.md; every figure in it is computed by this script.
A rate below one at which the scheme is already lossless is skipped (it cannot change the lossless
rate; the ladder's order 8, 16, 4 computes 4x only where neither 8x nor 16x is within 1 point);
--full-ladder computes it anyway.
--table-only prints the table of the cells cached so far (a partial run) without computing.
"""
import argparse
import hashlib
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
from csbrnn.tasks import speech as sp
from csbrnn.tasks import common

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = {
    "lstm64": dict(cell="lstm", hidden=64, layers=1, proj=0),
    "gru64": dict(cell="gru", hidden=64, layers=1, proj=0),
    "lstmp96": dict(cell="lstm", hidden=96, layers=1, proj=48),
}
SCHEMES = ["csb-admm", "csb-oneshot", "unstructured", "row-column", "row-balanced",
           "bank-balanced", "csb-tile-admm", "csb-tile-oneshot"]


def scheme_method(scheme):
    """The pruning method of a scheme: csb-tile-* the tile-aligned CSB (4x4 tile, the engine's),
    csb-* the paper's CSB, else the baseline of that name."""
    return "csb-tile" if scheme.startswith("csb-tile") else "csb" if scheme.startswith("csb") \
        else scheme
# fmnist: the first train_n / test_n images; speech: a seeded subset of train_n of the 3200
# training utterances (all 960 test utterances of the held-out voices when test_n >= 960)
RECIPES = {
    "fmnist": dict(train_n=10000, test_n=2000, dense_epochs=6, admm_epochs=4, retrain_epochs=3,
                   admm_every=20, rho=1e-2, lr=3e-3, block=16, banks=4, seed=0),
    "speech": dict(train_n=3200, test_n=960, dense_epochs=8, admm_epochs=4, retrain_epochs=3,
                   admm_every=25, prune_batch=32, rho=1e-2, lr=3e-3, block=16, banks=4, seed=0),
}
SMOKE = dict(train_n=1500, test_n=500, dense_epochs=1, admm_epochs=1, retrain_epochs=1,
             admm_every=4, rho=1e-2, lr=1e-2, block=8, banks=4, seed=0)
TASKS = ["fmnist", "speech"]


def atomic_write(path, write):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(os.path.abspath(path)))
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)   # as open() would create it, not mkstemp's 0600
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_model_npz(out, name, m):
    """The trained weights as PyTorch state_dict .npz files (OUT/models/NAME.npz: the nn.LSTM /
    nn.GRU, the machine's input for `csbrnn prune` / `compile`; NAME-head.npz: the linear
    head), written atomically."""
    d = os.path.join(out, "models")
    os.makedirs(d, exist_ok=True)
    for suffix, mod in (("", m.rnn), ("-head", m.fc)):
        arrays = {k: v.detach().numpy() for k, v in mod.state_dict().items()}
        atomic_write(os.path.join(d, f"{name}{suffix}.npz"),
                     lambda p, a=arrays: np.savez_compressed(open(p, "wb"), **a))


def write_json(path, obj):
    atomic_write(path, lambda p: open(p, "w").write(json.dumps(obj, indent=1)))


def key_of(obj):
    return hashlib.sha256(json.dumps(obj, sort_keys=True).encode()).hexdigest()[:16]


def load_data(task, rc, cache_dir):
    if task == "fmnist":
        return fm.load("train", rc["train_n"]) + fm.load("test", rc["test_n"])
    return (sp.load("train", rc["train_n"], cache_dir=cache_dir, log=print)
            + sp.load("test", rc["test_n"], cache_dir=cache_dir))


def make_model(task, spec):
    inputs = 28 if task == "fmnist" else sp.FEATURES
    classes = 10 if task == "fmnist" else len(sp.classes())
    return common.SeqClassifier(**spec, inputs=inputs, classes=classes)


DENSE_KEYS = ["train_n", "test_n", "dense_epochs", "lr", "seed"]   # what the dense model uses


def ident_of(task, model_name, rc, **more):
    """What a cell's result depends on (its cache key): a dense cell only the dense recipe."""
    if not more:
        rc = {k: rc[k] for k in DENSE_KEYS}
    return dict(task=task, model=model_name, spec=MODELS[model_name], recipe=rc, **more)


def read_cell(cell, key):
    if os.path.exists(cell):
        with open(cell) as f:
            r = json.load(f)
        if r.get("key") == key:
            return r
    return None


def dense_cell(out, task, model_name, rc, data, log, cached_only=False):
    ident = ident_of(task, model_name, rc)
    path = os.path.join(out, f"dense-{task}-{model_name}-{key_of(ident)}.pt")
    cell = os.path.join(out, "cells", f"{task}-{model_name}-dense.json")
    r = read_cell(cell, key_of(ident))
    if r is not None and os.path.exists(path):
        return r, path
    if cached_only:
        return None, None
    torch.manual_seed(rc["seed"])
    m = make_model(task, MODELS[model_name])
    xtr, ytr, xte, yte = data()
    c0 = time.process_time()
    t = common.train_epochs(m, xtr, ytr, rc["dense_epochs"], lr=rc["lr"], seed=rc["seed"],
                            log=log)
    r = dict(key=key_of(ident), task=task, model=model_name, scheme="dense", rate=1.0,
             acc=common.accuracy(m, xte, yte), epoch_seconds=t,
             cpu_seconds=time.process_time() - c0)
    atomic_write(path, lambda p: torch.save(m.state_dict(), p))
    save_model_npz(out, f"{task}-{model_name}-dense", m)
    write_json(cell, r)
    return r, path


def index_overhead(m, method, rate, rc, cli):
    """Index bits / (16 x kept weights) of the scheme's format for the retrained weights
    (`csbrnn prune`'s report; CSB through --method keep: the exact structure trained)."""
    with tempfile.TemporaryDirectory() as d:
        npz = os.path.join(d, "w.npz")
        np.savez(npz, **{k: v.numpy() for k, v in m.rnn.state_dict().items()})
        args = [cli, "prune", npz, "--block", f"{rc['block']}x{rc['block']}", "--banks",
                str(rc["banks"]), "--report", os.path.join(d, "r.json"), "-q"]
        args += (["--method", "keep"] if method in ("csb", "csb-tile")
                 else ["--method", method, "--rate", f"{rate:g}"])
        p = subprocess.run(args, capture_output=True, text=True)
        if p.returncode:
            raise RuntimeError(f"csbrnn prune: {p.stderr.strip()}")
        with open(os.path.join(d, "r.json")) as f:
            return json.load(f)["total"]["index_ratio"]


def pruned_cell(out, task, model_name, scheme, rate, rc, data, dense_path, log, cli,
                cached_only=False):
    ident = ident_of(task, model_name, rc, scheme=scheme, rate=rate)
    cell = os.path.join(out, "cells", f"{task}-{model_name}-{scheme}-{rate:g}.json")
    r = read_cell(cell, key_of(ident))
    if r is not None or cached_only:
        return r
    torch.manual_seed(rc["seed"] + 1)
    m = make_model(task, MODELS[model_name])
    m.load_state_dict(torch.load(dense_path))
    xtr, ytr, xte, yte = data()
    method = scheme_method(scheme)
    pr = csbrnn.ADMMPruner(m, method=method, rate=rate, block=(rc["block"], rc["block"]),
                           rho=rc["rho"], banks=rc["banks"])
    pbatch = rc.get("prune_batch", 128)     # batch of the ADMM and retraining phases
    t0, c0 = time.time(), time.process_time()
    if not scheme.endswith("-oneshot"):
        common.train_epochs(m, xtr, ytr, rc["admm_epochs"], lr=rc["lr"], batch=pbatch,
                            seed=rc["seed"] + 1, pruner=pr, admm_every=rc["admm_every"], log=log)
    pr.prune()
    acc_hard = common.accuracy(m, xte, yte)
    common.train_epochs(m, xtr, ytr, rc["retrain_epochs"], lr=rc["lr"] / 3, batch=pbatch,
                        seed=rc["seed"] + 2, log=log)
    sp_ = pr.sparsity()
    kept = sum(k for k, _ in sp_.values())
    total = sum(n for _, n in sp_.values())
    r = dict(key=key_of(ident), task=task, model=model_name, scheme=scheme, rate=rate,
             achieved_rate=total / kept, acc_hard=acc_hard, acc=common.accuracy(m, xte, yte),
             index_overhead=index_overhead(m, method, rate, rc, cli), seconds=time.time() - t0,
             cpu_seconds=time.process_time() - c0)
    save_model_npz(out, f"{task}-{model_name}-{scheme}-{rate:g}", m)
    write_json(cell, r)
    return r


def lossless_above(results, task, mn, scheme, rate, dense):
    """True when a higher rate of the ladder, already measured, is within 1 point of dense: the
    cell at `rate` cannot change the scheme's lossless rate, so it is skipped (--full-ladder
    computes it anyway)."""
    return any(t == task and m == mn and s == scheme and r > rate and c["acc"] >= dense["acc"] - 0.01
               for (t, m, s, r), c in results.items())


def table(results, rates, schemes, pairs, skipped=frozenset()):
    lines = []
    head = "| task | model | dense | scheme | " + " | ".join(f"{r:g}x" for r in rates) + \
        " | lossless rate | index overhead | CSB-ADMM / scheme |"
    lines += [head, "|" + "---|" * (7 + len(rates))]
    for task, mn in pairs:
        d = results.get((task, mn, "dense", 1.0))
        if d is None:
            lines.append(f"| {task} | {mn} | not measured |" + " |" * (4 + len(rates)))
            continue
        lossless, at = {}, {}
        for s in schemes:
            # the achieved rate (a balanced scheme cannot hit every rate on a 28-wide matrix)
            ok = [results[(task, mn, s, r)] for r in rates if (task, mn, s, r) in results
                  and results[(task, mn, s, r)]["acc"] >= d["acc"] - 0.01]
            best = max(ok, key=lambda c: c["achieved_rate"]) if ok else None
            lossless[s] = best["achieved_rate"] if best else None
            at[s] = best
        for s in schemes:
            cells = []
            for r in rates:
                c = results.get((task, mn, s, r))
                if c is None:
                    cells.append("skipped" if (task, mn, s, r) in skipped else "not measured")
                    continue
                ach = c["achieved_rate"]  # shown when the structure missed the target by > 2 %
                cells.append(f"{100 * c['acc']:.2f}" + ("" if abs(ach / r - 1) <= 0.02
                                                       else f" (at {ach:.2f}x)"))
            ll = lossless[s]
            ratio = "—"
            if lossless.get("csb-admm") and ll:
                ratio = f"{lossless['csb-admm'] / ll:.2f}"
            io = "—"
            if at[s] is not None and "index_overhead" in at[s]:
                io = f"{at[s]['index_overhead']:.3f}"
            lines.append(f"| {task} | {mn} | {100 * d['acc']:.2f} | {s} | " + " | ".join(cells)
                         + f" | {'—' if ll is None else f'{ll:.2f}x'} | {io} | {ratio} |")
    return "\n".join(lines) + "\n"


def time_summary(results):
    cpu = [c.get("cpu_seconds") for c in results.values() if c.get("cpu_seconds") is not None]
    if not cpu:
        return ""
    return (f"CPU time of the cells listed: {len(cpu)} cells, {sum(cpu) / 60:.1f} CPU-minutes "
            f"(mean {np.mean(cpu):.0f} s, max {max(cpu):.0f} s per cell)\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--tasks", default="fmnist", help=f"comma list of {','.join(TASKS)}")
    ap.add_argument("--models", default="lstm64", help=f"comma list of {','.join(MODELS)}")
    ap.add_argument("--schemes", default=",".join(SCHEMES))
    ap.add_argument("--rates", default=None,
                    help="ladder, computed in this order, default 8,16,4 (smoke: 4,8)")
    ap.add_argument("--full-ladder", action="store_true", help="also compute the rates below a "
                    "scheme's measured lossless rate (by default skipped: they cannot change it)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (task x model pairs)")
    ap.add_argument("--shard", default=None, help=argparse.SUPPRESS)  # K/N, set by --jobs
    ap.add_argument("--cache-dir", default=None, help="speech data set cache (default "
                    "$CSBRNN_CACHE/speech or ~/.cache/csbrnn/speech)")
    ap.add_argument("--cli", default=os.environ.get("CSBRNN_CLI",
                                                    os.path.join(ROOT, "build", "csbrnn")))
    ap.add_argument("--table-only", action="store_true",
                    help="print the table from the cached cells only (missing ones: not measured)")
    ap.add_argument("-q", "--quiet", action="store_true", help="no per-epoch lines")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    # computed in the order given (e.g. 8,16,4: the middle of the ladder first), shown sorted
    rates = [float(r) for r in (a.rates or ("4,8" if a.smoke else "8,16,4")).split(",")]
    schemes, models, tasks = a.schemes.split(","), a.models.split(","), a.tasks.split(",")
    for s in schemes:
        if s not in SCHEMES:
            sys.exit(f"--schemes: unknown scheme '{s}' (valid: {', '.join(SCHEMES)})")
    for mn in models:
        if mn not in MODELS:
            sys.exit(f"--models: unknown model '{mn}' (valid: {', '.join(MODELS)})")
    for t in tasks:
        if t not in TASKS:
            sys.exit(f"--tasks: unknown task '{t}' (valid: {', '.join(TASKS)})")
    if a.smoke:
        for mn in MODELS:
            MODELS[mn] = dict(MODELS[mn], hidden=32, proj=16 if MODELS[mn]["proj"] else 0)
    rcs = {t: dict(SMOKE if a.smoke else RECIPES[t]) for t in tasks}
    if a.smoke and "speech" in rcs:
        rcs["speech"].update(train_n=800, test_n=400)
    os.makedirs(os.path.join(a.out, "cells"), exist_ok=True)
    pairs = [(t, mn) for t in tasks for mn in models]

    if a.jobs > 1 and not a.table_only:
        if "speech" in tasks:   # build the data set once, before the workers read it
            sp.build(cache_dir=a.cache_dir, log=print)
        argv, skip = [], False
        for x in sys.argv[1:]:      # the same arguments without --jobs N / --jobs=N
            if skip or x.startswith("--jobs"):
                skip = x == "--jobs" and not skip
                continue
            argv.append(x)
        base = [sys.executable, os.path.abspath(__file__)] + argv
        procs = [subprocess.Popen(base + ["--shard", f"{k}/{a.jobs}"]) for k in range(a.jobs)]
        if any(p.wait() for p in procs):
            sys.exit("accuracy_table: a worker failed")
        a.table_only = True
    mine = pairs
    if a.shard:
        k, n = (int(v) for v in a.shard.split("/"))
        mine = pairs[k::n]

    log = None if a.quiet else print
    results = {}
    skipped = set()
    datas = {}
    for task, mn in pairs:
        rc = rcs[task]
        cached_only = a.table_only or (task, mn) not in mine

        def data(task=task, rc=rc):
            if task not in datas:
                datas[task] = load_data(task, rc, a.cache_dir)
            return datas[task]
        d, dpath = dense_cell(a.out, task, mn, rc, data, log, cached_only)
        if d is None:
            continue
        results[(task, mn, "dense", 1.0)] = d
        if not cached_only:
            print(f"{task} {mn} dense: {100 * d['acc']:.2f}%", flush=True)
        for r in rates:             # rate-major: a partial run has whole columns
            for s in schemes:
                if not a.full_ladder and lossless_above(results, task, mn, s, r, d):
                    skipped.add((task, mn, s, r))
                    continue
                c = pruned_cell(a.out, task, mn, s, r, rc, data, dpath, log, a.cli, cached_only)
                if c is None:
                    continue
                results[(task, mn, s, r)] = c
                if not cached_only:
                    print(f"{task} {mn} {s} {r:g}x: {100 * c['acc']:.2f}% (achieved "
                          f"{c['achieved_rate']:.2f}x, {c['seconds']:.0f} s)", flush=True)
    if a.shard:
        return
    t = table(results, sorted(rates), schemes, pairs, skipped)
    hdr = "".join(f"{task} recipe {json.dumps(rcs[task], sort_keys=True)}\n" for task in tasks)
    hdr += ((" (SMOKE: figures mean nothing)\n" if a.smoke else "")
            + "test accuracy %; lossless rate = the highest achieved rate of the measured ladder"
            " within 1 point of dense; index overhead = index bits / 16-bit weight bits at that"
            " rate; not measured / — = no cell or no lossless rate; skipped = not computed because"
            " a higher rate of the ladder is already lossless (--full-ladder computes it)\n"
            + time_summary(results) + "\n")
    atomic_write(os.path.join(a.out, "table.md"), lambda p: open(p, "w").write(hdr + t))
    print(hdr + t)


if __name__ == "__main__":
    main()
