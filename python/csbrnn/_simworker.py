"""The subprocess csbrnn.simulate runs (SystemC elaborates once per process):
python -m csbrnn._simworker DIR MODEL_OR_EMPTY reads DIR/program.bin, DIR/hw.yaml, DIR/x.npz
and writes DIR/y.npz and DIR/stats.json."""
import json
import os
import sys

import numpy as np

from . import _csbrnn


def main():
    d, model = sys.argv[1], sys.argv[2]
    with np.load(os.path.join(d, "x.npz")) as z:
        xs = [np.ascontiguousarray(z[f"arr_{i}"], dtype=np.float32) for i in range(len(z.files))]
    try:
        ys, stats = _csbrnn.simulate_files(os.path.join(d, "program.bin"),
                                           os.path.join(d, "hw.yaml"), model, xs)
    except _csbrnn.Error as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(2)
    np.savez(os.path.join(d, "y.npz"), *ys)
    with open(os.path.join(d, "stats.json"), "w") as f:
        json.dump([json.loads(s) for s in stats], f)


if __name__ == "__main__":
    main()
