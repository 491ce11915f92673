#!/usr/bin/env bash
# A one-shot walk of a small table as a technician runs it: `edgectl snmp walk` as shipped (NativeAOT, from
# `dotnet publish edge/EdgeCtl -c Release -r linux-x64`) against net-snmp's snmpbulkwalk, same agent, same table, same
# max-repetitions, side by side under hyperfine (each a new process: start, walk, print, exit).
#   benchmarks/snmp-walk-coldstart.sh
#   EDGECTL=path/to/edgectl RUNS=30 OID=1.3.6.1.2.1.2.2 benchmarks/snmp-walk-coldstart.sh
# The agent is net-snmp's snmpd on a free loopback port with its own configuration; the table is ifTable (one row per
# network interface of this machine: a few rows x 22 columns). Also timed: the JIT build (dotnet edgectl.dll) and the
# trimmed single file (the linux-arm64 form, built here for linux-x64) when SINGLE_FILE=1.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=lib.sh
source "$root/benchmarks/lib.sh"
RUNS=${RUNS:-30}
OID=${OID:-1.3.6.1.2.1.2.2}
REPS=${REPS:-25}
command -v snmpbulkwalk >/dev/null && [[ -x /usr/sbin/snmpd ]] || { echo "net-snmp is needed: apt-get install -y snmp snmpd" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "hyperfine is needed: apt-get install -y hyperfine" >&2; exit 1; }

work=$(mktemp -d /tmp/snmp-coldstart.XXXXXX)
snmpd_pid=""
cleanup() { stop_pid "$snmpd_pid" 5; remove_unless_kept "$work"; }
trap cleanup EXIT

edgectl=${EDGECTL:-}
if [[ -z $edgectl ]]; then
    echo "== publish edgectl (linux-x64, NativeAOT: the shipped form)"
    dotnet publish "$root/edge/EdgeCtl" -c Release -r linux-x64 -o "$work/aot" -v quiet -nologo | tail -n 3
    edgectl="$work/aot/edgectl"
fi
jit_dll="$root/edge/EdgeCtl/bin/Release/net10.0/edgectl.dll"
[[ ${NO_BUILD:-0} == 1 ]] || dotnet build "$root/edge/EdgeCtl" -c Release -v quiet -nologo | tail -n 3
single=""
if [[ ${SINGLE_FILE:-0} == 1 ]]; then
    dotnet publish "$root/edge/EdgeCtl" -c Release -r linux-x64 -p:PublishAot=false -p:PublishSingleFile=true -o "$work/single" -v quiet -nologo | tail -n 3
    single="$work/single/edgectl"
fi

port=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/snmpd"
cat >"$work/snmpd/snmpd.conf" <<CONF
agentaddress udp:127.0.0.1:$port
rocommunity public 127.0.0.1
CONF
/usr/sbin/snmpd -f -Lf "$work/snmpd/log" -C -c "$work/snmpd/snmpd.conf" -p "$work/snmpd/pid" --persistentDir="$work/snmpd" &
snmpd_pid=$!
for _ in $(seq 100); do snmpget -v2c -c public -t 0.2 -r 0 "127.0.0.1:$port" 1.3.6.1.2.1.1.1.0 >/dev/null 2>&1 && break; sleep 0.1; done

net_cmd="snmpbulkwalk -v2c -c public -Cr$REPS -On 127.0.0.1:$port $OID"
ours_cmd="$edgectl snmp walk -v2c -c public -Cr $REPS 127.0.0.1:$port $OID"
net_rows=$($net_cmd | grep -vc "No more variables")
ours_rows=$($ours_cmd | wc -l)
echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $OID: snmpbulkwalk $net_rows varbinds, edgectl $ours_rows lines"
[[ $net_rows -eq $ours_rows ]] || { echo "the two tools disagree on the table" >&2; exit 1; }
echo "# edgectl: $edgectl ($(stat -c %s "$edgectl") bytes)"
commands=(-n snmpbulkwalk "$net_cmd" -n "edgectl (NativeAOT)" "$ours_cmd" -n "dotnet edgectl.dll (JIT)" "dotnet $jit_dll snmp walk -v2c -c public -Cr $REPS 127.0.0.1:$port $OID")
[[ -n $single ]] && commands+=(-n "edgectl (trimmed single file)" "$single snmp walk -v2c -c public -Cr $REPS 127.0.0.1:$port $OID")
hyperfine -N --warmup 3 --runs "$RUNS" --export-markdown "$work/result.md" "${commands[@]}" >"$work/hyperfine.log"
cat "$work/result.md"
