//! `stadscan diff OLD NEW`: what changed between two scans, from two SARIF
//! files or two runs of a history file. Findings are matched by their
//! stable key (the SARIF `primaryLocationLineHash`, the same key GitHub
//! code scanning matches alerts by).

use std::collections::BTreeMap;
use std::io::Write;

use serde_json::Value;

use crate::history::{Change, Changes};
use crate::model::{Severity, printable};

/// A SARIF log whose findings cannot be read; names what is missing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SarifError {
    /// The document has no `runs` array.
    #[error("not a SARIF log: no `runs` array")]
    NoRuns,
    /// A result has no stable key to match it by.
    #[error("runs[{run}].results[{result}]: no partialFingerprints.primaryLocationLineHash")]
    NoKey {
        /// Index of the run in `runs`.
        run: usize,
        /// Index of the result in that run's `results`.
        result: usize,
    },
}

/// The findings of a SARIF log, by key. The error names what is missing.
pub fn sarif_findings(doc: &Value) -> Result<BTreeMap<String, Change>, SarifError> {
    let runs = doc["runs"].as_array().ok_or(SarifError::NoRuns)?;
    let mut out = BTreeMap::new();
    for (ri, run) in runs.iter().enumerate() {
        let results = run["results"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        for (i, r) in results.iter().enumerate() {
            if r["baselineState"] == "absent" {
                continue;
            }
            let key = r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .ok_or(SarifError::NoKey { run: ri, result: i })?;
            let severity = r["properties"]["severity"]
                .as_str()
                .and_then(|s| s.parse::<Severity>().ok())
                .unwrap_or(match r["level"].as_str() {
                    Some("error") => Severity::High,
                    Some("warning") => Severity::Medium,
                    _ => Severity::Low,
                });
            out.insert(
                key.to_string(),
                Change {
                    key: key.to_string(),
                    rule: r["ruleId"].as_str().unwrap_or("?").to_string(),
                    endpoint: r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                        .as_str()
                        .unwrap_or("?")
                        .to_string(),
                    asset: r["properties"]["asset"].as_str().unwrap_or("").to_string(),
                    severity,
                    message: r["message"]["text"].as_str().unwrap_or("").to_string(),
                },
            );
        }
    }
    Ok(out)
}

/// Whether a SARIF log says its run finished.
pub fn sarif_complete(doc: &Value) -> bool {
    doc["runs"][0]["invocations"][0]["executionSuccessful"] != false
}

/// Compares two SARIF logs.
#[cfg(test)]
fn sarif(old: &Value, new: &Value) -> Result<Changes, SarifError> {
    Ok(crate::history::store::compare(
        &sarif_findings(old)?,
        &sarif_findings(new)?,
        sarif_complete(new),
    ))
}

/// The diff as text: a count line, then the new, updated and fixed findings.
pub fn write_text(old: &str, new: &str, c: &Changes, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{old} -> {new}: {} new, {} fixed, {} persisting ({} of them updated)",
        c.new.len(),
        c.fixed.len(),
        c.unchanged + c.updated.len(),
        c.updated.len()
    )?;
    for (title, list) in [
        ("new", &c.new),
        ("updated", &c.updated),
        ("fixed", &c.fixed),
    ] {
        if list.is_empty() {
            continue;
        }
        writeln!(out, "{title}:")?;
        for f in list {
            writeln!(
                out,
                "  {:<8} {:<26} {:<24} {}",
                f.severity.as_str().to_uppercase(),
                f.rule,
                printable(f.endpoint.as_bytes()),
                printable(f.message.as_bytes())
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn log(results: Vec<Value>, complete: bool) -> Value {
        json!({"version": "2.1.0", "runs": [{"invocations": [{"executionSuccessful": complete}], "results": results}]})
    }

    fn res(key: &str, rule: &str, msg: &str) -> Value {
        json!({"ruleId": rule, "message": {"text": msg}, "level": "error",
               "partialFingerprints": {"primaryLocationLineHash": key},
               "locations": [{"logicalLocations": [{"fullyQualifiedName": "127.0.0.9:80/tcp"}]}],
               "properties": {"severity": "high", "asset": "address:127.0.0.9"}})
    }

    #[test]
    fn two_sarif_logs_give_new_fixed_and_persisting() {
        let old = log(vec![res("a", "r1", "m"), res("b", "r2", "m")], true);
        let new = log(vec![res("a", "r1", "m2"), res("c", "r3", "m")], true);
        let c = sarif(&old, &new).unwrap();
        assert_eq!(c.new.len(), 1);
        assert_eq!(c.new[0].rule, "r3");
        assert_eq!(c.fixed.len(), 1);
        assert_eq!(c.fixed[0].rule, "r2");
        assert_eq!(c.updated.len(), 1);
        let mut text = Vec::new();
        write_text("old.sarif", "new.sarif", &c, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.starts_with(
                "old.sarif -> new.sarif: 1 new, 1 fixed, 1 persisting (1 of them updated)"
            ),
            "{text}"
        );
        // An interrupted newer run claims no fixes.
        let partial = log(vec![res("a", "r1", "m")], false);
        assert!(sarif(&old, &partial).unwrap().fixed.is_empty());
    }

    #[test]
    fn a_log_without_keys_is_refused_with_the_result_named() {
        let bad = log(vec![json!({"ruleId": "x", "message": {"text": "m"}})], true);
        let e = sarif_findings(&bad).unwrap_err().to_string();
        assert!(e.contains("results[0]"), "{e}");
        assert!(sarif_findings(&json!({"x": 1})).is_err());
    }
}
