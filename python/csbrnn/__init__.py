"""csbrnn for Python: the C++ flow (prune, .csb, compile, simulate) bound with pybind11, and ADMM
pruning for PyTorch RNNs (csbrnn.admm). docs/python.md is the guide.

    import csbrnn
    Wp = csbrnn.project(W, method="csb", rate=8.0, block=(16, 16))   # == prune --export-dense
    sd, model = csbrnn.prune(state_dict, method="keep", block=(16, 16))
    model.save("m.csb"); model = csbrnn.load_csb("m.csb")
    prog = csbrnn.compile(model, hw=None, sets={"engine.pe_groups": "4x4"})
    y, stats = csbrnn.simulate(model, x)                               # x: (T, in) or (N, T, in)
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from . import _csbrnn
from ._csbrnn import CsbModel, Error, Program, load_csb, load_program

__all__ = ["project", "project_mask", "prune", "methods", "load_csb", "load_program", "compile",
           "simulate", "reference", "hw_yaml", "CsbModel", "Program", "Error", "ADMMPruner"]


def methods():
    """Every pruning method of the C++ registry: list of dicts name, is_csb, uses_rate,
    description (the list `csbrnn prune --help` prints)."""
    return [dict(name=n, is_csb=c, uses_rate=r, description=d) for n, c, r, d in _csbrnn.methods()]


def _block(block):
    if isinstance(block, int):
        return block, block
    bh, bw = block
    return int(bh), int(bw)


def _project(W, method, rate, block, banks, refine, what, tile=(4, 4)):
    a = np.ascontiguousarray(np.asarray(W, dtype=np.float32))
    if a.ndim != 2:
        raise Error(f"{what}: expected a 2-d matrix, got shape {a.shape}")
    bh, bw = _block(block)
    r = float("nan") if rate is None else float(rate)
    return _csbrnn.project(a, method, r, bh, bw, int(banks), int(refine), what, _block(tile))


def project(W, method="csb", rate=8.0, block=(16, 16), banks=8, refine=4, what="W", tile=(4, 4)):
    """The C++ projection of one matrix (W: 2-d array-like, cast to float32): W with every pruned
    position set to 0, exactly what `csbrnn prune --method M --rate R --block BHxBW
    --export-dense` keeps for that matrix. banks: bank-balanced; refine: csb-global; tile (P, Q):
    csb-tile (--tile PxQ), read by no other method. rate is
    ignored (give None) for methods that take none (keep)."""
    return _project(W, method, rate, block, banks, refine, what, tile)[0]


def project_mask(W, method="csb", rate=8.0, block=(16, 16), banks=8, refine=4, what="W",
                 tile=(4, 4)):
    """(pruned W, keep mask) of project(); the mask is uint8, 1 = kept (a kept weight may be 0)."""
    return _project(W, method, rate, block, banks, refine, what, tile)


def prune(state_dict, method="csb", rate=8.0, block=(16, 16), rate_for=None, block_for=None,
          banks=8, refine=4, cell=None, note="csbrnn.prune (Python)", permute="none", tile=(4, 4)):
    """A whole nn.LSTM / nn.GRU state_dict (name -> array or tensor) through `csbrnn prune`'s
    model pruning: returns (pruned state_dict of float32 arrays, CsbModel or None for a
    baseline). rate_for / block_for: per-matrix overrides by name, as --rate-for / --block-for.
    permute: "none" | "balance", as --permute (docs/pruning.md): the CsbModel is then the
    permuted model (its output_perm restores the output order), the state_dict is the same
    pruned model in the original unit order. tile: csb-tile's (P, Q), as --tile."""
    sd = {}
    for k, v in state_dict.items():
        if hasattr(v, "detach"):
            v = v.detach().cpu().numpy()
        sd[k] = np.ascontiguousarray(np.asarray(v, dtype=np.float32))
    bh, bw = _block(block)
    r = float("nan") if rate is None else float(rate)
    bf = {k: _block(b) for k, b in (block_for or {}).items()}
    rf = {k: float(v) for k, v in (rate_for or {}).items()}
    return _csbrnn.prune_state_dict(sd, method, r, bh, bw, rf, bf, int(banks), int(refine),
                                    cell or "", note, permute, _block(tile))


def _sets(sets):
    if not sets:
        return []
    if isinstance(sets, dict):
        return [f"{k}={v}" for k, v in sets.items()]
    return list(sets)


def hw_yaml(hw=None, sets=None):
    """The resolved hardware config (hw: YAML path or None for the built-in 256-PE design, sets:
    {key: value} overrides as --set) as YAML text."""
    return _csbrnn.hw_yaml(hw or "", _sets(sets))


def compile(model, hw=None, sets=None):  # noqa: A001 (the flow's name for the stage)
    """Compiles a CsbModel (or a .csb path) for the hardware config; returns a Program."""
    if isinstance(model, (str, os.PathLike)):
        model = load_csb(os.fspath(model))
    return _csbrnn.compile(model, hw or "", _sets(sets))


def reference(model, x, fixed_point=True, hw=None, sets=None):
    """The reference RNN on one sequence x (T x input_size): the bit-exact fixed-point machine
    (fixed_point=True, the numeric format of the hw config) or the float model."""
    if isinstance(model, (str, os.PathLike)):
        model = load_csb(os.fspath(model))
    x = np.ascontiguousarray(np.asarray(x, dtype=np.float32))
    return _csbrnn.reference(model, x, bool(fixed_point), hw or "", _sets(sets))


def simulate(model_or_program, x, hw=None, sets=None, check=True, timeout=None):
    """Simulates the machine cycle by cycle (SystemC) on x: one sequence (T, input_size) or a
    batch (N, T, input_size) (or a list of (T_i, input_size) sequences), all sequences as jobs
    of one elaboration. model_or_program: a CsbModel, a .csb or program .bin path, or a Program.
    With a model, the outputs are checked bit for bit against the fixed-point reference (check).

    Returns (y, stats): y the dequantized outputs (T, state_size), or a list / (N, T, S) array for
    a batch; stats the dict of `csbrnn simulate`'s stats.json (a list of dicts for a batch).

    SystemC elaborates at most once per process, so the simulation runs in a fresh Python
    subprocess (python -m csbrnn._simworker); simulate() may be called any number of times."""
    model = None
    program = None
    if isinstance(model_or_program, (str, os.PathLike)):
        p = os.fspath(model_or_program)
        with open(p, "rb") as f:
            magic = f.read(8)
        if magic == b"CSBRPROG":
            program = load_program(p)
        else:
            model = load_csb(p)
    elif isinstance(model_or_program, CsbModel):
        model = model_or_program
    elif isinstance(model_or_program, Program):
        program = model_or_program
    else:
        raise TypeError("simulate: expected a CsbModel, a Program or a path")
    if program is None:
        program = compile(model, hw, sets)
    single = not isinstance(x, (list, tuple)) and np.asarray(x).ndim == 2
    xs = [np.asarray(x, dtype=np.float32)] if single else [np.asarray(s, dtype=np.float32)
                                                            for s in x]
    with tempfile.TemporaryDirectory(prefix="csbrnn-sim-") as d:
        program.save(os.path.join(d, "program.bin"))
        with open(os.path.join(d, "hw.yaml"), "w") as f:
            f.write(hw_yaml(hw, sets))
        model_path = ""
        if model is not None and check:
            model_path = os.path.join(d, "model.csb")
            model.save(model_path)
        np.savez(os.path.join(d, "x.npz"), *xs)
        pkg_parent = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        env = dict(os.environ)
        env["PYTHONPATH"] = pkg_parent + os.pathsep + env.get("PYTHONPATH", "")
        r = subprocess.run([sys.executable, "-m", "csbrnn._simworker", d, model_path],
                           env=env, capture_output=True, text=True, timeout=timeout)
        if r.returncode != 0:
            msg = (r.stderr.strip().splitlines() or ["simulation failed"])[-1]
            raise Error(f"csbrnn.simulate: {msg}")
        with np.load(os.path.join(d, "y.npz")) as z:
            ys = [z[f"arr_{i}"] for i in range(len(xs))]
        with open(os.path.join(d, "stats.json")) as f:
            stats = json.load(f)
    if single:
        return ys[0], stats[0]
    if len({y.shape for y in ys}) == 1:
        ys = np.stack(ys)
    return ys, stats


from .admm import ADMMPruner  # noqa: E402  (needs the functions above)
