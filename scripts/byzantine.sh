#!/usr/bin/env bash
# Usage: byzantine.sh [--dir DIR] NODE MODE
# Switches a node to a Byzantine behaviour (equivocate, withhold, forge, replay; honest to
# switch back). Exits non-zero if the node refuses (warrant-node does not build them in yet).
set -euo pipefail
source "$(dirname "$0")/lib/fault.sh"

case "${1:-}" in -h|--help) sed -n "2,4p" "$0"; exit 0 ;; esac
[ $# -ge 2 ] || { echo "byzantine.sh: name a node and a mode (see --help)" >&2; exit 2; }
warrant_fault byzantine "$@"
