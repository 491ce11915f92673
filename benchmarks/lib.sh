# Shared by the benchmark scripts: source "$root/benchmarks/lib.sh".

stop_pid() { # stop_pid PID [SECONDS=10]: SIGTERM, wait up to SECONDS, then SIGKILL
    local pid=$1 seconds=${2:-10}
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((seconds * 10))); do
        kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
        sleep 0.1
    done
    echo "pid $pid did not stop in $seconds s: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

remove_unless_kept() { # remove_unless_kept DIR: deletes a run's files, or keeps them when KEEP=1 and says where
    if [[ ${KEEP:-0} != 1 ]]; then
        rm -rf "$1"
    else
        echo "files kept in $1"
    fi
}

build_unless_told() { # build_unless_told PROJECT...: Release builds of the projects (paths under the repository), unless NO_BUILD=1
    [[ ${NO_BUILD:-0} == 1 ]] && return 0
    echo "== build (Release)"
    local project
    for project in "$@"; do
        dotnet build "$root/$project" -c Release -v quiet -nologo | tail -n 3
    done
}

require_jq() {
    command -v jq >/dev/null || { echo "jq is needed (apt-get install -y jq)" >&2; exit 1; }
}

cpu_seconds() { # user+system CPU seconds of a live PID
    awk -v tck="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / tck }' "/proc/$1/stat"
}

# central, for the scripts that start one: they set root and http_url (http://127.0.0.1:PORT) and keep central_pid.
central_bin=$root/central/Central/bin/Release/net10.0/central

central_token() { # central_token DATA_PATH NAME ROLE: prints a new API token of central's store in DATA_PATH
    "$central_bin" token create --name "$2" --role "$3" --json --Central:DataPath="$1" | jq -r .token
}

central_pki() { # central_pki DATA_PATH CERT_DIR GATEWAY...: central's CA in DATA_PATH, the gateways' certificates in CERT_DIR
    local data=$1 certs=$2
    shift 2
    "$central_bin" pki init --Central:DataPath="$data" >/dev/null
    "$central_bin" pki issue-gateway "$@" --out "$certs" --Central:DataPath="$data" >/dev/null
}

start_central() { # start_central LOG ARG...: central with these arguments in the background, its output in LOG; sets
    # central_pid and returns once $http_url/healthz answers (exits after 15 s). Its environment: CENTRAL_ENV (NAME=VALUE
    # words, e.g. DOTNET_ GC settings), by default MALLOC_ARENA_MAX=2 as central.service sets it (CENTRAL_ENV= for none)
    local log=$1
    shift
    # shellcheck disable=SC2086 # CENTRAL_ENV is a list of NAME=VALUE words
    env ${CENTRAL_ENV-MALLOC_ARENA_MAX=2} "$central_bin" "$@" >"$log" 2>&1 &
    central_pid=$!
    for _ in $(seq 1 150); do
        curl -sf "$http_url/healthz" >/dev/null 2>&1 && return 0
        kill -0 "$central_pid" 2>/dev/null || { echo "central exited:"; tail -n 30 "$log"; exit 1; }
        sleep 0.1
    done
    curl -sf "$http_url/healthz" >/dev/null || { echo "central not healthy after 15 s"; tail -n 30 "$log"; exit 1; }
}

central_metric() { # central_metric NAME: its value on central's /metrics (0 when absent)
    curl -sf "$http_url/metrics" | awk -v n="$1" '$1 == n { v = $2 } END { printf "%.0f", v + 0 }'
}
