#!/usr/bin/env bash
# Fault campaign (issue 18): a power cut under the edge, not only a killed process. Needs root (losetup, mount).
# The edge's buffer lives on an ext4 file system in a loop device backed by an image file. A cut: the edge is frozen
# (SIGSTOP, nothing more reaches the file system), the image is copied as the block device holds it at that instant
# (whatever the kernel still had in its page cache for the loop file system, written by the edge without an fsync,
# is not in it: the file system's dirty pages and uncommitted journal are what a power cut loses), the edge is killed,
# the file system dropped, and the copy is mounted (ext4 replays its journal, as after the cut) for the next edge.
# What must hold: everything the edge had published as committed (every seq central received from it) is still there:
# the restarted edge never hands a published seq out again (its next seq is past central's highest), and every batch
# in flight at the cut is sent again. Each cycle alternates central up and central stopped (a backlog at the cut).
# The verdict of benchmarks/campaign-verdict.py follows (lost, duplicated, gaps only at the cuts, recovery time).
#   benchmarks/power-cut.sh                  # CYCLES=10
# Env: CYCLES=10 PERIOD_MS=100 LOAD_GATEWAYS=5 IMAGE_MB=64 UP_MS=3000 SEED=18 NO_BUILD=1 KEEP=1
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
source "$root/benchmarks/lib.sh"
# shellcheck source=campaign-lib.sh
source "$root/benchmarks/campaign-lib.sh"

cycles=${CYCLES:-10}
image_mb=${IMAGE_MB:-64}
up_ms=${UP_MS:-3000}
RANDOM=${SEED:-18}
[[ $(id -u) == 0 ]] || { echo "FAILED: power-cut.sh needs root (losetup, mount)" >&2; exit 1; }
for tool in losetup mkfs.ext4 mount umount; do command -v "$tool" >/dev/null || { echo "FAILED: $tool is missing (apt-get install -y util-linux e2fsprogs mount)" >&2; exit 1; }; done

build_unless_told central/Central edge/Edge simulators/CitySim
LOAD_GATEWAYS=${LOAD_GATEWAYS:-5}
work_disks=$(mktemp -d /tmp/power-cut-disks.XXXXXX)
mounted=()
loops=()
drop_disks() {
    local m l
    for m in "${mounted[@]}"; do umount -l "$m" 2>/dev/null || true; done
    for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
    mounted=(); loops=()
}

mount_image() { # mount_image IMAGE DIR: a loop device on IMAGE mounted at DIR
    local loop
    loop=$(losetup -f --show "$1") || { echo "FAILED: losetup $1" >&2; exit 1; }
    loops+=("$loop")
    mkdir -p "$2"
    mount -t ext4 "$loop" "$2" || { echo "FAILED: mount $loop $2" >&2; exit 1; }
    mounted+=("$2")
}

truncate -s "${image_mb}M" "$work_disks/disk-0.img"
mkfs.ext4 -q -F "$work_disks/disk-0.img"
mount_image "$work_disks/disk-0.img" "$work_disks/mnt-0"
BUFFER_DIR=$work_disks/mnt-0/edge
rig_init power-cut
trap 'rig_stop_all; drop_disks; rm -rf "$work_disks"; remove_unless_kept "$work"' EXIT
: >"$work/recoveries"

central_start
meter_start
edge_start
load_start
edge_wait_acknowledged
echo "== rig up: the edge's buffer on $(findmnt -n -o SOURCE "$work_disks/mnt-0") (ext4 on a loop device), $work"

highest_at_central() { api /api/v1/gateways | jq -r --arg g "$gateway" '.[] | select(.id == $g) | .committedSeqs' | awk -F'[-,]' '{ print $NF + 0 }'; }

failures=0
for ((cycle = 1; cycle <= cycles; cycle++)); do
    if ((cycle % 2 == 0)); then
        # Central away: a backlog of committed, unsent batches at the cut.
        stop_pid "$central_pid" 30; central_pid=
        before=$(edge_field .buffer.readingsBuffered)
        wait_for 300 "readings buffered while central is away" edge_buffered_past $((before + 50))
    else
        edge_wait_acknowledged
    fi
    sleep "$(awk -v ms=$((RANDOM % (up_ms + 1))) 'BEGIN { printf "%.3f", ms / 1000 }')"

    # The cut: frozen, then the block device's content at that instant, then the process gone.
    kill -STOP "$edge_pid"
    started=$(now_ms)
    echo "$started" >>"$kills_file"
    cp --sparse=always "$work_disks/disk-$((cycle - 1)).img" "$work_disks/disk-$cycle.img"
    kill -KILL "$edge_pid"; wait "$edge_pid" 2>/dev/null || true; edge_pid=
    if [[ -z $central_pid ]]; then central_start; fi
    sleep 1 # central takes whatever the frozen edge had already handed to the broker
    published=$(highest_at_central)
    drop_disks
    rm -f "$work_disks/disk-$((cycle - 1)).img"
    mount_image "$work_disks/disk-$cycle.img" "$work_disks/mnt-$cycle"
    edge_dir=$work_disks/mnt-$cycle/edge
    edge_start
    wait_for 300 "the restarted edge's local API" edge_status_ok
    next_seq=$(edge_field .buffer.lastSeq)
    edge_wait_acknowledged
    awk -v ms=$(($(now_ms) - started)) 'BEGIN { printf "power-cut %.3f\n", ms / 1000 }' >>"$work/recoveries"
    verdict=ok
    if ((next_seq < published)); then verdict="FAILED: the restarted edge's last seq $next_seq is below seq $published central already has"; failures=$((failures + 1)); fi
    echo "cut $cycle/$cycles: central had seqs up to $published at the cut; the buffer after the cut holds up to seq $next_seq; acknowledged again after $(tail -n 1 "$work/recoveries" | cut -d' ' -f2) s: $verdict"
done

rig_verdict "power cut: $cycles cuts of the edge's buffer disk (SIGSTOP, the loop device's image kept, ext4 journal replayed), PERIOD_MS=$period_ms" || failures=$((failures + 1))
((failures == 0))
