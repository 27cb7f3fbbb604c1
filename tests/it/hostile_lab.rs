//! The whole lab with every hostile device on (drip, firehose, reset, liars,
//! floods, a 1 MB certificate chain, absurd BER): the scan stays inside its
//! time and memory budgets, reports each hostile device, and finds on the
//! normal devices exactly what it finds on the same lab without them.

use crate::common;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{LabSetup, lab, read_json};
use serde_json::Value;

/// The scope's `[rate] timeout_ms`: one endpoint's identification budget.
const TIMEOUT_MS: u64 = 1000;
/// The TLS enumeration's budget, in identification budgets
/// (`stadscan::probe::TLS_BUDGET_FACTOR`).
const TLS_FACTOR: u64 = 4;
/// Process start, name resolution, discovery of every (address, port) of
/// the /24 at 20000 per second (~6000 positions: 0.3 s), writing the report.
const OVERHEAD: Duration = Duration::from_secs(3);
/// Peak resident memory the scan may reach.
const MEMORY_LIMIT_KIB: u64 = 200 * 1024;

/// What one scan run produced.
struct Run {
    json: Value,
    stderr: String,
    code: Option<i32>,
    wall: Duration,
    /// Peak resident set (VmHWM) seen while the scan ran, in KiB.
    peak_kib: Option<u64>,
}

/// Runs `stadscan scan --json` on the lab, off the async runtime, and
/// samples the child's VmHWM from /proc every few milliseconds until it
/// exits (VmHWM only grows, so the last sample is the peak up to then).
async fn scan(setup: &LabSetup) -> Run {
    let json = setup.dir.path("out.json");
    let stderr = setup.dir.path("stderr.txt");
    let scope = setup.scope.clone();
    let (code, wall, peak_kib) = {
        let (json, stderr) = (json.clone(), stderr.clone());
        tokio::task::spawn_blocking(move || {
            let start = Instant::now();
            let mut child = Command::new(common::bin())
                .arg("scan")
                .arg("--scope")
                .arg(&scope)
                .arg("--json")
                .arg(&json)
                .env_remove("RUST_LOG")
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&stderr).unwrap())
                .spawn()
                .expect("the stadscan binary runs");
            let status_file = format!("/proc/{}/status", child.id());
            let mut peak: Option<u64> = None;
            let status = loop {
                if let Some(kib) = std::fs::read_to_string(&status_file)
                    .ok()
                    .as_deref()
                    .and_then(vm_hwm_kib)
                {
                    peak = peak.max(Some(kib));
                }
                if let Some(status) = child.try_wait().unwrap() {
                    break status;
                }
                std::thread::sleep(Duration::from_millis(5));
            };
            (status.code(), start.elapsed(), peak)
        })
        .await
        .unwrap()
    };
    let stderr = std::fs::read_to_string(&stderr).unwrap_or_default();
    assert_eq!(code, Some(0), "scan failed after {wall:?}:\n{stderr}");
    Run {
        json: read_json(&json),
        stderr,
        code,
        wall,
        peak_kib,
    }
}

/// `VmHWM:    12345 kB` from a /proc/<pid>/status text.
fn vm_hwm_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// `addr:port/transport` of a lab device or a report endpoint.
fn key(addr: &str, port: u64, transport: &str) -> String {
    format!("{addr}:{port}/{transport}")
}

/// Device name and class of every lab endpoint, by `addr:port/transport`.
fn devices(setup: &LabSetup) -> BTreeMap<String, (String, String)> {
    setup
        .lab
        .devices()
        .iter()
        .map(|d| {
            (
                key(&d.addr.to_string(), u64::from(d.port), d.transport.as_str()),
                (d.name.clone(), d.class.clone()),
            )
        })
        .collect()
}

fn endpoint_key(v: &Value) -> String {
    let ep = &v["endpoint"];
    key(
        ep["addr"].as_str().unwrap(),
        ep["port"].as_u64().unwrap(),
        ep["transport"].as_str().unwrap(),
    )
}

/// (device, check) of every finding on a device that is not hostile, sorted
/// (duplicates kept). A finding on an endpoint that is no lab device keeps
/// its address, so it cannot match across the two labs.
fn normal_findings(setup: &LabSetup, json: &Value) -> Vec<(String, String)> {
    let names = devices(setup);
    let mut out: Vec<(String, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| {
            let k = endpoint_key(f);
            let device = match names.get(&k) {
                Some((_, class)) if class == "hostile" => return None,
                Some((name, _)) => name.clone(),
                None => k,
            };
            Some((device, f["check_id"].as_str().unwrap().to_string()))
        })
        .collect();
    out.sort();
    out
}

fn observations(json: &Value) -> Vec<&Value> {
    json["assets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["observations"].as_array().unwrap())
        .collect()
}

/// What a hostile device's observation must show: the statuses allowed, and
/// the protocol where the device leaves no doubt.
const HOSTILE: &[(&str, &[&str], Option<&str>)] = &[
    ("tarpit", &["timeout"], Some("unknown")),
    ("garbage", &["protocol-error"], Some("unknown")),
    ("drip", &["timeout", "protocol-error", "ok"], None),
    // It begins like an HTTP response whose head never ends.
    ("firehose", &["protocol-error"], Some("http")),
    ("reset", &["protocol-error"], Some("unknown")),
    // A CONNACK type byte with a lying length: an MQTT broker, misbehaving.
    ("mqtt-liar", &["protocol-error"], Some("mqtt")),
    // A status line, then headers that never end.
    ("http-flood", &["protocol-error"], Some("http")),
    // A valid head: HTTP, whatever the endless body.
    ("http-chunked", &["ok"], Some("http")),
    // TLS records of the right type with broken handshakes: TLS, misbehaving.
    ("tls-junk", &["protocol-error"], Some("tls")),
    ("tls-bigchain", &["protocol-error"], Some("tls")),
    ("snmp-absurd", &["protocol-error"], None),
];

#[tokio::test(flavor = "multi_thread")]
async fn hostile_devices_cost_their_budget_and_change_nothing_else() {
    // One scan after the other: both see the same machine load.
    let normal = lab("hostile-lab-normal", 67, 1, false, TIMEOUT_MS).await;
    let reference = scan(&normal).await;
    let hostile = lab("hostile-lab-hostile", 67, 2, true, TIMEOUT_MS).await;
    let run = scan(&hostile).await;
    eprintln!(
        "without hostile devices: {:?}, peak {:?} KiB; with them: {:?}, peak {:?} KiB",
        reference.wall, reference.peak_kib, run.wall, run.peak_kib
    );

    // Both runs ended cleanly, and nothing panicked.
    for (what, r) in [("normal", &reference), ("hostile", &run)] {
        assert_eq!(r.code, Some(0), "{what}");
        assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
        assert_eq!(r.json["run"]["complete"], true, "{what}");
        let notes = r.json["notes"].as_array().unwrap();
        assert!(
            notes
                .iter()
                .all(|n| !n["message"].as_str().unwrap().contains("internal error")),
            "{what}: {notes:?}"
        );
    }

    // Time: endpoints run concurrently, so the scan takes about as long as
    // its slowest endpoint. That is one identification (every step of the
    // plan shares one deadline of timeout_ms; the UDP SNMP probe's two
    // tries share one timeout_ms too) followed, for a TLS endpoint, by the
    // TLS enumeration (TLS_FACTOR x timeout_ms): 5 s here, plus overhead.
    let bound = Duration::from_millis(TIMEOUT_MS * (1 + TLS_FACTOR)) + OVERHEAD;
    assert!(
        run.wall < bound,
        "the scan with hostile devices took {:?} (bound {bound:?}; without them {:?})",
        run.wall,
        reference.wall
    );

    // Memory: every read is bounded, whatever a device claims or streams.
    let peak = run.peak_kib.expect("VmHWM sampled from /proc");
    assert!(
        peak < MEMORY_LIMIT_KIB,
        "peak resident memory {peak} KiB (limit {MEMORY_LIMIT_KIB} KiB; without hostile devices {:?} KiB)",
        reference.peak_kib
    );

    // The normal devices' findings are exactly those of the lab without
    // hostile devices.
    let want = normal_findings(&normal, &reference.json);
    assert!(!want.is_empty(), "the normal lab has findings");
    assert_eq!(normal_findings(&hostile, &run.json), want);

    // Every hostile device was seen, within its budget, as what it is.
    let names = devices(&hostile);
    let by_device: BTreeMap<String, &Value> = observations(&run.json)
        .into_iter()
        .filter_map(|o| names.get(&endpoint_key(o)).map(|(n, _)| (n.clone(), o)))
        .collect();
    let hostile_names: Vec<&str> = hostile
        .lab
        .devices()
        .iter()
        .filter(|d| d.class == "hostile")
        .map(|d| d.name.as_str())
        .collect();
    let listed: Vec<&str> = HOSTILE.iter().map(|(n, _, _)| *n).collect();
    assert_eq!(
        hostile_names, listed,
        "every hostile device is checked here"
    );
    for (name, statuses, protocol) in HOSTILE {
        let o = by_device
            .get(*name)
            .unwrap_or_else(|| panic!("no observation for {name}"));
        eprintln!(
            "{name}: status {} protocol {} elapsed {} ms, tls_profile {}",
            o["status"], o["protocol"], o["elapsed_ms"], o["tls_profile"]["elapsed_ms"]
        );
        let status = o["status"].as_str().unwrap();
        assert!(statuses.contains(&status), "{name}: {o}");
        if let Some(p) = protocol {
            assert_eq!(o["protocol"], *p, "{name}: {o}");
        }
        let elapsed = o["elapsed_ms"].as_u64().unwrap();
        assert!(
            elapsed <= TIMEOUT_MS + 250,
            "{name} identified in {elapsed} ms"
        );
        if let Some(tls) = o["tls_profile"]["elapsed_ms"].as_u64() {
            assert!(
                tls <= TIMEOUT_MS * TLS_FACTOR + 250,
                "{name}: TLS enumeration took {tls} ms"
            );
        }
        for ev in o["evidence"].as_array().into_iter().flatten() {
            // 512 bytes kept, each escaped as at most 4 characters.
            let kept = ev["received"].as_str().unwrap().len();
            assert!(kept <= 4 * 512, "{name}: {kept} characters of evidence");
        }
    }
    let on_hostile: Vec<(String, &str)> = run.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| match names.get(&endpoint_key(f)) {
            Some((n, class)) if class == "hostile" => {
                Some((n.clone(), f["check_id"].as_str().unwrap()))
            }
            _ => None,
        })
        .collect();
    eprintln!("findings on hostile devices: {on_hostile:?}");

    normal.lab.shutdown().await;
    hostile.lab.shutdown().await;
}
