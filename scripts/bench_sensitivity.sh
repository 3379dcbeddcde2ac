#!/usr/bin/env bash
# What the fast mode's assumptions cost: every benchmark model of models/ (generated weights,
# CSB-pruned at the paper's rate, block 32) compiled once per design (configs/hw_256pe.yaml,
# configs/hw_512pe.yaml), then simulated in sim.timing=detailed with each realism knob of the
# detailed mode moved from its ideal value (0) to a plausible hardware value, alone and all
# together ("all": the first five; "everything": every knob). Prints a Markdown table of cycles
# per timestep (mean over STEPS timesteps, default 3; random input) and the change against the ideal detailed run, which equals the fast mode
# (checked: exit 3 if not). Points the detailed mode refuses (weight streaming: the busiest
# group's images exceed its WeightBuffer) are listed as such.
# Usage: scripts/bench_sensitivity.sh [MODEL ...]   (default: all of models/)
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x build/csbrnn ] || bash scripts/build.sh
steps=${STEPS:-3}
models=("$@")
if [ ${#models[@]} -eq 0 ]; then
  models=(mt1 mt2 sr1 sr2 sr3 sr4 spp sc1 sc2 qa barc-speech barc-translation)
fi
# name|--set arguments (the plausible hardware values; docs/simulator.md "Sensitivity")
knobs=(
  "barrier 1|--set detailed.barrier_latency=1"
  "bubble 1|--set detailed.item_bubble=1"
  "link lat 1|--set detailed.link_latency=1"
  "link w8 d4|--set detailed.link_width=8 --set detailed.link_fifo_depth=4"
  "accum 1|--set detailed.accum_ports=1"
  "all|--set detailed.barrier_latency=1 --set detailed.item_bubble=1 --set detailed.link_latency=1 --set detailed.link_width=8 --set detailed.link_fifo_depth=4 --set detailed.accum_ports=1"
  "vbank 1|--set detailed.vector_bank_ports=1"
  "vbank 1 d1|--set detailed.vector_bank_ports=1 --set detailed.eltwise_fifo_depth=1"
  "vbank 1 d2|--set detailed.vector_bank_ports=1 --set detailed.eltwise_fifo_depth=2"
  "vbank 2 d2|--set detailed.vector_bank_ports=2 --set detailed.eltwise_fifo_depth=2"
  # after "all" (which keeps the five above): "no fwd" without accumulator forwarding (at
  # accumulate 1 only a giver's local tile behind a vertical one of the same row waits: the
  # vertical path is longer); the hazard between tiles of one path needs a 2-cycle accumulate
  # stage: "acc 2" is that deeper pipeline with forwarding (in both modes), "acc 2 no fwd" the
  # same without; "vlink d4": a 4-flit vertical link FIFO with credits; "ports 1" / "ports 2":
  # BlockNeuronBuffer read ports per cycle
  "no fwd|--set detailed.accum_forwarding=false"
  "acc 2|--set engine.pipeline.accumulate=2"
  "acc 2 no fwd|--set engine.pipeline.accumulate=2 --set detailed.accum_forwarding=false"
  "vlink d4|--set detailed.vlink_fifo_depth=4"
  "ports 1|--set detailed.input_ports=1"
  "ports 2|--set detailed.input_ports=2"
  # every knob at its plausible value at once
  "everything|--set detailed.barrier_latency=1 --set detailed.item_bubble=1 --set detailed.link_latency=1 --set detailed.link_width=8 --set detailed.link_fifo_depth=4 --set detailed.accum_ports=1 --set detailed.vector_bank_ports=2 --set detailed.eltwise_fifo_depth=2 --set detailed.accum_forwarding=false --set detailed.vlink_fifo_depth=4 --set detailed.input_ports=2"
)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cps() { /usr/bin/python3 -c "import json,sys; print(int(round(json.load(open(sys.argv[1]))['cycles']['per_step_mean'])))" "$1"; }
hdr="| model | design | fast | detailed ideal"
sep="|---|---|---:|---:"
for k in "${knobs[@]}"; do hdr="$hdr | ${k%%|*}"; sep="$sep|---:"; done
echo "$hdr |"
echo "$sep|"
status=0
for m in "${models[@]}"; do
  for hw in configs/hw_256pe.yaml configs/hw_512pe.yaml; do
    d="$out/$m-$(basename "$hw" .yaml)"
    mkdir -p "$d"
    design=$(basename "$hw" .yaml | sed 's/hw_//; s/pe/ PE/')
    build/csbrnn compile --bench "$m" --hw "$hw" --output "$d/p.bin" --report "$d/r.json" > /dev/null
    in=$(build/csbrnn info "$d/p.bin" | sed -n 's/.* input \([0-9]*\),.*/\1/p' | head -1)
    /usr/bin/python3 -c "import numpy as n,sys; n.save(sys.argv[1], n.random.default_rng(1).uniform(-1,1,(int(sys.argv[2]),int(sys.argv[3]))).astype(n.float32))" "$d/x.npy" "$steps" "$in"
    sim() {  # $1: run name, rest: --set arguments
      local name=$1; shift
      build/csbrnn simulate --program "$d/p.bin" --hw "$hw" --input "$d/x.npy" \
        --output "$d/$name.npy" --out "$d/$name" -q "$@" > "$d/$name.log" 2>&1
    }
    sim fast
    if ! sim ideal --set sim.timing=detailed; then
      echo "| $m | $design | $(cps "$d/fast/stats.json") | refused: $(tail -1 "$d/ideal.log" | grep -o "sim.timing=detailed does not model [a-z ]*yet") |"
      continue
    fi
    f=$(cps "$d/fast/stats.json")
    i=$(cps "$d/ideal/stats.json")
    [ "$f" = "$i" ] || status=3
    row="| $m | $design | $f | $i"
    n=0
    for k in "${knobs[@]}"; do
      n=$((n + 1))
      # shellcheck disable=SC2086
      sim "k$n" --set sim.timing=detailed --no-check ${k#*|}
      c=$(cps "$d/k$n/stats.json")
      row="$row | $c ($(/usr/bin/python3 -c "print(f'{100*($c-$i)/$i:+.1f} %')"))"
    done
    echo "$row |"
  done
done
exit $status
