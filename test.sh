#!/usr/bin/env bash
# Runs every test of the project. Installs the peers the tests talk to when they are missing (mosquitto, mbpoll, socat, pymodbus,
# openssl and curl as verifiers of the PKI and https, tzdata for the lighting programs' time zones, prometheus for its promtool,
# which checks central's /metrics, python3-prometheus-client as the parser that reads the edge's /metrics, node and npm
# for the OpenAPI linter, postgresql for central's PostgreSQL store, python3-pyld as an outside JSON-LD processor of the open
# data catalogue, chromium and chromium-driver for the operator page's browser tests, systemd for systemd-analyze verify of
# the units, jq and e2fsprogs for the fault campaigns' scripts (benchmarks/power-cut.sh, central-disk-full.sh), builds once,
# starts one private PostgreSQL cluster for all test projects (CITY_TEST_PG), runs the test projects (three lanes: the end-to-end tests, the browser and edgectl tests, the rest), and ends with the line
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

# The peers the tests talk to; the tests start their own mosquitto and snmpd on free ports.
.ci/install-peers.sh mosquitto mosquitto-clients mbpoll socat python3-pymodbus snmp snmpd openssl curl tzdata prometheus python3-prometheus-client nodejs npm postgresql python3-pyld chromium chromium-driver systemd jq e2fsprogs || { echo "0 passed, 1 failed"; exit 1; }

echo "== building"
build_log=$(mktemp)
# One line per project as it is built (msbuild's "Project -> output" lines); the full log only on failure.
dotnet build Edge.sln -c Release -nologo -v m -clp:NoSummary 2>&1 | tee "$build_log" \
  | sed -u -n -E 's/^ +([A-Za-z0-9_.]+) -> .*/   \1/p'
if [ "${PIPESTATUS[0]}" -ne 0 ]; then
  grep -E "error" "$build_log" | sort -u | head -n 40
  echo "0 passed, 1 failed"
  exit 1
fi
rm -f "$build_log"

# One private PostgreSQL cluster for every test project (each test class makes a database of its own in it): initdb into
# a temporary directory as the `postgres` user (the server refuses to run as root), on a free loopback port, stopped on
# exit.
pg_dir=$(.ci/test-postgres.sh start) || { echo "0 passed, 1 failed"; exit 1; }
trap '.ci/test-postgres.sh stop "$pg_dir"' EXIT
CITY_TEST_PG=$(.ci/test-postgres.sh connection-string "$pg_dir")
export CITY_TEST_PG

# Redocly's CLI (pinned in tests/openapi-lint/package-lock.json) for ApiContractTests' lint of /openapi/v1.json.
if [ ! -f tests/openapi-lint/node_modules/@redocly/cli/bin/cli.js ]; then
  echo "== npm ci (tests/openapi-lint)"
  npm ci --prefix tests/openapi-lint --no-audit --no-fund --loglevel=error || { echo "0 passed, 1 failed"; exit 1; }
fi

passed=0
failed=0
log_dir=$(mktemp -d)

# Runs one test project into its log; its exit code and duration go into files beside the log. A test that hangs for 6 minutes
# fails the project (and names the test) instead of holding the suite until CI's limit.
run_project() {
  local name=$1 project=$2 started=$SECONDS
  dotnet test "$project" -c Release --no-build -nologo --results-directory "$log_dir" --logger "trx;LogFileName=$name.trx" \
    --blame-hang-timeout 6m --blame-hang-dump-type none >"$log_dir/$name.log" 2>&1
  echo $? >"$log_dir/$name.rc"
  echo $((SECONDS - started)) >"$log_dir/$name.seconds"
}

# The three slowest tests of a project (from its TRX log's durations), to keep the suite within its time budget.
slowest_tests() {
  [ -f "$1" ] || return 0
  grep -o '<UnitTestResult [^>]*>' "$1" \
    | sed -E 's/.* testName="([^"]*)".* duration="([0-9]+):([0-9]+):([0-9.]+)".*/\2 \3 \4 \1/' \
    | awk '{ t = $1 * 3600 + $2 * 60 + $3; $1 = $2 = $3 = ""; sub(/^ +/, ""); printf "%8.1f s  %s\n", t, $0 }' \
    | sed -e 's/&quot;/"/g' -e "s/&apos;/'/g" -e 's/&lt;/</g' -e 's/&gt;/>/g' -e 's/&amp;/\&/g' \
    | sort -rn | head -n 3
}

# Prints a project's failures and summary and adds its counts.
report_project() {
  local name=$1 log="$log_dir/$1.log" rc summary p f
  rc=$(cat "$log_dir/$name.rc")
  echo "== $name ($(cat "$log_dir/$name.seconds") s)"
  slowest_tests "$log_dir/$name.trx"
  grep -E -A 30 "^\s+Failed [A-Za-z]" "$log" | head -n 150
  summary=$(grep -E "^(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+" "$log" | tail -n 1)
  if [ -n "$summary" ]; then
    p=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$summary")
    f=$(sed -E 's/.*Failed: +([0-9]+), Passed.*/\1/' <<<"$summary")
    echo "   $summary"
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then failed=$((failed + 1)); echo "   (the test run exited $rc)"; tail -n 20 "$log"; fi
  else
    echo "   no test summary (exit code $rc):"
    tail -n 40 "$log"
    failed=$((failed + 1))
  fi
}

# The end-to-end tests mostly wait on processes, brokers and simulated buses: they run beside the other projects, and so
# do the browser, edgectl and citysim tests (which wait on chromium, citysim and the simulated lines' wire timing) in a second
# lane; the rest run one after another. The lanes' summaries come last.
background_lanes=("EndToEnd.Tests" "Browser.Tests EdgeCtl.Tests CitySim.Tests")
lane_pids=()
for lane in "${background_lanes[@]}"; do
  ( for name in $lane; do run_project "$name" "tests/$name/$name.csproj"; done ) &
  lane_pids+=($!)
done
in_background=" ${background_lanes[*]} "
for project in tests/*/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  [[ "$in_background" == *" $name "* ]] && continue
  run_project "$name" "$project"
  report_project "$name"
done
echo "== waiting for: ${background_lanes[*]}"
wait "${lane_pids[@]}"
for lane in "${background_lanes[@]}"; do
  for name in $lane; do report_project "$name"; done
done
rm -rf "$log_dir"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
