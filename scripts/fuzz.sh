#!/usr/bin/env bash
# Fuzzes every parser in crates/stadscan-proto for a bounded time.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]      (default 10)
#
# With a nightly toolchain: builds the cargo-fuzz targets in fuzz/ (installing
# cargo-fuzz if needed, about 1.5 min) and runs each for SECONDS_PER_TARGET
# with libFuzzer; exits non-zero on any crash and prints the crashing input.
# Without nightly (or when cargo-fuzz cannot be installed): runs the proptest
# suite tests/it/fuzz_parsers.rs with PROPTEST_CASES=$FUZZ_PROPTEST_CASES
# (default 20000), which covers the same checks. FUZZ_ENGINE=proptest forces
# that path on a machine that has nightly.
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${1:-10}
case "$secs" in
  '' | *[!0-9]*) echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]" >&2; exit 2 ;;
esac
cases=${FUZZ_PROPTEST_CASES:-20000}

fall_back() {
  echo "fuzz.sh: $1; falling back to proptest with PROPTEST_CASES=$cases"
  PROPTEST_CASES=$cases cargo test --test it fuzz_parsers::
  exit 0
}

if [ "${FUZZ_ENGINE:-}" = proptest ]; then
  fall_back "FUZZ_ENGINE=proptest"
fi
if ! command -v rustup >/dev/null 2>&1 || ! rustup toolchain list | grep -q nightly; then
  fall_back "no nightly toolchain"
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "fuzz.sh: installing cargo-fuzz"
  cargo install cargo-fuzz --locked || fall_back "cargo-fuzz could not be installed"
fi

# Seeds: one valid message per encoder (the corpora themselves are not committed).
cargo test --quiet --test it fuzz_parsers::write_seed_corpus -- --ignored >/dev/null

# Release build with debug assertions, overflow checks and AddressSanitizer
# (cargo-fuzz's default), once for every target.
cargo +nightly fuzz build
mapfile -t targets < <(cargo +nightly fuzz list)

logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
crashed=()
for t in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$t"
  start=$(date +%s)
  if cargo +nightly fuzz run "$t" -- -max_total_time="$secs" >"$logs/$t.log" 2>&1; then
    runs=$(grep -oE 'Done [0-9]+ runs' "$logs/$t.log" | tail -1 || true)
    echo "fuzz.sh: $t ok (${runs:-no stats}, $(( $(date +%s) - start ))s)"
  else
    crashed+=("$t")
    echo "fuzz.sh: $t FAILED"
    grep -E 'panicked at|ERROR: (libFuzzer|AddressSanitizer)|SUMMARY' "$logs/$t.log" | head -5 || true
    # libFuzzer names the input it saved: "Test unit written to fuzz/artifacts/<t>/crash-..."
    grep -oE 'Test unit written to .*' "$logs/$t.log" | sed 's/^/fuzz.sh: crashing input: /' || true
    tail -n 30 "$logs/$t.log"
  fi
done

if [ "${#crashed[@]}" -ne 0 ]; then
  echo "fuzz.sh: crashes in: ${crashed[*]} (reproduce: cargo +nightly fuzz run <target> <input>)"
  exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets, ${secs}s each, no crash"
