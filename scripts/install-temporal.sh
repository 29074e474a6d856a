#!/usr/bin/env bash
# Finds or builds the Temporal CLI (which embeds the dev server and Web UI) and prints its path on the
# last line of stdout. Prebuilt binaries are not downloaded: the CLI is built from its Go module, into a
# cache directory outside the repository so every clone on the machine reuses it. Idempotent.
#
#   TEMPORAL_CLI_PATH       use this binary when its server version fits
#   SWITCHYARD_CACHE_DIR    where to build (default: ${XDG_CACHE_HOME:-~/.cache}/switchyard)
set -euo pipefail

WANTED_SERVER="1.29"
# v1.5.1 is the newest CLI release whose go.mod has no `replace` directive, so `go install` works;
# the older ones are fallbacks should it fail to build.
VERSIONS=(v1.5.1 v1.5.0 v1.4.1 v1.4.0 v1.3.0 v1.2.0 v1.1.0)
CACHE_DIR="${SWITCHYARD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/switchyard}"
BIN_DIR="$CACHE_DIR/bin"

log() { echo "install-temporal: $*" >&2; }

fits() {
  local bin="$1" version
  [ -x "$bin" ] || return 1
  version="$("$bin" --version 2>/dev/null)" || return 1
  [[ "$version" == *"Server $WANTED_SERVER"* ]]
}

for candidate in "${TEMPORAL_CLI_PATH:-}" "$BIN_DIR/temporal" "$(command -v temporal 2>/dev/null || true)"; do
  if [ -n "$candidate" ] && fits "$candidate"; then
    echo "$candidate"
    exit 0
  fi
done
if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
  log "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not a Temporal CLI with server $WANTED_SERVER; building one instead."
fi

if ! command -v go >/dev/null 2>&1; then
  cat >&2 <<'MSG'
install-temporal: Go is not installed, and no Temporal CLI with server 1.29 was found.
  Either install Go (https://go.dev/doc/install, or `apt-get install golang-go`) and run this again,
  or install the Temporal CLI v1.5.1 yourself (release archive from GitHub, or `brew install temporal`)
  and point TEMPORAL_CLI_PATH at it.
MSG
  exit 1
fi

mkdir -p "$BIN_DIR"
# Two processes (e.g. parallel test runs) must not build into the same directory at once.
exec 9>"$CACHE_DIR/.install.lock"
flock 9
if fits "$BIN_DIR/temporal"; then
  echo "$BIN_DIR/temporal"
  exit 0
fi

for version in "${VERSIONS[@]}"; do
  log "building github.com/temporalio/cli/cmd/temporal@$version with $(go version) (a few minutes on first run)..."
  start=$(date +%s)
  if GOBIN="$BIN_DIR" GOFLAGS="${GOFLAGS:-} -trimpath" go install "github.com/temporalio/cli/cmd/temporal@$version" >&2; then
    log "built $version in $(($(date +%s) - start)) s"
    if [ "$version" != "v1.5.1" ]; then WANTED_SERVER=""; fi
    echo "$BIN_DIR/temporal"
    exit 0
  fi
  log "building $version failed (see the error above); trying the next release"
done
log "could not build any Temporal CLI release: ${VERSIONS[*]}"
exit 1
