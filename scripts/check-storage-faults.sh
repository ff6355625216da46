#!/usr/bin/env bash
# The storage-fault scenarios, judged by every checker and then by the nodes' own logs:
#   corrupt-database: n2's database garbled and n1's truncated while they are down; each
#     must move the file aside at restart and restore from its peers;
#   disk-full (root only: it mounts a tmpfs): n1's disk filled under load and freed; n1
#     must halt on the failed write and resume by itself; then an `up` cluster with a
#     disk_mb node whose coordinator is killed (SIGKILL) must leave no mount behind and
#     keep the node's files (its reaper unmounts them).
#   scripts/check-storage-faults.sh [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
[ "${1:-}" = "--out" ] && out="$2"
bin="$(swift build --show-bin-path)"
fail() { echo "check-storage-faults: $*" >&2; exit 1; }

timeout 300 "$bin/warrant-coordinator" run Topologies/chaos/corrupt-database.toml --out "$out/corrupt-database"
for node in n1 n2; do
  log="$out/corrupt-database/nodes/$node/node.log"
  grep -q "database damaged: starting from an empty one and restoring from the peers" "$log" || fail "$node did not report its damaged database ($log)"
  ls "$out/corrupt-database/nodes/$node"/node.sqlite.damaged-* > /dev/null 2>&1 || fail "$node's damaged database was not kept aside"
done
echo "check-storage-faults: corrupt-database: n1 and n2 moved their damaged databases aside and restored from their peers"

if [ "$(id -u)" -ne 0 ]; then
  echo "check-storage-faults: not root: skipping disk-full (it mounts a filesystem)"
  exit 0
fi
timeout 300 "$bin/warrant-coordinator" run Topologies/chaos/disk-full.toml --out "$out/disk-full"
log="$out/disk-full/nodes/n1/node.log"
grep -q "storage failed: voting, ordering and allowing nothing" "$log" || fail "n1 never halted on its full disk ($log)"
grep -q "storage writable again: resuming" "$log" || fail "n1 never resumed after its disk was freed ($log)"
grep -q "unavailable" "$out/disk-full/history.jsonl" || fail "no client was ever answered unavailable by the halted node"
if grep -q "wrnt-[0-9]*-disk-" /proc/mounts; then
  grep "wrnt-[0-9]*-disk-" /proc/mounts | grep -q "$out" && fail "the run left its tmpfs mounted"
fi
echo "check-storage-faults: disk-full: n1 halted on its full disk, answered unavailable, and resumed once it was freed"

# `up` dies at once on a signal; its reaper must still unmount the disk, keeping the files.
sed -e 's/^base_port = .*/base_port = 28600/' -e 's/^name = "disk-full"/name = "disk-up"/' Topologies/chaos/disk-full.toml \
  | awk '/^\[\[faults\]\]/ { exit } { print }' > "$out/disk-up.toml"
"$bin/warrant-coordinator" up "$out/disk-up.toml" --dir "$out/disk-up" > "$out/disk-up.log" 2>&1 &
up=$!
for _ in $(seq 1 120); do [ -f "$out/disk-up/cluster.json" ] && break; sleep 0.5; done
[ -f "$out/disk-up/cluster.json" ] || fail "the disk_mb cluster did not come up ($out/disk-up.log)"
grep -q " $out/disk-up/nodes/n1/disk tmpfs" /proc/mounts || fail "n1's disk was not mounted"
kill -KILL "$up"
wait "$up" 2> /dev/null || true
for _ in $(seq 1 100); do grep -q " $out/disk-up/nodes/n1/disk tmpfs" /proc/mounts || break; sleep 0.1; done
grep -q " $out/disk-up/nodes/n1/disk tmpfs" /proc/mounts && fail "a killed coordinator's disk stayed mounted ($out/disk-up/reaper.log)"
[ -s "$out/disk-up/nodes/n1/disk/node.sqlite" ] || fail "n1's database did not survive the unmount"
echo "check-storage-faults: a killed up's reaper unmounted n1's disk and kept its database"
