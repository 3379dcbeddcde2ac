#!/bin/bash
# MT2 at 256 PEs (its weights stream: the busiest group's images exceed the 512 KiB WeightBuffer)
# under every memory.model and streamer setting, in the fast and the detailed mode (the detailed
# weight streamer over TLM-2.0 AT): the table of docs/simulator.md "Detailed timing: memory".
# Every run is checked bit-exact against the fixed-point reference. TABLE=sweep instead prints
# the detailed mode alone on ddr4-2400 over staging bytes x transactions in flight.
# Usage: [TABLE=compare|sweep] scripts/bench_memory_detailed.sh [BUILD_DIR] [OUT_DIR] [MODEL]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${1:-$ROOT/build}/csbrnn
OUT=${2:-$(mktemp -d)}
model=${3:-mt2}
if [ "${TABLE:-compare}" = sweep ]; then
  echo "| staging bytes | outstanding | detailed cycles/step | weight stall (staging / latency / bandwidth) | load/store stall | DRAM GB/s | bit-exact |"
  echo "|---:|---:|---:|---|---:|---:|---|"
  for st in 0 65536 262144 1048576 4194304; do
    for o in 0 4 16; do
      d=$OUT/sweep-s$st-o$o
      "$B" simulate --hw "$ROOT/configs/hw_256pe.yaml" bench:$model --steps 3 \
        --set memory.model=ddr4-2400 --set memory.stream.outstanding=$o \
        --set memory.stream.staging_bytes=$st --set sim.timing=detailed --out "$d" -q > /dev/null
      /usr/bin/python3 - "$d" "$st" "$o" <<'PY'
import json, sys
d, st, o = sys.argv[1:]
j = json.load(open(d + "/stats.json"))
w = j["memory"]["weight_stall"]
print(f"| {st} | {o} | {j['cycles']['per_step_mean']:.0f} | {j['stalls']['weight_stream_cycles']} "
      f"({w['staging_cycles']} / {w['latency_cycles']} / {w['bandwidth_cycles']}) "
      f"| {j['stalls']['dram_cycles']} | {j['memory']['achieved_gbps']:.2f} | {j['check']['passed']} |")
PY
    done
  done
  exit 0
fi
echo "| model | memory.model | streamer | fast cycles/step | detailed cycles/step | detailed - fast | weight stall fast / detailed | load/store stall fast / detailed | bit-exact |"
echo "|---|---|---|---:|---:|---:|---:|---:|---|"
for mdl in ideal simple ddr4-2400 lpddr4-3200; do
  for deep in "0 0" "16 0" "0 1048576" "16 1048576"; do
    set -- $deep
    for mode in fast detailed; do
      "$B" simulate --hw "$ROOT/configs/hw_256pe.yaml" bench:$model --steps 3 \
        --set memory.model=$mdl --set memory.stream.outstanding=$1 \
        --set memory.stream.staging_bytes=$2 --set sim.timing=$mode \
        --out "$OUT/$model-$mdl-o$1-s$2-$mode" -q > /dev/null
    done
    /usr/bin/python3 - "$OUT/$model-$mdl-o$1-s$2" "$model" "$mdl" "$1" "$2" <<'PY'
import json, sys
o, model, mdl, out, st = sys.argv[1:]
f = json.load(open(o + "-fast/stats.json"))
d = json.load(open(o + "-detailed/stats.json"))
cf, cd = f["cycles"]["per_step_mean"], d["cycles"]["per_step_mean"]
deep = ("staging " + str(int(st) // 1024) + " KiB" if st != "0" else "staging 0") + \
       (", outstanding " + out if out != "0" else "")
print(f"| {model} | {mdl} | {deep} | {cf:.0f} | {cd:.0f} | {cd - cf:+.0f} ({100 * (cd - cf) / cf:+.2f} %) "
      f"| {f['stalls']['weight_stream_cycles']} / {d['stalls']['weight_stream_cycles']} "
      f"| {f['stalls']['dram_cycles']} / {d['stalls']['dram_cycles']} "
      f"| {f['check']['passed'] and d['check']['passed']} |")
PY
  done
done
