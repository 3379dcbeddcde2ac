#!/usr/bin/env python3
"""Assemble models/trained/ (docs/python.md "Trained models in the repo") from the outputs of
scripts/accuracy_table.py (--table OUT: OUT/models/*.npz and OUT/cells/*.json) and of
examples/speech_machine.py (--large OUT: dense.pt, csb.npz, head.npz, results.json):

  TASK-MODEL-dense.npz / -dense-head.npz   the dense trained model (nn.LSTM / nn.GRU state_dict
                                           and its linear head) of the accuracy table
  TASK-MODEL-csb8.npz  / -csb8-head.npz    its ADMM CSB model at 8x (retrained, masks fixed)
  speech-gru256x2-dense.npz / -csb23.npz   the larger model of examples/speech_machine.py
  models.json                              per model: task, shape, block, files, accuracies and
                                           the recipe they were measured with

Every array is copied unchanged (np.savez_compressed), every file written atomically; the
accuracies in models.json are the ones the producing runs recorded.

    PYTHONPATH=build/python /usr/bin/python3 scripts/collect_trained.py --table out/acc \
        --large out/speech256
"""
import argparse
import json
import os
import sys
import tempfile

import numpy as np
import torch

from csbrnn.standin import achieved_rate, shape_of

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_npz(path, arrays):
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), suffix=".npz")
    os.close(fd)
    try:
        np.savez_compressed(tmp, **{k: np.asarray(v) for k, v in arrays.items()})
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def read_npz(path):
    with np.load(path) as z:
        return {k: z[k] for k in z.files}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--table", required=True, help="scripts/accuracy_table.py --out folder")
    ap.add_argument("--large", default=None, help="examples/speech_machine.py --out folder")
    ap.add_argument("--dest", default=os.path.join(ROOT, "models", "trained"))
    ap.add_argument("--rate", type=float, default=8.0, help="the CSB rate of the table to keep")
    a = ap.parse_args()
    for f in ("results.json", "dense.pt", "csb.npz", "head.npz") if a.large else ():
        if not os.path.exists(os.path.join(a.large, f)):   # checked before anything is written
            sys.exit(f"{a.large}: no {f} (not a finished examples/speech_machine.py output)")
    os.makedirs(a.dest, exist_ok=True)
    index = {}
    cells = os.path.join(a.table, "cells")
    if not os.path.isdir(cells):
        sys.exit(f"{a.table}: no cells/ folder (not an accuracy_table.py output)")
    for f in sorted(os.listdir(cells)):
        if not f.endswith("-dense.json"):
            continue
        with open(os.path.join(cells, f)) as fh:
            dense = json.load(fh)
        task, model = dense["task"], dense["model"]
        pruned = os.path.join(cells, f"{task}-{model}-csb-admm-{a.rate:g}.json")
        src = os.path.join(a.table, "models", f"{task}-{model}")
        if not os.path.exists(pruned) or not os.path.exists(f"{src}-csb-admm-{a.rate:g}.npz"):
            print(f"{task}-{model}: no csb-admm {a.rate:g}x cell yet, skipped")
            continue
        with open(pruned) as fh:
            cell = json.load(fh)
        name = f"{task}-{model}"
        tag = f"csb{a.rate:g}"
        for suffix, out in (("-dense", "-dense"), (f"-csb-admm-{a.rate:g}", f"-{tag}")):
            for h in ("", "-head"):
                write_npz(os.path.join(a.dest, f"{name}{out}{h}.npz"),
                          read_npz(f"{src}{suffix}{h}.npz"))
        sd = read_npz(f"{src}-csb-admm-{a.rate:g}.npz")
        index[name] = dict(
            task=task, shape=shape_of(sd), block=[16, 16],  # accuracy_table.py RECIPES
            dense=f"{name}-dense.npz",
            dense_head=f"{name}-dense-head.npz", csb=f"{name}-{tag}.npz",
            csb_head=f"{name}-{tag}-head.npz", rate=achieved_rate(sd), acc_dense=dense["acc"],
            acc_csb=cell["acc"], source="scripts/accuracy_table.py (cells keyed "
            f"{dense['key']} / {cell['key']})")
    if a.large:
        with open(os.path.join(a.large, "results.json")) as fh:
            r = json.load(fh)
        dense = torch.load(os.path.join(a.large, "dense.pt"))
        name = "speech-gru256x2"
        write_npz(os.path.join(a.dest, f"{name}-dense.npz"),
                  {k[4:]: v.numpy() for k, v in dense.items() if k.startswith("rnn.")})
        write_npz(os.path.join(a.dest, f"{name}-dense-head.npz"),
                  {k[3:]: v.numpy() for k, v in dense.items() if k.startswith("fc.")})
        sd = read_npz(os.path.join(a.large, "csb.npz"))
        tag = f"csb{round(achieved_rate(sd))}"
        write_npz(os.path.join(a.dest, f"{name}-{tag}.npz"), sd)
        write_npz(os.path.join(a.dest, f"{name}-{tag}-head.npz"),
                  read_npz(os.path.join(a.large, "head.npz")))
        index[name] = dict(
            task="speech", shape=shape_of(sd), block=[int(v) for v in r["args"]["block"].split("x")],
            dense=f"{name}-dense.npz", dense_head=f"{name}-dense-head.npz", csb=f"{name}-{tag}.npz",
            csb_head=f"{name}-{tag}-head.npz", rate=achieved_rate(sd), acc_dense=r["acc_dense"],
            acc_csb=r["acc_csb"], source="examples/speech_machine.py "
            + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in sorted(r["args"].items())
                       if k in ("train_n", "dense_epochs", "admm_epochs", "retrain_epochs",
                                "admm_every", "rate", "block", "seed")))
    fd, tmp = tempfile.mkstemp(dir=a.dest)
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(index, indent=1, sort_keys=True) + "\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, os.path.join(a.dest, "models.json"))
    print(f"{len(index)} models in {a.dest}: {', '.join(index)}")


if __name__ == "__main__":
    main()
