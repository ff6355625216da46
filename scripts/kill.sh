#!/usr/bin/env bash
# Usage: kill.sh [--dir DIR] NODE…
# SIGKILLs nodes of a running cluster; restart.sh brings them back.
# (--help, a bad node and a cluster that is not running are answered by warrant-coordinator fault kill.)
set -euo pipefail
source "$(dirname "$0")/lib/fault.sh"
warrant_fault kill "$@"
