#!/usr/bin/env bash
# Usage: delay.sh [--dir DIR] NODE… [--ms N] [--jitter-ms N] [--loss-per-mille N]
# Adds latency and loss on every link of the nodes (the in-process filter); --ms 0 and
# --loss-per-mille 0 (or heal.sh) clear it.
set -euo pipefail
source "$(dirname "$0")/lib/fault.sh"

warrant_fault delay "$@"
