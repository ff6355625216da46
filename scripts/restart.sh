#!/usr/bin/env bash
# Usage: restart.sh [--dir DIR] NODE…
# Starts killed nodes again from their databases (through the up process that owns them).
# (--help, a bad node and a cluster that is not running are answered by warrant-coordinator fault restart.)
set -euo pipefail
source "$(dirname "$0")/lib/fault.sh"
warrant_fault restart "$@"
