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

# shellcheck source=lib/apt.sh
source "$(dirname "$0")/lib/apt.sh"
apt_ready chromium chromium || exit 1
apt_install chromium

if ! path="$(find_chromium)"; then
  log "apt-get finished but chromium is still not on PATH."
  exit 1
fi
echo "$path"
