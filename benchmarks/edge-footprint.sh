#!/usr/bin/env bash
# Memory (RSS) and CPU of the published edge daemon over a run: central (TLS MQTT, PKI), citysim's devices and the edge
# as shipped (`dotnet publish edge/Edge -c Release -r linux-x64`: self-contained, single file, trimmed), sampled from
# /proc/<pid>/status (VmRSS) and /proc/<pid>/stat (utime + stime) every SAMPLE_S seconds.
#   benchmarks/edge-footprint.sh                 # the demo's gw-001, 10 minutes
#   benchmarks/edge-footprint.sh --minutes 2     # shorter
#   benchmarks/edge-footprint.sh --dali64        # a 64-gear DALI line, a traffic controller and a meter
# Env: PUBLISHED_EDGE=path (an edge already published; default: publish into the run's folder; not EDGE_*, which the edge reads as configuration), NO_BUILD=1 (central and
# citysim already built in Release), WARMUP_S=60 (excluded from the CPU and RSS figures), SAMPLE_S=5, KEEP=1,
# DOTNET_* variables are passed to the edge as they are (e.g. DOTNET_GCgen0size=0x400000 to try a setting).
# Prints: RSS at the end, median and max after the warm-up; CPU % of one core over the measured window; readings/s.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
source "$root/benchmarks/lib.sh"

minutes=10
profile=gw-001
while (($#)); do
    case $1 in
        --minutes) minutes=$2; shift 2 ;;
        --dali64) profile=dali64; shift ;;
        -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1" >&2; exit 2 ;;
    esac
done
warmup=${WARMUP_S:-60}
sample=${SAMPLE_S:-5}
command -v socat >/dev/null || { echo "socat is needed for the DALI line (apt-get install -y socat)" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is needed (apt-get install -y curl)" >&2; exit 1; }

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
edge_bin=${PUBLISHED_EDGE:-}
if [[ -z $edge_bin ]]; then
    echo "== publish edge (linux-x64, the shipped form)"
    dotnet publish "$root/edge/Edge" -c Release -r linux-x64 -o "$work/edge-publish" -v quiet -nologo | tail -n 3
    edge_bin="$work/edge-publish/edge"
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
free_udp_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http_port=$(free_port); mqtt_port=$(free_port); modbus_port=$(free_port); snmp_port=$(free_udp_port); trap_port=$(free_udp_port)
mkdir -p "$work/logs"
central_data=(--Central:DataPath="$work/central")
"$central_bin" pki init "${central_data[@]}" >>"$work/logs/central-cli.log" 2>&1
"$central_bin" pki issue-gateway gw-001 --out "$work/pki" "${central_data[@]}" >>"$work/logs/central-cli.log" 2>&1
"$central_bin" "${central_data[@]}" --Central:HttpUrl="http://127.0.0.1:$http_port" --Central:Mqtt:Port="$mqtt_port" \
    --Central:AdmitOnBirth=true >"$work/logs/central.log" 2>&1 &
pids+=($!)
"$sim_bin" modbus --port "$modbus_port" >"$work/logs/citysim-modbus.log" 2>&1 &
pids+=($!)
socat -d pty,raw,echo=0,link="$work/dali-sim" pty,raw,echo=0,link="$work/dali-host" 2>"$work/logs/socat.log" &
pids+=($!)
for _ in $(seq 50); do [[ -e $work/dali-sim && -e $work/dali-host ]] && break; sleep 0.1; done
gear=4
[[ $profile == dali64 ]] && gear=64
"$sim_bin" dali --serial "$work/dali-sim" --gear "$gear" --failed 1 --wire-timing >"$work/logs/citysim-dali.log" 2>&1 &
pids+=($!)
for _ in $(seq 150); do curl -fs "http://127.0.0.1:$http_port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done

# gw-001 of demo.sh: meter1, tc1, meter3 (Modbus TCP), tc-snmp (SNMP, traps) and the 4-lamp line lights-a.
args=(--Edge:GatewayId=gw-001 --Edge:Central:Port="$mqtt_port"
    --Edge:Central:Tls:CaFile="$work/pki/ca.crt" --Edge:Central:Tls:CertFile="$work/pki/gw-001.crt" --Edge:Central:Tls:KeyFile="$work/pki/gw-001.key"
    --Edge:Buffer:Path="$work/gw-001/buffer.db" --Edge:LocalApi:SocketPath="$work/gw-001/edgectl.sock"
    --Edge:Devices:0:Port="$modbus_port" --Edge:Devices:1:Port="$modbus_port" --Edge:Devices:2:Port="$modbus_port" --Edge:Devices:1:Enabled=true
    --Edge:DaliLines:0:Enabled=true --Edge:DaliLines:0:Port="$work/dali-host" --Edge:DaliLines:0:EnergyPeriodMs=30000)
if [[ $profile == gw-001 ]]; then
    "$sim_bin" snmp --port "$snmp_port" --trap-to "127.0.0.1:$trap_port" --alarm-every 45 >"$work/logs/citysim-snmp.log" 2>&1 &
    pids+=($!)
    args+=(--Edge:Devices:2:Enabled=true --Edge:Devices:3:Enabled=true --Edge:Devices:3:Port="$snmp_port" --Edge:Snmp:TrapListen="127.0.0.1:$trap_port")
else
    # A traffic controller (tc1), a meter (meter1) and 64 gear on lights-a (addresses 0-63, 16 per group).
    for ((a = 4; a < 64; a++)); do
        args+=(--Edge:DaliLines:0:Gear:$a:Address=$a --Edge:DaliLines:0:Gear:$a:Groups:0=$((a / 16)) --Edge:DaliLines:0:Gear:$a:Location=pole-$a
            --Edge:DaliLines:0:Gear:$a:RatedPowerW=60)
    done
fi
"$edge_bin" "${args[@]}" >"$work/logs/edge.log" 2>&1 &
edge_pid=$!
pids+=("$edge_pid")

metric() { # the value of one edge metric from its local API
    curl -fs --unix-socket "$work/gw-001/edgectl.sock" http://edge/metrics 2>/dev/null | awk -v m="$1" '$1 == m && !found { print $2; found = 1 }'
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
tck=$(getconf CLK_TCK)

echo "== $profile: edge pid $edge_pid, warm-up ${warmup} s, then $minutes min sampled every ${sample} s"
sleep "$warmup"
kill -0 "$edge_pid" 2>/dev/null || { echo "the edge exited; see its log:" >&2; tail -n 20 "$work/logs/edge.log" >&2; exit 1; }
t0=$(date +%s.%N); c0=$(cpu_ticks "$edge_pid"); r0=$(metric edge_buffer_readings_buffered_total)
: >"$work/rss"
end=$(($(date +%s) + minutes * 60))
while (($(date +%s) < end)); do
    kill -0 "$edge_pid" 2>/dev/null || { echo "the edge exited during the run; see $work/logs/edge.log" >&2; KEEP=1; exit 1; }
    rss_kb "$edge_pid" >>"$work/rss"
    sleep "$sample"
done
t1=$(date +%s.%N); c1=$(cpu_ticks "$edge_pid"); r1=$(metric edge_buffer_readings_buffered_total)
connected=$(metric edge_central_connected)
acked=$(metric edge_forwarder_acked_readings_total)
rss_end=$(rss_kb "$edge_pid")
median_max=$(sort -n "$work/rss" | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.1f %.1f", m / 1024, v[NR] / 1024 }')
read -r rss_median rss_max <<<"$median_max"
awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v tck="$tck" -v r0="${r0:-0}" -v r1="${r1:-0}" -v end="$rss_end" \
    -v med="$rss_median" -v max="$rss_max" -v profile="$profile" -v acked="${acked:-0}" -v connected="${connected:-0}" -v bin="$edge_bin" 'BEGIN {
    wall = t1 - t0; cpu = (c1 - c0) / tck
    printf "edge footprint (%s, %s)\n", profile, bin
    printf "  measured      %.0f s after a warm-up; central connected: %s; readings acked over the life: %d\n", wall, connected, acked
    printf "  readings/s    %.1f (buffered)\n", (r1 - r0) / wall
    printf "  RSS           %.1f MB at the end, median %.1f MB, max %.1f MB\n", end / 1024, med, max
    printf "  CPU           %.2f %% of one core (%.1f s of CPU in %.0f s)\n", 100 * cpu / wall, cpu, wall
}'
