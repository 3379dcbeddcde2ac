#!/usr/bin/env python3
"""The golden-trace harness (scripts/traces.py) can fail, and its goldens hold what an independent
route computes. On copies of traces/ in a temporary folder: an intact case passes; a changed
output element, a changed stats.json value, a changed VCD value and a missing golden file each
fail with exit 1 and a message naming the place; a different VCD $date passes (normalised);
regen restores the exact committed files; a case of committed weights and input (how trained
tasks join) regenerates and checks; a bad case.yaml is refused with exit 2. Independently of the
simulator: every cell's y.npy is what `csbrnn reference --fixed-point` computes from the same
model and input, and is the same in all of the cell's sharing / streaming cases.
Usage: test_traces.py --csbrnn BIN. Exit 0 when every check holds, 1 otherwise."""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SCRIPT = os.path.join(ROOT, "scripts", "traces.py")
TRACES = os.path.join(ROOT, "traces")
CASE = "lstm-2d-stream"

ap = argparse.ArgumentParser()
ap.add_argument("--csbrnn", required=True)
csbrnn = os.path.abspath(ap.parse_args().csbrnn)

fails = 0


def expect(name, ok, detail=""):
    global fails
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))
    fails += not ok


def traces(golden, *args):
    r = subprocess.run([sys.executable, SCRIPT, "--csbrnn", csbrnn, "--golden-dir", golden, *args],
                       capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def expect_run(name, golden, args, rc, *texts):
    got, out = traces(golden, *args)
    missing = [t for t in texts if t not in out]
    expect(name, got == rc and not missing,
           f"rc {got} (want {rc}), missing {missing}, output {out!r}")


def copy_tree(cases):
    d = tempfile.mkdtemp(prefix="csbrnn-trace-test-")
    shutil.copytree(os.path.join(TRACES, "models"), os.path.join(d, "models"))
    for c in cases:
        shutil.copytree(os.path.join(TRACES, c), os.path.join(d, c))
    return d


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


g = copy_tree([CASE])
case = os.path.join(g, CASE)
orig = {f: read(os.path.join(case, f)) for f in os.listdir(case)}
expect_run("intact copy passes", g, ["check", CASE], 0, f"{CASE}: ok (5 files)")

# y.npy, element (2, 5) of 5 x 32 float32: header then row-major elements.
y = bytearray(orig["y.npy"])
off = len(y) - 5 * 32 * 4 + (2 * 32 + 5) * 4
y[off:off + 4] = struct.pack("<f", struct.unpack("<f", y[off:off + 4])[0] + 0.5)
write(os.path.join(case, "y.npy"), bytes(y))
expect_run("changed output element fails", g, ["check", CASE], 1,
           f"{CASE}/y.npy: element (2, 5) golden", "(1 of 160 elements differ)",
           "1 of 5 files differ", f"traces.py regen {CASE}")
write(os.path.join(case, "y.npy"), orig["y.npy"])

stats = orig["stats.json"].decode()
total = '  "total": '
assert total in stats
write(os.path.join(case, "stats.json"), stats.replace(total, total + "1", 1).encode())
expect_run("changed stats value fails with a diff", g, ["check", CASE], 1,
           f"--- golden/{CASE}/stats.json", f"+++ now/{CASE}/stats.json", '-  "total": 1')
write(os.path.join(case, "stats.json"), orig["stats.json"])

vcd = orig["trace.vcd"].decode()
dated = vcd.replace("$timescale", "$date\n     Jan 01, 2000 00:00:00\n$end\n\n"
                    "$version\n x\n$end\n\n$timescale", 1)
write(os.path.join(case, "trace.vcd"), dated.encode())
expect_run("a VCD $date / $version is ignored", g, ["check", CASE], 0, "ok (5 files)")
write(os.path.join(case, "trace.vcd"), (vcd + "#999\n").encode())
expect_run("changed VCD fails", g, ["check", CASE], 1, f"{CASE}/trace.vcd", "-#999")
write(os.path.join(case, "trace.vcd"), orig["trace.vcd"])

os.remove(os.path.join(case, "program.txt"))
expect_run("missing golden file fails", g, ["check", CASE], 1,
           f"{CASE}/program.txt: no golden file")

write(os.path.join(case, "y.npy"), b"junk")
expect_run("regen rewrites the changed files", g, ["regen", CASE], 0,
           "rewrote y.npy, program.txt")
now = {f: read(os.path.join(case, f)) for f in os.listdir(case)}
expect("regen restores the committed files byte for byte", now == orig,
       f"differ: {[f for f in orig if now.get(f) != orig[f]]}")
expect_run("regen again changes nothing", g, ["regen", CASE], 0, f"{CASE}: unchanged")

# A case the way a trained task joins: committed weights and input, no generator.
trained = os.path.join(g, "trained")
os.makedirs(trained)
subprocess.run([csbrnn, "genmodel", os.path.join(g, "models", "lstm.yaml"), "--seed", "1", "-o",
                "weights.npz", "--no-info"], cwd=trained, check=True, capture_output=True)
shutil.copy(os.path.join(case, "x.npy"), trained)
case_yaml = read(os.path.join(case, "case.yaml")).decode()
spec = "".join(line for line in case_yaml.splitlines(True)
               if line.split(":")[0] in ("prune", "set", "vcd_window"))
write(os.path.join(trained, "case.yaml"), ("weights: weights.npz\n" + spec).encode())
expect_run("committed-weights case regenerates", g, ["regen", "trained"], 0,
           "trained: rewrote y.npy, stats.json, program.txt, trace.vcd")
expect_run("committed-weights case checks", g, ["check", "trained"], 0, "trained: ok (4 files)")
expect("committed x.npy is kept", read(os.path.join(trained, "x.npy")) == orig["x.npy"])
expect("same weights and input give the same outputs",
       read(os.path.join(trained, "y.npy")) == orig["y.npy"])

write(os.path.join(trained, "case.yaml"),
      ("weights: weights.npz\nvcd_windw: 0:10\n" + spec).encode())
expect_run("unknown case key refused", g, ["check", "trained"], 2,
           "trained/case.yaml:2: unknown key 'vcd_windw' (did you mean 'vcd_window'?)")
expect_run("unknown case refused", g, ["check", "lstm-2d-streem"], 2,
           "no case 'lstm-2d-streem' (did you mean 'lstm-2d-stream'?)")
shutil.rmtree(g)

# Independent route: the fixed-point reference RNN (no simulator, no compiler) on each cell's
# model and input gives the committed y.npy, in every sharing mode and streaming variant.
for cell in ("lstm", "gru", "lstmp"):
    w = tempfile.mkdtemp(prefix="csbrnn-trace-ref-")
    cell_cases = sorted(c for c in os.listdir(TRACES) if c.startswith(cell + "-"))
    first = dict(line.split(": ", 1) for line in
                 read(os.path.join(TRACES, cell_cases[0], "case.yaml")).decode().splitlines()
                 if not line.startswith("#"))
    steps = [subprocess.run(cmd, cwd=w, capture_output=True) for cmd in (
        [csbrnn, "genmodel", os.path.join(TRACES, "models", cell + ".yaml"), "--seed",
         first["seed"], "-o", "weights.npz"],
        [csbrnn, "prune", "weights.npz", *first["prune"].split(), "-o", "model.csb", "-q"],
        [csbrnn, "reference", "--model", "model.csb", "--input",
         os.path.join(TRACES, cell_cases[0], "x.npy"), "--fixed-point", "--output", "y.npy"])]
    expect(f"{cell}: reference runs", all(s.returncode == 0 for s in steps),
           " / ".join(s.stderr.decode() for s in steps))
    ref = read(os.path.join(w, "y.npy"))
    expect(f"{cell}: 8 cases", len(cell_cases) == 8, str(cell_cases))
    for c in cell_cases:
        expect(f"{c}: y.npy is the fixed-point reference's output",
               read(os.path.join(TRACES, c, "y.npy")) == ref)
    shutil.rmtree(w)

sys.exit(1 if fails else 0)
