//! No silent loss: the same city lab scanned at a low rate, at the default
//! rate and at the highest rate this machine sustains gives the same
//! results; and when connects to hosts that answered before really start
//! to time out (listeners whose accept backlog is full drop new SYNs), the
//! scanner lowers its rate by itself and says so in the report.

use crate::common;

use std::collections::BTreeSet;
use std::net::SocketAddr;

use common::{SERIAL, TestDir, read_json, run_ok};
use serde_json::Value;
use stadscan_lab::{LAB_CA_PEM, Lab};

/// What a scan found, without timings: assets with their identity,
/// services with their protocol, status and the names of their facts,
/// findings with their rule, endpoint and asset.
fn normalized(report: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for a in report["assets"].as_array().expect("assets") {
        out.insert(format!(
            "asset {} {} {} {} {} {}",
            a["addr"], a["id"], a["vendor"], a["model"], a["firmware"], a["class"]
        ));
        for o in a["observations"].as_array().expect("observations") {
            let facts: Vec<&String> = o["facts"]
                .as_object()
                .map(|f| f.keys().collect())
                .unwrap_or_default();
            out.insert(format!(
                "service {} {} tls={} {} {:?}",
                o["endpoint"], o["protocol"], o["tls"], o["status"], facts
            ));
        }
    }
    for f in report["findings"].as_array().expect("findings") {
        out.insert(format!(
            "finding {} {} {}",
            f["check_id"], f["endpoint"], f["asset"]
        ));
    }
    out
}

async fn scan(dir: &TestDir, name: &str, scope_text: &str) -> Value {
    let scope = dir.write(&format!("{name}.toml"), scope_text);
    let json = dir.path(&format!("{name}.json"));
    run_ok(
        name,
        vec![
            "scan".into(),
            "--scope".into(),
            scope.display().to_string(),
            "--json".into(),
            json.display().to_string(),
            "-q".into(),
        ],
    )
    .await;
    read_json(&json)
}

#[tokio::test(flavor = "multi_thread")]
async fn three_rates_give_the_same_results() {
    let _serial = SERIAL.lock().await;
    // 36 devices (two of each kind) in 127.93.0.1-36, scanned over a /26.
    crate::common::fixed_addresses();
    let lab = Lab::start_city(93, 36).await.expect("city lab starts");
    let dir = TestDir::new("rates-three");
    dir.write("lab-ca.pem", LAB_CA_PEM);
    let base = lab
        .scope_toml("rates", "lab-ca.pem", 1500)
        .replace("127.93.0.0/16", "127.93.0.0/26");
    let low = base.replace("[rate]\n", "[rate]\nper_second = 200\n");
    // The default rate (500/s) and window: no [rate] keys but the timeout.
    let default = base.clone();
    let high = base.replace(
        "[rate]\n",
        "[rate]\nper_second = 50000\nmax_in_flight = 2048\n",
    );
    let mut results = Vec::new();
    for (name, text) in [("low", &low), ("default", &default), ("high", &high)] {
        let report = scan(&dir, name, text).await;
        let net = &report["stats"]["net"];
        assert_eq!(net["rate_lowered"], 0, "{name}: {net}");
        assert_eq!(net["timeouts"], 0, "{name}: {net}");
        results.push((name, normalized(&report)));
    }
    lab.shutdown().await;
    let (_, reference) = &results[0];
    assert!(
        reference.iter().filter(|l| l.starts_with("asset")).count() == 36,
        "{reference:#?}"
    );
    assert!(reference.iter().any(|l| l.starts_with("finding")));
    for (name, found) in &results[1..] {
        let missing: Vec<_> = reference.difference(found).collect();
        let extra: Vec<_> = found.difference(reference).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{name} differs from low: missing {missing:#?}, extra {extra:#?}"
        );
    }
}

/// Listeners that never accept, with an accept backlog of one, filled up
/// beforehand: the kernel drops every further SYN, so each connect of the
/// scan times out, the way an overwhelmed device or host does.
struct Saturated {
    _listeners: Vec<tokio::net::TcpListener>,
    _queued: Vec<std::net::TcpStream>,
}

fn saturated(addrs: &[SocketAddr]) -> Saturated {
    let mut listeners = Vec::new();
    let mut queued = Vec::new();
    for addr in addrs {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.bind(*addr).expect("bind on loopback");
        listeners.push(socket.listen(1).expect("listen"));
        // Two connections fill a backlog of one on Linux.
        for _ in 0..2 {
            queued.push(std::net::TcpStream::connect(addr).expect("fill the backlog"));
        }
    }
    Saturated {
        _listeners: listeners,
        _queued: queued,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn climbing_timeouts_lower_the_rate_and_the_report_says_so() {
    let _serial = SERIAL.lock().await;
    let port = 47_123;
    let addrs: Vec<SocketAddr> = (1..=126)
        .map(|i| SocketAddr::from(([127, 93, 250, i], port)))
        .collect();
    let held = saturated(&addrs);
    let dir = TestDir::new("rates-loss");
    // Each address first refuses a connect on another port (no listener
    // there): it answered, so its timeouts afterwards tell of congestion,
    // not of an unused address.
    let answers = port - 1;
    let text = format!(
        "name = \"rates-loss\"\n[[networks]]\ncidr = \"127.93.250.0/25\"\n[ports]\n\
         tcp = [{answers}, {port}]\nudp = []\n[rate]\nper_second = 20000\nmax_in_flight = 256\n\
         timeout_ms = 300\n[discovery]\ntcp_ports = [{answers}]\nicmp = false\n"
    );
    let report = scan(&dir, "loss", &text).await;
    drop(held);
    let net = &report["stats"]["net"];
    assert!(net["timeouts"].as_u64().unwrap() >= 200, "{net}");
    let lowered = net["rate_lowered"].as_u64().unwrap();
    let rate = net["rate_per_second"].as_u64().unwrap();
    assert!(lowered >= 1, "{net}");
    assert!(rate < 20_000, "{net}");
    // Never below the floor (a sixty-fourth of the configured rate).
    assert!(rate >= 20_000 / 64, "{net}");
    let notes: Vec<&str> = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["message"].as_str())
        .collect();
    let note = notes
        .iter()
        .find(|n| n.starts_with("rate lowered from 20000/s to 10000/s after"))
        .unwrap_or_else(|| panic!("no rate note in {notes:#?}"));
    assert!(note.contains("% of connects timed out"), "{note}");
    assert!(note.contains(&format!("ended at {rate}/s")), "{note}");
}
