#!/usr/bin/env bash
# The private PostgreSQL 15 cluster of ./test.sh: one per run, on a free loopback port, in a temporary directory.
# Usage: .ci/test-postgres.sh start                 -> prints the cluster's directory (progress goes to stderr)
#        .ci/test-postgres.sh connection-string DIR -> prints the Npgsql connection string to its `postgres` database
#        .ci/test-postgres.sh stop DIR              -> stops the server (immediate) and removes DIR
# `start` runs initdb -A trust -U postgres and pg_ctl as the `postgres` user when run as root (PostgreSQL refuses to
# run as root). Durability is off (fsync, synchronous_commit, full_page_writes): tests never survive a power cut.
set -uo pipefail
bin=/usr/lib/postgresql/15/bin

as_server_user() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case ${1:-} in
  start)
    dir=$(mktemp -d /tmp/city-test-pg.XXXXXX)
    port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    echo "$port" >"$dir/port"
    [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$dir"
    if ! as_server_user "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1; then
      cat "$dir/initdb.log" >&2
      echo "could not create the test PostgreSQL cluster in $dir" >&2
      exit 1
    fi
    options="-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300 -c track_commit_timestamp=on"
    if ! as_server_user "$bin/pg_ctl" -D "$dir/data" -o "$options" -l "$dir/server.log" -w start >/dev/null 2>&1; then
      tail -n 20 "$dir/server.log" >&2
      echo "could not start the test PostgreSQL cluster on 127.0.0.1:$port" >&2
      exit 1
    fi
    echo "== PostgreSQL test cluster on 127.0.0.1:$port" >&2
    echo "$dir"
    ;;
  connection-string)
    echo "Host=127.0.0.1;Port=$(cat "$2/port");Username=postgres;Database=postgres"
    ;;
  stop)
    [ -d "${2:-}" ] || exit 0
    as_server_user "$bin/pg_ctl" -D "$2/data" -m immediate -w stop >/dev/null 2>&1
    rm -rf "$2"
    ;;
  *)
    echo "usage: $0 start | connection-string DIR | stop DIR" >&2
    exit 2
    ;;
esac
