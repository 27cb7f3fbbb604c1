#!/usr/bin/env bash
# TLS assessment speed and agreement: stadscan against sslyze (PyPI) and
# testssl.sh (Debian's testssl.sh package) on the same three OpenSSL servers the integration tests use (legacy TLS 1.0/1.1 with
# static RSA and an RSA-1024/SHA-1 certificate; TLS 1.2 DHE with ffdhe2048;
# TLS 1.3 only). Everything listens on 127.66.0.x.
#
#   bash bench/tls-vs-sslyze.sh            # prints a table; --record puts it in bench/RESULTS.md
#
# Needs: openssl, python3; installs sslyze into a private venv and testssl.sh
# with apt on first use. TESTSSL=0 leaves testssl.sh out (it takes minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
record=${1:-}
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT

venv=${SSLYZE_VENV:-/tmp/stadscan-sslyze-venv}
if [ ! -x "$venv/bin/sslyze" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q sslyze
fi
sslyze_version=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("sslyze"))')
use_testssl=${TESTSSL:-1}
if [ "$use_testssl" = 1 ]; then
  command -v testssl >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq testssl.sh >/dev/null; }
  testssl_version=$(dpkg-query -W -f '${Version}' testssl.sh 2>/dev/null || echo unknown)
fi
cargo build --release --quiet
bin=target/release/stadscan

openssl req -x509 -newkey rsa:1024 -sha1 -nodes -keyout "$work/l-key.pem" -out "$work/l-cert.pem" -days 30 -subj /CN=legacy 2>/dev/null
openssl req -x509 -newkey rsa:3072 -sha256 -nodes -keyout "$work/d-key.pem" -out "$work/d-cert.pem" -days 30 -subj /CN=dhe 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/m-key.pem" -out "$work/m-cert.pem" -days 30 -subj /CN=modern 2>/dev/null
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$work/dh.pem" 2>/dev/null

serve() { # name ip port args...
  local name=$1 ip=$2 port=$3; shift 3
  openssl s_server -accept "$ip:$port" -cert "$work/$name-cert.pem" -key "$work/$name-key.pem" -www -quiet "$@" >/dev/null 2>&1 &
}
# Each server twice: on a port stadscan has no hint for (it first listens
# 200 ms for a server-first greeting) and on a usual TLS port (TLS first).
for port in 4431 8443; do
  serve l 127.66.0.1 $port -no_tls1_3 -no_tls1_2 -cipher 'AES128-SHA:AES256-SHA:ECDHE-RSA-AES128-SHA:@SECLEVEL=0'
  serve d 127.66.0.2 $port -tls1_2 -cipher 'DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384' -dhparam "$work/dh.pem"
  serve m 127.66.0.3 $port -tls1_3 -groups X25519:P-256:P-384
done
sleep 1

now() { date +%s.%N; }
if [ "$use_testssl" = 1 ]; then
  printf '| endpoint | stadscan (s) | sslyze (s) | ratio | same accepted suites | testssl.sh (s) | ratio | same accepted suites |\n|---|---|---|---|---|---|---|---|\n' > "$work/table.md"
else
  printf '| endpoint | stadscan (s) | sslyze (s) | ratio | same accepted suites |\n|---|---|---|---|---|\n' > "$work/table.md"
fi
total_s=0; total_y=0; total_t=0
for ep in legacy:127.66.0.1:4431 dhe:127.66.0.2:4431 modern:127.66.0.3:4431 \
          legacy:127.66.0.1:8443 dhe:127.66.0.2:8443 modern:127.66.0.3:8443; do
  name=${ep%%:*}; hostport=${ep#*:}; ip=${hostport%:*}; port=${hostport#*:}
  printf 'name = "bench-%s-'"$port"'"\n[[networks]]\ncidr = "%s/32"\n[ports]\ntcp = [%s]\nudp = []\n[rate]\nper_second = 5000\ntimeout_ms = 3000\n' "$name" "$ip" "$port" > "$work/$name.toml"
  name=$name-$port
  mv "$work/${name%-*}.toml" "$work/$name.toml"
  t0=$(now); "$bin" scan --scope "$work/$name.toml" --json "$work/$name.json" -q >/dev/null; t1=$(now)
  "$venv/bin/sslyze" --quiet --sslv2 --sslv3 --tlsv1 --tlsv1_1 --tlsv1_2 --tlsv1_3 --elliptic_curves \
    --compression --reneg --certinfo --json_out "$work/$name.sslyze.json" "$hostport" >/dev/null 2>&1 || true
  t2=$(now)
  # testssl.sh: protocols, every cipher per protocol, server defaults and
  # certificate, forward secrecy (curves), renegotiation, compression: what
  # the sslyze options above ask. No DNS lookups (there is no DNS here).
  if [ "$use_testssl" = 1 ]; then
    testssl --quiet --warnings off --color 0 --nodns none --mapping iana -p -E -S -f -R -C \
      --jsonfile "$work/$name.testssl.json" "$hostport" >/dev/null 2>&1 || true
  fi
  t3=$(now)
  s=$(echo "$t1 - $t0" | bc -l); y=$(echo "$t2 - $t1" | bc -l); ts=$(echo "$t3 - $t2" | bc -l)
  total_s=$(echo "$total_s + $s" | bc -l); total_y=$(echo "$total_y + $y" | bc -l); total_t=$(echo "$total_t + $ts" | bc -l)
  same=$(python3 - "$work/$name.json" "$work/$name.sslyze.json" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))
theirs = json.load(open(sys.argv[2]))
prof = ours["assets"][0]["observations"][0]["facts"].get("tls.suites", [])
mine = set(tuple(s.split(" ", 1)) for s in prof)
names = {"ssl_2_0_cipher_suites": "SSLv2", "ssl_3_0_cipher_suites": "SSLv3", "tls_1_0_cipher_suites": "TLSv1.0",
         "tls_1_1_cipher_suites": "TLSv1.1", "tls_1_2_cipher_suites": "TLSv1.2", "tls_1_3_cipher_suites": "TLSv1.3"}
res = theirs["server_scan_results"][0]["scan_result"]
other = set()
for key, ver in names.items():
    r = (res.get(key) or {}).get("result") or {}
    for a in r.get("accepted_cipher_suites", []):
        other.add((ver, a["cipher_suite"]["name"]))
print("yes" if mine == other else "NO: only stadscan %s, only sslyze %s" % (sorted(mine - other), sorted(other - mine)))
PY
)
  if [ "$use_testssl" = 1 ]; then
    same_t=$(python3 - "$work/$name.json" "$work/$name.testssl.json" <<'PY'
import json, re, sys
ours = json.load(open(sys.argv[1]))
prof = ours["assets"][0]["observations"][0]["facts"].get("tls.suites", [])
mine = set(tuple(s.split(" ", 1)) for s in prof)
try:
    theirs = json.load(open(sys.argv[2]))
except (OSError, ValueError) as e:
    print(f"NO: no testssl.sh result ({e.__class__.__name__})")
    sys.exit()
# ids: cipher-ssl3_x.., cipher-tls1_x.., cipher-tls1_1_x.., cipher-tls1_2_x.., cipher-tls1_3_x..
versions = {"ssl2": "SSLv2", "ssl3": "SSLv3", "tls1": "TLSv1.0", "tls1_1": "TLSv1.1",
            "tls1_2": "TLSv1.2", "tls1_3": "TLSv1.3"}
other = set()
for e in theirs:
    m = re.match(r"cipher-(ssl2|ssl3|tls1(?:_[123])?)_x[0-9a-f]+$", e.get("id", ""))
    name = re.search(r"\b(?:TLS|SSL)_[A-Z0-9_]+\b", e.get("finding", ""))
    if m and name:
        other.add((versions[m.group(1)], name.group(0)))
print("yes" if mine == other else "NO: only stadscan %s, only testssl.sh %s" % (sorted(mine - other), sorted(other - mine)))
PY
)
    printf '| %s (%s) | %.2f | %.2f | %.1fx | %s | %.2f | %.1fx | %s |\n' "$name" "$hostport" "$s" "$y" "$(echo "$y / $s" | bc -l)" "$same" \
      "$ts" "$(echo "$ts / $s" | bc -l)" "$same_t" >> "$work/table.md"
  else
    printf '| %s (%s) | %.2f | %.2f | %.1fx | %s |\n' "$name" "$hostport" "$s" "$y" "$(echo "$y / $s" | bc -l)" "$same" >> "$work/table.md"
  fi
done
if [ "$use_testssl" = 1 ]; then
  printf '| total | %.2f | %.2f | %.1fx | | %.2f | %.1fx | |\n' "$total_s" "$total_y" "$(echo "$total_y / $total_s" | bc -l)" \
    "$total_t" "$(echo "$total_t / $total_s" | bc -l)" >> "$work/table.md"
else
  printf '| total | %.2f | %.2f | %.1fx | |\n' "$total_s" "$total_y" "$(echo "$total_y / $total_s" | bc -l)" >> "$work/table.md"
fi
cat "$work/table.md"
if [ "$record" = "--record" ]; then
  {
    if [ "$use_testssl" = 1 ]; then
      printf '## TLS: stadscan vs sslyze %s and testssl.sh %s (%s)\n\n' "$sslyze_version" "$testssl_version" "$(date -u +%Y-%m-%d)"
    else
      printf '## TLS: stadscan vs sslyze %s (%s)\n\n' "$sslyze_version" "$(date -u +%Y-%m-%d)"
    fi
    printf 'Machine: %s cores, %s, load average %s at the end. Command: `bash bench/tls-vs-sslyze.sh --record`.\n' "$(nproc)" "$(uname -sr)" "$(cut -d' ' -f1 /proc/loadavg)"
    printf 'stadscan: a full `scan` of one endpoint (discovery, identification, TLS enumeration, checks, outputs).\n'
    printf 'sslyze: `--sslv2 --sslv3 --tlsv1 --tlsv1_1 --tlsv1_2 --tlsv1_3 --elliptic_curves --compression --reneg --certinfo`.\n'
    [ "$use_testssl" = 1 ] && printf 'testssl.sh: `--nodns none --mapping iana -p -E -S -f -R -C` (protocols, each cipher per protocol, server defaults and certificate, forward secrecy and curves, renegotiation, compression).\n'
    printf '\n'
    cat "$work/table.md"
  } | python3 bench/record-section.py bench/RESULTS.md "## TLS: stadscan vs sslyze"
fi
