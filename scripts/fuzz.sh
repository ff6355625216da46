#!/usr/bin/env bash
# Builds Warrant's libFuzzer targets (the Fuzz/ package, scratch path .build-fuzz: address
# sanitizer, libFuzzer's coverage, libFuzzer without its main — SwiftPM gives every executable
# Swift's, which hands over to LLVMFuzzerRunDriver) and runs them on their seed corpora
# (Tests/Fuzz/TARGET/, plus what they find in .build-fuzz/corpus/TARGET/). A crash, a leak or
# a hang stops the run and leaves the input in Tests/Fuzz/TARGET/findings/.
#
#   scripts/fuzz.sh [--target NAME] [--minutes N | --runs N]     (default: every target, 1 minute each)
set -euo pipefail
cd "$(dirname "$0")/.."
targets=(FuzzWire FuzzLedger FuzzConsensus FuzzClient) minutes=1 runs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --target) targets=("$2"); shift 2 ;;
    --minutes) minutes="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "fuzz.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
root="$(pwd)"
runtime="$(dirname "$(dirname "$(command -v swift)")")/lib/clang"
fuzzer_lib="$(find "$runtime" -name 'libclang_rt.fuzzer_no_main-x86_64.a' 2>/dev/null | head -1)"
[ -n "$fuzzer_lib" ] || { echo "fuzz.sh: no libclang_rt.fuzzer_no_main in $runtime: this toolchain has no libFuzzer" >&2; exit 1; }
build=(swift build --scratch-path "$root/.build-fuzz" -Xswiftc -sanitize=address
       -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table -Xlinker "$fuzzer_lib" -Xlinker -lstdc++)
(cd Fuzz && "${build[@]}" >/dev/null)
bin="$(cd Fuzz && "${build[@]}" --show-bin-path)"
failed=0
for target in "${targets[@]}"; do
  corpus="Tests/Fuzz/$target" findings="Tests/Fuzz/$target/findings"
  mkdir -p "$corpus" "$findings" "$root/.build-fuzz/corpus/$target"
  limit=(-max_total_time=$((minutes * 60)))
  [ -n "$runs" ] && limit=(-runs="$runs")
  log="$root/.build-fuzz/$target.log"
  if "$bin/$target" "$root/.build-fuzz/corpus/$target" "$corpus" "${limit[@]}" -max_len=65536 -timeout=10 \
       -artifact_prefix="$findings/" -print_final_stats=1 > "$log" 2>&1; then
    done_line="$(grep -E "DONE|INITED" "$log" | tail -1)"
    echo "fuzz: $target: $(grep -o 'number_of_executed_units: [0-9]*' "$log" | awk '{print $2}') inputs, nothing found; ${done_line#*DONE}"
  else
    echo "fuzz: $target FOUND a failure (input in $findings/; log $log):"
    grep -E "ERROR|SUMMARY|Fatal error|precondition" "$log" | head -5
    failed=1
  fi
done
exit "$failed"
