#!/usr/bin/env bash
# The whole test suite: bootstrap, Swift tests, the independent checks of the wire test
# vectors (Python cbor2 + pynacl, and the CLI decoder), the end-to-end test with real
# processes, then the simulator's seeds, regression seeds and sabotage checks. Exits
# non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh

# Tests run in parallel across suites; ports are chosen by the kernel (port 0), so
# concurrent runs on one machine cannot collide.
swift build --build-tests
swift test --skip-build --disable-xctest

if [ -f Tests/Vectors/wire.json ]; then
  python3 scripts/check-vectors.py Tests/Vectors/wire.json
  python3 scripts/check-vectors.py --signatures Tests/Vectors/ed25519.json
  # docs/SESSIONS.md's state hash, computed in Python from the document alone.
  python3 scripts/check-state-hash.py Tests/Conformance/ledger-rules.json
  python3 scripts/check-vectors.py --decoder "$(swift build --show-bin-path)/warrant-coordinator" \
    Tests/Vectors/wire.json Tests/Vectors/wire-invalid.json
fi
# End to end: real warrant-node processes on loopback, driven by warrant-coordinator and
# by a Python client written from docs/PROTOCOL.md alone.
timeout 600 python3 scripts/e2e.py "$(swift build --show-bin-path)"
# The Python client package (clients/python), written from docs/PROTOCOL.md, against a
# real cluster of its own.
PYTHONPATH=clients/python WARRANT_BIN="$(swift build --show-bin-path)" timeout 300 \
  python3 -m pytest clients/python/tests -q -p no:cacheprovider
# README's "A cluster by hand", exactly as written, twice in a row in one directory.
timeout 600 scripts/walkthrough.sh
# A whole `run`: every agent behaviour and every process fault, judged by the checkers.
run_dir="$(mktemp -d)/run"
timeout 300 "$(swift build --show-bin-path)/warrant-coordinator" run Tests/Topologies/all-behaviours.toml --out "$run_dir"
# The chaos smoke: four scenarios with the measured blast radius, and every planted bug,
# each of which must be caught as its rule (scripts/chaos.sh runs every scenario).
for scenario in partition-expiry revoke-under-partition restart-while-cut-off byzantine-equivocate agent-programs; do
  timeout 300 "$(swift build --show-bin-path)/warrant-coordinator" run "Topologies/chaos/$scenario.toml" --out "$(mktemp -d)/$scenario"
done
sabotage_dir="$(mktemp -d)"
timeout 400 scripts/check-sabotage.sh --out "$sabotage_dir"
# The picture of a run, checked in a real browser (headless Chromium): the quickstart's
# report against its history, and a sabotaged run's violations where they happened.
quickstart_dir="$(mktemp -d)/quickstart"
timeout 300 "$(swift build --show-bin-path)/warrant-coordinator" run Topologies/quickstart.toml --out "$quickstart_dir"
timeout 300 python3 scripts/check-report.py "$quickstart_dir"
timeout 300 python3 scripts/check-report.py "$sabotage_dir/ignore-expiry" --violations
# Storage faults: databases garbled and truncated while their nodes are down (moved aside,
# restored from peers), and, as root, a disk filled under load (the node halts, resumes).
timeout 700 scripts/check-storage-faults.sh
# Hostile clients at the socket level (hundreds of idle, dripping, half-sent, oversize,
# garbage and nonsense connections) against one node while an honest client checks.
timeout 300 python3 scripts/hostile-clients.py "$(swift build --show-bin-path)" --seconds 20
# Agent programs that misbehave in every listed way are reported and change nothing.
programs_dir="$(mktemp -d)/programs"
timeout 300 "$(swift build --show-bin-path)/warrant-coordinator" run Tests/Topologies/misbehaving-programs.toml --out "$programs_dir"
python3 scripts/check-programs.py Tests/Topologies/misbehaving-programs.toml "$programs_dir"
# An MCP host (the Python MCP SDK) drives warrant-gateway against a real cluster; every
# answer is checked against the committed chain.
timeout 300 python3 scripts/check-mcp-gateway.py "$(swift build --show-bin-path)"
# Network faults in namespaces (root only): a node that ignores its own link filter is
# still cut off by the nftables rules, and nothing is left behind.
if [ "$(id -u)" -eq 0 ]; then
  netns_dir="$(mktemp -d)/netns"
  timeout 300 "$(swift build --show-bin-path)/warrant-coordinator" run Topologies/chaos/sabotage/ignore-link-faults.toml --netns --out "$netns_dir"
  if ip netns list | grep -q "^wrnt-$(cat "$netns_dir/cluster.json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["netns"]["owner"])')-"; then
    echo "test.sh: the --netns run left namespaces behind" >&2; exit 1
  fi
else
  echo "test.sh: not root: skipping the --netns run (scripts/chaos.sh --netns covers it)"
fi
# libFuzzer, bounded (scripts/fuzz.sh runs longer): the envelope and body decoder with the
# signature check, the ledger fed nonsensical blocks, a consensus core fed arbitrary
# votes, proposals, timeouts and requests, and a node's client endpoint fed anything, from
# the committed seed corpora and findings.
timeout 600 scripts/fuzz.sh --target FuzzWire --runs 200000
timeout 600 scripts/fuzz.sh --target FuzzLedger --runs 5000
timeout 600 scripts/fuzz.sh --target FuzzConsensus --runs 3000
timeout 600 scripts/fuzz.sh --target FuzzClient --runs 1500
# The protocol conformance suites against warrant-node (docs/CONFORMANCE.md).
timeout 900 scripts/check-conformance.sh
# The simulator, through the release build: many seeds, regressions, and sabotage.
scripts/check-simulation.sh

echo "test.sh: all checks passed"
