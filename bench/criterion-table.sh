#!/usr/bin/env bash
# The criterion benches (benches/parsers.rs, benches/checks.rs) as one table:
# time per iteration (one pass over the bench's input set) and throughput.
#
#   bash bench/criterion-table.sh [--record]     (runs `cargo bench`, then reads target/criterion)
set -euo pipefail
cd "$(dirname "$0")/.."
record=${1:-}
cargo bench --quiet --bench parsers --bench checks > /dev/null
python3 - "$(nproc)" <<'PY' > target/criterion-section.md
import datetime, glob, json, os, sys
cores = sys.argv[1]
def human_time(ns):
    for unit, f in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= f:
            return f"{ns / f:.2f} {unit}"
    return f"{ns:.0f} ns"
rows = []
for path in sorted(glob.glob("target/criterion/*/*/new/benchmark.json")):
    b = json.load(open(path))
    est = json.load(open(os.path.join(os.path.dirname(path), "estimates.json")))
    ns = est["mean"]["point_estimate"]
    tp = b.get("throughput") or {}
    if "Bytes" in tp:
        rate = f"{tp['Bytes'] / ns * 1e9 / 2**20:.0f} MiB/s"
    elif "Elements" in tp:
        rate = f"{tp['Elements'] / ns * 1e9:,.0f} observations/s ({ns / tp['Elements']:.0f} ns each)"
    else:
        rate = ""
    rows.append((b["group_id"], b["function_id"], human_time(ns), rate))
date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
print(f"## Criterion: parsers, fingerprints, checks, TLS verdict ({date})")
print()
print(f"Machine: {cores} cores, load average {os.getloadavg()[0]:.1f} at the end (shared machine: expect noise of 10-20 %). "
      "Command: `bash bench/criterion-table.sh --record` (`cargo bench --bench parsers --bench checks`, "
      "criterion mean; one iteration is one pass over the named inputs).")
print()
print("| group | bench | time per iteration | throughput |")
print("|---|---|---|---|")
order = ["tls", "http", "banners", "snmp", "mqtt", "dns", "bacnet", "modbus", "coap", "xml", "ssdp",
         "fingerprint", "checks", "tls verdict", "load"]
rows.sort(key=lambda r: (order.index(r[0]) if r[0] in order else len(order), r[1]))
for g, f, t, r in rows:
    print(f"| {g} | {f} | {t} | {r} |")
PY
cat target/criterion-section.md
if [ "$record" = "--record" ]; then
  python3 bench/record-section.py bench/RESULTS.md "## Criterion:" < target/criterion-section.md
fi
