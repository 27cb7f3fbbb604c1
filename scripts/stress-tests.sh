#!/usr/bin/env bash
# Runs the tests that compare whole lab scans (tests/it/hostile_lab.rs and
# tests/it/lab_scan.rs: "the same findings" with and without hostile devices,
# the same fingerprints twice...) RUNS times in a row while the machine is
# loaded, and counts the runs that fail. A test that passes only on an idle
# machine is flaky: on a busy one a UDP answer or a TLS handshake comes late.
#
#   scripts/stress-tests.sh [RUNS]       (default 20)
#
# The load: STRESS_BURNERS busy-looping shell processes (default: twice the
# CPU count), started before the first run and stopped at the end; set
# STRESS_BURNERS=0 to run on the machine as it is. Each failing run's output
# is kept in target/stress/run-N.log. Prints one line per run, then
# "N passed, M failed"; exits 1 when any run failed.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=${1:-20}
case "$runs" in
  '' | *[!0-9]*) echo "usage: scripts/stress-tests.sh [RUNS]" >&2; exit 2 ;;
esac
burners=${STRESS_BURNERS:-$(($(nproc) * 2))}
# The integration tests are one binary: the two areas are name filters.
tests=(--test it)
filters=(hostile_lab:: lab_scan::)
logs=target/stress
mkdir -p "$logs"

# Build first, without the load: the runs measure the tests, not the compiler.
cargo test --no-run "${tests[@]}" >/dev/null 2>&1 || cargo test --no-run "${tests[@]}"

pids=()
stop_load() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
}
trap stop_load EXIT
for _ in $(seq "$burners"); do
  bash -c 'while :; do :; done' &
  pids+=($!)
done
echo "load: $burners busy loops on $(nproc) CPUs; load average $(cut -d' ' -f1-3 /proc/loadavg)"

passed=0
failed=0
for i in $(seq "$runs"); do
  start=$(date +%s)
  if cargo test "${tests[@]}" -- "${filters[@]}" >"$logs/run-$i.log" 2>&1; then
    passed=$((passed + 1))
    result=ok
    rm -f "$logs/run-$i.log"
  else
    failed=$((failed + 1))
    result="FAILED (target/stress/run-$i.log)"
    # The labs listen on fixed loopback addresses: another run of the same
    # tests on this machine (another checkout) makes them fail to start.
    if grep -q AddrInUse "$logs/run-$i.log"; then
      result="$result: a lab address was in use by another process"
    fi
  fi
  echo "run $i/$runs: $result in $(($(date +%s) - start)) s, load average $(cut -d' ' -f1 /proc/loadavg)"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
