//! `stadscan merge`: joins the outputs of the shards of one scope into one.
//! SARIF logs: rules are united by id and re-indexed from a map; results
//! keep their fingerprints (a result two shards both report is kept once);
//! the run succeeded only when every shard did. JSON reports are joined in
//! [`json`]. The inputs are told apart by content, and must all be of one
//! kind.

mod json;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

pub use json::merge_json;

/// What a shard file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A SARIF 2.1.0 log written by `stadscan scan --sarif`.
    Sarif,
    /// A JSON report written by `stadscan scan --json`.
    JsonReport,
}

impl InputKind {
    /// How error messages name the kind ("a SARIF log", "a JSON report").
    pub fn describe(self) -> &'static str {
        match self {
            InputKind::Sarif => "a SARIF log",
            InputKind::JsonReport => "a JSON report",
        }
    }
}

/// Shard outputs that cannot be merged. Names the file at fault.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// An input is not valid JSON.
    #[error("{name}:{}:{}: not JSON: {source}", source.line(), source.column())]
    NotJson {
        /// The input file's name.
        name: String,
        /// The parser's error, with line and column.
        source: serde_json::Error,
    },
    /// An input is JSON but neither kind of shard output.
    #[error("{name}: neither a SARIF log nor a stadscan JSON report")]
    UnknownKind {
        /// The input file's name.
        name: String,
    },
    /// Nothing to merge.
    #[error("no {what} to merge")]
    Empty {
        /// What was missing: "files", "SARIF files"...
        what: &'static str,
    },
    /// The inputs are of two kinds.
    #[error(
        "cannot mix kinds: {first} is {} but {name} is {}; merge the SARIF files and the \
         JSON reports in two separate runs of `stadscan merge`",
        first_kind.describe(),
        kind.describe()
    )]
    MixedKinds {
        /// The first input's file name.
        first: String,
        /// What the first input is.
        first_kind: InputKind,
        /// The first input of the other kind.
        name: String,
        /// What that input is.
        kind: InputKind,
    },
    /// A SARIF input is not version 2.1.0.
    #[error("{name}: not SARIF 2.1.0")]
    NotSarif21 {
        /// The input file's name.
        name: String,
    },
    /// A SARIF input has no `runs` array.
    #[error("{name}: no runs")]
    NoRuns {
        /// The input file's name.
        name: String,
    },
    /// A SARIF input does not hold exactly one run by stadscan.
    #[error("{name}: not a stadscan SARIF file (one run by stadscan)")]
    NotStadscanSarif {
        /// The input file's name.
        name: String,
    },
    /// Two SARIF logs of other scopes (`scope`: the automation id as JSON).
    #[error(
        "{name}: scope {scope} differs from {first} ({first_scope}): merge only the shards of one scope"
    )]
    OtherSarifScope {
        /// The input file's name.
        name: String,
        /// Its scope (`automationDetails.id`, as JSON).
        scope: String,
        /// The first input's file name.
        first: String,
        /// The first input's scope.
        first_scope: String,
    },
    /// A JSON input taken for a report (by its `format` field) that cannot be
    /// read as one.
    #[error("{name}: not a stadscan JSON report: {source}")]
    NotReport {
        /// The input file's name.
        name: String,
        /// Why it could not be read as a report.
        source: serde_json::Error,
    },
    /// A JSON report of another format or a version this build does not merge.
    #[error(
        "{name}: format {format} version {version} is not one this stadscan merges \
         (stadscan-report version {})",
        crate::report::json::FORMAT_VERSION
    )]
    Format {
        /// The input file's name.
        name: String,
        /// The document's `format` field.
        format: String,
        /// The document's format version.
        version: u32,
    },
    /// A JSON report of another scope than the first input.
    #[error(
        "{name}: scope `{scope}` differs from `{first_scope}` in {first}: merge only the shards of one scope"
    )]
    OtherScope {
        /// The input file's name.
        name: String,
        /// Its scope's name.
        scope: String,
        /// The first input's file name.
        first: String,
        /// The first input's scope name.
        first_scope: String,
    },
    /// A JSON report scanned other TCP or UDP ports than the first input.
    #[error("{name}: scanned other ports than {first}: merge only the shards of one scope")]
    OtherPorts {
        /// The input file's name.
        name: String,
        /// The first input's file name.
        first: String,
    },
    /// The merged document could not be written out.
    #[error("{0}")]
    Encode(#[source] serde_json::Error),
}

/// Which kind of shard output `doc` is, by its content (a file's extension
/// says less: SARIF is often saved as `.json`).
pub fn kind_of(name: &str, doc: &Value) -> Result<InputKind, MergeError> {
    if doc["format"] == super::json::FORMAT {
        Ok(InputKind::JsonReport)
    } else if doc.get("runs").is_some() && doc.get("version").is_some() {
        Ok(InputKind::Sarif)
    } else {
        Err(MergeError::UnknownKind {
            name: name.to_string(),
        })
    }
}

/// Parses the (file name, text) `inputs` as JSON.
fn parse_docs(inputs: &[(String, String)]) -> Result<Vec<(String, Value)>, MergeError> {
    inputs
        .iter()
        .map(|(name, text)| {
            serde_json::from_str(text)
                .map(|doc| (name.clone(), doc))
                .map_err(|source| MergeError::NotJson {
                    name: name.clone(),
                    source,
                })
        })
        .collect()
}

/// The merged document and the kind it is.
#[derive(Debug)]
pub struct Merged {
    /// Whether the inputs, and so the output, are SARIF or a JSON report.
    pub kind: InputKind,
    /// The merged document as pretty JSON, ending in a newline.
    pub bytes: Vec<u8>,
}

/// Merges the (file name, text) shard outputs, all SARIF or all JSON
/// reports, into one document of that kind.
pub fn merge(inputs: Vec<(String, String)>) -> Result<Merged, MergeError> {
    let mut docs = Vec::with_capacity(inputs.len());
    for (name, text) in inputs {
        let doc: Value = serde_json::from_str(&text).map_err(|source| MergeError::NotJson {
            name: name.clone(),
            source,
        })?;
        drop(text);
        let kind = kind_of(&name, &doc)?;
        docs.push((name, kind, doc));
    }
    let Some((first_name, kind, _)) = docs.first() else {
        return Err(MergeError::Empty { what: "files" });
    };
    let (first_name, kind) = (first_name.clone(), *kind);
    if let Some((name, other, _)) = docs.iter().find(|(_, k, _)| *k != kind) {
        return Err(MergeError::MixedKinds {
            first: first_name,
            first_kind: kind,
            name: name.clone(),
            kind: *other,
        });
    }
    let docs: Vec<(String, Value)> = docs.into_iter().map(|(n, _, d)| (n, d)).collect();
    let bytes = match kind {
        InputKind::Sarif => merge_sarif_docs(docs)?,
        InputKind::JsonReport => json::merge_json_docs(docs)?,
    };
    Ok(Merged { kind, bytes })
}

/// Merges (file name, SARIF text) pairs into one SARIF document.
pub fn merge_sarif(inputs: &[(String, String)]) -> Result<Vec<u8>, MergeError> {
    merge_sarif_docs(parse_docs(inputs)?)
}

fn merge_sarif_docs(docs: Vec<(String, Value)>) -> Result<Vec<u8>, MergeError> {
    if docs.is_empty() {
        return Err(MergeError::Empty {
            what: "SARIF files",
        });
    }
    let mut runs = Vec::new();
    for (name, mut doc) in docs {
        if doc["version"] != "2.1.0" {
            return Err(MergeError::NotSarif21 { name });
        }
        let Some(run_list) = doc["runs"].as_array() else {
            return Err(MergeError::NoRuns { name });
        };
        if run_list.len() != 1 || run_list[0]["tool"]["driver"]["name"] != "stadscan" {
            return Err(MergeError::NotStadscanSarif { name });
        }
        let run = doc["runs"][0].take();
        runs.push((name, run));
    }
    let category = runs[0].1["automationDetails"]["id"].clone();
    for (name, run) in &runs[1..] {
        if run["automationDetails"]["id"] != category {
            return Err(MergeError::OtherSarifScope {
                name: name.clone(),
                scope: run["automationDetails"]["id"].to_string(),
                first: runs[0].0.clone(),
                first_scope: category.to_string(),
            });
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
                let fp = crate::model::finding_key(
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
    let mut out = serde_json::to_vec_pretty(&doc).map_err(MergeError::Encode)?;
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
            let fp = crate::model::finding_key("a-rule", asset, 443, "tcp");
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
            let want = crate::model::finding_key("a-rule", &format!("address:{host}"), 443, "tcp");
            assert_eq!(r["partialFingerprints"]["primaryLocationLineHash"], want);
        }
    }

    #[test]
    fn refuses_to_mix_sarif_and_json_reports() {
        let (_, sarif) = shard("stadscan/x/", json!([]), true);
        let report = json!({"format": "stadscan-report", "format_version": 1}).to_string();
        let err = merge(vec![("a.sarif".into(), sarif), ("b.json".into(), report)])
            .unwrap_err()
            .to_string();
        assert!(err.contains("cannot mix"), "{err}");
        assert!(err.contains("a.sarif is a SARIF log"), "{err}");
        assert!(err.contains("b.json is a JSON report"), "{err}");
    }

    #[test]
    fn tells_the_kinds_apart_by_content() {
        let (_, sarif) = shard("stadscan/x/", json!([]), true);
        let merged = merge(vec![("saved-as.json".into(), sarif)]).unwrap();
        assert_eq!(merged.kind, InputKind::Sarif);
        let err = merge(vec![("x.json".into(), "{\"a\": 1}".into())])
            .unwrap_err()
            .to_string();
        assert!(err.contains("neither"), "{err}");
        let err = merge(vec![("x.json".into(), "{".into())])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("x.json:1:"), "{err}");
    }

    #[test]
    fn refuses_shards_of_different_scopes() {
        let a = shard("stadscan/x/", json!([]), true);
        let b = shard("stadscan/y/", json!([]), true);
        let err = merge_sarif(&[a, b]).unwrap_err();
        assert!(err.to_string().contains("one scope"), "{err}");
    }
}
