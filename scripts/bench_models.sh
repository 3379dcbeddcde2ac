#!/usr/bin/env bash
# Simulates every benchmark model of models/ (generated weights, CSB-pruned at the paper's rate,
# block 32) on the paper's 256-PE and 512-PE designs and prints a Markdown table: cycles and
# latency per timestep, PE utilization, group occupancy, whether the weights fit on chip, and
# the wall time of each run. Big models (hidden >= 1024) run 3 timesteps, the others 10.
# Every run checks its outputs bit for bit against the fixed-point reference and, when all
# weights are resident (ideal memory), its cycles against the analytic model (exit 3 if not).
# Usage: scripts/bench_models.sh [MODEL ...]   (default: all of models/)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/csbrnn ] || bash scripts/build.sh
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=(mt1 mt2 sr1 sr2 sr3 sr4 spp sc1 sc2 qa barc-speech barc-translation)
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "| model | design | steps | cycles/step | µs/step | PE util | group occ | weights on chip | weight stall cycles | sim = analytic | sim wall s | run wall s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"
for m in "${models[@]}"; do
  hidden=$(awk '/^hidden_size:/ {print $2}' "models/$m.yaml")
  steps=10
  [ "$hidden" -ge 1024 ] && steps=3
  for hw in configs/hw_256pe.yaml configs/hw_512pe.yaml; do
    d="$out/$m-$(basename "$hw" .yaml)"
    t0=$(date +%s.%N)
    rc=0
    build/csbrnn simulate "bench:$m" --steps "$steps" --hw "$hw" --out "$d" -q || rc=$?
    t1=$(date +%s.%N)
    kib=$(awk '/weight_buffer_kib:/ {print $2}' "$hw")
    python3 - "$d/stats.json" "$m" "$hw" "$steps" "$t0" "$t1" "$rc" "$kib" <<'PY'
import json, sys
path, m, hw, steps, t0, t1, rc, kib = sys.argv[1:]
j = json.load(open(path))
cap = int(kib) * 1024
need = max(g["weight_bytes_total"] for g in j["groups"])
streamed = sum(g["weight_bytes_streamed"] for g in j["groups"])
fit = "yes" if streamed == 0 else f"no (busiest group {need/1024:.0f} KiB > {cap/1024:.0f} KiB)"
c = j["comparison"]
eq = "yes" if c["difference"] == 0 else f"no ({c['difference']:+d}: streamed weights)"
if rc != "0":
    eq += f" EXIT {rc}"
design = "256 PE" if "256" in hw else "512 PE"
print(f"| {m} | {design} | {steps} | {j['cycles']['per_step_mean']:.0f} | "
      f"{j['latency_us_per_step']:.2f} | {100*j['pe_utilization']:.1f}% | "
      f"{100*j['group_occupancy']:.1f}% | {fit} | {j['stalls']['weight_stream_cycles']} | {eq} | "
      f"{j['wall_seconds']:.3f} | {float(t1)-float(t0):.1f} |")
PY
  done
done
