#!/usr/bin/env bash
# Installs what Warrant needs on a Debian machine: the C libraries it links (libnng,
# libsodium, SQLite), pkg-config, nftables and iproute2 (network faults, --netns),
# Chromium (the browser test of report.html), and the Python packages the test scripts use
# (mcp: the MCP SDK that drives warrant-gateway as an LLM host would).
# Idempotent: installs only what is missing, and says clearly when it cannot.
set -euo pipefail

APT_PACKAGES=(libnng-dev libsodium-dev libsqlite3-dev pkg-config nftables iproute2 chromium python3 python3-pip)
PY_PACKAGES=(cbor2 pynacl pynng pytest mcp)

say() { printf 'bootstrap: %s\n' "$*" >&2; }

missing_apt=()
for pkg in "${APT_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    # python3/pip may come from elsewhere (pyenv); count them present if on PATH.
    case "$pkg" in
      python3) command -v python3 >/dev/null 2>&1 && continue ;;
      python3-pip) python3 -m pip --version >/dev/null 2>&1 && continue ;;
    esac
    missing_apt+=("$pkg")
  fi
done

if [ ${#missing_apt[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    say "missing system packages: ${missing_apt[*]}; no apt-get here — install them with your package manager"
    exit 1
  fi
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      SUDO="sudo -n"
    else
      say "missing system packages: ${missing_apt[*]}; not root and no password-less sudo — run: sudo apt-get install -y ${missing_apt[*]}"
      exit 1
    fi
  fi
  say "installing ${missing_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${missing_apt[@]}" >/dev/null
fi

missing_py=()
for mod in "${PY_PACKAGES[@]}"; do
  import_name="$mod"
  [ "$mod" = "pynacl" ] && import_name="nacl"
  python3 -c "import $import_name" >/dev/null 2>&1 || missing_py+=("$mod")
done
if [ ${#missing_py[@]} -gt 0 ]; then
  say "installing Python packages ${missing_py[*]}"
  python3 -m pip install -q "${missing_py[@]}" 2>/dev/null \
    || python3 -m pip install -q --break-system-packages "${missing_py[@]}" \
    || { say "pip could not install ${missing_py[*]}"; exit 1; }
fi

command -v swift >/dev/null 2>&1 || { say "no swift on PATH: install Swift 6.x (swift.org) first"; exit 1; }
say "ok"
