#!/usr/bin/env python3
"""Golden regression traces (traces/README.md).

Each case is a folder traces/CASE/ with a case.yaml (how to build and run it) and the golden files
the run must reproduce: x.npy (the input, when case.yaml draws it from input_seed), y.npy (the
simulated outputs), stats.json (the simulator's statistics without the tool's own speed fields,
scripts/strip_timing.py), program.txt (`csbrnn disasm` of the compiled program) and trace.vcd
(a VCD window, without its $date and $version sections).

  scripts/traces.py [--csbrnn BIN] [--golden-dir DIR] list
  scripts/traces.py [--csbrnn BIN] [--golden-dir DIR] check [CASE...]  exit 1 if a file differs
  scripts/traces.py [--csbrnn BIN] [--golden-dir DIR] regen [CASE...]  rewrite the golden files

check runs the case into a temporary directory and compares every golden file: text files
with a unified diff, .npy files by header and then element by element (the first differing
element is printed). Without a case, check and regen take every case; review the regenerated
files with git diff before committing.
Only the Python standard library is used (no numpy, no PyYAML)."""
import argparse
import difflib
import os
import random
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strip_timing  # noqa: E402

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
KEYS = {
    "model": "genmodel spec of the model, relative to the traces folder",
    "seed": "genmodel seed",
    "weights": "committed weights (.npz) in the case folder, instead of model + seed",
    "prune": "csbrnn prune options",
    "set": "hardware config overrides KEY=VALUE, space separated (compile and simulate)",
    "steps": "timesteps of the drawn input",
    "input_seed": "seed of the drawn input (absent: x.npy is a committed input)",
    "vcd_window": "cycle window FROM:TO of trace.vcd",
}
OUTPUTS = ["y.npy", "stats.json", "program.txt", "trace.vcd"]


class UsageError(Exception):
    """A problem with the command line or a case definition (exit 2)."""


class RunError(Exception):
    """csbrnn failed while running a case (exit 1: the check did not pass)."""


def read_case(path):
    """case.yaml: a flat YAML mapping of scalars, one 'key: value' a line, '#' comments."""
    case = {}
    with open(path) as f:
        for n, line in enumerate(f, 1):
            text = re.sub(r"(^|\s)#.*$", "", line).strip()
            if not text:
                continue
            m = re.fullmatch(r"([a-z_]+):\s*(.*)", text)
            if not m:
                raise UsageError(f"{path}:{n}: expected 'key: value'")
            key, value = m.group(1), m.group(2).strip()
            if key not in KEYS:
                near = difflib.get_close_matches(key, KEYS, 1)
                raise UsageError(f"{path}:{n}: unknown key '{key}'" +
                                 (f" (did you mean '{near[0]}'?)" if near else ""))
            if key in case:
                raise UsageError(f"{path}:{n}: duplicate key '{key}'")
            case[key] = value
    if ("weights" in case) == ("model" in case):
        raise UsageError(f"{path}: give either 'model' (with 'seed') or 'weights'")
    if "model" in case and "seed" not in case:
        raise UsageError(f"{path}: 'model' needs a 'seed'")
    for key in ("prune", "vcd_window"):
        if key not in case:
            raise UsageError(f"{path}: missing key '{key}'")
    if ("input_seed" in case) != ("steps" in case):
        raise UsageError(f"{path}: 'input_seed' and 'steps' go together")
    if "input_seed" in case and "weights" in case:
        raise UsageError(f"{path}: with 'weights' the input is a committed x.npy (no 'input_seed')")
    for key in ("seed", "steps", "input_seed"):
        if key in case and not re.fullmatch(r"[0-9]+", case[key]):
            raise UsageError(f"{path}: '{key}' must be a non-negative integer")
    return case


# --- .npy without numpy: little-endian, C order, the dtypes csbrnn writes ---------------------

NPY_TYPES = {"<f4": "f", "<i2": "h", "<f8": "d", "<i4": "i"}


def write_npy(path, rows, cols, values):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (rows, cols)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%df" % len(values), *values))


def read_npy(path):
    """(descr, shape, list of element bytes)."""
    data = open(path, "rb").read()
    if data[:6] != b"\x93NUMPY":
        raise ValueError("not a .npy file")
    major = data[6]
    hlen_size = 2 if major == 1 else 4
    hlen = int.from_bytes(data[8:8 + hlen_size], "little")
    start = 8 + hlen_size
    header = data[start:start + hlen].decode("latin1")
    descr = re.search(r"'descr':\s*'([^']*)'", header).group(1)
    shape = tuple(int(x) for x in re.search(r"'shape':\s*\(([^)]*)\)", header).group(1).split(",")
                  if x.strip())
    if "'fortran_order': True" in header:
        raise ValueError("Fortran order is not supported")
    size = struct.calcsize(NPY_TYPES.get(descr, "B"))
    body = data[start + hlen:]
    return descr, shape, [body[i:i + size] for i in range(0, len(body), size)]


def draw_input(steps, width, seed):
    """T x width float32, uniform in [-1, 1), from Python's Mersenne Twister (stable across
    Python versions for an integer seed)."""
    rng = random.Random(seed)
    return [rng.uniform(-1.0, 1.0) for _ in range(steps * width)]


def input_size(spec_path):
    for line in open(spec_path):
        m = re.match(r"input_size:\s*([0-9]+)", line)
        if m:
            return int(m.group(1))
    raise UsageError(f"{spec_path}: no input_size")


# --- running a case -----------------------------------------------------------------------------

def normalise_vcd(text):
    """The VCD without its $date and $version sections (the run's date, the SystemC build)."""
    return re.sub(r"^\$(date|version)\b.*?\$end\n\n?", "", text, flags=re.S | re.M)


def run(cmd, cwd):
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RunError(f"{shlex.join(cmd)} (in {cwd}) exited {r.returncode}:\n{r.stderr.strip()}")
    return r.stdout


def produce(csbrnn, golden_dir, name, out):
    """Runs case NAME into the directory out; returns the names of the files to compare."""
    case_dir = os.path.join(golden_dir, name)
    case = read_case(os.path.join(case_dir, "case.yaml"))
    if "model" in case:
        spec = os.path.join(golden_dir, case["model"])
        if not os.path.isfile(spec):
            raise UsageError(f"{case_dir}/case.yaml: model '{case['model']}' not found")
        shutil.copy(spec, os.path.join(out, "model.yaml"))
        run([csbrnn, "genmodel", "model.yaml", "--seed", case["seed"], "-o", "weights.npz"], out)
    else:
        shutil.copy(os.path.join(case_dir, case["weights"]), os.path.join(out, "weights.npz"))
    run([csbrnn, "prune", "weights.npz", *shlex.split(case["prune"]), "-o", "model.csb", "-q"],
        out)
    sets = [a for kv in case.get("set", "").split() for a in ("--set", kv)]
    run([csbrnn, "compile", "model.csb", *sets, "-o", "program.bin"], out)
    with open(os.path.join(out, "program.txt"), "w") as f:
        f.write(run([csbrnn, "disasm", "program.bin"], out))
    files = []
    if "input_seed" in case:
        steps = int(case["steps"])
        width = input_size(os.path.join(out, "model.yaml"))
        write_npy(os.path.join(out, "x.npy"), steps, width,
                  draw_input(steps, width, int(case["input_seed"])))
        files.append("x.npy")
    else:
        x = os.path.join(case_dir, "x.npy")
        if not os.path.isfile(x):
            raise UsageError(f"{case_dir}: no x.npy and no input_seed in case.yaml")
        shutil.copy(x, os.path.join(out, "x.npy"))
    run([csbrnn, "simulate", "program.bin", *sets, "--input", "x.npy", "--output", "y.npy", "--out",
         "sim", "--vcd", "trace.vcd", "--vcd-window", case["vcd_window"], "-q"], out)
    strip_timing.strip_file(os.path.join(out, "sim", "stats.json"))
    shutil.copy(os.path.join(out, "sim", "stats.json"), os.path.join(out, "stats.json"))
    with open(os.path.join(out, "trace.vcd")) as f:
        vcd = normalise_vcd(f.read())
    with open(os.path.join(out, "trace.vcd"), "w") as f:
        f.write(vcd)
    return files + OUTPUTS


# --- comparing ----------------------------------------------------------------------------------

def compare_npy(golden, fresh, label):
    """None if equal, else a message naming the first difference."""
    try:
        gd, gs, ge = read_npy(golden)
    except (ValueError, AttributeError) as e:
        return f"{label}: golden file unreadable ({e})"
    fd, fs, fe = read_npy(fresh)
    if (gd, gs) != (fd, fs):
        return f"{label}: golden {gd} {gs}, now {fd} {fs}"
    fmt = NPY_TYPES.get(gd)
    for i, (a, b) in enumerate(zip(ge, fe)):
        if a != b:
            idx, rest = [], i
            for dim in reversed(gs):
                idx.insert(0, rest % dim)
                rest //= dim
            ga, fb = (struct.unpack(fmt, a)[0], struct.unpack(fmt, b)[0]) if fmt else (a, b)
            n = sum(x != y for x, y in zip(ge, fe))
            return (f"{label}: element {tuple(idx)} golden {ga!r}, now {fb!r} "
                    f"({n} of {len(ge)} elements differ)")
    if len(ge) != len(fe):
        return f"{label}: golden {len(ge)} elements, now {len(fe)}"
    return None


def compare_text(golden, fresh, label, max_lines=60):
    g = open(golden, errors="replace").read()
    f = open(fresh, errors="replace").read()
    if label.endswith(".vcd"):
        g = normalise_vcd(g)
    if g == f:
        return None
    diff = list(difflib.unified_diff(g.splitlines(True), f.splitlines(True),
                                     "golden/" + label, "now/" + label))
    more = len(diff) - max_lines
    text = "".join(diff[:max_lines])
    if not text.endswith("\n"):
        text += "\n"
    return text + (f"... ({more} more diff lines)\n" if more > 0 else "")


def run_case(csbrnn, golden_dir, name, visit):
    """Runs case NAME into a temporary folder and calls visit(golden, fresh, file name) for each
    file to compare; returns (the file names, the visits' results that are not None)."""
    with tempfile.TemporaryDirectory(prefix="csbrnn-trace-") as out:
        files = produce(csbrnn, golden_dir, name, out)
        results = [visit(os.path.join(golden_dir, name, f), os.path.join(out, f), f) for f in files]
    return files, [r for r in results if r is not None]


def check(csbrnn, golden_dir, name):
    def compare(golden, fresh, fname):
        label = f"{name}/{fname}"
        if not os.path.isfile(golden):
            return f"{label}: no golden file"
        return (compare_npy if fname.endswith(".npy") else compare_text)(golden, fresh, label)

    files, problems = run_case(csbrnn, golden_dir, name, compare)
    if problems:
        for p in problems:
            print(p.rstrip("\n"))
        print(f"traces: {name}: {len(problems)} of {len(files)} files differ; if the change is "
              f"meant to alter them: python3 scripts/traces.py regen {name}, then review the diff")
        return False
    print(f"traces: {name}: ok ({len(files)} files)")
    return True


def regen(csbrnn, golden_dir, name):
    def rewrite(golden, fresh, fname):
        new = open(fresh, "rb").read()
        if os.path.isfile(golden) and open(golden, "rb").read() == new:
            return None
        with open(golden, "wb") as f:
            f.write(new)
        return fname

    _, changed = run_case(csbrnn, golden_dir, name, rewrite)
    print(f"traces: {name}: " + (f"rewrote {', '.join(changed)}" if changed else "unchanged"))


def cases(golden_dir):
    return sorted(d for d in os.listdir(golden_dir)
                  if os.path.isfile(os.path.join(golden_dir, d, "case.yaml")))


def main(argv):
    ap = argparse.ArgumentParser(prog="scripts/traces.py", description=__doc__.split("\n")[0])
    ap.add_argument("--csbrnn", default=os.path.join(ROOT, "build", "csbrnn"),
                    help="the csbrnn binary (default: build/csbrnn)")
    ap.add_argument("--golden-dir", default=os.path.join(ROOT, "traces"),
                    help="the folder of cases (default: traces/)")
    ap.add_argument("mode", choices=["list", "check", "regen"])
    ap.add_argument("case", nargs="*")
    a = ap.parse_args(argv)
    try:
        if not os.path.isdir(a.golden_dir):
            raise UsageError(f"{a.golden_dir}: no such folder")
        known = cases(a.golden_dir)
        for c in a.case:
            if c not in known:
                near = difflib.get_close_matches(c, known, 1)
                raise UsageError(f"{a.golden_dir}: no case '{c}'" +
                                 (f" (did you mean '{near[0]}'?)" if near else ""))
        if a.mode == "list":
            print("\n".join(known))
            return 0
        if not os.access(a.csbrnn, os.X_OK):
            raise UsageError(f"{a.csbrnn}: no csbrnn binary (build first, or pass --csbrnn)")
        csbrnn = os.path.abspath(a.csbrnn)
        if a.mode == "check":
            results = [check(csbrnn, a.golden_dir, c) for c in a.case or known]
            return 0 if all(results) else 1
        for c in a.case or known:
            regen(csbrnn, a.golden_dir, c)
        return 0
    except UsageError as e:
        print(f"traces: error: {e}", file=sys.stderr)
        return 2
    except RunError as e:
        print(f"traces: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
