#!/bin/bash
# The csbrnn columns of docs/paper-figures.md section 4 (power and frames per joule beside ICS'20
# Table 3): MT1, SR1, SR2 on the 512-PE design (4 timesteps), SR1 with the LPDDR4 device, and
# BARC translation on the 256-PE design (2 timesteps, weights streamed). Prints Markdown rows;
# never a pass/fail test. Usage: scripts/bench_energy.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$ROOT/build}/csbrnn
OUT=${2:-$(mktemp -d)}
row() {  # label hw steps model [--set ...]
  local label=$1 hw=$2 steps=$3 model=$4
  shift 4
  local o=$OUT/$model-$steps-$(echo "$*" | tr -c 'a-z0-9' '_')
  "$B" simulate --hw "$ROOT/configs/$hw" "bench:$model" --steps "$steps" "$@" --out "$o" -q >/dev/null
  /usr/bin/python3 - "$o" "$label" <<'PY'
import json, sys
o, label = sys.argv[1:]
j = json.load(open(o + "/stats.json"))
e = j["energy"]
print(f"| {label} | {j['latency_us_per_step']:.3f} | {e['per_step_nj']:,.0f} | {e['power_mw']:,.0f} "
      f"| {e['frames_per_joule'] / 1000:.2f} | {j['check']['passed']} |")
PY
}
echo "| model | csbrnn µs | csbrnn nJ / timestep | csbrnn mW | csbrnn k-frames/J | bit-exact |"
echo "|---|---:|---:|---:|---:|---|"
row "MT1 (512 PEs)" hw_512pe.yaml 4 mt1
row "SR1 (512 PEs)" hw_512pe.yaml 4 sr1
row "SR2 (512 PEs)" hw_512pe.yaml 4 sr2
row "SR1 (512 PEs), energy.dram=lpddr4" hw_512pe.yaml 4 sr1 --set energy.dram=lpddr4
row "BARC translation (256 PEs, streamed)" hw_256pe.yaml 2 barc-translation
