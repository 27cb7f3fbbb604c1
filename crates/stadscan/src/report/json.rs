//! The JSON report: the device inventory (assets with their endpoints,
//! services and facts) and the findings, in a versioned format documented
//! in docs/json-report.md.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Note, Report, ScanStats};
use crate::discover::dns::RefusedAddress;
use crate::model::{Asset, Finding, Severity, rfc3339};

/// Bumped on any change that can break a reader.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    format_version: u32,
    tool: Tool,
    run: Run<'a>,
    summary: Summary,
    assets: &'a [Asset],
    findings: Vec<&'a Finding>,
    refused_addresses: &'a [RefusedAddress],
    notes: &'a [Note],
    stats: &'a ScanStats,
    /// Compliance per control of the chosen baseline.
    #[serde(skip_serializing_if = "Option::is_none")]
    compliance: Option<&'a crate::compliance::Compliance>,
    /// Trend and changes since the previous run (with `--history`).
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<&'a crate::history::View>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Run<'a> {
    scope: &'a str,
    scope_file: String,
    started: String,
    finished: String,
    complete: bool,
    /// This run's number in the history file (with `--history`).
    #[serde(skip_serializing_if = "Option::is_none")]
    history_id: Option<i64>,
    ports_tcp: &'a [u16],
    ports_udp: &'a [u16],
}

#[derive(Serialize)]
struct Summary {
    assets: usize,
    services: usize,
    findings: usize,
    by_severity: BTreeMap<&'static str, usize>,
    by_category: BTreeMap<&'static str, usize>,
    by_class: BTreeMap<String, usize>,
}

/// The JSON report as pretty JSON.
pub fn to_json(report: &Report) -> Vec<u8> {
    let mut by_severity: BTreeMap<&'static str, usize> =
        Severity::ALL.iter().map(|s| (s.as_str(), 0)).collect();
    for (s, n) in report.count_by_severity() {
        by_severity.insert(s.as_str(), n);
    }
    let mut by_category = BTreeMap::new();
    for f in &report.findings {
        *by_category.entry(f.category.as_str()).or_insert(0) += 1;
    }
    let mut by_class = BTreeMap::new();
    for a in &report.assets {
        *by_class.entry(a.class.clone()).or_insert(0) += 1;
    }
    let mut findings: Vec<&Finding> = report.findings.iter().collect();
    findings.sort_by(|a, b| {
        (b.severity, &a.check_id, a.endpoint).cmp(&(a.severity, &b.check_id, b.endpoint))
    });
    let doc = Document {
        format: "stadscan-report",
        format_version: FORMAT_VERSION,
        tool: Tool {
            name: "stadscan",
            version: env!("CARGO_PKG_VERSION"),
        },
        run: Run {
            scope: &report.scope.name,
            scope_file: report.scope_uri.clone(),
            started: rfc3339(report.started),
            finished: rfc3339(report.finished),
            complete: report.complete,
            history_id: report.history.as_ref().map(|h| h.run_id),
            ports_tcp: &report.scope.ports.tcp,
            ports_udp: &report.scope.ports.udp,
        },
        summary: Summary {
            assets: report.assets.len(),
            services: report.assets.iter().map(|a| a.observations.len()).sum(),
            findings: report.findings.len(),
            by_severity,
            by_category,
            by_class,
        },
        assets: &report.assets,
        findings,
        refused_addresses: &report.refused,
        notes: &report.notes,
        stats: &report.stats,
        compliance: report.compliance.as_ref(),
        history: report.history.as_ref(),
    };
    let mut v = serde_json::to_vec_pretty(&doc).unwrap_or_default();
    v.push(b'\n');
    v
}
