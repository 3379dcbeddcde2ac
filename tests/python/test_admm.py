"""ADMMPruner on nn.LSTM (with and without proj_size, 2 layers) and nn.GRU: penalty value by
hand, the Z/U updates against csbrnn.project, rho schedule, per-matrix rates/blocks, exact CSB
structure after prune() and after masked retraining with Adam (momentum, weight decay), and
save_npz names."""
import os
import sys
import tempfile

import numpy as np
import torch

import csbrnn

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def is_csb(w, bh, bw):
    try:
        csbrnn.project(w, method="keep", rate=None, block=(bh, bw))
        return True
    except csbrnn.Error:
        return False


def run(rnn, rate_for=None, block_for=None):
    torch.manual_seed(0)
    model = torch.nn.Sequential()
    model.add_module("rnn", rnn)
    pr = csbrnn.ADMMPruner(model, method="csb", rate=4.0, block=(8, 8), rate_for=rate_for,
                           block_for=block_for, rho=0.1, rho_growth=2.0, rho_max=0.3)
    names = sorted(pr.params)
    want = sorted(f"rnn.{k}" for k, _ in rnn.named_parameters() if k.startswith("weight_"))
    check(names == want, f"matrices {names}")
    # Z starts at the projection of W, U at 0: penalty = rho/2 sum ||W - Pi(W)||^2
    pen = float(pr.penalty())
    hand = 0.0
    for n, e in pr.params.items():
        w = e["param"].detach().numpy()
        hand += float(((w - csbrnn.project(w, "csb", e["rate"], e["block"])) ** 2).sum())
    check(abs(pen - 0.05 * hand) <= 1e-5 * max(1.0, hand), f"penalty {pen} vs {0.05 * hand}")
    # one update: Z = Pi(W + U) with U = 0, then U = W - Z; rho doubles, capped at rho_max
    pr.update()
    for n, e in pr.params.items():
        w = e["param"].detach().numpy()
        z = csbrnn.project(w, "csb", e["rate"], e["block"])
        check(np.array_equal(pr.Z[n].numpy(), z), f"{n}: Z-step")
        check(np.allclose(pr.U[n].numpy(), w - z), f"{n}: U-step")
    check(abs(pr.rho - 0.2) < 1e-12, "rho growth")
    pr.update()
    check(abs(pr.rho - 0.3) < 1e-12, "rho cap")
    # a few ADMM steps with the penalty, then prune and retrain with Adam + weight decay
    opt = torch.optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-3)
    x = torch.randn(3, 5, rnn.input_size)
    for _ in range(3):
        out, _ = model(x)
        loss = out.pow(2).mean() + pr.penalty()
        opt.zero_grad()
        loss.backward()
        opt.step()
        pr.update()
    pr.prune()
    check(float(pr.penalty()) == 0.0, "penalty after prune")
    masks = {n: m.clone() for n, m in pr.masks.items()}
    for n, e in pr.params.items():
        w = e["param"].detach().numpy()
        check(is_csb(w, *e["block"]), f"{n}: not CSB after prune")
        kept = int(masks[n].sum())
        check(abs(kept - w.size / e["rate"]) <= max(e["block"]) * 8, f"{n}: kept {kept}")
    for _ in range(5):  # the old optimizer on purpose: its momentum must not revive a weight
        out, _ = model(x)
        loss = (out - 1).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    sd = model.state_dict()  # exact without an explicit apply_masks (the state_dict hook)
    moved = False
    for n, e in pr.params.items():
        w = sd[n]
        check(bool((w[~masks[n]] == 0).all()), f"{n}: a pruned weight is nonzero after retraining")
        check(is_csb(w.numpy(), *e["block"]), f"{n}: not CSB after retraining")
        moved = moved or bool((w[masks[n]] != 0).any())
    check(moved, "retraining changed no kept weight")
    model(x)  # the forward pre-hook: the parameters themselves are exact zeros again
    for n, e in pr.params.items():
        check(bool((e["param"].detach()[~masks[n]] == 0).all()), f"{n}: nonzero after forward")
    with tempfile.TemporaryDirectory() as d:
        pr.save_npz(os.path.join(d, "m.npz"))
        with np.load(os.path.join(d, "m.npz")) as z:
            check(sorted(z.files) == sorted(rnn.state_dict()), f"npz names {z.files}")
    return pr


def main():
    run(torch.nn.LSTM(12, 16, num_layers=2))
    pr = run(torch.nn.LSTM(12, 24, num_layers=2, proj_size=8),
             rate_for={"weight_hh_l1": 2.0}, block_for={"rnn.weight_hr_l0": (4, 8)})
    check(pr.params["rnn.weight_hh_l1"]["rate"] == 2.0, "rate_for by short name")
    check(pr.params["rnn.weight_hh_l0"]["rate"] == 4.0, "base rate")
    check(tuple(pr.params["rnn.weight_hr_l0"]["block"]) == (4, 8), "block_for by full name")
    run(torch.nn.GRU(10, 16))
    try:
        csbrnn.ADMMPruner(torch.nn.GRU(4, 8), rate_for={"weight_hr_l0": 2})
        check(False, "unknown rate_for name accepted")
    except ValueError as e:
        check("weight_hr_l0" in str(e), f"message {e}")
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
