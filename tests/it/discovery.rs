//! Host discovery on a sparse network: a few live addresses among many
//! silent ones (every port of a silent address drops its SYNs, as an unused
//! address behind a firewall does). With discovery, silent addresses get
//! only the liveness probes and every live host is still scanned on every
//! port; `hosts = "all"` and `--no-host-discovery` try every port of every
//! address; and silence never lowers the rate.

use crate::common;
use crate::common::{listener, notes, open_ports};

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, SocketAddr};

use common::{SERIAL, TestDir, read_json, read_jsonl};
use serde_json::Value;

/// Liveness ports (named in the scope) and the port only a full scan tries.
const LIVE_A: u16 = 47_301;
const LIVE_B: u16 = 47_302;
const OTHER: u16 = 47_303;

/// A /26 of loopback: `.0-.3` live (open on OTHER, `.0` and `.1` also on
/// LIVE_A; their other ports refuse), `.4` a stealth device (open on OTHER,
/// silent on the liveness ports), `.5-.63` silent on every port.
struct SparseNet {
    block: u8,
    _held: Vec<std::net::TcpListener>,
    _queued: Vec<std::net::TcpStream>,
}

const LIVE: u8 = 4;
const STEALTH: u8 = 4;

impl SparseNet {
    fn start(block: u8) -> SparseNet {
        let mut held = Vec::new();
        let mut queued = Vec::new();
        for host in 0..64u8 {
            let ip = Ipv4Addr::new(127, 94, block, host);
            for port in [LIVE_A, LIVE_B, OTHER] {
                let addr = SocketAddr::from((ip, port));
                let open = match host {
                    0 | 1 => port != LIVE_B,
                    2 | 3 => port == OTHER,
                    STEALTH => port == OTHER,
                    _ => false,
                };
                let silent = host >= STEALTH && !open;
                if !open && !silent {
                    continue; // refuses: no listener
                }
                held.push(listener(addr, silent, &mut queued));
            }
        }
        SparseNet {
            block,
            _held: held,
            _queued: queued,
        }
    }

    fn scope(&self, name: &str, discovery: &str) -> String {
        format!(
            "name = \"{name}\"\n[[networks]]\ncidr = \"127.94.{}.0/26\"\n[ports]\n\
             tcp = [{LIVE_A}, {LIVE_B}, {OTHER}]\nudp = []\n\
             [rate]\nper_second = 20000\ntimeout_ms = 400\n\
             [discovery]\ntcp_ports = [{LIVE_A}, {LIVE_B}]\nicmp = false\n{discovery}",
            self.block
        )
    }

    fn ip(&self, host: u8) -> String {
        Ipv4Addr::new(127, 94, self.block, host).to_string()
    }
}

struct Scanned {
    report: Value,
    audit: Vec<Value>,
}

/// A quick discovery (`--discover-only`) with `extra` flags.
async fn scan(dir: &TestDir, name: &str, scope_text: &str, extra: &[&str]) -> Scanned {
    let mut flags = vec!["--discover-only"];
    flags.extend_from_slice(extra);
    scan_with(dir, name, scope_text, &flags).await
}

/// A scan with these flags (exit 0, or 1 for findings).
async fn scan_with(dir: &TestDir, name: &str, scope_text: &str, extra: &[&str]) -> Scanned {
    let scope = dir.write(&format!("{name}.toml"), scope_text);
    let json = dir.path(&format!("{name}.json"));
    let audit = dir.path(&format!("{name}.audit"));
    let mut args: Vec<String> = [
        "scan",
        "--scope",
        &scope.display().to_string(),
        "--json",
        &json.display().to_string(),
        "--audit",
        &audit.display().to_string(),
        "-q",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    let (out, _) = common::run_async(args).await;
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Scanned {
        report: read_json(&json),
        audit: read_jsonl(&audit),
    }
}

/// TCP connects per address, as (address -> ports tried, with repeats).
fn connects(audit: &[Value]) -> BTreeMap<String, Vec<u64>> {
    let mut map: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for line in audit.iter().filter(|l| l["probe"] == "tcp-connect") {
        map.entry(line["target"].as_str().unwrap().to_string())
            .or_default()
            .push(line["port"].as_u64().unwrap());
    }
    for ports in map.values_mut() {
        ports.sort_unstable();
    }
    map
}

#[tokio::test(flavor = "multi_thread")]
async fn discovery_finds_every_live_host_and_gives_silent_ones_only_the_liveness_probes() {
    let _serial = SERIAL.lock().await;
    let net = SparseNet::start(10);
    let dir = TestDir::new("discovery-probe");
    let s = scan(&dir, "probe", &net.scope("probe", ""), &[]).await;

    // Every port open on a live host is found, also the one outside the
    // liveness ports; the stealth device answers no liveness probe and is
    // missed (the documented trade-off).
    let want: BTreeSet<String> = [
        (0, LIVE_A),
        (0, OTHER),
        (1, LIVE_A),
        (1, OTHER),
        (2, OTHER),
        (3, OTHER),
    ]
    .iter()
    .map(|(h, p)| format!("{}:{p}", net.ip(*h)))
    .collect();
    assert_eq!(open_ports(&s.report), want);
    let d = &s.report["stats"]["discovery"];
    assert_eq!(d["hosts"], "probe", "{d}");
    assert_eq!(d["addresses_alive"], u64::from(LIVE), "{d}");
    assert_eq!(d["liveness_tcp"], serde_json::json!([LIVE_A, LIVE_B]));

    // Silent addresses: one connect to each liveness port, no retry, and
    // never the other port. Live ones: every port.
    let tried = connects(&s.audit);
    for host in 0..64u8 {
        let ports = tried.get(&net.ip(host)).cloned().unwrap_or_default();
        if host < LIVE {
            assert!(ports.contains(&u64::from(OTHER)), "{host}: {ports:?}");
        } else {
            assert_eq!(
                ports,
                vec![u64::from(LIVE_A), u64::from(LIVE_B)],
                "silent .{host}"
            );
        }
    }
    let notes = notes(&s.report);
    assert!(
        notes.iter().any(|n| n.starts_with(&format!(
            "host discovery: {LIVE} of 64 addresses answered a liveness probe (TCP {LIVE_A}, {LIVE_B})"
        ))),
        "{notes:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hosts_all_and_no_host_discovery_try_every_port_of_every_address() {
    let _serial = SERIAL.lock().await;
    let net = SparseNet::start(11);
    let dir = TestDir::new("discovery-all");
    let by_scope = scan(
        &dir,
        "scope-all",
        &net.scope("all", "hosts = \"all\"\n"),
        &[],
    )
    .await;
    let by_flag = scan(
        &dir,
        "flag",
        &net.scope("flag", ""),
        &["--no-host-discovery"],
    )
    .await;
    for (name, s) in [
        ("hosts = all", &by_scope),
        ("--no-host-discovery", &by_flag),
    ] {
        let tried = connects(&s.audit);
        assert_eq!(tried.len(), 64, "{name}: every address");
        for (addr, ports) in &tried {
            for port in [LIVE_A, LIVE_B, OTHER] {
                assert!(ports.contains(&u64::from(port)), "{name}: {addr} {ports:?}");
            }
        }
        // The stealth device is found only this way.
        assert!(
            open_ports(&s.report).contains(&format!("{}:{OTHER}", net.ip(STEALTH))),
            "{name}"
        );
        let d = &s.report["stats"]["discovery"];
        assert_eq!(d["hosts"], "all", "{name}: {d}");
        // .0-.3 answered (open or refused), the stealth device answered on
        // its open port; the silent ones never did.
        assert_eq!(d["addresses_alive"], u64::from(LIVE) + 1, "{name}: {d}");
        assert!(
            notes(&s.report)
                .iter()
                .any(|n| n.starts_with("host discovery off: every port of every address was tried")),
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn silence_does_not_lower_the_rate() {
    let _serial = SERIAL.lock().await;
    let net = SparseNet::start(12);
    let dir = TestDir::new("discovery-silence");
    // Every port of every address: 59 silent addresses x 3 ports and the
    // stealth device's two silent ports time out, far more than the
    // controller's window of 100 first contacts.
    let s = scan(
        &dir,
        "silence",
        &net.scope("silence", ""),
        &["--no-host-discovery"],
    )
    .await;
    let n = &s.report["stats"]["net"];
    assert!(n["silent_timeouts"].as_u64().unwrap() >= 177, "{n}");
    assert_eq!(n["rate_lowered"], 0, "{n}");
    assert_eq!(n["rate_per_second"], 20_000, "{n}");
    let notes = notes(&s.report);
    assert!(
        !notes.iter().any(|m| m.starts_with("rate lowered")),
        "{notes:#?}"
    );
    let held = notes
        .iter()
        .find(|m| m.contains("connects timed out on addresses that never answered anything"))
        .unwrap_or_else(|| panic!("no note on silence in {notes:#?}"));
    assert!(held.ends_with("the rate stayed at 20000/s"), "{held}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_window_cut_by_the_open_file_limit_is_reported() {
    let _serial = SERIAL.lock().await;
    let net = SparseNet::start(13);
    let dir = TestDir::new("discovery-files");
    let scope = dir.write("files.toml", &net.scope("files", ""));
    let json = dir.path("files.json");
    // A hard limit of 300 open files: a window of (300 - 128) / 2 = 86 jobs,
    // far below the 8,000 that 20,000/s x 400 ms ask for; 192 positions,
    // most of them silent, fill it.
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("prlimit")
            .arg("--nofile=300:300")
            .arg(common::bin())
            .args(["scan", "--discover-only", "--no-host-discovery", "-q"])
            .arg("--scope")
            .arg(&scope)
            .arg("--json")
            .arg(&json)
            .env_remove("RUST_LOG")
            .output()
            .expect("prlimit (util-linux) runs the scanner")
    })
    .await
    .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = read_json(&dir.path("files.json"));
    let w = &report["stats"]["window"];
    assert_eq!(w["open_file_limit"], 300, "{w}");
    assert_eq!(w["in_flight"], 86, "{w}");
    assert_eq!(w["limited_by_files"], true, "{w}");
    let notes = notes(&report);
    assert!(
        notes.iter().any(|n| n.starts_with(
            "the open-file limit (300) held the window to 86 jobs in flight instead of 8000"
        ) && n.contains("the file limit, not the rate, bounded it")),
        "{notes:#?}"
    );
    // Nothing is lost for it.
    assert_eq!(open_ports(&report).len(), 7, "{:?}", open_ports(&report));
}

/// A CoAP device on `ip`:5683 on a lossy path: the first datagram sent to
/// it is lost, every later one is answered with its resources. Returns how
/// many datagrams it was sent.
async fn lossy_coap_device(ip: Ipv4Addr) -> std::sync::Arc<std::sync::atomic::AtomicUsize> {
    use stadscan_proto::coap;
    use std::sync::atomic::Ordering;
    let sock = tokio::net::UdpSocket::bind((ip, 5683))
        .await
        .expect("bind on loopback");
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = sent.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        while let Ok((n, peer)) = sock.recv_from(&mut buf).await {
            if count.fetch_add(1, Ordering::SeqCst) == 0 {
                continue;
            }
            let Ok(req) = coap::decode_request(&buf[..n]) else {
                continue;
            };
            let body = b"</sensors/temp>;rt=\"temperature\";ct=0";
            let reply = coap::response(&req, coap::Code(0x45), Some(40), body, 6);
            let _ = sock.send_to(&reply.encode(), peer).await;
        }
    });
    sent
}

#[tokio::test(flavor = "multi_thread")]
async fn udp_goes_after_the_tcp_liveness_probes_so_a_lost_request_is_sent_again() {
    let _serial = SERIAL.lock().await;
    // Eight devices whose TCP liveness ports refuse (a proof of life) and
    // whose CoAP service loses the first request. A UDP request is sent
    // again only to an address that answered something before: at 10
    // positions a second, a request that went out before its device's TCP
    // answers (in one shuffled pass) was sent once, and lost.
    let ips: Vec<Ipv4Addr> = (0..8).map(|h| Ipv4Addr::new(127, 94, 14, h)).collect();
    let mut sent = Vec::new();
    for ip in &ips {
        sent.push(lossy_coap_device(*ip).await);
    }
    let dir = TestDir::new("discovery-udp-after-tcp");
    let scope = format!(
        "name = \"udp-after-tcp\"\n[[networks]]\ncidr = \"127.94.14.0/29\"\n[ports]\n\
         tcp = [{LIVE_A}, {LIVE_B}]\nudp = [5683]\n[rate]\nper_second = 10\ntimeout_ms = 700\n\
         [discovery]\ntcp_ports = [{LIVE_A}, {LIVE_B}]\nicmp = false\n"
    );
    let s = scan_with(&dir, "udp-after-tcp", &scope, &[]).await;
    let want: BTreeSet<String> = ips.iter().map(|ip| format!("{ip}:5683")).collect();
    assert_eq!(open_ports(&s.report), want);
    for (ip, sent) in ips.iter().zip(&sent) {
        let n = sent.load(std::sync::atomic::Ordering::SeqCst);
        assert!(n >= 2, "{ip}: {n} datagrams");
    }
    // Every CoAP request went to an address whose liveness probes had
    // already been answered (the audit trail is in completion order).
    for ip in &ips {
        let ip = ip.to_string();
        let lines: Vec<&Value> = s
            .audit
            .iter()
            .filter(|l| l["target"] == ip.as_str())
            .collect();
        let first_udp = lines
            .iter()
            .position(|l| l["transport"] == "udp")
            .expect("a datagram");
        let tcp_after = lines[first_udp..]
            .iter()
            .filter(|l| l["transport"] == "tcp")
            .count();
        assert_eq!(tcp_after, 0, "{ip}: {lines:#?}");
    }
}
