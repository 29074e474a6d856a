#!/usr/bin/env bash
# Builds the Temporal server and its SQL schema tool from their Go module, at the release the Temporal CLI
# embeds (scripts/install-temporal.sh), and prints their paths and the schema directory. Prebuilt binaries are
# not downloaded. Idempotent: binaries already built at that version are kept.
#
#   SWITCHYARD_CACHE_DIR    where to build (default: ${XDG_CACHE_HOME:-~/.cache}/switchyard), shared with the CLI
#
# Output (last three lines of stdout):
#   TEMPORAL_SERVER_BIN=<path>
#   TEMPORAL_SQL_TOOL_BIN=<path>
#   TEMPORAL_SCHEMA_DIR=<module cache>/go.temporal.io/server@<version>/schema/postgresql/v12
set -euo pipefail

# Keep in step with the server the CLI v1.5.1 embeds (`go version -m $(bash scripts/install-temporal.sh)`),
# and with the image tags in docker-compose.yml (a test checks both).
SERVER_VERSION="v1.29.1"
MODULE="go.temporal.io/server"
CACHE_DIR="${SWITCHYARD_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/switchyard}"
BIN_DIR="$CACHE_DIR/bin"
SERVER_BIN="$BIN_DIR/temporal-server"
SQL_BIN="$BIN_DIR/temporal-sql-tool"

log() { echo "install-temporal-server: $*" >&2; }

# Whether a binary was built from the server module at SERVER_VERSION.
built() {
  [ -x "$1" ] && go version -m "$1" 2>/dev/null | grep -qE "^[[:space:]]+mod[[:space:]]+$MODULE[[:space:]]+$SERVER_VERSION([[:space:]]|$)"
}

if ! command -v go >/dev/null 2>&1; then
  log "Go is not installed: install it (https://go.dev/doc/install, or 'apt-get install golang-go') and run this again."
  exit 1
fi

mkdir -p "$BIN_DIR"
# Parallel runs must not build into the same directory at once.
exec 9>"$CACHE_DIR/.install-server.lock"
flock 9

build() {
  local package="$1" target="$2" staging
  if built "$target"; then
    log "$(basename "$target") $SERVER_VERSION already built: $target"
    return 0
  fi
  # `go install` names the binary after its package directory (server, sql): build into a staging directory
  # and give them names that say what they are next to the CLI.
  staging="$(mktemp -d "$BIN_DIR/.build.XXXXXX")"
  log "building $MODULE/$package@$SERVER_VERSION with $(go version) (several minutes on first run)..."
  local start
  start=$(date +%s)
  if ! GOBIN="$staging" GOFLAGS="${GOFLAGS:-} -trimpath" go install "$MODULE/$package@$SERVER_VERSION" >&2; then
    rm -rf "$staging"
    log "building $MODULE/$package@$SERVER_VERSION failed (see the error above)"
    return 1
  fi
  mv -f "$staging/$(basename "$package")" "$target"
  rm -rf "$staging"
  log "built $(basename "$target") in $(($(date +%s) - start)) s: $target"
}

build cmd/server "$SERVER_BIN"
build cmd/tools/sql "$SQL_BIN"

SCHEMA_DIR="$(go env GOMODCACHE)/$MODULE@$SERVER_VERSION/schema/postgresql/v12"
if [ ! -d "$SCHEMA_DIR/temporal/versioned" ]; then
  # The module cache may have been cleaned after the build: fetch the module source again.
  log "schema files missing; downloading $MODULE@$SERVER_VERSION into the module cache"
  go mod download "$MODULE@$SERVER_VERSION" >&2
fi
for kind in temporal visibility; do
  if [ ! -d "$SCHEMA_DIR/$kind/versioned" ]; then
    log "no schema directory $SCHEMA_DIR/$kind/versioned after downloading the module"
    exit 1
  fi
done

echo "TEMPORAL_SERVER_BIN=$SERVER_BIN"
echo "TEMPORAL_SQL_TOOL_BIN=$SQL_BIN"
echo "TEMPORAL_SCHEMA_DIR=$SCHEMA_DIR"
