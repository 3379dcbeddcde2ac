#!/usr/bin/env python3
"""Removes the tool's own speed fields from csbrnn's JSON reports, so that two runs of the same
work compare equal: every key matching seconds, wall, *_per_s, *_per_cpu_s or *_cpu_ratio (wall and
CPU seconds, simulated cycles or MACs per second, simulator / reference time ratios), and the
directory part of a "program" path. Used by scripts/snapshot.sh and scripts/traces.py.
Usage: scripts/strip_timing.py FILE.json ...   (rewrites each file in place, sorted, indent 1)"""
import json
import os
import re
import sys

SPEED = re.compile(r"seconds|wall|_per_s$|_per_cpu_s$|_cpu_ratio$")


def clean(v):
    """The JSON value v without speed fields (recursively) and with "program" paths as basenames."""
    if isinstance(v, dict):
        return {k: (os.path.basename(x) if k == "program" and isinstance(x, str) else clean(x))
                for k, x in v.items() if not SPEED.search(k)}
    if isinstance(v, list):
        return [clean(x) for x in v]
    return v


def dumps(v):
    """The text strip_timing writes: sorted keys, indent 1, a final newline."""
    return json.dumps(v, indent=1, sort_keys=True) + "\n"


def strip_file(path):
    with open(path) as f:
        j = clean(json.load(f))
    with open(path, "w") as f:
        f.write(dumps(j))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: scripts/strip_timing.py FILE.json ...")
    for p in sys.argv[1:]:
        strip_file(p)
