#!/usr/bin/env bash
# Speed benchmark of `csbrnn prune` (issue goal: MT2, 2 x 18M weights, csb, < 30 s on one core).
# Generates the synthetic MT2 stand-in once, then prints the pruning time of each method.
# usage: scripts/bench_prune.sh [BUILD_DIR] [METHODS...]   (default: build, csb csb-global)
set -euo pipefail
build=${1:-build}
shift || true
methods=("$@")
[ ${#methods[@]} -eq 0 ] && methods=(csb csb-global)
cli="$build/csbrnn"
[ -x "$cli" ] || { echo "bench_prune: $cli not built (cmake --build $build --target csbrnn)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A folder of .npy loads and saves faster than a compressed .npz.
"$cli" genmodel mt2 --seed 1 -o "$work/mt2" >/dev/null
for m in "${methods[@]}"; do
  # taskset pins to one core when available; the pruner is single-threaded anyway.
  pin=(); command -v taskset >/dev/null && pin=(taskset -c 0)
  line=$("${pin[@]}" "$cli" prune "$work/mt2" --method "$m" --rate 12 --block 32x32 -q --time \
         --report "$work/r.json" | grep '^time:')
  echo "MT2 (36M weights) $m rate 12 block 32x32: $line"
done
