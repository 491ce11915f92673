#!/usr/bin/env bash
# Bus priority: the time from a request arriving at the cabinet (the on-board unit's UDP datagram read by the edge) to the
# traffic controller acknowledging it (the answer to the NTCIP 1211 prgPriorityRequest SET), side by side with its baseline
# in the same run against the same controller: the bare SET round trip without the edge. Per pattern, on fresh processes:
#   1. `citysim snmp` (the controller with its priority server) and an edge with one ntcip1211 device (central
#      unreachable: nothing is forwarded, the buffer keeps the events); a simulated bus fleet sends check-ins and
#      check-outs over UDP; the edge measures each acknowledgement and `edgectl priority --json` gives the median, p95 and
#      max (one warm-up bus first: its cold first exchange is counted, so max is usually it). The edge is then stopped.
#   2. baseline, ours: `Benchmarks priority-set` sends the same prgPriorityRequest SET straight to that controller with
#      our SnmpManager, in the same pattern (each request then cancelled and cleared, untimed; one cold request counted).
#   3. baseline, net-snmp (sequential only): `snmpset` of the same SET, one process a request, under `strace -ttt`: the
#      time from its sendmsg to its recvmsg (process start and MIB loading left out; strace's stops add some tens of
#      microseconds). Skipped when snmpset or strace is missing.
# The edge's share (decode, inbox, dispatch, and in a burst the queue behind the other buses) is the difference.
# Patterns:
#   sequential  one bus at a time, REQUESTS buses, RATE per second (check-out 20 ms after each check-in)
#   burst       BURSTS bursts of BURST buses sent back to back (they queue in the device's inbox), check-outs, 1 s apart
#
#   benchmarks/priority-ack.sh                        # both patterns, 500 sequential at 20/s, 20 bursts of 20
#   MODES=sequential REQUESTS=2000 RATE=50 benchmarks/priority-ack.sh
#   NETSNMP_REQUESTS=200 benchmarks/priority-ack.sh   # fewer snmpset processes (default REQUESTS)
#   NO_BUILD=1 KEEP=1 benchmarks/priority-ack.sh      # reuse the Release build, keep logs and buffers
# Loopback only; ports are free ones picked at start.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
source "$root/benchmarks/lib.sh"
require_jq
MODES=${MODES:-"sequential burst"}
REQUESTS=${REQUESTS:-500}
RATE=${RATE:-20}
BURSTS=${BURSTS:-20}
BURST=${BURST:-20}
NETSNMP_REQUESTS=${NETSNMP_REQUESTS:-$REQUESTS}

build_unless_told simulators/CitySim edge/Edge edge/EdgeCtl benchmarks/Benchmarks
citysim="$root/simulators/CitySim/bin/Release/net10.0/citysim"
edge="$root/edge/Edge/bin/Release/net10.0/edge"
edgectl="$root/edge/EdgeCtl/bin/Release/net10.0/edgectl"
bench="$root/benchmarks/Benchmarks/bin/Release/net10.0/Benchmarks"

work=$(mktemp -d /tmp/priority-ack.XXXXXX)
sim_pid=""
edge_pid=""
cleanup() { stop_pid "$edge_pid" 10; stop_pid "$sim_pid" 5; remove_unless_kept "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

free_udp() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The fleet: check-in (kind 1) and check-out (kind 3) datagrams as protocols/Ntcip1211/README.md lays them out.
fleet() { # fleet MODE PORT
    python3 - "$1" "$2" "$REQUESTS" "$RATE" "$BURSTS" "$BURST" <<'PY'
import socket, struct, sys, time
mode, port, requests, rate, bursts, burst = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
def datagram(kind, vehicle, approach=0, cls=0, level=0, eta=0, dep=0, route=b""):
    v = vehicle.encode()
    return bytes([0x42, 1, kind, cls, level, approach]) + struct.pack(">HH", eta, dep) + bytes([len(v)]) + v + bytes([len(route)]) + route
def check_in(n): s.sendto(datagram(1, f"BUS-{n}", approach=1 + n % 8, cls=3, level=1, eta=15, dep=25, route=b"L5"), ("127.0.0.1", port))
def check_out(n): s.sendto(datagram(3, f"BUS-{n}"), ("127.0.0.1", port))
check_in(999999); time.sleep(0.05); check_out(999999); time.sleep(1.0)  # one cold request (first SNMP exchange, JIT): in max, not in p95
if mode == "sequential":
    for n in range(requests):
        check_in(n); time.sleep(0.02); check_out(n); time.sleep(max(0.0, 1.0 / rate - 0.02))
else:
    for b in range(bursts):
        for i in range(burst): check_in(b * burst + i)
        time.sleep(0.5)
        for i in range(burst): check_out(b * burst + i)
        time.sleep(1.0)
PY
}

# net-snmp's snmpset, one process a request, each request then cancelled and cleared (untimed) as the edge does.
netsnmp() { # netsnmp PORT COUNT: prints one JSON line like priority-set's
    python3 - "$1" "$2" "$work/strace" <<'PY'
import json, math, subprocess, sys, time
port, count, trace = sys.argv[1], int(sys.argv[2]), sys.argv[3]
scp = "1.3.6.1.4.1.1206.4.2.11.2"
def key(n):  # priorityRequestID, vehicle id (17 octets, NUL-padded), class type, class level, strategy: protocols/Ntcip1211/README.md
    return bytes([1 + n % 255]) + f"NETSNMP-{n}".encode().ljust(17, b"\0") + bytes([3, 1, 1 + n % 8])
def snmpset(oid, value, traced=False):
    command = ["snmpset", "-v2c", "-c", "private", "-r", "0", "-t", "2", "-m", "", "-On", "-Oq", f"127.0.0.1:{port}", f"{scp}.{oid}.0", "x", value.hex()]
    if traced:
        command = ["strace", "-ttt", "-e", "trace=sendmsg,sendto,recvmsg,recvfrom", "-o", trace] + command
    return subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
samples, failures = [], 0
for n in range(count + 1):  # n 0: the cold one, counted as the others' warm-up requests are
    start = time.monotonic()
    if not snmpset(1, key(n) + (15).to_bytes(2, "big") + (25).to_bytes(2, "big"), traced=True):
        failures += 1
        continue
    sent = received = None
    for line in open(trace):
        stamp, call = float(line.split(" ", 1)[0]), line.split(" ", 1)[1]
        if sent is None and call.startswith(("sendmsg(", "sendto(")):
            sent = stamp
        elif sent is not None and call.startswith(("recvmsg(", "recvfrom(")):
            received = stamp
            break
    if received is None:
        failures += 1
        continue
    samples.append((received - sent) * 1000)
    snmpset(5, key(n)); snmpset(6, key(n))
    time.sleep(max(0.0, 0.05 - (time.monotonic() - start)))
samples.sort()
rank = lambda p: samples[min(max(math.ceil(p * len(samples)) - 1, 0), len(samples) - 1)] if samples else 0
print(json.dumps({"mode": "sequential", "count": len(samples), "failures": failures, "medianMs": round(rank(0.5), 3), "p95Ms": round(rank(0.95), 3), "maxMs": round(samples[-1] if samples else 0, 3)}))
PY
}

rows=()
row() { # row PATTERN PATH JSON(count, medianMs, p95Ms, maxMs)
    rows+=("$(echo "$3" | jq -r --arg pattern "$1" --arg path "$2" 'def ms: . * 1000 | round / 1000 | "\(.) ms";
        "| \($pattern) | \($path) | \(.count) | \(.medianMs | ms) | \(.p95Ms | ms) | \(.maxMs | ms) |"')")
}

for mode in $MODES; do
    agent=$(free_udp); obu=$(free_udp)
    "$citysim" snmp --port "$agent" --community public --write-community private > "$work/citysim-$mode.log" 2>&1 &
    sim_pid=$!
    cat > "$work/edge-$mode.json" <<JSON
{ "Edge": { "GatewayId": "gw-priority-bench",
  "Central": { "Host": "127.0.0.1", "Port": 1, "AllowPlain": true },
  "Buffer": { "Path": "$work/buffer-$mode.db" },
  "LocalApi": { "SocketPath": "$work/edgectl-$mode.sock", "Group": "" },
  "Devices": [ { "Name": "junction1", "Protocol": "ntcip1211", "Host": "127.0.0.1", "Port": $agent, "Version": "2c", "Community": "private",
                 "Listen": "127.0.0.1:$obu", "StatusPollMs": 100, "PublishPeriodMs": 1000 } ] } }
JSON
    "$edge" --config "$work/edge-$mode.json" > "$work/edge-$mode.log" 2>&1 &
    edge_pid=$!
    for _ in $(seq 1 300); do "$edgectl" --socket "$work/edgectl-$mode.sock" priority --json > /dev/null 2>&1 && break; sleep 0.2; done
    echo "== $mode"
    fleet "$mode" "$obu"
    sleep 2
    view=$("$edgectl" --socket "$work/edgectl-$mode.sock" priority --json)
    echo "$view" | jq -r '.[0] | "edge: requests acked \(.ack.count)  median \(.ack.medianMs) ms  p95 \(.ack.p95Ms) ms  max \(.ack.maxMs) ms  | requested \(.counters.requested) granted \(.counters.granted) served \(.counters.served) cancelled \(.counters.cancelled) rejected \(.counters.rejected) open \(.open | length) malformed \(.malformedDatagrams) dropped \(.droppedInputs)"'
    row "$mode" "bus datagram -> edge -> controller ack" "$(echo "$view" | jq -c '.[0].ack')"
    stop_pid "$edge_pid" 10; edge_pid=""

    ours=$("$bench" priority-set --port "$agent" --community private --mode "$mode" --requests "$REQUESTS" --rate "$RATE" --bursts "$BURSTS" --burst "$BURST")
    echo "baseline, SnmpManager straight to the controller: $ours"
    row "$mode" "baseline: SET straight to the controller (SnmpManager)" "$ours"
    if [ "$mode" = sequential ]; then
        if command -v snmpset > /dev/null && command -v strace > /dev/null; then
            peer=$(netsnmp "$agent" "$NETSNMP_REQUESTS")
            echo "baseline, net-snmp snmpset: $peer"
            row "$mode" "baseline: SET straight to the controller (net-snmp snmpset, sendmsg to recvmsg)" "$peer"
        else
            echo "baseline, net-snmp snmpset: skipped (snmpset or strace missing)"
        fi
    fi
    stop_pid "$sim_pid" 5; sim_pid=""
done

echo
echo "| pattern | path | requests | median | p95 | max |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
