#!/usr/bin/env bash
# ctest consumer.find_package: installs the build tree BUILD into a temporary prefix, then
# configures, builds and runs tests/consumer/ against it (find_package(csbrnn), csbrnn::sim).
# Usage: run.sh BUILD_DIR
set -euo pipefail
build="$1"
src="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d /tmp/csbrnn-consumer.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
for f in bin/csbrnn include/csbrnn/sim/simulator.h include/csbrnn/common/version.h \
         share/csbrnn/models share/csbrnn/configs/hw_256pe.yaml lib/cmake/csbrnn/csbrnnConfig.cmake; do
  [ -e "$tmp/prefix/$f" ] || { echo "consumer: $f not installed"; exit 1; }
done
"$tmp/prefix/bin/csbrnn" config --check --hw "$tmp/prefix/share/csbrnn/configs/hw_512pe.yaml" >/dev/null
cmake -S "$src" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/build" >/dev/null
"$tmp/build/app"
