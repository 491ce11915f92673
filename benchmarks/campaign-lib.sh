# The rig the fault campaigns share (kill-campaign.sh, power-cut.sh, central-disk-full.sh): source it after lib.sh with
# $root set. One central (TLS broker, admin token), a citysim meter polled by one edge (gateway gw-camp, its five points
# every PERIOD_MS), and citysim load's LOAD_GATEWAYS gateways publishing to central throughout (a batch of 500 readings
# every LOAD_INTERVAL seconds each, default 1), reconnecting through its restarts and publishing a batch again when its
# ack has not come within 10 s (a batch published to a restarted central's broker before its ingest subscribed is gone).
# Every process writes its log under $work/logs; rig_stop_all stops what is still running.

rig_init() { # rig_init NAME: a work folder, ports, PKI, token; sets work, ports, binaries
    require_jq
    command -v curl >/dev/null || { echo "curl is needed (apt-get install -y curl)" >&2; exit 1; }
    command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }
    work=$(mktemp -d "/tmp/$1.XXXXXX")
    mkdir -p "$work/logs"
    local configuration=${CONFIGURATION:-Release}
    central_bin="$root/central/Central/bin/$configuration/net10.0/central"
    edge_bin="$root/edge/Edge/bin/$configuration/net10.0/edge"
    sim_bin="$root/simulators/CitySim/bin/$configuration/net10.0/citysim"
    free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
    http_port=$(free_port); mqtt_port=$(free_port); meter_port=$(free_port)
    gateway=gw-camp
    period_ms=${PERIOD_MS:-100}
    load_gateways=${LOAD_GATEWAYS:-10}
    central_data=${CENTRAL_DATA:-$work/central}
    edge_dir=${BUFFER_DIR:-$work/edge}
    mkdir -p "$central_data" "$edge_dir"
    "$central_bin" pki init --Central:DataPath="$central_data" >>"$work/logs/central-cli.log" 2>&1
    local ids=("$gateway")
    for ((i = 0; i < load_gateways; i++)); do ids+=("load-$i"); done
    "$central_bin" pki issue-gateway "${ids[@]}" --out "$work/pki" --Central:DataPath="$central_data" >>"$work/logs/central-cli.log" 2>&1
    token=$("$central_bin" token create --name campaign --role admin --json --Central:DataPath="$central_data" | jq -r .token)
    kills_file=$work/kills
    : >"$kills_file"
    central_pid=; edge_pid=; meter_pid=; load_pid=
    central_runs=0; edge_runs=0
}

api() { curl -fsS --max-time 10 -H "Authorization: Bearer $token" "http://127.0.0.1:$http_port$1"; }

central_start() { # central_start [ARGS...]: starts central and waits for /healthz
    central_runs=$((central_runs + 1))
    "$central_bin" --Central:DataPath="$central_data" --Central:HttpUrl="http://127.0.0.1:$http_port" --Central:Mqtt:Port="$mqtt_port" \
        --Central:AdmitOnBirth=true --Central:Retention:FoldAfterSeconds=86400 "$@" >>"$work/logs/central.log" 2>&1 &
    central_pid=$!
    wait_for 300 "central's /healthz" central_healthy
}

central_healthy() { curl -fs --max-time 2 "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1; }

meter_start() {
    "$sim_bin" meter --port "$meter_port" >"$work/logs/citysim-meter.log" 2>&1 &
    meter_pid=$!
}

edge_config() { # edge_config ENABLED: the edge's configuration file, the meter's five points every PERIOD_MS (false: not
    # polled and no $edge/metrics either: the draining edge produces nothing after the verdict's snapshot of its counters)
    local enabled=$1 point
    local points=()
    for point in "voltage 0 float32 V" "current 2 float32 A" "power 4 float32 W" "power-factor 6 float32 -" "energy 8 uint64 Wh"; do
        read -r name register type unit <<<"$point"
        [[ $unit == - ]] && unit=
        points+=("{\"Name\":\"$name\",\"Register\":$register,\"Table\":\"input\",\"DataType\":\"$type\",\"Unit\":\"$unit\",\"PeriodMs\":$period_ms}")
    done
    local joined
    joined=$(IFS=,; echo "${points[*]}")
    cat >"$work/edge.json" <<JSON
{"Edge":{"GatewayId":"$gateway",
 "Central":{"Host":"127.0.0.1","Port":$mqtt_port,"AckTimeoutSeconds":5,"ReconnectMaxDelayMs":1000,
   "Tls":{"CaFile":"$work/pki/ca.crt","CertFile":"$work/pki/$gateway.crt","KeyFile":"$work/pki/$gateway.key"}},
 "Buffer":{"Path":"$edge_dir/buffer.db","FlushIntervalMs":200${buffer_extra:-}},
 "LocalApi":{"SocketPath":"$work/edgectl.sock"},$([[ $enabled == false ]] && echo ' "Metrics":{"ForwardPeriodSeconds":0},')
 "Devices":[{"Name":"meter1","Protocol":"modbus-tcp","Enabled":$enabled,"Host":"127.0.0.1","Port":$meter_port,"UnitId":1,"Points":[$joined]}]}}
JSON
}

edge_start() { # edge_start [polling=true|false]
    edge_runs=$((edge_runs + 1))
    edge_config "${1:-true}"
    "$edge_bin" --config "$work/edge.json" >>"$work/logs/edge.log" 2>&1 &
    edge_pid=$!
}

edge_status() { curl -fs --max-time 5 --unix-socket "$work/edgectl.sock" http://edge/v1/status 2>/dev/null; }

load_start() { # citysim load for the whole campaign (stopped by rig_stop_load), acknowledged batches logged
    "$sim_bin" load --broker "127.0.0.1:$mqtt_port" --tls-dir "$work/pki" --gateways "$load_gateways" --points 50 --readings-per-point 10 \
        --window 4 --interval "${LOAD_INTERVAL:-1}" --resend-after 10 --duration 86400 --gateway-prefix load- --ack-log "$work/load-acks.csv" >"$work/logs/citysim-load.log" 2>&1 &
    load_pid=$!
}

rig_stop_load() { # SIGTERM: the run ends, writes its ack log and report
    stop_pid "$load_pid" 30
    load_pid=
}

rig_stop_all() {
    local pid
    for pid in "$edge_pid" "$load_pid" "$meter_pid" "$central_pid"; do stop_pid "$pid" 10; done
}

now_ms() { date +%s%3N; }

wait_for() { # wait_for SECONDS WHAT COMMAND...: polls COMMAND every 50 ms until it succeeds; fails the campaign after SECONDS
    local seconds=$1 what=$2 deadline
    shift 2
    deadline=$(($(now_ms) + seconds * 1000))
    until "$@"; do
        if (($(now_ms) > deadline)); then
            echo "FAILED: no $what within $seconds s (logs in $work/logs)" >&2
            KEEP=1
            exit 1
        fi
        sleep 0.05
    done
}

edge_field() { edge_status | jq -r "$1"; }

edge_acked_since() { # edge_acked_since EPOCH COUNT: the edge of that epoch is connected and has had acks past COUNT
    local s
    s=$(edge_status) || return 1
    [[ $(jq -r '.epoch' <<<"$s") == "$1" && $(jq -r '.central.connected' <<<"$s") == true && $(jq -r '.central.batchesAcked' <<<"$s") -gt $2 ]]
}

edge_wait_acknowledged() { # the running edge answered, then connected and acknowledged in this process
    local first
    wait_for 300 "edge local API" edge_status_ok
    first=$(edge_status)
    wait_for 300 "acks for the running edge" edge_acked_since "$(jq -r .epoch <<<"$first")" "$(jq -r .central.batchesAcked <<<"$first")"
}

edge_status_ok() { edge_status >/dev/null; }

edge_buffered_past() { # edge_buffered_past COUNT: the edge committed readings past COUNT (its lifetime counter)
    local n
    n=$(edge_field .buffer.readingsBuffered 2>/dev/null) || return 1
    [[ -n $n && $n -gt $1 ]]
}

edge_drained() {
    local s
    s=$(edge_status) || return 1
    [[ $(jq -r '.central.connected' <<<"$s") == true && $(jq -r '.buffer.batchesWaiting' <<<"$s") == 0 && $(jq -r '.central.inFlightBatches' <<<"$s") == 0 ]]
}

kill_edge() { # SIGKILL; the instant the process is gone is recorded for the verdict's gap check
    kill -KILL "$edge_pid" 2>/dev/null || true
    wait "$edge_pid" 2>/dev/null || true
    now_ms >>"$kills_file"
    edge_pid=
}

kill_central() {
    kill -KILL "$central_pid" 2>/dev/null || true
    wait "$central_pid" 2>/dev/null || true
    central_pid=
}

load_readings_at_central() { api /api/v1/gateways | jq '[.[] | select(.id | startswith("load-")) | .readingsReceived] | add // 0'; }

load_stored_past() { local n; n=$(load_readings_at_central 2>/dev/null) || return 1; [[ $n -gt $1 ]]; }

rig_verdict() { # rig_verdict TITLE: drains the edge (restarted without polling) and the load, then the verdict of campaign-verdict.py
    echo "== draining: the edge restarted without polling, citysim load stopped"
    [[ -n $edge_pid ]] && { kill -KILL "$edge_pid"; wait "$edge_pid" 2>/dev/null || true; now_ms >>"$kills_file"; }
    edge_start false
    wait_for 300 "the edge's buffer drained to central" edge_drained
    rig_stop_load
    edge_status >"$work/edge-status.json"
    python3 "$root/benchmarks/campaign-verdict.py" --title "$1" --central "http://127.0.0.1:$http_port" --token "$token" --gateway "$gateway" \
        --edge-status "$work/edge-status.json" --kills "$kills_file" --period-ms "$period_ms" --load-acks "$work/load-acks.csv" \
        --recoveries "$work/recoveries" --load-log "$work/logs/citysim-load.log" ${LONGEST_GAP_MS:+--longest-gap-ms "$LONGEST_GAP_MS"}
}
