#!/usr/bin/env bash
# A full scan side by side, in one run on the same targets: a city lab of
# DEVICES devices (`stadscan lab --devices`) in 127.48.0.0/16, on the lab's 12
# TCP ports (nmap -sT speaks no UDP, so the lab's UDP services are left out).
#
#  1. every device address:
#     - stadscan scan (discovery, identification, TLS enumeration, checks, outputs),
#     - stadscan scan --discover-only (the discovery part of the same run alone),
#     - nmap -sT -sV -T4 -n -Pn;
#  2. the TLS endpoints stadscan found (the ports that spoke TLS, on the hosts
#     that had one of them open):
#     - stadscan scan (the same full scan, restricted to those hosts and ports),
#     - nmap -sT -n -Pn --script ssl-enum-ciphers,ssl-cert.
#
# Reports wall time, the ratio, peak RSS, how many services each identified and
# where the two disagree, and (TLS) whether both found the same accepted suites.
#
#   bash bench/full-scan-vs-nmap.sh [--record]      (DEVICES=1024 by default; KEEP=1 keeps the work folder)
set -euo pipefail
cd "$(dirname "$0")/.."
record=${1:-}
devices=${DEVICES:-1024}
block=48
command -v nmap >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo; $sudo apt-get install -y -qq nmap >/dev/null; }
work=$(mktemp -d)
cargo build --release --quiet
bin=target/release/stadscan

# The lab holds about 1.5 sockets per device: use the hard open-file limit.
ulimit -n "$(ulimit -Hn)"
mkdir -p "$work/lab"
"$bin" lab --devices "$devices" --prefix "127.$block.0" --scope-out "$work/lab/scope.toml" -q > "$work/lab.txt" &
lab=$!
trap 'kill $lab 2>/dev/null; wait $lab 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
for _ in $(seq 50); do [ -s "$work/lab/scope.toml" ] && break; sleep 0.2; done
sleep 1

# Targets: the device addresses (127.48.0.1 onwards, 254 per /24), as CIDRs both
# tools take; ports: the lab's TCP ports.
python3 - "$devices" "$block" "$work" <<'PY'
import ipaddress, re, sys
n, block, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
last = n - 1
first = ipaddress.IPv4Address(f"127.{block}.0.1")
end = ipaddress.IPv4Address(f"127.{block}.{last // 254}.{last % 254 + 1}")
nets = [str(c) for c in ipaddress.summarize_address_range(first, end)]
open(f"{work}/targets.txt", "w").write("\n".join(nets) + "\n")
lab = open(f"{work}/lab/scope.toml").read()
tcp = re.search(r"^tcp = \[(.*)\]", lab, re.M).group(1).replace(" ", "")
open(f"{work}/ports.txt", "w").write(tcp + "\n")
def scope(name, networks, ports):
    out = f'name = "{name}"\ntrust_anchors = ["lab/lab-ca.pem"]\n'
    for c in networks:
        out += f'[[networks]]\ncidr = "{c}"\n'
    # As fast as the machine goes: no rate limit, 512 endpoint jobs in flight.
    out += f"[ports]\ntcp = [{ports}]\nudp = []\n[rate]\nper_second = 1000000\nmax_in_flight = 512\ntimeout_ms = 1500\n"
    return out
open(f"{work}/full.toml", "w").write(scope("bench-full-scan", nets, tcp))
print(f"{n} devices, {sum(ipaddress.ip_network(c).num_addresses for c in nets)} addresses in {len(nets)} CIDRs, TCP ports {tcp}", file=sys.stderr)
PY
ports=$(cat "$work/ports.txt")
mapfile -t targets < "$work/targets.txt"
naddr=$(python3 -c "import ipaddress,sys; print(sum(ipaddress.ip_network(l.strip()).num_addresses for l in open('$work/targets.txt')))")

timed() { # name command...
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$work/t.$name" "$@" > "$work/out.$name" 2> "$work/err.$name" || {
    echo "$name failed:"; tail -5 "$work/err.$name"; exit 1; }
}
echo "work folder: $work" >&2
echo "stadscan full scan..." >&2
timed full "$bin" scan --scope "$work/full.toml" --json "$work/full.json" -q
echo "stadscan --discover-only..." >&2
timed disc "$bin" scan --scope "$work/full.toml" --discover-only --json "$work/disc.json" -q
echo "nmap -sT -sV -T4..." >&2
timed nmapsv nmap -sT -sV -T4 -n -Pn -p "$ports" -oX "$work/nmapsv.xml" "${targets[@]}"

# The TLS endpoints stadscan found, as hosts x ports for both tools.
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
d = json.load(open(f"{work}/full.json"))
eps = sorted({(o["endpoint"]["addr"], o["endpoint"]["port"]) for a in d["assets"] for o in a["observations"] if o.get("tls")})
hosts = sorted({h for h, _ in eps}, key=lambda h: tuple(int(x) for x in h.split(".")))
ports = sorted({p for _, p in eps})
open(f"{work}/tls-eps.txt", "w").write("".join(f"{h}:{p}\n" for h, p in eps))
open(f"{work}/tls-hosts.txt", "w").write("\n".join(hosts) + "\n")
open(f"{work}/tls-ports.txt", "w").write(",".join(map(str, ports)) + "\n")
out = 'name = "bench-tls-endpoints"\ntrust_anchors = ["lab/lab-ca.pem"]\n'
for h in hosts:
    out += f'[[networks]]\ncidr = "{h}/32"\n'
out += f"[ports]\ntcp = [{','.join(map(str, ports))}]\nudp = []\n[rate]\nper_second = 1000000\nmax_in_flight = 512\ntimeout_ms = 1500\n"
open(f"{work}/tls.toml", "w").write(out)
PY
tls_ports=$(cat "$work/tls-ports.txt")
ntls=$(wc -l < "$work/tls-eps.txt")
nhosts=$(wc -l < "$work/tls-hosts.txt")
# Both take well under a second here, where one neighbour's burst on this
# shared machine weighs: TLS_RUNS turns each (5 by default), the median wall
# time and the highest peak RSS reported.
tls_runs=${TLS_RUNS:-5}
echo "stadscan and nmap ssl-enum-ciphers,ssl-cert on $ntls TLS endpoints ($nhosts hosts x $tls_ports), $tls_runs turns..." >&2
for i in $(seq "$tls_runs"); do
  timed "tls.$i" "$bin" scan --scope "$work/tls.toml" --json "$work/tls.json" -q
  timed "nmapssl.$i" nmap -sT -n -Pn -p "$tls_ports" --script ssl-enum-ciphers,ssl-cert -oX "$work/nmapssl.xml" -iL "$work/tls-hosts.txt"
done
for name in tls nmapssl; do
  cat "$work"/t.$name.* | sort -n | awk '{w[NR]=$1; if ($2>m) m=$2} END {print w[int((NR+1)/2)], m}' > "$work/t.$name"
done

python3 - "$work" "$devices" "$naddr" "$ports" "$ntls" "$nhosts" "$tls_ports" "$(nmap --version | head -1)" "$(nproc)" "$tls_runs" <<'PY' > "$work/section.md"
import json, sys, collections, datetime, os
import xml.etree.ElementTree as ET
work, devices, naddr, ports, ntls, nhosts, tls_ports, nmap_version, cores, tls_runs = sys.argv[1:]
nports = len(ports.split(","))

def t(name):
    wall, rss = open(f"{work}/t.{name}").read().split()
    return float(wall), int(rss) / 1024

def stadscan_services(path):
    d = json.load(open(path))
    out = {}
    for a in d["assets"]:
        for o in a["observations"]:
            out[(o["endpoint"]["addr"], o["endpoint"]["port"])] = o
    return d, out

# nmap names for what stadscan calls the same protocol.
ALIASES = {"http-proxy": "http", "upnp": "http", "http-alt": "http", "https-alt": "http", "mbap": "modbus",
           "rtsp-alt": "rtsp", "ssl": "tls"}
def nmap_ports(path):
    out = {}
    for host in ET.parse(path).getroot().iter("host"):
        addr = host.find("address").get("addr")
        for p in host.iter("port"):
            if p.find("state").get("state") != "open":
                continue
            out[(addr, int(p.get("portid")))] = p
    return out

full, ours = stadscan_services(f"{work}/full.json")
_, disc = stadscan_services(f"{work}/disc.json")
theirs = nmap_ports(f"{work}/nmapsv.xml")

def our_name(o):
    proto = o.get("protocol") or "unknown"
    return proto, bool(o.get("tls"))
def their_name(p):
    s = p.find("service")
    if s is None or s.get("method") != "probed":
        return "unknown", False
    name = ALIASES.get(s.get("name"), s.get("name"))
    tls = s.get("tunnel") == "ssl" or name in ("https",)
    if name == "https":
        name = "http"
    return name, tls
def label(n):
    name, tls = n
    return f"{name}+tls" if tls and name != "tls" else name

ours_id = sum(1 for o in ours.values() if our_name(o)[0] != "unknown")
theirs_id = sum(1 for p in theirs.values() if their_name(p)[0] != "unknown")
ours_product = sum(1 for a in full["assets"] if a.get("vendor") or a.get("model"))
theirs_product = sum(1 for p in theirs.values() if p.find("service") is not None and p.find("service").get("product"))
same_open = set(ours) == set(theirs) == set(disc)

disagree = collections.Counter()
for ep in sorted(set(ours) | set(theirs)):
    a = label(our_name(ours[ep])) if ep in ours else "(not open)"
    b = label(their_name(theirs[ep])) if ep in theirs else "(not open)"
    if a != b:
        disagree[(ep[1], a, b)] += 1

fw, frss = t("full"); dw, drss = t("disc"); nw, nrss = t("nmapsv")
lines = []
w = lines.append
date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
w(f"## Full scan against nmap -sV and the ssl scripts ({date})")
w("")
w(f"Machine: {cores} cores, load average {os.getloadavg()[0]:.1f} at the end, {nmap_version}. "
  f"Command: `{'' if devices == '1024' else f'DEVICES={devices} '}bash bench/full-scan-vs-nmap.sh --record`; {devices} lab devices "
  f"(`stadscan lab --devices {devices}`) in 127.48.0.0/16, scanned on their {naddr} addresses "
  f"x {nports} TCP ports; stadscan at `per_second = 1000000`, `max_in_flight = 512`, `timeout_ms = 1500`.")
w("")
w("| tool | wall (s) | peak RSS (MB) | open ports | services identified | with vendor/product |")
w("|---|---|---|---|---|---|")
w(f"| stadscan scan (discovery + identification + TLS + checks) | {fw:.2f} | {frss:.1f} | {len(ours)} | {ours_id} | {ours_product} assets |")
w(f"| stadscan scan --discover-only (its discovery alone) | {dw:.2f} | {drss:.1f} | {len(disc)} | - | - |")
w(f"| nmap -sT -sV -T4 -n -Pn | {nw:.2f} | {nrss:.1f} | {len(theirs)} | {theirs_id} | {theirs_product} ports |")
w("")
# Where stadscan's time goes: per endpoint (they overlap, 512 at once), the
# slowest kinds of endpoint decide the tail of the run.
kinds = collections.defaultdict(list)
for o in ours.values():
    prof = o.get("tls_profile") or {}
    kinds[(o["endpoint"]["port"], label(our_name(o)))].append((o.get("elapsed_ms", 0), prof.get("elapsed_ms", 0), prof.get("connections", 0)))
slow = sorted(kinds.items(), key=lambda kv: -max(e + t for e, t, _ in kv[1]))[:4]
phase = "; ".join(
    f"{port} {name}: identification {sum(e for e, _, _ in v) / len(v):.0f} ms"
    + (f" + TLS enumeration {sum(t for _, t, _ in v) / len(v):.0f} ms ({sum(c for _, _, c in v) / len(v):.0f} connections)" if any(t for _, t, _ in v) else "")
    for (port, name), v in slow)
w(f"stadscan vs nmap -sV: **{nw / fw:.1f}x** faster (target: >= 5x); same open ports: {'yes' if same_open else 'NO'}; "
  f"identification after discovery took {max(fw - dw, 0):.2f} s of stadscan's {fw:.2f} s. "
  f"Slowest endpoints (mean per endpoint): {phase}.")
w("")
if disagree:
    w("Where the two name a service differently (port: stadscan / nmap, count):")
    w("")
    for (port, a, b), n in sorted(disagree.items()):
        w(f"- {port}: {a} / {b} ({n})")
    w("")

# TLS endpoints
tw, trss = t("tls"); sw, srss = t("nmapssl")
_, tls_ours = stadscan_services(f"{work}/tls.json")
tls_theirs = nmap_ports(f"{work}/nmapssl.xml")
def nmap_suites(p):
    out = set()
    for s in p.iter("script"):
        if s.get("id") != "ssl-enum-ciphers":
            continue
        for ver in s.findall("table"):
            for ciphers in ver.findall("table[@key='ciphers']"):
                for c in ciphers.findall("table"):
                    name = c.find("elem[@key='name']").text
                    out.add((ver.get("key"), name.replace("TLS_AKE_WITH_", "TLS_")))
    return out
def our_suites(o):
    return {tuple(s.split(" ", 1)) for s in (o.get("facts") or {}).get("tls.suites", [])}
def has_cert(p):
    return any(s.get("id") == "ssl-cert" for s in p.iter("script"))
eps = [tuple(l.strip().rsplit(":", 1)) for l in open(f"{work}/tls-eps.txt")]
eps = [(h, int(p)) for h, p in eps]
same = 0
diffs = collections.Counter()
for ep in eps:
    a = our_suites(tls_ours[ep]) if ep in tls_ours else set()
    b = nmap_suites(tls_theirs[ep]) if ep in tls_theirs else set()
    if a == b and a:
        same += 1
    else:
        diffs[(ep[1], tuple(sorted(a - b)), tuple(sorted(b - a)))] += 1
certs = sum(1 for ep in eps if ep in tls_theirs and has_cert(tls_theirs[ep]))
w(f"TLS endpoints: the {ntls} that spoke TLS in the full scan ({nhosts} hosts x ports {tls_ports}); "
  f"median wall time of {tls_runs} turns each, the two tools taking turns.")
w("")
w("| tool | wall (s) | peak RSS (MB) | endpoints enumerated | same accepted suites |")
w("|---|---|---|---|---|")
enumerated = sum(1 for ep in eps if ep in tls_ours and our_suites(tls_ours[ep]))
w(f"| stadscan scan (full scan of those hosts and ports) | {tw:.2f} | {trss:.1f} | {enumerated} | {same} of {ntls} |")
w(f"| nmap -sT -n -Pn --script ssl-enum-ciphers,ssl-cert | {sw:.2f} | {srss:.1f} | {sum(1 for ep in eps if ep in tls_theirs and nmap_suites(tls_theirs[ep]))} (certificate: {certs}) | |")
w("")
w(f"stadscan vs the ssl scripts: **{sw / tw:.1f}x** faster (target: >= 5x).")
if diffs:
    w("")
    w("Where the accepted suites differ (port: only stadscan / only nmap, count):")
    w("")
    for (port, a, b), n in sorted(diffs.items()):
        fmt = lambda s: ", ".join(" ".join(x) for x in s) or "-"
        w(f"- {port}: {fmt(a)} / {fmt(b)} ({n})")
print("\n".join(lines))
PY
cat "$work/section.md"
if [ "$record" = "--record" ]; then
  python3 bench/record-section.py bench/RESULTS.md "## Full scan against nmap" < "$work/section.md"
fi
