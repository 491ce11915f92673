#!/usr/bin/env bash
# Walks a 10,000-row table (40,000 varbinds) served by our SnmpAgent in its own process, with net-snmp's snmpbulkwalk
# and with our SnmpManager (benchmarks "snmp-walk"), alternately, RUNS times per (version, max-repetitions), and
# prints median and min-max in milliseconds.
#   RUNS=5 WARM=10 ROWS=10000 PORT=17161 REPS="10 25 50" MODES="v2c v3" benchmarks/snmp-walk-compare.sh
# Columns:
#   net-snmp process   wall time of one snmpbulkwalk process (start, v3 discovery and key localization, walk, exit)
#   ours process       wall time of one "dotnet Benchmarks.dll snmp-walk" process (the same, plus .NET start and JIT)
#   ours walk 1        Stopwatch inside that process around its first walk (JIT warm-up and v3 discovery included)
#   net-snmp - start   snmpbulkwalk wall minus the median wall of a one-varbind snmpbulkwalk (process start, discovery)
#   ours warm          Stopwatch around walks 2..WARM+1 of one process (no start, no JIT, engine known): the steady state
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-5}
WARM=${WARM:-10}   # warm walks after the first one in the "ours warm" process
ROWS=${ROWS:-10000}
PORT=${PORT:-17161}
REPS=${REPS:-"10 25 50"}
MODES=${MODES:-"v2c v3"}
TABLE=1.3.6.1.2.1.2.2.1
SYSDESCR=1.3.6.1.2.1.1.1
HRSW=1.3.6.1.2.1.25.6.3.1
snmpd_pid=""
BENCH=benchmarks/Benchmarks/bin/Release/net10.0/Benchmarks.dll

command -v snmpbulkwalk >/dev/null || { echo "snmpbulkwalk missing: apt-get install snmp" >&2; exit 1; }
dotnet build -c Release benchmarks/Benchmarks/Benchmarks.csproj -nologo -v q >/dev/null

work=$(mktemp -d)
mkfifo "$work/agent-stdin"
dotnet "$BENCH" snmp-agent --port "$PORT" --rows "$ROWS" <"$work/agent-stdin" >"$work/agent.log" 2>&1 &
agent_pid=$!
exec 3>"$work/agent-stdin"   # the agent runs until this is closed
cleanup() {
  exec 3>&- || true
  wait "$agent_pid" 2>/dev/null || true
  if [ -n "$snmpd_pid" ]; then kill "$snmpd_pid" 2>/dev/null || true; wait "$snmpd_pid" 2>/dev/null || true; fi
  cat "$work/agent.log" >&2
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 100); do grep -q ready "$work/agent.log" && break; sleep 0.1; done
grep -q ready "$work/agent.log" && kill -0 "$agent_pid" 2>/dev/null || { echo "agent did not start" >&2; exit 1; }

now_ns() { date +%s%N; }
net_snmp_args() { # mode
  if [ "$1" = v3 ]; then echo "-v3 -u bench -l authPriv -a SHA-256 -A bench-auth-pass -x AES -X bench-priv-pass"
  else echo "-v2c -c public"; fi
}
ours_args() { if [ "$1" = v3 ]; then echo "--v3"; fi; }
stats() { # numbers on stdin -> "median (min-max)"
  sort -n | awk '{v[NR]=$1} END {m = NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%.0f (%.0f-%.0f)", m, v[1], v[NR]}'
}
median() { sort -n | awk '{v[NR]=$1} END {print NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

start_snmpd() { # port: net-snmp's snmpd with its own config in $work, for a table it fills itself
  mkdir -p "$work/snmpd"
  cat >"$work/snmpd/snmpd.conf" <<CONF
agentaddress udp:127.0.0.1:$1
rocommunity public 127.0.0.1
createUser bench SHA-256 bench-auth-pass AES bench-priv-pass
rouser bench authPriv
CONF
  /usr/sbin/snmpd -f -Lf "$work/snmpd/log" -C -c "$work/snmpd/snmpd.conf" -p "$work/snmpd/pid" --persistentDir="$work/snmpd" &
  snmpd_pid=$!
  for _ in $(seq 100); do snmpget -v2c -c public -t 0.2 -r 0 "127.0.0.1:$1" 1.3.6.1.2.1.1.1.0 >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "snmpd did not answer on port $1" >&2; return 1
}

# start_costs PORT: median wall of a one-varbind walk per tool and version, kept in start_ms[mode] for snmpbulkwalk
declare -A start_ms
start_costs() {
  local port=$1 mode
  for mode in $MODES; do
    : >"$work/start"; : >"$work/ours-start"
    for _ in $(seq "$RUNS"); do
      s=$(now_ns)
      # shellcheck disable=SC2046
      snmpbulkwalk $(net_snmp_args "$mode") -Cr25 -On -Oq "127.0.0.1:$port" "$SYSDESCR" >/dev/null
      e=$(now_ns); echo $(( (e - s) / 1000000 )) >>"$work/start"
      s=$(now_ns)
      # shellcheck disable=SC2046
      dotnet "$BENCH" snmp-walk --port "$port" --max-repetitions 25 --oid "$SYSDESCR" $(ours_args "$mode") >/dev/null
      e=$(now_ns); echo $(( (e - s) / 1000000 )) >>"$work/ours-start"
    done
    start_ms[$mode]=$(median <"$work/start")
    echo "# $mode one-varbind walk (process start cost): snmpbulkwalk $(stats <"$work/start") ms, ours $(stats <"$work/ours-start") ms"
  done
}

# compare PORT OID: the table, both tools alternately
compare() {
  local port=$1 oid=$2 mode reps expected=""
  printf "| %-7s | %4s | %8s | %-16s | %-16s | %-16s | %-16s | %-16s |\n" version reps varbinds "net-snmp process" "ours process" "ours walk 1" "net-snmp - start" "ours warm"
  printf "|---------|-----:|---------:|-----------------:|-----------------:|-----------------:|-----------------:|-----------------:|\n"
  for mode in $MODES; do
    for reps in $REPS; do
      : >"$work/net"; : >"$work/ours"; : >"$work/ours1"; : >"$work/netwalk"
      for _ in $(seq "$RUNS"); do
        s=$(now_ns)
        # shellcheck disable=SC2046
        count=$(snmpbulkwalk $(net_snmp_args "$mode") -Cr"$reps" -On -Oq "127.0.0.1:$port" "$oid" | grep -vc "No more variables")
        e=$(now_ns)
        expected=${expected:-$count}
        [ "$count" -eq "$expected" ] || { echo "snmpbulkwalk returned $count varbinds, earlier $expected" >&2; exit 1; }
        echo $(( (e - s) / 1000000 )) >>"$work/net"
        echo $(( (e - s) / 1000000 - ${start_ms[$mode]%.*} )) >>"$work/netwalk"

        s=$(now_ns)
        # shellcheck disable=SC2046
        line=$(dotnet "$BENCH" snmp-walk --port "$port" --max-repetitions "$reps" --oid "$oid" $(ours_args "$mode"))
        e=$(now_ns)
        case "$line" in *"varbinds=$expected "*) ;; *) echo "snmp-walk: $line (snmpbulkwalk: $expected)" >&2; exit 1 ;; esac
        echo $(( (e - s) / 1000000 )) >>"$work/ours"
        echo "${line##*ms=}" >>"$work/ours1"
      done
      # shellcheck disable=SC2046
      dotnet "$BENCH" snmp-walk --port "$port" --max-repetitions "$reps" --oid "$oid" --repeat $((WARM + 1)) $(ours_args "$mode") | tail -n +2 | sed 's/.*ms=//' >"$work/warm"
      printf "| %-7s | %4s | %8s | %16s | %16s | %16s | %16s | %16s |\n" "$mode" "$reps" "$expected" "$(stats <"$work/net")" "$(stats <"$work/ours")" \
        "$(stats <"$work/ours1")" "$(stats <"$work/netwalk")" "$(stats <"$work/warm")"
    done
  done
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ), $RUNS runs each, ms as median (min-max)"
echo "## our SnmpAgent (separate process), $ROWS rows x 4 columns, $TABLE"
start_costs "$PORT"
compare "$PORT" "$TABLE"

# snmpd cannot serve a 10,000-row table of our choosing without pass/pass_persist scripts or an AgentX subagent
# (both would time the helper, not snmpd), so it is measured on the biggest table it fills itself:
# hrSWInstalledTable, one row per installed Debian package.
if [ "${SNMPD:-1}" = 1 ] && [ -x /usr/sbin/snmpd ]; then
  start_snmpd $((PORT + 1))
  echo
  echo "## net-snmp snmpd $(/usr/sbin/snmpd -v | awk '/version/ {print $NF; exit}'), hrSWInstalledTable ($HRSW)"
  start_costs $((PORT + 1))
  compare $((PORT + 1)) "$HRSW"
fi
