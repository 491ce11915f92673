#!/usr/bin/env bash
# Fault campaigns of the store-and-forward chain (issue 18): a link that delays, stalls, refuses and cuts connections in
# the middle of a frame (a TCP proxy between the edge and the broker); mosquitto killed (SIGKILL, then SIGTERM) and
# started again; the edge's wall clock stepped forwards and backwards (its test seam
# CITY_EDGE_TEST_CLOCK_OFFSET_FILE) and a cabinet booting in 1970.
# Each scenario runs tests/EndToEnd.Tests/ChaosTests with CHAOS_ROUNDS rounds on a fresh rig (mosquitto with the
# configuration of `central mosquitto-config`, central in external mode, citysim's meter, the edge polling 5 points
# every 100 ms) and prints every fault's recovery (first new ack) and drain (buffer empty) time and the verdict: readings
# lost (edge's lifetime buffered counter against central's received count), stored twice (every point's history), and
# the resent batches central recognised as duplicates.
#
#   ROUNDS=10                          rounds per scenario (network: 4 faults a round; broker: 2 restarts; clock: 3 steps)
#   SCENARIOS="network broker clock"   which ones
#   NO_BUILD=1                         skip the Release build
#   KEEP=1                             keep the test logs
# Needs mosquitto (apt-get install -y mosquitto); runs as root (mosquitto's files are chowned).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/benchmarks/lib.sh"

ROUNDS=${ROUNDS:-10}
SCENARIOS=${SCENARIOS:-"network broker clock"}
declare -A test_name=([network]=A_link_that [broker]=A_broker_killed [clock]=Clock_steps)

[[ -x /usr/sbin/mosquitto ]] || { echo "mosquitto is needed (apt-get install -y mosquitto)" >&2; exit 1; }
build_unless_told tests/EndToEnd.Tests/EndToEnd.Tests.csproj

work=$(mktemp -d)
verdicts="$work/verdicts.txt"
status=0
for scenario in $SCENARIOS; do
    [[ -n ${test_name[$scenario]:-} ]] || { echo "unknown scenario $scenario (network, broker, clock)" >&2; exit 2; }
    echo "== $scenario: $ROUNDS rounds"
    started=$SECONDS
    if ! CHAOS_ROUNDS=$ROUNDS CHAOS_VERDICT_FILE=$verdicts dotnet test "$root/tests/EndToEnd.Tests/EndToEnd.Tests.csproj" -c Release --no-build -nologo \
        --filter "FullyQualifiedName~ChaosTests.${test_name[$scenario]}" --logger "console;verbosity=detailed" >"$work/$scenario.log" 2>&1; then
        status=1
        echo "   FAILED: the test's output is in $work/$scenario.log"
        KEEP=1
        grep -E -A 12 "^\s+Failed " "$work/$scenario.log" | head -n 40 || true
    fi
    # Per kind of fault: how many, median and worst time to the first new ack and to an empty buffer.
    grep "^FAULT $scenario |" "$verdicts" 2>/dev/null | awk -F' [|] ' '
        { kind = $2; split($3, r, " "); split($4, d, " ");
          n[kind]++; rec[kind, n[kind]] = r[2]; dr[kind, n[kind]] = d[2] }
        function median(a, k, m,   i, j, t, v) { for (i = 1; i <= m; i++) v[i] = a[k, i];
            for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
            return v[int((m + 1) / 2)] }
        function worst(a, k, m,   i, w) { w = 0; for (i = 1; i <= m; i++) if (a[k, i] + 0 > w) w = a[k, i] + 0; return w }
        END { for (k in n) printf "   %-40s x%-3d first ack median %5.2f s, worst %5.2f s; drained median %5.2f s, worst %5.2f s\n",
              k, n[k], median(rec, k, n[k]), worst(rec, k, n[k]), median(dr, k, n[k]), worst(dr, k, n[k]) }' | sort
    grep "^VERDICT $scenario:" "$verdicts" 2>/dev/null | sed 's/^/   /' || echo "   no verdict (the run failed before its ledger)"
    echo "   ($((SECONDS - started)) s)"
done
remove_unless_kept "$work"
exit $status
