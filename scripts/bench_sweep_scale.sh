#!/usr/bin/env bash
# Sweep scale figures (docs/sweep.md "Scale"): wall time and peak memory (GNU time's maximum
# resident set size) of a --dry-run that expands an N-point spec and writes its manifest, and of
# the merge (--report-only) of N results into results.csv/.md. The results are synthetic: one real
# analytic point is run, then its points/ID.json is copied for every other point of the manifest
# with the id re-labelled (the merge reads and parses each file as it would a real one; its
# cycles are the same for every point). Usage:
#   scripts/bench_sweep_scale.sh [BUILD_DIR] [DRY_N...] [-- MERGE_N...]
# (defaults: dry runs of 1000 10000 100000 1000000 points, merges of 1000 10000 100000). Prints
# Markdown tables; never a pass/fail test.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
shift || true
dry=() merge=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do dry+=("$1"); shift; done
[ $# -gt 0 ] && shift
merge=("$@")
[ ${#dry[@]} -gt 0 ] || dry=(1000 10000 100000 1000000)
[ ${#merge[@]} -gt 0 ] || merge=(1000 10000 100000)
CSBRNN=$(realpath "$B/csbrnn")
T=$(mktemp -d /tmp/csbrnn-bench-scale.XXXXXX)
trap 'rm -rf "$T"' EXIT

# spec N: sr4 (analytic), clock (100 values) x weight buffer (N/100 values, at least 1)
spec() {
  /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
a = min(n, 100); b = max(1, n // a)
open(path, "w").write("models: [sr4]\nhw:\n  grid:\n"
    f"    engine.clock_mhz: [{', '.join(str(100 + i) for i in range(a))}]\n"
    f"    buffers.weight_buffer_kib: [{', '.join(str(64 + i) for i in range(b))}]\n")
PY
}
# "SECONDS PEAK_KB" of a command (its stdout dropped)
measure() {
  /usr/bin/time -o "$T/time" -f "%e %U %M" "$@" >/dev/null 2>"$T/err"
  cat "$T/time"
}

echo "Dry run (expansion + manifest):"
echo
echo "| points | dry run s (wall) | CPU s (user) | peak RSS MB | manifest MB |"
echo "|---:|---:|---:|---:|---:|"
for n in "${dry[@]}"; do
  spec "$n" "$T/s$n.yaml"
  read -r s u kb <<<"$(measure "$CSBRNN" sweep "$T/s$n.yaml" --out "$T/d$n" --dry-run --no-progress)"
  mb=$(/usr/bin/python3 -c "import os,sys; print(f'{os.path.getsize(sys.argv[1]) / 1e6:.1f}')" "$T/d$n/manifest.jsonl")
  echo "| $n | $s | $u | $((kb / 1024)) | $mb |"
  rm -rf "$T/d$n"
done

echo
echo "Merge (--report-only) of N results (synthetic copies of one real analytic point):"
echo
echo "| points | merge s (wall) | CPU s (user) | peak RSS MB | results.csv MB |"
echo "|---:|---:|---:|---:|---:|"
for n in "${merge[@]}"; do
  spec "$n" "$T/s$n.yaml"
  out=$T/m$n
  "$CSBRNN" sweep "$T/s$n.yaml" --out "$out" --dry-run >/dev/null
  # manifest line 2 = point 0: run it for real, then re-label its result for every other point
  first=$(sed -n 2p "$out/manifest.jsonl" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")
  "$CSBRNN" sweep "$T/s$n.yaml" --out "$T/one$n" --set "engine.clock_mhz=100" \
    --set "buffers.weight_buffer_kib=64" --no-progress >/dev/null
  /usr/bin/python3 - "$out" "$first" "$T/one$n" <<'PY'
import json, sys, os, glob
out, first, one = sys.argv[1], sys.argv[2], sys.argv[3]
src = glob.glob(f"{one}/points/*.json")[0]
tmpl = json.load(open(src))
assert tmpl["id"] == first, (tmpl["id"], first)  # the same settings: the same id
lines = open(f"{out}/manifest.jsonl").read().splitlines()[1:]
for line in lines:
    pid = json.loads(line)["id"]
    tmpl["id"] = pid
    with open(f"{out}/points/{pid}.json", "w") as f:
        json.dump(tmpl, f)
PY
  rm -rf "$T/one$n"
  read -r s u kb <<<"$(measure "$CSBRNN" sweep --report-only --out "$out")"
  mb=$(/usr/bin/python3 -c "import os,sys; print(f'{os.path.getsize(sys.argv[1]) / 1e6:.1f}')" "$out/results.csv")
  echo "| $n | $s | $u | $((kb / 1024)) | $mb |"
  rm -rf "$out"
done
