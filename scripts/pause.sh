#!/usr/bin/env bash
# Usage: pause.sh [--dir DIR] NODE…
# Freezes nodes (SIGSTOP); resume.sh thaws them.
set -euo pipefail
source "$(dirname "$0")/lib/fault.sh"

dir=cluster rest=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    -h|--help) sed -n "2,3p" "$0"; exit 0 ;;
    *) rest+=("$1"); shift ;;
  esac
done
[ ${#rest[@]} -gt 0 ] || { echo "pause.sh: name at least one node (see --help)" >&2; exit 2; }
warrant_fault pause --dir "$dir" ${rest[@]+"${rest[@]}"}
