#!/usr/bin/env bash
# Modbus TCP transactions per second against one slave, our client and clients nobody here wrote, side by side in one run.
# Starts the slave (default: `citysim modbus --port PORT`, the simulator; SLAVE=bench: `Benchmarks.dll modbus-tcp-slave`),
# then runs one after another, each for SECONDS after a 1 s warm-up, the same request (FC03, COUNT registers at ADDRESS,
# unit UNIT, one request in flight):
#   ours       Benchmarks.dll modbus-tcp (our ModbusTcpClient)
#   pymodbus   benchmarks/modbus-tcp-pymodbus.py with Debian's /usr/bin/python3 (python3-pymodbus, sync ModbusTcpClient)
#   libmodbus  benchmarks/modbus-tcp-libmodbus.c built with gcc (libmodbus-dev); skipped with a note when it cannot be built
#   ours xN    our client on N connections at once for each N in CLIENTS (ModbusTcpClient does not pipeline: one
#              request in flight per connection)
# DIAGNOSTICS=1 adds rows that tell where our client's time goes (not products): our codec straight over a Socket,
# blocking (socket-sync; connected asynchronously, so .NET emulates the blocking calls over its epoll engine) and awaited
# (socket-async), and our client with DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 (socket completions run on the epoll
# thread instead of being queued to the thread pool; our client's sockets no longer use that engine, so this row should
# match "ours": it is kept to show that the setting is not needed).
# BASELINE=DLL adds a row "ours-before": the same client from another build of Benchmarks.dll (e.g. main's, built in a
# copy of the tree: `git archive main | tar -x -C /tmp/base && dotnet build -c Release /tmp/base/benchmarks/Benchmarks`),
# run in each round right after ours, so a change is measured against its baseline in one run.
# ROUNDS > 1 repeats the sequence (ours, pymodbus, libmodbus, ...) to show the drift of a shared machine.
# Then prints a table (with the client process's CPU time per transaction, user + system over the measured window) and
# the medians of the rate and of CPU per transaction over the rounds. Loopback only. Not part of ./test.sh.
#
#   benchmarks/modbus-tcp-compare.sh
#   SECONDS_PER_CLIENT=10 ROUNDS=3 CLIENTS="4" SLAVE=citysim benchmarks/modbus-tcp-compare.sh
#
# Environment: SECONDS_PER_CLIENT (10), PORT (15020), UNIT (1), ADDRESS (0), COUNT (10), CLIENTS ("4"; "" for none),
# ROUNDS (1), BASELINE (none), DIAGNOSTICS (0), SLAVE (citysim | bench), NO_BUILD (0), DIR (a new temporary directory).
# Needs: apt-get install -y python3-pymodbus libmodbus-dev gcc
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${SECONDS_PER_CLIENT:-10}
port=${PORT:-15020}
unit=${UNIT:-1}
address=${ADDRESS:-0}
count=${COUNT:-10}
clients=${CLIENTS-4}
rounds=${ROUNDS:-1}
slave_kind=${SLAVE:-citysim}
dir=${DIR:-$(mktemp -d /tmp/modbus-tcp.XXXXXX)}
mkdir -p "$dir"
bench_dll=$root/benchmarks/Benchmarks/bin/Release/net10.0/Benchmarks.dll
citysim_bin=$root/simulators/CitySim/bin/Release/net10.0/citysim
slave_pid=

source "$root/benchmarks/lib.sh"
cleanup() {
    stop_pid "$slave_pid"
    slave_pid=
    [[ ${DIR:-} ]] || rm -rf "$dir"
}
trap cleanup EXIT

if [[ ${NO_BUILD:-0} != 1 ]]; then
    for project in benchmarks/Benchmarks/Benchmarks.csproj simulators/CitySim/CitySim.csproj; do
        dotnet build -c Release -nologo -v q "$root/$project" >"$dir/build.log" 2>&1 || { tail -20 "$dir/build.log"; exit 1; }
    done
fi

libmodbus_bin=
if command -v gcc >/dev/null && pkg-config --exists libmodbus 2>/dev/null; then
    gcc -O2 -o "$dir/modbus-tcp-libmodbus" "$root/benchmarks/modbus-tcp-libmodbus.c" $(pkg-config --cflags --libs libmodbus)
    libmodbus_bin=$dir/modbus-tcp-libmodbus
else
    echo "libmodbus skipped: gcc or libmodbus-dev missing (apt-get install -y gcc libmodbus-dev)" >&2
fi
/usr/bin/python3 -c 'import pymodbus' 2>/dev/null || { echo "pymodbus missing: apt-get install -y python3-pymodbus" >&2; exit 1; }

case $slave_kind in
    citysim) "$citysim_bin" modbus --port "$port" >"$dir/slave.out" 2>"$dir/slave.err" & ;;
    bench) dotnet "$bench_dll" modbus-tcp-slave --port "$port" --unit "$unit" >"$dir/slave.out" 2>"$dir/slave.err" & ;;
    *) echo "SLAVE must be citysim or bench" >&2; exit 2 ;;
esac
slave_pid=$!
for _ in $(seq 1 300); do
    grep -q 'listening' "$dir/slave.out" 2>/dev/null && break
    kill -0 "$slave_pid" 2>/dev/null || { echo "the slave exited:" >&2; cat "$dir/slave.err" >&2; exit 1; }
    sleep 0.1
done
grep -q 'listening' "$dir/slave.out" || { echo "the slave did not start listening" >&2; exit 1; }

echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); slave: $slave_kind on 127.0.0.1:$port;" \
     "FC03 unit $unit address $address count $count; ${seconds} s per client"
results=()
run() { # run LABEL COMMAND...: runs a client, keeps its RESULT line
    local label=$1; shift
    "$@" >"$dir/client.out" 2>"$dir/client.err" || { echo "$label failed:" >&2; cat "$dir/client.err" >&2; exit 1; }
    grep -v '^RESULT' "$dir/client.out"
    results+=("$label $(grep '^RESULT' "$dir/client.out")")
}
for round in $(seq 1 "$rounds"); do
    run ours dotnet "$bench_dll" modbus-tcp --port "$port" --seconds "$seconds" --unit "$unit" --address "$address" --count "$count"
    [[ -z ${BASELINE:-} ]] || run ours-before dotnet "$BASELINE" modbus-tcp --port "$port" --seconds "$seconds" --unit "$unit" \
        --address "$address" --count "$count" --label ours-before
    run pymodbus /usr/bin/python3 "$root/benchmarks/modbus-tcp-pymodbus.py" 127.0.0.1 "$port" "$seconds" "$unit" "$address" "$count"
    [[ -z $libmodbus_bin ]] || run libmodbus "$libmodbus_bin" 127.0.0.1 "$port" "$seconds" "$unit" "$address" "$count"
    for n in $clients; do
        run "ours-x$n" dotnet "$bench_dll" modbus-tcp --port "$port" --seconds "$seconds" --unit "$unit" --address "$address" --count "$count" --clients "$n"
    done
    if [[ ${DIAGNOSTICS:-0} == 1 ]]; then
        for kind in socket-sync socket-async; do
            run "$kind" dotnet "$bench_dll" modbus-tcp --port "$port" --seconds "$seconds" --unit "$unit" --address "$address" --count "$count" --client "$kind"
        done
        run ours-inline env DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 dotnet "$bench_dll" modbus-tcp --port "$port" --seconds "$seconds" \
            --unit "$unit" --address "$address" --count "$count" --label ours-inline
    fi
done

printf '\n%-5s %-38s %14s %9s %9s %12s %12s\n' round client "transactions/s" "p50 us" "p99 us" "B/request" "CPU us/req"
i=0
per_round=$(( ${#results[@]} / rounds ))
for line in "${results[@]}"; do
    label=${line%% *}
    declare -A r=()
    for kv in ${line#* }; do [[ $kv == *=* ]] && r[${kv%%=*}]=${kv#*=}; done
    case $label in
        ours) name="ours (ModbusTcpClient), 1 in flight" ;;
        pymodbus) name="pymodbus $(/usr/bin/python3 -c 'import pymodbus; print(pymodbus.__version__)') sync client" ;;
        libmodbus) name="libmodbus $(pkg-config --modversion libmodbus)" ;;
        ours-before) name="ours before (baseline build)" ;;
        ours-x*) name="ours, ${label#ours-x} connections x 1 in flight" ;;
        socket-sync) name="diag: codec + blocking Socket" ;;
        socket-async) name="diag: codec + awaited Socket" ;;
        ours-inline) name="diag: ours, inline socket completions" ;;
    esac
    cpu_per_request=-
    [[ -z ${r[cpu_s]:-} ]] || cpu_per_request=$(awk -v c="${r[cpu_s]}" -v n="${r[transactions]}" 'BEGIN { printf "%.1f", c * 1e6 / n }')
    printf '%-5s %-38s %14s %9s %9s %12s %12s\n' $(( i / per_round + 1 )) "$name" "${r[tps]}" "${r[p50_us]}" "${r[p99_us]}" "${r[bytes_per_request]:--}" "$cpu_per_request"
    i=$(( i + 1 ))
    unset r
done

if (( rounds > 1 )); then
    printf '\nmedian transactions/s over %d rounds:\n' "$rounds"
    for line in "${results[@]}"; do
        label=${line%% *}
        tps=$(grep -o 'tps=[0-9.]*' <<<"$line" | cut -d= -f2)
        echo "$label $tps"
    done | sort -k1,1 -k2,2n | awk '{ v[$1] = v[$1] " " $2; n[$1]++ }
        END { for (k in v) { split(substr(v[k], 2), a, " "); m = (n[k] % 2) ? a[(n[k] + 1) / 2] : (a[n[k] / 2] + a[n[k] / 2 + 1]) / 2; printf "  %-14s %10.1f   (%s)\n", k, m, substr(v[k], 2) } }' | sort
fi

# CPU time (user + system) of the client process per transaction over the measured window: less sensitive than the rate
# to other load on the machine, so it is the figure to judge a change by on a shared machine.
printf '\nmedian client CPU us per transaction over %d round(s):\n' "$rounds"
for line in "${results[@]}"; do
    label=${line%% *}
    cpu=$(grep -o 'cpu_s=[0-9.]*' <<<"$line" | cut -d= -f2)
    transactions=$(grep -o 'transactions=[0-9]*' <<<"$line" | cut -d= -f2)
    [[ -z $cpu ]] || awk -v l="$label" -v c="$cpu" -v n="$transactions" 'BEGIN { printf "%s %.2f\n", l, c * 1e6 / n }'
done | sort -k1,1 -k2,2n | awk '{ v[$1] = v[$1] " " $2; n[$1]++ }
    END { for (k in v) { split(substr(v[k], 2), a, " "); m = (n[k] % 2) ? a[(n[k] + 1) / 2] : (a[n[k] / 2] + a[n[k] / 2 + 1]) / 2; printf "  %-14s %10.1f   (%s)\n", k, m, substr(v[k], 2) } }' | sort
