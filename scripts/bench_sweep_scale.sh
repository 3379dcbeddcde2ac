#!/usr/bin/env bash
# Sweep scale figures (docs/sweep.md "Scale"): wall time and peak memory of a --dry-run that
# expands an N-point spec and writes its manifest, and of the merge (--report-only) of N
# results into results.csv/.md. The results are copies of one real point's result, re-labelled
# per point (the merge reads each file). Usage: scripts/bench_sweep_scale.sh [BUILD_DIR] [N...]
# (default N: 1000 10000 100000). Prints a Markdown table; never a pass/fail test.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
shift || true
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 100000)
CSBRNN=$(realpath "$B/csbrnn")
T=$(mktemp -d /tmp/csbrnn-bench-scale.XXXXXX)
trap 'rm -rf "$T"' EXIT
echo "| points | dry run s | dry run peak MB | manifest MB | merge s | merge peak MB |"
echo "|---:|---:|---:|---:|---:|---:|"
for n in "${sizes[@]}"; do
  # n points: clock (100 values) x weight buffer (n/100 values, at least 1)
  /usr/bin/python3 - "$n" "$T/s$n.yaml" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
a = min(n, 100); b = max(1, n // a)
open(path, "w").write("models: [sr4]\nhw:\n  grid:\n"
    f"    engine.clock_mhz: [{', '.join(str(100 + i) for i in range(a))}]\n"
    f"    buffers.weight_buffer_kib: [{', '.join(str(64 + i) for i in range(b))}]\n")
PY
  out=$T/o$n
  dry=$( { /usr/bin/time -f "%e %M" "$CSBRNN" sweep "$T/s$n.yaml" --out "$out" --dry-run >/dev/null; } 2>&1 | tail -1)
  mb=$(( $(stat -c %s "$out/manifest.jsonl") / 1000000 ))
  # one real result, then a re-labelled copy per manifest line
  first=$(head -1 "$out/manifest.jsonl" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['id'])")
  "$CSBRNN" sweep --prepare "$(head -1 "$out/manifest.jsonl" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['cache_key'])")" --out "$out" >/dev/null
  "$CSBRNN" sweep --run-point "$first" --out "$out" >/dev/null
  /usr/bin/python3 - "$out" "$first" <<'PY'
import json, sys, os
out, first = sys.argv[1], sys.argv[2]
tmpl = json.load(open(f"{out}/points/{first}.json"))
for line in open(f"{out}/manifest.jsonl"):
    p = json.loads(line)
    if p["id"] == first: continue
    tmpl["id"] = p["id"]; tmpl["point"] = p
    with open(f"{out}/points/{p['id']}.json", "w") as f: json.dump(tmpl, f)
PY
  merge=$( { /usr/bin/time -f "%e %M" "$CSBRNN" sweep --report-only --out "$out" >/dev/null; } 2>&1 | tail -1)
  read -r ds dk <<<"$dry"
  read -r ms mk <<<"$merge"
  echo "| $n | $ds | $((dk / 1024)) | $mb | $ms | $((mk / 1024)) |"
  rm -rf "$out"
done
