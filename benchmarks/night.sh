#!/usr/bin/env bash
# A night of street lighting on a fast clock (issue 14): a fresh central (TLS broker, operator token) is given Dijon's
# calendar (on at dusk, 50 % from 23:00 to 05:00, off at dawn; full power on 14 July) and assigns it to one gateway; a
# `citysim dali` line of GEAR LED drivers (power model RATED W, driver efficiency curve EFFICIENCY, STANDBY W) runs its
# gear clock SPEED times faster, and the edge runs its lighting and DALI line on a clock just as fast (Edge:Clock), from
# FROM to TO of the night NIGHT. Then prints central's energy report per hour (GET /api/v1/energy?by=gateway&interval=hour)
# against the energy the edge's own plan implies (the steps of `edgectl lighting --json --date NIGHT` with the same power
# model, standby included), the totals, and the savings against full power and against LEGACY W lamps.
#
#   benchmarks/night.sh                                   # 64 lamps, the latest 15 January that is over, 240x (about 7 minutes)
#   NIGHT=2026-06-21 FROM=2026-06-21T19:00:00Z TO=2026-06-22T05:00:00Z benchmarks/night.sh
#
# Environment: GEAR (64), SPEED (240), NIGHT (yyyy-mm-dd; default the latest 15 January that is over), FROM and TO (ISO
# instants; default NIGHT 14:00Z to NIGHT+1 10:00Z, a Central European winter night with two hours
# of daylight on each side), RATED (100), STANDBY
# (0.5), EFFICIENCY (0.1:0.70,0.5:0.88,1:0.92), LEGACY (150), DIR (a new temporary directory), KEEP (0: delete DIR at the
# end), NO_BUILD (0), LEAD (45). Loopback only: central on 127.0.0.1:29983 (MQTT) and 127.0.0.1:29180 (HTTP).
# The DALI bus is not scaled: a D4i energy read costs about 20 transactions, so a pass over 64 lamps takes some 25 s of
# real time, SPEED x 25 s of the night. Central spreads a counter's increase between two readings over the hours in
# between, so the totals are exact only when every lamp has readings in the daylight before FROM and after TO: SPEED
# must keep a pass shorter than those margins (240x: 1.7 simulated hours), and the edge starts LEAD (45) real seconds
# before FROM (time to apply the set and read every lamp once at its program's level).
# Exit code 1 when the measured total is more than 1 % off the implied one. Needs jq, curl, socat and python3.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
gear=${GEAR:-64}
speed=${SPEED:-240}
this_year=$(date -u +%Y)
if [[ $(date -u +%m%d) > 0116 ]]; then default_night=$this_year-01-15; else default_night=$((this_year - 1))-01-15; fi
night=${NIGHT:-$default_night}
next_day=$(date -u -d "$night + 1 day" +%Y-%m-%d)
from=${FROM:-${night}T14:00:00Z}
to=${TO:-${next_day}T10:00:00Z}
rated=${RATED:-100}
standby=${STANDBY:-0.5}
efficiency=${EFFICIENCY:-0.1:0.70,0.5:0.88,1:0.92}
legacy=${LEGACY:-150}
gateway=gw-night
line=lights
mqtt_port=29983
http_url=http://127.0.0.1:29180
dir=${DIR:-$(mktemp -d /tmp/night.XXXXXX)}
mkdir -p "$dir"

central_bin=$root/central/Central/bin/Release/net10.0/central
edge_bin=$root/edge/Edge/bin/Release/net10.0/edge
edgectl_bin=$root/edge/EdgeCtl/bin/Release/net10.0/edgectl
sim_bin=$root/simulators/CitySim/bin/Release/net10.0/citysim
central_pid=
edge_pid=
sim_pid=
socat_pid=

source "$root/benchmarks/lib.sh"

wait_for() { # wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s
    local tries=$(($1 * 10))
    shift
    for _ in $(seq 1 "$tries"); do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}

cleanup() {
    stop_pid "$edge_pid" 20
    stop_pid "$sim_pid" 10
    stop_pid "$socat_pid" 5
    stop_pid "$central_pid" 20
    remove_unless_kept "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for tool in jq curl socat python3; do
    command -v $tool >/dev/null || { echo "$tool is needed (apt-get install -y $tool)" >&2; exit 1; }
done

if [[ ${NO_BUILD:-0} != 1 ]]; then
    echo "== build (Release)"
    for project in central/Central edge/Edge edge/EdgeCtl simulators/CitySim; do
        dotnet build "$root/$project" -c Release -v quiet -nologo | tail -n 3
    done
fi

data=$dir/central
"$central_bin" pki init --Central:DataPath="$data" >/dev/null
"$central_bin" pki issue-gateway $gateway --out "$dir/certs" --Central:DataPath="$data" >/dev/null
token=$("$central_bin" token create --name night-bench --role operator --json --Central:DataPath="$data" | jq -r .token)
auth=(-H "Authorization: Bearer $token")

echo "== central on 127.0.0.1:$mqtt_port (TLS), API $http_url"
"$central_bin" --Central:DataPath="$data" --Central:HttpUrl=$http_url --Central:Mqtt:Port=$mqtt_port \
    --Central:AdmitOnBirth=true >"$dir/central.log" 2>&1 &
central_pid=$!
wait_for 30 curl -sf "$http_url/healthz" -o /dev/null || { echo "central not healthy after 30 s"; tail -n 30 "$dir/central.log"; exit 1; }

put() { # put PATH JSON
    curl -sf "${auth[@]}" -H 'Content-Type: application/json' -X PUT "$http_url$1" -d "$2" >/dev/null \
        || { echo "PUT $1 failed: $(curl -s "${auth[@]}" -H 'Content-Type: application/json' -X PUT "$http_url$1" -d "$2")" >&2; exit 1; }
}
level() { jq -n -c --arg t "$1" --argjson v "$2" '{startTime: $t, command: {state: {name: "LevelState", value: $v}}}'; }
astro='[{"name":"AstroClockActivePeriod","sunsetOffset":0,"sunriseOffset":0}]'
echo "== Dijon's calendar and programs, assigned to $gateway's line $line"
put /api/v1/lighting/control-programs/night-dim "$(jq -n -c --argjson a "$astro" --argjson c "[$(level 12:00:00 100),$(level 23:00:00 50),$(level 05:00:00 100)]" \
    '{type: "ControlProgramOne", id: "night-dim", ownerCMS: "city", activePeriods: $a, fixedTimeControls: $c}')"
put /api/v1/lighting/control-programs/full-night "$(jq -n -c --argjson a "$astro" --argjson c "[$(level 12:00:00 100)]" \
    '{type: "ControlProgramOne", id: "full-night", ownerCMS: "city", activePeriods: $a, fixedTimeControls: $c}')"
put /api/v1/lighting/calendars/dijon \
    '{"id":"dijon","ownerCMS":"city","rules":[{"startDate":"--07-14","endDate":"--07-14","program":"full-night"},{"program":"night-dim"}]}'
put /api/v1/lighting/assignments/$gateway "{\"dayOffset\":12,\"groups\":[{\"line\":\"$line\",\"group\":null,\"calendar\":\"dijon\"}]}"

echo "== citysim dali: $gear gear, $rated W, standby $standby W, efficiency $efficiency, gear clock x$speed"
socat -d -d "pty,raw,echo=0,link=$dir/dali-sim" "pty,raw,echo=0,link=$dir/dali-host" 2>"$dir/socat.log" &
socat_pid=$!
wait_for 10 test -e "$dir/dali-sim" -a -e "$dir/dali-host" || { echo "socat did not create the ptys" >&2; exit 1; }
"$sim_bin" dali --serial "$dir/dali-sim" --gear "$gear" --rated-watts "$rated" --standby-watts "$standby" \
    --driver-efficiency "$efficiency" --time-scale "$speed" >"$dir/citysim.log" 2>&1 &
sim_pid=$!

# The edge's clock reaches FROM LEAD real seconds after its start (time to connect and apply the set).
lead=${LEAD:-45}
real_start=$(date -u +%s.%N)
sim_start=$(python3 -c "
from datetime import datetime, timedelta, timezone
f = datetime.fromisoformat('$from'.replace('Z', '+00:00'))
print((f - timedelta(seconds=$lead * $speed)).strftime('%Y-%m-%dT%H:%M:%SZ'))")
real_start_iso=$(date -u -d "@$real_start" +%Y-%m-%dT%H:%M:%S.%3NZ)
full_watts=$(python3 -c "print(round($rated / float('$efficiency'.split(',')[-1].split(':')[-1]) + $standby, 1))")
jq -n --arg gw $gateway --arg line $line --arg port "$dir/dali-host" --argjson n "$gear" --argjson rated "$full_watts" --argjson legacy "$legacy" \
    --arg start "$sim_start" --arg real "$real_start_iso" --argjson speed "$speed" --arg dir "$dir" --argjson mqtt $mqtt_port '
{Edge: {
  GatewayId: $gw,
  Central: {Host: "127.0.0.1", Port: $mqtt, Tls: {CaFile: "\($dir)/certs/ca.crt", CertFile: "\($dir)/certs/\($gw).crt", KeyFile: "\($dir)/certs/\($gw).key"}},
  Buffer: {Path: "\($dir)/edge/buffer.db"},
  LocalApi: {SocketPath: "\($dir)/edge/edgectl.sock"},
  Devices: [],
  Site: {Town: "Dijon", District: "Centre", Latitude: 47.32, Longitude: 5.04, TimeZone: "Europe/Paris"},
  Clock: {SimulatedStart: $start, RealStart: $real, Speed: $speed},
  DaliLines: [{Name: $line, Port: $port, StatusPeriodMs: 900000, EnergyPeriodMs: 300000, DiscoveryPeriodMs: 86400000, DiagnosticsPeriodMs: 86400000,
    InterfaceTimeoutMs: 3000, AnswerWindowMs: 100,
    Gear: [range(0; $n) | {Address: ., Groups: [(. / 16 | floor)], Location: "pole-\(. + 1)", PoleId: "DJ-\(. + 1)",
      RatedPowerW: $rated, ReplacedPowerW: $legacy}]}]
}}' >"$dir/edge.json"
echo "== edge: clock $sim_start at $real_start_iso, x$speed; FROM $from comes $lead s later"
"$edge_bin" --config "$dir/edge.json" >"$dir/edge.log" 2>&1 &
edge_pid=$!

state=none
for _ in $(seq 1 300); do
    state=$(curl -sf "${auth[@]}" "$http_url/api/v1/lighting/status" | jq -r --arg g $gateway '(if type == "array" then . else .gateways end)[] | select(.gateway == $g) | .state' || true)
    [[ $state == applied || $state == rejected ]] && break
    kill -0 "$edge_pid" 2>/dev/null || { echo "the edge exited:"; tail -n 30 "$dir/edge.log"; exit 1; }
    sleep 0.1
done
applied_real=$(date -u +%s.%N)
echo "   lighting status: $state, $(awk -v a="$real_start" -v b="$applied_real" 'BEGIN { printf "%.1f", b - a }') s after the edge's start"
[[ $state == applied ]] || { echo "the set was not applied"; curl -s "${auth[@]}" "$http_url/api/v1/lighting/status"; exit 1; }
awk -v a="$real_start" -v b="$applied_real" -v l="$lead" 'BEGIN { exit !(b - a < l) }' \
    || echo "   WARNING: applied after FROM: the lamps burnt at their power-on level until then (measured > implied)"
"$edgectl_bin" lighting --date "$night" --socket "$dir/edge/edgectl.sock" || true
"$edgectl_bin" lighting --json --date "$night" --socket "$dir/edge/edgectl.sock" >"$dir/plan.json"

# Wait until the edge's clock is past TO, then until every lamp's energy counter has a reading after TO at central, and
# for the report to settle.
end_real=$(python3 -c "
from datetime import datetime, timezone
f = datetime.fromisoformat('$from'.replace('Z', '+00:00')); t = datetime.fromisoformat('$to'.replace('Z', '+00:00'))
print($real_start + $lead + (t - f).total_seconds() / $speed)")
echo "== the night runs: $(awk -v e="$end_real" -v n="$(date -u +%s.%N)" 'BEGIN { printf "%.0f", e - n }') s"
sleep "$(awk -v e="$end_real" -v n="$(date -u +%s.%N)" 'BEGIN { d = e - n; print (d > 0 ? d : 0) }')"
to_ms=$(($(date -u -d "$to" +%s) * 1000))
late=$gear
for _ in $(seq 1 120); do
    late=$(curl -sf "${auth[@]}" "$http_url/api/v1/points/latest?gateway=$gateway" | jq --argjson t "$to_ms" --argjson n "$gear" \
        '[.[] | select(.id != null and (.id | endswith(".energy")) and .timestamp != null
              and ((.timestamp[0:19] + "Z" | fromdate) * 1000 >= $t))] | $n - length' || echo "$gear")
    [[ $late -le 0 ]] && break
    sleep 1
done
echo "   every lamp's energy read after TO: $([[ $late -le 0 ]] && echo yes || echo "no, $late missing")"
report() { curl -sf "${auth[@]}" "$http_url/api/v1/energy?by=gateway&gateway=$gateway&from=$from&to=$to&interval=hour"; }
previous=
for _ in $(seq 1 60); do
    current=$(report || true)
    [[ -n $current && $current == "$previous" ]] && break
    previous=$current
    sleep 1
done
echo "$current" >"$dir/energy.json"
curl -sf "${auth[@]}" "$http_url/api/v1/energy?by=town&town=Dijon&from=$from&to=$to&interval=day" >"$dir/energy-town.json" || true

echo "== energy per hour (UTC), $gear lamps: central's report against the plan's implied energy"
GEAR=$gear RATED=$rated STANDBY=$standby EFFICIENCY=$efficiency LEGACY=$legacy FULL=$full_watts FROM=$from TO=$to \
python3 - "$dir/energy.json" "$dir/plan.json" <<'PY'
import json, math, os, sys
from datetime import datetime, timedelta, timezone

energy = json.load(open(sys.argv[1])); plan = json.load(open(sys.argv[2]))
gear = int(os.environ["GEAR"]); rated = float(os.environ["RATED"]); standby = float(os.environ["STANDBY"])
full = float(os.environ["FULL"]); legacy = float(os.environ["LEGACY"])
curve = [tuple(map(float, p.split(":"))) if ":" in p else (1.0, float(p)) for p in os.environ["EFFICIENCY"].split(",")]
t = lambda s: datetime.fromisoformat(s.replace("Z", "+00:00"))
start, end = t(os.environ["FROM"]), t(os.environ["TO"])

def efficiency(f):
    if f <= curve[0][0]: return curve[0][1]
    for (f0, e0), (f1, e1) in zip(curve, curve[1:]):
        if f <= f1: return e0 + (e1 - e0) * (f - f0) / (f1 - f0)
    return curve[-1][1]

def watts(arc):
    if arc == 0: return standby
    f = 10 ** ((arc - 1) / (253 / 3) - 1) / 100
    return f * rated / efficiency(f) + standby

steps = [(t(s["at"]), s["arcLevel"]) for s in plan["groups"][0]["steps"]]
def implied(a, b):  # Wh of one lamp from a to b, and its lit hours
    wh = lit = 0.0
    for i, (at, arc) in enumerate(steps):
        s = max(at, a); e = min(steps[i + 1][0] if i + 1 < len(steps) else b, b)
        if e > s:
            wh += watts(arc) * (e - s).total_seconds() / 3600
            lit += (e - s).total_seconds() / 3600 if arc > 0 else 0
    return wh, lit

print(f"{'hour (UTC)':17} {'measured kWh':>12} {'implied kWh':>12} {'full kWh':>9} {'legacy kWh':>10} {'lit h':>7}")
tm = ti = tf = tb = tl = 0.0
for b in energy["buckets"]:
    a, z = t(b["start"]).astimezone(timezone.utc), t(b["end"]).astimezone(timezone.utc)
    wh, lit = implied(a, z)
    m, i = b["measuredKwh"], gear * wh / 1000
    tm += m; ti += i; tf += b["fullPowerKwh"]; tb += b["baselineKwh"]; tl += b["litHours"]
    print(f"{a:%Y-%m-%d %H:%M}  {m:12.3f} {i:12.3f} {b['fullPowerKwh']:9.3f} {b['baselineKwh']:10.3f} {b['litHours']:7.2f}")
wh, lit = implied(start, end)
print(f"{'total':17} {tm:12.3f} {ti:12.3f} {tf:9.3f} {tb:10.3f} {tl:7.2f}")
print(f"implied over {start:%Y-%m-%d %H:%M}Z..{end:%H:%M}Z: {gear * wh / 1000:.3f} kWh, {gear * lit:.2f} lamp-hours lit; measured/implied {tm / (gear * wh / 1000) - 1:+.2%}")
print(f"savings: {1 - tm / tf:.1%} vs full power ({full} W per lamp when lit, {tf:.3f} kWh), "
      f"{1 - tm / tb:.1%} vs the {legacy:g} W legacy lamps ({tb:.3f} kWh)")
sys.exit(0 if abs(tm / (gear * wh / 1000) - 1) <= 0.01 else 1)
PY
