#!/usr/bin/env bash
# A greeting that TCP delivers late, made on purpose. Over a lossy wire
# (bench/lossy-findings.sh) an FTP server once went unheard because two of
# its connection's packets were lost: this script loses exactly those
# packets, every time, with nftables in a network namespace of its own,
# and scans Debian's vsftpd behind them:
#
#   none          no loss (the control)
#   ack+greeting  the client's last handshake packet, then the greeting
#   ack+ack       the client's last handshake packet and its answer to
#                 the server's first resent SYN-ACK
#
# (The "dropped" column counts the packets the rules dropped while the
# plain client measured the greeting: 2 when both losses happened.)
#
# For each case it first measures when the greeting arrives (a plain
# client), then scans the server with `greeting_ms = 3000` (what the wait
# was before it had a key of its own: the 3 s timeout) and with the
# default, and prints what each scan saw.
#
# Usage (root; only loopback inside the namespace, which is deleted
# afterwards): sudo bash bench/late-greeting.sh [BIN]
# BIN defaults to target/release/stadscan; NS names the namespace.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-target/release/stadscan}")
NS=${NS:-stadscan-greeting}
dir=$(mktemp -d)
cleanup() {
  ip netns pids "$NS" 2>/dev/null | xargs -r kill 2>/dev/null || true
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
in_ns() { ip netns exec "$NS" "$@"; }

ip netns add "$NS"
ip -n "$NS" link set lo up
# The conntrack packet counters the rules count with (a rule that uses
# conntrack loads it into the namespace first).
in_ns nft -f - <<'EOF'
table inet greeting {
  chain out {
    type filter hook output priority 0;
    ct state new counter
  }
}
EOF
in_ns sysctl -qw net.netfilter.nf_conntrack_acct=1

mkdir -p "$dir/ftp-root" "$dir/ftp-empty"
printf 'anonymous\nftp\n' >"$dir/ftp-users"
sed -e "s|@ADDR@|127.0.0.1|; s|@PORT@|21|; s|@ANONYMOUS@|YES|; s|@DIR@|$dir|g" \
  tests/servers/vsftpd.conf >"$dir/vsftpd.conf"
in_ns /usr/sbin/vsftpd "$dir/vsftpd.conf" &
sleep 0.5

rules() {
  in_ns nft delete table inet greeting 2>/dev/null || true
  case "$1" in
    none) return ;;
    ack+greeting)
      second="tcp sport 21 ct reply packets 3 counter drop" ;;
    ack+ack)
      second="tcp dport 21 ct original packets 3 counter drop" ;;
  esac
  in_ns nft -f - <<EOF
table inet greeting {
  chain out {
    type filter hook output priority 0;
    tcp dport 21 ct original packets 2 counter drop
    $second
  }
}
EOF
}

first_byte() {
  in_ns python3 - <<'EOF'
import socket, time
s = socket.create_connection(("127.0.0.1", 21), timeout=10)
t = time.monotonic()
s.settimeout(10)
data = s.recv(200)
print(f"{time.monotonic() - t:.2f} s ({data[:40]!r})")
EOF
}

scan() { # greeting_ms or "" for the default
  local extra="" out="$dir/out-$RANDOM.json"
  [ -n "$1" ] && extra="greeting_ms = $1"
  cat >"$dir/scope.toml" <<EOF
name = "late-greeting"
[[networks]]
cidr = "127.0.0.1/32"
[ports]
tcp = [21]
udp = []
[rate]
timeout_ms = 3000
$extra
EOF
  in_ns "$BIN" scan --scope "$dir/scope.toml" --json "$out" -q >/dev/null 2>&1 || true
  python3 - "$out" <<'EOF'
import json, sys
try:
    doc = json.load(open(sys.argv[1]))
except OSError as e:
    sys.exit(print(f"no report ({e.strerror})"))
obs = [o for a in doc["assets"] for o in a["observations"] if o["endpoint"]["port"] == 21]
o = obs[0] if obs else {}
f = o.get("facts", {})
rules = sorted({x["check_id"] for x in doc["findings"]})
print(f"protocol {o.get('protocol')}, status {o.get('status')}, {o.get('elapsed_ms')} ms, "
      f"anonymous {f.get('ftp.anonymous')}, findings {rules}")
EOF
}

printf '| case | dropped | greeting after | greeting_ms = 3000 | default (4500) |\n|---|---|---|---|---|\n'
for case in none ack+greeting ack+ack; do
  rules "$case"
  arrival=$(first_byte)
  dropped=$(in_ns nft list table inet greeting 2>/dev/null | grep -o 'counter packets [0-9]*' | awk '{print $3}' | paste -sd+ || true)
  old=$(scan 3000)
  new=$(scan "")
  printf '| %s | %s | %s | %s | %s |\n' "$case" "${dropped:-0}" "$arrival" "$old" "$new"
done
