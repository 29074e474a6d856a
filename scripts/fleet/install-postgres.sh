#!/usr/bin/env bash
# Finds or installs PostgreSQL (Debian's `postgresql` package) and prints its bin directory (initdb, pg_ctl,
# postgres, psql) on the last line of stdout. Idempotent. The fleet runs its own cluster in its own data
# directory (scripts/fleet/up.sh): the package's cluster and service are neither used nor needed.
set -euo pipefail

log() { echo "install-postgres: $*" >&2; }

# The newest installed server's bin directory, e.g. /usr/lib/postgresql/15/bin.
bin_dir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && echo "$dir"
}

if dir="$(bin_dir)"; then
  log "PostgreSQL is installed: $dir"
  echo "$dir"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  log "PostgreSQL is not installed and apt-get is not available: install PostgreSQL 12 or newer with your"
  log "package manager so that /usr/lib/postgresql/<version>/bin holds initdb and pg_ctl, then run this again."
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  as_root() { "$@"; }
elif command -v sudo >/dev/null 2>&1; then
  as_root() { sudo "$@"; }
else
  log "installing PostgreSQL needs root, and sudo is not available. Run as root: apt-get install -y postgresql"
  exit 1
fi

install() { as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2; }
log "installing the postgresql package with apt-get..."
if ! install; then
  log "the install failed; updating the package lists and trying again"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  install
fi

if ! dir="$(bin_dir)"; then
  log "apt-get finished but no /usr/lib/postgresql/<version>/bin with initdb and pg_ctl was found."
  exit 1
fi
log "installed PostgreSQL: $dir"
echo "$dir"
