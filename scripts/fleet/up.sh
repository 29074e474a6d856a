#!/usr/bin/env bash
# Starts the fleet's engines natively, in one data directory: PostgreSQL, Temporal on PostgreSQL (several
# history shards), Redis; then registers the namespace and Switchyard's search attributes. Idempotent: a part
# that already answers is left alone, so running it again after a crash starts only what is missing.
# Ends with the lines `TEMPORAL_ADDRESS=…` and `REDIS_URL=…`.
#
#   FLEET_DIR               data directory (default .data/fleet)
#   FLEET_PG_PORT           PostgreSQL port (default 55432), loopback only
#   FLEET_TEMPORAL_PORT     Temporal frontend gRPC port (default 57233); the other services use the same
#                           offsets as a stock server: history +1, matching +2, worker +6, frontend HTTP +10
#   FLEET_TEMPORAL_MEMBERSHIP_PORT  the frontend's membership (ringpop) port (default 16933); the others at the
#                           same offsets. Below 32768: the server stores membership ports as a SQL smallint
#   FLEET_HISTORY_SHARDS    history shards (default 4), fixed when the data directory is created
#   FLEET_REDIS_PORT        Redis port (default 56379), append-only file in <FLEET_DIR>/redis
#   TEMPORAL_NAMESPACE      namespace to register (default "default")
#   FLEET_FAST=1            PostgreSQL without fsync and Redis without fsync: for tests only, a crash of the
#                           machine (not of a process) can then lose data
set -euo pipefail
source "$(dirname "$0")/common.sh"

log() { echo "fleet: $*" >&2; }

# ---- binaries -------------------------------------------------------------------------------------------------
PG_BIN="$(bash "$REPO/scripts/fleet/install-postgres.sh" | tail -n 1)"
eval "$(bash "$REPO/scripts/fleet/install-temporal-server.sh" | grep -E '^TEMPORAL_(SERVER_BIN|SQL_TOOL_BIN|SCHEMA_DIR)=')"
TEMPORAL_CLI="$(bash "$REPO/scripts/install-temporal.sh" | tail -n 1)"
REDIS_SERVER="$(bash "$REPO/scripts/install-redis.sh" | tail -n 1)"
REDIS_CLI="$(dirname "$REDIS_SERVER")/redis-cli"
touch "$MARKER"

# ---- PostgreSQL -----------------------------------------------------------------------------------------------
mkdir -p "$PG_DIR/run"
if [ "$(id -u)" -eq 0 ]; then
  chown -R postgres: "$PG_DIR"
  if ! runuser -u postgres -- test -w "$PG_DIR"; then
    log "the postgres user cannot reach $PG_DIR: make its parent directories searchable (chmod o+x) or set FLEET_DIR elsewhere"
    exit 1
  fi
fi
chmod 700 "$PG_DIR"
if [ ! -f "$PG_DATA/PG_VERSION" ]; then
  pwfile="$PG_DIR/.pwfile"
  echo temporal >"$pwfile"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$pwfile"
  # The superuser is `temporal` with password `temporal`, as docker-compose.yml's postgres container has it.
  as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U temporal --pwfile="$pwfile" --auth-host=scram-sha-256 \
    --auth-local=peer -E UTF8 --locale=C >"$PG_DIR/initdb.log" 2>&1 || {
    cat "$PG_DIR/initdb.log" >&2
    exit 1
  }
  rm -f "$pwfile"
  log "created a PostgreSQL cluster in $PG_DATA"
fi
pg_options="-c port=$PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DIR/run -c max_connections=200"
if [ "${FLEET_FAST:-0}" = 1 ]; then
  pg_options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
fi
if as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
  log "PostgreSQL already runs on 127.0.0.1:$PG_PORT"
else
  as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/postgres.log" -o "$pg_options" -w -t 60 start >/dev/null || {
    tail -n 20 "$PG_DIR/postgres.log" >&2
    exit 1
  }
  log "PostgreSQL started on 127.0.0.1:$PG_PORT (log: $PG_DIR/postgres.log)"
fi

export PGPASSWORD=temporal
psql_q() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U temporal -d "$1" -tAq -c "$2"; }
sql_tool() {
  "$TEMPORAL_SQL_TOOL_BIN" --plugin postgres12 --ep 127.0.0.1 --port "$PG_PORT" --user temporal \
    --password temporal --db "$1" "${@:2}"
}
for pair in temporal:temporal temporal_visibility:visibility; do
  db="${pair%%:*}"
  schema="$TEMPORAL_SCHEMA_DIR/${pair##*:}/versioned"
  if [ "$(psql_q postgres "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]; then
    sql_tool "$db" create-database >&2
    log "created database $db"
  fi
  if [ "$(psql_q "$db" "SELECT to_regclass('public.schema_version') IS NOT NULL")" != t ]; then
    sql_tool "$db" setup-schema -v 0.0 >"$PG_DIR/schema-$db.log" 2>&1 || {
      cat "$PG_DIR/schema-$db.log" >&2
      exit 1
    }
  fi
  # Applies only the versions newer than the database's: a no-op when it is current.
  sql_tool "$db" update-schema -d "$schema" >>"$PG_DIR/schema-$db.log" 2>&1 || {
    cat "$PG_DIR/schema-$db.log" >&2
    exit 1
  }
  log "database $db at schema $(psql_q "$db" 'SELECT curr_version FROM schema_version LIMIT 1')"
done

# ---- Temporal -------------------------------------------------------------------------------------------------
temporal_healthy() { "$TEMPORAL_CLI" operator cluster health --address "127.0.0.1:$TEMPORAL_PORT" >/dev/null 2>&1; }
mkdir -p "$TEMPORAL_DIR/config"
if [ "$((MEMBERSHIP_PORT + 6))" -gt 32767 ]; then
  log "FLEET_TEMPORAL_MEMBERSHIP_PORT=$MEMBERSHIP_PORT: the membership ports must stay below 32768 (the server stores them as a smallint)"
  exit 1
fi
sed -e "s|@HISTORY_SHARDS@|$HISTORY_SHARDS|g" \
  -e "s|@PG_PORT@|$PG_PORT|g" \
  -e "s|@FRONTEND_PORT@|$TEMPORAL_PORT|g" \
  -e "s|@HISTORY_PORT@|$((TEMPORAL_PORT + 1))|g" \
  -e "s|@MATCHING_PORT@|$((TEMPORAL_PORT + 2))|g" \
  -e "s|@WORKER_PORT@|$((TEMPORAL_PORT + 6))|g" \
  -e "s|@FRONTEND_HTTP_PORT@|$((TEMPORAL_PORT + 10))|g" \
  -e "s|@FRONTEND_MEMBERSHIP_PORT@|$MEMBERSHIP_PORT|g" \
  -e "s|@HISTORY_MEMBERSHIP_PORT@|$((MEMBERSHIP_PORT + 1))|g" \
  -e "s|@MATCHING_MEMBERSHIP_PORT@|$((MEMBERSHIP_PORT + 2))|g" \
  -e "s|@WORKER_MEMBERSHIP_PORT@|$((MEMBERSHIP_PORT + 6))|g" \
  -e "s|@DYNAMIC_CONFIG_FILE@|$REPO/scripts/fleet/temporal-dynamic-config.yaml|g" \
  "$REPO/scripts/fleet/temporal-config.template.yaml" >"$TEMPORAL_DIR/config/fleet.yaml"
if temporal_healthy; then
  log "Temporal already answers on 127.0.0.1:$TEMPORAL_PORT"
else
  if pid="$(live_pid "$TEMPORAL_DIR/temporal.pid")"; then
    log "Temporal (pid $pid) runs but does not answer yet; waiting for it"
  else
    nohup "$TEMPORAL_SERVER_BIN" --root "$TEMPORAL_DIR" --config config --env fleet --allow-no-auth start \
      >>"$TEMPORAL_DIR/temporal.log" 2>&1 &
    echo $! >"$TEMPORAL_DIR/temporal.pid"
    log "Temporal server starting ($HISTORY_SHARDS history shards; log: $TEMPORAL_DIR/temporal.log)"
  fi
  for _ in $(seq 1 240); do
    temporal_healthy && break
    if ! live_pid "$TEMPORAL_DIR/temporal.pid" >/dev/null; then
      log "the Temporal server exited; its last lines:"
      tail -n 20 "$TEMPORAL_DIR/temporal.log" >&2
      exit 1
    fi
    sleep 0.5
  done
  if ! temporal_healthy; then
    log "Temporal did not answer within 120 s; see $TEMPORAL_DIR/temporal.log"
    exit 1
  fi
  log "Temporal answers on 127.0.0.1:$TEMPORAL_PORT"
fi

# ---- Redis ----------------------------------------------------------------------------------------------------
mkdir -p "$REDIS_DIR"
if "$REDIS_CLI" -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
  log "Redis already answers on 127.0.0.1:$REDIS_PORT"
else
  fsync=everysec
  [ "${FLEET_FAST:-0}" = 1 ] && fsync=no
  "$REDIS_SERVER" --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$REDIS_DIR" --appendonly yes \
    --appendfsync "$fsync" --save '' --daemonize yes --pidfile "$REDIS_DIR/redis.pid" \
    --logfile "$REDIS_DIR/redis.log" >/dev/null
  for _ in $(seq 1 100); do
    "$REDIS_CLI" -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  if ! "$REDIS_CLI" -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
    log "Redis did not answer; see $REDIS_DIR/redis.log"
    exit 1
  fi
  log "Redis started on 127.0.0.1:$REDIS_PORT (append-only file in $REDIS_DIR)"
fi

# ---- namespace and search attributes -------------------------------------------------------------------------
(cd "$REPO" && TEMPORAL_ADDRESS="127.0.0.1:$TEMPORAL_PORT" TEMPORAL_NAMESPACE="$NAMESPACE" \
  node --import tsx src/dev/fleet-register.ts) >&2

echo "TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT"
echo "TEMPORAL_NAMESPACE=$NAMESPACE"
echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
echo "POSTGRES_URL=postgres://temporal:temporal@127.0.0.1:$PG_PORT/temporal"
