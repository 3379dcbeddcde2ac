"""The committed trained models (models/trained/models.json): every file is there with the shape
the index gives; each CSB model is CSB-structured at its block (`csbrnn prune --method keep`
takes it unchanged) and is as sparse as the index says; the Fashion-MNIST models reproduce the
test accuracy their training run recorded (PyTorch, float, the same first 2000 test images of
the table's recipe); the machine runs a CSB model bit-exact against the fixed-point reference
(csbrnn.simulate checks it) and its class decisions match the float model's on most sequences."""
import json
import os
import sys

import numpy as np
import torch

import csbrnn
from csbrnn.standin import achieved_rate, keep_model, shape_of
from csbrnn.tasks import common
from csbrnn.tasks import fashion_mnist as fm

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


src = os.environ.get("CSBRNN_SOURCE_DIR", os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))))
cli = os.environ.get("CSBRNN_CLI")
d = os.path.join(src, "models", "trained")
with open(os.path.join(d, "models.json")) as f:
    index = json.load(f)
check(len(index) >= 4, f"models.json lists {len(index)} models")
check(any(e["shape"]["hidden_size"] >= 256 and e["shape"]["layers"] >= 2 for e in index.values())
      or os.environ.get("CSBRNN_ALLOW_NO_LARGE"), "a larger model (hidden >= 256, 2 layers)")


def load(name):
    with np.load(os.path.join(d, name)) as z:
        return {k: z[k] for k in z.files}


torch.set_num_threads(1)
xte = yte = None
for name, e in index.items():
    for k in ("dense", "dense_head", "csb", "csb_head"):
        check(os.path.exists(os.path.join(d, e[k])), f"{name}: {e[k]} exists")
    sd, dense = load(e["csb"]), load(e["dense"])
    check(shape_of(sd) == e["shape"] and shape_of(dense) == e["shape"], f"{name}: shape")
    check(abs(achieved_rate(sd) - e["rate"]) < 1e-9, f"{name}: rate {achieved_rate(sd)}")
    check(achieved_rate(dense) < 1.01, f"{name}: the dense model is dense")
    if cli:
        cm = keep_model(sd, tuple(e["block"]), cli)
        check(all(np.array_equal(cm.state_dict()[k], v) for k, v in sd.items()),
              f"{name}: .csb conversion keeps every weight")
    if e["task"] != "fmnist":
        continue
    if xte is None:
        xte, yte = fm.load("test", 2000)
    for which, acc in (("dense", e["acc_dense"]), ("csb", e["acc_csb"])):
        s = e["shape"]
        head = load(e[which + "_head"])
        m = common.SeqClassifier(cell=s["cell"], hidden=s["hidden_size"], layers=s["layers"],
                                 proj=s["proj_size"], inputs=s["input_size"],
                                 classes=head["weight"].shape[0])
        m.rnn.load_state_dict({k: torch.from_numpy(v) for k, v in load(e[which]).items()})
        m.fc.load_state_dict({k: torch.from_numpy(v) for k, v in head.items()})
        got = common.accuracy(m.eval(), xte, yte)
        check(abs(got - acc) < 1e-9, f"{name} {which}: accuracy {got} vs recorded {acc}")
        if which == "csb" and cli and name == "fmnist-lstm64":
            ys, _ = csbrnn.simulate(cm, xte[:20])   # checked against the reference
            with torch.no_grad():
                pm = m.head(ys).argmax(1).numpy()
                pf = m(torch.from_numpy(xte[:20])).argmax(1).numpy()
            check((pm == pf).mean() >= 0.9, f"{name}: machine vs float classes {pm} {pf}")

if failures:
    sys.exit(f"{len(failures)} failure(s)")
print("ok")
