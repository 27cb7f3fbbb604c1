//! No secret leaves the scanner: a lab scan with credential tests on, with
//! the city's own passwords and an SNMP community in the scope file, writes
//! SARIF, JSON, the HTML report, the Markdown summary, the history, the
//! budget file, the audit trail and a trace-level log; not one of those
//! bytes holds a password or community from the scope file or from the
//! credential data. And the passwords were really in play: the scope's
//! were sent (the audit trail shows the logins) and a data password worked.

use crate::common;

use std::path::Path;

use common::{TestDir, read_json, read_jsonl};
use stadscan::creds::data::Credentials;
use stadscan_lab::{LAB_CA_PEM, Lab, LabConfig};

/// Secrets only the scope file knows.
const SCOPE_SECRETS: &[&str] = &["Zq7-scope-secret-Gemeente!", "c0mmunity-scope-secret"];

fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_password_or_community_reaches_any_output() {
    crate::common::fixed_addresses();
    let lab = Lab::start(LabConfig {
        prefix: [127, 71, 3],
        fixed_ports: false,
        hostile: false,
    })
    .await
    .expect("lab starts");
    let dir = TestDir::new("secrets");
    dir.write("lab-ca.pem", LAB_CA_PEM);
    let mut scope = lab
        .scope_toml("secrets", "lab-ca.pem", 2000)
        .replace("[rate]\n", "[rate]\nper_second = 20000\n");
    scope.push_str(&format!(
        r#"
[credentials]
enabled = true
delay_ms = 0
attempts = 10
budget_file = "state/budget.sqlite"

[[credentials.extra]]
id = "city-installer"
username = "beheer"
password = "{}"
methods = ["http-auth", "telnet", "ftp", "mqtt", "ssh", "rtsp"]

[[credentials.extra]]
id = "city-community"
password = "{}"
methods = ["snmp"]
"#,
        SCOPE_SECRETS[0], SCOPE_SECRETS[1]
    ));
    let scope_path = dir.write("scope.toml", &scope);
    let out_dir = dir.path("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let o = |name: &str| out_dir.join(name).display().to_string();
    let args: Vec<String> = vec![
        "-vvv".into(),
        "scan".into(),
        "--scope".into(),
        scope_path.display().to_string(),
        "--sarif".into(),
        o("out.sarif"),
        "--json".into(),
        o("out.json"),
        "--report".into(),
        o("report.html"),
        "--markdown".into(),
        o("summary.md"),
        "--history".into(),
        o("history.sqlite"),
        "--audit".into(),
        o("audit.jsonl"),
        "--source-root".into(),
        dir.0.display().to_string(),
    ];
    let (out, _) = common::run_async(args).await;
    lab.shutdown().await;
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "scan failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The secrets were in play.
    let audit = read_jsonl(&out_dir.join("audit.jsonl"));
    let logins = audit
        .iter()
        .filter(|l| l["probe"].as_str().is_some_and(|p| p.starts_with("login-")))
        .count();
    assert!(logins > 0, "no login was attempted");
    let report = read_json(&out_dir.join("out.json"));
    let findings = report["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f["check_id"].as_str() == Some("default-credentials")),
        "no default credential worked on the lab, so no data password was in play"
    );

    // Secrets to look for: the scope's, and every data password long
    // enough not to be an ordinary word of a report ("admin", "12345").
    // The binary carries the lab's data next to the built-in data.
    stadscan::knowledge::embedded::add_check_files(stadscan_lab::DATA_FILES);
    let data = Credentials::embedded().unwrap();
    let mut secrets: Vec<String> = SCOPE_SECRETS.iter().map(|s| s.to_string()).collect();
    secrets.extend(
        data.entries()
            .map(|e| e.password.expose().to_string())
            .filter(|p| p.len() >= 8),
    );
    assert!(
        secrets.len() > SCOPE_SECRETS.len(),
        "the data has distinctive passwords"
    );

    let mut outputs: Vec<(String, Vec<u8>)> = vec![
        ("stdout".into(), out.stdout.clone()),
        ("stderr (trace log)".into(), out.stderr.clone()),
    ];
    let mut files = Vec::new();
    files_under(&dir.0, &mut files);
    for f in files {
        if f == scope_path {
            continue;
        }
        outputs.push((f.display().to_string(), std::fs::read(&f).unwrap()));
    }
    let names: Vec<&str> = outputs.iter().map(|(n, _)| n.as_str()).collect();
    for want in [
        "budget.sqlite",
        "history.sqlite",
        "report.html",
        "summary.md",
        "out.sarif",
    ] {
        assert!(
            names.iter().any(|n| n.ends_with(want)),
            "{want} not written: {names:?}"
        );
    }
    assert!(
        out.stderr.len() > 1000,
        "the trace log is suspiciously short"
    );
    for (name, bytes) in &outputs {
        for s in &secrets {
            assert!(
                !contains(bytes, s),
                "{name} holds a secret ({} bytes long)",
                s.len()
            );
        }
    }
}
