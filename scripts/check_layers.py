#!/usr/bin/env python3
"""Checks the layering of src/: every #include "AREA/..." in src/X/ must name X itself or a
library that X's declaration in src/CMakeLists.txt depends on (directly or through others), and
the declared graph must have no cycle. src/cli is the library csbrnn_cli like any other area (the
`csbrnn` executable is cli/main.cpp over it).
Prints one line per violation and exits 1 when there is any; exit 0 prints a one-line summary.
Usage: scripts/check_layers.py [REPO_ROOT]"""
import os
import re
import sys

root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
src = os.path.join(root, "src")
cmake = open(os.path.join(src, "CMakeLists.txt")).read()

deps = {}
for m in re.finditer(r"csbrnn_add_area\(\s*(\w+)((?:\s+[^)]*)?)\)", cmake):
    words = m.group(2).split()
    deps[m.group(1)] = [w[len("csbrnn_"):] for w in words if w.startswith("csbrnn_")]

problems = []
for a, ds in sorted(deps.items()):
    for d in ds:
        if d not in deps:
            problems.append(f"src/CMakeLists.txt: {a} depends on csbrnn_{d}, which is not declared")

# Cycles in the declared graph (depth-first search with colours).
state = {}
def visit(a, path):
    state[a] = 1
    for d in deps.get(a, []):
        if state.get(d) == 1:
            cyc = path[path.index(d):] + [d] if d in path else [a, d]
            problems.append("src/CMakeLists.txt: dependency cycle " + " -> ".join(cyc))
        elif d in deps and state.get(d) is None:
            visit(d, path + [d])
    state[a] = 2
for a in sorted(deps):
    if state.get(a) is None:
        visit(a, [a])

def closure(a, seen=None):
    seen = set() if seen is None else seen
    for d in deps.get(a, []):
        if d not in seen:
            seen.add(d)
            closure(d, seen)
    return seen

areas = {d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d))}
inc = re.compile(r'^[ \t]*#[ \t]*include\s*"([a-z_]+)/[^"]+"', re.M)
files = 0
for a in sorted(areas):
    if a not in deps:
        problems.append(f"src/{a}/: folder has no csbrnn_add_area() in src/CMakeLists.txt")
        continue
    allowed = closure(a) | {a}
    for dirpath, _, names in os.walk(os.path.join(src, a)):
        for n in sorted(names):
            if not n.endswith((".h", ".cpp", ".hpp", ".in")):
                continue
            path = os.path.join(dirpath, n)
            files += 1
            text = open(path, encoding="utf-8").read()
            for mm in inc.finditer(text):
                b = mm.group(1)
                if b in areas and b not in allowed:
                    line = text.count("\n", 0, mm.start()) + 1
                    rel = os.path.relpath(path, root)
                    problems.append(f"{rel}:{line}: includes {b}/, but csbrnn_{a} does not "
                                    f"depend on csbrnn_{b} (src/CMakeLists.txt)")

for p in problems:
    print(p)
if problems:
    sys.exit(1)
print(f"layers: {files} files in {len(areas)} areas follow src/CMakeLists.txt, no cycle")
