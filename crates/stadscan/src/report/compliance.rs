//! Compliance per control of one baseline (`--baseline bio2` by default).
//!
//! A control is evidenced by the checks that name it (`bio2:8.24`), or, for
//! catalogues in another numbering (BIO 1.04, BIG), by the checks of the
//! BIO2 controls it maps to. Its status:
//! - `fail`: a finding of an evidencing check (the findings and assets are
//!   listed);
//! - `pass`: no finding, and at least one evidencing check had something
//!   to judge in this scan (a service of its protocol, a device with a
//!   known firmware version);
//! - `not-tested`: a scan can test it, but nothing in this scan gave its
//!   checks anything to judge (no TLS service seen, say);
//! - `not-testable`: no network scan can evidence it (listed as such, never
//!   as passed).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::Report;
use crate::baseline::Baselines;
use crate::check::Check;
use crate::model::Category;

/// The baseline used when none is asked for.
pub const DEFAULT_BASELINE: &str = "bio2";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Fail,
    NotTested,
    Pass,
    NotTestable,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::NotTested => "not-tested",
            Status::NotTestable => "not-testable",
        }
    }
}

/// One control's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlResult {
    /// `8.24`
    pub id: String,
    /// `bio2:8.24`
    pub reference: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_nl: Option<String>,
    pub title_en: String,
    pub status: Status,
    /// The checks that evidence the control (rule ids).
    pub checks: Vec<String>,
    /// For catalogues in another numbering: the BIO2 controls it maps to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub maps_to: Vec<String>,
    /// The rules that fired for it, and how many findings each.
    pub failed_rules: BTreeMap<String, usize>,
    /// Number of findings behind a `fail`.
    pub findings: usize,
    /// Ids of the assets with such findings.
    pub assets: Vec<String>,
}

/// Counts per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub pass: usize,
    pub fail: usize,
    pub not_tested: usize,
    pub not_testable: usize,
}

/// Compliance of one scan with one baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compliance {
    /// Catalogue id (`bio2`, `bio-1.04`, `big`, `etsi`).
    pub baseline: String,
    pub title: String,
    pub counts: Counts,
    /// In catalogue order.
    pub controls: Vec<ControlResult>,
}

impl Compliance {
    pub fn failed(&self) -> impl Iterator<Item = &ControlResult> {
        self.controls.iter().filter(|c| c.status == Status::Fail)
    }

    /// The result of the control with reference `prefix:id`.
    pub fn control(&self, reference: &str) -> Option<&ControlResult> {
        self.controls.iter().find(|c| c.reference == reference)
    }
}

/// Whether a check had anything to judge in this scan.
fn applicable(check: &Check, report: &Report) -> bool {
    let advisory = check.when.protocol.is_empty()
        && matches!(
            check.category,
            Category::OutdatedFirmware | Category::KnownExploited
        );
    if advisory {
        return report
            .assets
            .iter()
            .any(|a| a.vendor.is_some() && a.model.is_some() && a.firmware.is_some());
    }
    // A check on unidentified services judges every service: when all
    // were identified, it passed.
    let on_unknown = check.when.protocol.iter().any(|p| p == "unknown");
    report.assets.iter().flat_map(|a| &a.observations).any(|o| {
        on_unknown
            || (check.when.protocol.is_empty() || check.when.protocol.contains(&o.protocol))
                && check.when.tls.is_none_or(|t| t == o.tls)
    })
}

/// Judges `report` against the catalogue `baseline`.
pub fn evaluate(
    report: &Report,
    baselines: &Baselines,
    baseline: &str,
) -> Result<Compliance, String> {
    let catalogue = baselines.catalogues.get(baseline).ok_or_else(|| {
        format!(
            "unknown baseline `{baseline}` (known: {})",
            baselines
                .catalogues
                .iter()
                .filter(|(_, c)| !c.controls.is_empty())
                .map(|(id, _)| id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let mut controls = Vec::new();
    let mut counts = Counts::default();
    for control in &catalogue.controls {
        let reference = format!("{}:{}", catalogue.id, control.id);
        // The references whose checks evidence this control.
        let mut via: BTreeSet<String> = BTreeSet::from([reference.clone()]);
        via.extend(control.maps_to.iter().cloned());
        let checks: Vec<&Check> = report
            .checks
            .checks
            .iter()
            .filter(|c| c.controls.iter().any(|r| via.contains(r)))
            .collect();
        let ids: BTreeSet<&str> = checks.iter().map(|c| c.id.as_str()).collect();
        let mut failed_rules: BTreeMap<String, usize> = BTreeMap::new();
        let mut assets: BTreeSet<String> = BTreeSet::new();
        let mut findings = 0;
        for f in report
            .findings
            .iter()
            .filter(|f| ids.contains(f.check_id.as_str()))
        {
            findings += 1;
            *failed_rules.entry(f.check_id.clone()).or_default() += 1;
            assets.insert(f.asset.clone());
        }
        let status = if !control.testable {
            Status::NotTestable
        } else if findings > 0 {
            Status::Fail
        } else if checks.iter().any(|c| applicable(c, report)) {
            Status::Pass
        } else {
            Status::NotTested
        };
        match status {
            Status::Pass => counts.pass += 1,
            Status::Fail => counts.fail += 1,
            Status::NotTested => counts.not_tested += 1,
            Status::NotTestable => counts.not_testable += 1,
        }
        controls.push(ControlResult {
            id: control.id.clone(),
            reference,
            title_nl: control.title_nl.clone(),
            title_en: control.title_en.clone(),
            status,
            checks: ids.iter().map(|s| s.to_string()).collect(),
            maps_to: control.maps_to.clone(),
            failed_rules,
            findings,
            assets: assets.into_iter().collect(),
        });
    }
    Ok(Compliance {
        baseline: catalogue.id.clone(),
        title: catalogue.title.clone(),
        counts,
        controls,
    })
}
