#!/usr/bin/env python3
"""The trained models through the paper's design and the plus design (issue 11; docs/paper-figures.md
"Beyond the paper"): every CSB model of models/trained/models.json (and any --extra NAME=FILE.npz:BLOCK,
e.g. a tile-aligned model of scripts/accuracy_table.py's csb-tile-admm cells) as a .csb
(`csbrnn prune --method keep` at its block: every trained weight unchanged), then four simulate
sweeps (`csbrnn sweep`, fast timing, bit-exact check), one per design: configs/hw_256pe.yaml,
hw_512pe.yaml, hw_256pe_plus.yaml and hw_512pe_plus.yaml. Prints a Markdown table of cycles per timestep, group
occupancy and PE utilization, paper rules vs plus, and the occupancy bound of the plus design: no
schedule of the same kernels can do better (see occupancy_bound).

    /usr/bin/python3 scripts/beyond_trained.py --out out/beyond-trained [--cli build/csbrnn]
        [--models fmnist-lstm64,speech-gru256x2]
        [--extra fmnist-lstm64-tile=out/acc/models/fmnist-lstm64-csb-tile-admm-8.npz:16]

Every figure is read from the sweeps' results.csv; OUT/table.md is written atomically.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAINED = os.path.join(ROOT, "models", "trained")


def die(msg):
    print(f"beyond_trained.py: {msg}", file=sys.stderr)
    sys.exit(2)


def write_atomic(path, text):
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=d, prefix=os.path.basename(path) + ".tmp.")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def run(cmd):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        die(f"{' '.join(cmd)} failed: {r.stdout.strip().splitlines()[-1] if r.stdout.strip() else r.returncode}")
    return r.stdout


def resolved_keys(yaml_text):
    """The dotted keys of a resolved hardware YAML (csbrnn's own output: two-space indentation,
    `key: value  # comment` lines), as strings; enough for the integer knobs read here."""
    keys, stack = {}, []
    for line in yaml_text.splitlines():
        body = line.split("#", 1)[0].rstrip()
        if not body.strip() or ":" not in body:
            continue
        depth = (len(body) - len(body.lstrip())) // 2
        k, v = body.strip().split(":", 1)
        stack = stack[:depth] + [k]
        if v.strip():
            keys[".".join(stack)] = v.strip().strip('"')
    return keys


def occupancy_bound(report):
    """Upper bound on the group occupancy of a compiled program (`csbrnn compile --report`): each
    MVM needs at least ceil(tiles / groups) issue cycles (its tiles spread perfectly), after its
    first input slices have loaded (first_load) and followed by one drain (the pipeline latencies,
    no vertical path) and one reduction (at least 1 cycle + engine.reduce.latency), so
    occupancy <= sum(tiles / groups) / sum(ceil(tiles / groups) + first_load + drain + 1 + latency)."""
    hw = resolved_keys(report["hw"])
    drain = sum(int(hw[f"engine.pipeline.{k}"]) for k in ("weight_read", "multiply", "adder_tree", "accumulate"))
    red = 1 + int(hw["engine.reduce.latency"])
    num = den = 0.0
    for m in report["timing"]["mvms"]:
        g = len(m["groups"])
        num += m["tiles"] / g
        den += -(-m["tiles"] // g) + m["first_load"] + drain + red
    return num / den if den else 0.0


def models_of(args):
    index = os.path.join(TRAINED, "models.json")
    try:
        with open(index) as f:
            trained = json.load(f)
    except (OSError, ValueError) as e:
        die(f"{index}: cannot read the trained-model index ({e})")
    out = []
    wanted = [w for w in args.models.split(",") if w] if args.models else list(trained)
    for w in wanted:
        if w not in trained:
            die(f"--models: no trained model '{w}' in {index} (there are: {', '.join(trained)})")
    for name, m in trained.items():
        if name not in wanted:
            continue
        out.append((name, os.path.join(TRAINED, m["csb"]), int(m["block"][0]), int(m["block"][1])))
    for e in args.extra:
        try:
            name, rest = e.split("=", 1)
            path, block = rest.rsplit(":", 1)
            out.append((name, path, int(block), int(block)))
        except ValueError:
            die(f"--extra {e}: expected NAME=FILE.npz:BLOCK")
        if not os.path.exists(path):
            die(f"--extra {e}: no such file {path}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--cli", default=os.environ.get("CSBRNN_CLI", os.path.join(ROOT, "build", "csbrnn")))
    ap.add_argument("--models", default="", help="comma list of models.json names (default: all)")
    ap.add_argument("--extra", action="append", default=[])
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("-j", "--jobs", type=int, default=2)
    args = ap.parse_args()
    if not os.access(args.cli, os.X_OK):
        die(f"{args.cli}: no csbrnn executable (build first or give --cli)")
    os.makedirs(os.path.join(args.out, "csb"), exist_ok=True)
    models = models_of(args)
    entries = []
    for name, npz, bh, bw in models:
        csb = os.path.join(os.path.abspath(args.out), "csb", name + ".csb")
        run([args.cli, "prune", npz, "--method", "keep", "--block", f"{bh}x{bw}", "-o", csb])
        entries.append((name, csb))
    results = {}
    for design, pes, base in (("paper", 256, "hw_256pe.yaml"), ("paper", 512, "hw_512pe.yaml"),
                              ("plus", 256, "hw_256pe_plus.yaml"), ("plus", 512, "hw_512pe_plus.yaml")):
        lines = [f'name: "trained models, {design} design, {pes} PEs"', "mode: simulate",
                 f"timesteps: {args.steps}", "models:"]
        for name, csb in entries:
            lines.append(f'  - {{model: "{csb}"}}')
        lines += ["hw:", f'  base: "{os.path.join(ROOT, "configs", base)}"', ""]
        spec = os.path.join(args.out, f"spec-{design}-{pes}.yaml")
        write_atomic(spec, "\n".join(lines))
        out = os.path.join(args.out, f"{design}-{pes}")
        run([args.cli, "sweep", spec, "--out", out, "-j", str(args.jobs), "--no-progress"])
        with open(os.path.join(out, "results.csv")) as f:
            for r in csv.DictReader(f):
                if r["status"] != "ok" or r.get("sim_check") != "passed":
                    die(f"{out}: point {r['id']} of {r['model']}: {r['status']} {r.get('error', '')}")
                if int(r["sim_minus_analytic_cycles"]) != 0:
                    die(f"{out}: point {r['id']}: simulated != analytic")
                results[(r["model"], pes, design)] = r
    bounds = {}
    for name, csb in entries:
        for pes in (256, 512):
            rep = os.path.join(args.out, f"bound-{name}-{pes}.json")
            run([args.cli, "compile", csb, "--hw", os.path.join(ROOT, "configs", f"hw_{pes}pe_plus.yaml"),
                 "-o", os.path.join(args.out, f"bound-{name}-{pes}.bin"), "--report", rep])
            with open(rep) as f:
                bounds[(name, pes)] = occupancy_bound(json.load(f))
    rows = ["| model | PEs | paper rules: cycles/step | occupancy | utilization | plus: cycles/step | occupancy | utilization | speed-up | plus: occupancy bound |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, _ in entries:
        for pes in (256, 512):
            a, b = results[(name, pes, "paper")], results[(name, pes, "plus")]
            ca, cb = float(a["sim_cycles_per_step"]), float(b["sim_cycles_per_step"])
            rows.append(f"| {name} | {pes} | {ca:,.0f} | {100 * float(a['group_occupancy']):.1f} % | "
                        f"{100 * float(a['pe_utilization']):.1f} % | {cb:,.0f} | "
                        f"{100 * float(b['group_occupancy']):.1f} % | {100 * float(b['pe_utilization']):.1f} % | "
                        f"{ca / cb:.2f}x | {100 * bounds[(name, pes)]:.1f} % |")
    table = "\n".join(rows) + "\n"
    write_atomic(os.path.join(args.out, "table.md"), table)
    print(table, end="")


if __name__ == "__main__":
    main()
