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

# shellcheck source=../lib/apt.sh
source "$(dirname "$0")/../lib/apt.sh"
apt_ready PostgreSQL postgresql || exit 1
apt_install postgresql

if ! dir="$(bin_dir)"; then
  log "apt-get finished but no /usr/lib/postgresql/<version>/bin with initdb and pg_ctl was found."
  exit 1
fi
log "installed PostgreSQL: $dir"
echo "$dir"
