#!/usr/bin/env bash
# Builds warrant-bench in release mode, runs it, and records the results with the
# command, machine and date in docs/BENCHMARKS.md (between the foundation markers).
# With --simulate, instead times 10,000 simulator seeds (n = 4, f = 1, every fault,
# 100 heights) and records that section. With --cluster, starts Topologies/local-4.toml
# (four warrant-node processes on loopback) and measures it through its client endpoints.
# With --load, runs `warrant-coordinator bench` (open loop at 500 requests/s, then a
# closed loop of checks only) on Topologies/local-4.toml; --quick shortens it to well
# under two minutes.
# Usage: scripts/bench.sh [--quick] [--no-write] [--simulate | --cluster | --load]
set -euo pipefail
cd "$(dirname "$0")/.."

write=1
simulate=0
cluster=0
load=0
quick=0
args=()
for arg in "$@"; do
  case "$arg" in
    --no-write) write=0 ;;
    --quick) args+=(--quick); quick=1 ;;
    --simulate) simulate=1 ;;
    --cluster) cluster=1 ;;
    --load) load=1 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

source "$(dirname "$0")/lib/benchmarks.sh"

if [ "$cluster" = 1 ]; then
  for product in warrant-coordinator warrant-node warrant-agent warrant-bench; do swift build -c release --product "$product" >&2; done
  dir="$(mktemp -d)/cluster"
  .build/release/warrant-coordinator up Topologies/local-4.toml --dir "$dir" > "$dir.log" 2>&1 &
  up=$!
  # SIGKILL: the nodes follow through their watchdog pipes (a SIGINT to a coordinator
  # started in the background by a script has been seen to hang its shutdown).
  trap 'kill -KILL $up 2>/dev/null || true; wait $up 2>/dev/null || true' EXIT
  for _ in $(seq 1 100); do
    .build/release/warrant-coordinator status --dir "$dir" > /dev/null 2>&1 && break
    sleep 0.3
  done
  table=$(.build/release/warrant-bench --cluster "$dir" "${args[@]}")
  echo "$table"
  [ "$write" = 1 ] || exit 0
  write_section cluster "<!-- bench:cluster:start -->
## A real cluster: four warrant-node processes on loopback

Measured $(date -u +%Y-%m-%d) with \`scripts/bench.sh --cluster\`: \`warrant-coordinator up
Topologies/local-4.toml\` (default parameters; every node keeps its SQLite database with
\`synchronous = FULL\`), then \`warrant-bench --cluster DIR\` through the client endpoints,
with real Ed25519 signatures. Client and nodes share the machine.
Machine: ${machine}.

${table}
<!-- bench:cluster:end -->"
  exit 0
fi

if [ "$load" = 1 ]; then
  for product in warrant-coordinator warrant-node; do swift build -c release --product "$product" >&2; done
  if [ "$quick" = 1 ]; then duration=5 revokes=200; else duration=10 revokes=1000; fi
  out="$(mktemp -d)"
  open=(.build/release/warrant-coordinator bench Topologies/local-4.toml --duration "$duration" --rate 500 --revokes "$revokes" --out "$out/open")
  checks=(.build/release/warrant-coordinator bench Topologies/local-4.toml --duration "$duration" --max --clients 16 --mix 0:0:1 --revokes 0 --out "$out/checks")
  "${open[@]}" > "$out/open.log" 2>&1 || { cat "$out/open.log" >&2; exit 1; }
  "${checks[@]}" > "$out/checks.log" 2>&1 || { cat "$out/checks.log" >&2; exit 1; }
  cat "$out/open/bench.txt" "$out/checks/bench.txt"
  [ "$write" = 1 ] || exit 0
  write_section load "<!-- bench:load:start -->
## Load: \`warrant-coordinator bench\` on four nodes

Measured $(date -u +%Y-%m-%d) with \`scripts/bench.sh --load${args[*]:+ ${args[*]}}\`. Requests are generated and signed
before the timed phase; in the open loop each goes out at its scheduled time and its
latency counts from then (queueing is not hidden); latencies in HdrHistograms; 2,000
sessions are granted first, and revokes (200/s) are timed until every node's local check
denies. Client and nodes share the machine.
Machine: ${machine}.

\`${open[*]//$out\//DIR/}\` (mix grants:acts:checks 1:4:5):

\`\`\`
$(cat "$out/open/bench.txt")
\`\`\`

\`${checks[*]//$out\//DIR/}\` (checks only, closed loop):

\`\`\`
$(cat "$out/checks/bench.txt")
\`\`\`
<!-- bench:load:end -->"
  exit 0
fi

if [ "$simulate" = 1 ]; then
  swift build -c release --product warrant-coordinator >&2
  command=(.build/release/warrant-coordinator simulate --seeds 10000 --nodes 4 --byzantine 1 --faults all --heights 100)
  start=$(date +%s.%N)
  verdict=$("${command[@]}" 2>/dev/null | head -1)
  seconds=$(python3 -c "import time,sys; print('%.0f' % (time.time() - float(sys.argv[1])))" "$start")
  echo "$verdict in ${seconds} s"
  [ "$write" = 1 ] || exit 0
  write_section simulate "<!-- bench:simulate:start -->
## Simulator: 10,000 seeds

Measured $(date -u +%Y-%m-%d) with \`scripts/bench.sh --simulate\`, which runs
\`${command[*]}\` (both cores: seeds run two at a time).
Machine: ${machine}.

| measurement | result |
| --- | --- |
| 10,000 seeds × 100 heights, n = 4, f = 1, every fault | ${seconds} s wall clock (goal: under 600 s); \`${verdict}\` |
<!-- bench:simulate:end -->"
  exit 0
fi

swift build -c release --product warrant-bench >&2
table=$(.build/release/warrant-bench "${args[@]}")
echo "$table"
[ "$write" = 1 ] || exit 0

section=$(cat <<SECTION
<!-- bench:foundation:start -->
## Foundation and ledger: crypto, wire, transport, sessions, storage

Measured $(date -u +%Y-%m-%d) with \`scripts/bench.sh${args[*]:+ ${args[*]}}\` (release build of \`warrant-bench\`).
Machine: ${machine}.

$table
<!-- bench:foundation:end -->
SECTION
)

write_section foundation "$section"
