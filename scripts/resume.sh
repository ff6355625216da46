#!/usr/bin/env bash
# Usage: resume.sh [--dir DIR] NODE…
# Thaws paused nodes (SIGCONT).
# (--help, a bad node and a cluster that is not running are answered by warrant-coordinator fault resume.)
set -euo pipefail
source "$(dirname "$0")/lib/fault.sh"
warrant_fault resume "$@"
