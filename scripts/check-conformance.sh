#!/usr/bin/env bash
# The conformance suites run against Warrant's own node (docs/CONFORMANCE.md): a 4-node
# cluster started with `warrant-coordinator up` in a scratch directory, then
# `conform client --cluster DIR`, which must pass every case (at least 40). The cluster
# is stopped however the script ends.
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
