#!/usr/bin/env bash
# Installs what csbrnn needs from Debian's packages, only if something is missing (idempotent).
set -euo pipefail
pkgs=(cmake g++ make pkg-config libsystemc-dev libboost-program-options-dev libyaml-cpp-dev
      catch2 nlohmann-json3-dev libzip-dev zlib1g-dev libz3-dev python3-numpy python3-torch gtkwave
      clang-15 libfuzzer-15-dev)  # clang-15, libfuzzer-15-dev: the fuzz/ harnesses (CSBRNN_FUZZ)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
