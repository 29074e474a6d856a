# Settings shared by scripts/fleet/up.sh and down.sh (sourced, not run).
# shellcheck shell=bash

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FLEET_DIR="${FLEET_DIR:-$REPO/.data/fleet}"
mkdir -p "$FLEET_DIR"
FLEET_DIR="$(cd "$FLEET_DIR" && pwd)"

PG_PORT="${FLEET_PG_PORT:-55432}"
TEMPORAL_PORT="${FLEET_TEMPORAL_PORT:-57233}"
MEMBERSHIP_PORT="${FLEET_TEMPORAL_MEMBERSHIP_PORT:-16933}"
REDIS_PORT="${FLEET_REDIS_PORT:-56379}"
HISTORY_SHARDS="${FLEET_HISTORY_SHARDS:-4}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"

PG_DIR="$FLEET_DIR/postgres"
PG_DATA="$PG_DIR/data"
TEMPORAL_DIR="$FLEET_DIR/temporal"
REDIS_DIR="$FLEET_DIR/redis"
# down.sh --wipe deletes only a directory carrying this marker.
MARKER="$FLEET_DIR/.switchyard-fleet"

# PostgreSQL refuses to run as root: as root its commands run as the `postgres` user.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# The pid in a pid file, when that process is alive.
live_pid() {
  local file="$1" pid
  [ -f "$file" ] || return 1
  pid="$(head -n 1 "$file" 2>/dev/null)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}
