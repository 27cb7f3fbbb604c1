#!/usr/bin/env bash
# Findings under latency and loss: does a full scan over a slow, lossy wire
# find every open port and every finding it finds over a clean one?
#
# The sparse city of bench/lab-net.sh (ADDRS addresses of 198.18.0.0/15,
# LIVE of them devices, the rest dropped by nftables), whose live
# addresses are real services that give findings, TCP and UDP alike:
#   - the first LAB_DEVICES: `stadscan lab --devices N` (the demo's mix of
#     simulated devices: cameras, controllers, SNMP, CoAP, BACnet, SSDP,
#     WS-Discovery, MQTT, FTP, Telnet, SSH...), listening on 127.42.0.x
#     inside the lab namespace;
#   - the others: Debian's servers on 127.43.0.x: snmpd (community
#     public), mosquitto (anonymous), nginx (RSA-1024 SHA-1 self-signed,
#     TLS 1.0-1.2) and libcoap's coap-server;
# each live address is translated (nftables DNAT) to its device.
# Then RUNS full scans at the default [rate] over each wire of CONDITIONS
# (name:wire:delay:loss; default a plain veth pair, then the delay line at
# 10 ms each way and 2 % loss each way), and a comparison of the open
# endpoints and the findings (address, endpoint, rule) of every run against
# the clean runs: what a lossy run missed that every clean run found, and
# what it found that no clean run did.
# Root only, this machine only: every packet stays inside the two
# namespaces, which are removed at the end.
#
#   sudo bash bench/lossy-findings.sh
#   RUNS=5 CONDITIONS="clean:veth:0:0 wan:delay:10:2 near:delay:1:0.5" sudo bash bench/lossy-findings.sh
#   KEEP=/tmp/lossy sudo bash bench/lossy-findings.sh   # keep reports, audit trails, dropped packets
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lab-net.sh
runs=${RUNS:-3}
lab_devices=${LAB_DEVICES:-56}
conditions=${CONDITIONS:-clean:veth:0:0 lossy:delay:10:2}
bin=$(realpath "${STADSCAN:-target/release/stadscan}")
lab_net_check snmpd mosquitto nginx coap-server-notls openssl bc
[ "$lab_devices" -lt "$live" ] || { echo "LAB_DEVICES must leave some of the LIVE addresses to the Debian servers"; exit 2; }
work=$(mktemp -d)
pids=()
devices_down() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2> /dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2> /dev/null || true; done
  pids=()
}
cleanup() {
  set +e
  devices_down
  lab_net_down
  rm -rf "$work"
}
trap cleanup EXIT

# The Debian servers' files, made once: a legacy certificate, configs.
mkdir -p "$work/debian"
openssl req -x509 -newkey rsa:1024 -sha1 -nodes -days 30 -subj /CN=portal.city.test \
  -keyout "$work/debian/key.pem" -out "$work/debian/cert.pem" 2> /dev/null

wait_for() { # what test-command...
  local what=$1
  shift
  for _ in $(seq 100); do "$@" 2> /dev/null && return 0; sleep 0.1; done
  echo "$what did not start"
  exit 1
}

# Starts the devices in the lab namespace and translates each live
# address to its device.
devices_up() {
  rm -f "$work/lab/scope.toml"
  mkdir -p "$work/lab"
  ip netns exec $L sysctl -qw net.ipv4.conf.all.route_localnet=1
  ip netns exec $L sysctl -qw "net.ipv4.conf.$lab_if.route_localnet=1"
  ip netns exec $L "$bin" lab --devices "$lab_devices" --prefix 127.42.0 --scope-out "$work/lab/scope.toml" -q > /dev/null &
  pids+=($!)
  wait_for "the stadscan lab" test -s "$work/lab/scope.toml"

  local debian=$((live - lab_devices)) i addrs_snmp="" conf="$work/debian"
  for i in $(seq "$debian"); do addrs_snmp+="${addrs_snmp:+,}udp:127.43.0.$i:161"; done
  printf 'agentAddress %s\nsysDescr Linux kade-gw 6.1.0-18-amd64 #1 SMP Debian 6.1.76-1 x86_64\nsysName kade-gw\nrocommunity public 127.0.0.0/8\nrocommunity public 198.19.0.0/16\n' \
    "$addrs_snmp" > "$conf/snmpd.conf"
  ip netns exec $L snmpd -f -Lf /dev/null -C -c "$conf/snmpd.conf" &
  pids+=($!)
  {
    echo "user root"
    echo "persistence false"
    echo "allow_anonymous true"
    for i in $(seq "$debian"); do echo "listener 1883 127.43.0.$i"; done
  } > "$conf/mosquitto.conf"
  ip netns exec $L mosquitto -c "$conf/mosquitto.conf" > /dev/null 2>&1 &
  pids+=($!)
  {
    echo "daemon off; master_process off; pid $conf/nginx.pid; error_log $conf/nginx-error.log;"
    echo "events { worker_connections 256; }"
    echo "http { access_log off; client_body_temp_path $conf/body; proxy_temp_path $conf/proxy;"
    echo "  fastcgi_temp_path $conf/fcgi; uwsgi_temp_path $conf/uwsgi; scgi_temp_path $conf/scgi;"
    echo "  server {"
    for i in $(seq "$debian"); do echo "    listen 127.43.0.$i:443 ssl;"; done
    echo "    ssl_certificate $conf/cert.pem; ssl_certificate_key $conf/key.pem;"
    echo "    ssl_protocols TLSv1 TLSv1.1 TLSv1.2;"
    echo '    ssl_ciphers "AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0";'
    echo '    location / { return 200 "city portal"; }'
    echo "  }"
    echo "}"
  } > "$conf/nginx.conf"
  ip netns exec $L nginx -e "$conf/nginx-error.log" -p "$conf" -c "$conf/nginx.conf" &
  pids+=($!)
  for i in $(seq "$debian"); do
    ip netns exec $L coap-server-notls -A "127.43.0.$i" -p 5683 > /dev/null 2>&1 &
    pids+=($!)
  done
  wait_for "nginx" ip netns exec $L bash -c "exec 3<>/dev/tcp/127.43.0.1/443"
  wait_for "mosquitto" ip netns exec $L bash -c "exec 3<>/dev/tcp/127.43.0.$debian/1883"

  # Live address number i is device i: the lab's first, then Debian's.
  python3 - "$work/hosts" "$lab_devices" > "$work/dnat.nft" << 'PY'
import sys
hosts = open(sys.argv[1]).read().split()
lab = int(sys.argv[2])
pairs = [f"{h} : 127.42.0.{i + 1}" if i < lab else f"{h} : 127.43.0.{i - lab + 1}" for i, h in enumerate(hosts)]
print("table ip labnat {")
print("  chain prerouting { type nat hook prerouting priority -100; policy accept;")
print("    dnat to ip daddr map { " + ", ".join(pairs) + " }")
print("  }")
print("}")
PY
  ip netns exec $L nft -f "$work/dnat.nft"
}

# The scope: the whole lab, every port the lab's devices and the
# smart-city profile name, the lab CA trusted.
scope() {
  python3 - "$work/lab/scope.toml" "$cidr" > "$work/lab/city.toml" << 'PY'
import sys, tomllib
lab = tomllib.load(open(sys.argv[1], "rb"))
tcp = sorted(set(lab["ports"]["tcp"]) | {21, 22, 23, 80, 102, 443, 502, 554, 1883, 2222, 2323, 4840, 8000, 8080, 8081, 8443, 8554, 8883, 10443})
udp = sorted(set(lab["ports"]["udp"]) | {161, 1900, 3702, 5683, 47808})
print('name = "lossy-findings"')
print('trust_anchors = ["lab-ca.pem"]')
print(f'[[networks]]\ncidr = "{sys.argv[2]}"')
print(f"[ports]\ntcp = {tcp}\nudp = {udp}")
PY
}

rows=()
for condition in $conditions; do
  IFS=: read -r name wire_kind delay loss <<< "$condition"
  lab_net_up
  devices_up
  scope
  check=$(lab_wire_check 1000)
  echo "$name: $wire; $check" >&2
  rows+=("- $name: $wire. $check")
  lab_wire_cells > /dev/null
  for r in $(seq "$runs"); do
    out="$work/$name.$r"
    t0=$(date +%s.%N)
    ip netns exec $S "$bin" scan --scope "$work/lab/city.toml" --json "$out.json" --audit "$out.audit" -q > /dev/null || [ $? -le 1 ]
    t1=$(date +%s.%N)
    echo "$(printf '%.1f' "$(echo "$t1 - $t0" | bc)") $(lab_wire_cells)" > "$out.wire"
    echo "  run $r: $(cat "$out.wire")" >&2
  done
  devices_down
  lab_net_down
  [ ! -f "$work/drops.tsv" ] || mv "$work/drops.tsv" "$work/$name.drops.tsv"
done

header="Lab: $addrs addresses ($cidr), $live live: $lab_devices simulated devices (stadscan lab) and $((live - lab_devices)) addresses with Debian's snmpd, mosquitto, nginx and coap-server; the rest dropped by nftables. Full scans at the default [rate], $runs per wire:"
echo "$header"
printf '%s\n' "${rows[@]}"
python3 bench/compare-findings.py "$work" $(for c in $conditions; do echo "${c%%:*}"; done)
# KEEP=folder keeps the reports, audit trails and the delay line's drops.
[ -z "${KEEP:-}" ] || { mkdir -p "$KEEP" && cp "$work"/*.json "$work"/*.audit "$work"/*.wire "$work"/*.tsv "$KEEP"/ 2> /dev/null || true; }
