#!/usr/bin/env bash
# Runs each libFuzzer target of a fuzz build for a fixed time and prints one line per target with
# its executions, executions per second and coverage; fails when a target finds a crash, a leak or
# undefined behaviour (its reproducer is left in the printed folder).
#   tests/fuzz/run_fuzzers.sh BUILD_DIR SECONDS TARGET...
# BUILD_DIR is the fuzz preset's build folder (build/fuzz). Exit code 77 (CTest: skipped) when the
# targets are not built. Seeds come from tests/fuzz/corpus/<target>/ (read only: new inputs go to a
# temporary folder).
set -uo pipefail
build=${1:?usage: run_fuzzers.sh BUILD_DIR SECONDS TARGET...}
seconds=${2:?}
shift 2
here=$(cd "$(dirname "$0")" && pwd)
for target in "$@"; do
  if [[ ! -x $build/tests/fuzz/$target ]]; then
    echo "fuzz target $build/tests/fuzz/$target is not built: cmake --preset fuzz && cmake --build --preset fuzz"
    exit 77
  fi
done
work=$(mktemp -d "${TMPDIR:-/tmp}/ue-fuzz.XXXXXX")
failed=0
total_runs=0
printf '%-28s %10s %9s %6s %6s  %s\n' target runs exec/s cov ft result
for target in "$@"; do
  corpus=$work/$target
  artifacts=$work/$target-artifacts/
  mkdir -p "$corpus" "$artifacts"
  seeds=()
  [[ -d $here/corpus/$target ]] && seeds=("$here/corpus/$target")
  log=$work/$target.log
  UE_REGIONS_DIR=${UE_REGIONS_DIR:-$here/../../data/regions} \
    "$build/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=8192 -print_final_stats=1 -artifact_prefix="$artifacts" "$corpus" "${seeds[@]}" \
    >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  result=ok
  if ((rc != 0)); then
    result="FAILED (exit $rc): see $log and $artifacts"
    failed=1
    grep -E 'ERROR|SUMMARY|runtime error' "$log" | head -5
  fi
  total_runs=$((total_runs + ${runs:-0}))
  printf '%-28s %10s %9s %6s %6s  %s\n' "$target" "${runs:-?}" "${speed:-?}" "${cov:-?}" \
    "${ft:-?}" "$result"
done
echo "fuzz: $# targets, ${seconds}s each, $total_runs executions in all"
if ((failed)); then
  exit 1
fi
rm -rf "$work"
