#!/usr/bin/env bash
# Runs README.md's "A cluster by hand" block exactly as written, twice in a row in the
# same directory (a scratch directory with the repository's Topologies/ and .build/
# linked in), and fails if any line fails where the README says it succeeds. Its
# `swift build` line is skipped: the caller builds first (scripts/test.sh does).
#
#   scripts/walkthrough.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
work="$(mktemp -d)"
ln -s "$root/Topologies" "$work/Topologies"
ln -s "$root/.build" "$work/.build"
block="$(awk '/^## A cluster by hand/{f=1} f&&/^```sh/{g=1;next} g&&/^```/{exit} g{print}' README.md | grep -v '^swift build')"
[ -n "$block" ] || { echo "walkthrough: no code block under '## A cluster by hand' in README.md" >&2; exit 1; }
for round in 1 2; do
  echo "walkthrough: round $round in $work"
  # Each line as written; set -e makes any failing line fail the round. Bounded in time;
  # a round that fails midway still stops the cluster it started (job %1, the `up`).
  if ! (cd "$work" && timeout 180 bash -e -c "set -m; trap 'kill %1 2>/dev/null || true' EXIT; $block" > "$work/round$round.log" 2>&1); then
    echo "walkthrough: round $round failed:" >&2; tail -20 "$work/round$round.log" >&2; exit 1
  fi
  grep -q "revoked" "$work/round$round.log" || { echo "walkthrough: round $round: no check said revoked" >&2; cat "$work/round$round.log" >&2; exit 1; }
  grep -q "denied (exit 1)" "$work/round$round.log" || { echo "walkthrough: round $round: the last check did not deny with exit 1" >&2; exit 1; }
done
echo "walkthrough: 2 passed, 0 failed"
