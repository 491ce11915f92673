#!/usr/bin/env bash
# A week-long outage, drained: builds Release, writes an edge buffer holding READINGS readings exactly as the
# edge does while central is unreachable (`Benchmarks.dll backlog`), then for each window in WINDOWS starts a
# fresh central and an edge on a copy of that buffer (no polling: its only device is disabled) and waits until
# the buffer is empty. Prints the drain time, readings/s drained and central's entry for the gateway, whose
# readingsReceived must equal READINGS.
#
#   benchmarks/backlog-drain.sh                          # 10,000,000 readings, windows 16 and 64
#   READINGS=2000000 WINDOWS="16 64" benchmarks/backlog-drain.sh
#   DIR=/tmp/backlog KEEP=1 benchmarks/backlog-drain.sh  # keep the files (logs, buffers, central.db)
#
# Environment: READINGS (10000000), POINTS (1024), WINDOWS ("16 64"), POLL (seconds between polls, 1),
# DIR (a new temporary directory), KEEP (0: delete DIR at the end), NO_BUILD (0), TIMEOUT (seconds per drain, 1800),
# BACKLOG (a directory holding buffer.db and backlog.txt from an earlier run's DIR/backlog: reused, not rewritten).
# Loopback only: central on 127.0.0.1:19883 (MQTT) and 127.0.0.1:19080 (HTTP).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
readings=${READINGS:-10000000}
points=${POINTS:-1024}
windows=${WINDOWS:-"16 64"}
poll=${POLL:-1}
timeout=${TIMEOUT:-1800}
gateway=gw-backlog
mqtt_port=19883
http_url=http://127.0.0.1:19080
dir=${DIR:-$(mktemp -d /tmp/backlog-drain.XXXXXX)}
mkdir -p "$dir"

central_bin=$root/central/Central/bin/Release/net10.0/central
edge_bin=$root/edge/Edge/bin/Release/net10.0/edge
edgectl_bin=$root/edge/EdgeCtl/bin/Release/net10.0/edgectl
bench_dll=$root/benchmarks/Benchmarks/bin/Release/net10.0/Benchmarks.dll

central_pid=
edge_pid=

source "$root/benchmarks/lib.sh"

cleanup() {
    stop_pid "$edge_pid" 20
    edge_pid=
    stop_pid "$central_pid" 20
    central_pid=
    remove_unless_kept "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

if [[ ${NO_BUILD:-0} != 1 ]]; then
    echo "== build (Release)"
    dotnet build "$root/Edge.sln" -c Release -v quiet -nologo | tail -n 3
fi

mkdir -p "$dir/backlog"
if [[ -n ${BACKLOG:-} ]]; then
    echo "== backlog: reusing $BACKLOG"
    cp "$BACKLOG"/buffer*.db "$BACKLOG/backlog.txt" "$dir/backlog/"
    cat "$dir/backlog/backlog.txt"
else
    echo "== backlog: $readings readings, $points points -> $dir/backlog/buffer.db"
    dotnet "$bench_dll" backlog --path "$dir/backlog/buffer.db" --gateway "$gateway" --points "$points" --readings "$readings" \
        | tee "$dir/backlog/backlog.txt"
fi
backlog_readings=$(awk '$1 == "readings" { gsub(",", "", $2); print $2 }' "$dir/backlog/backlog.txt")
backlog_batches=$(awk '$1 == "batches" { gsub(",", "", $2); print $2 }' "$dir/backlog/backlog.txt")

n=0
for window in $windows; do
    n=$((n + 1))
    run=$dir/run$n-window-$window   # a fresh central store each time: a reused one would take the batches for duplicates
    echo
    echo "== drain, MaxInFlightBatches=$window ($run)"
    mkdir -p "$run/buffer"
    cp "$dir/backlog/buffer.db" "$run/buffer/"
    [[ -f $dir/backlog/buffer-log.db ]] && cp "$dir/backlog/buffer-log.db" "$run/buffer/"

    "$central_bin" --Central:DataPath="$run/central" --Central:HttpUrl=$http_url --Central:Mqtt:Port=$mqtt_port \
        --Central:AdmitOnBirth=true >"$run/central.log" 2>&1 &
    central_pid=$!
    for _ in $(seq 1 100); do
        curl -sf "$http_url/healthz" >/dev/null 2>&1 && break
        kill -0 "$central_pid" 2>/dev/null || { echo "central exited:"; cat "$run/central.log"; exit 1; }
        sleep 0.1
    done
    curl -sf "$http_url/healthz" >/dev/null || { echo "central not healthy after 10 s"; cat "$run/central.log"; exit 1; }
    # MQTT is TLS only: the edge connects with a certificate of the PKI this central created at its start.
    "$central_bin" pki issue-gateway "$gateway" --out "$run/certs" --Central:DataPath="$run/central" >/dev/null

    cat >"$run/edge.json" <<EOF
{
  "Edge": {
    "GatewayId": "$gateway",
    "Central": {
      "Host": "127.0.0.1", "Port": $mqtt_port, "MaxInFlightBatches": $window,
      "Tls": { "CaFile": "$run/certs/ca.crt", "CertFile": "$run/certs/$gateway.crt", "KeyFile": "$run/certs/$gateway.key" }
    },
    "Buffer": { "Path": "$run/buffer/buffer.db", "MaxBytes": 4294967296, "MaxReadingsPerBatch": 5000 },
    "LocalApi": { "SocketPath": "$run/edge.sock" },
    "Devices": [
      {
        "Name": "idle", "Protocol": "modbus-tcp", "Host": "127.0.0.1", "Port": 19502, "Enabled": false,
        "Points": [ { "Name": "x", "Register": 0, "Table": "input", "DataType": "uint16" } ]
      }
    ]
  }
}
EOF
    t_start=$(now)
    "$edge_bin" --config "$run/edge.json" >"$run/edge.log" 2>&1 &
    edge_pid=$!

    t_connected=
    t_done=
    first_waiting=
    since=
    while :; do
        kill -0 "$edge_pid" 2>/dev/null || { echo "edge exited:"; cat "$run/edge.log"; exit 1; }
        if status=$("$edgectl_bin" status --json --socket "$run/edge.sock" 2>/dev/null) && jq -e '.buffer' >/dev/null 2>&1 <<<"$status"; then
            t=$(now)
            waiting=$(jq -r '.buffer.batchesWaiting' <<<"$status")
            readings_waiting=$(jq -r '.buffer.readingsWaiting' <<<"$status")
            connected=$(jq -r '.central.connected' <<<"$status")
            [[ -z $first_waiting ]] && first_waiting=$waiting
            [[ -z $t_connected && $connected == true ]] && t_connected=$t
            [[ $connected == true ]] && since=$(jq -r '.central.since' <<<"$status")
            printf '  t=%6ss  connected=%-5s  batches waiting %6s  readings waiting %10s  in flight %s\n' \
                "$(elapsed "$t_start" "$t")" "$connected" "$waiting" "$readings_waiting" "$(jq -r '.central.inFlightBatches' <<<"$status")"
            if [[ $waiting == 0 ]]; then
                t_done=$t
                break
            fi
        fi
        if (( $(awk -v a="$t_start" -v b="$(now)" -v m="$timeout" 'BEGIN { print (b - a > m) }') )); then
            echo "not drained after $timeout s"
            break
        fi
        sleep "$poll"
    done

    gw_json=$(curl -sf "$http_url/api/v1/gateways" | jq -c ".[] | select(.id == \"$gateway\")")
    received=$(jq -r '.readingsReceived' <<<"$gw_json")
    # committedSeqs lists one range per stored batch here (the growing batch leaves gaps): shortened for display.
    echo "  central: $(jq -c '.committedSeqs |= (split(",") | "\(length) ranges: \(.[0:3] | join(",")),...,\(.[-1])")' <<<"$gw_json")"
    if [[ -n $since ]]; then
        last_seen=$(jq -r '.lastSeen' <<<"$gw_json")
        exact=$(awk -v a="$(date -d "$since" +%s.%N)" -v b="$(date -d "$last_seen" +%s.%N)" 'BEGIN { printf "%.3f", b - a }')
        echo "  from the edge's connection ($since) to central's last message ($last_seen): $exact s," \
            "$(awk -v r="$backlog_readings" -v s="$exact" 'BEGIN { printf "%.0f", r / s }') readings/s"
    fi
    if [[ -n $t_done ]]; then
        drain=$(elapsed "$t_start" "$t_done")
        echo "  drained $backlog_readings readings ($backlog_batches batches) in $drain s from the edge's start" \
            "($(elapsed "${t_connected:-$t_start}" "$t_done") s from the first poll that saw it connected; poll every $poll s)"
        awk -v r="$backlog_readings" -v s="$drain" 'BEGIN { printf "  %.0f readings/s drained\n", r / s }'
    fi
    if [[ $received == "$backlog_readings" ]]; then
        echo "  OK: central readingsReceived = $received = backlog readings"
    else
        echo "  MISMATCH: central readingsReceived = $received, backlog readings = $backlog_readings"
    fi
    echo "  log lines at warning level or above: edge $(grep -Ec '(warn|fail|crit|error)' "$run/edge.log" || true)," \
        "central $(grep -Ec '(warn|fail|crit|error)' "$run/central.log" || true) (logs: $run/*.log)"
    grep -E '(warn|fail|crit|error)' "$run/edge.log" "$run/central.log" | head -n 10 | sed 's/^/    /' || true

    stop_pid "$edge_pid" 20
    edge_pid=
    stop_pid "$central_pid" 20
    central_pid=
done
