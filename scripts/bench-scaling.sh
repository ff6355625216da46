#!/usr/bin/env bash
# The scaling picture: `warrant-coordinator bench` (grants and acts, 1:4) for n = 4, 7 and
# 10 in a closed loop with 64 clients, and for n = 4 at rising offered load (open loop);
# scripts/plot_bench.py turns the bench.json files into docs/bench-scaling-n.svg and
# docs/bench-scaling-load.svg, which docs/BENCHMARKS.md shows.
# Usage: scripts/bench-scaling.sh [--out DIR] [--duration S] [--rates "250 500 …"]
set -euo pipefail
cd "$(dirname "$0")/.."
out="" duration=8 rates="250 500 1000 1500 2000 3000"
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "bench-scaling.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || out=$(mktemp -d)
mkdir -p "$out"
for product in warrant-coordinator warrant-node; do swift build -c release --product "$product" >&2; done
C=.build/release/warrant-coordinator
by_n=() by_load=()
for n in 4 7 10; do
  echo "bench-scaling.sh: n = $n, closed loop, 64 clients" >&2
  $C bench "Topologies/local-$n.toml" --max --clients 64 --mix 1:4:0 --duration "$duration" --revokes 200 --out "$out/n$n" > "$out/n$n.log" 2>&1 \
    || { cat "$out/n$n.log" >&2; exit 1; }
  sed -n '2,4p' "$out/n$n/bench.txt" >&2
  by_n+=("$out/n$n")
done
for rate in $rates; do
  echo "bench-scaling.sh: n = 4, $rate requests/s offered" >&2
  $C bench Topologies/local-4.toml --rate "$rate" --clients 64 --mix 1:4:0 --duration "$duration" --revokes 200 --out "$out/r$rate" > "$out/r$rate.log" 2>&1 \
    || { cat "$out/r$rate.log" >&2; exit 1; }
  sed -n '2,4p' "$out/r$rate/bench.txt" >&2
  by_load+=("$out/r$rate")
done
python3 scripts/plot_bench.py --by-n "${by_n[@]}" --by-load "${by_load[@]}" --out docs \
  --caption "scripts/bench-scaling.sh, $(date -u +%Y-%m-%d), $(nproc) cores, four to ten warrant-node processes and the load generator on one machine"
python3 - "$out" $rates <<'PY'
import json, sys
out, rates = sys.argv[1], sys.argv[2:]
print("| run | committed/s | p50 ms | p99 ms | blocks/s | req/block | node CPU s/1000 |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for name in ["n4", "n7", "n10"] + ["r" + r for r in rates]:
    r = json.load(open("%s/%s/bench.json" % (out, name)))
    label = "n = %d, closed loop" % r["nodes"] if name.startswith("n") else "n = 4, %s/s offered" % name[1:]
    print("| %s | %.0f | %.1f | %.1f | %.0f | %.1f | %s |" % (label, r["grants_per_s"] + r["acts_per_s"], r["commit_latency_ms"]["p50"],
          r["commit_latency_ms"]["p99"], r["blocks_per_s"], r["requests_per_block"],
          "%.2f" % r["cpu_seconds_per_1000_commits"] if r.get("cpu_seconds_per_1000_commits") else "—"))
PY
echo "bench-scaling.sh: plots in docs/bench-scaling-n.svg and docs/bench-scaling-load.svg" >&2
