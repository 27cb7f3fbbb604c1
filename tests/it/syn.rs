//! `scan --syn`: TCP ports found with SYNs from a raw socket, on a /28 of
//! loopback. Where this process may open a raw socket (CI runs as root) the
//! scanner must send SYNs, and a sniffer (a raw socket of the test's own)
//! sees every packet on the wire: SYNs to the scope's addresses from one
//! source port, the system's reset after each SYN-ACK, and not one packet
//! to the excluded address. The same scan without CAP_NET_RAW (`setpriv`
//! drops it) must fall back to connects and say so. Where this process
//! may not open a raw socket, the scan must take the fallback and say so:
//! the test never passes without checking one of the two.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{SERIAL, Scanned, TestDir, WITHOUT_RAW, listener, notes, open_ports, setpriv};
use serde_json::Value;
use socket2::{Domain, Protocol, Socket, Type};
use stadscan::proto::tcp::{self, Segment, flags};

/// The liveness port, a port open on two hosts, and one silent on a live host.
const LIVE: u16 = 47_401;
const OPEN: u16 = 47_402;
const SILENT: u16 = 47_403;

/// 127.96.B.0/28: `.1` open on OPEN (its other ports refuse), `.2` open on
/// LIVE and OPEN and silent on SILENT, `.3` open on everything but excluded
/// by the scope, `.4` silent on every port; the rest refuse.
struct Net {
    block: u8,
    _held: Vec<std::net::TcpListener>,
    _queued: Vec<std::net::TcpStream>,
}

const EXCLUDED: u8 = 3;
const QUIET: u8 = 4;

impl Net {
    fn start(block: u8) -> Net {
        let mut held = Vec::new();
        let mut queued = Vec::new();
        for (host, port, silent) in [
            (1, OPEN, false),
            (2, LIVE, false),
            (2, OPEN, false),
            (2, SILENT, true),
            (EXCLUDED, LIVE, false),
            (EXCLUDED, OPEN, false),
            (QUIET, LIVE, true),
            (QUIET, OPEN, true),
            (QUIET, SILENT, true),
        ] {
            let addr = SocketAddr::from((Ipv4Addr::new(127, 96, block, host), port));
            held.push(listener(addr, silent, &mut queued));
        }
        Net {
            block,
            _held: held,
            _queued: queued,
        }
    }

    fn ip(&self, host: u8) -> String {
        Ipv4Addr::new(127, 96, self.block, host).to_string()
    }

    fn contains(&self, ip: Ipv4Addr) -> bool {
        let o = ip.octets();
        o[..3] == [127, 96, self.block] && o[3] < 16
    }

    fn scope(&self, name: &str) -> String {
        format!(
            "name = \"{name}\"\nexclude = [\"{}\"]\n[[networks]]\ncidr = \"127.96.{}.0/28\"\n\
             [ports]\ntcp = [{LIVE}, {OPEN}, {SILENT}]\nudp = []\n\
             [rate]\nper_second = 20000\ntimeout_ms = 400\nconnect_timeout_ms = 300\n\
             [discovery]\ntcp_ports = [{LIVE}]\nicmp = false\n",
            self.ip(EXCLUDED),
            self.block
        )
    }
}

/// True when this process may open a raw socket (as the scanner would).
fn raw_allowed() -> bool {
    Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP)).is_ok()
}

/// Records every TCP packet to an address of `net`'s /28 until dropped.
struct Sniffer {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<Vec<Segment>>>,
}

impl Sniffer {
    fn start(net: &Net) -> Sniffer {
        let sock = Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::TCP)).unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        sock.set_recv_buffer_size(4 << 20).unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let block = net.block;
        let thread = std::thread::spawn(move || {
            use std::io::Read;
            let mine = |ip: Ipv4Addr| {
                let o = ip.octets();
                o[..3] == [127, 96, block] && o[3] < 16
            };
            let mut seen = Vec::new();
            let mut buf = vec![0u8; 65_535];
            let mut sock = sock;
            while !flag.load(Ordering::Relaxed) {
                if let Ok(n) = sock.read(&mut buf)
                    && let Ok(s) = tcp::decode(&buf[..n])
                    && mine(*s.dst.ip())
                {
                    seen.push(s);
                }
            }
            seen
        });
        Sniffer {
            stop,
            thread: Some(thread),
        }
    }

    fn finish(mut self) -> Vec<Segment> {
        // Late packets (the resets after the last SYN-ACKs) come within a
        // few milliseconds on loopback; half a second is ample.
        std::thread::sleep(Duration::from_millis(500));
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap()
    }
}

/// Runs `scan --syn` (plus `extra`) on the test's scope, behind `wrapper`
/// (a command that runs the scanner, or nothing).
async fn scan(dir: &TestDir, net: &Net, name: &str, extra: &[&str], wrapper: &[&str]) -> Scanned {
    let scope = dir.write(&format!("{name}.toml"), &net.scope(name));
    let mut args = vec!["--syn"];
    args.extend_from_slice(extra);
    common::scan_audited(dir, name, &scope, &args, wrapper).await
}

/// Audit lines of `probe`, as "addr:port" -> outcomes in order.
fn lines(audit: &[Value], probe: &str) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for l in audit.iter().filter(|l| l["probe"] == probe) {
        map.entry(format!("{}:{}", l["target"].as_str().unwrap(), l["port"]))
            .or_default()
            .push(l["outcome"].as_str().unwrap().to_string());
    }
    map
}

fn expected_open(net: &Net) -> BTreeSet<String> {
    [(1, OPEN), (2, LIVE), (2, OPEN)]
        .iter()
        .map(|(h, p)| format!("{}:{p}", net.ip(*h)))
        .collect()
}

/// What a scan that fell back to connects must show.
fn assert_fallback(net: &Net, s: &Scanned, name: &str) {
    assert_eq!(s.report["stats"]["discovery"]["tcp"], "connect", "{name}");
    assert_eq!(s.report["stats"]["net"]["syns"], 0, "{name}");
    let notes = notes(&s.report);
    assert!(
        notes.iter().any(|n| n.starts_with(
            "SYN discovery (--syn) was asked for, but this process may not open a raw socket \
             (it needs CAP_NET_RAW or root): TCP ports were found with connects instead"
        )),
        "{name}: {notes:#?}"
    );
    let level = s.report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["message"].as_str().unwrap().starts_with("SYN discovery"))
        .unwrap()["level"]
        .clone();
    assert_eq!(level, "warning", "{name}: a note, not an error");
    // Found all the same, by connects, and the excluded address untouched.
    assert_eq!(open_ports(&s.report), expected_open(net), "{name}");
    assert!(lines(&s.audit, "tcp-syn").is_empty(), "{name}");
    assert!(!lines(&s.audit, "tcp-connect").is_empty(), "{name}");
    assert!(
        s.audit
            .iter()
            .all(|l| l["target"] != net.ip(EXCLUDED).as_str()),
        "{name}: the excluded address was contacted"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn syn_discovery_finds_ports_retries_live_hosts_and_never_touches_an_excluded_address() {
    let _serial = SERIAL.lock().await;
    let net = Net::start(1);
    let dir = TestDir::new("syn-discovery");
    if !raw_allowed() {
        // No raw socket for this process: the scanner cannot have one either.
        let s = scan(&dir, &net, "no-raw", &["--discover-only"], &[]).await;
        assert_fallback(&net, &s, "without CAP_NET_RAW");
        return;
    }
    let sniffer = Sniffer::start(&net);
    let s = scan(&dir, &net, "syn", &["--discover-only"], &[]).await;
    let wire = sniffer.finish();

    assert_eq!(s.report["stats"]["discovery"]["tcp"], "syn");
    assert_eq!(open_ports(&s.report), expected_open(&net));
    let syns = lines(&s.audit, "tcp-syn");
    // Discovery only: not a single connect.
    assert!(lines(&s.audit, "tcp-connect").is_empty(), "{:?}", s.audit);
    let at = |h: u8, p: u16| syns.get(&format!("{}:{p}", net.ip(h))).cloned();
    let v = |outcomes: &[&str]| Some(outcomes.iter().map(|o| o.to_string()).collect());
    assert_eq!(at(1, LIVE), v(&["refused"]));
    assert_eq!(at(1, OPEN), v(&["open"]));
    assert_eq!(at(1, SILENT), v(&["refused"]));
    assert_eq!(at(2, LIVE), v(&["open"]));
    // Silent on an address that answered: sent again once.
    assert_eq!(at(2, SILENT), v(&["timeout", "timeout"]));
    // Silent everywhere: one SYN to the liveness port, no retry, no more ports.
    assert_eq!(at(QUIET, LIVE), v(&["timeout"]));
    assert_eq!(at(QUIET, OPEN), None);
    for host in [0].into_iter().chain(5..16) {
        assert_eq!(at(host, LIVE), v(&["refused"]), ".{host}");
        assert_eq!(at(host, OPEN), v(&["refused"]), ".{host}");
    }
    let n = &s.report["stats"]["net"];
    let sent: usize = syns.values().map(Vec::len).sum();
    assert_eq!(n["syns"], sent as u64, "{n}");
    assert_eq!(n["syn_open"], 3, "{n}");
    assert_eq!(n["syn_timeouts"], 3, "{n}");
    assert_eq!(n["connects"], 0, "{n}");
    // The quiet address's silence is not congestion.
    assert_eq!(n["silent_timeouts"], 1, "{n}");
    assert_eq!(n["rate_lowered"], 0, "{n}");
    assert_eq!(s.report["stats"]["discovery"]["addresses_alive"], 14);

    // On the wire: the scanner's SYNs, from one source port, carrying the
    // maximum segment size; nothing at all to the excluded address.
    let to_excluded: Vec<&Segment> = wire
        .iter()
        .filter(|p| p.dst.ip().to_string() == net.ip(EXCLUDED))
        .collect();
    assert!(
        to_excluded.is_empty(),
        "sent to the excluded address: {to_excluded:?}"
    );
    let wire_syns: Vec<&Segment> = wire.iter().filter(|p| p.flags == flags::SYN).collect();
    // Each line of the trail is one SYN, and a second copy when it got no
    // answer (as the system retransmits a connect's SYN).
    let silent = syns.values().flatten().filter(|o| *o == "timeout").count();
    assert_eq!(wire_syns.len(), sent + silent, "SYNs on the wire");
    let ports: BTreeSet<u16> = wire_syns.iter().map(|p| p.src.port()).collect();
    assert_eq!(ports.len(), 1, "one source port per scan: {ports:?}");
    let port = *ports.first().unwrap();
    assert!(wire_syns.iter().all(|p| p.mss == Some(1460) && p.ack == 0));
    assert!(wire.iter().all(|p| net.contains(*p.dst.ip())));
    // The system resets each answered SYN-ACK: one RST per open port, from
    // the scan's port, so nothing is left half-open on the device.
    let resets: BTreeSet<String> = wire
        .iter()
        .filter(|p| p.src.port() == port && p.flags & flags::RST != 0)
        .map(|p| p.dst.to_string())
        .collect();
    assert_eq!(resets, expected_open(&net));
    let notes = notes(&s.report);
    assert!(
        notes.iter().any(|m| m.starts_with(&format!(
            "TCP ports were found with SYNs from a raw socket, source port {port}: {sent} SYNs, \
             3 answered SYN-ACK (open)"
        )) && m
            .contains("open ports were not connected to (--discover-only)")),
        "{notes:#?}"
    );
    assert!(
        notes.iter().any(
            |m| m.starts_with("1 SYNs and connects timed out on addresses that never answered")
        ),
        "{notes:#?}"
    );

    // The same scan without CAP_NET_RAW: connects, and a note.
    if setpriv() {
        let s = scan(&dir, &net, "dropped", &["--discover-only"], WITHOUT_RAW).await;
        assert_fallback(&net, &s, "setpriv without CAP_NET_RAW");
    }
}

/// A SYN holds no open file: under `--syn --discover-only` the open-file
/// limit does not cut the window (it does for connects, and for a scan
/// that fell back to them).
#[tokio::test(flavor = "multi_thread")]
async fn the_open_file_limit_does_not_bound_syn_discovery() {
    let _serial = SERIAL.lock().await;
    let net = Net::start(3);
    let dir = TestDir::new("syn-files");
    // 300 files: (300 - 128) / 2 = 86 jobs for connects; the scope asks
    // for 20,000/s x 400 ms = 8,000.
    let prlimit = &["prlimit", "--nofile=300:300", "--"];
    let s = scan(
        &dir,
        &net,
        "files",
        &["--discover-only", "--no-host-discovery"],
        prlimit,
    )
    .await;
    let w = &s.report["stats"]["window"];
    assert_eq!(w["open_file_limit"], 300, "{w}");
    if raw_allowed() {
        assert_eq!(s.report["stats"]["discovery"]["tcp"], "syn");
        assert_eq!(w["in_flight"], 8000, "{w}");
        assert_eq!(w["limited_by_files"], false, "{w}");
    } else {
        assert_eq!(s.report["stats"]["discovery"]["tcp"], "connect");
        assert_eq!(w["in_flight"], 86, "{w}");
    }
    // Everything open is found (the excluded address's ports are not).
    assert_eq!(open_ports(&s.report), expected_open(&net));
}

/// A port found by a SYN is then connected to for identification: Debian's
/// `openssl s_server` is found, its TLS assessed.
#[tokio::test(flavor = "multi_thread")]
async fn a_port_found_by_syn_is_identified_over_a_connection() {
    if !common::servers::available("openssl") {
        return;
    }
    let _serial = SERIAL.lock().await;
    let dir = TestDir::new("syn-identify");
    let ip = "127.96.2.1";
    let port = common::servers::free_port(ip);
    let (key, cert) = common::servers::key_and_cert(&dir, "rsa:2048", "-sha256", "syn");
    let _server = common::servers::s_server(&cert, &key, ip, port, &[]);
    let scope = dir.write(
        "scope.toml",
        &format!(
            "name = \"syn identify\"\n[[networks]]\ncidr = \"{ip}/32\"\n[ports]\ntcp = [{port}]\n\
             udp = []\n[rate]\ntimeout_ms = 3000\n"
        ),
    );
    let Scanned { report, audit } =
        common::scan_audited(&dir, "out", &scope, &["--syn"], &[]).await;
    let endpoint = format!("{ip}:{port}");
    let o = &report["assets"][0]["observations"][0];
    assert_eq!(
        format!(
            "{}:{}",
            o["endpoint"]["addr"].as_str().unwrap(),
            o["endpoint"]["port"]
        ),
        endpoint
    );
    assert!(
        o["facts"]["tls.verdict"].is_string(),
        "identified over TLS: {o}"
    );
    // Connections after discovery: identification's own.
    assert!(
        audit
            .iter()
            .any(|l| l["probe"] == "tls-handshake" && l["outcome"] == "open"),
        "{audit:?}"
    );
    if raw_allowed() {
        assert_eq!(report["stats"]["discovery"]["tcp"], "syn");
        assert_eq!(
            lines(&audit, "tcp-syn").get(&endpoint),
            Some(&vec!["open".to_string()])
        );
        let notes = notes(&report);
        assert!(
            notes
                .iter()
                .any(|m| m.contains("open ports were then connected to for identification")),
            "{notes:#?}"
        );
    } else {
        assert_eq!(report["stats"]["discovery"]["tcp"], "connect");
    }
}
