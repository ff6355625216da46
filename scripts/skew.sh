#!/usr/bin/env bash
# Usage: skew.sh [--dir DIR] NODE --ms N
# Shifts one node's wall clock by N ms (negative: behind; 0 to undo). Its monotonic clock,
# which measures staleness, is untouched.
set -euo pipefail
source "$(dirname "$0")/lib/fault.sh"

case "${1:-}" in -h|--help) sed -n "2,4p" "$0"; exit 0 ;; esac
[ $# -gt 0 ] || { echo "skew.sh: name a node and --ms (see --help)" >&2; exit 2; }
warrant_fault skew "$@"
