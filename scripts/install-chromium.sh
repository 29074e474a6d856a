#!/usr/bin/env bash
# Finds or installs Chromium (Debian's `chromium` package) and prints the path of its executable on the last
# line of stdout. The browser checks (test/integration/browser-*.test.ts) drive it headless with
# puppeteer-core, which never downloads a browser of its own. Idempotent: when `chromium` is already on PATH
# nothing is installed. Installs with apt-get (as root, or through sudo); the package lists are refreshed only
# when the install fails without them.
set -euo pipefail

log() { echo "install-chromium: $*" >&2; }

# Debian's package installs /usr/bin/chromium; Ubuntu images may name it chromium-browser.
find_chromium() {
  command -v chromium 2>/dev/null || command -v chromium-browser 2>/dev/null
}

if path="$(find_chromium)"; then
  echo "$path"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  log "chromium is not installed and apt-get is not available."
  log "Install Chromium with your package manager so that 'chromium' is on PATH, then run this again."
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root() { "$@"; }
elif command -v sudo >/dev/null 2>&1; then
  as_root() { sudo "$@"; }
else
  log "chromium is not installed; installing it needs root, and sudo is not available."
  log "Run as root: apt-get update && apt-get install -y --no-install-recommends chromium"
  exit 1
fi

install_package() {
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >&2
}

log "installing the chromium package with apt-get (a few minutes)..."
if ! install_package; then
  log "install failed; refreshing the package lists and trying again"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  install_package
fi

if ! path="$(find_chromium)"; then
  log "apt-get finished but chromium is still not on PATH."
  exit 1
fi
echo "$path"
