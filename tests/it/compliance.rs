//! Compliance per control for the demo city, snapshotted: the Markdown
//! summary a CI job shows and the JSON compliance section dashboards read.
//! A changed check, mapping or lab device shows up as a visible diff in
//! tests/snapshots/. Regenerate with UPDATE_SNAPSHOTS=1.
//!
//! Also: the other catalogues (BIO 1.04, BIG) judge the same scan in their
//! own numbering, and an unknown baseline is refused before any scanning.

use crate::common;

use common::{TestDir, lab, read_json, run, snapshot};
use serde_json::Value;

/// Replaces RFC 3339 times (they differ per run) with `<time>`.
fn untimed(text: &str) -> String {
    let re = regex::Regex::new(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").unwrap();
    re.replace_all(text, "<time>").into_owned()
}

#[test]
fn demo_city_compliance_matches_its_snapshots() {
    let dir = TestDir::new("compliance-demo");
    let out_dir = dir.path("demo");
    let (out, _) = run(&["demo", "--out", out_dir.to_str().unwrap(), "--lang", "en"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(out_dir.join("summary.md")).unwrap();
    snapshot("demo-summary.md", &untimed(&md));
    let json = read_json(&out_dir.join("report.json"));
    let compliance = &json["compliance"];
    snapshot(
        "demo-compliance.json",
        &(serde_json::to_string_pretty(compliance).unwrap() + "\n"),
    );

    // What the snapshot must keep saying, whatever else changes.
    let status = |reference: &str| -> String {
        compliance["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["reference"] == reference)
            .unwrap_or_else(|| panic!("{reference} missing"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    // Default credentials and anonymous access: 5.17 and 5.15 fail.
    assert_eq!(status("bio2:5.17"), "fail");
    assert_eq!(status("bio2:5.15"), "fail");
    // Cryptography fails on the legacy-TLS controller.
    assert_eq!(status("bio2:8.24"), "fail");
    // A control no scan can see is never passed.
    assert_eq!(status("bio2:8.15"), "not-testable");
    let c = &compliance["counts"];
    let total: u64 = ["pass", "fail", "not_tested", "not_testable"]
        .iter()
        .map(|k| c[*k].as_u64().unwrap())
        .sum();
    assert_eq!(
        total as usize,
        compliance["controls"].as_array().unwrap().len()
    );
    // The CISO report: one self-contained page in the language asked for,
    // with every section (scripts/check-report.sh renders it in Chromium
    // in .ci/run).
    let html = std::fs::read_to_string(out_dir.join("report.html")).unwrap();
    assert!(
        html.starts_with("<!DOCTYPE html>"),
        "{}",
        &html[..60.min(html.len())]
    );
    assert!(html.contains("<html lang=\"en\""));
    for id in [
        "summary",
        "compliance",
        "trend",
        "changes",
        "risk",
        "fixes",
        "inventory",
        "personal-data",
        "vendors",
        "notes",
    ] {
        assert!(
            html.contains(&format!("id=\"{id}\"")),
            "section {id} missing"
        );
    }
    assert!(!html.contains("<script"));
    // SARIF carries the compliance summary, rules carry the control ids.
    let sarif = read_json(&out_dir.join("results.sarif"));
    let props = &sarif["runs"][0]["properties"]["compliance"];
    assert_eq!(props["baseline"], "bio2");
    assert!(
        props["failed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "bio2:5.17")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn other_catalogues_judge_the_same_scan_in_their_numbering() {
    let setup = lab("compliance-cat", 66, 3, false, 1500).await;
    let json_of = |(_, _, j): (std::process::Output, Value, Value)| j;
    let bio104 = json_of(setup.scan(&["--baseline", "bio-1.04"]).await);
    let big = json_of(setup.scan(&["--baseline", "big"]).await);
    let bio2 = json_of(setup.scan(&[]).await);
    setup.lab.shutdown().await;
    let status = |doc: &Value, reference: &str| -> String {
        doc["compliance"]["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["reference"] == reference)
            .unwrap_or_else(|| panic!("{reference} missing"))["status"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(bio104["compliance"]["baseline"], "bio-1.04");
    assert_eq!(big["compliance"]["baseline"], "big");
    // The same controls, three numberings: password management
    // (BIO2 5.17 = BIO 1.04 9.4.3 = BIG 11.5.3), cryptography (8.24 =
    // 10.1.1 = 12.3.1), logging (not testable everywhere).
    for (b2, b104, bg) in [
        ("bio2:5.17", "bio-1.04:9.4.3", "big:11.5.3"),
        ("bio2:8.24", "bio-1.04:10.1.1", "big:12.3.1"),
        ("bio2:8.15", "bio-1.04:12.4.1", "big:10.10.1"),
        ("bio2:8.22", "bio-1.04:13.1.3", "big:11.4.5"),
    ] {
        let s = status(&bio2, b2);
        assert_eq!(status(&bio104, b104), s, "{b104} vs {b2}");
        assert_eq!(status(&big, bg), s, "{bg} vs {b2}");
    }
}

#[test]
fn an_unknown_baseline_is_refused_before_scanning() {
    let dir = TestDir::new("compliance-unknown");
    let scope = dir.write(
        "scope.toml",
        "name = \"x\"\n[[networks]]\ncidr = \"127.66.4.1/32\"\n[ports]\ntcp = [1]\nudp = []\n",
    );
    let audit = dir.path("audit.jsonl");
    let (out, _) = run(&[
        "scan",
        "--scope",
        scope.to_str().unwrap(),
        "--baseline",
        "iso-9001",
        "--audit",
        audit.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("iso-9001") && err.contains("bio2"), "{err}");
    // Nothing was sent.
    let trail = std::fs::read_to_string(&audit).unwrap_or_default();
    assert!(trail.trim().is_empty(), "{trail}");
}
