#!/usr/bin/env bash
# Usage: skew.sh [--dir DIR] NODE --ms N
# Shifts one node's wall clock by N ms (negative: behind; 0 to undo). Its monotonic clock,
# which measures staleness, is untouched.
set -euo pipefail
source "$(dirname "$0")/lib/fault.sh"

warrant_fault skew "$@"
