#!/usr/bin/env bash
# Builds warrant-bench in release mode, runs it, and records the results with the
# command, machine and date in docs/BENCHMARKS.md (between the foundation markers).
# With --simulate, instead times 10,000 simulator seeds (n = 4, f = 1, every fault,
# 100 heights) and records that section. With --cluster, starts Topologies/local-4.toml
# (four warrant-node processes on loopback) and measures it through its client endpoints.
# With --load, runs `warrant-coordinator bench` on Topologies/local-4.toml five ways (a
# mixed open loop, commits as fast as they go, single checks, check-batches, and
# check-batches at half the checks goal); --quick shortens every mode to well under two
# minutes. Etcd side by side: scripts/bench-vs-etcd.sh; n = 4, 7, 10 and rising load as
# SVG plots: scripts/bench-scaling.sh.
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
  if [ "$quick" = 1 ]; then duration=3 revokes=200; else duration=10 revokes=1000; fi
  out="$(mktemp -d)"
  B=(.build/release/warrant-coordinator bench Topologies/local-4.toml --duration "$duration")
  runs=(
    "open|mixed load, open loop at 500 requests/s (grants:acts:checks 1:4:5)|--rate 500 --revokes $revokes"
    "commits|grants and acts (1:4) as fast as they commit, 64 clients|--max --clients 64 --mix 1:4:0 --revokes 0"
    "checks|single checks as fast as answered, 16 clients|--max --clients 16 --mix 0:0:1 --revokes 0"
    "batched|check-batches of 64 as fast as answered, 16 clients|--max --clients 16 --mix 0:0:1 --batch 64 --revokes 0"
    "half|check-batches of 64 at 60,000 checks/s (15,000 per node: half the goal), open loop|--rate 940 --clients 16 --mix 0:0:1 --batch 64 --revokes 0"
  )
  body=""
  for run in "${runs[@]}"; do
    IFS='|' read -r name what flags <<< "$run"
    # shellcheck disable=SC2206
    args=("${B[@]}" $flags --out "$out/$name")
    "${args[@]}" > "$out/$name.log" 2>&1 || { cat "$out/$name.log" >&2; exit 1; }
    cat "$out/$name/bench.txt"
    echo
    body+="$what: \`${args[*]//$out\//DIR/}\`

\`\`\`
$(cat "$out/$name/bench.txt")
\`\`\`

"
  done
  [ "$write" = 1 ] || exit 0
  write_section load "<!-- bench:load:start -->
## Load: \`warrant-coordinator bench\` on four nodes

Measured $(date -u +%Y-%m-%d) with \`scripts/bench.sh --load$([ "$quick" = 1 ] && echo " --quick")\`. Requests are generated and signed
before the timed phase; in the open loop each goes out at its scheduled time and its
latency counts from then (queueing is not hidden); latencies in HdrHistograms; 2,000
sessions are granted first, and revokes (200/s) are timed until every node's local check
denies. Checks are counted one by one, also inside check-batches. Client and nodes share
the machine (the load generator's own CPU is shown beside the nodes').
Machine: ${machine}.

${body}<!-- bench:load:end -->"
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
