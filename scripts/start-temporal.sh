#!/usr/bin/env bash
# Starts the Temporal dev server (SQLite persistence, Web UI, Switchyard's search attributes) and waits
# until its frontend answers. Idempotent: when a server already answers on the port, it does nothing.
#
#   --foreground            run in the foreground (the dev launcher and tests own the process)
#   TEMPORAL_PORT           frontend gRPC port (default 7233)
#   TEMPORAL_UI_PORT        Web UI port (default 8233)
#   TEMPORAL_NAMESPACE      namespace (default "default")
#   TEMPORAL_DB_FILE        SQLite file (default .data/temporal.db; empty = in memory)
#   TEMPORAL_LOG_FILE       server log (default .data/temporal.log)
#   TEMPORAL_SQLITE_SYNC    synchronous mode of the SQLite file: NORMAL (default) or FULL; with WAL, NORMAL
#                           keeps every committed transaction across a process crash, and a power loss can
#                           lose the last transactions before the OS wrote them out
#   TEMPORAL_FAST_SQLITE=1  synchronous=OFF: faster, for tests and benchmarks only
#   TEMPORAL_DYNAMIC_CONFIG extra dynamic config, space-separated KEY=VALUE pairs
set -euo pipefail
cd "$(dirname "$0")/.."

FOREGROUND=0
[ "${1:-}" = "--foreground" ] && FOREGROUND=1

PORT="${TEMPORAL_PORT:-7233}"
UI_PORT="${TEMPORAL_UI_PORT:-8233}"
NAMESPACE="${TEMPORAL_NAMESPACE:-default}"
DB_FILE="${TEMPORAL_DB_FILE-.data/temporal.db}"
LOG_FILE="${TEMPORAL_LOG_FILE:-.data/temporal.log}"
BIN="$(bash scripts/install-temporal.sh | tail -n 1)"

healthy() { "$BIN" operator cluster health --address "127.0.0.1:$PORT" >/dev/null 2>&1; }

if healthy; then
  echo "start-temporal: a Temporal server already answers on 127.0.0.1:$PORT" >&2
  [ "$FOREGROUND" = 1 ] && exit 3
  exit 0
fi

# Keep in step with workflows/search-attributes.ts (a test checks it).
SEARCH_ATTRIBUTES=(
  SwitchyardTenant=Keyword
  SwitchyardProvider=Keyword
  SwitchyardModel=Keyword
  SwitchyardStatus=Keyword
  SwitchyardCacheHit=Bool
  SwitchyardCostUsd=Double
  SwitchyardDegraded=Bool
  SwitchyardReplayOf=Keyword
  SwitchyardFailureType=Keyword
  SwitchyardCoalesced=Bool
)

args=(server start-dev --ip 127.0.0.1 --port "$PORT" --ui-port "$UI_PORT" --namespace "$NAMESPACE" --log-format json --log-level warn)
for attribute in "${SEARCH_ATTRIBUTES[@]}"; do args+=(--search-attribute "$attribute"); done
if [ -n "$DB_FILE" ]; then
  mkdir -p "$(dirname "$DB_FILE")"
  args+=(--db-filename "$DB_FILE")
fi
# The dev server has one history shard, and the history service reads new tasks through a per-shard token
# bucket (default 20 reads/s): every task dispatch would wait ~40 ms for a token.
args+=(--dynamic-config-value history.transferProcessorMaxPollRPS=1000)
# Task queues default to 4 partitions, which spread a queue over matching hosts. On one node they only split
# the worker's pollers four ways: a task whose partition has no poller waiting is written to the backlog and
# read back (or forwarded), and past ~16 jobs in flight throughput fell instead of levelling off.
args+=(--dynamic-config-value matching.numTaskqueueReadPartitions=1)
args+=(--dynamic-config-value matching.numTaskqueueWritePartitions=1)
# Each history queue keeps the tasks it has run in memory until its next checkpoint (default every 30 s), and
# every new batch of tasks is merged by walking all of them: past ~30 s of load that walk took 15 % of the
# server's CPU. A checkpoint a second keeps the walk short, for one small shard write per queue a second.
for queue in transfer visibility timer; do
  args+=(--dynamic-config-value "history.${queue}ProcessorUpdateAckInterval=\"1s\"")
done
for setting in ${TEMPORAL_DYNAMIC_CONFIG:-}; do args+=(--dynamic-config-value "$setting"); done
if [ -n "$DB_FILE" ]; then
  # Rollback-journal mode syncs the file on every transaction; WAL appends and syncs at checkpoints.
  SYNC="${TEMPORAL_SQLITE_SYNC:-NORMAL}"
  [ "${TEMPORAL_FAST_SQLITE:-0}" = 1 ] && SYNC=OFF
  args+=(--sqlite-pragma journal_mode=WAL --sqlite-pragma "synchronous=$SYNC")
  for pragma in ${TEMPORAL_SQLITE_PRAGMAS:-}; do args+=(--sqlite-pragma "$pragma"); done
fi
mkdir -p "$(dirname "$LOG_FILE")"

if [ "$FOREGROUND" = 1 ]; then
  exec "$BIN" "${args[@]}" >>"$LOG_FILE" 2>&1
fi

nohup "$BIN" "${args[@]}" >>"$LOG_FILE" 2>&1 &
echo $! > "$(dirname "$LOG_FILE")/temporal.pid"
for _ in $(seq 1 120); do
  if healthy; then
    echo "start-temporal: Temporal on 127.0.0.1:$PORT, Web UI on http://127.0.0.1:$UI_PORT (log: $LOG_FILE)" >&2
    exit 0
  fi
  sleep 0.5
done
echo "start-temporal: the server did not answer within 60 s; see $LOG_FILE" >&2
exit 1
