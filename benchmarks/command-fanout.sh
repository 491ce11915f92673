#!/usr/bin/env bash
# Commands fanned out to many simulated gateways (issue 13): a fresh central (embedded broker, TLS only), certificates
# and command-signing.pub for GATEWAYS gateways from `central pki issue-gateway`, an operator token, and
# `citysim load --commands-only` playing the gateways (each verifies the signature and answers ACCEPTED then DONE, its
# results kept until central acks them). Then ROUNDS times: one `POST /api/v1/commands` with "gateways":[...all ids...]
# (a DALI broadcast level), polled with `GET /api/v1/commands/{id}` until every gateway's status is final.
#
#   benchmarks/command-fanout.sh                      # 1,000 gateways, 3 commands
#   GATEWAYS=200 ROUNDS=5 benchmarks/command-fanout.sh
#
# Environment: GATEWAYS (1000), ROUNDS (3), DIR (a new temporary directory), KEEP (0: delete DIR at the end), NO_BUILD (0),
# TLS_PORT (29883), HTTP_PORT (29080), PREFIX (fan-).
# Prints per command: gateways done, the time from the POST to the last gateway's `finishedAt` at central and to the
# poll that saw every gateway final, and commands per second (gateways / the first time); then the simulator's counts
# (commands received and answered, results published, acknowledged and still unacknowledged). Exit code 1 when any
# result is missing: a gateway not done at central, or a result central never acknowledged. Needs jq and curl.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
gateways=${GATEWAYS:-1000}
rounds=${ROUNDS:-3}
prefix=${PREFIX:-fan-}
tls_port=${TLS_PORT:-29883}
http_url=http://127.0.0.1:${HTTP_PORT:-29080}
dir=${DIR:-$(mktemp -d /tmp/command-fanout.XXXXXX)}
mkdir -p "$dir"

central_bin=$root/central/Central/bin/Release/net10.0/central
sim_bin=$root/simulators/CitySim/bin/Release/net10.0/citysim
central_pid=
sim_pid=

source "$root/benchmarks/lib.sh"

cleanup() {
    stop_pid "$sim_pid" 30
    stop_pid "$central_pid" 20
    remove_unless_kept "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_jq

build_unless_told central/Central simulators/CitySim

data=$dir/central
ids=()
for ((i = 0; i < gateways; i++)); do ids+=("$prefix$i"); done
echo "== PKI and token: $gateways gateway certificates and command-signing.pub in $dir/certs"
"$central_bin" pki init --Central:DataPath="$data" >/dev/null
"$central_bin" pki issue-gateway "${ids[@]}" --out "$dir/certs" --Central:DataPath="$data" >/dev/null
[[ -f $dir/certs/command-signing.pub ]] || { echo "issue-gateway wrote no command-signing.pub" >&2; exit 1; }
token=$("$central_bin" token create --name fanout-bench --role operator --json --Central:DataPath="$data" | jq -r .token)
auth=(-H "Authorization: Bearer $token")

echo "== central on 127.0.0.1:$tls_port (TLS), API $http_url"
"$central_bin" --Central:DataPath="$data" --Central:HttpUrl=$http_url --Central:Mqtt:Port=$tls_port \
    --Central:AdmitOnBirth=true --Central:AdmitRatePerMinute=100000 >"$dir/central.log" 2>&1 &
central_pid=$!
for _ in $(seq 1 150); do
    curl -sf "$http_url/healthz" >/dev/null 2>&1 && break
    kill -0 "$central_pid" 2>/dev/null || { echo "central exited:"; cat "$dir/central.log"; exit 1; }
    sleep 0.1
done
curl -sf "$http_url/healthz" >/dev/null || { echo "central not healthy after 15 s"; tail -n 30 "$dir/central.log"; exit 1; }

# Long enough for every round; the simulator leaves when --duration ends (then waits for outstanding result acks).
duration=$((60 + rounds * 60))
echo "== citysim load: $gateways gateways answering commands (up to $duration s)"
"$sim_bin" load --broker "127.0.0.1:$tls_port" --tls-dir "$dir/certs" --gateways "$gateways" --gateway-prefix "$prefix" \
    --commands-only --duration "$duration" --json >"$dir/report.json" 2>"$dir/citysim.log" &
sim_pid=$!

online=0
for _ in $(seq 1 1200); do
    online=$(curl -sf "${auth[@]}" "$http_url/api/v1/gateways" | jq --arg p "$prefix" '[.[] | select(.online and (.id | startswith($p)))] | length')
    [[ $online -ge $gateways ]] && break
    kill -0 "$sim_pid" 2>/dev/null || { echo "citysim exited:"; tail -n 20 "$dir/citysim.log"; exit 1; }
    sleep 0.1
done
[[ $online -ge $gateways ]] || { echo "only $online of $gateways gateways online after 120 s"; tail -n 20 "$dir/citysim.log"; exit 1; }
echo "   $online gateways online"

now_ms() { date +%s%3N; }
# ISO-8601 with milliseconds -> Unix ms
jq_ms='def ms: (.[0:19] + "Z" | fromdate) * 1000 + (.[20:23] | tonumber);'
gateways_json=$(printf '%s\n' "${ids[@]}" | jq -R . | jq -s -c .)
missing=0
for ((round = 1; round <= rounds; round++)); do
    level=$((100 + round))
    body=$(jq -n -c --argjson g "$gateways_json" --argjson v "$level" \
        '{gateways: $g, action: "dali", line: "lights-a", target: "broadcast", command: "level", value: $v, expiresInSeconds: 120}')
    posted=$(now_ms)
    answer=$(curl -sf "${auth[@]}" -H 'Content-Type: application/json' -X POST "$http_url/api/v1/commands" -d "$body") \
        || { echo "POST /api/v1/commands failed"; tail -n 20 "$dir/central.log"; exit 1; }
    answered=$(now_ms)
    id=$(jq -r .id <<<"$answer")
    final=0
    for _ in $(seq 1 1200); do
        view=$(curl -sf "${auth[@]}" "$http_url/api/v1/commands/$id")
        final=$(jq '.counts | .done + .failed + .rejected + .expired' <<<"$view")
        [[ $final -ge $gateways ]] && break
        sleep 0.05
    done
    seen=$(now_ms)
    done_count=$(jq '.counts.done' <<<"$view")
    to_last=$(jq -r "$jq_ms"' (.issuedAt | ms) as $t | ([.gateways[].finishedAt | select(. != null) | ms] | max // $t) - $t' <<<"$view")
    printf 'command %d %s: %d of %d done (%s), POST answered in %d ms, last finishedAt %s ms after issuedAt, all final seen after %d ms: %.0f commands/s\n' \
        "$round" "$id" "$done_count" "$gateways" "$(jq -c .counts <<<"$view")" $((answered - posted)) "$to_last" $((seen - posted)) \
        "$(awk -v n="$gateways" -v ms="$to_last" 'BEGIN { print (ms > 0 ? n * 1000 / ms : 0) }')"
    [[ $done_count -eq $gateways ]] || missing=$((missing + gateways - done_count))
done

echo "== stopping citysim (the last acks have a second to arrive), its report"
sleep 1
stop_pid "$sim_pid" 30
sim_pid=
jq -e .commands "$dir/report.json" >/dev/null 2>&1 || { echo "citysim load gave no report:"; tail -n 20 "$dir/citysim.log"; exit 1; }
jq -r '.commands | "citysim: received \(.received), answered \(.answered) (done \(.done), rejected \(.rejected)), duplicates \(.duplicates), results published \(.resultsPublished) (resent \(.resultsResent)), acked \(.resultsAcked), unacknowledged \(.resultsUnacked)"' "$dir/report.json"
expected=$((gateways * rounds))
jq -e --argjson n "$expected" '.commands | .received == $n and .done == $n and .resultsUnacked == 0 and .resultsAcked == 2 * $n' "$dir/report.json" >/dev/null \
    || { echo "not every result is accounted for (expected $expected commands done and $((2 * expected)) results acked)"; missing=$((missing + 1)); }
curl -sf "${auth[@]}" "$http_url/api/v1/stats" | jq -c '.commands // empty'
if [[ $missing -ne 0 ]]; then
    echo "MISSING results: $missing"
    exit 1
fi
echo "every result accounted for: $expected gateway commands done at central, $((2 * expected)) results acknowledged"
