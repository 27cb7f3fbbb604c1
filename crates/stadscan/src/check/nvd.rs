//! NVD matches as findings: one result per device grouping every CVE the
//! index matched on its CPE names ("firmware X has N known vulnerabilities,
//! K exploited"), so that a device with forty CVEs is one alert, not forty.
//!
//! The result is `known-exploited` (rule `nvd-known-exploited`, critical)
//! when one of its CVEs is on the CISA KEV list (as the index or the scan's
//! `--kev` file says), else `outdated-firmware` (rule
//! `nvd-known-vulnerabilities`, severity from the highest CVSS score). Its
//! SARIF fingerprint is the rule, the device and the port, not the CVE list,
//! so the alert stays one alert while the list grows.
//!
//! The curated advisories (`checks/firmware/`) win: a CVE that an advisory
//! for this vendor and product names is left to that advisory, whatever the
//! NVD's configurations say (they may name the wrong products or ranges).

use std::collections::BTreeMap;

use super::advisory::{identity_observation, login_note};
use super::{Check, Condition};
use crate::cpe::AssetCpe;
use crate::fingerprint::Fingerprints;
use crate::firmware::{Advisories, Kev, distribution_note, lower_confidence};
use crate::model::{Asset, Category, Confidence, Finding, Severity};
use crate::nvd::CveMatch;

/// Rule of a device whose NVD matches include no known-exploited CVE.
pub const RULE_VULNERABLE: &str = "nvd-known-vulnerabilities";
/// Rule of a device with at least one CVE on the KEV list.
pub const RULE_EXPLOITED: &str = "nvd-known-exploited";

const CONTROLS: [&str; 3] = ["bio2:8.8", "etsi:5.3-2", "etsi:5.3-8"];

/// The two SARIF rules of NVD matches, with their Dutch wording from
/// `dutch` (`checks/lang/nl.toml`).
pub fn rules(dutch: &BTreeMap<String, super::lang::Wording>) -> Vec<Check> {
    let base =
        |id: &str, name: &str, category, severity, score, title: &str, description: &str| Check {
            id: id.to_string(),
            name: name.to_string(),
            title: title.to_string(),
            description: description.to_string(),
            remediation: "Upgrade the firmware to a release the vendor lists as fixed for every \
                          CVE in the result, or replace the device when the vendor no longer \
                          publishes fixes; until then keep its interfaces in a separate network \
                          that only the people and systems that manage it can reach."
                .to_string(),
            category,
            evidence: crate::baseline::EvidenceKind::FirmwareVersion,
            severity,
            security_severity: score,
            confidence: Confidence::Medium,
            controls: CONTROLS.iter().map(|c| (*c).to_string()).collect(),
            message: String::new(),
            references: vec!["https://nvd.nist.gov/vuln".to_string()],
            when: Condition::default(),
            examples: Vec::new(),
            properties: Vec::new(),
            source: "NVD index (stadscan nvd import)".to_string(),
            nl: dutch.get(id).cloned(),
        };
    vec![
        base(
            RULE_EXPLOITED,
            "NvdKnownExploited",
            Category::KnownExploited,
            Severity::Critical,
            9.0,
            "Device firmware with known vulnerabilities, some exploited in the wild (NVD, CISA KEV)",
            "The device's CPE name and firmware version fall in the affected configurations of \
             CVEs published in the NVD, and at least one of them is on the CISA Known Exploited \
             Vulnerabilities list: attackers use it. One result lists all CVEs of the device.",
        ),
        base(
            RULE_VULNERABLE,
            "NvdKnownVulnerabilities",
            Category::OutdatedFirmware,
            Severity::High,
            7.0,
            "Device firmware with known vulnerabilities (NVD)",
            "The device's CPE name and firmware version fall in the affected configurations of \
             CVEs published in the NVD. One result lists all CVEs of the device; its severity \
             follows the highest CVSS base score among them.",
        ),
    ]
}

/// Severity from a CVSS base score, in the bands the checks use.
fn band(score: f64) -> Severity {
    match score {
        s if s >= 9.0 => Severity::Critical,
        s if s >= 7.0 => Severity::High,
        s if s >= 4.0 => Severity::Medium,
        s if s > 0.0 => Severity::Low,
        _ => Severity::Info,
    }
}

/// Most CVEs named in a result message; the rest are in the properties.
const LISTED: usize = 10;

/// What decides which of a device's matches are reported.
#[derive(Debug, Clone, Copy, Default)]
pub struct Policy<'a> {
    /// CVEs scored below this are left out (KEV ones and unscored ones stay).
    pub min_cvss: Option<f64>,
    /// The KEV catalogue (`--kev`), beside the index's own KEV marks: CVEs on
    /// it are kept whatever their score and make the finding known-exploited.
    pub kev: Option<&'a Kev>,
}

/// The finding for one asset from its NVD matches (none when nothing is
/// left after the curated advisories and the floor).
pub fn finding(
    asset: &Asset,
    cpes: &[AssetCpe],
    matches: &[CveMatch],
    advisories: &Advisories,
    fingerprints: &Fingerprints,
    policy: Policy<'_>,
) -> Option<Finding> {
    let obs = identity_observation(asset, fingerprints)?;
    let vendor = asset.vendor.as_deref().unwrap_or("");
    let model = asset.model.as_deref().unwrap_or("");
    let curated: Vec<&str> = advisories
        .iter()
        .filter(|a| a.covers_product(vendor, model))
        .flat_map(|a| a.cves.iter().map(String::as_str))
        .collect();
    let exploited =
        |m: &CveMatch| m.cve.kev.is_some() || policy.kev.is_some_and(|k| k.contains(&m.cve.id));
    let mut kept: Vec<&CveMatch> = matches
        .iter()
        .filter(|m| !curated.contains(&m.cve.id.as_str()))
        .filter(|m| {
            exploited(m)
                || match (policy.min_cvss, m.cve.score()) {
                    (Some(floor), Some(s)) => s >= floor,
                    _ => true,
                }
        })
        .collect();
    if kept.is_empty() {
        return None;
    }
    // Exploited first, then by score, then by id.
    kept.sort_by(|a, b| {
        exploited(b)
            .cmp(&exploited(a))
            .then(
                b.cve
                    .score()
                    .unwrap_or(-1.0)
                    .total_cmp(&a.cve.score().unwrap_or(-1.0)),
            )
            .then_with(|| a.cve.id.cmp(&b.cve.id))
    });
    let n_exploited = kept.iter().filter(|m| exploited(m)).count();
    let max_score = kept
        .iter()
        .filter_map(|m| m.cve.score())
        .fold(None, |acc: Option<f64>, s| {
            Some(acc.map_or(s, |a| a.max(s)))
        });
    let (check_id, category, severity) = if n_exploited > 0 {
        (RULE_EXPLOITED, Category::KnownExploited, Severity::Critical)
    } else {
        (
            RULE_VULNERABLE,
            Category::OutdatedFirmware,
            max_score.map_or(Severity::Medium, band),
        )
    };

    // Confidence: the surest CVE's. Each is the identity's (the CPE name's),
    // one step lower when the device version was less precise than the
    // range needed, one more for a distribution build.
    let identity = cpes
        .iter()
        .map(|c| c.confidence)
        .max()
        .unwrap_or(Confidence::Low);
    let version = asset.firmware.as_deref().unwrap_or("");
    let distro = distribution_note(version);
    let confidence_of = |m: &CveMatch| {
        let mut c = identity;
        if m.imprecise() {
            c = lower_confidence(c);
        }
        if distro.is_some() {
            c = lower_confidence(c);
        }
        c
    };
    let confidence = kept
        .iter()
        .map(|m| confidence_of(m))
        .max()
        .unwrap_or(Confidence::Low);
    let imprecise: Vec<&str> = kept
        .iter()
        .filter(|m| m.imprecise())
        .map(|m| m.cve.id.as_str())
        .collect();

    let name = [vendor, model]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let firmware = if version.is_empty() {
        "of unknown version".to_string()
    } else {
        version.to_string()
    };
    let listed: Vec<String> = kept
        .iter()
        .take(LISTED)
        .map(|m| {
            let score = m
                .cve
                .score()
                .map_or("not scored".to_string(), |s| format!("CVSS {s:.1}"));
            if exploited(m) {
                format!("{} ({score}, exploited)", m.cve.id)
            } else {
                format!("{} ({score})", m.cve.id)
            }
        })
        .collect();
    let more = kept.len().saturating_sub(LISTED);
    let more = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    let plural = if kept.len() == 1 {
        "vulnerability"
    } else {
        "vulnerabilities"
    };
    let certainty = if !imprecise.is_empty() {
        format!(
            " The device's version is less precise than the NVD ranges of {} need: verify the build on the device.",
            imprecise.join(", ")
        )
    } else if version.is_empty() {
        " The device's version is not known; these CVEs affect every version.".to_string()
    } else {
        String::new()
    };
    let distro = distro.map(|n| format!(" {n}")).unwrap_or_default();
    let login = login_note(obs);
    let message = format!(
        "{name} firmware {firmware} on {} has {} known {plural} in the NVD, {n_exploited} exploited \
         in the wild (CISA KEV): {}{more}.{certainty}{distro}{login}",
        obs.endpoint,
        kept.len(),
        listed.join(", ")
    );

    let mut evidence = BTreeMap::new();
    evidence.insert("device.vendor".to_string(), vendor.to_string());
    evidence.insert("device.model".to_string(), model.to_string());
    evidence.insert("device.firmware".to_string(), version.to_string());
    evidence.insert(
        "device.cpe".to_string(),
        cpes.iter()
            .map(|c| c.cpe.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    );
    evidence.insert(
        "cves".to_string(),
        kept.iter()
            .map(|m| m.cve.id.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    );
    evidence.insert("cve_count".to_string(), kept.len().to_string());
    evidence.insert("exploited_count".to_string(), n_exploited.to_string());
    if let Some(s) = max_score {
        evidence.insert("max_cvss".to_string(), format!("{s:.1}"));
    }
    evidence.insert(
        "cvss".to_string(),
        kept.iter()
            .map(|m| format!("{} {}", m.cve.id, m.cve.score_text()))
            .collect::<Vec<_>>()
            .join("; "),
    );
    let kev: Vec<String> = kept
        .iter()
        .filter(|m| exploited(m))
        .map(|m| {
            let from_file = policy.kev.and_then(|k| k.entry(&m.cve.id));
            let (added, due) = match (&m.cve.kev, from_file) {
                (Some(d), _) => (d.added.clone(), d.due.clone()),
                (None, Some(e)) => (e.date_added.clone(), e.due_date.clone()),
                (None, None) => (String::new(), String::new()),
            };
            format!("{} added {added} due {due}", m.cve.id)
        })
        .collect();
    if !kev.is_empty() {
        evidence.insert("kev".to_string(), kev.join("; "));
    }
    let mut matched: Vec<String> = kept
        .iter()
        .flat_map(|m| {
            m.hits.iter().map(move |h| {
                if h.range.is_empty() {
                    format!("{} {}", m.cve.id, h.criteria)
                } else {
                    format!("{} {} ({})", m.cve.id, h.criteria, h.range)
                }
            })
        })
        .collect();
    matched.dedup();
    evidence.insert("matched_cpe".to_string(), matched.join("; "));
    let cwes: Vec<&str> = {
        let mut c: Vec<&str> = kept
            .iter()
            .flat_map(|m| m.cve.cwes.iter().map(String::as_str))
            .collect();
        c.sort_unstable();
        c.dedup();
        c
    };
    if !cwes.is_empty() {
        evidence.insert("cwes".to_string(), cwes.join(", "));
    }
    if !imprecise.is_empty() {
        evidence.insert("imprecise_version".to_string(), imprecise.join(", "));
    }
    evidence.insert(
        "identity_confidence".to_string(),
        match identity {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
        .to_string(),
    );
    if !login.is_empty() {
        evidence.insert("authenticated_read".to_string(), "true".into());
    }
    Some(Finding {
        check_id: check_id.to_string(),
        category,
        severity,
        confidence,
        endpoint: obs.endpoint,
        service: obs.service(),
        asset: asset.id.clone(),
        hostname: obs.hostname.clone(),
        message,
        evidence,
        controls: CONTROLS.iter().map(|c| (*c).to_string()).collect(),
    })
}
