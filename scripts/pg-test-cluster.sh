#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and CI (.ci/run; README "Development"), from the OS's PostgreSQL binaries.
#
#   scripts/pg-test-cluster.sh up DIR [PORT]   initdb DIR (if new), start on 127.0.0.1:PORT (a free port if omitted),
#                                              create database "app"; prints DATABASE_URL_TEST=… and PG_TEST_DIR=…
#   scripts/pg-test-cluster.sh start DIR       start the cluster in DIR again (same port and settings)
#   scripts/pg-test-cluster.sh stop DIR        stop it (fast: open connections are cut, as in a database restart)
#   scripts/pg-test-cluster.sh down DIR        stop it and delete DIR
#   scripts/pg-test-cluster.sh bin             print the folder holding pg_ctl; fails when PostgreSQL is not installed
#
# As root the server runs as the `postgres` user (initdb refuses root); as anyone else, as that user.
# Settings live in DIR/data/postgresql.conf, so `start` after `stop` needs nothing but DIR.
# Durability is off (fsync=off): the data is disposable.
set -euo pipefail

pg_bin() {
  if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/pg_ctl" ]; then echo "$PG_BIN"; return; fi
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  if [ -n "$found" ] && [ -x "$found/pg_ctl" ]; then echo "$found"; return; fi
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v pg_ctl)")"; return; fi
  echo "pg-test-cluster: PostgreSQL not found (apt-get install -y postgresql, or set PG_BIN)" >&2
  return 1
}

# Runs a PostgreSQL binary as the cluster's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

port_of() {
  sed -n "s/^port = \([0-9]*\).*/\1/p" "$1/data/postgresql.conf" | tail -1
}

cmd_up() {
  local dir=$1 port=${2:-}
  local bin; bin=$(pg_bin)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    [ -n "$port" ] || port=$(free_port)
    if [ "$(id -u)" = 0 ]; then
      chown postgres:postgres "$dir"
      runuser -u postgres -- test -w "$dir" || { echo "pg-test-cluster: user postgres cannot reach $dir (use a folder like \$(mktemp -d))" >&2; return 1; }
    fi
    as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log"
    cat >>"$dir/data/postgresql.conf" <<EOF
# pg-test-cluster.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  fi
  cmd_start "$dir"
  port=$(port_of "$dir")
  "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtAc \
    "SELECT 1 FROM pg_database WHERE datname = 'app'" | grep -q 1 ||
    "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc 'CREATE DATABASE app'
  echo "DATABASE_URL_TEST=postgres://postgres@127.0.0.1:$port/app"
  echo "PG_TEST_DIR=$dir"
}

cmd_start() {
  local bin; bin=$(pg_bin)
  if as_owner "$bin/pg_ctl" -D "$1/data" status >/dev/null 2>&1; then return 0; fi
  as_owner "$bin/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 30 start >/dev/null
}

cmd_stop() {
  local bin; bin=$(pg_bin)
  as_owner "$bin/pg_ctl" -D "$1/data" -m fast -w -t 30 stop >/dev/null
}

cmd_down() {
  local dir=$1
  [ -d "$dir" ] || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then cmd_stop "$dir" || true; fi
  rm -rf "$dir"
}

case "${1:-}" in
  up) [ $# -ge 2 ] || { echo "usage: $0 up DIR [PORT]" >&2; exit 2; }; cmd_up "$2" "${3:-}" ;;
  start | stop | down) [ $# -ge 2 ] || { echo "usage: $0 $1 DIR" >&2; exit 2; }; "cmd_$1" "$2" ;;
  bin) pg_bin ;;
  *) sed -n '2,14p' "$0" >&2; exit 2 ;;
esac
