"""Trained weights next to stand-ins (docs/python.md "Stand-ins vs trained weights"): the shape of a
PyTorch nn.LSTM / nn.GRU state_dict, `csbrnn genmodel`'s stand-in weights of that shape
(generator knobs of docs/pruning.md), CSB-pruned once, and the 256-PE machine's group occupancy
and PE utilization per sharing mode."""
import os
import subprocess
import tempfile

import numpy as np

from . import _csbrnn
from . import load_csb, simulate

MODES = ["none", "horizontal", "vertical", "2d"]
# genmodel's generator defaults (docs/pruning.md; models/*.yaml use them)
DEFAULT_KNOBS = dict(neuron_sigma=0.8, input_sigma=0.8, row_sigma=0.25, col_sigma=0.25,
                     cluster_sigma=1.0, cluster_gain=2.0, cluster_shuffle=0.25, clusters=16,
                     gate_sigma=0.0)


def shape_of(sd, origin="state_dict"):
    """dict(cell, input_size, hidden_size, proj_size, layers) of an nn.LSTM / nn.GRU state_dict;
    ValueError naming `origin` when it is neither."""
    if "weight_ih_l0" not in sd or "weight_hh_l0" not in sd:
        raise ValueError(f"{origin}: not an nn.LSTM / nn.GRU state_dict (no weight_ih_l0 / "
                         "weight_hh_l0)")
    layers = sum(1 for k in sd if k.startswith("weight_ih_l") and k[11:].isdigit())
    proj = sd["weight_hr_l0"].shape[0] if "weight_hr_l0" in sd else 0
    if proj:
        cell, hidden = "lstm", sd["weight_hr_l0"].shape[1]
    else:
        hh = sd["weight_hh_l0"].shape
        g = hh[0] // hh[1]
        if g not in (3, 4) or hh[0] != g * hh[1]:
            raise ValueError(f"{origin}: weight_hh_l0 {tuple(hh)} is neither a GRU's nor an "
                             "LSTM's")
        cell, hidden = ("lstm" if g == 4 else "gru"), hh[1]
    return dict(cell=cell, input_size=int(sd["weight_ih_l0"].shape[1]), hidden_size=int(hidden),
                proj_size=int(proj), layers=layers)


def achieved_rate(sd):
    """Weights over kept weights of the weight_* matrices."""
    w = [np.asarray(v) for k, v in sd.items() if k.startswith("weight_")]
    return sum(x.size for x in w) / max(1, sum(int((x != 0).sum()) for x in w))


def spec_yaml(shape, knobs, name="standin"):
    """A model spec (models/*.yaml form) of that shape with these generator knobs."""
    g = "\n".join(f"  {k}: {knobs[k]:.6g}" if k != "clusters" else f"  clusters: {knobs[k]}"
                  for k in sorted(knobs))
    return (f"name: {name}\ncell: {shape['cell']}\ninput_size: {shape['input_size']}\n"
            f"hidden_size: {shape['hidden_size']}\nproj_size: {shape['proj_size']}\n"
            f"layers: {shape['layers']}\nbias: true\ngenerator:\n{g}\n")


def _run(args):
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode:
        raise _csbrnn.Error(f"{' '.join(args[:2])}: {r.stderr.strip()}")


def standin_model(shape, rate, block, cli, knobs=None, seed=1, tmp=None):
    """`csbrnn genmodel`'s stand-in weights of `shape` (knobs: DEFAULT_KNOBS), CSB-pruned once at
    `rate` with blocks `block` = (bh, bw) by `csbrnn prune`: a CsbModel."""
    knobs = dict(DEFAULT_KNOBS, **(knobs or {}))
    with tempfile.TemporaryDirectory(dir=tmp) as d:
        ys = os.path.join(d, "spec.yaml")
        with open(ys, "w") as f:
            f.write(spec_yaml(shape, knobs))
        w, m = os.path.join(d, "w.npz"), os.path.join(d, "m.csb")
        _run([cli, "genmodel", ys, "--seed", str(seed), "-o", w, "--no-info"])
        _run([cli, "prune", w, "--method", "csb", "--rate", f"{rate:.6g}", "--block",
              f"{block[0]}x{block[1]}", "-o", m, "-q"])
        return load_csb(m)


def keep_model(state_dict, block, cli):
    """A CSB-structured state_dict (trained by ADMM) as a CsbModel through `csbrnn prune --method
    keep` (every weight unchanged; refused when the zeros do not form CSB blocks)."""
    with tempfile.TemporaryDirectory() as d:
        w, m = os.path.join(d, "w.npz"), os.path.join(d, "m.csb")
        np.savez(w, **{k: np.asarray(v, np.float32) for k, v in state_dict.items()})
        _run([cli, "prune", w, "--method", "keep", "--block", f"{block[0]}x{block[1]}", "-o", m,
              "-q"])
        return load_csb(m)


def occupancy(model, input_size, hw=None, steps=8):
    """{mode: dict(group_occupancy, pe_utilization)} per sharing mode on `steps` timesteps of a
    seeded random input (the CSB structure decides them, not the input values)."""
    x = np.random.default_rng(0).uniform(-1, 1, (steps, input_size)).astype(np.float32)
    out = {}
    for mode in MODES:
        _, st = simulate(model, x, hw=hw, sets={"sharing.mode": mode})
        out[mode] = dict(group_occupancy=st["group_occupancy"], pe_utilization=st["pe_utilization"])
    return out
