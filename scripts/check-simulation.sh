#!/usr/bin/env bash
# The simulator's part of the test suite, through the release build (debug is too slow):
#   1. 300 seeds, n = 4, f = 1, every fault: 0 violations, and every coverage boundary
#      (SimCoverage: expiry or revocation while cut off, a lock moved, catch-up, a restart
#      mid-height, evidence committed, a clock_skew denial) reached at least once;
#   2. 100 seeds, n = 4, no Byzantine validator, crash and link faults with lost databases
#      (a restarted node without its database, its signing guard kept): 0 violations, and
#      a restored node abstained at a height its guard covered (restored_abstaining);
#   3. every regression seed in Tests/Regression/simulate-seeds.txt: 0 violations;
#   4. every sabotage is caught as a violation of the rule it breaks (and exits non-zero).
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
# Coverage: every interesting boundary must be reached at least once ("sometimes") — the
# lost-database one in its own campaign below.
coverage=$(printf '%s\n' "$out" | sed -n 's/^coverage: //p' | sed 's/, restored_abstaining [0-9]*//')
if [ -n "$coverage" ] && ! printf '%s\n' "$coverage" | tr ',' '\n' | grep -qE ' 0$'; then
  echo "coverage: every boundary reached ($coverage)"; passed=$((passed + 1))
else
  echo "FAIL: a boundary was never reached in $seeds seeds: $coverage" >&2; failed=$((failed + 1))
fi

lost="crash,delay,drop,duplicate,long-partition,lost-database,one-way,partition,skew,clock-rate"
if out=$("$sim" simulate --seeds 100 --nodes 4 --byzantine 0 --faults "$lost") \
   && printf '%s\n' "$out" | grep -qE '^coverage: .*restored_abstaining [1-9]'; then
  echo "lost databases: $(printf '%s\n' "$out" | grep -E '^simulate: [0-9]+ seeds,') ($(printf '%s\n' "$out" | grep -oE 'restored_abstaining [0-9]+'))"
  passed=$((passed + 1))
else
  printf '%s\n' "$out" | tail -20 >&2
  echo "FAIL: 100 seeds with lost databases reported violations or never abstained" >&2; failed=$((failed + 1))
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
