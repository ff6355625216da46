#!/usr/bin/env bash
# The quick start: install what the project needs, build in release mode, and run the
# quickstart topology — four validators, an honest, a rogue and a delegating agent, a
# revocation, and one node cut off while sessions expire. Ends with the verdict table and
# where the run's files are; exits 0 only when every check passes.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/bootstrap.sh
echo "demo: building (release)…"
swift build -c release --product warrant-coordinator >/dev/null
swift build -c release --product warrant-node >/dev/null
swift build -c release --product warrant-agent >/dev/null
bin="$(swift build -c release --show-bin-path)"

out="runs/quickstart-$(date -u +%Y%m%dT%H%M%SZ)"
echo "demo: running Topologies/quickstart.toml (about 35 s)"
"$bin/warrant-coordinator" run Topologies/quickstart.toml --out "$out"
