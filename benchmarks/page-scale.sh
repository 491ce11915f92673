#!/usr/bin/env bash
# The operator page at district scale (issue 16): a fresh central (embedded broker, TLS only), certificates for CABINETS
# gateways from `central pki issue-gateway`, an operator token, then `Benchmarks page-scale`: it plays the cabinets (a birth
# with the site and LAMPS lamps each, every lamp's level in a first batch, each acknowledged by central), opens the page in
# Debian's headless chromium (through chromedriver, as tests/Browser.Tests does), signs in and prints:
#   - GET /api/v1/map's time and size with the whole district;
#   - the time from the sign-in click to every cabinet and lamp element on the page (the first full map);
#   - the page's JS heap after a garbage collection (Chrome DevTools' Performance.getMetrics) and its DOM nodes;
#   - UPDATES lamp failures: from the batch's publish and from central's ack (sent after the commit) to the lamp's
#     data-state="failed" on the page and to its alarm row (MutationObservers in the page, same machine clock).
#
#   benchmarks/page-scale.sh                       # 1,000 cabinets x 34 lamps = 34,000 lamps, 5 updates
#   CABINETS=100 LAMPS=34 UPDATES=3 benchmarks/page-scale.sh
#
# Environment: CABINETS (1000), LAMPS (34), UPDATES (5), DIR (a new temporary directory), KEEP (0: delete DIR at the end),
# NO_BUILD (0), TLS_PORT (29983), HTTP_PORT (29180). Needs chromium, chromium-driver, jq and curl.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cabinets=${CABINETS:-1000}
lamps=${LAMPS:-34}
updates=${UPDATES:-5}
tls_port=${TLS_PORT:-29983}
http_url=http://127.0.0.1:${HTTP_PORT:-29180}
dir=${DIR:-$(mktemp -d /tmp/page-scale.XXXXXX)}
mkdir -p "$dir"

central_bin=$root/central/Central/bin/Release/net10.0/central
bench_dll=$root/benchmarks/Benchmarks/bin/Release/net10.0/Benchmarks.dll
central_pid=

source "$root/benchmarks/lib.sh"

cleanup() {
    stop_pid "$central_pid" 20
    remove_unless_kept "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_jq
for program in /usr/bin/chromium /usr/bin/chromedriver; do
    [[ -x $program ]] || { echo "$program is missing (apt-get install -y chromium chromium-driver)" >&2; exit 1; }
done

build_unless_told central/Central benchmarks/Benchmarks

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg), $(/usr/bin/chromium --version 2>/dev/null | head -n 1)"

data=$dir/central
ids=()
for ((i = 0; i < cabinets; i++)); do ids+=("$(printf 'dst-%04d' "$i")"); done
echo "== PKI and token: $cabinets gateway certificates in $dir/certs"
"$central_bin" pki init --Central:DataPath="$data" >/dev/null
"$central_bin" pki issue-gateway "${ids[@]}" --out "$dir/certs" --Central:DataPath="$data" >/dev/null
token=$("$central_bin" token create --name page-scale --role operator --json --Central:DataPath="$data" | jq -r .token)

echo "== central on 127.0.0.1:$tls_port (TLS), API and page $http_url"
"$central_bin" --Central:DataPath="$data" --Central:HttpUrl=$http_url --Central:Mqtt:Port=$tls_port \
    --Central:AdmitOnBirth=true --Central:AdmitRatePerMinute=100000 >"$dir/central.log" 2>&1 &
central_pid=$!
for _ in $(seq 1 300); do
    curl -sf "$http_url/healthz" >/dev/null 2>&1 && break
    kill -0 "$central_pid" 2>/dev/null || { echo "central exited:"; cat "$dir/central.log"; exit 1; }
    sleep 0.1
done
curl -sf "$http_url/healthz" >/dev/null || { echo "central not healthy after 30 s"; tail -n 30 "$dir/central.log"; exit 1; }

echo "== Benchmarks page-scale: $cabinets cabinets x $lamps lamps, $updates updates"
dotnet "$bench_dll" page-scale --url "$http_url" --token "$token" --broker "127.0.0.1:$tls_port" --tls-dir "$dir/certs" \
    --cabinets "$cabinets" --lamps "$lamps" --updates "$updates" \
    || { echo "page-scale failed; central's log:"; tail -n 30 "$dir/central.log"; exit 1; }
echo "central: $(cpu_seconds "$central_pid") CPU s, RSS $(awk '/VmRSS/ { printf "%.0f MiB", $2 / 1024 }' "/proc/$central_pid/status")"
