#!/usr/bin/env bash
# Runs the chaos scenarios of Topologies/chaos/ on real processes and prints one table:
# scenario, verdict, violations, the worst blast-radius windows, commits, wall time.
# Exits 0 only if every scenario passed.
#
#   scripts/chaos.sh [--only NAME[,NAME…]] [--seed S] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

only="" seed="" out="runs/chaos-$(date -u +%Y%m%dT%H%M%SZ)"
while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "chaos.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

scenarios=()
for file in Topologies/chaos/*.toml; do
  name="$(basename "$file" .toml)"
  if [ -n "$only" ] && [[ ",$only," != *",$name,"* ]]; then continue; fi
  scenarios+=("$name")
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

for name in "${scenarios[@]}"; do
  echo "chaos: $name"
  start=$(date +%s)
  args=(run "Topologies/chaos/$name.toml" --out "$out/$name")
  if [ -n "$seed" ]; then args+=(--seed "$seed"); fi
  if "$bin/warrant-coordinator" "${args[@]}" > "$out/$name.log" 2>&1; then status=0; else status=$?; fi
  echo "$name $status $(( $(date +%s) - start ))" >> "$out/results.txt"
done

python3 - "$out" <<'PY'
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
    never = [line.split(":", 1)[1] for line in open(f"Topologies/chaos/{name}.toml") if line.startswith("# never:")]
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
sys.exit(1 if failed else 0)
PY
