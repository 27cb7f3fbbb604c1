//! Scan history: two scans of the same lab with one device taken away and
//! another added in between give the right baselineState in SARIF, the
//! right `stadscan diff` (from the SARIF files and from the history file),
//! and the Markdown summary says what changed. A scanner killed mid-run
//! leaves its run marked incomplete, and the next run compares with the
//! last complete one.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{TestDir, read_json, run, schema_errors};
use serde_json::Value;
use stadscan_lab::{LAB_CA_PEM, Lab, LabConfig};

const PREFIX: [u8; 3] = [127, 66, 1];

async fn start(skip: &[&str]) -> Lab {
    crate::common::fixed_addresses();
    Lab::start_without(
        LabConfig {
            prefix: PREFIX,
            // The same ports in both runs: a finding is keyed by its port.
            fixed_ports: true,
            hostile: false,
        },
        skip,
    )
    .await
    .expect("lab starts")
}

fn scan(dir: &TestDir, scope: &Path, history: &Path, tag: &str, extra: &[&str]) -> Value {
    let sarif = dir.path(&format!("{tag}.sarif"));
    let md = dir.path(&format!("{tag}.md"));
    let json = dir.path(&format!("{tag}.json"));
    let mut args = vec![
        "scan".to_string(),
        "--scope".into(),
        scope.display().to_string(),
        "--sarif".into(),
        sarif.display().to_string(),
        "--json".into(),
        json.display().to_string(),
        "--markdown".into(),
        md.display().to_string(),
        "--history".into(),
        history.display().to_string(),
        "--source-root".into(),
        dir.path("").display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (out, _) = run(&refs);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = read_json(&sarif);
    assert!(schema_errors(&doc).is_empty(), "{:?}", schema_errors(&doc));
    // The run's number is the same in SARIF, the JSON report and the summary.
    let id = &doc["runs"][0]["properties"]["historyId"];
    assert!(id.is_u64(), "{}", doc["runs"][0]["properties"]);
    assert_eq!(&read_json(&json)["run"]["history_id"], id);
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(summary.contains(&format!("history: run {id}")), "{summary}");
    doc
}

/// (rule, port) -> baselineState of every result.
fn states(doc: &Value) -> BTreeMap<(String, u64), String> {
    doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["properties"]["port"].as_u64().unwrap_or(0),
                ),
                r["baselineState"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_device_gone_and_a_device_added_show_as_fixed_and_new() {
    let dir = TestDir::new("history");
    dir.write("lab-ca.pem", LAB_CA_PEM);
    let history = dir.path("state/history.sqlite");

    // Run 1: the relay is not there yet.
    let lab = start(&["relay-01"]).await;
    // The scope lists the ports of the full lab, so both runs look at the
    // same places.
    let full = start_ports().await;
    let scope = dir.write("scope.toml", &full);
    let first = scan(&dir, &scope, &history, "run1", &[]);
    // A first run has nothing to compare with: no baselineState at all.
    assert!(
        states(&first).values().all(|s| s == "-"),
        "{:?}",
        states(&first)
    );
    lab.shutdown().await;

    // Run 2: the broker is gone, the relay has appeared.
    let lab = start(&["broker-01"]).await;
    let second = scan(&dir, &scope, &history, "run2", &["--sarif-absent"]);
    lab.shutdown().await;

    let st = states(&second);
    assert_eq!(st[&("device-auth-disabled".to_string(), 8081)], "new");
    assert_eq!(st[&("mqtt-anonymous-access".to_string(), 1883)], "absent");
    // The vanished finding's message carries no time; its properties do.
    let gone = second["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["baselineState"] == "absent")
        .unwrap();
    let text = gone["message"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("No longer found (present in the previous run): "),
        "{text}"
    );
    let time = regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").unwrap();
    assert!(!time.is_match(text), "{text}");
    assert!(
        gone["properties"]["lastSeenRun"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "{gone}"
    );
    let others: Vec<_> = st
        .iter()
        .filter(|((rule, _), _)| rule != "device-auth-disabled" && rule != "mqtt-anonymous-access")
        .collect();
    assert!(others.len() >= 15, "{}", others.len());
    for ((rule, port), state) in others {
        assert_eq!(state, "unchanged", "{rule} on {port}");
    }
    let since = &second["runs"][0]["properties"]["sinceLastRun"];
    assert_eq!(
        (since["new"].as_u64(), since["absent"].as_u64()),
        (Some(1), Some(1))
    );

    // The diff, from the SARIF files and from the history file.
    for args in [
        vec![
            "diff".to_string(),
            dir.path("run1.sarif").display().to_string(),
            dir.path("run2.sarif").display().to_string(),
        ],
        vec![
            "diff".to_string(),
            "--history".into(),
            history.display().to_string(),
            "1".into(),
            "2".into(),
        ],
        // The names users reach for: the last run and the one before it.
        vec![
            "diff".to_string(),
            "--history".into(),
            history.display().to_string(),
            "previous".into(),
            "latest".into(),
        ],
    ] {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let (out, _) = run(&refs);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        let first_line = text.lines().next().unwrap_or("");
        assert!(first_line.contains(": 1 new, 1 fixed,"), "{text}");
        let new_part = text.split("fixed:").next().unwrap();
        assert!(new_part.contains("device-auth-disabled"), "{text}");
        assert!(
            text.split("fixed:")
                .nth(1)
                .unwrap()
                .contains("mqtt-anonymous-access"),
            "{text}"
        );
    }
    // --fail-on-new turns new findings into exit code 1, for CI gates.
    let (out, _) = run(&[
        "diff",
        dir.path("run1.sarif").to_str().unwrap(),
        dir.path("run2.sarif").to_str().unwrap(),
        "--fail-on-new",
    ]);
    assert_eq!(out.status.code(), Some(1));

    let md = std::fs::read_to_string(dir.path("run2.md")).unwrap();
    assert!(md.contains("**1 new**, 0 updated, 1 fixed"), "{md}");
    assert!(md.contains("device-auth-disabled"), "{md}");

    // Every run has a number, in SARIF, and `history list` shows them.
    assert_eq!(first["runs"][0]["properties"]["historyId"], 1);
    assert_eq!(second["runs"][0]["properties"]["historyId"], 2);
    assert_eq!(
        second["runs"][0]["properties"]["sinceLastRun"]["previousRunId"],
        1
    );
    let (out, _) = run(&["history", "list", "--history", history.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let list = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = list
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 2, "{list}");
    assert_eq!((rows[0][0], rows[0][2]), ("1", "complete"), "{list}");
    assert_eq!(rows[1][0], "2", "{list}");
    // An unknown run is refused with the list of those there are.
    let (out, _) = run(&["diff", "--history", history.to_str().unwrap(), "4", "5"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no run `4`") && err.contains("runs there: 1, 2"),
        "{err}"
    );
    // Reading never creates a history file.
    let missing = dir.path("state/none.sqlite");
    let (out, _) = run(&["history", "list", "--history", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!missing.exists());
}

/// The scope text for the full lab on PREFIX (started briefly to learn its
/// ports, then stopped).
async fn start_ports() -> String {
    // Ports are fixed, so a lab on another prefix has the same ones.
    crate::common::fixed_addresses();
    let probe = Lab::start(LabConfig {
        prefix: [127, 66, 2],
        fixed_ports: true,
        hostile: false,
    })
    .await
    .expect("lab starts");
    let text = probe
        .scope_toml("history", "lab-ca.pem", 1500)
        .replace("127.66.2.", "127.66.1.")
        .replace("[rate]\n", "[rate]\nper_second = 20000\n");
    probe.shutdown().await;
    text
}

/// A scan with a history, in the background (to be killed mid-way).
fn spawn_scan(scope: &Path, history: &Path) -> std::process::Child {
    std::process::Command::new(common::bin())
        .args([
            "scan",
            "--scope",
            scope.to_str().unwrap(),
            "--history",
            history.to_str().unwrap(),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_killed_scan_leaves_its_run_incomplete_and_is_not_compared_with() {
    let dir = TestDir::new("history-kill");
    let history = dir.path("h.sqlite");
    // A /24 of silent addresses with a long timeout: the scan runs long
    // enough to be killed mid-way.
    let scope = dir.write(
        "scope.toml",
        "name = \"kill\"\n[[networks]]\ncidr = \"127.66.9.0/24\"\n[ports]\ntcp = [1, 2, 3]\nudp = []\n[rate]\nper_second = 50\ntimeout_ms = 500\n",
    );
    let mut child = spawn_scan(&scope, &history);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    // The next run finishes; the killed one is marked incomplete.
    let small = dir.write(
        "small.toml",
        "name = \"kill\"\n[[networks]]\ncidr = \"127.66.9.0/30\"\n[ports]\ntcp = [1]\nudp = []\n",
    );
    let (out, _) = run(&[
        "scan",
        "--scope",
        small.to_str().unwrap(),
        "--history",
        history.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("history: run 2, the first of this scope"),
        "{text}"
    );
    let store = stadscan::history::store::Store::open(&history).unwrap();
    let runs = store.runs().unwrap();
    assert_eq!(runs.len(), 2);
    assert_eq!(
        runs[0].state,
        stadscan::history::store::RunState::Incomplete
    );
    assert_eq!(runs[1].state, stadscan::history::store::RunState::Complete);
}

#[test]
fn resume_takes_over_the_finished_part_of_a_killed_run() {
    // Every port of every address: exactly the unfinished steps are probed again.
    resume_case("history-resume", 30, "hosts = \"all\"", |skipped| {
        2048 - skipped
    });
}

#[test]
fn resume_with_host_discovery_probes_the_liveness_ports_again_and_finds_each_service_once() {
    // The liveness pass (ports 2222 and 1 of 256 addresses: steps 0-511)
    // runs again to learn which addresses are alive, what it finds is not
    // counted twice; of the rest, only the unfinished steps are probed.
    resume_case(
        "history-resume-probe",
        31,
        "hosts = \"probe\"\ntcp_ports = [2222, 1]",
        |skipped| 512 + (2048 - skipped.max(512)),
    );
}

fn resume_case(name: &str, block: u8, discovery: &str, probed_again: fn(u64) -> u64) {
    let dir = TestDir::new(name);
    let history = dir.path("h.sqlite");
    // One device that answers (an SSH banner), on a /24 of closed ports,
    // slowed down so the scan can be killed mid-way: 256 x 8 = 2048 steps
    // at 400 per second.
    let listener = std::net::TcpListener::bind(format!("127.66.{block}.7:2222")).unwrap();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            use std::io::Write;
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n");
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    });
    let scope = dir.write(
        "scope.toml",
        &format!(
            "name = \"resume\"\n[[networks]]\ncidr = \"127.66.{block}.0/24\"\n[ports]\n\
             tcp = [1, 2, 3, 4, 5, 6, 7, 2222]\nudp = []\n[rate]\nper_second = 400\n\
             timeout_ms = 1000\n[discovery]\nicmp = false\n{discovery}\n"
        ),
    );
    let mut child = spawn_scan(&scope, &history);
    // Kill it once a checkpoint says it got somewhere (at most 30 s).
    let started = std::time::Instant::now();
    loop {
        std::thread::sleep(std::time::Duration::from_millis(200));
        let progress = history
            .exists()
            .then(|| stadscan::history::store::Store::open(&history).ok())
            .flatten()
            .and_then(|s| s.done_below(1).ok())
            .unwrap_or(0);
        if progress > 100 {
            break;
        }
        assert!(started.elapsed().as_secs() < 30, "no checkpoint after 30 s");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the scan ended before it was killed"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();

    let audit = dir.path("audit.jsonl");
    let json = dir.path("out.json");
    let (out, _) = run(&[
        "scan",
        "--scope",
        scope.to_str().unwrap(),
        "--history",
        history.to_str().unwrap(),
        "--resume",
        "--audit",
        audit.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = read_json(&json);
    let note = report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["message"].as_str())
        .find(|m| m.starts_with("resumed run 1: "))
        .unwrap_or_else(|| panic!("no resume note in {}", report["notes"]));
    let skipped: u64 = note["resumed run 1: ".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(skipped > 100 && skipped < 2048, "{note}");
    // The steps not finished before the kill were probed again (one step
    // is one address and port), and with host discovery the liveness pass.
    let probed: std::collections::BTreeSet<(String, u64)> = std::fs::read_to_string(&audit)
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["target"].as_str().unwrap().to_string(),
                v["port"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(probed.len() as u64, probed_again(skipped), "{note}");
    // Whether found before or after the kill, the device is there once.
    let ssh: Vec<_> = report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["observations"].as_array().unwrap())
        .filter(|o| o["endpoint"]["port"] == 2222)
        .collect();
    assert_eq!(ssh.len(), 1, "{ssh:?}");
    assert_eq!(ssh[0]["protocol"], "ssh");
    // The killed run is incomplete; the resumed one complete.
    let store = stadscan::history::store::Store::open(&history).unwrap();
    let runs = store.runs().unwrap();
    assert_eq!(
        runs.iter().map(|r| r.state).collect::<Vec<_>>(),
        [
            stadscan::history::store::RunState::Incomplete,
            stadscan::history::store::RunState::Complete
        ]
    );
}

/// The demo twice with one history: nothing changed in between, so every
/// result of the second run is `unchanged`. A message that carries a time,
/// a counter or bytes a device makes up anew (the default credential's
/// "last verified", an unknown service's first bytes, days to expiry) would
/// read as `updated` here.
#[test]
fn the_demo_twice_with_one_history_is_all_unchanged() {
    let dir = TestDir::new("history-demo-twice");
    let history = dir.path("demo.sqlite");
    let demo = |tag: &str| -> Value {
        let out_dir = dir.path(tag);
        let (out, _) = run(&[
            "demo",
            "--out",
            out_dir.to_str().unwrap(),
            "--history",
            history.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        read_json(&out_dir.join("results.sarif"))
    };
    let first = demo("run1");
    let second = demo("run2");
    let results = |doc: &Value| -> BTreeMap<String, Value> {
        doc["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let key = r["partialFingerprints"]["stadscanFinding/v1"]
                    .as_str()
                    .unwrap()
                    .to_string();
                (key, r.clone())
            })
            .collect()
    };
    let (before, after) = (results(&first), results(&second));
    assert!(after.len() > 10, "the demo has findings: {}", after.len());
    let mut changed = Vec::new();
    for (key, r) in &after {
        if r["baselineState"] != "unchanged" {
            let was = before.get(key).map(|b| &b["message"]["text"]);
            changed.push(format!(
                "{} on {}: {} (now `{}`, before `{}`)",
                r["ruleId"],
                r["locations"][0]["logicalLocations"][0]["name"],
                r["baselineState"],
                r["message"]["text"],
                was.map_or("absent".to_string(), Value::to_string)
            ));
        }
    }
    assert!(changed.is_empty(), "{}", changed.join("\n"));
    // And the same set: nothing new, nothing gone.
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
}
