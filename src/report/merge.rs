//! `stadscan merge`: joins the SARIF files of the shards of one scope into
//! one log. Rules are united by id and re-indexed from a map; results keep
//! their fingerprints (a result two shards both report is kept once); the
//! run succeeded only when every shard did.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

/// Merges (file name, SARIF text) pairs into one SARIF document.
pub fn merge_sarif(inputs: &[(String, String)]) -> Result<Vec<u8>, String> {
    if inputs.is_empty() {
        return Err("no SARIF files to merge".into());
    }
    let mut runs = Vec::new();
    for (name, text) in inputs {
        let doc: Value =
            serde_json::from_str(text).map_err(|e| format!("{name}: not JSON: {e}"))?;
        if doc["version"] != "2.1.0" {
            return Err(format!("{name}: not SARIF 2.1.0"));
        }
        let run_list = doc["runs"]
            .as_array()
            .ok_or_else(|| format!("{name}: no runs"))?;
        if run_list.len() != 1 || run_list[0]["tool"]["driver"]["name"] != "stadscan" {
            return Err(format!(
                "{name}: not a stadscan SARIF file (one run by stadscan)"
            ));
        }
        runs.push((name.clone(), run_list[0].clone()));
    }
    let category = runs[0].1["automationDetails"]["id"].clone();
    for (name, run) in &runs[1..] {
        if run["automationDetails"]["id"] != category {
            return Err(format!(
                "{name}: scope {} differs from {} ({}): merge only the shards of one scope",
                run["automationDetails"]["id"], runs[0].0, category
            ));
        }
    }

    let mut rules: BTreeMap<String, Value> = BTreeMap::new();
    for (_, run) in &runs {
        for r in run["tool"]["driver"]["rules"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if let Some(id) = r["id"].as_str() {
                rules.entry(id.to_string()).or_insert_with(|| r.clone());
            }
        }
    }
    let index: BTreeMap<String, usize> = rules
        .keys()
        .enumerate()
        .map(|(i, id)| (id.clone(), i))
        .collect();

    // A certificate key that different shards each saw on one address is
    // shared: like a single scan, fall back to the address for it.
    let mut key_addrs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (_, run) in &runs {
        for (key, addrs) in run["properties"]["certificateKeys"]
            .as_object()
            .into_iter()
            .flatten()
        {
            let set = key_addrs.entry(key.clone()).or_default();
            set.extend(
                addrs
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|a| a.as_str().map(str::to_string)),
            );
        }
    }
    let shared: BTreeSet<&String> = key_addrs
        .iter()
        .filter(|(_, a)| a.len() > 1)
        .map(|(k, _)| k)
        .collect();

    let mut seen = BTreeSet::new();
    let mut results = Vec::new();
    for (_, run) in &runs {
        for r in run["results"].as_array().into_iter().flatten() {
            let mut r = r.clone();
            if let (Some(asset), Some(host)) = (
                r["properties"]["asset"].as_str(),
                r["properties"]["host"].as_str(),
            ) && shared.contains(&asset.to_string())
            {
                let asset = format!("address:{host}");
                let fp = super::sarif::fingerprint_of(
                    r["ruleId"].as_str().unwrap_or_default(),
                    &asset,
                    r["properties"]["port"].as_u64().unwrap_or_default() as u16,
                    r["properties"]["transport"].as_str().unwrap_or_default(),
                );
                r["properties"]["asset"] = json!(asset);
                r["partialFingerprints"] = json!({ super::sarif::FINGERPRINT_KEY: fp.clone(), "primaryLocationLineHash": fp });
            }
            let fp = r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            if !fp.is_empty() && !seen.insert(fp) {
                continue;
            }
            if let Some(i) = r["ruleId"].as_str().and_then(|id| index.get(id)) {
                r["ruleIndex"] = json!(i);
            }
            results.push(r);
        }
    }
    results.sort_by(|a, b| {
        let key = |r: &Value| {
            (
                r["ruleId"].as_str().unwrap_or_default().to_string(),
                r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            )
        };
        key(a).cmp(&key(b))
    });

    let invocations: Vec<&Value> = runs
        .iter()
        .flat_map(|(_, r)| r["invocations"].as_array().into_iter().flatten())
        .collect();
    let success = invocations.iter().all(|i| i["executionSuccessful"] == true);
    let start = invocations
        .iter()
        .filter_map(|i| i["startTimeUtc"].as_str())
        .min();
    let end = invocations
        .iter()
        .filter_map(|i| i["endTimeUtc"].as_str())
        .max();
    let notes: Vec<Value> = invocations
        .iter()
        .flat_map(|i| {
            i["toolExecutionNotifications"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|n| {
            !n["message"]["text"]
                .as_str()
                .unwrap_or_default()
                .starts_with("shard ")
        })
        .collect();
    let mut invocation =
        json!({ "executionSuccessful": success, "toolExecutionNotifications": notes });
    if let Some(s) = start {
        invocation["startTimeUtc"] = json!(s);
    }
    if let Some(e) = end {
        invocation["endTimeUtc"] = json!(e);
    }

    let mut run = runs[0].1.clone();
    run["tool"]["driver"]["rules"] = json!(rules.into_values().collect::<Vec<_>>());
    run["results"] = json!(results);
    run["invocations"] = json!([invocation]);
    run["properties"]["merged_shards"] = json!(runs.len());
    run["properties"]["certificateKeys"] = json!(key_addrs);
    if let Some(props) = run["properties"].as_object_mut() {
        props.remove("stats");
        props.insert("complete".into(), json!(success));
    }
    let doc = json!({
        "$schema": super::sarif::SCHEMA_URI,
        "version": "2.1.0",
        "runs": [run],
    });
    let mut out = serde_json::to_vec_pretty(&doc).map_err(|e| e.to_string())?;
    out.push(b'\n');
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(id: &str, results: Value, ok: bool) -> (String, String) {
        let doc = json!({"version": "2.1.0", "runs": [{
            "tool": {"driver": {"name": "stadscan", "rules": [{"id": "b-rule"}, {"id": "a-rule"}]}},
            "automationDetails": {"id": id},
            "invocations": [{"executionSuccessful": ok, "startTimeUtc": "2026-11-29T01:00:00Z", "endTimeUtc": "2026-11-29T01:05:00Z"}],
            "results": results,
            "properties": {"scope": "x"}
        }]});
        ("s.sarif".into(), doc.to_string())
    }

    fn result(rule: &str, idx: usize, fp: &str) -> Value {
        json!({"ruleId": rule, "ruleIndex": idx, "message": {"text": "m"}, "partialFingerprints": {"primaryLocationLineHash": fp},
               "locations": [{"logicalLocations": [{"fullyQualifiedName": fp}]}]})
    }

    #[test]
    fn unites_rules_reindexes_and_drops_duplicates() {
        let a = shard("stadscan/x/", json!([result("b-rule", 0, "f1")]), true);
        let b = shard(
            "stadscan/x/",
            json!([result("a-rule", 1, "f2"), result("b-rule", 0, "f1")]),
            true,
        );
        let merged: Value = serde_json::from_slice(&merge_sarif(&[a, b]).unwrap()).unwrap();
        let run = &merged["runs"][0];
        assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "a-rule");
        let results = run["results"].as_array().unwrap();
        assert_eq!(results.len(), 2);
        for r in results {
            let i = r["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(run["tool"]["driver"]["rules"][i]["id"], r["ruleId"]);
        }
        assert_eq!(run["invocations"][0]["executionSuccessful"], true);
    }

    #[test]
    fn one_failed_shard_marks_the_merge_incomplete() {
        let a = shard("stadscan/x/", json!([]), true);
        let b = shard("stadscan/x/", json!([]), false);
        let merged: Value = serde_json::from_slice(&merge_sarif(&[a, b]).unwrap()).unwrap();
        assert_eq!(
            merged["runs"][0]["invocations"][0]["executionSuccessful"],
            false
        );
    }

    #[test]
    fn a_key_two_shards_each_saw_once_falls_back_to_addresses() {
        let with_key = |host: &str| {
            let asset = "cert-key:sha256:abc";
            let fp = crate::report::sarif::fingerprint_of("a-rule", asset, 443, "tcp");
            let doc = json!({"version": "2.1.0", "runs": [{
                "tool": {"driver": {"name": "stadscan", "rules": [{"id": "a-rule"}]}},
                "automationDetails": {"id": "stadscan/x/"},
                "invocations": [{"executionSuccessful": true}],
                "results": [{"ruleId": "a-rule", "ruleIndex": 0, "message": {"text": "m"},
                    "partialFingerprints": {"primaryLocationLineHash": fp},
                    "properties": {"asset": asset, "host": host, "port": 443, "transport": "tcp"},
                    "locations": [{"logicalLocations": [{"fullyQualifiedName": format!("{host}:443/tcp")}]}]}],
                "properties": {"certificateKeys": {asset: [host]}}
            }]});
            ("s.sarif".to_string(), doc.to_string())
        };
        // Two cameras with one factory certificate, in different shards.
        let merged: Value = serde_json::from_slice(
            &merge_sarif(&[with_key("10.0.0.1"), with_key("10.0.0.2")]).unwrap(),
        )
        .unwrap();
        let results = merged["runs"][0]["results"].as_array().unwrap();
        assert_eq!(results.len(), 2, "two devices, two alerts");
        for r in results {
            let host = r["properties"]["host"].as_str().unwrap();
            assert_eq!(r["properties"]["asset"], format!("address:{host}"));
            let want = crate::report::sarif::fingerprint_of(
                "a-rule",
                &format!("address:{host}"),
                443,
                "tcp",
            );
            assert_eq!(r["partialFingerprints"]["primaryLocationLineHash"], want);
        }
    }

    #[test]
    fn refuses_shards_of_different_scopes() {
        let a = shard("stadscan/x/", json!([]), true);
        let b = shard("stadscan/y/", json!([]), true);
        assert!(merge_sarif(&[a, b]).unwrap_err().contains("one scope"));
    }
}
