#!/usr/bin/env bash
# Usage: byzantine.sh [--dir DIR] NODE MODE
# Switches a node to a Byzantine behaviour (equivocate, withhold, invalid-vote, forge, replay; honest to
# switch back). Exits non-zero if the node refuses (warrant-node does not build them in yet).
set -euo pipefail
source "$(dirname "$0")/lib/fault.sh"

warrant_fault byzantine "$@"
