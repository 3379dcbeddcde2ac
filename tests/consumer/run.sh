#!/usr/bin/env bash
# ctest consumer.find_package: installs the build tree BUILD into a temporary prefix, then
# configures, builds and runs tests/consumer/ against it (find_package(csbrnn), csbrnn::sim).
# The installed CLI and the consumer must find the installed model specs, not the source tree.
# Usage: run.sh BUILD_DIR
set -euo pipefail
build="$1"
src="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$src/../.." && pwd)"
unset CSBRNN_DATA_DIR CSBRNN_MODELS_DIR
tmp="$(mktemp -d /tmp/csbrnn-consumer.XXXXXX)"
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
for f in bin/csbrnn include/csbrnn/sim/simulator.h include/csbrnn/common/version.h \
         share/csbrnn/models share/csbrnn/configs/hw_256pe.yaml lib/cmake/csbrnn/csbrnnConfig.cmake; do
  [ -e "$tmp/prefix/$f" ] || { echo "consumer: $f not installed"; exit 1; }
done
"$tmp/prefix/bin/csbrnn" config --check --hw "$tmp/prefix/share/csbrnn/configs/hw_512pe.yaml" >/dev/null
# the installed CLI reads its model specs from the prefix (a model-spec command from elsewhere)
list=$(cd / && "$tmp/prefix/bin/csbrnn" genmodel --list)
want="specs from $tmp/prefix/share/csbrnn/models (installed next to $tmp/prefix/bin/csbrnn)"
grep -qF "$want" <<<"$list" || { echo "consumer: installed CLI: not '$want':"; echo "$list" | tail -1; exit 1; }
(cd / && "$tmp/prefix/bin/csbrnn" genmodel sr4 -o "$tmp/sr4.npz" >/dev/null)
[ -s "$tmp/sr4.npz" ] || { echo "consumer: installed genmodel sr4 wrote nothing"; exit 1; }
cmake -S "$src" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" >/dev/null
cmake --build "$tmp/build" >/dev/null
(cd / && "$tmp/build/app" "$repo")
