//! Compliance per control of one baseline (`--baseline bio2` by default).
//!
//! A control is evidenced by the checks that name it (`bio2:8.24`), or, for
//! catalogues in another numbering (BIO 1.04, BIG), by the checks of the
//! BIO2 controls it maps to. Its status:
//! - `fail`: a finding of an evidencing check (the findings and assets are
//!   listed);
//! - `pass`: no finding, its checks judged something in this scan (the
//!   evidence, counted per kind: 12 TLS endpoints, 5 devices with a known
//!   firmware version), every kind the control `requires` was seen, and no
//!   device was left unidentified where identity is the evidence;
//! - `not-tested`: a scan can test it, but the evidence is missing (no TLS
//!   endpoint assessed, a discovery-only scan...), with the reason;
//! - `not-testable`: no network scan can evidence it (listed as such, never
//!   as passed).
//!
//! Judging happens once, when a scan ends ([`evaluate`]); the renderers
//! only print the result.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::baseline::{Baselines, EvidenceKind};
use crate::check::{Catalogue, Check};
use crate::model::{Asset, DeviceClass, Finding, Lang, Observation};

/// What a scan holds that compliance is judged on.
#[derive(Debug, Clone, Copy)]
pub struct Scanned<'a> {
    /// The checks that ran (each names the controls it evidences).
    pub checks: &'a Catalogue,
    /// The devices found (their identity and observations are evidence).
    pub assets: &'a [Asset],
    /// What the checks found; a finding of an evidencing check fails a control.
    pub findings: &'a [Finding],
    /// `--discover-only`: nothing identified, so nothing judged.
    pub discover_only: bool,
}

/// A baseline that is not among the loaded catalogues.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown baseline `{name}` (known: {})", known.join(", "))]
pub struct UnknownBaseline {
    /// The baseline asked for (`--baseline`).
    pub name: String,
    /// The catalogues that have controls, by id.
    pub known: Vec<String>,
}

impl UnknownBaseline {
    /// `name`, with the catalogues of `baselines` that have controls.
    pub fn new(name: &str, baselines: &Baselines) -> UnknownBaseline {
        UnknownBaseline {
            name: name.to_string(),
            known: baselines
                .catalogues
                .iter()
                .filter(|(_, c)| !c.controls.is_empty())
                .map(|(id, _)| id.clone())
                .collect(),
        }
    }
}

/// The baseline used when none is asked for.
pub const DEFAULT_BASELINE: &str = "bio2";

/// A control's verdict in one scan (JSON report, SARIF, HTML report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A finding of a check that evidences the control.
    Fail,
    /// A scan could test it, but this one saw no evidence (see [`Reason`]).
    NotTested,
    /// No finding, and its checks judged enough to count as evidence.
    Pass,
    /// No network scan can evidence it; listed, never counted as passed.
    NotTestable,
}

impl Status {
    /// The kebab-case name the outputs use (`not-tested`).
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
    /// The control's Dutch title, when the catalogue has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_nl: Option<String>,
    /// The control's English title.
    pub title_en: String,
    /// The verdict.
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
    /// What its checks judged, per kind (`{"tls-endpoint": 12}`): the
    /// grounds of a `pass`.
    pub evidence: BTreeMap<EvidenceKind, usize>,
    /// Kinds the control needs to have seen before it can pass.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requires: Vec<EvidenceKind>,
    /// Devices whose kind was not identified, where identity is evidence.
    #[serde(skip_serializing_if = "is_zero")]
    pub unidentified: usize,
    /// Why a testable control was not tested.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Reason>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Why a control a scan could test was not tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum Reason {
    /// `--discover-only`: nothing was identified, so nothing is judged.
    DiscoverOnly,
    /// None of its checks had anything to judge.
    NothingJudged,
    /// The control requires evidence of this kind and the scan saw none.
    Missing {
        /// The kind the scan saw none of.
        evidence: EvidenceKind,
    },
    /// Identity is the evidence and these many devices stayed unidentified.
    Unidentified {
        /// How many devices stayed unidentified.
        devices: usize,
    },
}

impl Reason {
    /// The reason in words, in English or Dutch.
    pub fn text(self, lang: Lang) -> String {
        match (self, lang) {
            (Reason::DiscoverOnly, Lang::En) => {
                "discovery only (--discover-only): nothing was identified or judged".into()
            }
            (Reason::DiscoverOnly, Lang::Nl) => {
                "alleen ontdekking (--discover-only): niets geïdentificeerd of beoordeeld".into()
            }
            (Reason::NothingJudged, Lang::En) => {
                "nothing in this scan gave its checks anything to judge".into()
            }
            (Reason::NothingJudged, Lang::Nl) => {
                "niets in deze scan gaf de controles iets te beoordelen".into()
            }
            (Reason::Missing { evidence }, Lang::En) => {
                format!("no {} in this scan", evidence_noun(evidence, 1, lang))
            }
            (Reason::Missing { evidence }, Lang::Nl) => {
                format!("geen {} in deze scan", evidence_noun(evidence, 1, lang))
            }
            (Reason::Unidentified { devices }, Lang::En) => format!(
                "not identified: {devices} {} (identify them first)",
                plural(devices, "device", "devices")
            ),
            (Reason::Unidentified { devices }, Lang::Nl) => format!(
                "niet geïdentificeerd: {devices} {} (stel eerst vast wat het is)",
                plural(devices, "apparaat", "apparaten")
            ),
        }
    }
}

/// `one` for 1, else `many`.
pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// What one unit of evidence is called, for `n` of them.
pub fn evidence_noun(kind: EvidenceKind, n: usize, lang: Lang) -> &'static str {
    let (one, many) = match (kind, lang) {
        (EvidenceKind::Service, Lang::En) => ("service judged", "services judged"),
        (EvidenceKind::Service, Lang::Nl) => ("beoordeelde dienst", "beoordeelde diensten"),
        (EvidenceKind::TlsEndpoint, Lang::En) => {
            ("TLS endpoint assessed", "TLS endpoints assessed")
        }
        (EvidenceKind::TlsEndpoint, Lang::Nl) => {
            ("beoordeeld TLS-eindpunt", "beoordeelde TLS-eindpunten")
        }
        (EvidenceKind::LoginSurface, Lang::En) => {
            ("login surface examined", "login surfaces examined")
        }
        (EvidenceKind::LoginSurface, Lang::Nl) => ("onderzochte inlog", "onderzochte inlogs"),
        (EvidenceKind::DeviceIdentity, Lang::En) => ("identified device", "identified devices"),
        (EvidenceKind::DeviceIdentity, Lang::Nl) => {
            ("geïdentificeerd apparaat", "geïdentificeerde apparaten")
        }
        (EvidenceKind::FirmwareVersion, Lang::En) => (
            "device with a known firmware version",
            "devices with a known firmware version",
        ),
        (EvidenceKind::FirmwareVersion, Lang::Nl) => (
            "apparaat met bekende firmwareversie",
            "apparaten met bekende firmwareversie",
        ),
    };
    plural(n, one, many)
}

impl ControlResult {
    /// The evidence in words: `12 TLS endpoints assessed, 3 devices with a
    /// known firmware version` (empty when there is none).
    pub fn evidence_text(&self, lang: Lang) -> String {
        self.evidence
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| format!("{n} {}", evidence_noun(*k, *n, lang)))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The evidence (for a pass) or the reason (for a not-tested control)
    /// in words; empty otherwise.
    pub fn grounds(&self, lang: Lang) -> String {
        match (self.status, self.reason) {
            (Status::Pass, _) => self.evidence_text(lang),
            (Status::NotTested, Some(r)) => r.text(lang),
            _ => String::new(),
        }
    }
}

/// Counts per status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Controls that passed.
    pub pass: usize,
    /// Controls that failed.
    pub fail: usize,
    /// Controls a scan could test that this one did not.
    pub not_tested: usize,
    /// Controls no network scan can evidence.
    pub not_testable: usize,
}

/// Compliance of one scan with one baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Compliance {
    /// Catalogue id (`bio2`, `bio-1.04`, `big`, `etsi`).
    pub baseline: String,
    /// The catalogue's English title.
    pub title: String,
    /// The catalogue's Dutch title, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title_nl: Option<String>,
    /// How many controls have each status.
    pub counts: Counts,
    /// In catalogue order.
    pub controls: Vec<ControlResult>,
}

impl Compliance {
    /// The controls that failed, in catalogue order.
    pub fn failed(&self) -> impl Iterator<Item = &ControlResult> {
        self.controls.iter().filter(|c| c.status == Status::Fail)
    }

    /// The catalogue's title in the reader's language.
    pub fn title_in(&self, lang: Lang) -> &str {
        match (lang, &self.title_nl) {
            (Lang::Nl, Some(nl)) => nl,
            _ => &self.title,
        }
    }

    /// The result of the control with reference `prefix:id`.
    pub fn control(&self, reference: &str) -> Option<&ControlResult> {
        self.controls.iter().find(|c| c.reference == reference)
    }
}

/// Protocols whose services take a login.
const LOGIN_PROTOCOLS: &[&str] = &["telnet", "ssh", "ftp", "mqtt", "rtsp", "snmp"];

/// The TLS of this endpoint was assessed (protocols, suites or the
/// certificate).
fn tls_assessed(o: &Observation) -> bool {
    o.tls_profile.is_some()
        || o.facts
            .keys()
            .any(|k| k.starts_with("tls.") || k.starts_with("cert."))
}

/// This service takes a login, or credentials were tried on it.
fn login_surface(o: &Observation) -> bool {
    LOGIN_PROTOCOLS.contains(&o.protocol.as_str())
        || o.facts
            .keys()
            .any(|k| k.starts_with("cred.") || k == "http.auth_scheme" || k == "device_info.auth")
}

fn identified(a: &Asset) -> bool {
    a.class != DeviceClass::Unknown
}

/// Whether `check` (of evidence kind `service`) judges this service: an
/// identified service of a protocol it names (of any protocol when it names
/// none), inside or outside TLS as it asks.
fn judges_service(check: &Check, o: &Observation) -> bool {
    let protocol = if check.when.protocol.is_empty() {
        o.protocol != "unknown"
    } else {
        check.when.protocol.contains(&o.protocol)
    };
    protocol && check.when.tls.is_none_or(|t| t == o.tls)
}

/// How much evidence of `kind` the scan holds for `checks` (endpoints or
/// devices).
fn count(kind: EvidenceKind, checks: &[&Check], report: &Scanned<'_>) -> usize {
    let endpoints = |keep: &dyn Fn(&Observation) -> bool| {
        report
            .assets
            .iter()
            .flat_map(|a| &a.observations)
            .filter(|o| keep(o))
            .count()
    };
    match kind {
        EvidenceKind::Service => endpoints(&|o| {
            checks
                .iter()
                .any(|c| c.evidence == EvidenceKind::Service && judges_service(c, o))
        }),
        EvidenceKind::TlsEndpoint => endpoints(&tls_assessed),
        EvidenceKind::LoginSurface => endpoints(&login_surface),
        EvidenceKind::DeviceIdentity => report.assets.iter().filter(|a| identified(a)).count(),
        EvidenceKind::FirmwareVersion => report
            .assets
            .iter()
            .filter(|a| a.vendor.is_some() && a.model.is_some() && a.firmware.is_some())
            .count(),
    }
}

/// A testable control without findings: pass, or not tested and why.
pub fn judge(
    evidence: &BTreeMap<EvidenceKind, usize>,
    requires: &[EvidenceKind],
    unidentified: usize,
    discover_only: bool,
) -> (Status, Option<Reason>) {
    let seen = |k: &EvidenceKind| evidence.get(k).copied().unwrap_or(0) > 0;
    let reason = if discover_only {
        Some(Reason::DiscoverOnly)
    } else if let Some(k) = requires.iter().find(|k| !seen(k)) {
        Some(Reason::Missing { evidence: *k })
    } else if !evidence.keys().any(seen) {
        Some(Reason::NothingJudged)
    } else if unidentified > 0 {
        Some(Reason::Unidentified {
            devices: unidentified,
        })
    } else {
        None
    };
    match reason {
        Some(r) => (Status::NotTested, Some(r)),
        None => (Status::Pass, None),
    }
}

/// Judges `report` against the catalogue `baseline`.
pub fn evaluate(
    report: &Scanned<'_>,
    baselines: &Baselines,
    baseline: &str,
) -> Result<Compliance, UnknownBaseline> {
    let catalogue = baselines
        .catalogues
        .get(baseline)
        .ok_or_else(|| UnknownBaseline::new(baseline, baselines))?;
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
        // What the control needs seen: its own `requires` and those of the
        // BIO2 controls it maps to.
        let mut requires: BTreeSet<EvidenceKind> = control.requires.iter().copied().collect();
        for m in &control.maps_to {
            if let Some(c) = baselines.control(m) {
                requires.extend(c.requires.iter().copied());
            }
        }
        let requires: Vec<EvidenceKind> = requires.into_iter().collect();
        let mut evidence: BTreeMap<EvidenceKind, usize> = BTreeMap::new();
        if control.testable {
            let kinds: BTreeSet<EvidenceKind> = checks
                .iter()
                .map(|c| c.evidence)
                .chain(requires.iter().copied())
                .collect();
            for k in kinds {
                evidence.insert(k, count(k, &checks, report));
            }
        }
        let unidentified = if evidence.contains_key(&EvidenceKind::DeviceIdentity) {
            report.assets.iter().filter(|a| !identified(a)).count()
        } else {
            0
        };
        let (status, reason) = if !control.testable {
            (Status::NotTestable, None)
        } else if findings > 0 {
            (Status::Fail, None)
        } else {
            judge(&evidence, &requires, unidentified, report.discover_only)
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
            evidence,
            requires,
            unidentified,
            reason,
        });
    }
    Ok(Compliance {
        baseline: catalogue.id.clone(),
        title: catalogue.title.clone(),
        title_nl: catalogue.title_nl.clone(),
        counts,
        controls,
    })
}
