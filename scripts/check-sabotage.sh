#!/usr/bin/env bash
# Proves the real-run checkers can fail: each scenario in Topologies/chaos/sabotage/
# starts nodes with a planted bug (warrant-node --sabotage) and names, in its
# "# expect: RULE" line, the rule the run must report broken. Passes only if every run
# exits non-zero with that rule failing in its summary.json.
#
#   scripts/check-sabotage.sh [--bin DIR] [--only NAME] [--out DIR]   (default: the debug build, a temporary DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="" only="" out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "check-sabotage.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
bin="${bin:-$(swift build --show-bin-path)}"
out="${out:-$(mktemp -d)}"
mkdir -p "$out"
passed=0 failed=0
for file in Topologies/chaos/sabotage/*.toml; do
  name="$(basename "$file" .toml)"
  if [ -n "$only" ] && [ "$only" != "$name" ]; then continue; fi
  expect="$(sed -n 's/^# expect: *//p' "$file" | head -1)"
  if "$bin/warrant-coordinator" run "$file" --out "$out/$name" > "$out/$name.log" 2>&1; then status=0; else status=$?; fi
  if [ "$status" -ne 0 ] && python3 -c "
import json, sys
summary = json.load(open('$out/$name/summary.json'))
sys.exit(0 if not summary['checks']['$expect']['ok'] else 1)"; then
    echo "sabotage $name: caught as $expect (exit $status)"
    passed=$((passed + 1))
  else
    echo "sabotage $name: NOT caught as $expect (exit $status; see $out/$name.log)"
    failed=$((failed + 1))
  fi
done
echo "sabotage: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
