#!/usr/bin/env bash
# Bus priority: the time from a request arriving at the cabinet (the on-board unit's UDP datagram read by the edge) to the
# traffic controller acknowledging it (the answer to the NTCIP 1211 prgPriorityRequest SET). Starts `citysim snmp` (the
# controller with its priority server) and an edge with one ntcip1211 device (central unreachable: nothing is forwarded,
# the buffer keeps the events), then a simulated bus fleet sends check-ins and check-outs over UDP; the edge measures each
# acknowledgement and `edgectl priority --json` gives the median, p95 and max over the run (one warm-up bus first: its
# cold first exchange is counted, so max is usually it). Two patterns, each on fresh
# processes:
#   sequential  one bus at a time, REQUESTS buses, RATE per second (check-out 20 ms after each check-in)
#   burst       BURSTS bursts of BURST buses sent back to back (they queue in the device's inbox), check-outs, 1 s apart
#
#   benchmarks/priority-ack.sh                        # both patterns, 500 sequential at 20/s, 20 bursts of 20
#   MODES=sequential REQUESTS=2000 RATE=50 benchmarks/priority-ack.sh
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

build_unless_told simulators/CitySim edge/Edge edge/EdgeCtl
citysim="$root/simulators/CitySim/bin/Release/net10.0/citysim"
edge="$root/edge/Edge/bin/Release/net10.0/edge"
edgectl="$root/edge/EdgeCtl/bin/Release/net10.0/edgectl"

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

for mode in $MODES; do
    agent=$(free_udp); obu=$(free_udp)
    "$citysim" snmp --port "$agent" --community public --write-community private > "$work/citysim-$mode.log" 2>&1 &
    sim_pid=$!
    cat > "$work/edge-$mode.json" <<JSON
{ "Edge": { "GatewayId": "gw-priority-bench",
  "Central": { "Host": "127.0.0.1", "Port": 1, "AllowPlain": true },
  "Buffer": { "Path": "$work/buffer-$mode.db" },
  "LocalApi": { "SocketPath": "$work/edgectl-$mode.sock", "Group": "" },
  "Devices": [ { "Name": "junction1", "Protocol": "ntcip1211", "Host": "127.0.0.1", "Port": $agent, "Community": "private",
                 "Listen": "127.0.0.1:$obu", "StatusPollMs": 100, "PublishPeriodMs": 1000 } ] } }
JSON
    "$edge" --config "$work/edge-$mode.json" > "$work/edge-$mode.log" 2>&1 &
    edge_pid=$!
    for _ in $(seq 1 300); do "$edgectl" --socket "$work/edgectl-$mode.sock" priority --json > /dev/null 2>&1 && break; sleep 0.2; done
    echo "== $mode"
    fleet "$mode" "$obu"
    sleep 2
    view=$("$edgectl" --socket "$work/edgectl-$mode.sock" priority --json)
    echo "$view" | jq -r '.[0] | "requests acked \(.ack.count)  median \(.ack.medianMs) ms  p95 \(.ack.p95Ms) ms  max \(.ack.maxMs) ms  | requested \(.counters.requested) granted \(.counters.granted) served \(.counters.served) cancelled \(.counters.cancelled) rejected \(.counters.rejected) open \(.open | length) malformed \(.malformedDatagrams) dropped \(.droppedInputs)"'
    stop_pid "$edge_pid" 10; edge_pid=""
    stop_pid "$sim_pid" 5; sim_pid=""
done
