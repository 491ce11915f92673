#!/usr/bin/env bash
# Modbus RTU polling throughput against the simulator's slave with wire timing, over a socat pty pair.
# For each baud rate in BAUDS and each slave timing mode in MODES: starts `socat` (pty pair), `Benchmarks.dll
# modbus-rtu-slave` on one end (ModbusRtuSlave, 1,000 holding registers, 8E1 timing on an 8N1 pty), then
# `Benchmarks.dll modbus-rtu` (our ModbusRtuMaster over ModbusRtuTransport) on the other end for CYCLES full-map cycles
# (8 x FC03 of 125 registers), and prints one table: registers/s achieved, the wire limit, the fraction.
#
#   benchmarks/modbus-rtu.sh                                        # 19200 baud, mode wire, 20 cycles
#   BAUDS="9600 19200 115200" MODES="wire none" benchmarks/modbus-rtu.sh
#
# TRANSPORTS ("portable termios") runs each baud rate and mode once per serial transport, master and slave on the same one:
# portable = System.IO.Ports (the baseline), termios = protocols/Serial's termios transport (Linux).
# BASELINE=DLL adds the transport "before": slave and master from another build of Benchmarks.dll (e.g. main's, built in a
# copy of the tree), run without --transport, so a change is measured against its baseline in the same run.
# PEERS=1 also runs pymodbus' serial client (benchmarks/modbus-rtu-pymodbus.py, /usr/bin/python3) against the same slave, after ours.
#
# Environment: BAUDS ("19200"), TRANSPORTS ("portable termios"), MODES ("wire"; see ModbusRtuSlaveHost.cs), CYCLES (20), PEERS (0), NO_BUILD (0),
# DIR (a new temporary directory).
# Needs socat (apt-get install -y socat). Not part of ./test.sh.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bauds=${BAUDS:-19200}
modes=${MODES:-wire}
transports=${TRANSPORTS:-portable termios}
[[ -z ${BASELINE:-} ]] || transports="before $transports"
cycles=${CYCLES:-20}
dir=${DIR:-$(mktemp -d /tmp/modbus-rtu.XXXXXX)}
mkdir -p "$dir"
bench_dll=$root/benchmarks/Benchmarks/bin/Release/net10.0/Benchmarks.dll
socat_pid=
slave_pid=

command -v socat >/dev/null || { echo "socat is missing: apt-get install -y socat" >&2; exit 1; }

source "$root/benchmarks/lib.sh"

cleanup() {
    stop_pid "$slave_pid"; slave_pid=
    stop_pid "$socat_pid"; socat_pid=
}
trap cleanup EXIT

wait_for() { # wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s
    local tries=$(( $1 * 10 )); shift
    for _ in $(seq 1 "$tries"); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

if [[ ${NO_BUILD:-0} != 1 ]]; then
    dotnet build -c Release -nologo -v q "$root/benchmarks/Benchmarks/Benchmarks.csproj" >"$dir/build.log" 2>&1 || { tail -20 "$dir/build.log"; exit 1; }
fi

echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
results=()
for baud in $bauds; do
    for mode in $modes; do
    for transport in $transports; do
        master=$dir/pty-master slave=$dir/pty-slave
        rm -f "$master" "$slave"
        socat -d -d "pty,raw,echo=0,link=$master" "pty,raw,echo=0,link=$slave" 2>"$dir/socat.log" &
        socat_pid=$!
        wait_for 10 test -e "$master" -a -e "$slave" || { echo "socat did not create the ptys" >&2; cat "$dir/socat.log" >&2; exit 1; }

        dll=$bench_dll transport_option=(--transport "$transport")
        [[ $transport != before ]] || { dll=$BASELINE; transport_option=(); }
        dotnet "$dll" modbus-rtu-slave --device "$slave" --baud "$baud" --timing "$mode" "${transport_option[@]}" >"$dir/slave.out" 2>"$dir/slave.err" &
        slave_pid=$!
        wait_for 30 grep -q '^serving' "$dir/slave.out" || { echo "the slave did not start" >&2; cat "$dir/slave.err" >&2; exit 1; }

        dotnet "$dll" modbus-rtu --device "$master" --baud "$baud" --cycles "$cycles" "${transport_option[@]}" | tee "$dir/master.out"
        result=$(grep '^RESULT' "$dir/master.out")
        results+=("$mode ours-$transport $result")
        if [[ ${PEERS:-0} == 1 && $transport == "${transports##* }" ]]; then
            /usr/bin/python3 "$root/benchmarks/modbus-rtu-pymodbus.py" "$master" "$baud" "$cycles" | tee "$dir/peer.out"
            limit=$(grep -o 'limit_rps=[0-9.]*' <<<"$result" | cut -d= -f2)
            limit_ms=$(grep -o 'limit_request_ms=[0-9.]*' <<<"$result" | cut -d= -f2)
            peer=$(grep '^RESULT' "$dir/peer.out")
            mean=$(grep -o 'mean_rps=[0-9.]*' <<<"$peer" | cut -d= -f2)
            results+=("$mode pymodbus $peer limit_rps=$limit limit_request_ms=$limit_ms fraction=$(awk "BEGIN { print $mean / $limit }")")
        fi
        cleanup
        grep -h 'requests' "$dir/slave.err" || true
    done
    done
done

printf '\n%-8s %-22s %-16s %12s %12s %10s %9s %11s %13s\n' baud "slave timing" master "registers/s" "spread" "limit" fraction "ms/request" "limit ms/req"
for line in "${results[@]}"; do
    read -r mode who _ <<<"$line"
    declare -A r=()
    for kv in $line; do [[ $kv == *=* ]] && r[${kv%%=*}]=${kv#*=}; done
    # With --timing none the slave answers at once: a latency probe, not a throughput against the wire limit.
    fraction=$([[ $mode == none ]] && echo "-" || awk "BEGIN { printf \"%.1f%%\", ${r[fraction]} * 100 }")
    printf '%-8s %-22s %-16s %12s %12s %10s %9s %11s %13s\n' "${r[baud]}" "$mode" "$who" "${r[mean_rps]}" "${r[min_rps]}-${r[max_rps]}" "${r[limit_rps]}" \
        "$fraction" "${r[request_ms]}" "${r[limit_request_ms]}"
    unset r
done
[[ ${DIR:-} ]] || rm -rf "$dir"
