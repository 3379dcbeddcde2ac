#!/usr/bin/env bash
# Group occupancy and PE utilization with and without `csbrnn prune --permute balance`, per
# sharing mode (none, horizontal, vertical, 2d) at the 256- and 512-PE designs (docs/pruning.md
# "Load-balance permutation"). Every point is simulated (fast mode, 2 timesteps of random input;
# ideal memory, so every step is the same) and the simulator checks its Y against the reference.
#
#   scripts/bench_permute.sh [-b BUILD] [-o OUT.md] MODEL...
#
# MODEL is NAME (a stand-in: csbrnn genmodel NAME, CSB-pruned at the paper's rate, block 32) or
# LABEL=WEIGHTS.npz:RATE:BLOCK (trained dense weights, one-shot CSB-pruned).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="$here/build"
out=""
while getopts "b:o:" opt; do
  case $opt in
    b) build="$OPTARG" ;;
    o) out="$OPTARG" ;;
    *) exit 2 ;;
  esac
done
shift $((OPTIND - 1))
cli="$build/csbrnn"
py=/usr/bin/python3
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

declare -A paper_rate=([mt1]=12.5 [mt2]=12 [sr1]=13 [sr2]=20 [sr3]=7.1 [sr4]=23 [sc1]=10.4 \
  [sc2]=7.2 [qa]=7.9 [spp]=4.1 [barc-speech]=13.5 [barc-translation]=12)

rows="$tmp/rows.tsv"
: >"$rows"
for spec in "$@"; do
  if [[ "$spec" == *=* ]]; then
    label="${spec%%=*}"
    rest="${spec#*=}"
    IFS=: read -r weights rate block <<<"$rest"
  else
    label="$spec"
    weights="$tmp/$spec.npz"
    rate="${paper_rate[$spec]}"
    block=32
    "$cli" genmodel "$spec" -o "$weights" >/dev/null
  fi
  for perm in none balance; do
    csb="$tmp/$label-$perm.csb"
    "$cli" prune "$weights" -m csb -r "$rate" -b "$block" --permute "$perm" -o "$csb" -q \
      --report "$tmp/report.json"
    energy=$($py -c "import json; print('%.4f' % json.load(open('$tmp/report.json'))['total']['retained_energy'])")
    insz=$($py -c "import numpy as np; print(np.load('$weights')['weight_ih_l0'].shape[1])")
    x="$tmp/x$insz.npy"
    [[ -f "$x" ]] || $py -c "import numpy as np; np.random.seed(1); np.save('$x', np.random.uniform(-1,1,(2,$insz)).astype(np.float32))"
    for hw in 256 512; do
      for mode in none horizontal vertical 2d; do
        d="$tmp/run"
        rm -rf "$d"
        "$cli" simulate "$csb" --hw "$here/configs/hw_${hw}pe.yaml" --set sharing.mode=$mode \
          --input "$x" --out "$d" -q
        $py -c "
import json; j=json.load(open('$d/stats.json'))
print('\t'.join(['$label','$rate','$block','$hw','$mode','$perm',
  '%.4f' % j['group_occupancy'], '%.4f' % j['pe_utilization'], str(j['cycles']['per_step'][0]),
  '$energy']))" >>"$rows"
      done
    done
  done
done

$py - "$rows" "$out" <<'EOF'
import sys
rows = [l.rstrip('\n').split('\t') for l in open(sys.argv[1]) if l.strip()]
res = {}
for label, rate, block, hw, mode, perm, occ, util, cyc, en in rows:
    res[(label, rate, block, hw, mode, perm)] = (float(occ), float(util), int(cyc), float(en))
keys = []
for label, rate, block, hw, mode, perm, *_ in rows:
    k = (label, rate, block, hw)
    if k not in keys: keys.append(k)
lines = ["| model | rate | block | PEs | " + " | ".join(
    f"{m} occ / util (none -> balance)" for m in ["none", "horizontal", "vertical", "2d"]) +
    " | 2d cycles/step | retained energy |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
for (label, rate, block, hw) in keys:
    cells = []
    for m in ["none", "horizontal", "vertical", "2d"]:
        a = res[(label, rate, block, hw, m, "none")]
        b = res[(label, rate, block, hw, m, "balance")]
        cells.append(f"{100*a[0]:.1f}% / {100*a[1]:.1f}% -> {100*b[0]:.1f}% / {100*b[1]:.1f}%")
    a = res[(label, rate, block, hw, "2d", "none")]
    b = res[(label, rate, block, hw, "2d", "balance")]
    cells.append(f"{a[2]} -> {b[2]}")
    cells.append(f"{a[3]:.3f} -> {b[3]:.3f}")
    lines.append(f"| {label} | {rate} | {block} | {hw} | " + " | ".join(cells) + " |")
text = "\n".join(lines) + "\n"
if sys.argv[2]:
    open(sys.argv[2], "w").write(text)
print(text, end="")
EOF
