#!/usr/bin/env bash
# Simulator speed benchmark: SR1 (models/sr1.yaml: LSTMP 153->1024, proj 512, 2 layers; generated
# weights CSB-pruned at the paper's 13x, block 32), 100 timesteps of random input, on the 256-PE
# and 512-PE designs. Each run is checked bit for bit against the fixed-point reference and its
# cycles against the analytic model. Prints, for the best of RUNS runs (default 3; the machine is
# shared, so the fastest run is the least disturbed): simulated cycles per wall second, useful
# MACs per wall second (the cycles/s figure depends on how many MACs a cycle carries), CPU
# seconds, and the simulation / fixed-point reference ratio (wall and CPU). Both timing modes run:
# sim.timing=fast (the cycle rules) and sim.timing=detailed (the clocked state machines); the
# last line per design gives the fast / detailed speed ratio (wall and CPU).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/csbrnn ] || bash scripts/build.sh
runs=${RUNS:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for hw in configs/hw_256pe.yaml configs/hw_512pe.yaml; do
  for timing in fast detailed; do
    for i in $(seq "$runs"); do
      build/csbrnn simulate bench:sr1 --steps 100 --hw "$hw" --set "sim.timing=$timing" \
        --out "$out/$timing$i" -q
    done
  done
  python3 - "$hw" "$out" "$runs" <<'PY'
import json, sys
hw, out, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
best = {}
for timing in ("fast", "detailed"):
  js = [json.load(open(f"{out}/{timing}{i}/stats.json")) for i in range(1, runs + 1)]
  j = best[timing] = min(js, key=lambda j: j["wall_seconds"])
  print(f"{hw} {timing}: {j['cycles']['total']} cycles, {j['latency_us_per_step']:.2f} us/step, "
      f"PE util {100*j['pe_utilization']:.1f}%, {j['useful_macs']} useful MACs; best of {runs}: "
      f"sim {j['wall_seconds']:.3f} s wall ({j['cpu_seconds']:.3f} s CPU) = "
      f"{j['simulated_cycles_per_s']/1e6:.2f} M cycles/s, {j['useful_macs_per_s']/1e6:.0f} M MACs/s; "
      f"reference {j['reference_wall_seconds']:.3f} s ({j['reference_cpu_seconds']:.3f} s CPU), "
      f"ratio {j['sim_to_reference_wall_ratio']:.2f}x wall, {j['sim_to_reference_cpu_ratio']:.2f}x CPU; "
      f"analytic diff {j['comparison']['difference']}")
f, d = best["fast"], best["detailed"]
print(f"{hw}: fast / detailed speed {f['simulated_cycles_per_s'] / d['simulated_cycles_per_s']:.2f}x "
      f"wall, {f['simulated_cycles_per_cpu_s'] / d['simulated_cycles_per_cpu_s']:.2f}x CPU "
      f"(detailed {d['simulated_cycles_per_cpu_s'] / 1e6:.2f} M cycles per CPU s, fast "
      f"{f['simulated_cycles_per_cpu_s'] / 1e6:.2f} M)")
PY
done
