//! The lab at scale (`stadscan lab --devices N`): the demo's devices
//! repeated over a /16, each on its own address, and a scan that finds
//! every one of them with the findings its kind has in the demo.

use crate::common;

use std::collections::BTreeMap;

use common::{TestDir, read_json, run};
use stadscan_lab::{LAB_CA_PEM, Lab};

#[tokio::test(flavor = "multi_thread")]
async fn a_city_of_144_devices_is_found_device_by_device() {
    crate::common::fixed_addresses();
    let lab = Lab::start_city(67, 144).await.expect("city lab starts");
    assert_eq!(lab.network(), "127.67.0.0/16");
    // Its scope names the 144 devices' addresses, not the /16.
    let nets: Vec<(u32, u32)> = lab
        .scope_networks()
        .iter()
        .map(|n| {
            let (addr, len) = n.split_once('/').expect("a CIDR");
            let addr: std::net::Ipv4Addr = addr.parse().expect("IPv4");
            (u32::from(addr), len.parse().expect("a prefix length"))
        })
        .collect();
    let size: u32 = nets.iter().map(|(_, len)| 1u32 << (32 - len)).sum();
    assert_eq!(size, 144, "{nets:?}");
    assert!(lab.devices().iter().all(|d| {
        match d.addr {
            std::net::IpAddr::V4(a) => nets
                .iter()
                .any(|(base, len)| (u32::from(a) ^ base) >> (32 - len) == 0),
            std::net::IpAddr::V6(_) => false,
        }
    }));
    let kinds: BTreeMap<&str, usize> = lab.devices().iter().fold(BTreeMap::new(), |mut m, d| {
        *m.entry(d.name.as_str()).or_default() += 1;
        m
    });
    // 18 kinds of device, 8 of each; camera-01, camera-02 and nvr-01 have
    // two services each.
    assert_eq!(kinds.len(), 18, "{kinds:?}");
    assert_eq!(kinds["broker-01"], 8);
    assert_eq!(kinds["camera-01"], 16);

    let dir = TestDir::new("lab-city");
    dir.write("lab-ca.pem", LAB_CA_PEM);
    let text = lab
        .scope_toml("city", "lab-ca.pem", 1500)
        .replace("127.67.0.0/16", "127.67.0.0/24")
        .replace("[rate]\n", "[rate]\nper_second = 20000\n");
    assert!(
        !text.contains("[dns]"),
        "no DNS server in a city lab:\n{text}"
    );
    let scope = dir.write("scope.toml", &text);
    let json = dir.path("out.json");
    let (out, _) = run(&[
        "scan",
        "--scope",
        scope.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "-q",
    ]);
    lab.shutdown().await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = read_json(&json);
    assert_eq!(report["assets"].as_array().unwrap().len(), 144);
    let count = |rule: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check_id"] == rule)
            .count()
    };
    // Each kind brings its demo findings, once per device.
    for rule in [
        "mqtt-anonymous-access",
        "modbus-exposed",
        "bacnet-exposed",
        "coap-unauthenticated",
        "onvif-device-info-unauthenticated",
        "device-auth-disabled",
        "telnet-cleartext-login",
        "tls-protocol-insufficient",
    ] {
        assert_eq!(count(rule), 8, "{rule}");
    }
    let classes: BTreeMap<String, usize> =
        report["assets"]
            .as_array()
            .unwrap()
            .iter()
            .fold(BTreeMap::new(), |mut m, a| {
                *m.entry(a["class"].as_str().unwrap().to_string())
                    .or_default() += 1;
                m
            });
    assert_eq!(classes["plc"], 8, "{classes:?}");
    assert_eq!(classes["nvr"], 8, "{classes:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_city_larger_than_the_open_file_limit_says_how_to_raise_it() {
    crate::common::fixed_addresses();
    let e = Lab::start_city(68, 65_024 + 1)
        .await
        .err()
        .expect("refused");
    assert!(e.to_string().contains("1 to 65024 devices"), "{e}");
    // 40,000 devices need about 48,000 sockets, above this machine's
    // limit of 20,000: the error names the limit and `ulimit -n`.
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft: u64 = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .and_then(|l| l.split_whitespace().nth(3)?.parse().ok())
        .unwrap_or(u64::MAX);
    if soft < 48_000 {
        crate::common::fixed_addresses();
        let e = Lab::start_city(68, 40_000).await.err().expect("refused");
        assert!(e.to_string().contains("ulimit -n"), "{e}");
    }
}
