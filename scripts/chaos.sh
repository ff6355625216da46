#!/usr/bin/env bash
# Runs the chaos scenarios of Topologies/chaos/ on real processes and prints one table:
# scenario, verdict, violations, the worst blast-radius windows, commits, wall time.
# Exits 0 only if every scenario passed.
#
#   scripts/chaos.sh [--only NAME[,NAME…]] [--seed S] [--out DIR] [--netns]
#
# --netns (Linux, root): every node and agent in a network namespace of its own, link
# faults as nftables rules (docs/CHAOS.md). It also runs the sabotage scenarios marked
# "# netns: pass" (a node that ignores its own link filter is still cut off), checks
# that no namespace is left behind, and that a coordinator killed with SIGKILL (its
# reaper too) leaves nothing once a new one starts.
set -euo pipefail
cd "$(dirname "$0")/.."

only="" seed="" out="runs/chaos-$(date -u +%Y%m%dT%H%M%SZ)" netns=""
while [ $# -gt 0 ]; do
  case "$1" in
    --netns) netns="--netns"; shift ;;
    --only) only="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "chaos.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

scenarios=()
files=(Topologies/chaos/*.toml)
if [ -n "$netns" ]; then
  for file in Topologies/chaos/sabotage/*.toml; do
    if grep -q '^# netns: pass' "$file"; then files+=("$file"); fi
  done
fi
declare -A path_of
for file in "${files[@]}"; do
  name="$(basename "$file" .toml)"
  if [ -n "$only" ] && [[ ",$only," != *",$name,"* ]]; then continue; fi
  # A scenario that mounts a filesystem (disk_mb) needs root.
  if grep -q '^disk_mb' "$file" && [ "$(id -u)" -ne 0 ]; then echo "chaos.sh: not root: skipping $name (it mounts a filesystem)"; continue; fi
  scenarios+=("$name")
  path_of[$name]="$file"
done
if [ ${#scenarios[@]} -eq 0 ]; then
  echo "chaos.sh: no scenario matches '$only' (have: $(ls Topologies/chaos/*.toml | xargs -n1 basename | sed 's/.toml//' | tr '\n' ' '))" >&2
  exit 2
fi

swift build -c release --product warrant-coordinator >/dev/null
swift build -c release --product warrant-node >/dev/null
swift build -c release --product warrant-agent >/dev/null
bin="$(swift build -c release --show-bin-path)"
mkdir -p "$out"
namespaces() { ip netns list 2>/dev/null | awk '/^wrnt-/ {print $1}' | sort; }
if [ -n "$netns" ]; then namespaces > "$out/netns-before.txt"; fi

for name in "${scenarios[@]}"; do
  echo "chaos: $name${netns:+ (network faults in namespaces)}"
  start=$(date +%s)
  args=(run "${path_of[$name]}" --out "$out/$name" $netns)
  if [ -n "$seed" ]; then args+=(--seed "$seed"); fi
  if "$bin/warrant-coordinator" "${args[@]}" > "$out/$name.log" 2>&1; then status=0; else status=$?; fi
  echo "$name $status $(( $(date +%s) - start ))" >> "$out/results.txt"
done

netns_failed=0
if [ -n "$netns" ]; then
  # A coordinator killed mid-run, its reaper with it, as a crash would: its namespaces
  # stay until the next --netns start, which must remove them.
  "$bin/warrant-coordinator" run Topologies/chaos/partition-expiry.toml --netns --out "$out/killed" > "$out/killed.log" 2>&1 &
  victim=$!
  for _ in $(seq 1 300); do [ -f "$out/killed/cluster.json" ] && break; sleep 0.2; done
  pkill -KILL -f "netns-clean --owner $victim " || true
  kill -KILL "$victim" 2>/dev/null || true
  wait "$victim" 2>/dev/null || true
  left="$(namespaces | grep -c "^wrnt-$victim-" || true)"
  "$bin/warrant-coordinator" run Topologies/chaos/sabotage/ignore-link-faults.toml --netns --out "$out/after-kill" > "$out/after-kill.log" 2>&1 || true
  still="$(namespaces | grep -c "^wrnt-$victim-" || true)"
  if [ "$left" -gt 0 ] && [ "$still" -eq 0 ] && grep -q "removed $left namespaces a killed coordinator left" "$out/after-kill.log"; then
    echo "netns: a coordinator killed mid-run left $left namespaces; the next start removed them"
  else
    echo "netns: FAILED — killed coordinator $victim left $left namespaces, $still remain after a new start (see $out/after-kill.log)"
    netns_failed=1
  fi
  namespaces > "$out/netns-after.txt"
  if leaked="$(comm -13 "$out/netns-before.txt" "$out/netns-after.txt")" && [ -n "$leaked" ]; then
    echo "netns: FAILED — namespaces left behind: $(echo $leaked)"
    netns_failed=1
  else
    echo "netns: no namespace, link or rule left behind"
  fi
fi

python3 - "$out" "$netns_failed" <<'PY'
import json, os, sys
out = sys.argv[1]
rows, failed = [], 0
for line in open(os.path.join(out, "results.txt")):
    name, status, seconds = line.split()
    try:
        summary = json.load(open(os.path.join(out, name, "summary.json")))
    except (OSError, ValueError):
        summary = None
    if summary is None:
        rows.append((name, "ERROR", "-", "-", "-", "-", "-", "-", seconds)); failed += 1; continue
    violations = sum(c["violations"] for c in summary["checks"].values())
    broken = ",".join(sorted(k for k, c in summary["checks"].items() if not c["ok"])) or "-"
    def worst(key):
        values = [r[key] for r in summary.get("blast_radius", []) if r.get(key) is not None]
        return str(max(values)) if values else "null"
    commits = sum(n["commits"] for n in summary["nodes"])
    verdict = summary["verdict"]
    # A scenario may also name deny reasons no probe or check may ever give
    # ("# never: clock_skew, stale"): availability that must survive its faults.
    path = f"Topologies/chaos/{name}.toml"
    if not os.path.exists(path): path = f"Topologies/chaos/sabotage/{name}.toml"
    never = [line.split(":", 1)[1] for line in open(path) if line.startswith("# never:")]
    never = {r.strip() for text in never for r in text.split(",") if r.strip()}
    if never:
        seen = sum(1 for line in open(os.path.join(out, name, "history.jsonl"))
                   for e in [json.loads(line)] if e["kind"] in ("probe", "check") and e.get("reason") in never)
        if seen:
            verdict = "fail"
            broken = (broken if broken != "-" else "") + f"never:{seen}x" + "/".join(sorted(never))
    if verdict != "pass" or status != "0": failed += 1
    rows.append((name, verdict.upper(), f"{violations} {broken}", worst("after_expiry_ms"), worst("after_cutoff_ms"),
                 worst("after_last_contact_ms"), worst("after_revoke_commit_ms"), str(commits), seconds))
header = ("scenario", "verdict", "violations", "after expiry ms", "after cut-off ms", "after last contact ms",
          "after revoke ms", "commits", "wall s")
widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
for row in [header] + rows:
    print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
print(f"chaos: {len(rows) - failed} passed, {failed} failed (runs in {out})")
sys.exit(1 if failed or sys.argv[2] != "0" else 0)
PY
