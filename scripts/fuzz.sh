#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ (clang-15, CSBRNN_FUZZ=ON, into build-fuzz/) and runs
# each for SECONDS (default 3600) on its corpus; a crash is minimised (-minimize_crash) into
# build-fuzz/fuzz/crashes/NAME/ and fails the script. Prints executions and executions per
# second of each harness. Usage: scripts/fuzz.sh [SECONDS] [HARNESS ...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-3600}"
[ $# -gt 0 ] && shift
all=(npy npz hw_yaml hw_set csb program sweep)
names=("$@")
[ ${#names[@]} -eq 0 ] && names=("${all[@]}")
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++-15 \
  -DCSBRNN_FUZZ=ON -DCSBRNN_BUILD_TESTS=OFF "${launcher[@]}" >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzzers
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
# One harness: runs it, minimises any crash, prints its line and leaves its table row in
# build-fuzz/fuzz/NAME.row; returns non-zero on a crash.
run_one() {
  local n=$1 exe=build-fuzz/fuzz/fuzz_$1 corpus=build-fuzz/fuzz/corpus/$1
  local crashes=build-fuzz/fuzz/crashes/$1 log=build-fuzz/fuzz/$1.log rc execs rate result c
  mkdir -p "$corpus" "$crashes"
  set +e
  "$exe" "$corpus" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=20 \
    -artifact_prefix="$crashes/" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  set -e
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo 0)
  result=ok
  if [ $rc -ne 0 ]; then
    result="CRASH (see $log)"
    for c in "$crashes"/crash-* "$crashes"/leak-* "$crashes"/timeout-* "$crashes"/oom-*; do
      [ -f "$c" ] || continue
      case "$c" in *.min) continue ;; esac
      "$exe" "$c" -minimize_crash=1 -max_total_time=60 -exact_artifact_path="$c.min" \
        >>"$log.min" 2>&1 || true
      echo "fuzz: $n: crash $c (minimised: $c.min)"
    done
  fi
  echo "fuzz: $n: ${secs}s, $execs executions, $rate exec/s: $result"
  printf '| %s | %s | %s | %s | %s |\n' "$n" "$secs" "$execs" "$rate" "$result" >"build-fuzz/fuzz/$n.row"
  [ $rc -eq 0 ]
}

# The harnesses are single-threaded: run as many at once as there are cores (each still gets
# its full SECONDS), then collect the rows in harness order.
jobs_max=$(nproc)
status=0
pids=()
for n in "${names[@]}"; do
  rm -f "build-fuzz/fuzz/$n.row"
  run_one "$n" &
  pids+=($!)
  while [ "$(jobs -rp | wc -l)" -ge "$jobs_max" ]; do wait -n || true; done
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
printf '| harness | seconds | executions | exec/s | result |\n| --- | --- | --- | --- | --- |\n' >build-fuzz/fuzz/summary.md
for n in "${names[@]}"; do
  if [ -f "build-fuzz/fuzz/$n.row" ]; then
    cat "build-fuzz/fuzz/$n.row" >>build-fuzz/fuzz/summary.md
  else
    printf '| %s | %s | - | - | did not report |\n' "$n" "$secs" >>build-fuzz/fuzz/summary.md
    status=1
  fi
done
cat build-fuzz/fuzz/summary.md
exit $status
