#!/usr/bin/env bash
# Memory (RSS) and CPU of the published edge daemon over a run, one or several edges side by side: each edge gets a rig of
# its own (central with TLS MQTT and its PKI, citysim's devices) and all are sampled in the same loop, so a before and an
# after see the same machine load. Samples: VmRSS from /proc/<pid>/status and utime + stime from /proc/<pid>/stat every
# SAMPLE_S seconds after a warm-up.
#   benchmarks/edge-footprint.sh                     # the demo's gw-001, 10 minutes, the edge of this tree as shipped
#   benchmarks/edge-footprint.sh --minutes 2         # shorter
#   benchmarks/edge-footprint.sh --dali64            # a 64-gear DALI line, a traffic controller and a meter
#   benchmarks/edge-footprint.sh --baseline main     # the edge of git ref main beside this tree's (before/after, one run)
#   benchmarks/edge-footprint.sh --edge 'a=/path/to/edge' --edge 'b=/path/to/edge DOTNET_GCgen0size=0x400000'
# --edge 'LABEL=PATH [VAR=VALUE...]' times a published edge with extra environment (repeatable; replaces the default
# "this tree"); --current adds this tree's edge to --edge/--baseline ones. The edges are published with exactly
# `dotnet publish edge/Edge -c Release -r linux-x64` (self-contained, single file, trimmed: the shipped form).
# Env: NO_BUILD=1 (central and citysim already built in Release), WARMUP_S=60 (excluded), SAMPLE_S=5, KEEP=1,
# PUBLISHED_EDGE=path (same as --edge edge=path).
# Prints per edge: readings/s, RSS median/p95/max, CPU % of one core over the window and the median/p95 of its 5-s
# intervals, where the RSS is (anonymous, file, shared memory: the JIT's double-mapped code counts twice there), the GC
# heap and the bytes allocated per reading (from the edge's /metrics); and the machine's load average during the run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
source "$root/benchmarks/lib.sh"

minutes=10
profile=gw-001
labels=()
bins=()
envs=()
baselines=()
current=0
while (($#)); do
    case $1 in
        --minutes) minutes=$2; shift 2 ;;
        --dali64) profile=dali64; shift ;;
        --edge)
            spec=$2; shift 2
            first=${spec%% *}; rest=""; [[ $spec == *" "* ]] && rest=${spec#* }
            [[ $first == *=* ]] || { echo "--edge wants LABEL=PATH [VAR=VALUE...], not '$spec'" >&2; exit 2; }
            labels+=("${first%%=*}"); bins+=("${first#*=}"); envs+=("$rest") ;;
        --baseline) baselines+=("$2"); shift 2 ;;
        --current) current=1; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
if [[ -n ${PUBLISHED_EDGE:-} ]]; then labels+=(edge); bins+=("$PUBLISHED_EDGE"); envs+=(""); fi
((${#labels[@]} + ${#baselines[@]} == 0)) && current=1
warmup=${WARMUP_S:-60}
sample=${SAMPLE_S:-5}
for tool in socat curl python3; do
    command -v "$tool" >/dev/null || { echo "$tool is needed (apt-get install -y $tool)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/edge-footprint.XXXXXX)
pids=()
cleanup() {
    local i
    for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[i]}" 10; done
    remove_unless_kept "$work"
}
trap cleanup EXIT

build_unless_told central/Central simulators/CitySim
central_bin="$root/central/Central/bin/Release/net10.0/central"
sim_bin="$root/simulators/CitySim/bin/Release/net10.0/citysim"

publish_edge() { # source-root output-dir
    dotnet publish "$1/edge/Edge" -c Release -r linux-x64 -o "$2" -v quiet -nologo >"$2.log" 2>&1 \
        || { tail -n 20 "$2.log" >&2; echo "publishing the edge of $1 failed" >&2; exit 1; }
}
for ref in "${baselines[@]}"; do
    echo "== publish the edge of $ref (linux-x64, the shipped form)"
    src="$work/src-${ref//\//_}"
    mkdir -p "$src"
    git -C "$root" archive "$ref" | tar -x -C "$src"
    publish_edge "$src" "$work/edge-${ref//\//_}"
    labels+=("$ref"); bins+=("$work/edge-${ref//\//_}/edge"); envs+=("")
done
if ((current)); then
    echo "== publish the edge of this tree (linux-x64, the shipped form)"
    publish_edge "$root" "$work/edge-current"
    labels+=(this-tree); bins+=("$work/edge-current/edge"); envs+=("")
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
free_udp_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

edge_pids=()
sockets=()
start_rig() { # index: central, citysim's devices and one edge, all in $work/rig-index
    local i=$1 dir="$work/rig-$1" http_port mqtt_port modbus_port snmp_port trap_port gear=4 a
    http_port=$(free_port); mqtt_port=$(free_port); modbus_port=$(free_port); snmp_port=$(free_udp_port); trap_port=$(free_udp_port)
    mkdir -p "$dir/logs"
    local central_data=(--Central:DataPath="$dir/central")
    "$central_bin" pki init "${central_data[@]}" >>"$dir/logs/central-cli.log" 2>&1
    "$central_bin" pki issue-gateway gw-001 --out "$dir/pki" "${central_data[@]}" >>"$dir/logs/central-cli.log" 2>&1
    "$central_bin" "${central_data[@]}" --Central:HttpUrl="http://127.0.0.1:$http_port" --Central:Mqtt:Port="$mqtt_port" \
        --Central:AdmitOnBirth=true >"$dir/logs/central.log" 2>&1 &
    pids+=($!)
    "$sim_bin" modbus --port "$modbus_port" >"$dir/logs/citysim-modbus.log" 2>&1 &
    pids+=($!)
    socat -d pty,raw,echo=0,link="$dir/dali-sim" pty,raw,echo=0,link="$dir/dali-host" 2>"$dir/logs/socat.log" &
    pids+=($!)
    for _ in $(seq 50); do [[ -e $dir/dali-sim && -e $dir/dali-host ]] && break; sleep 0.1; done
    [[ $profile == dali64 ]] && gear=64
    "$sim_bin" dali --serial "$dir/dali-sim" --gear "$gear" --failed 1 --wire-timing >"$dir/logs/citysim-dali.log" 2>&1 &
    pids+=($!)
    for _ in $(seq 300); do curl -fs "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

    # gw-001 of demo.sh: meter1, tc1, meter3 (Modbus TCP), tc-snmp (SNMP, traps) and the 4-lamp line lights-a.
    local args=(--Edge:GatewayId=gw-001 --Edge:Central:Port="$mqtt_port"
        --Edge:Central:Tls:CaFile="$dir/pki/ca.crt" --Edge:Central:Tls:CertFile="$dir/pki/gw-001.crt" --Edge:Central:Tls:KeyFile="$dir/pki/gw-001.key"
        --Edge:Buffer:Path="$dir/gw-001/buffer.db" --Edge:LocalApi:SocketPath="$dir/gw-001/edgectl.sock"
        --Edge:Devices:0:Port="$modbus_port" --Edge:Devices:1:Port="$modbus_port" --Edge:Devices:2:Port="$modbus_port" --Edge:Devices:1:Enabled=true
        --Edge:DaliLines:0:Enabled=true --Edge:DaliLines:0:Port="$dir/dali-host" --Edge:DaliLines:0:EnergyPeriodMs=30000)
    if [[ $profile == gw-001 ]]; then
        "$sim_bin" snmp --port "$snmp_port" --trap-to "127.0.0.1:$trap_port" --alarm-every 45 >"$dir/logs/citysim-snmp.log" 2>&1 &
        pids+=($!)
        args+=(--Edge:Devices:2:Enabled=true --Edge:Devices:3:Enabled=true --Edge:Devices:3:Port="$snmp_port" --Edge:Snmp:TrapListen="127.0.0.1:$trap_port")
    else
        # A traffic controller (tc1), a meter (meter1) and 64 gear on lights-a (addresses 0-63, 16 per group).
        for ((a = 4; a < 64; a++)); do
            args+=(--Edge:DaliLines:0:Gear:$a:Address=$a --Edge:DaliLines:0:Gear:$a:Groups:0=$((a / 16)) --Edge:DaliLines:0:Gear:$a:Location=pole-$a
                --Edge:DaliLines:0:Gear:$a:RatedPowerW=60)
        done
    fi
    local extra=()
    read -r -a extra <<<"${envs[i]}"
    env ${extra[@]+"${extra[@]}"} "${bins[i]}" "${args[@]}" >"$dir/logs/edge.log" 2>&1 &
    edge_pids[i]=$!
    pids+=($!)
    sockets[i]="$dir/gw-001/edgectl.sock"
}

for i in "${!labels[@]}"; do
    start_rig "$i"
    echo "== ${labels[i]}: edge pid ${edge_pids[i]} (${bins[i]}${envs[i]:+ with ${envs[i]}})"
done

metrics() { curl -fs --unix-socket "$1" http://edge/metrics 2>/dev/null || true; }
metric() { # socket name: the first value of one metric
    metrics "$1" | awk -v m="$2" '($1 == m || index($1, m "{") == 1) && !found { print $2; found = 1 }'
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
alive() { local p; for p in "${edge_pids[@]}"; do kill -0 "$p" 2>/dev/null || { echo "edge pid $p exited; logs in $work (kept)" >&2; KEEP=1; exit 1; }; done; }
tck=$(getconf CLK_TCK)

echo "== profile $profile: warm-up ${warmup} s, then $minutes min sampled every ${sample} s"
sleep "$warmup"
alive
declare -a t0 c0 r0 a0
for i in "${!labels[@]}"; do
    t0[i]=$(date +%s.%N); c0[i]=$(cpu_ticks "${edge_pids[i]}"); r0[i]=$(metric "${sockets[i]}" edge_buffer_readings_buffered_total)
    a0[i]=$(metric "${sockets[i]}" edge_process_allocated_bytes_total)
    : >"$work/rss-$i"; : >"$work/cpu-$i"
done
: >"$work/load"
end=$(($(date +%s) + minutes * 60))
declare -a prev_c prev_t
for i in "${!labels[@]}"; do prev_c[i]=${c0[i]}; prev_t[i]=${t0[i]}; done
while (($(date +%s) < end)); do
    sleep "$sample"
    alive
    for i in "${!labels[@]}"; do
        rss_kb "${edge_pids[i]}" >>"$work/rss-$i"
        c=$(cpu_ticks "${edge_pids[i]}"); t=$(date +%s.%N)
        awk -v c0="${prev_c[i]}" -v c1="$c" -v t0="${prev_t[i]}" -v t1="$t" -v tck="$tck" 'BEGIN { printf "%.3f\n", 100 * (c1 - c0) / tck / (t1 - t0) }' >>"$work/cpu-$i"
        prev_c[i]=$c; prev_t[i]=$t
    done
    cut -d' ' -f1 /proc/loadavg >>"$work/load"
done

stats() { # file: median p95 max of its numbers
    sort -n "$1" | awk '{ v[NR] = $1 } END { if (NR == 0) { print "0 0 0"; exit }
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; p = v[int(0.95 * NR + 0.999)]; if (p == "") p = v[NR]
        printf "%s %s %s\n", m, p, v[NR] }'
}
printf '\nedge footprint, profile %s, %s min after a %s s warm-up, %s\n' "$profile" "$minutes" "$warmup" "$(date -u '+%Y-%m-%d %H:%M UTC')"
read -r load_median load_p95 load_max <<<"$(stats "$work/load")"
printf 'machine: %s cores, load average (1 min) during the run: median %s, p95 %s, max %s\n' "$(nproc)" "$load_median" "$load_p95" "$load_max"
printf '%-14s %10s %24s %10s %17s %28s %12s %12s\n' edge readings/s "RSS MB median/p95/max" "CPU %" "CPU % 5-s med/p95" "RSS MB anon/file/shmem" "GC heap MB" "alloc B/rd"
for i in "${!labels[@]}"; do
    p=${edge_pids[i]}; s=${sockets[i]}
    t1=$(date +%s.%N); c1=$(cpu_ticks "$p"); r1=$(metric "$s" edge_buffer_readings_buffered_total)
    a1=$(metric "$s" edge_process_allocated_bytes_total); heap=$(metric "$s" edge_process_gc_heap_bytes)
    connected=$(metric "$s" edge_central_connected)
    read -r rm rp rx <<<"$(stats "$work/rss-$i")"
    read -r cm cp _ <<<"$(stats "$work/cpu-$i")"
    parts=$(awk '/^RssAnon:/ { a = $2 } /^RssFile:/ { f = $2 } /^RssShmem:/ { s = $2 } END { printf "%.1f/%.1f/%.1f", a / 1024, f / 1024, s / 1024 }' "/proc/$p/status")
    awk -v l="${labels[i]}" -v c0="${c0[i]}" -v c1="$c1" -v t0="${t0[i]}" -v t1="$t1" -v tck="$tck" -v r0="${r0[i]:-0}" -v r1="${r1:-0}" \
        -v rm="$rm" -v rp="$rp" -v rx="$rx" -v cm="$cm" -v cp="$cp" -v parts="$parts" -v heap="${heap:-}" -v a0="${a0[i]:-}" -v a1="${a1:-}" -v conn="${connected:-0}" 'BEGIN {
        wall = t1 - t0; rd = r1 - r0
        h = heap == "" ? "-" : sprintf("%.1f", heap / 1048576)
        per = (a0 == "" || a1 == "" || rd <= 0) ? "-" : sprintf("%.0f", (a1 - a0) / rd)
        printf "%-14s %10.1f %24s %10.2f %17s %28s %12s %12s%s\n", l, rd / wall, sprintf("%.1f/%.1f/%.1f", rm / 1024, rp / 1024, rx / 1024),
            100 * (c1 - c0) / tck / wall, sprintf("%.2f/%.2f", cm, cp), parts, h, per, conn == 1 ? "" : "  (central NOT connected at the end)"
    }'
done
