#!/usr/bin/env bash
# Fault campaign (issue 18): kill -9 of the edge, of central, and of both at once, under load, counted end to end.
# One central (TLS broker), `citysim meter` polled by an edge (gw-camp, five points every PERIOD_MS) and `citysim load`
# (LOAD_GATEWAYS gateways, reconnecting through central's restarts) running throughout; then:
#   CYCLES_EDGE  x  the edge connected and acknowledged, UP_MS later (random in 0..UP_MS) kill -9, restarted;
#   CYCLES_CENTRAL x central storing the edge's and the load's batches, kill -9, restarted;
#   CYCLES_BOTH  x  both killed at the same instant, both restarted.
# Recovery time: from the kill until the restarted edge (or the edge, for central) had a new batch acknowledged.
# At the end the edge is restarted without polling until its buffer is drained, the load stopped, and
# benchmarks/campaign-verdict.py prints the verdict: lost and duplicated readings (the edge's lifetime counters against
# central's store, every meter point's timestamps unique and a reading every period but at the kills), the load's
# acknowledged batches all stored, and the recovery times. Exit 1 unless 0 lost, 0 duplicated.
#   benchmarks/kill-campaign.sh                       # 20 + 20 + 10 cycles
#   CYCLES_EDGE=3 CYCLES_CENTRAL=3 CYCLES_BOTH=2 benchmarks/kill-campaign.sh
# Env (none starts with EDGE_: the edge reads those as its configuration): CYCLES_EDGE=20 CYCLES_CENTRAL=20 CYCLES_BOTH=10 PERIOD_MS=100 LOAD_GATEWAYS=10 UP_MS=3000 SEED=18 NO_BUILD=1 KEEP=1
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
source "$root/benchmarks/lib.sh"
# shellcheck source=campaign-lib.sh
source "$root/benchmarks/campaign-lib.sh"

edge_cycles=${CYCLES_EDGE:-20}
central_cycles=${CYCLES_CENTRAL:-20}
both_cycles=${CYCLES_BOTH:-10}
up_ms=${UP_MS:-3000}
RANDOM=${SEED:-18}

build_unless_told central/Central edge/Edge simulators/CitySim
rig_init kill-campaign
trap 'rig_stop_all; remove_unless_kept "$work"' EXIT
: >"$work/recoveries"

central_start
meter_start
edge_start
load_start
edge_wait_acknowledged
wait_for 60 "citysim load's readings at central" load_stored_past 0
echo "== rig up: central :$mqtt_port, edge gw-camp every $period_ms ms, $load_gateways load gateways ($work)"

pause_randomly() { sleep "$(awk -v ms=$((RANDOM % (up_ms + 1))) 'BEGIN { printf "%.3f", ms / 1000 }')"; }

recovered() { # recovered KIND START_MS: the edge (restarted or not) has a batch acknowledged after the restart
    edge_wait_acknowledged
    awk -v kind="$1" -v ms=$(($(now_ms) - $2)) 'BEGIN { printf "%s %.3f\n", kind, ms / 1000 }' >>"$work/recoveries"
}

for ((cycle = 1; cycle <= edge_cycles; cycle++)); do
    pause_randomly
    started=$(now_ms)
    kill_edge
    edge_start
    recovered edge-kill "$started"
    echo "edge kill $cycle/$edge_cycles: recovered in $(tail -n 1 "$work/recoveries" | cut -d' ' -f2) s"
done

for ((cycle = 1; cycle <= central_cycles; cycle++)); do
    pause_randomly
    # Central under load when it dies: the load's readings are still arriving.
    before=$(load_readings_at_central)
    wait_for 60 "citysim load's readings at central" load_stored_past "$before"
    started=$(now_ms)
    kill_central
    central_start
    recovered central-kill "$started"
    echo "central kill $cycle/$central_cycles: recovered in $(tail -n 1 "$work/recoveries" | cut -d' ' -f2) s"
done

for ((cycle = 1; cycle <= both_cycles; cycle++)); do
    pause_randomly
    started=$(now_ms)
    kill -KILL "$edge_pid" "$central_pid" 2>/dev/null || true
    wait "$edge_pid" "$central_pid" 2>/dev/null || true
    now_ms >>"$kills_file"
    edge_pid=; central_pid=
    central_start
    edge_start
    recovered both-killed "$started"
    echo "both killed $cycle/$both_cycles: recovered in $(tail -n 1 "$work/recoveries" | cut -d' ' -f2) s"
done

rig_verdict "kill -9: $edge_cycles x edge, $central_cycles x central, $both_cycles x both, under load (PERIOD_MS=$period_ms, LOAD_GATEWAYS=$load_gateways)"
