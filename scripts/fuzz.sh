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
status=0
printf '| harness | seconds | executions | exec/s | result |\n| --- | --- | --- | --- | --- |\n' >build-fuzz/fuzz/summary.md
for n in "${names[@]}"; do
  exe=build-fuzz/fuzz/fuzz_$n
  corpus=build-fuzz/fuzz/corpus/$n
  crashes=build-fuzz/fuzz/crashes/$n
  mkdir -p "$corpus" "$crashes"
  log=build-fuzz/fuzz/$n.log
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
    status=1
    for c in "$crashes"/crash-* "$crashes"/leak-* "$crashes"/timeout-* "$crashes"/oom-*; do
      [ -f "$c" ] || continue
      case "$c" in *.min) continue ;; esac
      "$exe" "$c" -minimize_crash=1 -max_total_time=60 -exact_artifact_path="$c.min" \
        >>"$log.min" 2>&1 || true
      echo "fuzz: $n: crash $c (minimised: $c.min)"
    done
  fi
  echo "fuzz: $n: ${secs}s, $execs executions, $rate exec/s: $result"
  printf '| %s | %s | %s | %s | %s |\n' "$n" "$secs" "$execs" "$rate" "$result" >>build-fuzz/fuzz/summary.md
done
cat build-fuzz/fuzz/summary.md
exit $status
