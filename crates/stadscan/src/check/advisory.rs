//! Firmware advisories (`checks/firmware/`) as findings: an identified
//! device whose vendor, product and version fall in an advisory's affected
//! range gets an `outdated-firmware` finding, or `known-exploited` when the
//! CVE is on the CISA KEV list (per the data, or per `--kev FILE`).

use std::collections::BTreeMap;

use super::{Check, Condition};
use crate::fingerprint::Fingerprints;
use crate::firmware::{Advisories, Advisory, Kev, distribution_note};
use crate::model::{Asset, Category, Confidence, Finding, Observation};

fn category(adv: &Advisory, kev: Option<&Kev>) -> Category {
    if adv.known_exploited(kev) {
        Category::KnownExploited
    } else {
        Category::OutdatedFirmware
    }
}

/// `openssh-cve-2024-6387` -> `OpensshCve20246387`.
fn pascal(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next().map_or(String::new(), |f| {
                f.to_ascii_uppercase().to_string() + c.as_str()
            })
        })
        .collect()
}

/// ` (CVE-2024-6387)` after a title, or nothing.
fn cve_suffix(adv: &Advisory) -> String {
    if adv.cves.is_empty() {
        String::new()
    } else {
        format!(" ({})", adv.cves.join(", "))
    }
}

/// The Dutch wording of an advisory's rule, with its CVEs after the title
/// as in English.
pub fn dutch(
    adv: &Advisory,
    wording: &BTreeMap<String, super::lang::Wording>,
) -> Option<super::lang::Wording> {
    let mut w = wording.get(&adv.id)?.clone();
    w.title.push_str(&cve_suffix(adv));
    Some(w)
}

/// The SARIF rule of an advisory (a check that is never evaluated on
/// observations: advisories match identified devices).
pub fn rule(adv: &Advisory, kev: Option<&Kev>) -> Check {
    let cves = cve_suffix(adv);
    Check {
        id: adv.id.clone(),
        name: pascal(&adv.id),
        title: format!("{}{cves}", adv.title),
        description: adv.description.trim().to_string(),
        remediation: adv.remediation.trim().to_string(),
        category: category(adv, kev),
        evidence: crate::baseline::EvidenceKind::FirmwareVersion,
        severity: adv.severity(),
        security_severity: adv.cvss,
        confidence: adv.version_confidence,
        controls: adv.controls.clone(),
        message: String::new(),
        properties: Vec::new(),
        references: adv.references.clone(),
        when: Condition::default(),
        examples: Vec::new(),
        source: adv.source.clone(),
        nl: None,
    }
}

/// The service whose answer named the device: it carries the device's
/// firmware findings (the first service when none did).
pub fn identity_observation<'a>(
    asset: &'a Asset,
    fingerprints: &Fingerprints,
) -> Option<&'a Observation> {
    asset
        .observations
        .iter()
        .find(|o| {
            fingerprints
                .identify(&o.protocol, &o.facts)
                .is_some_and(|d| Some(&d.fingerprint) == asset.fingerprint.as_ref())
        })
        .or_else(|| asset.observations.first())
}

/// Model and firmware that only a login showed (a default credential
/// worked): a sentence saying so, for the owner will ask how we know; empty
/// otherwise.
pub fn login_note(obs: &Observation) -> String {
    match (
        obs.fact("cred.authenticated_read"),
        obs.fact("cred.default_id"),
    ) {
        (Some(_), Some(id)) => format!(
            " The version was read after logging in with the default credential `{}`.",
            id.render()
        ),
        _ => String::new(),
    }
}

/// Findings for one identified asset.
pub fn findings(
    asset: &Asset,
    advisories: &Advisories,
    kev: Option<&Kev>,
    fingerprints: &Fingerprints,
) -> Vec<Finding> {
    let (Some(vendor), Some(product), Some(version)) =
        (&asset.vendor, &asset.model, &asset.firmware)
    else {
        return Vec::new();
    };
    let Some(obs) = identity_observation(asset, fingerprints) else {
        return Vec::new();
    };
    advisories
        .matching(vendor, product, version)
        .into_iter()
        .map(|(adv, confidence)| {
            let fixed = adv
                .fixed
                .as_deref()
                .map(|f| format!(" Fixed in {f}."))
                .unwrap_or_default();
            let cves = if adv.cves.is_empty() {
                String::new()
            } else {
                format!(" ({})", adv.cves.join(", "))
            };
            let kev_note = if adv.known_exploited(kev) { " Exploited in the wild (CISA KEV)." } else { "" };
            let distro = distribution_note(version).map(|n| format!(" {n}")).unwrap_or_default();
            let certainty = match confidence {
                Confidence::High => "",
                Confidence::Medium => " The version comes from a banner: verify on the device.",
                Confidence::Low => " The version comes from a banner and may not identify the build: verify on the device.",
            };
            let login = login_note(obs);
            let mut evidence = BTreeMap::new();
            evidence.insert("device.vendor".to_string(), vendor.clone());
            evidence.insert("device.model".to_string(), product.clone());
            evidence.insert("device.firmware".to_string(), version.clone());
            evidence.insert("advisory".to_string(), adv.id.clone());
            if !adv.cves.is_empty() {
                evidence.insert("cves".to_string(), adv.cves.join(", "));
            }
            if !login.is_empty() {
                evidence.insert("authenticated_read".to_string(), "true".into());
            }
            Finding {
                check_id: adv.id.clone(),
                category: category(adv, kev),
                severity: adv.severity(),
                confidence,
                endpoint: obs.endpoint,
                service: obs.service(),
                asset: asset.id.clone(),
                hostname: obs.hostname.clone(),
                message: format!(
                    "{vendor} {product} {version} on {} is affected by {}{cves}.{fixed}{kev_note}{distro}{certainty}{login}",
                    obs.endpoint, adv.title
                ),
                evidence,
                controls: adv.controls.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_become_pascal_names() {
        assert_eq!(pascal("openssh-cve-2024-6387"), "OpensshCve20246387");
        assert_eq!(pascal("lab-2026-0001"), "Lab20260001");
    }

    #[test]
    fn every_embedded_advisory_makes_a_valid_rule() {
        let adv = Advisories::embedded().unwrap();
        for a in adv.iter() {
            let r = rule(a, None);
            assert!(!r.name.is_empty() && r.name.chars().all(|c| c.is_ascii_alphanumeric()));
            assert!(
                r.title.len() <= 1024 && r.description.len() <= 1024,
                "{}",
                a.id
            );
            assert!(matches!(
                r.category,
                Category::KnownExploited | Category::OutdatedFirmware
            ));
            assert!(r.controls.iter().any(|c| c.starts_with("bio2:")));
        }
    }
}
