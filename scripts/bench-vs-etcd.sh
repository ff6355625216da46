#!/usr/bin/env bash
# Warrant and etcd side by side, in one run, on this machine, at the same concurrency:
#   grant   Warrant grant (committed)        vs  etcd lease grant + put of a key bound to it
#   revoke  Warrant revoke until every node  vs  etcd lease revoke until the key is gone on
#           denies                               every member
#   storm   N sessions expiring within 1 s   vs  N leases expiring within 1 s: the worst
#           (allows after expiresAt)             overshoot (keys still readable after expiry)
# Installs Debian's etcd-server and the aetcd and etcd3gw clients (PyPI) if missing, starts three etcd
# members on loopback with their own ports and data directories (removed afterwards), and
# Warrant's Topologies/local-4.toml. The etcd load generator is scripts/etcd_bench.py; if it
# reaches fewer than 700 grant + put/s the comparison is reported as not valid.
# Prints both rows and the ratios and writes DIR/vs-etcd.json (and each side's raw JSON).
# Usage: scripts/bench-vs-etcd.sh [--out DIR] [--sessions N] [--duration S] [--clients C] [--write]
#   --write  also records the result in docs/BENCHMARKS.md (section vs-etcd)
set -euo pipefail
cd "$(dirname "$0")/.."

out="" sessions=100000 duration=10 clients=64 write=0
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --sessions) sessions=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --write) write=1; shift ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench-vs-etcd.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$out" ] || out=$(mktemp -d)
mkdir -p "$out"
out=$(cd "$out" && pwd)

if ! command -v etcd > /dev/null; then
  echo "bench-vs-etcd.sh: installing etcd-server (Debian)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq etcd-server >&2
fi
python3 -c 'import etcd3gw, aetcd' 2> /dev/null || pip install -q etcd3gw aetcd >&2

for product in warrant-coordinator warrant-node; do swift build -c release --product "$product" >&2; done

# Three etcd members on loopback, on ports nothing else here uses.
etcd_dir=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2> /dev/null || true; done
  rm -rf "$etcd_dir"
}
trap cleanup EXIT
cluster="" endpoints=""
for i in 0 1 2; do
  cluster+="${cluster:+,}e$i=http://127.0.0.1:$((23800 + i))"
  endpoints+="${endpoints:+,}127.0.0.1:$((23790 + i))"
done
for i in 0 1 2; do
  etcd --name "e$i" --data-dir "$etcd_dir/e$i" \
    --listen-client-urls "http://127.0.0.1:$((23790 + i))" --advertise-client-urls "http://127.0.0.1:$((23790 + i))" \
    --listen-peer-urls "http://127.0.0.1:$((23800 + i))" --initial-advertise-peer-urls "http://127.0.0.1:$((23800 + i))" \
    --initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token warrant-bench \
    > "$etcd_dir/e$i.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 1 100); do
  healthy=0
  for i in 0 1 2; do
    curl -sf "http://127.0.0.1:$((23790 + i))/health" | grep -q '"health":"true"' && healthy=$((healthy + 1))
  done
  [ "$healthy" = 3 ] && break
  sleep 0.2
done
[ "$healthy" = 3 ] || { echo "bench-vs-etcd.sh: etcd did not become healthy; logs in $etcd_dir" >&2; tail -n 5 "$etcd_dir"/e*.log >&2; exit 1; }

echo "bench-vs-etcd.sh: etcd (3 members) — grant+put for ${duration} s with $clients in flight, 1000 revokes, storm of $sessions leases" >&2
python3 scripts/etcd_bench.py --endpoints "$endpoints" --concurrency "$clients" --duration "$duration" \
  --revokes 1000 --storm "$sessions" --pids "$(IFS=,; echo "${pids[*]}")" --out "$out/etcd.json" | tee "$out/etcd.log"
cleanup
pids=()

echo "bench-vs-etcd.sh: Warrant (4 nodes) — grants for ${duration} s with $clients in flight, 1000 revokes, storm of $sessions sessions" >&2
.build/release/warrant-coordinator bench Topologies/local-4.toml --max --clients "$clients" --mix 1:0:0 \
  --duration "$duration" --revokes 1000 --storm "$sessions" --out "$out/warrant" > "$out/warrant.log" 2>&1 \
  || { cat "$out/warrant.log" >&2; exit 1; }
cat "$out/warrant/bench.txt"

table=$(python3 - "$out" "$clients" <<'PY'
import json, sys
out, clients = sys.argv[1], int(sys.argv[2])
w = json.load(open(out + "/warrant/bench.json"))
e = json.load(open(out + "/etcd.json"))
skew = 500
for line in open("Topologies/local-4.toml"):
    if line.strip().startswith("max_clock_skew_ms"):
        skew = int(line.split("=")[1])
ws, es = w.get("storm") or {}, e.get("storm") or {}
result = {
    "clients": clients,
    "warrant_grants_per_s": w["grants_per_s"],
    "etcd_grant_put_per_s": e["grant"]["grant_put_per_s"],
    "ratio": w["grants_per_s"] / max(1e-9, e["grant"]["grant_put_per_s"]),
    "warrant_revoke_p99_ms": w["revoke_to_denied_ms"]["p99"],
    "etcd_revoke_p99_ms": e["revoke"]["revoke_to_gone_ms"]["p99"],
    "storm_overshoot_ms": {"warrant": ws.get("overshoot_ms"), "etcd": es.get("overshoot_ms")},
    "storm_sessions": {"warrant": ws.get("sessions"), "etcd": es.get("granted")},
    "warrant_allows_after_expiry": ws.get("allows_after_expiry"),
    "ceiling_per_s": w["ceiling_per_s"],
    "max_clock_skew_ms": skew,
    "warrant_node_cpu_seconds_per_1000": w.get("cpu_seconds_per_1000_commits"),
    "etcd_server_cpu_seconds_per_1000": e["grant"].get("server_cpu_seconds_per_1000"),
    "etcd_client_cpu_seconds_per_1000": e["grant"].get("client_cpu_seconds_per_1000"),
    "valid": e["grant"]["grant_put_per_s"] >= 700,
}
json.dump(result, open(out + "/vs-etcd.json", "w"), indent=2, sort_keys=True)
def fmt(v, unit=""):
    return "n/a" if v is None else "%.0f%s" % (v, unit)
rows = [
    ("", "Warrant (n=4)", "etcd (3 members)", "ratio"),
    ("grants/s (grant + put for etcd)", fmt(result["warrant_grants_per_s"]), fmt(result["etcd_grant_put_per_s"]), "%.2f×" % result["ratio"]),
    ("revoke → gone everywhere, p99", fmt(result["warrant_revoke_p99_ms"], " ms"), fmt(result["etcd_revoke_p99_ms"], " ms"),
     "%.2f×" % (result["warrant_revoke_p99_ms"] / max(1e-9, result["etcd_revoke_p99_ms"]))),
    ("storm: worst overshoot past expiry", fmt(result["storm_overshoot_ms"]["warrant"], " ms"), fmt(result["storm_overshoot_ms"]["etcd"], " ms"), ""),
    ("server CPU per 1,000 grants", "%.2f s" % w["cpu_seconds_per_1000_commits"] if w.get("cpu_seconds_per_1000_commits") else "n/a",
     "%.2f s" % e["grant"]["server_cpu_seconds_per_1000"] if e["grant"].get("server_cpu_seconds_per_1000") else "n/a", ""),
    ("load generator CPU per 1,000", "%.2f s" % w["load_generator_cpu_seconds_per_1000_commits"] if w.get("load_generator_cpu_seconds_per_1000_commits") else "n/a",
     "%.2f s" % e["grant"]["client_cpu_seconds_per_1000"], ""),
]
for r in rows:
    print("%-36s %16s %18s %8s" % r)
print("(Warrant's overshoot is its latest allow relative to expiresAt — negative means every allow came before; bound: max_clock_skew_ms = %d. Ceiling %.0f requests/s.)" % (skew, result["ceiling_per_s"]))
if not result["valid"]:
    print("NOT VALID: the etcd load generator reached only %.0f grant + put/s here (< 700): the comparison says more about the client than about etcd." % result["etcd_grant_put_per_s"])
PY
)
echo "$table"
echo "bench-vs-etcd.sh: results in $out/vs-etcd.json" >&2
[ "$write" = 1 ] || exit 0
source scripts/lib/benchmarks.sh
write_section vs-etcd "<!-- bench:vs-etcd:start -->
## Side by side with etcd

Measured $(date -u +%Y-%m-%d) with \`scripts/bench-vs-etcd.sh --sessions $sessions --duration $duration --clients $clients --write\`:
one run, one machine, $clients requests in flight on each side. etcd 3.4 (Debian), three
members on loopback, driven by \`scripts/etcd_bench.py\` (aetcd over gRPC for the timed
writes, $clients coroutines in one process; etcd3gw's serializable range reads to see keys go); Warrant's four nodes of Topologies/local-4.toml driven by
\`warrant-coordinator bench --max --mix 1:0:0 --storm $sessions\`. Load generator and
servers share the machine.
Machine: ${machine}.

\`\`\`
$table
\`\`\`

$(cat "$out/etcd.log" 2> /dev/null)
<!-- bench:vs-etcd:end -->"
