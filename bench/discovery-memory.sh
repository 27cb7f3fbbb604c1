#!/usr/bin/env bash
# Memory does not grow with the scope: discovery of a /24 and of a /16 on
# loopback (127.90.0.0/16, two closed ports per address), peak RSS of each.
#
#   bash bench/discovery-memory.sh [--record]
set -euo pipefail
cd "$(dirname "$0")/.."
record=${1:-}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cargo build --release --quiet
out="| scope | connects | wall (s) | peak RSS (MB) |\n|---|---|---|---|\n"
for n in 24 20 16; do
  printf 'name = "mem-%s"\n[[networks]]\ncidr = "127.90.0.0/%s"\n[ports]\ntcp = [9, 80]\nudp = []\n[rate]\nper_second = 20000\nmax_in_flight = 1024\ntimeout_ms = 500\n' "$n" "$n" > "$work/s$n.toml"
  /usr/bin/time -f "%e %M" -o "$work/t$n" target/release/stadscan scan --scope "$work/s$n.toml" --json "$work/o$n.json" --allow-large -q >/dev/null
  read -r wall rss < "$work/t$n"
  connects=$(python3 -c "import json;print(json.load(open('$work/o$n.json'))['stats']['net']['connects'])")
  out+="| /$n | $connects | $wall | $(echo "scale=1; $rss/1024" | bc) |\n"
done
printf "$out"
if [ "$record" = "--record" ]; then
  { printf '\n## Discovery memory (%s)\n\nMachine: %s cores. Command: `bash bench/discovery-memory.sh --record` (rate limit 20,000/s, so wall time is the rate, not the machine).\n\n' "$(date -u +%Y-%m-%d)" "$(nproc)"; printf "$out"; } | python3 bench/record-section.py bench/RESULTS.md "## Discovery memory"
fi
