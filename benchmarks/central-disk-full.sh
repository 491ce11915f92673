#!/usr/bin/env bash
# Fault campaign (issue 18): central's store on a full disk. Needs root (mount). Central's data folder is a small tmpfs
# (DISK_MB); once the rig runs (the edge polling the meter every PERIOD_MS, citysim load's gateways publishing), a filler
# file takes every free byte. What must hold: central stops acknowledging (the edge keeps its batches: its buffer grows,
# nothing is acknowledged that was not stored), /healthz turns 503, central keeps running; when the filler is deleted
# central stores and acknowledges again, /healthz returns to 200, the edge's backlog drains, and nothing is lost or
# stored twice (benchmarks/campaign-verdict.py: no kills, so the meter's timeline must have no gap at all).
# CYCLES rounds of fill / FULL_S seconds full / free.
#   benchmarks/central-disk-full.sh
# Env: CYCLES=3 FULL_S=10 DISK_MB=48 PERIOD_MS=100 LOAD_GATEWAYS=5 NO_BUILD=1 KEEP=1
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
source "$root/benchmarks/lib.sh"
# shellcheck source=campaign-lib.sh
source "$root/benchmarks/campaign-lib.sh"

cycles=${CYCLES:-3}
full_s=${FULL_S:-10}
disk_mb=${DISK_MB:-48}
[[ $(id -u) == 0 ]] || { echo "FAILED: central-disk-full.sh needs root (mount)" >&2; exit 1; }

build_unless_told central/Central edge/Edge simulators/CitySim
LOAD_GATEWAYS=${LOAD_GATEWAYS:-5}
disk=$(mktemp -d /tmp/central-disk.XXXXXX)
mount -t tmpfs -o "size=${disk_mb}m,mode=0700" tmpfs "$disk" || { echo "FAILED: mount tmpfs on $disk" >&2; exit 1; }
CENTRAL_DATA=$disk/central
rig_init central-disk-full
trap 'rig_stop_all; umount -l "$disk"; rmdir "$disk"; remove_unless_kept "$work"' EXIT
: >"$work/recoveries"

central_start
meter_start
edge_start
load_start
edge_wait_acknowledged
echo "== rig up: central's store on a ${disk_mb} MB tmpfs ($disk), $work"

healthz_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$http_port/healthz"; }
healthz_is() { [[ $(healthz_code) == "$1" ]]; }
acked() { edge_field .central.batchesAcked; }
acks_stopped() { # no new ack for the edge over 2 s, with batches of it waiting
    local a b
    a=$(acked); sleep 2; b=$(acked)
    [[ $a == "$b" && $(edge_field .buffer.batchesWaiting) -gt 0 ]]
}
acked_past() { [[ $(acked) -gt $1 ]]; }

failures=0
for ((cycle = 1; cycle <= cycles; cycle++)); do
    edge_wait_acknowledged
    started=$(now_ms)
    dd if=/dev/zero of="$disk/filler" bs=64k status=none 2>/dev/null || true
    wait_for 60 "central's /healthz at 503 on the full disk" healthz_is 503
    unhealthy_after=$(($(now_ms) - started))
    wait_for 60 "central to stop acknowledging the edge" acks_stopped
    waiting=$(edge_field .buffer.batchesWaiting)
    sleep "$full_s"
    kill -0 "$central_pid" || { echo "FAILED: central exited on the full disk (see $work/logs/central.log)"; failures=$((failures + 1)); central_start; }
    [[ $(healthz_code) == 503 ]] || { echo "FAILED: /healthz is $(healthz_code) with the disk still full"; failures=$((failures + 1)); }
    still=$(acked)
    waiting_now=$(edge_field .buffer.batchesWaiting)
    ((waiting_now >= waiting)) || { echo "FAILED: the edge's backlog shrank from $waiting to $waiting_now batches while central could not store"; failures=$((failures + 1)); }
    freed=$(now_ms)
    rm -f "$disk/filler"
    wait_for 120 "central's /healthz back at 200" healthz_is 200
    healthy_after=$(($(now_ms) - freed))
    wait_for 120 "acks for the edge again" acked_past "$still"
    awk -v ms=$(($(now_ms) - freed)) 'BEGIN { printf "disk-space-back %.3f\n", ms / 1000 }' >>"$work/recoveries"
    echo "full disk $cycle/$cycles: /healthz 503 after $unhealthy_after ms, acks stopped ($waiting_now batches waiting at the edge after ${full_s} s); space back: healthy after $healthy_after ms, acknowledging after $(tail -n 1 "$work/recoveries" | cut -d' ' -f2) s"
done

rig_verdict "central on a full disk: $cycles rounds of ${full_s} s, store on a ${disk_mb} MB tmpfs, PERIOD_MS=$period_ms" || failures=$((failures + 1))
((failures == 0))
