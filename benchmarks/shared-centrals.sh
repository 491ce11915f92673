#!/usr/bin/env bash
# One, two and three centrals sharing the gateways' data through an MQTT 5 shared subscription (issue 15): Debian's
# mosquitto (plain, on 127.0.0.1), one private PostgreSQL 15 cluster (durable defaults: fsync and synchronous_commit on),
# and `citysim load` publishing BATCHES batches per gateway (`--batches`) and waiting for every ack: the figure is the
# readings of all batches over the time from the first publish to the last ack, so a backlog in central's queue counts.
# Runs alternate 1, 2, 3 centrals, ROUNDS times; each run gets a fresh database and fresh centrals
# (Central:Mqtt:SharedGroup=bench, Central:Store:Kind=postgres).
#
#   benchmarks/shared-centrals.sh                    # 2 rounds, 20 gateways x 10 batches of 1,000 readings per run
#   ROUNDS=3 BATCHES=30 GATEWAYS=50 benchmarks/shared-centrals.sh
#
# Environment: ROUNDS (2), BATCHES (10), GATEWAYS (20), POINTS (100), PER_POINT (10), WINDOW (4), COUNTS ("1 2 3"),
# DIR (a new temporary directory), KEEP (0), NO_BUILD (0), MQTT_PORT (21884), PG_PORT (25432), HTTP_PORT (28180: the
# first central; the others the next ports). Prints one line per run (acknowledged readings/s, ack latency, CPU seconds
# of the centrals, of PostgreSQL and of citysim, load average) and a summary. Needs jq; run as root or as a user who can
# run initdb (as root the cluster runs as the postgres user).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${ROUNDS:-2}
batches=${BATCHES:-10}
gateways=${GATEWAYS:-20}
points=${POINTS:-100}
per_point=${PER_POINT:-10}
window=${WINDOW:-4}
counts=${COUNTS:-"1 2 3"}
mqtt_port=${MQTT_PORT:-21884}
pg_port=${PG_PORT:-25432}
http_port=${HTTP_PORT:-28180}
dir=${DIR:-$(mktemp -d /tmp/shared-centrals.XXXXXX)}
mkdir -p "$dir"
chmod 755 "$dir"

central_bin=$root/central/Central/bin/Release/net10.0/central
sim_bin=$root/simulators/CitySim/bin/Release/net10.0/citysim
pg_bin=/usr/lib/postgresql/15/bin
central_pids=()
mosquitto_pid=

source "$root/benchmarks/lib.sh"

as_pg() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }

stop_centrals() {
    for pid in "${central_pids[@]}"; do stop_pid "$pid" 20; done
    central_pids=()
}

cleanup() {
    stop_centrals
    stop_pid "$mosquitto_pid" 10
    [[ -d $dir/pg ]] && as_pg "$pg_bin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
    remove_unless_kept "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_jq
[[ -x $pg_bin/initdb ]] || { echo "PostgreSQL 15 is needed (apt-get install -y postgresql)" >&2; exit 1; }

build_unless_told central/Central simulators/CitySim

echo "== PostgreSQL 15 on 127.0.0.1:$pg_port ($dir/pg), mosquitto on 127.0.0.1:$mqtt_port"
[[ $(id -u) == 0 ]] && chown postgres: "$dir"
as_pg "$pg_bin/initdb" -D "$dir/pg" -A trust -U postgres -E UTF8 --locale=C >/dev/null
as_pg "$pg_bin/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w \
    -o "-p $pg_port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" start >/dev/null
pg_postmaster=$(head -n 1 "$dir/pg/postmaster.pid")
psql_admin() { psql -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres "$@"; }

cat >"$dir/mosquitto.conf" <<EOF
listener $mqtt_port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 100000
max_inflight_messages 100
EOF
/usr/sbin/mosquitto -c "$dir/mosquitto.conf" >"$dir/mosquitto.log" 2>&1 &
mosquitto_pid=$!
sleep 0.5

cpu_ticks() { # user+system CPU ticks of a PID and its children that have exited (PostgreSQL backends: the postmaster's)
    awk '{ print $14 + $15 + $16 + $17 }' "/proc/$1/stat"
}
tck=$(getconf CLK_TCK)

allowed=()
for ((g = 0; g < gateways; g++)); do allowed+=("--Central:AllowedGateways:$g=bench-$g"); done

results=$dir/results.tsv
: >"$results"
run=0
for ((round = 1; round <= rounds; round++)); do
    for n in $counts; do
        run=$((run + 1))
        db=bench_$run
        psql_admin -c "CREATE DATABASE $db" >/dev/null
        connection="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=$db;Maximum Pool Size=20"
        for ((i = 0; i < n; i++)); do
            port=$((http_port + i))
            "$central_bin" --Central:DataPath="$dir/run$run/c$i" --Central:HttpUrl=http://127.0.0.1:$port \
                --Central:InstanceId=c$i --Central:Mqtt:Mode=external --Central:Mqtt:Host=127.0.0.1 \
                --Central:Mqtt:Port=$mqtt_port --Central:Mqtt:AllowPlain=true --Central:Mqtt:SharedGroup=bench \
                --Central:Store:Kind=postgres "--Central:Store:ConnectionString=$connection" "${allowed[@]}" \
                >"$dir/run$run-c$i.log" 2>&1 &
            central_pids+=($!)
            for _ in $(seq 1 300); do
                curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
                kill -0 "${central_pids[-1]}" 2>/dev/null || { echo "central c$i exited:"; tail -n 30 "$dir/run$run-c$i.log"; exit 1; }
                sleep 0.1
            done
            curl -sf "http://127.0.0.1:$port/healthz" >/dev/null || { echo "central c$i not healthy after 30 s"; tail -n 30 "$dir/run$run-c$i.log"; exit 1; }
        done

        load_before=$(cut -d' ' -f1 /proc/loadavg)
        centrals_before=0
        for pid in "${central_pids[@]}"; do centrals_before=$((centrals_before + $(cpu_ticks "$pid"))); done
        pg_before=$( (ps -o cputimes= --ppid "$pg_postmaster" || true) | awk '{ s += $1 } END { print s + 0 }')
        /usr/bin/time -f '%U %S' -o "$dir/run$run-citysim.time" "$sim_bin" load --broker "127.0.0.1:$mqtt_port" \
            --gateways "$gateways" --points "$points" --readings-per-point "$per_point" --window "$window" \
            --batches "$batches" --duration 600 --drain 300 --gateway-prefix bench- --json >"$dir/run$run-report.json" 2>"$dir/run$run-citysim.log" || true
        centrals_after=0
        for pid in "${central_pids[@]}"; do centrals_after=$((centrals_after + $(cpu_ticks "$pid"))); done
        pg_after=$( (ps -o cputimes= --ppid "$pg_postmaster" || true) | awk '{ s += $1 } END { print s + 0 }')
        load_after=$(cut -d' ' -f1 /proc/loadavg)
        stop_centrals

        central_cpu=$(awk -v a="$centrals_before" -v b="$centrals_after" -v t="$tck" 'BEGIN { printf "%.1f", (b - a) / t }')
        pg_cpu=$((pg_after - pg_before))
        sim_cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$dir/run$run-citysim.time")
        stored=$(psql_admin -d "$db" -tA -c "SELECT count(*) FROM readings")
        jq -e . "$dir/run$run-report.json" >/dev/null 2>&1 || { echo "citysim load gave no report:"; tail -n 20 "$dir/run$run-citysim.log"; exit 1; }
        line=$(jq -r --arg n "$n" --arg c "$central_cpu" --arg g "$pg_cpu" --arg p "$sim_cpu" --arg l "$load_before-$load_after" --arg s "$stored" \
            '[$n, .ackedReadingsPerSecond, (.ackLatencyMs.p50 // "-"), (.ackLatencyMs.p99 // "-"), .unackedBatches, .readingsAcked, $s,
              $c, $g, $p, $l] | @tsv' "$dir/run$run-report.json")
        echo "$line" >>"$results"
        awk -F'\t' '{ printf "%s central(s) %10.0f readings/s  ack p50 %s p99 %s ms  unacked %s  acked %s stored %s readings  cpu centrals %s s postgres %s s citysim %s s  load %s\n",
            $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' <<<"$line"
        psql_admin -c "DROP DATABASE $db" >/dev/null
    done
done

echo
echo "== acknowledged readings/s per run, in order; $gateways gateways x $batches batches of $((points * per_point)) readings per run"
for n in $counts; do
    awk -F'\t' -v n="$n" '$1 == n { v = v sep sprintf("%.0f", $2); sep = " / "; t += $2; k++ }
        END { if (k) printf "%s central(s)  %s   (mean %.0f)\n", n, v, t / k }' "$results"
done
