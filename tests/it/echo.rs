//! ICMP echo in host discovery: an address whose liveness port drops
//! every SYN is still found alive when it answers an echo request, and its
//! other ports are tried. Echo goes through an unprivileged ICMP socket
//! where `net.ipv4.ping_group_range` admits this process, else through a
//! raw socket where the process holds CAP_NET_RAW (CI runs as root; Debian's
//! default range admits no group); the test expects whichever of the two
//! this machine allows, or, with neither, that the scan says so and the
//! address is missed. Behind `setpriv` without CAP_NET_RAW the raw socket
//! must not be used.

use crate::common;

use std::net::{Ipv4Addr, SocketAddr};
use std::process::Command;

use common::{TestDir, listener, notes, open_ports, read_json, read_jsonl};
use serde_json::Value;
use socket2::{Domain, Protocol, Socket, Type};

/// The liveness port and a port open on both hosts.
const LIVE: u16 = 47_501;
const OPEN: u16 = 47_502;

/// 127.98.1.0/30: `.1` refuses LIVE (alive by its reset) and has OPEN
/// open; `.2` drops every SYN to LIVE (a full backlog) and has OPEN open,
/// so only an echo reply shows it alive.
const QUIET: Ipv4Addr = Ipv4Addr::new(127, 98, 1, 2);

fn scope() -> String {
    format!(
        "name = \"echo\"\n[[networks]]\ncidr = \"127.98.1.0/30\"\n\
         [ports]\ntcp = [{LIVE}, {OPEN}]\nudp = []\n\
         [rate]\ntimeout_ms = 1000\nconnect_timeout_ms = 1000\n\
         [discovery]\ntcp_ports = [{LIVE}]\nicmp = true\n"
    )
}

fn datagram_icmp_allowed() -> bool {
    Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::ICMPV4)).is_ok()
}

fn raw_icmp_allowed() -> bool {
    Socket::new(Domain::IPV4, Type::RAW, Some(Protocol::ICMPV4)).is_ok()
}

fn setpriv() -> bool {
    Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

struct Scanned {
    report: Value,
    audit: Vec<Value>,
}

impl Scanned {
    fn quiet_open_found(&self) -> bool {
        open_ports(&self.report).contains(&format!("{QUIET}:{OPEN}"))
    }

    fn discovery_note(&self) -> String {
        notes(&self.report)
            .into_iter()
            .find(|n| n.starts_with("host discovery:"))
            .expect("a host discovery note")
    }

    /// Outcomes of the echo requests to `QUIET`.
    fn echoes_to_quiet(&self) -> Vec<String> {
        self.audit
            .iter()
            .filter(|l| l["probe"] == "icmp-echo" && l["target"] == QUIET.to_string())
            .map(|l| l["outcome"].as_str().unwrap().to_string())
            .collect()
    }
}

/// Scans the test's network behind `wrapper` (a command that runs the
/// scanner, or nothing).
async fn scan(dir: &TestDir, name: &str, wrapper: &[&str]) -> Scanned {
    let scope = dir.write(&format!("{name}.toml"), &scope());
    let json = dir.path(&format!("{name}.json"));
    let audit = dir.path(&format!("{name}.audit"));
    let mut cmd = match wrapper.split_first() {
        Some((program, args)) => {
            let mut c = Command::new(program);
            c.args(args).arg(common::bin());
            c
        }
        None => Command::new(common::bin()),
    };
    cmd.args(["scan", "-q", "--scope"])
        .arg(&scope)
        .arg("--json")
        .arg(&json)
        .arg("--audit")
        .arg(&audit)
        .env_remove("RUST_LOG");
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("the scanner runs"))
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Scanned {
        report: read_json(&json),
        audit: read_jsonl(&audit),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_address_that_answers_only_echo_is_alive() {
    let mut queued = Vec::new();
    let _held = [
        listener(SocketAddr::from((QUIET, LIVE)), true, &mut queued),
        listener(SocketAddr::from((QUIET, OPEN)), false, &mut queued),
        listener(
            SocketAddr::from((Ipv4Addr::new(127, 98, 1, 1), OPEN)),
            false,
            &mut queued,
        ),
    ];
    let dir = TestDir::new("echo");
    let s = scan(&dir, "as-is", &[]).await;
    assert!(
        open_ports(&s.report).contains(&format!("127.98.1.1:{OPEN}")),
        "the host alive by its reset: {:?}",
        open_ports(&s.report)
    );
    let note = s.discovery_note();
    if datagram_icmp_allowed() || raw_icmp_allowed() {
        assert!(s.quiet_open_found(), "{:?}", open_ports(&s.report));
        assert_eq!(s.report["stats"]["discovery"]["icmp"], true);
        assert!(
            s.echoes_to_quiet().iter().any(|o| o == "sent"),
            "an answered echo in the audit trail: {:?}",
            s.echoes_to_quiet()
        );
        if datagram_icmp_allowed() {
            assert!(note.contains("ICMP echo)"), "{note}");
        } else {
            assert!(note.contains("ICMP echo (raw socket)"), "{note}");
        }
    } else {
        assert!(!s.quiet_open_found(), "{:?}", open_ports(&s.report));
        assert!(note.contains("ICMP echo not used"), "{note}");
        assert!(s.echoes_to_quiet().is_empty());
    }

    // Without CAP_NET_RAW, the raw socket is not an option.
    if raw_icmp_allowed() && !datagram_icmp_allowed() && setpriv() {
        let s = scan(
            &dir,
            "without-raw",
            &[
                "setpriv",
                "--bounding-set=-net_raw",
                "--inh-caps=-net_raw",
                "--",
            ],
        )
        .await;
        assert!(!s.quiet_open_found(), "{:?}", open_ports(&s.report));
        let note = s.discovery_note();
        assert!(note.contains("CAP_NET_RAW"), "{note}");
        assert_eq!(s.report["stats"]["discovery"]["icmp"], false);
    }
}
