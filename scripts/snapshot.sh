#!/usr/bin/env bash
# Writes every benchmark model's compiled program, compile report, simulator stats and outputs
# on the 256- and 512-PE designs into DIR, without the tool's own speed fields (wall seconds,
# cycles per second) and output paths, so that two snapshots (before / after a refactoring)
# compare with diff -r.
# Usage: scripts/snapshot.sh DIR [BUILD_DIR] [MODEL ...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:?usage: scripts/snapshot.sh DIR [BUILD_DIR] [MODEL ...]}
build=${2:-build}
shift $(( $# >= 2 ? 2 : 1 ))
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(mt1 mt2 sr1 sr2 sr3 sr4 spp sc1 sc2 qa barc-speech barc-translation)
mkdir -p "$dir"
strip_timing() {  # removes the tool's own speed fields from a JSON file, in place
  /usr/bin/python3 scripts/strip_timing.py "$1"
}
for m in "${models[@]}"; do
  hidden=$(awk '/^hidden_size:/ {print $2}' "models/$m.yaml")
  steps=4
  [ "$hidden" -ge 1024 ] && steps=2
  for hw in configs/hw_256pe.yaml configs/hw_512pe.yaml; do
    n="$dir/$m-$(basename "$hw" .yaml)"
    "$build/csbrnn" compile --bench "$m" --hw "$hw" -o "$n.bin" --report "$n.compile.json" >/dev/null
    strip_timing "$n.compile.json"
    "$build/csbrnn" simulate "bench:$m" --steps "$steps" --hw "$hw" --out "$n.sim" --output "$n.y.npy" -q
    strip_timing "$n.sim/stats.json"
    rm -f "$n.sim/summary.txt" "$n.sim/stats.csv"  # both carry wall times
    echo "snapshot: $m on $(basename "$hw" .yaml)"
  done
done
