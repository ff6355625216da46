# Shared by the benchmark scripts: the machine's description and the writer of one
# marked section of docs/BENCHMARKS.md. Sourced, not run.

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)
swiftv=$(swift --version 2>/dev/null | head -1)
machine="${cpu}, $(nproc) cores, ${mem}, Linux $(uname -r), ${swiftv}"

# Replaces the section between <!-- bench:NAME:start --> and its end marker (or appends it).
write_section() {
  local name=$1 section=$2 file=docs/BENCHMARKS.md
  mkdir -p docs
  [ -f "$file" ] || printf '# Benchmarks\n\nNumbers measured on the machine named with each section, never asserted in tests.\n\n' > "$file"
  if grep -q "bench:$name:start" "$file"; then
    python3 - "$file" "$name" "$section" <<'PY'
import re, sys
path, name, section = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(path).read()
pattern = "<!-- bench:%s:start -->.*?<!-- bench:%s:end -->" % (name, name)
text = re.sub(pattern, lambda m: section, text, flags=re.S)
open(path, "w").write(text)
PY
  else
    printf '\n%s\n' "$section" >> "$file"
  fi
  echo "bench.sh: results written to $file" >&2
}
