#!/usr/bin/env bash
# Builds warrant-bench in release mode, runs it, and records the results with the
# command, machine and date in docs/BENCHMARKS.md (between the foundation markers).
# Usage: scripts/bench.sh [--quick] [--no-write]
set -euo pipefail
cd "$(dirname "$0")/.."

write=1
args=()
for arg in "$@"; do
  case "$arg" in
    --no-write) write=0 ;;
    --quick) args+=(--quick) ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $arg" >&2; exit 2 ;;
  esac
done

swift build -c release --product warrant-bench >&2
table=$(.build/release/warrant-bench "${args[@]}")
echo "$table"
[ "$write" = 1 ] || exit 0

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
swiftv=$(swift --version 2>/dev/null | head -1)
section=$(cat <<SECTION
<!-- bench:foundation:start -->
## Foundation and ledger: crypto, wire, transport, sessions, storage

Measured $(date -u +%Y-%m-%d) with \`scripts/bench.sh${args[*]:+ ${args[*]}}\` (release build of \`warrant-bench\`).
Machine: ${cpu}, $(nproc) cores, ${mem}, Linux $(uname -r), ${swiftv}.

$table
<!-- bench:foundation:end -->
SECTION
)

file=docs/BENCHMARKS.md
mkdir -p docs
if [ ! -f "$file" ]; then
  printf '# Benchmarks\n\nNumbers measured on the machine named with each section, never asserted in tests.\n\n' > "$file"
fi
if grep -q 'bench:foundation:start' "$file"; then
  python3 - "$file" "$section" <<'PY'
import re, sys
path, section = sys.argv[1], sys.argv[2]
text = open(path).read()
text = re.sub(r"<!-- bench:foundation:start -->.*?<!-- bench:foundation:end -->", lambda m: section, text, flags=re.S)
open(path, "w").write(text)
PY
else
  printf '%s\n' "$section" >> "$file"
fi
echo "bench.sh: results written to $file" >&2
