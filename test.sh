#!/usr/bin/env bash
# Runs every test of the project. Installs the peers the tests talk to when they are missing (mosquitto, mbpoll, socat, pymodbus,
# openssl and curl as verifiers of the PKI and https, tzdata for the lighting programs' time zones, prometheus for its promtool,
# which checks central's /metrics, python3-prometheus-client as the parser that reads the edge's /metrics, node and npm
# for the OpenAPI linter, postgresql for central's PostgreSQL store, python3-pyld as an outside JSON-LD processor of the open
# data catalogue, chromium and chromium-driver for the operator page's browser tests, systemd for systemd-analyze verify of
# the units, jq and e2fsprogs for the fault campaigns' scripts (benchmarks/power-cut.sh, central-disk-full.sh), builds once,
# starts one private PostgreSQL cluster for all test projects (CITY_TEST_PG), runs the test projects (three lanes: the end-to-end tests, the browser and edgectl tests, the rest), and ends with the line
# "N passed, N failed".
# Time budget: 8 minutes on a 2-core CI machine (issue 18: the suite back under 8 minutes, docs/performance.md "Test time").
# The build and the end-to-end lane are the critical path, so the end-to-end tests start as soon as their programs are
# built and the rest of the solution builds beside them (niced); the build uses one compiler server, stopped after it.
set -uo pipefail
cd "$(dirname "$0")"

# The peers the tests talk to; the tests start their own mosquitto and snmpd on free ports.
.ci/install-peers.sh mosquitto mosquitto-clients mbpoll socat python3-pymodbus snmp snmpd openssl curl tzdata prometheus python3-prometheus-client nodejs npm postgresql python3-pyld chromium chromium-driver systemd jq e2fsprogs || { echo "0 passed, 1 failed"; exit 1; }

echo "== building"
build_log=$(mktemp)
# Builds what it is given (a project or the solution; restored once below) at the niceness given first, with one line per
# project as it is built (msbuild's "Project -> output" lines); the full log goes to $build_log. One compiler server for the whole build instead
# of a compiler process per project (an environment may turn it off with UseSharedCompilation=false): the analyzers and
# code style rules every project runs are then loaded and compiled once; the server is stopped once the build is done.
build() {
  local niceness=$1
  shift
  nice -n "$niceness" dotnet build "$@" -c Release --no-restore -nologo -v m -clp:NoSummary -p:UseSharedCompilation=true 2>&1 | tee -a "$build_log" \
    | sed -u -n -E 's/^ +([A-Za-z0-9_.]+) -> .*/   \1/p'
  return "${PIPESTATUS[0]}"
}
build_failed() {
  grep -E "error" "$build_log" | sort -u | head -n 40
  dotnet build-server shutdown --vbcscompiler >/dev/null 2>&1
  echo "0 passed, 1 failed"
  exit 1
}
dotnet restore Edge.sln -nologo -v q >>"$build_log" 2>&1 || build_failed
# The end-to-end tests first: they start as soon as the programs they run are built (see the lanes below).
build 0 tests/EndToEnd.Tests/EndToEnd.Tests.csproj || build_failed
# The compiler server runs the compilations at the niceness it was started with: a new one for the rest of the build.
dotnet build-server shutdown --vbcscompiler >/dev/null 2>&1

# One private PostgreSQL cluster for every test project (each test class makes a database of its own in it): initdb into
# a temporary directory as the `postgres` user (the server refuses to run as root), on a free loopback port, stopped on
# exit.
pg_dir=$(.ci/test-postgres.sh start) || { echo "0 passed, 1 failed"; exit 1; }
trap '.ci/test-postgres.sh stop "$pg_dir"' EXIT
CITY_TEST_PG=$(.ci/test-postgres.sh connection-string "$pg_dir")
export CITY_TEST_PG

passed=0
failed=0
log_dir=$(mktemp -d)

# Runs one test project into its log; its exit code and duration go into files beside the log. A test that hangs for 6 minutes
# fails the project (and names the test) instead of holding the suite until CI's limit.
# The test hosts and every program they start (central, edge, citysim, edgectl: dozens of short-lived processes) run
# without the instrumented JIT tier (TieredPGO: re-compiles hot methods a second time, which pays off only in long runs)
# and with the workstation GC (central's and the edge's server GC keeps a heap and a GC thread per core); the shipped
# programs keep their own settings. About a fifth less CPU for the same tests (docs/performance.md, "Issue 18: the suite
# back under 8 minutes"), on a machine the lanes keep busy.
run_project() {
  local name=$1 project=$2 started=$SECONDS
  DOTNET_TieredPGO=0 DOTNET_gcServer=0 dotnet test "$project" -c Release --no-build -nologo --results-directory "$log_dir" --logger "trx;LogFileName=$name.trx" \
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

# Stops a lane that is still running (the subshell and the test runs under it) when the rest of the build fails.
stop_tree() {
  local child
  for child in $(pgrep -P "$1"); do stop_tree "$child"; done
  kill "$1" 2>/dev/null
}

# Three lanes. The end-to-end tests mostly wait on processes, brokers and simulated buses: they start as soon as their
# programs are built, while the rest of the solution builds beside them at a lower priority (nice), so that the build
# takes only the CPU the tests leave; once it is done, the browser, edgectl and citysim tests (which wait on chromium,
# citysim and the simulated lines' wire timing) run in a second lane and the rest one after another. The lanes' summaries
# come last.
background_lanes=("EndToEnd.Tests" "Browser.Tests EdgeCtl.Tests CitySim.Tests")
lane_pids=()
start_lane() {
  ( for name in $1; do run_project "$name" "tests/$name/$name.csproj"; done ) &
  lane_pids+=($!)
}
start_lane "${background_lanes[0]}"
echo "== EndToEnd.Tests started; building the rest"
build 5 Edge.sln || { for pid in "${lane_pids[@]}"; do stop_tree "$pid"; done; build_failed; }
dotnet build-server shutdown --vbcscompiler >/dev/null 2>&1
rm -f "$build_log"

# Redocly's CLI (pinned in tests/openapi-lint/package-lock.json) for ApiContractTests' lint of /openapi/v1.json.
if [ ! -f tests/openapi-lint/node_modules/@redocly/cli/bin/cli.js ]; then
  echo "== npm ci (tests/openapi-lint)"
  npm ci --prefix tests/openapi-lint --no-audit --no-fund --loglevel=error || { echo "0 passed, 1 failed"; exit 1; }
fi

start_lane "${background_lanes[1]}"
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
