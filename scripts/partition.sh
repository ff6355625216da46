#!/usr/bin/env bash
# Usage: partition.sh [--dir DIR] GROUP / GROUP …  |  partition.sh [--dir DIR] --one-way FROM TO
# Cuts the links between groups of nodes of a running cluster (both ways), e.g.
#   partition.sh --dir cluster n0,n1,n2 / n3
# or, with --one-way, only the messages from FROM to TO. heal.sh undoes it.
set -euo pipefail
source "$(dirname "$0")/lib/fault.sh"

dir=cluster one_way=0 groups=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir="$2"; shift 2 ;;
    --one-way) one_way=1; shift ;;
    -h|--help) sed -n "2,5p" "$0"; exit 0 ;;
    /) shift ;;
    *) groups+=("$1"); shift ;;
  esac
done
if [ "$one_way" = 1 ]; then
  [ ${#groups[@]} -eq 2 ] || { echo "partition.sh: --one-way needs FROM and TO" >&2; exit 2; }
  warrant_fault one-way --dir "$dir" "${groups[0]}" "${groups[1]}"
fi
[ ${#groups[@]} -gt 0 ] || { echo "partition.sh: name the groups, e.g. n0,n1,n2 / n3 (see --help)" >&2; exit 2; }
warrant_fault partition --dir "$dir" "${groups[@]}"
