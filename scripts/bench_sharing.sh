#!/usr/bin/env bash
# Builds and runs the sharing-scheduler benchmark (bench/bench_sharing.cpp): realistic 4x4x4x4
# instances at block 32 and 64, then a stress run on 8x8 groups. Arguments: [instances] [seed].
# Needs `add_subdirectory(bench)` in the top-level CMakeLists.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target bench_sharing >/dev/null
./build/bench/bench_sharing "${1:-2000}" "${2:-1}"
./build/bench/bench_sharing stress 12 "${2:-1}"
