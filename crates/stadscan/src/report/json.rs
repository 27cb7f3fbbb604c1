//! The JSON report: the device inventory (assets with their endpoints,
//! services and facts) and the findings, in a versioned format documented
//! in docs/json-report.md.
//!
//! `ReportDoc` is that document, owned: `scan --json` builds it from a
//! [`Report`] and writes it, `stadscan merge` reads the shards' into it and
//! writes the merged one, `stadscan inventory` reads it.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;
use std::net::IpAddr;

use serde::de::{DeserializeOwned, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::{Note, Report, WindowStats};
use crate::baseline::EvidenceKind;
use crate::compliance::{Compliance, ControlResult, Reason};
use crate::history::View;
use crate::model::{Asset, Finding, Severity, rfc3339};

/// The `format` of every JSON report.
pub const FORMAT: &str = "stadscan-report";

/// Bumped on any change that can break a reader.
pub const FORMAT_VERSION: u32 = 1;

/// One JSON report, field for field as it is written. What a scan leaves
/// out (no compliance, no history) is `None`; what an older or hand-made
/// report leaves out reads as empty, except the format, tool and run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ReportDoc {
    pub(crate) format: String,
    pub(crate) format_version: u32,
    pub(crate) tool: Tool,
    pub(crate) run: Run,
    /// Counted from `assets` and `findings` (`merge` counts again).
    #[serde(default)]
    pub(crate) summary: Summary,
    #[serde(default)]
    pub(crate) assets: Vec<Asset>,
    /// Sorted by [`sort_findings`].
    #[serde(default)]
    pub(crate) findings: Vec<Finding>,
    #[serde(default)]
    pub(crate) refused_addresses: Vec<Refused>,
    #[serde(default)]
    pub(crate) notes: Vec<Note>,
    #[serde(default)]
    pub(crate) stats: Stats,
    /// Compliance per control of the chosen baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) compliance: Option<ComplianceDoc>,
    /// Trend and changes since the previous run (with `--history`). Typed
    /// rather than a [`Value`], which would sort the members of every run
    /// of the trend. `merge` reads it only to drop it: a shard's history
    /// describes that shard alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) history: Option<View>,
}

/// The program that wrote the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Tool {
    pub(crate) name: String,
    pub(crate) version: String,
}

/// What was scanned, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Run {
    pub(crate) scope: String,
    pub(crate) scope_file: String,
    /// RFC 3339, UTC.
    pub(crate) started: String,
    pub(crate) finished: String,
    pub(crate) complete: bool,
    /// This run's number in the history file (with `--history`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) history_id: Option<i64>,
    pub(crate) ports_tcp: Vec<u16>,
    pub(crate) ports_udp: Vec<u16>,
}

/// Counts of the assets, their services and the findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Summary {
    pub(crate) assets: usize,
    pub(crate) services: usize,
    pub(crate) findings: usize,
    /// Every severity, those without findings at 0.
    pub(crate) by_severity: BTreeMap<String, usize>,
    pub(crate) by_category: BTreeMap<String, usize>,
    pub(crate) by_class: BTreeMap<String, usize>,
}

impl Summary {
    /// The summary of these assets and findings.
    pub(crate) fn of(assets: &[Asset], findings: &[Finding]) -> Summary {
        let mut by_severity: BTreeMap<String, usize> = Severity::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), 0))
            .collect();
        let mut by_category = BTreeMap::new();
        for f in findings {
            *by_severity
                .entry(f.severity.as_str().to_string())
                .or_default() += 1;
            *by_category
                .entry(f.category.as_str().to_string())
                .or_default() += 1;
        }
        let mut by_class = BTreeMap::new();
        for a in assets {
            *by_class.entry(a.class.as_str().to_string()).or_default() += 1;
        }
        Summary {
            assets: assets.len(),
            services: assets.iter().map(|a| a.observations.len()).sum(),
            findings: findings.len(),
            by_severity,
            by_category,
            by_class,
        }
    }
}

/// The report's order of findings: by severity (highest first), then check
/// id and endpoint.
pub(crate) fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (b.severity, &a.check_id, a.endpoint).cmp(&(a.severity, &b.check_id, b.endpoint))
    });
}

/// A named host whose address the gate refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Refused {
    pub(crate) host: String,
    pub(crate) addr: IpAddr,
    pub(crate) reason: String,
}

/// The run's counters. `net` and `discovery` are named values in the order
/// they were written, not [`crate::net::NetCounts`] and
/// [`super::DiscoveryStats`]: `merge` sums a counter it does not know (from
/// a shard of a later stadscan) instead of dropping it, and writes its sums
/// in name order, as it always has. A scan writes them in the order the
/// structs declare, which a [`serde_json::Map`] would sort.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Stats {
    pub(crate) addresses: u128,
    pub(crate) ports: usize,
    pub(crate) positions_done: u64,
    pub(crate) open_tcp: u64,
    pub(crate) udp_answers: u64,
    pub(crate) elapsed_ms: u64,
    pub(crate) net: Fields<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) discovery: Option<Fields<Value>>,
    /// A scan's own window; a merged report has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) window: Option<WindowStats>,
}

/// A JSON object's members in the order they were written (a
/// [`serde_json::Map`] sorts them by name).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fields<V>(pub(crate) Vec<(String, V)>);

impl<V> Default for Fields<V> {
    fn default() -> Self {
        Fields(Vec::new())
    }
}

impl<V> FromIterator<(String, V)> for Fields<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        Fields(iter.into_iter().collect())
    }
}

impl<V> Fields<V> {
    /// The fields of `value` (a struct) in the order it declares them.
    /// Goes through JSON text, which keeps that order.
    fn of<T: Serialize>(value: &T) -> Result<Fields<V>, serde_json::Error>
    where
        V: DeserializeOwned,
    {
        serde_json::from_str(&serde_json::to_string(value)?)
    }
}

impl<V: Serialize> Serialize for Fields<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Fields<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for InOrder<V> {
            type Value = Fields<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields<V>, A::Error> {
                let mut fields = Vec::new();
                while let Some(entry) = map.next_entry::<String, V>()? {
                    fields.push(entry);
                }
                Ok(Fields(fields))
            }
        }
        deserializer.deserialize_map(InOrder(PhantomData))
    }
}

/// The `compliance` section. `status` is kept as written, so `merge` can
/// judge the controls again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ComplianceDoc {
    pub(crate) baseline: String,
    pub(crate) title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) title_nl: Option<String>,
    pub(crate) counts: Counts,
    pub(crate) controls: Vec<ControlDoc>,
}

/// Controls per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Counts {
    pub(crate) pass: usize,
    pub(crate) fail: usize,
    pub(crate) not_tested: usize,
    pub(crate) not_testable: usize,
}

/// One control's result, as [`ControlResult`] writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ControlDoc {
    pub(crate) id: String,
    pub(crate) reference: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) title_nl: Option<String>,
    pub(crate) title_en: String,
    /// `pass`, `fail`, `not-tested`, `not-testable`.
    pub(crate) status: String,
    pub(crate) checks: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) maps_to: Vec<String>,
    #[serde(default)]
    pub(crate) failed_rules: BTreeMap<String, usize>,
    #[serde(default)]
    pub(crate) findings: usize,
    #[serde(default)]
    pub(crate) assets: Vec<String>,
    #[serde(default)]
    pub(crate) evidence: BTreeMap<EvidenceKind, usize>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) requires: Vec<EvidenceKind>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub(crate) unidentified: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) reason: Option<Reason>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl From<&Compliance> for ComplianceDoc {
    fn from(c: &Compliance) -> ComplianceDoc {
        ComplianceDoc {
            baseline: c.baseline.clone(),
            title: c.title.clone(),
            title_nl: c.title_nl.clone(),
            counts: Counts {
                pass: c.counts.pass,
                fail: c.counts.fail,
                not_tested: c.counts.not_tested,
                not_testable: c.counts.not_testable,
            },
            controls: c.controls.iter().map(ControlDoc::from).collect(),
        }
    }
}

impl From<&ControlResult> for ControlDoc {
    fn from(c: &ControlResult) -> ControlDoc {
        ControlDoc {
            id: c.id.clone(),
            reference: c.reference.clone(),
            title_nl: c.title_nl.clone(),
            title_en: c.title_en.clone(),
            status: c.status.as_str().to_string(),
            checks: c.checks.clone(),
            maps_to: c.maps_to.clone(),
            failed_rules: c.failed_rules.clone(),
            findings: c.findings,
            assets: c.assets.clone(),
            evidence: c.evidence.clone(),
            requires: c.requires.clone(),
            unidentified: c.unidentified,
            reason: c.reason,
        }
    }
}

/// Why a document is not a JSON report this stadscan reads. Each command
/// words it for its own error, naming the file.
#[derive(Debug)]
pub(crate) enum Unreadable {
    /// Not JSON, or not shaped like a report.
    NotReport(serde_json::Error),
    /// Another format, or another version of this one.
    Format { format: String, version: u32 },
}

/// What a reader looks at first: a report of another version may differ in
/// everything else.
#[derive(Deserialize)]
struct Header {
    format: String,
    format_version: u32,
}

impl Header {
    fn check(self) -> Result<(), Unreadable> {
        if self.format == FORMAT && self.format_version == FORMAT_VERSION {
            Ok(())
        } else {
            Err(Unreadable::Format {
                format: self.format,
                version: self.format_version,
            })
        }
    }
}

impl ReportDoc {
    /// The report of a run.
    pub(crate) fn of(report: &Report) -> Result<ReportDoc, serde_json::Error> {
        let mut findings = report.findings.clone();
        sort_findings(&mut findings);
        let s = &report.stats;
        Ok(ReportDoc {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            tool: Tool {
                name: "stadscan".to_string(),
                version: env!("CARGO_PKG_VERSION").to_string(),
            },
            run: Run {
                scope: report.scope.name.clone(),
                scope_file: report.scope_uri.clone(),
                started: rfc3339(report.started),
                finished: rfc3339(report.finished),
                complete: report.complete,
                history_id: report.history.as_ref().map(|h| h.run_id),
                ports_tcp: report.scope.ports.tcp.clone(),
                ports_udp: report.scope.ports.udp.clone(),
            },
            summary: Summary::of(&report.assets, &report.findings),
            assets: report.assets.clone(),
            findings,
            refused_addresses: report
                .refused
                .iter()
                .map(|r| Refused {
                    host: r.host.clone(),
                    addr: r.addr,
                    reason: r.reason.to_string(),
                })
                .collect(),
            notes: report.notes.clone(),
            stats: Stats {
                addresses: s.addresses,
                ports: s.ports,
                positions_done: s.positions_done,
                open_tcp: s.open_tcp,
                udp_answers: s.udp_answers,
                elapsed_ms: s.elapsed_ms,
                net: Fields::of(&s.net)?,
                discovery: Some(Fields::of(&s.discovery)?),
                window: Some(s.window),
            },
            compliance: report.compliance.as_ref().map(ComplianceDoc::from),
            history: report.history.clone(),
        })
    }

    /// Reads a report from JSON text (errors give the line and column).
    pub(crate) fn read(text: &str) -> Result<ReportDoc, Unreadable> {
        serde_json::from_str::<Header>(text)
            .map_err(Unreadable::NotReport)?
            .check()?;
        serde_json::from_str(text).map_err(Unreadable::NotReport)
    }

    /// Reads a report from parsed JSON.
    pub(crate) fn read_value(doc: Value) -> Result<ReportDoc, Unreadable> {
        Header::deserialize(&doc)
            .map_err(Unreadable::NotReport)?
            .check()?;
        serde_json::from_value(doc).map_err(Unreadable::NotReport)
    }

    /// Pretty JSON with a final newline, as every report is written.
    pub(crate) fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        let mut v = serde_json::to_vec_pretty(self)?;
        v.push(b'\n');
        Ok(v)
    }
}

/// The JSON report as pretty JSON.
pub fn to_json(report: &Report) -> Vec<u8> {
    ReportDoc::of(report)
        .and_then(|doc| doc.to_json())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::dns::RefusedAddress;
    use crate::report::html::tests::{bio2, fixture, history, knowledge};

    /// The hand-made report of the CISO report's tests, with every optional
    /// section filled in.
    fn full_report() -> Report {
        let k = knowledge();
        let mut report = fixture(&k, false);
        report.compliance = Some(bio2(&report));
        report.history = Some(history(5));
        report.refused.push(RefusedAddress {
            host: "evil.test".into(),
            addr: IpAddr::from([8, 8, 8, 8]),
            reason: "outside the scope",
        });
        report.stats.net.connects = 8960;
        report.stats.net.rate_per_second = 2000;
        report
    }

    #[test]
    fn a_written_report_reads_back_and_writes_the_same_bytes() {
        let report = full_report();
        let written = to_json(&report);
        let text = std::str::from_utf8(&written).unwrap();
        let doc = ReportDoc::read(text).unwrap();
        assert_eq!(doc, ReportDoc::of(&report).unwrap());
        assert_eq!(std::str::from_utf8(&doc.to_json().unwrap()).unwrap(), text);
        // Every section is there to be lost.
        let v: Value = serde_json::from_str(text).unwrap();
        for key in [
            "format",
            "format_version",
            "tool",
            "run",
            "summary",
            "assets",
            "findings",
            "refused_addresses",
            "notes",
            "stats",
            "compliance",
            "history",
        ] {
            assert!(v.get(key).is_some(), "{key} missing");
        }
        assert!(v["run"]["history_id"].is_i64());
        assert!(v["stats"]["window"].is_object());
        assert_eq!(
            v["compliance"]["title_nl"],
            report.compliance.unwrap().title_nl.unwrap()
        );
    }

    #[test]
    fn counters_keep_the_order_they_were_written_in() {
        let report = full_report();
        let doc = ReportDoc::of(&report).unwrap();
        let names: Vec<&str> = doc.stats.net.0.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(&names[..3], ["connects", "open", "refused"]);
        let text = r#"{"b": 1, "a": 2}"#;
        let f: Fields<u64> = serde_json::from_str(text).unwrap();
        assert_eq!(f.0, [("b".to_string(), 1), ("a".to_string(), 2)]);
        assert_eq!(serde_json::to_string(&f).unwrap(), r#"{"b":1,"a":2}"#);
        assert!(serde_json::from_str::<Fields<u64>>("[1]").is_err());
    }

    #[test]
    fn the_format_is_checked_before_the_rest() {
        let other = r#"{"format": "stadscan-report", "format_version": 2, "run": 7}"#;
        assert!(matches!(
            ReportDoc::read(other),
            Err(Unreadable::Format { version: 2, .. })
        ));
        assert!(matches!(
            ReportDoc::read(r#"{"format": "x"}"#),
            Err(Unreadable::NotReport(_))
        ));
        let text = to_json(&full_report());
        let mut v: Value = serde_json::from_slice(&text).unwrap();
        assert!(ReportDoc::read_value(v.clone()).is_ok());
        v["format"] = "other".into();
        assert!(matches!(
            ReportDoc::read_value(v),
            Err(Unreadable::Format { .. })
        ));
    }
}
