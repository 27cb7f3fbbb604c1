//! The scope gate, proven from outside: listeners on addresses the scope
//! excludes (or that DNS points at, outside the scope) count every
//! connection and datagram, and must stay at zero.

use crate::common;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::TestDir;
use stadscan_lab::{Lab, LabConfig};
use tokio::net::{TcpListener, UdpSocket};

/// A TCP listener and a UDP socket on one address and port that count
/// everything that reaches them.
struct Canary {
    port: u16,
    hits: Arc<AtomicUsize>,
}

async fn canary(addr: &str, port: u16) -> Canary {
    let ip: IpAddr = addr.parse().unwrap();
    let tcp = TcpListener::bind(SocketAddr::new(ip, port)).await.unwrap();
    let port = tcp.local_addr().unwrap().port();
    let udp = UdpSocket::bind(SocketAddr::new(ip, port)).await.unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    tokio::spawn(async move {
        while tcp.accept().await.is_ok() {
            h.fetch_add(1, Ordering::SeqCst);
        }
    });
    let h = hits.clone();
    tokio::spawn(async move {
        let mut buf = [0u8; 2048];
        while udp.recv_from(&mut buf).await.is_ok() {
            h.fetch_add(1, Ordering::SeqCst);
        }
    });
    Canary { port, hits }
}

async fn scan(dir: &TestDir, scope: &str) -> serde_json::Value {
    let path = dir.write("scope.toml", scope);
    common::scan_json(dir, &path).await.0
}

#[tokio::test(flavor = "multi_thread")]
async fn excluded_listener_is_never_contacted() {
    let excluded = canary("127.62.0.5", 0).await;
    let control = canary("127.62.0.6", excluded.port).await;
    let in_excluded_range = canary("127.62.0.2", excluded.port).await;
    let dir = TestDir::new("gate-exclude");
    let json = scan(
        &dir,
        &format!(
            "name = \"gate\"\nexclude = [\"127.62.0.5\", \"127.62.0.0/31\", \"127.62.0.2/32\"]\n\
             [[networks]]\ncidr = \"127.62.0.0/29\"\n\
             [ports]\ntcp = [{p}]\nudp = [{p}]\n[rate]\nper_second = 5000\ntimeout_ms = 500\n",
            p = excluded.port
        ),
    )
    .await;
    assert_eq!(
        excluded.hits.load(Ordering::SeqCst),
        0,
        "an excluded address was contacted"
    );
    assert_eq!(in_excluded_range.hits.load(Ordering::SeqCst), 0);
    assert!(
        control.hits.load(Ordering::SeqCst) >= 1,
        "the neighbour was scanned"
    );
    let addrs: Vec<&str> = json["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["addr"].as_str().unwrap())
        .collect();
    assert_eq!(addrs, vec!["127.62.0.6"]);
    assert_eq!(
        json["stats"]["net"]["gate_refusals"], 0,
        "excluded targets never reach the net layer"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn named_host_resolving_outside_the_scope_is_not_contacted() {
    crate::common::fixed_addresses();
    let lab = Lab::start(LabConfig {
        prefix: [127, 62, 1],
        fixed_ports: false,
        hostile: false,
    })
    .await
    .unwrap();
    let outside = canary("127.62.200.9", 0).await;
    let excluded_inside = canary("127.62.1.250", outside.port).await;
    let listed = canary("127.62.201.7", outside.port).await;
    lab.add_dns_record("evil.demo-city.test", "127.62.200.9".parse().unwrap());
    lab.add_dns_record("hidden.demo-city.test", "127.62.1.250".parse().unwrap());
    lab.add_dns_record("partner.demo-city.test", "127.62.201.7".parse().unwrap());
    let dir = TestDir::new("gate-dns");
    let json = scan(
        &dir,
        &format!(
            "name = \"dns gate\"\nexclude = [\"127.62.1.250\"]\n\
             [[networks]]\ncidr = \"127.62.1.240/28\"\n\
             [[hosts]]\nname = \"evil.demo-city.test\"\n\
             [[hosts]]\nname = \"hidden.demo-city.test\"\n\
             [[hosts]]\nname = \"partner.demo-city.test\"\naddresses = [\"127.62.201.0/24\"]\n\
             [ports]\ntcp = [{p}]\nudp = [{p}]\n[rate]\nper_second = 5000\ntimeout_ms = 500\n\
             [dns]\nnameservers = [\"{dns}\"]\n",
            p = outside.port,
            dns = lab.dns_addr()
        ),
    )
    .await;
    assert_eq!(
        outside.hits.load(Ordering::SeqCst),
        0,
        "followed DNS out of the scope"
    );
    assert_eq!(
        excluded_inside.hits.load(Ordering::SeqCst),
        0,
        "followed DNS into an exclusion"
    );
    assert!(
        listed.hits.load(Ordering::SeqCst) >= 1,
        "a host's listed address is in scope"
    );
    let refused: Vec<(String, String)> = json["refused_addresses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["host"].as_str().unwrap().to_string(),
                r["addr"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        refused.contains(&("evil.demo-city.test".into(), "127.62.200.9".into())),
        "{refused:?}"
    );
    assert!(
        refused.contains(&("hidden.demo-city.test".into(), "127.62.1.250".into())),
        "{refused:?}"
    );
    assert!(json["notes"].as_array().unwrap().iter().any(|n| {
        n["message"]
            .as_str()
            .unwrap()
            .contains("evil.demo-city.test")
    }));
    lab.shutdown().await;
}

#[test]
fn a_scope_too_large_needs_allow_large() {
    let dir = TestDir::new("gate-large");
    let scope = dir.write(
        "scope.toml",
        "name = \"big\"\n[[networks]]\ncidr = \"10.0.0.0/8\"\n",
    );
    let (out, _) = common::run(&["scan", "--scope", scope.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-large"), "{err}");
    assert!(err.contains("16777216"), "{err}");
}
