#!/usr/bin/env bash
# Usage: pause.sh [--dir DIR] NODE…
# Freezes nodes (SIGSTOP); resume.sh thaws them.
# (--help, a bad node and a cluster that is not running are answered by warrant-coordinator fault pause.)
set -euo pipefail
source "$(dirname "$0")/lib/fault.sh"
warrant_fault pause "$@"
