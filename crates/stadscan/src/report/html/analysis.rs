//! The numbers behind the CISO report's judgement sections: device risk
//! scores, the fixes that close the most findings and vendor concentration.
//! Kept apart from the HTML so the rules can be tested on plain data.

use std::collections::{BTreeMap, BTreeSet};

use crate::model::{Asset, Category, DeviceClass, Finding, Severity};
use crate::report::Report;

/// Points a finding of each severity adds to its device's risk score.
///
/// The steps roughly double so that one critical finding outweighs a
/// handful of medium ones (a critical is usually remote takeover, a medium
/// a weak cipher), and informational findings add nothing: they describe
/// the device, they are not a weakness.
pub(crate) fn severity_weight(s: Severity) -> u32 {
    match s {
        Severity::Critical => 10,
        Severity::High => 5,
        Severity::Medium => 2,
        Severity::Low => 1,
        Severity::Info => 0,
    }
}

/// The risk score of one finding: its severity weight, doubled for a
/// vulnerability on the known-exploited (KEV) list, because attackers are
/// using it now and BIO2 8.8 gives high-risk vulnerabilities one week.
pub(crate) fn finding_score(f: &Finding) -> u32 {
    let w = severity_weight(f.severity);
    if f.category == Category::KnownExploited {
        w * 2
    } else {
        w
    }
}

/// One device's row in the risk table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AssetRisk<'a> {
    pub asset: &'a Asset,
    /// Sum of [`finding_score`] over the device's findings.
    pub score: u32,
    pub findings: usize,
    pub worst: Severity,
    pub known_exploited: usize,
}

/// The `limit` riskiest devices: highest score first, then worst severity,
/// then more findings, then address (so equal scores list in a stable
/// order). Devices without findings are left out.
pub(crate) fn riskiest<'a>(report: &'a Report, limit: usize) -> Vec<AssetRisk<'a>> {
    let mut by_asset: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_asset.entry(f.asset.as_str()).or_default().push(f);
    }
    let mut rows: Vec<AssetRisk<'a>> = report
        .assets
        .iter()
        .filter_map(|a| {
            let mine = by_asset.get(a.id.as_str())?;
            let worst = mine.iter().map(|f| f.severity).max()?;
            Some(AssetRisk {
                asset: a,
                score: mine.iter().map(|f| finding_score(f)).sum(),
                findings: mine.len(),
                worst,
                known_exploited: mine
                    .iter()
                    .filter(|f| f.category == Category::KnownExploited)
                    .count(),
            })
        })
        .collect();
    rows.sort_by(|x, y| {
        (y.score, y.worst, y.findings)
            .cmp(&(x.score, x.worst, x.findings))
            .then_with(|| x.asset.addr.cmp(&y.asset.addr))
            .then_with(|| x.asset.id.cmp(&y.asset.id))
    });
    rows.truncate(limit);
    rows
}

/// One rule's fix: what fixing it once (the same remedy everywhere) closes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fix {
    pub rule: String,
    /// The rule's title, or its id when the catalogue does not know it.
    pub title: String,
    /// The remediation's first sentence (empty when there is none).
    pub first_step: String,
    /// The whole remediation.
    pub remediation: String,
    pub severity: Severity,
    pub findings: usize,
    pub assets: usize,
    /// The addresses of the devices the fix closes findings on, in order.
    pub addresses: Vec<std::net::IpAddr>,
}

/// The `limit` fixes that close the most findings: most findings first,
/// then highest severity, then most devices, then rule id. Texts in Dutch
/// when `dutch` (where the catalogue has them).
pub(crate) fn top_fixes(report: &Report, limit: usize, dutch: bool) -> Vec<Fix> {
    let mut groups: BTreeMap<&str, (usize, BTreeSet<&str>, Severity)> = BTreeMap::new();
    for f in &report.findings {
        let g = groups
            .entry(f.check_id.as_str())
            .or_insert((0, BTreeSet::new(), f.severity));
        g.0 += 1;
        g.1.insert(f.asset.as_str());
        g.2 = g.2.max(f.severity);
    }
    let mut fixes: Vec<Fix> = groups
        .into_iter()
        .map(|(rule, (findings, assets, severity))| {
            let check = report.checks.checks.iter().find(|c| c.id == rule);
            let remediation = check.map_or("", |c| c.remediation_in(dutch));
            let mut addresses: Vec<std::net::IpAddr> = assets
                .iter()
                .filter_map(|id| report.asset(id).map(|a| a.addr))
                .collect();
            addresses.sort();
            addresses.dedup();
            Fix {
                rule: rule.to_string(),
                title: check.map_or_else(|| rule.to_string(), |c| c.title_in(dutch).to_string()),
                first_step: first_step(remediation),
                remediation: remediation.split_whitespace().collect::<Vec<_>>().join(" "),
                severity,
                findings,
                assets: assets.len(),
                addresses,
            }
        })
        .collect();
    fixes.sort_by(|x, y| {
        (y.findings, y.severity, y.assets)
            .cmp(&(x.findings, x.severity, x.assets))
            .then_with(|| x.rule.cmp(&y.rule))
    });
    fixes.truncate(limit);
    fixes
}

/// Longest first step shown, in characters.
const FIRST_STEP_CHARS: usize = 240;

/// The first sentence of a remediation. The catalogue wraps its text at
/// about 80 columns, so the first *line* usually stops mid-sentence: the
/// first paragraph is joined, then cut after the first `. ` that starts a
/// new sentence (a capital follows), and capped.
pub(crate) fn first_step(remediation: &str) -> String {
    let paragraph: Vec<&str> = remediation
        .trim()
        .lines()
        .map(str::trim)
        .take_while(|l| !l.is_empty())
        .collect();
    let text = paragraph.join(" ");
    let chars: Vec<char> = text.chars().collect();
    let mut end = chars.len();
    for i in 0..chars.len().saturating_sub(2) {
        if chars[i] == '.' && chars[i + 1] == ' ' && chars[i + 2].is_uppercase() {
            end = i + 1;
            break;
        }
    }
    if end > FIRST_STEP_CHARS {
        let mut cut: String = chars[..FIRST_STEP_CHARS - 1].iter().collect();
        cut.push('…');
        cut
    } else {
        chars[..end].iter().collect()
    }
}

/// The maker of the device, when the scan knows it: the identified vendor
/// of a device whose kind was identified. A device of unknown kind was
/// named only by software it runs (Dropbear, OpenSSH, a Linux kernel), and
/// the author of that software is not the maker of the device.
pub(crate) fn device_vendor(a: &Asset) -> Option<&str> {
    if a.class == DeviceClass::Unknown {
        return None;
    }
    a.vendor.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// Devices per identified maker, most first, then by name. Devices whose
/// maker is not known are not a vendor: [`not_identified`] counts them.
pub(crate) fn vendor_shares(assets: &[Asset]) -> Vec<(&str, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for a in assets {
        if let Some(v) = device_vendor(a) {
            *counts.entry(v).or_default() += 1;
        }
    }
    let mut v: Vec<(&str, usize)> = counts.into_iter().collect();
    v.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(y.0)));
    v
}

/// Devices whose maker the scan could not name (a to-do for the
/// inventory, never a vendor of its own).
pub(crate) fn not_identified(assets: &[Asset]) -> usize {
    assets.iter().filter(|a| device_vendor(a).is_none()).count()
}

/// A class with at least this many devices of an identified maker is
/// judged for concentration; below it one or two devices are always "one
/// vendor" and say nothing.
pub(crate) const CONCENTRATION_MIN_DEVICES: usize = 3;
/// A share above this (in percent) asks for attention: one vendor supplies
/// the majority of a kind of device.
pub(crate) const CONCENTRATION_ATTENTION_PCT: usize = 50;
/// From this share (in percent) on the kind depends on one vendor: a
/// single advisory or a vendor leaving the market hits nearly all of it.
pub(crate) const CONCENTRATION_STRONG_PCT: usize = 80;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Concentration {
    Strong,
    Attention,
    Spread,
    TooFew,
    /// No device of the class has an identified maker: nothing to judge,
    /// something to find out.
    NotIdentified,
}

/// One device class's largest vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClassVendor<'a> {
    pub class: &'a str,
    pub devices: usize,
    /// The identified vendor with the most devices of the class (ties: the
    /// first by name); `None` when no device of the class has a vendor.
    pub vendor: Option<&'a str>,
    pub vendor_devices: usize,
    /// Devices of the class whose maker is not known.
    pub not_identified: usize,
    pub flag: Concentration,
}

impl ClassVendor<'_> {
    /// The largest vendor's share of the class in whole percent (of all its
    /// devices: unknown makers may be anyone, so this is a lower bound).
    pub(crate) fn share_pct(&self) -> usize {
        percent(self.vendor_devices, self.devices)
    }
}

/// Rounded `part / whole` in percent (0 for an empty whole).
pub(crate) fn percent(part: usize, whole: usize) -> usize {
    (part * 100 + whole / 2).checked_div(whole).unwrap_or(0)
}

/// The largest vendor per identified device class, flagged by the
/// thresholds above. Devices of unknown kind are no class (see
/// [`not_identified`]). The share is taken of all devices of the class,
/// those of unknown maker included, so an unidentified fleet is never
/// reported as concentrated, nor as spread: a class without any identified
/// maker is [`Concentration::NotIdentified`]. Sorted by flag (strongest
/// first), then by class size, then class name.
pub(crate) fn class_concentration(assets: &[Asset]) -> Vec<ClassVendor<'_>> {
    let mut classes: BTreeMap<&str, BTreeMap<Option<&str>, usize>> = BTreeMap::new();
    for a in assets.iter().filter(|a| a.class != DeviceClass::Unknown) {
        *classes
            .entry(a.class.as_str())
            .or_default()
            .entry(device_vendor(a))
            .or_default() += 1;
    }
    let mut rows: Vec<ClassVendor<'_>> = classes
        .into_iter()
        .map(|(class, vendors)| {
            let devices: usize = vendors.values().sum();
            let not_identified = vendors.get(&None).copied().unwrap_or(0);
            // BTreeMap order makes the first maximum the first by name.
            let (vendor, vendor_devices) =
                vendors.iter().filter_map(|(v, n)| v.map(|v| (v, *n))).fold(
                    (None, 0),
                    |best, (v, n)| {
                        if n > best.1 { (Some(v), n) } else { best }
                    },
                );
            let flag = if vendor_devices == 0 {
                Concentration::NotIdentified
            } else if devices < CONCENTRATION_MIN_DEVICES {
                Concentration::TooFew
            } else if vendor_devices * 100 >= devices * CONCENTRATION_STRONG_PCT {
                Concentration::Strong
            } else if vendor_devices * 100 > devices * CONCENTRATION_ATTENTION_PCT {
                Concentration::Attention
            } else if (vendor_devices + not_identified) * 100
                > devices * CONCENTRATION_ATTENTION_PCT
            {
                // The unknown makers may be the largest vendor: "spread"
                // would be a guess.
                Concentration::NotIdentified
            } else {
                Concentration::Spread
            };
            ClassVendor {
                class,
                devices,
                vendor,
                vendor_devices,
                not_identified,
                flag,
            }
        })
        .collect();
    rows.sort_by(|x, y| {
        x.flag
            .cmp(&y.flag)
            .then_with(|| y.devices.cmp(&x.devices))
            .then_with(|| x.class.cmp(y.class))
    });
    rows
}
