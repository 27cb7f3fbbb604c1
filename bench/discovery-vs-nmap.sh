#!/usr/bin/env bash
# Discovery side by side, in one run on the same targets: a city lab of
# DEVICES devices (stadscan lab --devices) in 127.44.0.0/16, scanned over a
# /20 (4,096 addresses) on the lab's 12 TCP ports by
#   - bench/raw-connect.c: blocking connects one after the other (the kernel's bound),
#   - nmap -sT -n -Pn -T4 (Debian's nmap),
#   - stadscan scan --discover-only.
# Reports wall time, connects per second, peak RSS, and whether the three
# found exactly the same open ports. Each tool runs RUNS times (3 by
# default), the tools taking turns, and the median wall time is reported:
# the machine is shared, and one run is at the mercy of a neighbour's burst.
# BEFORE=/path/to/an/older/stadscan adds that binary as a fourth row, run
# in the same turns (a before/after comparison in one run).
#
#   bash bench/discovery-vs-nmap.sh [--record]      (DEVICES=1024 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
record=${1:-}
devices=${DEVICES:-1024}
runs=${RUNS:-3}
before=${BEFORE:-}
command -v nmap >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq nmap >/dev/null; }
work=$(mktemp -d)
cargo build --release --quiet
gcc -O2 -o "$work/raw-connect" bench/raw-connect.c
target/release/stadscan lab --devices "$devices" --prefix 127.44.0 > "$work/lab.txt" &
lab=$!
trap 'kill $lab 2>/dev/null; wait $lab 2>/dev/null; rm -rf "$work"' EXIT
sleep 3
ports=1883,2121,2222,2323,5020,8000,8080,8081,8443,8554,10443,49152
n=4096
positions=$((n * 12))

printf 'name = "bench-discovery"\n[[networks]]\ncidr = "127.44.0.0/20"\n[ports]\ntcp = [%s]\nudp = []\n[rate]\nper_second = 1000000\nmax_in_flight = 512\ntimeout_ms = 1000\n' "$ports" > "$work/scope.toml"

# One run of tool $1 (its times go to t.$1.$2, its open ports to open.$1).
run_raw() {
  /usr/bin/time -f "%e %M" -o "$work/t.raw.$1" "$work/raw-connect" 127.44.0.0 $n ${ports//,/ } > "$work/raw.txt"
  awk '{print $2":"$3}' "$work/raw.txt" | sort > "$work/open.raw"
}
run_nmap() {
  /usr/bin/time -f "%e %M" -o "$work/t.nmap.$1" nmap -sT -n -Pn -T4 -p "$ports" -oG "$work/nmap.gnmap" 127.44.0.0/20 > /dev/null
  python3 bench/gnmap-open.py "$work/nmap.gnmap" > "$work/open.nmap"
}
run_stadscan() { # tool-name binary run
  /usr/bin/time -f "%e %M" -o "$work/t.$1.$3" "$2" scan --scope "$work/scope.toml" --discover-only --json "$work/$1.json" -q > /dev/null
  python3 -c "
import json
d = json.load(open('$work/$1.json'))
for a in d['assets']:
    for o in a['observations']:
        print(f\"{o['endpoint']['addr']}:{o['endpoint']['port']}\")
" | sort > "$work/open.$1"
}
for i in $(seq "$runs"); do
  run_raw "$i"
  run_nmap "$i"
  run_stadscan stadscan target/release/stadscan "$i"
  [ -z "$before" ] || run_stadscan before "$before" "$i"
done
# The median wall time of a tool's runs, and the highest peak RSS.
for t in raw nmap stadscan ${before:+before}; do
  cat "$work"/t.$t.* | sort -n | awk '{w[NR]=$1; if ($2>m) m=$2} END {print w[int((NR+1)/2)], m}' > "$work/t.$t"
done

row() {
  read -r wall rss < "$work/t.$1"
  rate=$(python3 -c "print(round($positions / max($wall, 0.001)))")
  same=$(cmp -s "$work/open.$1" "$work/open.raw" && echo yes || echo NO)
  printf '| %s | %s | %s | %s | %s | %s |\n' "$2" "$wall" "$rate" "$(echo "scale=1; $rss/1024" | bc)" "$(wc -l < "$work/open.$1")" "$same"
}
out="| tool | wall (s) | connects/s | peak RSS (MB) | open ports | same as raw |\n|---|---|---|---|---|---|\n"
out+="$(row raw 'raw blocking connects (bench/raw-connect.c)')\n"
out+="$(row nmap 'nmap -sT -n -Pn -T4')\n"
out+="$(row stadscan 'stadscan --discover-only')\n"
[ -z "$before" ] || out+="$(row before "stadscan --discover-only, before (${BEFORE_LABEL:-$before})")\n"
read -r sw _ < "$work/t.stadscan"; read -r nw _ < "$work/t.nmap"; read -r rw _ < "$work/t.raw"
ratios="stadscan vs nmap: $(python3 -c "print(round($nw / $sw, 2))")x faster; stadscan at $(python3 -c "print(round(100 * $rw / $sw))")% of the raw connect rate."
if [ -n "$before" ]; then
  read -r bw _ < "$work/t.before"
  ratios+=" Before: $(python3 -c "print(round($nw / $bw, 2))")x nmap, $(python3 -c "print(round(100 * $rw / $bw))")% of raw."
fi
printf "$out"
echo "$ratios"
if [ "$record" = "--record" ]; then
  { printf '\n## Discovery against nmap -sT (%s)\n\nMachine: %s cores, %s. Command: `bash bench/discovery-vs-nmap.sh --record` (median of %s runs each, taking turns); %s lab devices in 127.44.0.0/16, scanned over 127.44.0.0/20 (4,096 addresses) x 12 TCP ports = %s positions.\n\n' "$(date -u +%Y-%m-%d)" "$(nproc)" "$(nmap --version | head -1)" "$runs" "$devices" "$positions"; printf "$out"; printf '\n%s\n' "$ratios"; } | python3 bench/record-section.py bench/RESULTS.md "## Discovery against nmap"
fi
