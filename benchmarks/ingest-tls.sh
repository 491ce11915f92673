#!/usr/bin/env bash
# Central ingestion over MQTT with TLS against plain MQTT, side by side (issue 12). Each run gets a fresh central
# (embedded broker, LiteDB store; the TLS listener on 127.0.0.1:28883 and, with Central:Mqtt:AllowPlain, the plain one
# on 127.0.0.1:21883, so both modes run the same central with the same configuration) and one `citysim load` through
# one listener or the other: plain, TLS, plain, TLS ... ROUNDS times per scenario. Certificates for every simulated
# gateway are issued once by `central pki issue-gateway` and used with `citysim load --tls-dir`.
#
#   benchmarks/ingest-tls.sh                     # 2 rounds of both scenarios, 15 s per run
#   ROUNDS=3 DURATION=20 SCENARIOS=large benchmarks/ingest-tls.sh
#
# Environment: ROUNDS (2), DURATION (seconds of publishing per run, 15), SCENARIOS ("large small"), DIR (a new temporary
# directory), KEEP (0: delete DIR at the end), NO_BUILD (0), TLS_PORT (28883), PLAIN_PORT (21883), HTTP_PORT (28080).
# Scenarios: large = 50 gateways x 1,000-reading batches (100 points x 10), window 16; small = 300 gateways x 100-reading
# batches (50 points x 2), window 4 (the two of docs/performance.md, "Central ingestion under load").
# Prints one line per run (acknowledged readings/s, ack latency, CPU seconds of central and of citysim, load average)
# and a summary table. Needs jq.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${ROUNDS:-2}
duration=${DURATION:-15}
scenarios=${SCENARIOS:-"large small"}
tls_port=${TLS_PORT:-28883}
plain_port=${PLAIN_PORT:-21883}
http_url=http://127.0.0.1:${HTTP_PORT:-28080}
dir=${DIR:-$(mktemp -d /tmp/ingest-tls.XXXXXX)}
mkdir -p "$dir"

central_bin=$root/central/Central/bin/Release/net10.0/central
sim_bin=$root/simulators/CitySim/bin/Release/net10.0/citysim
central_pid=

source "$root/benchmarks/lib.sh"

cleanup() {
    stop_pid "$central_pid" 20
    central_pid=
    remove_unless_kept "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_jq

build_unless_told central/Central simulators/CitySim

# scenario NAME -> gateways points readings-per-point window prefix
scenario() {
    case $1 in
        large) echo "50 100 10 16 load-" ;;
        small) echo "300 50 2 4 small-" ;;
        *) echo "unknown scenario $1 (large, small)" >&2; exit 2 ;;
    esac
}

echo "== PKI: central pki init, certificates for every simulated gateway ($dir/certs)"
ids=()
for name in $scenarios; do
    read -r gateways _ _ _ prefix <<<"$(scenario "$name")"
    for ((i = 0; i < gateways; i++)); do ids+=("$prefix$i"); done
done
"$central_bin" pki init --Central:DataPath="$dir/seed" >/dev/null
"$central_bin" pki issue-gateway "${ids[@]}" --out "$dir/certs" --Central:DataPath="$dir/seed" >/dev/null
echo "   ${#ids[@]} gateway certificates"

results=$dir/results.tsv
: >"$results"
run=0
for ((round = 1; round <= rounds; round++)); do
    for name in $scenarios; do
        read -r gateways points per_point window prefix <<<"$(scenario "$name")"
        for mode in plain tls; do
            run=$((run + 1))
            data=$dir/run$run
            mkdir -p "$data"
            cp -a "$dir/seed/pki" "$data/pki"
            "$central_bin" --Central:DataPath="$data" --Central:HttpUrl=$http_url --Central:Mqtt:Port=$tls_port \
                --Central:Mqtt:AllowPlain=true --Central:Mqtt:PlainPort=$plain_port \
                --Central:AdmitOnBirth=true --Central:AdmitRatePerMinute=100000 >"$data/central.log" 2>&1 &
            central_pid=$!
            for _ in $(seq 1 150); do
                curl -sf "$http_url/healthz" >/dev/null 2>&1 && break
                kill -0 "$central_pid" 2>/dev/null || { echo "central exited:"; cat "$data/central.log"; exit 1; }
                sleep 0.1
            done
            curl -sf "$http_url/healthz" >/dev/null || { echo "central not healthy after 15 s"; cat "$data/central.log"; exit 1; }

            if [[ $mode == tls ]]; then
                target=(--broker "127.0.0.1:$tls_port" --tls-dir "$dir/certs")
            else
                target=(--broker "127.0.0.1:$plain_port")
            fi
            load_before=$(cut -d' ' -f1 /proc/loadavg)
            central_before=$(cpu_seconds "$central_pid")
            /usr/bin/time -f '%U %S' -o "$data/citysim.time" "$sim_bin" load "${target[@]}" --gateways "$gateways" \
                --points "$points" --readings-per-point "$per_point" --window "$window" --duration "$duration" \
                --gateway-prefix "$prefix" --json >"$data/report.json" 2>"$data/citysim.log" || true
            central_cpu=$(awk -v a="$central_before" -v b="$(cpu_seconds "$central_pid")" 'BEGIN { printf "%.1f", b - a }')
            sim_cpu=$(awk '{ printf "%.1f", $1 + $2 }' "$data/citysim.time")
            load_after=$(cut -d' ' -f1 /proc/loadavg)
            stop_pid "$central_pid" 20
            central_pid=

            jq -e . "$data/report.json" >/dev/null 2>&1 || { echo "citysim load gave no report:"; tail -n 20 "$data/citysim.log"; exit 1; }
            line=$(jq -r --arg s "$name" --arg m "$mode" --arg c "$central_cpu" --arg p "$sim_cpu" --arg l "$load_before-$load_after" \
                '[$s, $m, .ackedReadingsPerSecond, (.ackLatencyMs.p50 // "-"), (.ackLatencyMs.p99 // "-"), .unackedBatches,
                  .gatewaysConnected, .publishFailures, .rejectedBatches, $c, $p, $l] | @tsv' "$data/report.json")
            echo "$line" >>"$results"
            awk -F'\t' '{ printf "%-6s %-5s %12.0f readings/s  ack p50 %s p99 %s ms  unacked %s  connected %s  failures %s  rejected %s  cpu central %s s citysim %s s  load %s\n",
                $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12 }' <<<"$line"
        done
    done
done

echo
echo "== acknowledged readings/s, per run in order (plain then TLS each round); $duration s per run"
for name in $scenarios; do
    for mode in plain tls; do
        awk -F'\t' -v s="$name" -v m="$mode" '$1 == s && $2 == m { v = v sep sprintf("%.0f", $3); sep = " / "; t += $3; n++ }
            END { if (n) printf "%-6s %-5s %s   (mean %.0f)\n", s, m, v, t / n }' "$results"
    done
done
