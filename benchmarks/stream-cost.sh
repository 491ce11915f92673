#!/usr/bin/env bash
# What the live stream (GET /api/v1/stream) costs central's ingestion: the same `citysim load` against a fresh central
# with no stream client, with one unfiltered client, and with CLIENTS unfiltered clients (curl -N, reading everything),
# alternating: none, one, many, none, one, many ... ROUNDS times. Plain MQTT on the embedded broker, LiteDB store.
#
#   benchmarks/stream-cost.sh                    # 2 rounds, 15 s per run, 10 clients in the "many" runs
#   ROUNDS=3 DURATION=20 CLIENTS=20 benchmarks/stream-cost.sh
#
# Environment: ROUNDS (2), DURATION (seconds of publishing per run, 15), CLIENTS (10), GATEWAYS (50), POINTS (100),
# READINGS (readings per point per batch, 10), WINDOW (16), DIR (a new temporary directory), KEEP (0), NO_BUILD (0),
# PLAIN_PORT (21883), TLS_PORT (28883), HTTP_PORT (28080).
# Prints one line per run (acknowledged readings/s, ack latency, stream messages published, messages each client read,
# clients dropped, notices lost, CPU seconds of central, load average) and a summary. Needs jq and curl.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${ROUNDS:-2}
duration=${DURATION:-15}
clients=${CLIENTS:-10}
gateways=${GATEWAYS:-50}
points=${POINTS:-100}
per_point=${READINGS:-10}
window=${WINDOW:-16}
tls_port=${TLS_PORT:-28883}
plain_port=${PLAIN_PORT:-21883}
http_url=http://127.0.0.1:${HTTP_PORT:-28080}
dir=${DIR:-$(mktemp -d /tmp/stream-cost.XXXXXX)}
mkdir -p "$dir"

sim_bin=$root/simulators/CitySim/bin/Release/net10.0/citysim
central_pid=
curl_pids=()

source "$root/benchmarks/lib.sh"

stop_clients() {
    for pid in "${curl_pids[@]}"; do stop_pid "$pid" 5; done
    curl_pids=()
}

cleanup() {
    stop_clients
    stop_pid "$central_pid" 20
    central_pid=
    remove_unless_kept "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_jq

build_unless_told central/Central simulators/CitySim

results=$dir/results.tsv
: >"$results"
run=0
for ((round = 1; round <= rounds; round++)); do
    for mode in none one many; do
        run=$((run + 1))
        data=$dir/run$run
        mkdir -p "$data"
        token=$(central_token "$data" bench viewer)
        start_central "$data/central.log" --Central:DataPath="$data" --Central:HttpUrl=$http_url --Central:Mqtt:Port=$tls_port \
            --Central:Mqtt:AllowPlain=true --Central:Mqtt:PlainPort=$plain_port \
            --Central:AdmitOnBirth=true --Central:AdmitRatePerMinute=100000

        count=0
        [[ $mode == one ]] && count=1
        [[ $mode == many ]] && count=$clients
        for ((c = 0; c < count; c++)); do
            curl -sN -H "Authorization: Bearer $token" "$http_url/api/v1/stream" >"$data/stream$c.txt" 2>/dev/null &
            curl_pids+=($!)
        done
        sleep 0.5

        load_before=$(cut -d' ' -f1 /proc/loadavg)
        central_before=$(cpu_seconds "$central_pid")
        "$sim_bin" load --broker "127.0.0.1:$plain_port" --gateways "$gateways" --points "$points" \
            --readings-per-point "$per_point" --window "$window" --duration "$duration" --json >"$data/report.json" 2>"$data/citysim.log" || true
        central_cpu=$(awk -v a="$central_before" -v b="$(cpu_seconds "$central_pid")" 'BEGIN { printf "%.1f", b - a }')
        load_after=$(cut -d' ' -f1 /proc/loadavg)
        sleep 1
        published=$(central_metric central_stream_messages_total)
        dropped=$(central_metric central_stream_dropped_clients_total)
        lost=$(central_metric central_stream_lost_notices_total)
        stop_clients
        stop_pid "$central_pid" 20
        central_pid=
        read_per_client=-
        if ((count > 0)); then
            read_per_client=$(cat "$data"/stream*.txt | grep -c '^id: ' | awk -v n="$count" '{ printf "%.0f", $1 / n }')
        fi

        jq -e . "$data/report.json" >/dev/null 2>&1 || { echo "citysim load gave no report:"; tail -n 20 "$data/citysim.log"; exit 1; }
        line=$(jq -r --arg m "$mode" --arg n "$count" --arg p "$published" --arg r "$read_per_client" --arg d "$dropped" --arg x "$lost" \
            --arg c "$central_cpu" --arg l "$load_before-$load_after" \
            '[$m, $n, .ackedReadingsPerSecond, (.ackLatencyMs.p50 // "-"), (.ackLatencyMs.p99 // "-"), $p, $r, $d, $x, $c, $l] | @tsv' "$data/report.json")
        echo "$line" >>"$results"
        awk -F'\t' '{ printf "%-4s %2s clients %12.0f readings/s  ack p50 %s p99 %s ms  stream: %s published, %s read per client, %s dropped, %s lost  cpu central %s s  load %s\n",
            $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' <<<"$line"
    done
done

echo
echo "== acknowledged readings/s per run, in order; $duration s per run, $gateways gateways x $points points x $per_point readings per batch"
for mode in none one many; do
    awk -F'\t' -v m="$mode" '$1 == m { v = v sep sprintf("%.0f", $3); sep = " / "; t += $3; n++; c = $2 }
        END { if (n) printf "%-4s (%s clients) %s   (mean %.0f)\n", m, c, v, t / n }' "$results"
done
