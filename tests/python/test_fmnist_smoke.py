"""CI smoke run of the whole trained flow (examples/fashion_mnist.py, well under a minute): a tiny
LSTM on a Fashion-MNIST subset, short epochs, ADMM CSB pruning, masked retraining, export ->
`csbrnn prune --method keep` -> compile -> simulate. Asserts exact CSB structure after pruning and
after retraining, pruned weights still zero, accuracy well above chance (10 %), lossless .csb
conversion, the machine's classes == the float model's on most sequences, and the bound
projection == the CLI's on the trained dense weights."""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.environ["CSBRNN_SOURCE_DIR"], "examples"))
import csbrnn  # noqa: E402
import fashion_mnist  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


with tempfile.TemporaryDirectory() as d:
    r = fashion_mnist.main(["--out", d, "--hidden", "32", "--train-n", "3000", "--test-n", "1000",
                            "--dense-epochs", "2", "--admm-epochs", "1", "--retrain-epochs", "1",
                            "--admm-every", "4", "--block", "8x8", "--sim-n", "40",
                            "--lr", "1e-2"])
    check(r["csb_after_prune"], "CSB structure after prune()")
    check(r["csb_after_retrain"], "CSB structure after retraining")
    check(r["zeros_stay_zero"], "pruned weights zero after retraining")
    check(r["csb_lossless"], ".csb conversion lossless")
    check(r["acc_dense"] > 0.4, f"dense accuracy {r['acc_dense']}")
    check(r["acc_csb"] > 0.4, f"CSB accuracy {r['acc_csb']}")
    check(r["agree_machine_float"] >= 0.9, f"machine vs float agreement {r['agree_machine_float']}")
    for n, (kept, total) in r["sparsity"].items():
        check(abs(total / kept - 8.0) < 0.8, f"{n}: rate {total / kept}")
    # bound projection == CLI on the trained dense weights
    exp = os.path.join(d, "cli.npz")
    p = subprocess.run([os.environ["CSBRNN_CLI"], "prune", os.path.join(d, "dense.npz"), "--rate",
                        "8", "--block", "8x8", "--export-dense", exp, "-q"])
    check(p.returncode == 0, "cli prune")
    with np.load(exp) as z, np.load(os.path.join(d, "dense.npz")) as w:
        for k in z.files:
            if k.startswith("weight_"):
                got = csbrnn.project(w[k], "csb", 8.0, (8, 8))
                check(np.array_equal(got, z[k]), f"{k}: bound projection != CLI")
if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("ok")
