#!/usr/bin/env bash
# Installs what csbrnn needs from Debian 12's packages, only if something is missing (idempotent).
# The groups (also listed in README.md "Packages"):
#   build  - compiler, build tools and the libraries csbrnn links;
#   test   - what the test suite needs beyond the build (ctest comes with cmake);
#   tools  - what the CI format check and the scripts use.
set -euo pipefail
build_pkgs=(
  cmake g++ make pkg-config      # toolchain (scripts/build.sh uses CMake's Makefile generator)
  libsystemc-dev                 # SystemC 2.3 / TLM-2.0: the simulator
  libboost-program-options-dev   # the csbrnn command line
  libyaml-cpp-dev                # hardware configs, sweep specs, model specs
  nlohmann-json3-dev             # reports, stats.json
  libzip-dev zlib1g-dev          # .npz archives; CRC-32 of the containers
)
test_pkgs=(
  catch2                         # the test framework (tests/)
  gtkwave                        # vcd2fst: the VCD test checks a trace is accepted; also a viewer
  parallel                       # GNU parallel: csbrnn sweep --launcher parallel and its test
  slurmctld slurmd slurm-client  # the single-node Slurm of scripts/slurm_up.sh (--launcher slurm
  munge                          # test): controller, node daemon, sbatch/squeue, munge auth
)
tool_pkgs=(
  clang-format                   # scripts/check_format.sh (run by .ci/run)
  python3-numpy                  # scripts/demo.sh and the README make random inputs (X.npy);
                                 # python3 itself runs scripts/bench_*.sh and scripts/snapshot.sh
  python3-torch                  # regenerating tests/fixtures/ (make_*_fixtures.py); the Python
                                 # package's ADMM pruner and tasks (and their tests, below)
  clang-15 libfuzzer-15-dev      # the fuzz/ harnesses (CSBRNN_FUZZ=ON, scripts/fuzz.sh, .ci/run)
  ninja-build                    # scripts/fuzz.sh builds build-fuzz/ with Ninja
)
python_pkgs=(
  pybind11-dev python3-pybind11  # the Python package csbrnn (python/): its C++ module
  python3-dev                    # Python headers for that module
  dataset-fashion-mnist          # the sequential Fashion-MNIST task (python/csbrnn/tasks, tests/python)
  espeak-ng python3-torchaudio   # the speech task: synthesised spoken digits, their MFCC features
)
pkgs=("${build_pkgs[@]}" "${test_pkgs[@]}" "${tool_pkgs[@]}" "${python_pkgs[@]}")
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
