#!/usr/bin/env python3
"""scripts/beyond_trained.py end to end on two trained models (a CI-sized run of the script that
produces docs/paper-figures.md section 5's trained-model table): it must exit 0 with a row per
model and PE count, every point simulated bit-exact and equal to the analytic model (the script
itself refuses otherwise), the plus design faster on every row, its occupancy within the printed occupancy bound; and bad arguments must give one
line and exit 2."""
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "beyond_trained.py")


def main():
    cli = sys.argv[sys.argv.index("--csbrnn") + 1]
    with tempfile.TemporaryDirectory() as d:
        r = subprocess.run([sys.executable, SCRIPT, "--out", d, "--cli", cli, "--steps", "2",
                            "--models", "fmnist-lstm64,speech-gru256x2"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        assert r.returncode == 0, r.stdout
        rows = [ln for ln in r.stdout.splitlines() if ln.startswith("| fmnist") or ln.startswith("| speech")]
        assert len(rows) == 4, r.stdout
        for ln in rows:
            cells = [c.strip() for c in ln.strip().strip("|").split("|")]
            speedup = float(cells[8].rstrip("x"))
            assert speedup > 1.0, ln
            # the bound holds: the plus design's measured occupancy never exceeds it
            occ, bound = float(cells[6].rstrip(" %")), float(cells[9].rstrip(" %"))
            assert 0 < occ <= bound <= 100, ln
        with open(os.path.join(d, "table.md")) as f:
            assert f.read() == r.stdout
        for bad, what in ((["--models", "nosuch"], "no trained model 'nosuch'"),
                          (["--extra", "x"], "--extra x: expected NAME=FILE.npz:BLOCK"),
                          (["--cli", os.path.join(d, "none")], "no csbrnn executable")):
            args = [sys.executable, SCRIPT, "--out", d, "--cli", cli] + bad
            r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            assert r.returncode == 2, (bad, r.stdout)
            assert len(r.stdout.strip().splitlines()) == 1 and what in r.stdout, (bad, r.stdout)
    print("ok")


if __name__ == "__main__":
    main()
