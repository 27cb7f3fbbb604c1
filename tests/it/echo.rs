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

use common::{Scanned, TestDir, WITHOUT_RAW, listener, notes, open_ports, setpriv};
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

fn quiet_open_found(s: &Scanned) -> bool {
    open_ports(&s.report).contains(&format!("{QUIET}:{OPEN}"))
}

fn discovery_note(s: &Scanned) -> String {
    notes(&s.report)
        .into_iter()
        .find(|n| n.starts_with("host discovery:"))
        .expect("a host discovery note")
}

/// Outcomes of the echo requests to `QUIET`.
fn echoes_to_quiet(s: &Scanned) -> Vec<String> {
    s.audit
        .iter()
        .filter(|l| l["probe"] == "icmp-echo" && l["target"] == QUIET.to_string())
        .map(|l| l["outcome"].as_str().unwrap().to_string())
        .collect()
}

/// Scans the test's network behind `wrapper` (a command that runs the
/// scanner, or nothing).
async fn scan(dir: &TestDir, name: &str, wrapper: &[&str]) -> Scanned {
    let scope = dir.write(&format!("{name}.toml"), &scope());
    common::scan_audited(dir, name, &scope, &[], wrapper).await
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
    let note = discovery_note(&s);
    if datagram_icmp_allowed() || raw_icmp_allowed() {
        assert!(quiet_open_found(&s), "{:?}", open_ports(&s.report));
        assert_eq!(s.report["stats"]["discovery"]["icmp"], true);
        assert!(
            echoes_to_quiet(&s).iter().any(|o| o == "sent"),
            "an answered echo in the audit trail: {:?}",
            echoes_to_quiet(&s)
        );
        if datagram_icmp_allowed() {
            assert!(note.contains("ICMP echo)"), "{note}");
        } else {
            assert!(note.contains("ICMP echo (raw socket)"), "{note}");
        }
    } else {
        assert!(!quiet_open_found(&s), "{:?}", open_ports(&s.report));
        assert!(note.contains("ICMP echo not used"), "{note}");
        assert!(echoes_to_quiet(&s).is_empty());
    }

    // Without CAP_NET_RAW, the raw socket is not an option.
    if raw_icmp_allowed() && !datagram_icmp_allowed() && setpriv() {
        let s = scan(&dir, "without-raw", WITHOUT_RAW).await;
        assert!(!quiet_open_found(&s), "{:?}", open_ports(&s.report));
        let note = discovery_note(&s);
        assert!(note.contains("CAP_NET_RAW"), "{note}");
        assert_eq!(s.report["stats"]["discovery"]["icmp"], false);
    }
}
