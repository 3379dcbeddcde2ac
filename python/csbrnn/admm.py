"""ADMM weight pruning for PyTorch RNNs, in the user's own training loop (docs/pruning.md §ADMM).

The algorithm is Zhang et al., "A Systematic DNN Weight Pruning Framework using Alternating
Direction Method of Multipliers" (ECCV 2018), which the CSB-RNN papers (Shi et al., ICS'20 /
BARC'20) use to train their CSB models. For every prunable matrix W (weight_ih_lK, weight_hh_lK,
weight_hr_lK of each nn.LSTM / nn.GRU) the constraint "W has the method's structure at rate R"
is handled by an auxiliary Z (in the constraint set) and a scaled dual U:

    loss   = task_loss + sum_W rho/2 * ||W - Z + U||_F^2       (pruner.penalty())
    Z-step = Pi(W + U)          Pi = the C++ projection of csbrnn prune (csbrnn.project)
    U-step = U + W - Z                                          (both in pruner.update())

then W is hard-projected (pruner.prune(): W = Pi(W), its mask fixed) and retrained with the
mask: a gradient hook zeroes the gradient of every pruned weight, a forward pre-hook re-zeroes
them before every forward and a state_dict hook masks every export, so pruned weights are
exactly 0 in every forward and in every state_dict / save_npz, whatever the optimizer does
(momentum, weight decay may move a pruned weight between a step and the next forward).

rho schedule: rho starts at `rho` and is multiplied by `rho_growth` after every update(), up to
`rho_max` (Zhang et al. increase rho progressively so that W is pulled ever closer to Z).

    pruner = csbrnn.ADMMPruner(model, method="csb", rate=8.0, block=(16, 16))
    for epoch in ...:                       # ADMM phase
        for x, y in batches:
            loss = task_loss(model(x), y) + pruner.penalty()
            ...backward, step...
        pruner.update()                     # once per epoch (or every N batches)
    pruner.prune()                          # hard projection, masks fixed, hooks on
    ...retrain as usual...                  # masked retraining
    pruner.save_npz("pruned.npz")           # state_dict of the RNN, ready for csbrnn prune
"""
import re

import numpy as np
import torch
from torch import nn

_MATRIX = re.compile(r"^weight_(ih|hh|hr)_l(\d+)$")


def _project_mask(w, method, rate, block, banks, refine, what, tile=(4, 4)):
    from . import project_mask
    return project_mask(w, method=method, rate=rate, block=block, banks=banks, refine=refine,
                        what=what, tile=tile)


class ADMMPruner:
    """ADMM pruning of every weight matrix of the nn.LSTM / nn.GRU modules in `module` (the
    module itself or any container of them; any number of layers; LSTM with or without
    proj_size). method / rate / block / banks / refine / tile as `csbrnn prune`; rate_for and
    block_for override them per matrix, keyed by the parameter name in `module` ("rnn.weight_hh_l0") or by
    the short state_dict name ("weight_hh_l0", every RNN's)."""

    def __init__(self, module, method="csb", rate=8.0, block=(16, 16), rate_for=None,
                 block_for=None, rho=1e-3, rho_growth=1.3, rho_max=1.0, banks=8, refine=4,
                 tile=(4, 4)):
        self.module = module
        self.method = method
        self.rho = float(rho)
        self.rho_growth = float(rho_growth)
        self.rho_max = float(rho_max)
        self.banks, self.refine, self.tile = banks, refine, tuple(tile)
        self.rnns = {}  # prefix ("" or "rnn") -> module
        for name, m in module.named_modules():
            if isinstance(m, (nn.LSTM, nn.GRU)):
                if m.bidirectional:
                    raise ValueError(f"ADMMPruner: {name or 'module'}: bidirectional RNNs are not "
                                     "supported by csbrnn")
                self.rnns[name] = m
        if not self.rnns:
            raise ValueError("ADMMPruner: no nn.LSTM or nn.GRU in the module")
        rate_for, block_for = dict(rate_for or {}), dict(block_for or {})
        self.params = {}  # full name -> dict(param, short, rate, block)
        for prefix, m in self.rnns.items():
            for short, p in m.named_parameters():
                if not _MATRIX.match(short):
                    continue
                full = f"{prefix}.{short}" if prefix else short
                self.params[full] = dict(
                    param=p, short=short,
                    rate=rate_for.pop(full, rate_for.get(short, rate)),
                    block=block_for.pop(full, block_for.get(short, block)))
        shorts = {v["short"] for v in self.params.values()}
        for k in list(rate_for) + list(block_for):
            if k not in shorts:
                raise ValueError(f"ADMMPruner: rate_for/block_for: no weight matrix '{k}'")
        self.Z, self.U = {}, {}
        for name in self.params:
            self.Z[name] = self._project(name, self.params[name]["param"].detach())[0]
            self.U[name] = torch.zeros_like(self.Z[name])
        self.masks = None
        self._hooks = []

    def _project(self, name, w):
        e = self.params[name]
        wp, keep = _project_mask(w.cpu().numpy(), self.method, e["rate"], e["block"], self.banks,
                                 self.refine, name, self.tile)
        dev, dt = e["param"].device, e["param"].dtype
        return (torch.from_numpy(wp).to(dev, dt), torch.from_numpy(keep.astype(np.bool_)).to(dev))

    def penalty(self):
        """sum over the matrices of rho/2 * ||W - Z + U||^2 (a differentiable tensor); 0 after
        prune()."""
        if self.masks is not None:
            return torch.zeros(())
        total = 0.0
        for name, e in self.params.items():
            total = total + (e["param"] - self.Z[name] + self.U[name]).pow(2).sum()
        return 0.5 * self.rho * total

    @torch.no_grad()
    def update(self):
        """The Z-step (Z = projection of W + U) and the dual update (U += W - Z), then rho grows
        (rho = min(rho * rho_growth, rho_max)). Returns the relative primal residual
        ||W - Z|| / ||W|| over all matrices."""
        num = den = 0.0
        for name, e in self.params.items():
            W = e["param"].detach()
            self.Z[name] = self._project(name, W + self.U[name])[0]
            self.U[name] += W - self.Z[name]
            num += float((W - self.Z[name]).pow(2).sum())
            den += float(W.pow(2).sum())
        self.rho = min(self.rho * self.rho_growth, self.rho_max)
        return (num / max(den, 1e-30)) ** 0.5

    @torch.no_grad()
    def prune(self):
        """Hard projection W = Pi(W) of every matrix; the keep masks are fixed from then on and
        masked retraining starts (hooks). Reset or recreate the optimizer afterwards so that no
        momentum from the ADMM phase is left (the hooks keep pruned weights 0 regardless)."""
        self.masks = {}
        for name, e in self.params.items():
            wp, keep = self._project(name, e["param"].detach())
            e["param"].copy_(wp)
            self.masks[name] = keep
            self._hooks.append(e["param"].register_hook(
                lambda g, k=keep: g * k.to(g.dtype)))
        for prefix, m in self.rnns.items():
            self._hooks.append(m.register_forward_pre_hook(lambda mod, inp: self.apply_masks()))
            self._hooks.append(m._register_state_dict_hook(
                lambda mod, sd, pre, meta, rnn=prefix: self._mask_state_dict(rnn, sd, pre)))
        self.Z, self.U = {}, {}

    @torch.no_grad()
    def apply_masks(self):
        """Sets every pruned weight to exactly 0 (the forward pre-hook calls it)."""
        if self.masks is None:
            return
        for name, e in self.params.items():
            e["param"].mul_(self.masks[name].to(e["param"].dtype))

    def _mask_state_dict(self, rnn, sd, prefix):
        """state_dict hook: the exported tensors carry the masks even between an optimizer step
        and the next forward (module.state_dict() is exact at any time)."""
        for name, e in self.params.items():
            own = name[len(rnn) + 1:] if rnn else name
            key = prefix + own
            if key in sd:
                sd[key] = sd[key] * self.masks[name].to(sd[key].dtype)
        return sd

    def remove_hooks(self):
        for h in self._hooks:
            h.remove()
        self._hooks = []

    def sparsity(self):
        """{name: (kept, total)} of the current weights (nonzero count)."""
        return {n: (int((e["param"] != 0).sum()), e["param"].numel())
                for n, e in self.params.items()}

    def state_dict(self, rnn=None):
        """The state_dict of one RNN (its own parameter names, masks applied) as float32 numpy
        arrays; rnn: the submodule's name when the module holds several."""
        self.apply_masks()
        if rnn is None:
            if len(self.rnns) != 1:
                raise ValueError(f"ADMMPruner: several RNNs ({', '.join(self.rnns)}): give rnn=")
            rnn = next(iter(self.rnns))
        return {k: v.detach().cpu().numpy().astype(np.float32)
                for k, v in self.rnns[rnn].state_dict().items()}

    def save_npz(self, path, rnn=None):
        """Writes state_dict() as an .npz (PyTorch state_dict names; `csbrnn prune` reads it),
        atomically (a temporary file renamed into place)."""
        import os
        import tempfile
        sd = self.state_dict(rnn)
        d = os.path.dirname(os.path.abspath(path))
        fd, tmp = tempfile.mkstemp(dir=d, suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as f:
                np.savez(f, **sd)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
