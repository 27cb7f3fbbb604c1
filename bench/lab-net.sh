# The sparse city's network, sourced by bench/sparse-city.sh and
# bench/lossy-findings.sh (root only, this machine only: every packet stays
# inside the two namespaces, which lab_net_down removes).
#
# lab_net_up builds two network namespaces, $S (the scanner) and $L (the
# lab), joined by the wire WIRE:
#   delay  (the default) two TUN devices with bench/delay-line.py between
#          them: DELAY ms each way (RTT twice that), LOSS % of the packets
#          dropped each way, the order within a direction kept; every
#          dropped packet is a line of $work/drops.tsv. For kernels
#          without sch_netem (this machine's).
#   netem  a veth pair with tc netem on both ends (DELAY ms +- JITTER ms,
#          LOSS % each way).
#   veth   a plain veth pair: no added delay, no loss.
# The lab answers for every address of 198.18.0.0/15 (the benchmarking
# range, RFC 2544; a local route), the scanner sends there through the
# wire. ADDRS addresses from 198.18.0.0 are the scope, LIVE of them (spread
# evenly, listed in $work/hosts) are devices; nftables drops what is sent
# to any other, as unused addresses behind a firewall stay silent.
#
# Needs: $work (a scratch folder). Sets: $S, $L, $cidr, $wire (a sentence
# for the results), $lab_if (the lab's end of the wire).

# NAME (default ssc) names the namespaces and devices: two checkouts on one
# machine can run their labs at the same time with different names.
lab_name=${NAME:-ssc}
S=$lab_name-scan
L=$lab_name-lab
scan_if=$lab_name-s
addrs=${ADDRS:-4096}
live=${LIVE:-64}
wire_kind=${WIRE:-delay}
delay=${DELAY:-10}
jitter=${JITTER:-0}
loss=${LOSS:-1}
line_pid=""

lab_net_check() {
  [ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 2; }
  local t
  for t in ip tc nft python3 "$@"; do
    command -v "$t" > /dev/null || { echo "missing $t (apt-get install iproute2 nftables python3 $*)"; exit 2; }
  done
}

lab_net_down() {
  if [ -n "$line_pid" ]; then
    kill "$line_pid" 2> /dev/null
    wait "$line_pid" 2> /dev/null
    line_pid=""
  fi
  ip netns del $S 2> /dev/null || true
  ip netns del $L 2> /dev/null || true
}

lab_net_up() {
  lab_net_down
  ip netns add $S
  ip netns add $L
  local ns
  for ns in $S $L; do ip -n $ns link set lo up; done
  case "$wire_kind" in
    delay)
      scan_if=$lab_name-ts lab_if=$lab_name-tl
      # Real-time priority where allowed: on a busy machine an ordinary
      # process wakes late, and that lateness would be added to the delay.
      local rt=""
      command -v chrt > /dev/null && chrt -f 10 true 2> /dev/null && rt="chrt -f 10"
      $rt python3 bench/delay-line.py --ns-a $S --ns-b $L --dev-a $scan_if --dev-b $lab_if \
        --delay-ms "$delay" --loss "$loss" --stats "$work/line.json" --drops "$work/drops.tsv" \
        > "$work/line.out" 2> "$work/line.err" &
      line_pid=$!
      for _ in $(seq 100); do grep -q ready "$work/line.out" 2> /dev/null && break; sleep 0.1; done
      grep -q ready "$work/line.out" || { cat "$work/line.err"; echo "the delay line did not start"; exit 1; }
      for pair in "$S $scan_if" "$L $lab_if"; do
        set -- $pair
        ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1"
      done
      ip -n $S addr add 198.19.255.1/32 dev $scan_if
      ip -n $S route add 198.18.0.0/15 dev $scan_if
      ip -n $L addr add 198.19.255.2/32 dev $lab_if
      ip -n $L route add 198.19.255.1/32 dev $lab_if
      wire="a delay line (bench/delay-line.py, two TUN devices): ${delay} ms each way (RTT $((2 * delay)) ms), ${loss} % loss each way"
      ;;
    netem | veth)
      scan_if=$lab_name-s lab_if=$lab_name-l
      ip link add $scan_if netns $S type veth peer name $lab_if netns $L
      ip -n $S addr add 198.19.255.1/30 dev $scan_if
      ip -n $L addr add 198.19.255.2/30 dev $lab_if
      ip -n $S link set $scan_if up
      ip -n $L link set $lab_if up
      # Through the lab's end: no ARP per address.
      ip -n $S route add 198.18.0.0/15 via 198.19.255.2
      wire="a veth pair, no added delay or loss"
      if [ "$wire_kind" = netem ]; then
        for pair in "$S $scan_if" "$L $lab_if"; do
          set -- $pair
          ip netns exec "$1" tc qdisc add dev "$2" root netem delay "${delay}ms" "${jitter}ms" loss "${loss}%" limit 100000 \
            || { echo "no tc netem in this kernel: use WIRE=delay"; exit 2; }
        done
        wire="a veth pair with tc netem: ${delay} ms +- ${jitter} ms and ${loss} % loss each way"
      fi
      ;;
    *)
      echo "WIRE is delay, netem or veth, not $wire_kind"
      exit 2
      ;;
  esac
  ip -n $L route add local 198.18.0.0/15 dev lo
  ip netns exec $S sysctl -qw net.ipv4.ping_group_range="0 2147483647"
  ip netns exec $S sysctl -qw net.ipv4.ip_local_port_range="10000 65000"

  # The first ADDRS addresses of 198.18.0.0/15; LIVE of them, spread
  # evenly, are devices.
  python3 - "$addrs" "$live" > "$work/hosts" << 'PY'
import ipaddress, sys
n, live = int(sys.argv[1]), int(sys.argv[2])
base = ipaddress.ip_address("198.18.0.0")
step = n // live
for i in range(live):
    print(base + i * step + step // 2)
PY
  local prefix
  prefix=$(python3 -c "import math; print(32 - math.ceil(math.log2($addrs)))")
  cidr="198.18.0.0/$prefix"
  {
    echo "table inet sparse {"
    echo "  set live { type ipv4_addr; elements = { $(paste -sd, "$work/hosts") } }"
    echo "  chain input { type filter hook prerouting priority -300; policy accept;"
    echo "    iifname \"$lab_if\" ip daddr 198.18.0.0/15 ip daddr != @live drop"
    echo "  }"
    echo "}"
  } > "$work/sparse.nft"
  ip netns exec $L nft -f "$work/sparse.nft"
}

# The wire measured from the scanner's side (bench/wire-check.py: N
# connects to a closed port of the first live address), as a sentence.
lab_wire_check() {
  local n=${1:-2000}
  ip netns exec $S python3 bench/wire-check.py rtt "$(head -1 "$work/hosts")" 9 "$n" > "$work/rtt.json"
  python3 - "$work/rtt.json" "$([ "$wire_kind" = veth ] && echo 0 || echo "$loss")" << 'PY'
import json, sys
d = json.load(open(sys.argv[1]))
p = float(sys.argv[2]) / 100
print(f"Measured from the scanner: {d['connects']} connects to a closed port of a live address, "
      f"round trip min {d['rtt_min_ms']} ms, median {d['rtt_median_ms']} ms, 90th percentile {d['rtt_p90_ms']} ms; "
      f"{d['retransmitted_percent']} % needed a retransmitted SYN (a loss of {p * 100:g} % each way predicts {100 * (1 - (1 - p) ** 2):.2f} %).")
PY
}

# What the wire carried since the last call: the delay line's counters and
# the packets the kernel dropped in front of it (its TUN queues were full),
# as JSON (to $work/wire.json) and as the cells of a results table (on
# stdout): packets forwarded (to the lab / back), the share dropped on
# purpose, the 99th percentile of how late a packet went out, the line's
# own CPU seconds, the kernel's drops. Other wires: empty cells.
lab_wire_cells() {
  if [ -z "$line_pid" ]; then
    echo "| | | | | |"
    return
  fi
  rm -f "$work/line.json"
  kill -USR1 "$line_pid"
  for _ in $(seq 50); do [ -s "$work/line.json" ] && break; sleep 0.1; done
  python3 - "$work/line.json" "$work/wire.json" "$(ip -n $S -s -j link show $scan_if)" \
    "$(ip -n $L -s -j link show $lab_if)" << 'PY'
import json, os, sys
d = json.load(open(sys.argv[1]))
totals = [json.loads(a)[0]["stats64"]["tx"]["dropped"] for a in sys.argv[3:]]
before = json.load(open(sys.argv[2])).get("kernel_tx_dropped_total", [0, 0]) if os.path.exists(sys.argv[2]) else [0, 0]
d["kernel_tx_dropped_total"] = totals
d["kernel_tx_dropped"] = sum(totals) - sum(before)
json.dump(d, open(sys.argv[2], "w"))
out, back = d["directions"]
cells = [
    f"{out['forwarded']:,} / {back['forwarded']:,}",
    f"{out['lost_percent']:.2f} / {back['lost_percent']:.2f}",
    str(max(out["late_p99_ms"], back["late_p99_ms"])),
    str(d["cpu_seconds"]),
    str(d["kernel_tx_dropped"]),
]
print("| " + " | ".join(cells) + " |")
PY
}
