#!/usr/bin/env bash
# Central -> PostgreSQL against `psql \copy` of the same rows into the same table, alternated, and the 25-hour history
# of one point of a 1,024-point gateway (Benchmarks pg-ingest; docs/performance.md).
# A private PostgreSQL 15 cluster with the server's default settings (fsync and synchronous_commit on: commits are
# durable, as in production) on a free loopback port, as the `postgres` user when run as root; removed at the end.
#   READINGS=2000000 POINTS=1024 ROUNDS=3 GROUP=256 QUERIES=20 KEEP=0 benchmarks/pg-ingest.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/benchmarks/lib.sh"
READINGS=${READINGS:-2000000} POINTS=${POINTS:-1024} ROUNDS=${ROUNDS:-3} GROUP=${GROUP:-256} QUERIES=${QUERIES:-20}
bin=/usr/lib/postgresql/15/bin
as_server_user() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

dotnet build "$root/benchmarks/Benchmarks/Benchmarks.csproj" -c Release -nologo -v q -clp:NoSummary >/dev/null
dir=$(mktemp -d /tmp/pg-ingest.XXXXXX)
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() { as_server_user "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true; remove_unless_kept "$dir"; }
trap cleanup EXIT
as_server_user "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C >/dev/null
as_server_user "$bin/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c listen_addresses=127.0.0.1" -l "$dir/server.log" -w start >/dev/null
psql -X -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE bench"

echo "pg-ingest: $(date -u +%FT%TZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), PostgreSQL $("$bin/postgres" --version | awk '{print $3}')"
dotnet "$root/benchmarks/Benchmarks/bin/Release/net10.0/Benchmarks.dll" pg-ingest \
  --connection "Host=127.0.0.1;Port=$port;Username=postgres;Database=bench" \
  --readings "$READINGS" --points "$POINTS" --rounds "$ROUNDS" --group "$GROUP" --queries "$QUERIES"
echo "pg-ingest: done, load average $(cut -d' ' -f1-3 /proc/loadavg)"
