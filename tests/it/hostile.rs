//! Hostile devices cost at most their timeout and change nothing else.

use crate::common;

use std::time::Duration;

use common::{TestDir, read_json};
use stadscan_lab::{Lab, LabConfig};

#[tokio::test(flavor = "multi_thread")]
async fn tarpit_and_garbage_cost_no_more_than_the_timeout() {
    crate::common::fixed_addresses();
    let lab = Lab::start(LabConfig {
        prefix: [127, 63, 1],
        fixed_ports: false,
        hostile: true,
    })
    .await
    .unwrap();
    let tarpit = lab.device("tarpit").unwrap().clone();
    let garbage = lab.device("garbage").unwrap().clone();
    let broker = lab.device("broker-01").unwrap().clone();
    let dir = TestDir::new("tarpit");
    let timeout_ms = 1000;
    let scope = dir.write(
        "scope.toml",
        &format!(
            "name = \"hostile\"\n\
             [[networks]]\ncidr = \"{}/32\"\n[[networks]]\ncidr = \"{}/32\"\n[[networks]]\ncidr = \"{}/32\"\n\
             [ports]\ntcp = [{}, {}, {}]\nudp = []\n[rate]\ntimeout_ms = {timeout_ms}\n",
            tarpit.addr, garbage.addr, broker.addr, tarpit.port, garbage.port, broker.port
        ),
    );
    let (doc, wall) = common::scan_json(&dir, &scope).await;
    // The budget, plus process start and the other endpoints (in parallel).
    assert!(
        wall < Duration::from_millis(timeout_ms + 1200),
        "a tarpit cost {wall:?} with a {timeout_ms} ms timeout"
    );
    let obs: Vec<&serde_json::Value> = doc["assets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["observations"].as_array().unwrap())
        .collect();
    let find = |port: u16| {
        obs.iter()
            .find(|o| o["endpoint"]["port"] == port)
            .unwrap_or_else(|| panic!("no observation for port {port}"))
    };
    let t = find(tarpit.port);
    assert_eq!(t["status"], "timeout");
    assert!(t["elapsed_ms"].as_u64().unwrap() <= timeout_ms + 100, "{t}");
    let g = find(garbage.port);
    assert_eq!(g["status"], "protocol-error", "{g}");
    assert!(
        g["evidence"][0]["received"].as_str().unwrap().len() <= 4 * 512,
        "evidence is bounded"
    );
    // The normal device next to them is unaffected.
    let b = find(broker.port);
    assert_eq!(b["protocol"], "mqtt");
    let mut rules: Vec<(&str, u64)> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["check_id"].as_str().unwrap(),
                f["endpoint"]["port"].as_u64().unwrap(),
            )
        })
        .collect();
    rules.sort();
    // The garbage device is something the inventory cannot name; the
    // silent tarpit is not reported at all.
    assert_eq!(
        rules,
        vec![
            ("mqtt-anonymous-access", u64::from(broker.port)),
            ("unidentified-service", u64::from(garbage.port))
        ]
    );
    lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn interrupted_scan_writes_partial_results_and_exits_130() {
    crate::common::fixed_addresses();
    let lab = Lab::start(LabConfig {
        prefix: [127, 63, 2],
        fixed_ports: false,
        hostile: true,
    })
    .await
    .unwrap();
    let tarpit = lab.device("tarpit").unwrap().clone();
    let broker = lab.device("broker-01").unwrap().clone();
    let dir = TestDir::new("interrupt");
    let scope = dir.write(
        "scope.toml",
        &format!(
            "name = \"interrupt\"\n[[networks]]\ncidr = \"{}/32\"\n[[networks]]\ncidr = \"{}/32\"\n\
             [ports]\ntcp = [{}, {}]\nudp = []\n[rate]\ntimeout_ms = 30000\n",
            tarpit.addr, broker.addr, tarpit.port, broker.port
        ),
    );
    let (sarif, json) = (dir.path("out.sarif"), dir.path("out.json"));
    let mut child = std::process::Command::new(common::bin())
        .args(["scan", "--scope", scope.to_str().unwrap()])
        .arg("--sarif")
        .arg(&sarif)
        .arg("--json")
        .arg(&json)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Long enough for the broker to be done, far less than the tarpit's 30 s.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let start = std::time::Instant::now();
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(130));
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "stopping took {:?}",
        start.elapsed()
    );
    let s = read_json(&sarif);
    assert_eq!(s["runs"][0]["invocations"][0]["executionSuccessful"], false);
    let notes = s["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap();
    assert!(notes.iter().any(|n| {
        n["message"]["text"]
            .as_str()
            .unwrap()
            .contains("interrupted")
    }));
    let j = read_json(&json);
    assert_eq!(j["run"]["complete"], false);
    let rules: Vec<&str> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        vec!["mqtt-anonymous-access"],
        "what finished before the interrupt is kept"
    );
    lab.shutdown().await;
}
