#!/usr/bin/env bash
# The conformance suites run against Warrant's own node (docs/CONFORMANCE.md):
#   1. a 4-node cluster started with `warrant-coordinator up` in a scratch directory, then
#      `conform client --cluster DIR`, which must pass every case (at least 40);
#   2. `conform validator --node-cmd warrant-node`, which must pass every case;
#   3. warrant-node with each planted bug and Byzantine behaviour, which must fail the
#      validator case named after the rule it breaks (with the cases that give it
#      traffic; --only).
# Every cluster and node is stopped however the script ends.
#
#   scripts/check-conformance.sh [--bin DIR]      (default: the debug build)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "check-conformance.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
bin="${bin:-$(swift build --show-bin-path)}"
work="$(mktemp -d)"
"$bin/warrant-coordinator" up Topologies/local-4.toml --dir "$work/cluster" > "$work/up.log" 2>&1 &
up=$!
trap 'kill $up 2>/dev/null || true; wait $up 2>/dev/null || true' EXIT
if ! timeout 600 "$bin/warrant-coordinator" conform client --cluster "$work/cluster" --out "$work/client" > "$work/client.log" 2>&1; then
  grep -v '^PASS' "$work/client.log" >&2 || true
  echo "conformance: the client suite failed against warrant-node (exchanges kept in $work/client)" >&2
  exit 1
fi
summary="$(tail -1 "$work/client.log")"
passed="${summary%% passed*}"
if [ "$passed" -lt 40 ]; then
  echo "conformance: only $passed client cases passed (at least 40 expected): $summary" >&2
  exit 1
fi
echo "conformance: client suite against warrant-node: $summary"
kill $up 2>/dev/null || true

port=24000
validator() {  # validator LABEL NODE-FLAGS [ONLY]: runs the suite, output in $work/LABEL.log
  port=$((port + 100))
  timeout 600 "$bin/warrant-coordinator" conform validator --node-cmd "$bin/warrant-node $2" --dir "$work/$1" \
    --base-port "$port" ${3:+--only "$3"} > "$work/$1.log" 2>&1
}
if ! validator honest ""; then
  grep -v '^PASS' "$work/honest.log" >&2 || true
  echo "conformance: the validator suite failed against warrant-node (see $work/honest/node.log)" >&2
  exit 1
fi
echo "conformance: validator suite against warrant-node: $(tail -1 "$work/honest.log")"

failed=0
while IFS='|' read -r flags expect; do
  label="$(echo "$flags" | tr ' ' '_')"
  if validator "$label" "$flags" "commits-with-the-cluster,votes-in-every-round,$expect"; then status=0; else status=$?; fi
  again=""
  # Byzantine behaviours act at random (replay: one broadcast in four, an envelope from
  # the last 64): a short run can miss; a second run may not.
  if { [ "$status" -eq 0 ] || ! grep -q "^FAIL $expect" "$work/$label.log"; } && [[ "$flags" == --byzantine* ]]; then
    label="${label}_again"
    if validator "$label" "$flags" "commits-with-the-cluster,votes-in-every-round,$expect"; then status=0; else status=$?; fi
    again=" (on a second run)"
  fi
  if [ "$status" -ne 0 ] && grep -q "^FAIL $expect" "$work/$label.log"; then
    echo "conformance: warrant-node $flags fails $expect$again"
  else
    echo "conformance: warrant-node $flags did NOT fail $expect (exit $status):" >&2
    cat "$work/$label.log" >&2
    failed=$((failed + 1))
  fi
done <<'CASES'
--sabotage skip-lock|keeps-its-lock
--sabotage quorum-off-by-one|precommits-only-after-a-quorum
--sabotage ignore-expiry|check-expiry
--sabotage ignore-staleness|check-fail-closed-when-cut-off
--sabotage accept-bad-signature|refuses-forged-messages
--sabotage reset-staleness-on-restart|check-fail-closed-after-restart-while-cut-off
--sabotage trust-own-block-times|check-clock-judged-by-the-other-validators
--byzantine equivocate|never-signs-conflicting-votes
--byzantine withhold|votes-in-every-round
--byzantine invalid-vote|votes-only-for-proposed-blocks
--byzantine forge|proposes-valid-blocks
--byzantine replay|sends-only-current-messages
CASES
[ "$failed" -eq 0 ]
