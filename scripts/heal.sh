#!/usr/bin/env bash
# Usage: heal.sh [--dir DIR]
# Removes every link fault of a running cluster (partitions, delay, loss).
# (--help, a bad node and a cluster that is not running are answered by warrant-coordinator fault heal.)
set -euo pipefail
source "$(dirname "$0")/lib/fault.sh"
warrant_fault heal "$@"
