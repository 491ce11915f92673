#!/usr/bin/env bash
# Coverage-guided fuzzing of the decoders with afl++ and SharpFuzz (tests/Fuzzing): builds the harness, instruments the
# assemblies each target names, runs afl-fuzz on each target until EXECS executions, then prints per target the
# executions, corpus size, coverage (afl's bitmap share and edges found), crashes and hangs, and replays every saved
# crash and hang through the uninstrumented harness to print what escaped.
#
#   benchmarks/fuzz.sh [TARGET...|all]     (default all; `dotnet run --project tests/Fuzzing -- list` names them)
#
# EXECS        executions per target (default 1000000)
# SECONDS_EACH stop a target after this many seconds even short of EXECS (default none: EXECS decides)
# PARALLEL     targets fuzzed at once (default 1)
# FUZZ_DIR     work directory (default /tmp/city-fuzz): FUZZ_DIR/TARGET/out is afl's output; kept for a later run
# RESUME=1     continue from FUZZ_DIR/TARGET/out instead of the committed seeds (afl's -i -)
# TIMEOUT_MS   afl's per-execution timeout (default 2000: a hang is an input that takes longer)
# NICE         nice level of afl and the harness (default 15: fuzzing yields the machine to anything else)
# SKIP_BUILD=1 fuzz FUZZ_DIR/bin as it is (the last build)
# REPORT_ONLY=1  no fuzzing: print the table of what FUZZ_DIR holds
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
EXECS=${EXECS:-1000000}
PARALLEL=${PARALLEL:-1}
FUZZ_DIR=${FUZZ_DIR:-/tmp/city-fuzz}
TIMEOUT_MS=${TIMEOUT_MS:-2000}
NICE=${NICE:-15}
mkdir -p "$FUZZ_DIR"

if ! command -v afl-fuzz >/dev/null; then
  echo "== installing afl++ (Debian package afl++)"
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y afl++ >/dev/null; else sudo apt-get install -y afl++ >/dev/null; fi || { echo "afl++ could not be installed"; exit 1; }
fi

tools="$FUZZ_DIR/tools"
if [ ! -x "$tools/sharpfuzz" ]; then
  echo "== installing the sharpfuzz instrumenter (dotnet tool SharpFuzz.CommandLine 2.3.0) into $tools"
  dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$tools" >/dev/null || { echo "sharpfuzz could not be installed"; exit 1; }
fi

if [ "${REPORT_ONLY:-0}" != 1 ] && [ "${SKIP_BUILD:-0}" != 1 ]; then
  echo "== building tests/Fuzzing"
  dotnet build tests/Fuzzing -c Release -nologo -v q -clp:NoSummary >"$FUZZ_DIR/build.log" 2>&1 \
    || { grep -E "error" "$FUZZ_DIR/build.log" | sort -u | head -20; exit 1; }
  rm -rf "$FUZZ_DIR/bin"
  cp -r tests/Fuzzing/bin/Release/net10.0 "$FUZZ_DIR/bin"
fi
harness="$FUZZ_DIR/bin/Fuzzing.dll"

targets=("$@")
if [ ${#targets[@]} -eq 0 ] || [ "${targets[0]}" = all ]; then
  mapfile -t targets < <(dotnet "$harness" list)
fi

# One instrumented copy of the build per target: each target instruments only the assemblies it names, so that afl's
# map holds the branches of that decoder and not those of every library loaded.
fuzz_one() {
  local target=$1 dir="$FUZZ_DIR/$1" input
  rm -rf "$dir/bin"
  mkdir -p "$dir"
  cp -r "$FUZZ_DIR/bin" "$dir/bin"
  for assembly in $(dotnet "$harness" assemblies "$target"); do
    "$tools/sharpfuzz" "$dir/bin/$assembly" >>"$dir/instrument.log" 2>&1 || { echo "$target: instrumenting $assembly failed (see $dir/instrument.log)"; return 1; }
  done
  input="$root/tests/Fuzzing/corpus/$target"
  if [ "${RESUME:-0}" = 1 ] && [ -d "$dir/out/default/queue" ]; then input=-; else rm -rf "$dir/out"; fi
  echo "== $target: afl-fuzz until $EXECS executions${SECONDS_EACH:+ or $SECONDS_EACH s} (log $dir/afl.log)"
  # Under a heavy load afl's dry run now and then sees an empty map from a harness that started fine ("No
  # instrumentation detected"); the same run started again goes through.
  local attempt status
  for attempt in 1 2 3; do
    AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
      nice -n "$NICE" afl-fuzz -i "$input" -o "$dir/out" -E "$EXECS" ${SECONDS_EACH:+-V "$SECONDS_EACH"} -t "$TIMEOUT_MS" -m none -- dotnet "$dir/bin/Fuzzing.dll" "$target" \
      >"$dir/afl.log" 2>&1
    status=$?
    grep -q "No instrumentation detected" "$dir/afl.log" || break
    [ "$input" = - ] || rm -rf "$dir/out"
    sleep 5
  done
  echo "== $target: afl-fuzz exited $status"
}

if [ "${REPORT_ONLY:-0}" != 1 ]; then
  running=0
  for target in "${targets[@]}"; do
    fuzz_one "$target" &
    running=$((running + 1))
    if [ "$running" -ge "$PARALLEL" ]; then wait -n; running=$((running - 1)); fi
  done
  wait
fi

stat() { sed -n -E "s/^$2 +: (.*)$/\1/p" "$1" | head -n 1; }
printf '%-18s %10s %8s %8s %12s %8s %6s %9s\n' target execs execs/s corpus coverage edges crashes hangs
open=0
for target in "${targets[@]}"; do
  stats="$FUZZ_DIR/$target/out/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then printf '%-18s %s\n' "$target" "no afl output (see $FUZZ_DIR/$target/afl.log)"; open=1; continue; fi
  crashes=$(find "$FUZZ_DIR/$target/out/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
  hangs=$(find "$FUZZ_DIR/$target/out/default/hangs" -type f -name 'id:*' 2>/dev/null | wc -l)
  printf '%-18s %10s %8s %8s %12s %8s %6s %9s\n' "$target" "$(stat "$stats" execs_done)" "$(stat "$stats" execs_per_sec)" \
    "$(stat "$stats" corpus_count)" "$(stat "$stats" bitmap_cvg)" "$(stat "$stats" edges_found)" "$crashes" "$hangs"
  for kind in crashes hangs; do
    if [ -n "$(find "$FUZZ_DIR/$target/out/default/$kind" -type f -name 'id:*' 2>/dev/null)" ]; then
      open=1
      echo "-- $target: $kind replayed through the uninstrumented harness"
      dotnet "$harness" replay "$target" "$FUZZ_DIR/$target/out/default/$kind" | grep -v '^ok ' | head -n 40
    fi
  done
done
exit $open
