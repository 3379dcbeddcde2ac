#!/usr/bin/env bash
# Simulator speed benchmark: SR1-shaped model (LSTMP 153->1024, proj 512, 2 layers, CSB ~13x,
# synthetic weights), 100 timesteps, on the 256-PE default config (and 512-PE if present).
# Prints simulated cycles per wall second and the simulation / fixed-point reference wall ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/csbrnn ] || bash scripts/build.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for hw in "" configs/hw_512pe.yaml; do
  args=()
  if [ -n "$hw" ]; then [ -f "$hw" ] || continue; args=(--hw "$hw"); fi
  build/csbrnn simulate bench:sr1:32 --rate 13 --steps 100 "${args[@]}" --out "$out/r" -q
  python3 - "$out/r/stats.json" "${hw:-default 256-PE}" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]}: {j['cycles']['total']} cycles, {j['latency_us_per_step']:.2f} us/step, "
      f"PE util {100*j['pe_utilization']:.1f}%, sim {j['wall_seconds']:.3f} s = "
      f"{j['simulated_cycles_per_s']/1e6:.2f} M cycles/s, reference {j['reference_wall_seconds']:.3f} s, "
      f"ratio {j['sim_to_reference_wall_ratio']:.2f}x, analytic diff {j['comparison']['difference']}")
PY
done
