#!/usr/bin/env bash
# The Swift test suite under the thread sanitizer and the address sanitizer, each in a build
# directory of its own (.build-tsan, .build-asan) so the ordinary build stays as it is. Any
# report from a sanitizer fails the run (halt_on_error), and its log is kept in the build
# directory. Tests run one at a time: sanitized, the simulator's suites hold both threads
# of Swift's cooperative pool (two cores here) for minutes, and socket tests running beside
# them waited more than their 60 s for a thread to resume on.
#
#   scripts/sanitize.sh [thread|address]...      (default: both)
set -euo pipefail
cd "$(dirname "$0")/.."
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(thread address)
# The toolchain's own symbolizer: an older one on PATH (Debian's LLVM 14) hung a report.
symbolizer="$(dirname "$(command -v swift)")/llvm-symbolizer"
if [ -x "$symbolizer" ]; then export ASAN_SYMBOLIZER_PATH="$symbolizer" TSAN_SYMBOLIZER_PATH="$symbolizer"; fi
# Sanitized children (warrant-node, warrant-testkit started by the tests) stop at their
# first report too, and say so on stderr, which the tests that start them keep.
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 ${TSAN_OPTIONS:-}"
# (scripts/asan-suppressions.txt: one toolchain fault, explained there.)
export ASAN_OPTIONS="halt_on_error=1 detect_leaks=0 suppressions=$(pwd)/scripts/asan-suppressions.txt ${ASAN_OPTIONS:-}"
for kind in "${kinds[@]}"; do
  case "$kind" in
    thread) scratch=.build-tsan ;;
    address) scratch=.build-asan ;;
    *) echo "sanitize.sh: unknown sanitizer '$kind' (thread or address)" >&2; exit 2 ;;
  esac
  started=$(date +%s)
  swift build --build-tests --scratch-path "$scratch" --sanitize="$kind"
  built=$(date +%s)
  log="$scratch/test.log"
  if ! swift test --skip-build --disable-xctest --no-parallel --scratch-path "$scratch" --sanitize="$kind" 2>&1 | tee "$log" | tail -5; then
    echo "sanitize.sh: the tests failed under the $kind sanitizer (log: $log)" >&2; exit 1
  fi
  if grep -q "ThreadSanitizer:\|AddressSanitizer:" "$log"; then
    grep -m5 -A20 "ThreadSanitizer:\|AddressSanitizer:" "$log" >&2
    echo "sanitize.sh: the $kind sanitizer reported (log: $log)" >&2; exit 1
  fi
  echo "sanitize: $kind: build $((built - started)) s, tests $(($(date +%s) - built)) s, no report"
done
