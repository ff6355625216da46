#!/usr/bin/env bash
# Usage: delay.sh [--dir DIR] NODE… [--ms N] [--jitter-ms N] [--loss-per-mille N]
# Adds latency and loss on every link of the nodes (the in-process filter); --ms 0 and
# --loss-per-mille 0 (or heal.sh) clear it.
set -euo pipefail
source "$(dirname "$0")/lib/fault.sh"

case "${1:-}" in -h|--help) sed -n "2,4p" "$0"; exit 0 ;; esac
[ $# -gt 0 ] || { echo "delay.sh: name at least one node (see --help)" >&2; exit 2; }
warrant_fault delay "$@"
