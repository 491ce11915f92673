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
