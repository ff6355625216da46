# Shared by the fault scripts: finds warrant-coordinator and runs one `fault` subcommand.
# WARRANT_BIN may name the directory holding the executables; otherwise the newer of the
# release and debug builds is used.
warrant_fault() {
  local root bin
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  if [ -n "${WARRANT_BIN:-}" ]; then bin="$WARRANT_BIN"
  elif [ -x "$root/.build/release/warrant-coordinator" ] && { [ ! -x "$root/.build/debug/warrant-coordinator" ] ||
       [ "$root/.build/release/warrant-coordinator" -nt "$root/.build/debug/warrant-coordinator" ]; }; then
    bin="$root/.build/release"
  elif [ -x "$root/.build/debug/warrant-coordinator" ]; then bin="$root/.build/debug"
  else echo "$(basename "$0"): warrant-coordinator is not built (swift build)" >&2; exit 2
  fi
  exec "$bin/warrant-coordinator" fault "$@"
}
