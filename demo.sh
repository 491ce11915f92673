#!/usr/bin/env bash
# The demo: central (embedded MQTT broker and store), the hardware simulator (a cabinet's Modbus TCP
# devices: energy meter, traffic controller, three-phase meter; an NTCIP traffic controller on SNMP; a DALI
# line of street lamps behind a LUBA interface on a socat pseudo-terminal; and a second energy meter) and two
# edge gateways polling them. Secure as deployed: central's PKI issues each gateway a certificate, MQTT runs over TLS only
# with client certificates (port 8883), and the HTTP API answers only with a bearer token (a viewer's and an operator's
# are written to .run/demo/tokens.env). Ctrl-C or SIGTERM stops everything cleanly.
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
run="$root/.run/demo"
http_url="${DEMO_HTTP_URL:-http://127.0.0.1:8080}"
mqtt_port="${DEMO_MQTT_PORT:-8883}"
meter_port="${DEMO_METER_PORT:-5020}"
snmp_port="${DEMO_SNMP_PORT:-16161}"
trap_port="${DEMO_TRAP_PORT:-16162}"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "demo: the .NET SDK (dotnet) is needed" >&2
  exit 1
fi

# Every TCP port first, before the build: the hint names the variable that moves it.
http_port=${http_url##*:}
http_port=${http_port%%/*}
taken=0
check_port() {
  local port=$1 hint=$2
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "demo: port $port on 127.0.0.1 is already taken; stop what listens there or $hint" >&2
    taken=1
  fi
}
check_port "$http_port" "set DEMO_HTTP_URL (e.g. DEMO_HTTP_URL=http://127.0.0.1:8090)"
check_port "$mqtt_port" "set DEMO_MQTT_PORT (a system mosquitto with TLS? 'systemctl stop mosquitto')"
check_port "$meter_port" "set DEMO_METER_PORT (the simulators use it and the next port)"
check_port $((meter_port + 1)) "set DEMO_METER_PORT (the simulators use it and the port before)"
# UDP ports cannot be probed by connecting; ss (iproute2) lists the bound ones when it is there.
check_udp_port() {
  local port=$1 hint=$2
  if command -v ss >/dev/null 2>&1 && [[ -n $(ss -Hlun "sport = :$port" 2>/dev/null) ]]; then
    echo "demo: udp port $port is already taken; stop what listens there or $hint" >&2
    taken=1
  fi
}
check_udp_port "$snmp_port" "set DEMO_SNMP_PORT"
check_udp_port "$trap_port" "set DEMO_TRAP_PORT"
((taken == 0)) || exit 1

# curl to wait for central, and the tools of the commands printed at the end: the same install step as ./test.sh.
.ci/install-peers.sh curl socat mbpoll snmp mosquitto-clients || echo "demo: continuing without them (what needs them is left out or will not work)" >&2

echo "== building (Release)"
dotnet build Edge.sln -c Release -nologo -v q >"$root/.run-build.log" 2>&1 || {
  grep -E "error" "$root/.run-build.log" | sort -u | head -n 30 >&2
  echo "demo: the build failed (full log: .run-build.log)" >&2
  exit 1
}
rm -f "$root/.run-build.log"
bin() { echo "$root/$1/bin/Release/net10.0/$2"; }
central_bin=$(bin central/Central central)
edge_bin=$(bin edge/Edge edge)
sim_bin=$(bin simulators/CitySim citysim)
edgectl_bin=$(bin edge/EdgeCtl edgectl)

rm -rf "$run"
mkdir -p "$run/logs"
pids=()
stop() {
  local rc=${1:-0}
  trap - INT TERM EXIT
  echo
  echo "== stopping"
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  wait 2>/dev/null || true
  echo "stopped; logs are in .run/demo/logs"
  exit "$rc"
}
trap 'stop 0' INT TERM
trap 'stop $?' EXIT

# Central's PKI (CA, server and central's own certificates under .run/demo/central/pki), one certificate per gateway
# in .run/demo/pki, and two API tokens. central prints each token once; only their hashes stay in tokens.json.
central_data=(--Central:DataPath="$run/central")
central_cli() {
  "$central_bin" "$@" "${central_data[@]}" 2>>"$run/logs/central-cli.log" || {
    echo "demo: 'central $*' failed; see .run/demo/logs/central-cli.log" >&2
    tail -n 5 "$run/logs/central-cli.log" >&2
    return 1
  }
}
echo "== PKI and tokens"
central_cli pki init >>"$run/logs/central-cli.log"
central_cli pki issue-gateway gw-001 gw-002 --out "$run/pki" >>"$run/logs/central-cli.log"
token_of() { sed -n 's/.*"token" *: *"\([^"]*\)".*/\1/p'; }
viewer_token=$(central_cli token create --name demo-viewer --role viewer --json | token_of)
operator_token=$(central_cli token create --name demo-operator --role operator --json | token_of)
[[ -n $viewer_token && -n $operator_token ]] || { echo "demo: no token in the output of 'central token create'" >&2; exit 1; }
(umask 077 && printf 'VIEWER_TOKEN=%s\nOPERATOR_TOKEN=%s\n' "$viewer_token" "$operator_token" >"$run/tokens.env")

"$central_bin" "${central_data[@]}" --Central:HttpUrl="$http_url" \
  --Central:Mqtt:Port="$mqtt_port" --Central:AdmitOnBirth=true >"$run/logs/central.log" 2>&1 &
pids+=($!)
"$sim_bin" modbus --port "$meter_port" >"$run/logs/citysim-modbus.log" 2>&1 &
pids+=($!)
"$sim_bin" meter --port $((meter_port + 1)) >"$run/logs/citysim-meter.log" 2>&1 &
pids+=($!)

# One street-lighting line: 4 LED drivers with D4i energy, one failed lamp, DALI wire timing.
dali=false
if command -v socat >/dev/null 2>&1; then
  socat -d pty,raw,echo=0,link="$run/dali-sim" pty,raw,echo=0,link="$run/dali-host" 2>"$run/logs/socat-dali.log" &
  pids+=($!)
  for _ in $(seq 50); do [[ -e "$run/dali-sim" && -e "$run/dali-host" ]] && break; sleep 0.1; done
  "$sim_bin" dali --serial "$run/dali-sim" --gear 4 --failed 1 --wire-timing >"$run/logs/citysim-dali.log" 2>&1 &
  pids+=($!)
  # gw-002's line in the north of Dijon: 4 lamps; its lamp A2 fails for a minute every two minutes (the operator page
  # shows it on the map and in the alarm list as it happens).
  socat -d pty,raw,echo=0,link="$run/dali2-sim" pty,raw,echo=0,link="$run/dali2-host" 2>"$run/logs/socat-dali2.log" &
  pids+=($!)
  for _ in $(seq 50); do [[ -e "$run/dali2-sim" && -e "$run/dali2-host" ]] && break; sleep 0.1; done
  mkfifo "$run/dali2-control"
  "$sim_bin" dali --serial "$run/dali2-sim" --gear 4 --wire-timing --control <"$run/dali2-control" >"$run/logs/citysim-dali2.log" 2>&1 &
  pids+=($!)
  (while sleep 60; do echo "lamp fail 2"; sleep 60; echo "lamp ok 2"; done) >"$run/dali2-control" &
  pids+=($!)
  dali=true
else
  echo "demo: socat is not installed (apt-get install socat): the DALI line is left out"
fi
"$sim_bin" snmp --port "$snmp_port" --trap-to "127.0.0.1:$trap_port" --alarm-every 45 >"$run/logs/citysim-snmp.log" 2>&1 &
pids+=($!)

# Wait for the HTTP API (curl, or a bare connection without it), and stop waiting as soon as central has exited.
central_up() {
  if command -v curl >/dev/null 2>&1; then
    curl -fs "$http_url/healthz" >/dev/null 2>&1
  else
    (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null
  fi
}
for _ in $(seq 150); do
  central_up && break
  kill -0 "${pids[0]}" 2>/dev/null || break
  sleep 0.2
done
central_up || { echo "demo: central did not come up; see .run/demo/logs/central.log" >&2; tail -n 20 "$run/logs/central.log" >&2; exit 1; }

# appsettings.json holds meter1 (unit 1) and, disabled, tc1 (unit 2, traffic-controller profile), meter3 (unit 3, sdm630),
# tc-snmp (ntcip1202 profile) and the DALI line lights-a (gear 0-3).
start_edge() {
  local id=$1 port=$2 socket=$3 cabinet=$4
  local extra=()
  if [[ $cabinet == true ]]; then
    extra=(--Edge:Devices:3:Enabled=true --Edge:Devices:3:Port="$snmp_port" --Edge:Snmp:TrapListen="127.0.0.1:$trap_port"
      --Edge:DaliLines:0:Enabled="$dali" --Edge:DaliLines:0:Port="$run/dali-host" --Edge:DaliLines:0:EnergyPeriodMs=30000
      --Edge:Site:Town=Dijon --Edge:Site:District=Centre --Edge:Site:Latitude=47.32 --Edge:Site:Longitude=5.04
      --Edge:Site:TimeZone=Europe/Paris)
  else
    # A cabinet of its own in the north of Dijon (the map places it there) with its own line of 4 lamps along a street.
    extra=(--Edge:DaliLines:0:Enabled="$dali" --Edge:DaliLines:0:Port="$run/dali2-host" --Edge:DaliLines:0:EnergyPeriodMs=30000
      --Edge:Site:District=Nord --Edge:Site:Latitude=47.3340 --Edge:Site:Longitude=5.0370)
    for gear in 0 1 2 3; do
      extra+=(--Edge:DaliLines:0:Gear:$gear:Latitude="47.334$((3 + gear))" --Edge:DaliLines:0:Gear:$gear:Longitude="5.037$((2 + 2 * gear))"
        --Edge:DaliLines:0:Gear:$gear:PoleId="DJ-N-00$((gear + 1))")
    done
  fi
  "$edge_bin" --Edge:GatewayId="$id" --Edge:Central:Port="$mqtt_port" \
    --Edge:Central:Tls:CaFile="$run/pki/ca.crt" --Edge:Central:Tls:CertFile="$run/pki/$id.crt" --Edge:Central:Tls:KeyFile="$run/pki/$id.key" \
    --Edge:Buffer:Path="$run/$id/buffer.db" --Edge:LocalApi:SocketPath="$socket" \
    --Edge:Devices:0:Port="$port" --Edge:Devices:1:Port="$port" --Edge:Devices:2:Port="$port" \
    --Edge:Devices:1:Enabled="$cabinet" --Edge:Devices:2:Enabled="$cabinet" "${extra[@]}" >"$run/logs/$id.log" 2>&1 &
  pids+=($!)
}
start_edge gw-001 "$meter_port" /tmp/city-edge/edgectl.sock true
start_edge gw-002 $((meter_port + 1)) "$run/gw-002/edgectl.sock" false

# The demo's own API calls carry the viewer's token: wait until both gateways' readings have arrived over TLS.
api() { curl -fs -H "Authorization: Bearer $viewer_token" "$http_url$1"; }
if command -v curl >/dev/null 2>&1; then
  echo "== waiting for the gateways' first readings (over MQTT with TLS)"
  for gw in gw-001 gw-002; do
    for _ in $(seq 120); do
      [[ $(api "/api/v1/points/latest?gateway=$gw" 2>/dev/null) == *'"value"'* ]] && break
      kill -0 "${pids[0]}" 2>/dev/null || break
      sleep 0.5
    done
    if [[ $(api "/api/v1/points/latest?gateway=$gw" 2>/dev/null) == *'"value"'* ]]; then
      echo "   $gw: readings stored at central"
    else
      echo "demo: no reading of $gw at central after 60 s; see .run/demo/logs/$gw.log and central.log" >&2
    fi
  done
  # Dijon's street lighting (docs/lighting.md): on at dusk, 50 % from 23:00 to 05:00, off at dawn, full power on 14 July,
  # put by the operator and pushed by central to gw-001's line; the edge confirms the version it runs.
  echo "== lighting: Dijon's calendar on gw-001's line lights-a"
  put() {
    local answer
    answer=$(curl -s -o /dev/stderr -w '%{http_code}' -H "Authorization: Bearer $operator_token" -H 'Content-Type: application/json' \
      -X PUT "$http_url/api/v1/lighting$1" -d "$2" 2>>"$run/logs/lighting-api.log")
    [[ $answer == 2* ]] || echo "demo: PUT /api/v1/lighting$1 answered $answer; see .run/demo/logs/lighting-api.log" >&2
  }
  step() { printf '{"startTime":"%s","command":{"state":{"name":"LevelState","value":%s}}}' "$1" "$2"; }
  astro='"activePeriods":[{"name":"AstroClockActivePeriod","sunsetOffset":0,"sunriseOffset":0}]'
  put /control-programs/night-dim "{\"type\":\"ControlProgramOne\",\"id\":\"night-dim\",\"ownerCMS\":\"city\",$astro,\"fixedTimeControls\":[$(step 12:00:00 100),$(step 23:00:00 50),$(step 05:00:00 100)]}"
  put /control-programs/full-night "{\"type\":\"ControlProgramOne\",\"id\":\"full-night\",\"ownerCMS\":\"city\",$astro,\"fixedTimeControls\":[$(step 12:00:00 100)]}"
  put /calendars/dijon '{"id":"dijon","ownerCMS":"city","rules":[{"startDate":"--07-14","endDate":"--07-14","program":"full-night"},{"program":"night-dim"}]}'
  put /assignments/gw-001 '{"dayOffset":12,"groups":[{"line":"lights-a","group":null,"calendar":"dijon"}]}'
  put /assignments/gw-002 '{"dayOffset":12,"groups":[{"line":"lights-a","group":null,"calendar":"dijon"}]}'
  lighting_state=none
  for _ in $(seq 60); do
    lighting_state=$(api /api/v1/lighting/status 2>/dev/null | sed -n 's/.*"gateway":"gw-001"[^}]*"state":"\([a-z]*\)".*/\1/p')
    [[ $lighting_state == applied || $lighting_state == rejected ]] && break
    sleep 0.5
  done
  echo "   gw-001's lighting set: ${lighting_state:-none} (GET /api/v1/lighting/status)"
  echo "   the API without a token answers $(curl -s -o /dev/null -w '%{http_code}' "$http_url/api/v1/gateways"), with the viewer's token $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $viewer_token" "$http_url/api/v1/gateways")"
fi

cat <<INFO

The demo is running: central + embedded MQTT broker (TLS only, client certificates), 2 edge gateways, simulated devices:
gw-001 polls a cabinet: energy meter, traffic controller, three-phase meter (Modbus TCP :$meter_port), an NTCIP
traffic controller (SNMP udp :$snmp_port, an alarm raised and cleared every 45 s, trapped to the edge) and, with socat,
a DALI line of 4 street lamps (one failed) in Dijon (47.32 N, 5.04 E), lit by the town's astronomical program
(on at dusk, 50 % from 23:00 to 05:00, off at dawn; docs/lighting.md). gw-002, in the north of Dijon, polls a meter on
:$((meter_port + 1)) and, with socat, a DALI line of 4 more lamps on the same program (lamp A2 fails for a minute every
two minutes).

  Operator page   $http_url/   sign in with the operator's token (commands, acknowledgements) or the viewer's:
                  OPERATOR_TOKEN=$operator_token
                  VIEWER_TOKEN=$viewer_token
                  (the map of Dijon's two cabinets and 8 lamps, alarms, a cabinet's panel on click, energy, live)

  Commands below: from the repository's root, after  source .run/demo/tokens.env  (VIEWER_TOKEN, OPERATOR_TOKEN)
  HTTP API        $http_url   (every /api/v1 call needs a token: 401 without, 403 with a role too low; /healthz is open)
    $http_url/docs   (the API's page, from its OpenAPI document $http_url/openapi/v1.json; open, like /metrics)
    curl -s -N -H "Authorization: Bearer \$VIEWER_TOKEN" '$http_url/api/v1/stream?gateway=gw-001'   (live: values, events, commands)
    curl -s -H "Authorization: Bearer \$VIEWER_TOKEN" '$http_url/api/v1/points/aggregate?gateway=gw-001&point=meter1/power&interval=1m&fn=avg,max'
    curl -s $http_url/metrics   (Prometheus)
    curl -s -H "Authorization: Bearer \$VIEWER_TOKEN" $http_url/api/v1/gateways
    curl -s -H "Authorization: Bearer \$VIEWER_TOKEN" $http_url/api/v1/stats
    curl -s -H "Authorization: Bearer \$VIEWER_TOKEN" '$http_url/api/v1/points/latest?gateway=gw-001'
    curl -s -H "Authorization: Bearer \$VIEWER_TOKEN" '$http_url/api/v1/points/history?gateway=gw-001&point=meter1/power'
    curl -s -H "Authorization: Bearer \$VIEWER_TOKEN" '$http_url/api/v1/events'   (lamp failures, alarms and traps)
    curl -s -H "Authorization: Bearer \$OPERATOR_TOKEN" -H 'Content-Type: application/json' -X POST $http_url/api/v1/commands \\
      -d '{"gateway":"gw-001","action":"dali","line":"lights-a","target":"broadcast","command":"level","value":128}'
                  (a signed command: dims gw-001's lamps; then GET $http_url/api/v1/commands/ID until "done")
    curl -s -H "Authorization: Bearer \$VIEWER_TOKEN" $http_url/api/v1/lighting/status     (applied, pending or rejected)
    curl -s -H "Authorization: Bearer \$VIEWER_TOKEN" $http_url/api/v1/lighting/calendars/dijon
    curl -s -H "Authorization: Bearer \$VIEWER_TOKEN" "$http_url/api/v1/energy?by=town&town=Dijon&interval=hour&from=\$(date -u +%Y-%m-%dT00:00:00Z)&to=\$(date -u -d tomorrow +%Y-%m-%dT00:00:00Z)"
  MQTT broker     127.0.0.1:$mqtt_port, TLS: the CA and each gateway's certificate and key are in .run/demo/pki
    (a client id is its certificate's CN, or CN:suffix; a gateway reaches only its own topics)
    mosquitto_sub -h 127.0.0.1 -p $mqtt_port --cafile .run/demo/pki/ca.crt --cert .run/demo/pki/gw-001.crt --key .run/demo/pki/gw-001.key \\
      -i gw-001:tool -t city/v1/gw-001/ack -F '%t %l bytes'              (central's acks to gw-001)
    mosquitto_pub -h 127.0.0.1 -p $mqtt_port --cafile .run/demo/pki/ca.crt --cert .run/demo/pki/gw-002.crt --key .run/demo/pki/gw-002.key \\
      -i gw-002:tool -V mqttv5 -q 1 -t city/v1/gw-002/data -m garbage            (rejected as malformed, counted in /api/v1/stats)
    ... the same with -t city/v1/gw-001/data: refused, gw-002 may not publish as gw-001
  Modbus devices  127.0.0.1:$meter_port units 1-3 (see simulators/CitySim/README.md), :$((meter_port + 1)) unit 1
    mbpoll -m tcp -a 2 -t 3 -r 1 -c 14 -1 -p $meter_port 127.0.0.1
  Technician CLI  $edgectl_bin status            (gw-001, default socket)
                  $edgectl_bin lighting          (today's sunrise and sunset in Dijon, the program's steps, the next change)
                  $edgectl_bin lighting --json --date 2026-07-14
                  $edgectl_bin points
                  $edgectl_bin metrics         (polls and errors per device, buffer, link to central)
                  $edgectl_bin plan meter3
                  $edgectl_bin write tc1/requested-mode 1      (flash; 3 = back to actuated)
                  $edgectl_bin modbus read tcp://127.0.0.1:$meter_port --unit 3 --table input --address 0 --count 3 --type float32
                  $edgectl_bin status --json --socket $run/gw-002/edgectl.sock
                  $edgectl_bin dali scan lights-a
                  $edgectl_bin dali set lights-a broadcast 128
                  $edgectl_bin snmp walk -v2c -c public 127.0.0.1:$snmp_port 1.3.6.1.4.1.1206.4.2.1
                  snmpset -v2c -c private 127.0.0.1:$snmp_port 1.3.6.1.4.1.1206.4.2.1.3.9.0 i 128   (raise an alarm)
  Logs            .run/demo/logs/

Press Ctrl-C to stop.
INFO

while true; do
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "demo: a process ($pid) exited; see .run/demo/logs" >&2
      exit 1
    fi
  done
  sleep 1
done
