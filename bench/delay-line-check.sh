#!/usr/bin/env bash
# Does the delay line (bench/delay-line.py) do what it says, and how fast?
# Builds the sparse city's network (bench/lab-net.sh, WIRE=delay; DELAY ms
# and LOSS % each way), measures connect round trips through it, then sends
# UDP floods of RATES datagrams a second (4 s each) to a silent address and
# records what the line forwarded, dropped, how late it was and its CPU.
# Root only, this machine only; the namespaces are removed at the end.
#
#   DELAY=10 LOSS=2 sudo bash bench/delay-line-check.sh
#   RATES="20000 50000 100000 200000" sudo bash bench/delay-line-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export WIRE=delay ADDRS=${ADDRS:-256} LIVE=${LIVE:-8}
. bench/lab-net.sh
rates=${RATES:-20000 50000 100000 200000}
lab_net_check
work=$(mktemp -d)
trap 'lab_net_down; rm -rf "$work"' EXIT
lab_net_up
echo "$wire."
lab_wire_check 2000
lab_wire_cells > /dev/null
echo
echo "| datagrams a second asked | sent (one socket) | wire: packets | lost % | late p99 ms | line CPU s | kernel drops |"
echo "|---|---|---|---|---|---|---|"
for rate in $rates; do
  sent=$(ip netns exec $S python3 bench/wire-check.py flood 198.18.0.0 9 $((rate * 4)) "$rate" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["per_second"])')
  sleep 1
  echo "| $rate | $sent $(lab_wire_cells)"
done
