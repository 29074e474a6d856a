#!/usr/bin/env bash
# Stops the fleet's engines started by scripts/fleet/up.sh (Temporal, Redis, PostgreSQL), from their pid files.
# Idempotent. `--wipe` also deletes the data directory (jobs, schemas, Redis data).
#
#   FLEET_DIR   data directory (default .data/fleet)
set -euo pipefail
WIPE=0
[ "${1:-}" = "--wipe" ] && WIPE=1
[ -n "${FLEET_DIR:-}" ] && [ ! -d "$FLEET_DIR" ] && { echo "fleet: no data directory $FLEET_DIR; nothing runs" >&2; exit 0; }
source "$(dirname "$0")/common.sh"

log() { echo "fleet: $*" >&2; }

# SIGTERM, then SIGKILL after `grace` seconds.
stop_pid() {
  local what="$1" file="$2" grace="$3" pid
  if ! pid="$(live_pid "$file")"; then
    log "$what is not running"
    rm -f "$file"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((grace * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$what (pid $pid) did not stop within $grace s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$file"
  log "stopped $what (pid $pid)"
}

# Temporal first: it is PostgreSQL's client.
stop_pid Temporal "$TEMPORAL_DIR/temporal.pid" 15
stop_pid Redis "$REDIS_DIR/redis.pid" 10
if [ -f "$PG_DATA/postmaster.pid" ]; then
  PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [ -n "$PG_BIN" ] && as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null
    log "stopped PostgreSQL"
  else
    log "PostgreSQL is not running"
  fi
else
  log "PostgreSQL is not running"
fi

if [ "$WIPE" = 1 ]; then
  if [ -f "$MARKER" ]; then
    rm -rf "$FLEET_DIR"
    log "deleted $FLEET_DIR"
  else
    log "not deleting $FLEET_DIR: it has no $(basename "$MARKER") marker, so up.sh did not create it"
    exit 1
  fi
fi
