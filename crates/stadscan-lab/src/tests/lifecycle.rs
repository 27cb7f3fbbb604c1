//! The lab's lifecycle and data: scope TOML, shutdown, drop, the device table.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::net::TcpStream;

use super::{endpoint, lab};
use crate::Transport;
use crate::{Lab, LabConfig, LabError};

#[tokio::test]
async fn scope_toml_lists_exactly_the_lab() {
    let lab = lab(13).await;
    let text = lab.scope_toml("lab \"test\"", "ca/lab-ca.pem", 750);
    let table: toml::Table = toml::from_str(&text).expect("valid TOML");
    let ports = |t: &str| -> Vec<u16> {
        table["ports"][t]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| u16::try_from(v.as_integer().unwrap()).unwrap())
            .collect()
    };
    for transport in [Transport::Tcp, Transport::Udp] {
        let mut want: Vec<u16> = lab
            .devices()
            .iter()
            .filter(|d| d.transport == transport)
            .map(|d| d.port)
            .collect();
        want.sort_unstable();
        want.dedup();
        assert_eq!(ports(transport.as_str()), want);
    }
    assert_eq!(table["name"].as_str(), Some("lab \"test\""));
    assert_eq!(
        table["networks"][0]["cidr"].as_str(),
        Some("127.77.13.0/24")
    );
    assert_eq!(table["rate"]["timeout_ms"].as_integer(), Some(750));
    assert_eq!(
        table["dns"]["nameservers"][0].as_str(),
        Some(lab.dns_addr().to_string().as_str())
    );
    assert_eq!(table["trust_anchors"][0].as_str(), Some("ca/lab-ca.pem"));
    let scope = stadscan::scope::Scope::parse(&text, std::path::Path::new("scope.toml")).unwrap();
    let hosts: Vec<&str> = scope.hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(hosts, ["portal.demo-city.test", "camera-01.demo-city.test"]);
    assert_eq!(scope.nameservers, vec![lab.dns_addr()]);
    lab.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_every_listener() {
    let lab = lab(14).await;
    let tcp: Vec<SocketAddr> = lab
        .devices()
        .iter()
        .filter(|d| d.transport == Transport::Tcp)
        .map(|d| SocketAddr::new(d.addr, d.port))
        .collect();
    let expected = crate::SPECS
        .iter()
        .filter(|s| s.transport == Transport::Tcp)
        .count();
    assert!(expected > 10);
    assert_eq!(tcp.len(), expected, "every TCP device of the table is up");
    for addr in &tcp {
        TcpStream::connect(addr)
            .await
            .expect("listening before shutdown");
    }
    lab.shutdown().await;
    for addr in &tcp {
        let err = TcpStream::connect(addr)
            .await
            .expect_err("refused after shutdown");
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "{addr}");
    }
}

#[tokio::test]
async fn dropping_a_lab_stops_it_too() {
    let lab = lab(15).await;
    let addr = endpoint(&lab, "camera-01", "http");
    drop(lab);
    let mut refused = false;
    for _ in 0..50 {
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused);
}

#[tokio::test]
async fn device_table_and_config() {
    let demo = LabConfig::demo();
    assert_eq!(
        (demo.prefix, demo.fixed_ports, demo.hostile),
        ([127, 42, 0], true, false)
    );
    let err = Lab::start(LabConfig {
        prefix: [10, 0, 0],
        fixed_ports: false,
        hostile: false,
    })
    .await
    .err()
    .expect("only 127/8");
    assert!(matches!(err, LabError::Bind { .. }));

    let lab = Lab::start(LabConfig {
        prefix: [127, 77, 16],
        fixed_ports: false,
        hostile: false,
    })
    .await
    .unwrap();
    assert!(lab.device("tarpit").is_none() && lab.device("garbage").is_none());
    assert_eq!(lab.network(), "127.77.16.0/24");
    let camera = lab.device("camera-01").unwrap();
    assert_eq!(camera.service, "http");
    assert_eq!(camera.hostname.as_deref(), Some("camera-01.demo-city.test"));
    for d in lab.devices() {
        assert!(d.port != 0);
        match d.addr {
            IpAddr::V4(v4) => assert_eq!(v4.octets()[..3], [127, 77, 16]),
            IpAddr::V6(_) => panic!("lab addresses are IPv4 loopback"),
        }
    }
    lab.shutdown().await;
}
