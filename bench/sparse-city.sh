#!/usr/bin/env bash
# A sparse city on a real (virtual) wire: two network namespaces joined by a
# veth pair with tc netem on both ends (DELAY ms +- JITTER ms, LOSS % each
# way; on a kernel without netem, LOSS % by nftables and no latency). The lab namespace answers for ADDRS addresses of 198.18.0.0/15 (the
# benchmarking range, RFC 2544), of which LIVE are devices (an HTTP server
# on 80 and 8080, an SSH banner on 22: 3 open ports each; their other ports
# refuse) and the rest are dropped by nftables, as unused addresses behind
# a firewall are. The scanner namespace allows unprivileged ICMP sockets.
# Then, in one run, on the same lab and the same 11 TCP ports:
#   - stadscan --discover-only at the default [rate],
#   - stadscan --discover-only at a high rate,
#   - stadscan --discover-only --no-host-discovery at a high rate,
#   - stadscan full scan (identification included) at the defaults,
#   - nmap -sT -T4 and nmap -sS -T4 (nmap's own host discovery),
# each with its wall time and open ports found (against the lab's truth).
# Root only, this machine only: every packet stays inside the two
# namespaces, which are removed at the end.
#
#   sudo bash bench/sparse-city.sh
#   DELAY=20 JITTER=0 LOSS=2 sudo bash bench/sparse-city.sh
set -euo pipefail
cd "$(dirname "$0")/.."
addrs=${ADDRS:-4096}
live=${LIVE:-64}
delay=${DELAY:-10}
jitter=${JITTER:-8}
loss=${LOSS:-1}
nmap_limit=${NMAP_LIMIT:-900}
bin=${STADSCAN:-target/release/stadscan}
[ "$(id -u)" -eq 0 ] || { echo "needs root (network namespaces)"; exit 2; }
for t in ip tc nft nmap python3; do
  command -v $t > /dev/null || { echo "missing $t (apt-get install iproute2 nftables nmap python3)"; exit 2; }
done
[ -x "$bin" ] || cargo build --release --quiet
S=ssc-scan L=ssc-lab
work=$(mktemp -d)
cleanup() {
  set +e
  [ -n "${srv:-}" ] && kill "$srv" 2> /dev/null
  wait 2> /dev/null
  ip netns del $S 2> /dev/null || true
  ip netns del $L 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cleanup_first() { ip netns del $S 2> /dev/null || true; ip netns del $L 2> /dev/null || true; }
cleanup_first

ip netns add $S
ip netns add $L
ip link add ssc-s netns $S type veth peer name ssc-l netns $L
ip -n $S addr add 198.19.255.1/30 dev ssc-s
ip -n $L addr add 198.19.255.2/30 dev ssc-l
for ns in $S $L; do ip -n $ns link set lo up; done
ip -n $S link set ssc-s up
ip -n $L link set ssc-l up
# The scanner reaches the lab's addresses through the lab end (no ARP per
# address); the lab answers for all of them (a local route: AnyIP).
ip -n $S route add 198.18.0.0/15 via 198.19.255.2
ip -n $L route add local 198.18.0.0/15 dev lo
# Latency and loss: tc netem where the kernel has it; else (a kernel built
# without sch_netem) loss alone, by nftables dropping a random share of
# the packets each way, and no added latency (the table says which).
permille=$(python3 -c "print(round($loss * 10))")
wire="netem ${delay} ms +- ${jitter} ms and ${loss} % loss each way"
for pair in "$S ssc-s" "$L ssc-l"; do
  set -- $pair
  if ! ip netns exec "$1" tc qdisc add dev "$2" root netem delay "${delay}ms" "${jitter}ms" loss "${loss}%" limit 100000 2> /dev/null; then
    wire="no netem in this kernel: ${loss} % loss each way by nftables (numgen random), no added latency"
    printf 'table inet loss {\n  chain input { type filter hook input priority -10; policy accept;\n    iifname "%s" numgen random mod 1000 < %s drop\n  }\n}\n' "$2" "$permille" > "$work/loss-$1.nft"
    ip netns exec "$1" nft -f "$work/loss-$1.nft"
  fi
done
ip netns exec $S sysctl -qw net.ipv4.ping_group_range="0 2147483647"
ip netns exec $S sysctl -qw net.ipv4.ip_local_port_range="10000 65000"

# The addresses: the first ADDRS of 198.18.0.0/15; LIVE of them spread
# evenly are devices.
python3 - "$addrs" "$live" > "$work/hosts" <<'PY'
import ipaddress, sys
n, live = int(sys.argv[1]), int(sys.argv[2])
base = ipaddress.ip_address("198.18.0.0")
step = n // live
for i in range(live):
    print(base + i * step + step // 2)
PY
prefix=$(python3 -c "import math; print(32 - math.ceil(math.log2($addrs)))")
cidr="198.18.0.0/$prefix"
{
  echo "table inet sparse {"
  echo "  set live { type ipv4_addr; elements = { $(paste -sd, "$work/hosts") } }"
  echo "  chain input { type filter hook input priority 0; policy accept;"
  echo "    iifname \"ssc-l\" ip daddr 198.18.0.0/15 ip daddr != @live drop"
  echo "  }"
  echo "}"
} > "$work/rules.nft"
ip netns exec $L nft -f "$work/rules.nft"

# The devices: an HTTP server (a camera's web UI) on 80 and 8080 and an SSH
# banner on 22, on each live address.
cat > "$work/devices.py" <<'PY'
import asyncio, sys
HTTP = (b"HTTP/1.1 200 OK\r\nServer: lighttpd/1.4.69\r\nContent-Type: text/html\r\n"
        b"Content-Length: 46\r\nConnection: close\r\n\r\n<html><title>Network Camera</title></html>\n")
async def http(r, w):
    try:
        await asyncio.wait_for(r.readuntil(b"\r\n\r\n"), 5)
        w.write(HTTP)
        await w.drain()
    except Exception:
        pass
    w.close()
async def ssh(r, w):
    try:
        w.write(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
        await w.drain()
        await asyncio.wait_for(r.read(4096), 5)
    except Exception:
        pass
    w.close()
async def main():
    servers = []
    for ip in open(sys.argv[1]).read().split():
        for port, h in ((80, http), (8080, http), (22, ssh)):
            servers.append(await asyncio.start_server(h, ip, port, backlog=128))
    print("ready", flush=True)
    await asyncio.Event().wait()
asyncio.run(main())
PY
ip netns exec $L python3 "$work/devices.py" "$work/hosts" > "$work/devices.out" &
srv=$!
for _ in $(seq 50); do grep -q ready "$work/devices.out" 2> /dev/null && break; sleep 0.2; done
awk '{print $1":22"; print $1":80"; print $1":8080"}' "$work/hosts" | sort > "$work/truth"

ports=21,22,23,80,443,502,554,1883,8080,8443,8883
scope() { # name extra-rate-lines
  printf 'name = "%s"\n[[networks]]\ncidr = "%s"\n[ports]\ntcp = [%s]\nudp = []\n%s' "$1" "$cidr" "$ports" "$2" > "$work/$1.toml"
}
scope defaults ""
scope high $'[rate]\nper_second = 100000\n'

results=()
row() { # label seconds found
  local found missing
  found=$(wc -l < "$3")
  missing=$(comm -23 "$work/truth" "$3" | wc -l)
  results+=("| $1 | $2 | $found | $missing |")
  echo "$1: $2 s, $found open ports found, $missing of $(wc -l < "$work/truth") missed" >&2
}
stadscan_run() { # label scope-name flags...
  local label=$1 name=$2
  shift 2
  local t0 t1
  t0=$(date +%s.%N)
  ip netns exec $S "$bin" scan --scope "$work/$name.toml" --json "$work/$label.json" -q "$@" > /dev/null || [ $? -le 1 ]
  t1=$(date +%s.%N)
  python3 - "$work/$label.json" > "$work/open.$label" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for a in d["assets"]:
    for o in a["observations"]:
        if o["endpoint"]["transport"] == "tcp":
            print(f'{o["endpoint"]["addr"]}:{o["endpoint"]["port"]}')
PY
  sort -o "$work/open.$label" "$work/open.$label"
  row "$label" "$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")" "$work/open.$label"
  python3 - "$work/$label.json" >&2 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
s = d["stats"]
print("   ", {k: s["net"][k] for k in ("connects", "timeouts", "silent_timeouts", "echoes", "echo_replies", "rate_per_second", "rate_lowered")},
      "alive", s["discovery"]["addresses_alive"], "window", s["window"]["in_flight"])
for n in d["notes"]:
    print("    note:", n["message"][:200])
PY
}
nmap_run() { # label flags...
  local label=$1
  shift
  local t0 t1 status=""
  t0=$(date +%s.%N)
  ip netns exec $S timeout "$nmap_limit" nmap "$@" -n -T4 -p "$ports" -oG "$work/$label.gnmap" "$cidr" > /dev/null || status=" (stopped at ${nmap_limit} s)"
  t1=$(date +%s.%N)
  python3 bench/gnmap-open.py "$work/$label.gnmap" > "$work/open.$label"
  row "$label" "$(printf '%.1f' "$(echo "$t1 - $t0" | bc)")$status" "$work/open.$label"
}

stadscan_run "stadscan --discover-only (defaults)" defaults --discover-only
stadscan_run "stadscan --discover-only (per_second = 100000)" high --discover-only
stadscan_run "stadscan --discover-only --no-host-discovery (per_second = 100000)" high --discover-only --no-host-discovery
# The same with SYNs from a raw socket (root has CAP_NET_RAW).
stadscan_run "stadscan --syn --discover-only (defaults)" defaults --syn --discover-only
stadscan_run "stadscan --syn --discover-only (per_second = 100000)" high --syn --discover-only
stadscan_run "stadscan --syn --discover-only --no-host-discovery (per_second = 100000)" high --syn --discover-only --no-host-discovery
stadscan_run "stadscan --syn full scan (defaults)" defaults --syn
stadscan_run "stadscan full scan (defaults)" defaults
nmap_run "nmap -sT -T4" -sT
nmap_run "nmap -sS -T4" -sS

header="Lab: $addrs addresses ($cidr) x 11 TCP ports, $live live devices ($(wc -l < "$work/truth") open ports), the rest dropped by nftables; a veth pair, $wire. $(nmap --version | head -1)."
table="| run | seconds | open ports found | missed |
|---|---|---|---|
$(printf '%s\n' "${results[@]}")"
echo "$header"
echo "$table"
