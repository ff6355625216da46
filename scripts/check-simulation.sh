#!/usr/bin/env bash
# The simulator's part of the test suite, through the release build (debug is too slow):
#   1. 300 seeds, n = 4, f = 1, every fault: 0 violations, and every coverage boundary
#      (SimCoverage: expiry or revocation while cut off, a lock moved, catch-up, a restart
#      mid-height, evidence committed, a clock_skew denial) reached at least once;
#   2. every regression seed in Tests/Regression/simulate-seeds.txt: 0 violations;
#   3. every sabotage is caught as a violation of the rule it breaks (and exits non-zero).
# Usage: scripts/check-simulation.sh [--seeds N]   (N: seeds for step 1, default 300)
set -euo pipefail
cd "$(dirname "$0")/.."

seeds=300
[ "${1:-}" = "--seeds" ] && seeds="$2"

swift build -c release --product warrant-coordinator >&2
sim=.build/release/warrant-coordinator
failed=0
passed=0

if out=$("$sim" simulate --seeds "$seeds" --nodes 4 --byzantine 1 --faults all); then
  passed=$((passed + 1))
else
  echo "FAIL: $seeds seeds with all faults reported violations" >&2; failed=$((failed + 1))
fi
printf '%s\n' "$out"
# Coverage: every interesting boundary must be reached at least once ("sometimes").
coverage=$(printf '%s\n' "$out" | sed -n 's/^coverage: //p')
if [ -n "$coverage" ] && ! printf '%s\n' "$coverage" | tr ',' '\n' | grep -qE ' 0$'; then
  echo "coverage: every boundary reached ($coverage)"; passed=$((passed + 1))
else
  echo "FAIL: a boundary was never reached in $seeds seeds: $coverage" >&2; failed=$((failed + 1))
fi

while read -r line; do
  case "$line" in ''|'#'*) continue ;; esac
  # shellcheck disable=SC2086
  if "$sim" simulate $line > /tmp/warrant-regression.$$ 2>&1; then
    passed=$((passed + 1))
  else
    echo "FAIL: regression seed: simulate $line" >&2; cat /tmp/warrant-regression.$$ >&2; failed=$((failed + 1))
  fi
done < Tests/Regression/simulate-seeds.txt
rm -f /tmp/warrant-regression.$$

for pair in skip-lock:agreement quorum-off-by-one:agreement ignore-expiry:expiry accept-bad-signature:validity \
            ignore-staleness:fail_closed reset-staleness-on-restart:fail_closed trust-own-block-times:fail_closed; do
  sabotage=${pair%%:*}; rule=${pair##*:}
  set +e
  out=$("$sim" simulate --seeds 100 --nodes 4 --byzantine 1 --faults all --sabotage "$sabotage" --shrink-limit 0 2>/dev/null)
  status=$?
  set -e
  if [ "$status" -ne 0 ] && printf '%s\n' "$out" | grep -qE "^seed [0-9]+: .*\b$rule\b"; then
    echo "sabotage $sabotage: caught as $rule ($(printf '%s\n' "$out" | head -1))"
    passed=$((passed + 1))
  else
    echo "FAIL: sabotage $sabotage was not caught as $rule (exit $status)" >&2; failed=$((failed + 1))
  fi
done

echo "simulation: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
