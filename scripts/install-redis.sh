#!/usr/bin/env bash
# Finds or installs redis-server and prints its path on the last line of stdout. Idempotent: when
# redis-server is already on PATH nothing is installed. Installs the Debian/Ubuntu package with apt-get
# (as root, or through sudo). The tests start their own redis-server on a free port, so a system service
# the package starts is stopped again: nothing must come to depend on it.
set -euo pipefail

log() { echo "install-redis: $*" >&2; }

if path="$(command -v redis-server 2>/dev/null)"; then
  echo "$path"
  exit 0
fi

# shellcheck source=lib/apt.sh
source "$(dirname "$0")/lib/apt.sh"
apt_ready redis-server redis-server || exit 1

# Whether a redis-server runs on this machine (the system service, or any other).
running() {
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    systemctl is-active --quiet redis-server 2>/dev/null && return 0
  fi
  if command -v pgrep >/dev/null 2>&1; then
    pgrep -x redis-server >/dev/null 2>&1
  else
    [ -f /run/redis/redis-server.pid ] && kill -0 "$(cat /run/redis/redis-server.pid)" 2>/dev/null
  fi
}

was_running=0
if running; then was_running=1; fi

apt_install redis-server

# The package's post-install starts the system service where it can (systemd or SysV init). Stop what the
# install started, and only that: a redis-server that was already running before is none of our business.
if [ "$was_running" -eq 0 ] && running; then
  log "stopping the redis-server service the package started (the tests run their own)"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    as_root systemctl stop redis-server >&2 || true
  elif command -v service >/dev/null 2>&1; then
    as_root service redis-server stop >&2 || true
  fi
fi

if ! path="$(command -v redis-server 2>/dev/null)"; then
  log "apt-get finished but redis-server is still not on PATH."
  exit 1
fi
echo "$path"
