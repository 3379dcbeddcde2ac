#!/usr/bin/env python3
"""The layer check (scripts/check_layers.py) on small made-up trees: a clean tree passes, an
include of an undeclared layer, a dependency cycle and an undeclared folder each fail with a line
naming the place. Exit 0 when every case behaves, 1 otherwise."""
import os
import subprocess
import sys
import tempfile

check = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                     "check_layers.py")

def tree(cmake, files):
    d = tempfile.mkdtemp()
    os.makedirs(os.path.join(d, "src"))
    open(os.path.join(d, "src", "CMakeLists.txt"), "w").write(cmake)
    for path, text in files.items():
        p = os.path.join(d, "src", path)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        open(p, "w").write(text)
    return d

def run(d):
    r = subprocess.run([sys.executable, check, d], capture_output=True, text=True)
    return r.returncode, r.stdout

base = ("csbrnn_add_area(a DEPS fmt::fmt)\ncsbrnn_add_area(b DEPS csbrnn_a)\n"
        "csbrnn_add_area(c DEPS csbrnn_b)\n")
fails = 0
def expect(name, d, rc, text):
    global fails
    got_rc, out = run(d)
    ok = got_rc == rc and text in out
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": rc {got_rc}, output {out!r}"))
    fails += not ok

expect("clean tree", tree(base, {"a/x.h": "#pragma once\n", "b/y.cpp": '#include "a/x.h"\n',
                                 "c/z.cpp": '#include "a/x.h"\n#include "b/y.h"\n'}),
       0, "3 files in 3 areas")
expect("upward include", tree(base, {"a/x.cpp": '\n#include "c/z.h"\n', "b/y.h": "", "c/z.h": ""}),
       1, "src/a/x.cpp:2: includes c/, but csbrnn_a does not depend on csbrnn_c")
expect("cycle", tree(base + "csbrnn_add_area(d DEPS csbrnn_e)\ncsbrnn_add_area(e DEPS csbrnn_d)\n",
                     {"a/x.h": ""}), 1, "dependency cycle")
expect("undeclared folder", tree(base, {"a/x.h": "", "q/w.h": ""}), 1,
       "src/q/: folder has no csbrnn_add_area()")
expect("unknown dependency", tree("csbrnn_add_area(a DEPS csbrnn_zz)\n", {"a/x.h": ""}), 1,
       "a depends on csbrnn_zz, which is not declared")
print(f"{5 - fails} passed, {fails} failed")
sys.exit(1 if fails else 0)
