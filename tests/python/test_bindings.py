"""The Python bindings against the CLI: csbrnn.project equals what `csbrnn prune --export-dense`
keeps, bit for bit, for every method of the registry (on the weights of a
two-layer LSTMP and a GRU as PyTorch initialises them); .csb load/save round trip; compile; reference;
simulate (bit-exact against the fixed-point reference, twice in one process). Run by ctest with
PYTHONPATH=build/python, CSBRNN_CLI and CSBRNN_SOURCE_DIR set."""
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

import csbrnn

CLI = os.environ["CSBRNN_CLI"]
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def cli(*args):
    r = subprocess.run([CLI, *args], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def lstmp_weights(path):
    torch.manual_seed(3)
    m = torch.nn.LSTM(28, 48, num_layers=2, proj_size=24)
    np.savez(path, **{k: v.detach().numpy() for k, v in m.state_dict().items()})
    return {k: v.detach().numpy() for k, v in m.state_dict().items()}


def gru_weights(path):
    torch.manual_seed(4)
    m = torch.nn.GRU(20, 40)
    sd = {k: v.detach().numpy() for k, v in m.state_dict().items()}
    np.savez(path, **sd)
    return sd


def main():
    with tempfile.TemporaryDirectory() as d:
        cases = [("lstmp", lstmp_weights(f"{d}/lstmp.npz")), ("gru", gru_weights(f"{d}/gru.npz"))]
        names = [m["name"] for m in csbrnn.methods()]
        check("keep" in names and "csb" in names, f"registry methods {names}")
        for tag, sd in cases:
            for m in csbrnn.methods():
                meth = m["name"]
                exp = f"{d}/{tag}-{meth}.npz"
                if m["uses_rate"]:
                    args = ["--rate", "6", "--block", "8x8"]
                    src = f"{d}/{tag}.npz"
                    ref_sd = sd
                else:  # keep: on the csb-pruned weights
                    args = ["--block", "8x8"]
                    src = f"{d}/{tag}-csb.npz"
                    with np.load(src) as z:
                        ref_sd = {k: z[k] for k in z.files}
                rc, out = cli("prune", src, "--method", meth, *args, "--banks", "4",
                              "--refine", "2", "--export-dense", exp, "-q")
                check(rc == 0, f"{tag} {meth}: cli prune failed: {out}")
                if rc:
                    continue
                with np.load(exp) as z:
                    for k in z.files:
                        if not k.startswith("weight_"):
                            continue
                        got = csbrnn.project(ref_sd[k], method=meth,
                                             rate=None if not m["uses_rate"] else 6.0,
                                             block=(8, 8), banks=4, refine=2)
                        check(got.dtype == np.float32 and got.shape == z[k].shape,
                              f"{tag} {meth} {k}: shape/dtype")
                        check(np.array_equal(got.view(np.uint32), z[k].view(np.uint32)),
                              f"{tag} {meth} {k}: bound projection != CLI export")
                        kept = int((got != 0).sum())
                        if meth in ("csb", "csb-global", "unstructured"):  # exact counts
                            check(abs(kept - z[k].size / 6.0) <= 0.15 * z[k].size / 6,
                                  f"{tag} {meth} {k}: kept {kept} far from the rate")
            # keep leaves csb weights unchanged, bit for bit
            with np.load(f"{d}/{tag}-csb.npz") as a, np.load(f"{d}/{tag}-keep.npz") as b:
                check(all(np.array_equal(a[k], b[k]) for k in a.files), f"{tag}: keep changed a weight")

        # csb-tile's tile reaches the projection: tile=(2, 4) == --tile 2x4, != the default 4x4
        rc, out = cli("prune", f"{d}/gru.npz", "--method", "csb-tile", "--rate", "6", "--block",
                      "8x8", "--tile", "2x4", "--export-dense", f"{d}/gru-tile24.npz", "-q")
        check(rc == 0, "cli prune --tile 2x4: " + out)
        with np.load(f"{d}/gru-tile24.npz") as z:
            for k in (k for k in z.files if k.startswith("weight_")):
                got = csbrnn.project(cases[1][1][k], method="csb-tile", rate=6.0, block=(8, 8),
                                     tile=(2, 4))
                check(np.array_equal(got.view(np.uint32), z[k].view(np.uint32)),
                      f"csb-tile tile=(2,4) {k}: bound projection != CLI export")
        psd24 = csbrnn.prune(cases[1][1], method="csb-tile", rate=6.0, block=(8, 8), tile=(2, 4))[0]
        psd44 = csbrnn.prune(cases[1][1], method="csb-tile", rate=6.0, block=(8, 8))[0]
        with np.load(f"{d}/gru-tile24.npz") as z:
            check(all(np.array_equal(psd24[k], z[k]) for k in z.files), "prune(tile=(2,4)) != CLI")
        check(any(not np.array_equal(psd24[k], psd44[k]) for k in psd24), "tile had no effect")

        # whole-model prune == CLI -o; .csb round trip; state_dict of the model
        rc, out = cli("prune", f"{d}/lstmp.npz", "--method", "csb", "--rate", "6", "--block",
                      "8x8", "-o", f"{d}/cli.csb", "-q")
        check(rc == 0, "cli prune -o: " + out)
        psd, model = csbrnn.prune(cases[0][1], method="csb", rate=6.0, block=(8, 8))
        model.save(f"{d}/py.csb")
        m2 = csbrnn.load_csb(f"{d}/cli.csb")
        sd1, sd2 = model.state_dict(), m2.state_dict()
        check(sorted(sd1) == sorted(sd2) and all(np.array_equal(sd1[k], sd2[k]) for k in sd1),
              "csbrnn.prune model != cli -o model")
        with np.load(f"{d}/lstmp-csb.npz") as z:
            check(all(np.array_equal(psd[k], z[k]) for k in z.files), "prune() state_dict != export")
        check(model.proj_size == 24 and model.num_layers == 2 and model.cell == "lstm",
              f"model shape {model}")

        # compile, reference, simulate twice (subprocesses), batch and single
        x = np.random.default_rng(5).uniform(-1, 1, (3, 6, 28)).astype(np.float32)
        prog = csbrnn.compile(model)
        check(prog.input_size == 28 and prog.output_size == 24, "program sizes")
        y, stats = csbrnn.simulate(model, x)
        check(y.shape == (3, 6, 24) and len(stats) == 3, f"simulate batch shapes {y.shape}")
        for i in range(3):
            ref = csbrnn.reference(model, x[i], fixed_point=True)
            check(np.array_equal(ref, y[i]), f"simulate[{i}] != fixed-point reference")
            check(stats[i]["cycles"]["total"] > 0, "stats cycles")
        fl = csbrnn.reference(model, x[0], fixed_point=False)
        check(np.abs(fl - y[0]).max() < 0.02, "fixed point far from float")
        y1, st1 = csbrnn.simulate(f"{d}/cli.csb", x[1], sets={"engine.pe_groups": "2x2"})
        check(np.array_equal(y1, y[1]), "second simulate (2x2 groups) output differs")
        check(isinstance(st1, dict) and st1["cycles"]["total"] != stats[1]["cycles"]["total"],
              "second simulate stats (2x2 vs default groups)")
        # prune(permute="balance"): the CsbModel carries its output order; simulate and
        # reference return the original order, equal to the fixed-point reference (CLI) of the
        # returned state_dict, which is the same pruned model in the original unit order.
        bsd, bmodel = csbrnn.prune(cases[0][1], method="csb", rate=6.0, block=(8, 8),
                                   permute="balance")
        perm = list(bmodel.output_perm)
        check(sorted(perm) == list(range(24)) and perm != list(range(24)),
              f"balance output_perm {perm}")
        yb, _ = csbrnn.simulate(bmodel, x[0])
        check(np.array_equal(yb, csbrnn.reference(bmodel, x[0], fixed_point=True)),
              "permuted simulate != its reference")
        np.savez(f"{d}/bsd.npz", **bsd)
        np.save(f"{d}/x0.npy", x[0])
        rc, out = cli("reference", "--fixed-point", "--model", f"{d}/bsd.npz", "--input",
                      f"{d}/x0.npy", "--output", f"{d}/yb.npy")
        check(rc == 0 and np.array_equal(np.load(f"{d}/yb.npy"), yb),
              "permuted simulate != reference of the original-order state_dict " + out)
        # errors are csbrnn.Error with the one-line message
        try:
            csbrnn.project(np.zeros((4, 4), np.float32) + 1, method="csbb", rate=4, block=(2, 2))
            check(False, "unknown method not refused")
        except csbrnn.Error as e:
            check("did you mean 'csb'" in str(e), f"unknown method message: {e}")
    if failures:
        print(f"{len(failures)} failure(s)")
        sys.exit(1)
    print("ok")


if __name__ == "__main__":
    main()
