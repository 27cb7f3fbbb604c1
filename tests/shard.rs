//! Sharding: `--shard K/N` scans disjoint slices of one scope, and
//! `stadscan merge` joins their SARIF into what one unsharded scan reports.

mod common;

use std::collections::BTreeSet;

use common::{lab, read_json, run_async, schema_errors};
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

#[tokio::test(flavor = "multi_thread")]
async fn three_shards_merged_equal_one_scan() {
    let setup = lab("shards", 61, 8, false, 1500).await;
    let (_, whole, _) = setup.scan(&[]).await;
    let mut shard_files = Vec::new();
    let mut seen = BTreeSet::new();
    for k in 0..3 {
        let path = setup.dir.path(&format!("shard-{k}.sarif"));
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
    }
    let merged = setup.dir.path("merged.sarif");
    let mut args = vec![
        "merge".to_string(),
        "--sarif".into(),
        merged.display().to_string(),
    ];
    args.extend(shard_files);
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
    setup.lab.shutdown().await;
}
