#!/usr/bin/env bash
# A soak: four nodes (release build) with agents under steady load and a slow random
# nemesis — one fault a minute (a partition, a kill and restart, a pause, a skew within
# the bound, link delay or loss), each healed after 5–15 s — for N minutes, then every
# checker. Meanwhile every node's resident memory, descriptors and SQLite files are
# sampled every 10 s. Then scripts/soak_report.py prints and judges the figures (commits
# per minute, memory and descriptors flat after the first minutes, no throughput decay)
# and draws OUT/soak.svg.
#
#   scripts/soak.sh [--minutes N] [--seed S] [--out DIR]      (default: 30 minutes, seed 1)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=30 seed=1 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) minutes="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "soak.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
[ "$minutes" -ge 2 ] 2>/dev/null || { echo "soak.sh: --minutes must be a whole number, at least 2" >&2; exit 2; }
out="${out:-runs/soak-$(date +%Y%m%dT%H%M%S)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
for product in warrant-coordinator warrant-node warrant-agent; do swift build -c release --product "$product" >/dev/null; done
bin="$(swift build -c release --show-bin-path)"
python3 scripts/soak_report.py topology --minutes "$minutes" --seed "$seed" > "$out/soak.toml"
python3 scripts/soak_report.py sample "$out/run" > "$out/samples.jsonl" &
sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT
status=0
"$bin/warrant-coordinator" run "$out/soak.toml" --out "$out/run" | tee "$out/run.log" || status=$?
wait "$sampler" || true
python3 scripts/soak_report.py report "$out" --verdict "$status"
