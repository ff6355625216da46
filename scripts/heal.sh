#!/usr/bin/env bash
# Usage: heal.sh [--dir DIR] 
# Removes every link fault of a running cluster (partitions, delay, loss).
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

warrant_fault heal --dir "$dir" ${rest[@]+"${rest[@]}"}
