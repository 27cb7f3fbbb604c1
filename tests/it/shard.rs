//! Sharding: `--shard K/N` scans disjoint slices of one scope, and
//! `stadscan merge` joins their SARIF files, or their JSON reports, into
//! what one unsharded scan reports.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{TestDir, lab, read_json, run, run_async, schema_errors};
use serde_json::Value;

fn alerts(sarif: &Value) -> BTreeSet<(String, String, String)> {
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                r["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

/// What a JSON report says about each device, without the timings that
/// differ between two scans of the same lab.
fn devices(report: &Value) -> Vec<String> {
    report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let services: Vec<String> = a["observations"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| {
                    format!(
                        "{}/{} {} tls={}",
                        o["endpoint"]["port"], o["endpoint"]["transport"], o["protocol"], o["tls"]
                    )
                })
                .collect();
            format!(
                "{} {} {} {} {} {} {} {:?}",
                a["id"],
                a["identity"],
                a["addr"],
                a["class"],
                a["vendor"],
                a["model"],
                a["firmware"],
                services
            )
        })
        .collect()
}

/// Each finding as (check, asset, endpoint, severity); a list, so that a
/// duplicate shows.
fn findings(report: &Value) -> Vec<String> {
    let mut v: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}/{} {}",
                f["check_id"],
                f["asset"],
                f["endpoint"]["addr"],
                f["endpoint"]["port"],
                f["endpoint"]["transport"],
                f["severity"]
            )
        })
        .collect();
    v.sort();
    v
}

fn compliance(report: &Value) -> Vec<String> {
    report["compliance"]["controls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {} {} {}",
                c["reference"], c["status"], c["findings"], c["assets"]
            )
        })
        .collect()
}

fn merge(out: &Path, inputs: &[&Path]) -> std::process::Output {
    let mut args = vec!["merge".to_string(), "-o".into(), out.display().to_string()];
    args.extend(inputs.iter().map(|p| p.display().to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let (out, _) = run(&refs);
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn three_shards_merged_equal_one_scan() {
    let setup = lab("shards", 61, 8, false, 1500).await;
    let (_, whole, whole_json) = setup.scan(&[]).await;
    let mut shard_files = Vec::new();
    let mut json_files = Vec::new();
    let mut seen = BTreeSet::new();
    for k in 0..3 {
        let path = setup.dir.path(&format!("shard-{k}.sarif"));
        let json = setup.dir.path(&format!("shard-{k}.json"));
        let (out, _) = run_async(vec![
            "scan".into(),
            "--scope".into(),
            setup.scope.display().to_string(),
            "--source-root".into(),
            setup.dir.0.display().to_string(),
            "--shard".into(),
            format!("{k}/3"),
            "--sarif".into(),
            path.display().to_string(),
            "--json".into(),
            json.display().to_string(),
        ])
        .await;
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for a in alerts(&read_json(&path)) {
            assert!(seen.insert(a.clone()), "{a:?} reported by two shards");
        }
        shard_files.push(path.display().to_string());
        json_files.push(json);
    }
    let merged = setup.dir.path("merged.sarif");
    // `--sarif` still names the output, as before `-o` existed.
    let mut args = vec![
        "merge".to_string(),
        "--sarif".into(),
        merged.display().to_string(),
    ];
    args.extend(shard_files.iter().cloned());
    let (out, _) = run_async(args).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let merged = read_json(&merged);
    assert!(schema_errors(&merged).is_empty());
    assert_eq!(alerts(&merged), alerts(&whole));
    assert_eq!(
        merged["runs"][0]["automationDetails"],
        whole["runs"][0]["automationDetails"]
    );
    let rules = merged["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    for r in merged["runs"][0]["results"].as_array().unwrap() {
        assert_eq!(
            rules[r["ruleIndex"].as_u64().unwrap() as usize]["id"],
            r["ruleId"]
        );
    }

    let merged_json = setup.dir.path("merged.json");
    let inputs: Vec<&Path> = json_files.iter().map(|p| p.as_path()).collect();
    let out = merge(&merged_json, &inputs);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let merged_json = read_json(&merged_json);
    assert!(!devices(&whole_json).is_empty());
    assert_eq!(devices(&merged_json), devices(&whole_json));
    assert!(!findings(&whole_json).is_empty());
    assert_eq!(findings(&merged_json), findings(&whole_json));
    assert_eq!(compliance(&merged_json), compliance(&whole_json));
    for field in ["baseline", "title", "title_nl"] {
        assert_eq!(
            merged_json["compliance"][field], whole_json["compliance"][field],
            "compliance.{field}"
        );
    }
    assert!(whole_json["compliance"]["title_nl"].is_string());
    assert_eq!(merged_json["summary"], whole_json["summary"]);
    assert_eq!(merged_json["run"]["complete"], true);
    assert_eq!(
        merged_json["stats"]["addresses"],
        whole_json["stats"]["addresses"]
    );
    assert_eq!(
        merged_json["stats"]["open_tcp"],
        whole_json["stats"]["open_tcp"]
    );
    // The same alerts as the merged SARIF, by fingerprint.
    let sarif_assets: BTreeSet<String> = merged["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["properties"]["asset"].as_str().unwrap().to_string())
        .collect();
    let json_assets: BTreeSet<String> = merged_json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["asset"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sarif_assets, json_assets);

    // A shard merged with itself (a retried pod uploading twice) adds nothing.
    let twice = setup.dir.path("twice.json");
    let out = merge(&twice, &[&json_files[0], &json_files[0]]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let once = read_json(&json_files[0]);
    let twice = read_json(&twice);
    assert_eq!(findings(&twice), findings(&once));
    assert_eq!(devices(&twice), devices(&once));
    let twice_sarif = setup.dir.path("twice.sarif");
    let first = Path::new(&shard_files[0]);
    let out = merge(&twice_sarif, &[first, first]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let twice_sarif = read_json(&twice_sarif);
    assert_eq!(
        twice_sarif["runs"][0]["results"].as_array().unwrap().len(),
        read_json(first)["runs"][0]["results"]
            .as_array()
            .unwrap()
            .len()
    );
    setup.lab.shutdown().await;
}

#[test]
fn mixing_sarif_and_json_reports_is_refused() {
    let dir = TestDir::new("merge-mixed");
    let sarif = dir.write(
        "a.sarif",
        r#"{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "stadscan"}}, "results": []}]}"#,
    );
    let report = dir.write(
        "b.json",
        r#"{"format": "stadscan-report", "format_version": 1}"#,
    );
    let out = merge(&dir.path("city.sarif"), &[&sarif, &report]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot mix"), "{err}");
    assert!(err.contains("a.sarif is a SARIF log"), "{err}");
    assert!(err.contains("b.json is a JSON report"), "{err}");
    assert!(!dir.path("city.sarif").exists());
}

#[test]
fn a_merged_json_report_is_not_named_sarif() {
    let dir = TestDir::new("merge-named");
    let report = dir.write(
        "a.json",
        r#"{"format": "stadscan-report", "format_version": 1, "tool": {"name": "stadscan", "version": "0.1.0"},
            "run": {"scope": "x", "scope_file": "x.toml", "started": "2026-11-29T01:00:00Z",
                    "finished": "2026-11-29T01:00:01Z", "complete": true, "ports_tcp": [80], "ports_udp": []}}"#,
    );
    let out = merge(&dir.path("city.sarif"), &[&report]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("name it .json"));
    let out = merge(&dir.path("city.json"), &[&report]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
