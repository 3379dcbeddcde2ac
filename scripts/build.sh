#!/usr/bin/env bash
# Configures and builds csbrnn into build/ (Release-with-debug-info), using every core.
# CSBRNN_WERROR=ON makes warnings errors (CI sets it); unset or OFF builds without -Werror.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCSBRNN_WERROR="${CSBRNN_WERROR:-OFF}" >/dev/null
cmake --build build -j"$(nproc)"
