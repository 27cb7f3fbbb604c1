#!/usr/bin/env bash
# A sparse city on a (virtual) wire with latency and loss (bench/lab-net.sh
# builds it: WIRE=delay, the default, is bench/delay-line.py between two
# TUN devices, DELAY ms and LOSS % each way; WIRE=netem a veth pair with tc
# netem; WIRE=veth a plain veth pair). The lab namespace answers for ADDRS
# addresses of 198.18.0.0/15, of which LIVE are devices (an HTTP server on
# 80 and 8080, an SSH banner on 22: 3 open ports each; their other ports
# refuse) and the rest are dropped by nftables, as unused addresses behind
# a firewall are. The scanner namespace allows unprivileged ICMP sockets.
# Then, in one run, on the same lab and the same 11 TCP ports:
#   - stadscan --discover-only at the default [rate],
#   - stadscan --discover-only at a high rate,
#   - stadscan --discover-only --no-host-discovery at a high rate,
#   - the same three and a full scan with --syn (SYNs from a raw socket),
#   - stadscan full scan (identification included) at the defaults,
#   - stadscan full scan with the smart-city profile (19 TCP + 5 UDP ports)
#     at the defaults, and with its TCP ports only (the difference is the
#     UDP part of the /16 estimate),
#   - nmap -sT -T4 and nmap -sS -T4 (nmap's own host discovery),
# each with its wall time and open ports found (against the lab's truth),
# and what the delay line forwarded, lost and how late it was meanwhile.
# Root only, this machine only: every packet stays inside the two
# namespaces, which are removed at the end.
#
#   sudo bash bench/sparse-city.sh                   # 10 ms each way, 1 % loss
#   DELAY=10 LOSS=2 sudo bash bench/sparse-city.sh   # RTT 20 ms, 2 % loss each way
#   DELAY=1 LOSS=0.5 sudo bash bench/sparse-city.sh
#   WIRE=veth sudo bash bench/sparse-city.sh         # no delay, no loss
#   NAME=ssc2 sudo bash bench/sparse-city.sh         # namespaces of other names
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lab-net.sh
nmap_limit=${NMAP_LIMIT:-900}
bin=${STADSCAN:-target/release/stadscan}
lab_net_check nmap bc
[ -x "$bin" ] || cargo build --release --quiet
work=$(mktemp -d)
cleanup() {
  set +e
  [ -n "${srv:-}" ] && kill "$srv" 2> /dev/null
  lab_net_down
  wait 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT
lab_net_up

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
scope() { # name ports-lines extra-lines
  printf 'name = "%s"\n[[networks]]\ncidr = "%s"\n[ports]\n%s\n%s' "$1" "$cidr" "$2" "$3" > "$work/$1.toml"
}
scope defaults "tcp = [$ports]"$'\nudp = []' ""
scope high "tcp = [$ports]"$'\nudp = []' $'[rate]\nper_second = 100000\n'
scope profile 'profile = "smart-city"' ""
# The same TCP ports without UDP: the difference is the UDP part.
scope profile-tcp 'tcp = [21, 22, 23, 80, 102, 443, 502, 554, 1883, 2222, 2323, 4840, 8000, 8080, 8081, 8443, 8554, 8883, 10443]'$'\nudp = []' ""

results=()
wire_check=$(lab_wire_check 2000)
echo "$wire_check" >&2
lab_wire_cells > /dev/null # counters from here on
row() { # label seconds found
  local found missing wire_cells
  found=$(wc -l < "$3")
  missing=$(comm -23 "$work/truth" "$3" | wc -l)
  wire_cells=$(lab_wire_cells)
  results+=("| $1 | $2 | $found | $missing $wire_cells")
  echo "$1: $2 s, $found open ports found, $missing of $(wc -l < "$work/truth") missed; wire $wire_cells" >&2
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
print("   ", {k: s["net"][k] for k in ("connects", "timeouts", "silent_timeouts", "datagrams", "echoes", "echo_replies", "rate_per_second", "rate_lowered")},
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
stadscan_run "stadscan full scan, smart-city profile (19 TCP + 5 UDP ports, defaults)" profile --audit "$work/profile.audit"
# Where the datagrams went: per probe, to live and to silent addresses.
python3 - "$work/profile.audit" "$work/hosts" >&2 << 'PY'
import collections, json, sys
live = set(open(sys.argv[2]).read().split())
count = collections.Counter()
for line in open(sys.argv[1]):
    a = json.loads(line)
    if a["transport"] == "udp":
        count[(a["probe"], "live" if a["target"] in live else "silent")] += 1
print("    datagrams by probe:", dict(sorted(count.items())))
PY
stadscan_run "stadscan full scan, the profile's 19 TCP ports only (defaults)" profile-tcp
nmap_run "nmap -sT -T4" -sT
nmap_run "nmap -sS -T4" -sS

header="Lab: $addrs addresses ($cidr) x 11 TCP ports, $live live devices ($(wc -l < "$work/truth") open ports), the rest dropped by nftables; $wire. $(nmap --version | head -1). $wire_check Wire columns: packets the delay line forwarded (to the lab / back), the share it dropped, how late its 99th percentile packet went out, its own CPU seconds, packets the kernel dropped in front of it."
table="| run | seconds | open ports found | missed | wire: packets | lost % | late p99 ms | line CPU s | kernel drops |
|---|---|---|---|---|---|---|---|---|
$(printf '%s\n' "${results[@]}")"
echo "$header"
echo "$table"
