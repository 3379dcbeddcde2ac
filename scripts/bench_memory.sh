#!/bin/bash
# MT2 and BARC translation at 256 PEs under every memory.model, deeper streaming off and on: the
# rows of docs/simulator.md "MT2 and BARC translation at 256 PEs under every memory model".
# Usage: scripts/bench_memory.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$ROOT/build}/csbrnn
OUT=${2:-$(mktemp -d)}
for model in mt2 barc-translation; do
  for mdl in ideal simple ddr4-2400 lpddr4-3200; do
    for deep in "0 0" "0 1048576" "16 1048576"; do
      set -- $deep
      o=$OUT/$model-$mdl-o$1-s$2
      "$B" simulate --hw "$ROOT/configs/hw_256pe.yaml" bench:$model --steps 3 \
        --set memory.model=$mdl --set memory.stream.outstanding=$1 \
        --set memory.stream.staging_bytes=$2 --out "$o" -q > /dev/null
      /usr/bin/python3 - "$o" "$model" "$mdl" "$1" "$2" <<'PY'
import json, sys
o, model, mdl, out, st = sys.argv[1:]
j = json.load(open(o + "/stats.json"))
m = j["memory"]
w = m["weight_stall"]
dram = mdl not in ("ideal", "simple")
deep = "off" if st == "0" else f"staging {int(st) // 1024} KiB" + (f", outstanding {out}" if out != "0" else "")
print(f"| {model} | {mdl} | {deep} | {j['cycles']['per_step_mean']:.0f} | {j['latency_us_per_step']:.1f} "
      f"| {j['stalls']['weight_stream_cycles']} | {w['staging_cycles']} / {w['latency_cycles']} / "
      f"{w['bandwidth_cycles']} | {j['stalls']['dram_cycles']} | {m['achieved_gbps']:.2f} / "
      f"{m['peak_gbps']:.1f} | " + (f"{100 * m['row_hit_rate']:.1f}%" if dram else "-") + " | "
      + (f"{100 * m['refresh_share']:.2f}%" if dram else "-") + f" | {j['check']['passed']} |")
PY
    done
  done
done
