#!/usr/bin/env bash
# Checks that every tracked C++ file (*.cpp, *.h) is formatted as .clang-format says.
# Prints the files that differ and exits 1 if there are any (0 if none, 2 if clang-format is
# missing). Fix them with: clang-format -i FILE...  (CLANG_FORMAT=... picks another binary.)
set -euo pipefail
cd "$(dirname "$0")/.."
cf="${CLANG_FORMAT:-clang-format}"
if ! command -v "$cf" >/dev/null 2>&1; then
  echo "check_format: $cf not found (bash scripts/setup.sh installs clang-format)" >&2
  exit 2
fi
# One clang-format run over all files; each violation is reported as
# "FILE:LINE:COL: error: code should be clang-formatted [-Wclang-format-violations]".
rc=0
out=$(git ls-files -z -- '*.cpp' '*.h' | xargs -0 "$cf" --dry-run -Werror --ferror-limit=1 2>&1) || rc=$?
mapfile -t bad < <(printf '%s\n' "$out" | sed -n 's/^\([^:]*\):[0-9]*:[0-9]*: error: .*clang-format-violations.*/\1/p' | sort -u)
if [ "$rc" -ne 0 ] && [ ${#bad[@]} -eq 0 ]; then
  printf '%s\n' "$out" >&2
  echo "check_format: $cf failed" >&2
  exit 2
fi
if [ ${#bad[@]} -gt 0 ]; then
  echo "check_format: ${#bad[@]} file(s) differ from .clang-format ($("$cf" --version | head -1)):"
  printf '  %s\n' "${bad[@]}"
  echo "fix: $cf -i <file>..."
  exit 1
fi
echo "check_format: all tracked C++ files are formatted"
