//! Whether a device's CPE names satisfy a CVE's NVD configurations.
//!
//! A CVE applies when any of its configurations holds. A configuration
//! combines its nodes with AND or OR (an operating system "running on" a
//! hardware platform is an AND of two nodes); a node combines its CPE match
//! criteria with AND or OR; either may be negated. A criterion marked
//! `vulnerable = false` names a platform the vulnerable product must run
//! on: it has to match for the configuration to hold, but it is not what is
//! vulnerable, so a configuration holds for the device only when it matched
//! at least one vulnerable criterion.
//!
//! Versions are compared with the vendor ordering of [`Version`]; a range
//! bound without a build number covers every build of that release. A
//! device version that is less precise than the bound it is compared with
//! (no build where the bound has one, "3.2" against "3.2.23") still matches,
//! but the match is marked imprecise.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::cpe::{ANY, Cpe, NA, Part};
use crate::firmware::Version;

/// AND or OR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Operator {
    /// Every part must hold (`AND` in the feed).
    #[serde(rename = "AND")]
    And,
    /// One part is enough (`OR` in the feed; the default).
    #[default]
    #[serde(rename = "OR")]
    Or,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// One configuration of a CVE (NVD 2.0 `configurations[]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Configuration {
    /// How the nodes combine; `None` (absent in the feed) means OR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<Operator>,
    /// True when the configuration holds where its nodes do not.
    #[serde(default, skip_serializing_if = "is_false")]
    pub negate: bool,
    /// The configuration's nodes.
    pub nodes: Vec<Node>,
}

/// A node: CPE match criteria combined with its operator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// How the criteria combine.
    #[serde(default)]
    pub operator: Operator,
    /// True when the node holds where its criteria do not.
    #[serde(default, skip_serializing_if = "is_false")]
    pub negate: bool,
    /// The node's criteria (`cpeMatch` in the feed).
    #[serde(rename = "cpeMatch", default)]
    pub cpe_match: Vec<CpeMatch>,
}

/// One criterion: a CPE name, possibly with a version range.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CpeMatch {
    /// True for the vulnerable product; false for a platform it must run
    /// on.
    pub vulnerable: bool,
    /// The CPE 2.3 name to match (`*` in a field: any value; `-`: not
    /// applicable).
    pub criteria: String,
    /// Lowest affected version, itself included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_start_including: Option<String>,
    /// Affected versions are above this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_start_excluding: Option<String>,
    /// Highest affected version, itself included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_end_including: Option<String>,
    /// Affected versions are below this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_end_excluding: Option<String>,
}

impl CpeMatch {
    /// The range in words: `>= 5.2.0, <= 5.4.0`.
    pub fn range_text(&self) -> String {
        [
            (">=", &self.version_start_including),
            (">", &self.version_start_excluding),
            ("<=", &self.version_end_including),
            ("<", &self.version_end_excluding),
        ]
        .into_iter()
        .filter_map(|(op, v)| v.as_ref().map(|v| format!("{op} {v}")))
        .collect::<Vec<_>>()
        .join(", ")
    }
}

/// A device CPE name, parsed, with its version when it parses.
#[derive(Debug, Clone)]
pub struct DeviceCpe {
    /// The device's CPE name.
    pub cpe: Cpe,
    /// Its version and update, parsed for range comparisons; `None` when
    /// the name has no version or it does not parse.
    pub version: Option<Version>,
}

impl DeviceCpe {
    /// Parses the version of `cpe`, with its update field appended
    /// (`build_160530` as ` build 160530`).
    pub fn new(cpe: Cpe) -> DeviceCpe {
        let text = match cpe.update.as_str() {
            ANY | NA => cpe.version.clone(),
            u => match u.strip_prefix("build_") {
                Some(b) => format!("{} build {b}", cpe.version),
                None => format!("{}{u}", cpe.version),
            },
        };
        let version = match cpe.version.as_str() {
            ANY | NA => None,
            _ => Version::parse(&text).or_else(|| Version::parse(&cpe.version)),
        };
        DeviceCpe { cpe, version }
    }
}

/// A vulnerable criterion that matched, and the device name it matched.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The criterion's CPE name.
    pub criteria: String,
    /// Its version range in words (`>= 5.2.0, < 5.4.1`); empty when it has
    /// none.
    pub range: String,
    /// The device's CPE name that matched.
    pub device: String,
    /// The device version was less precise than the criterion needed.
    pub imprecise: bool,
}

/// The hits of a configuration that holds.
type Holds = Option<Vec<Hit>>;

/// The vulnerable criteria that make the CVE apply to the device; empty
/// when none of its configurations holds.
pub fn evaluate(configurations: &[Configuration], device: &[DeviceCpe]) -> Vec<Hit> {
    let mut hits: Vec<Hit> = Vec::new();
    for c in configurations {
        if let Some(h) = configuration(c, device) {
            for hit in h {
                if !hits.contains(&hit) {
                    hits.push(hit);
                }
            }
        }
    }
    hits
}

/// A match criterion read in place: the CPE name's components as written
/// (still escaped) and its version bounds. Deciding whether a criterion
/// applies needs no allocation unless its version is compared, which keeps
/// the screening of a product's many CVEs cheap.
#[derive(Debug, Clone, Copy)]
pub struct CriterionRef<'a> {
    /// part, vendor, product, version, update, then the six others.
    fields: [&'a str; 11],
    start_including: Option<&'a str>,
    start_excluding: Option<&'a str>,
    end_including: Option<&'a str>,
    end_excluding: Option<&'a str>,
}

impl<'a> CriterionRef<'a> {
    /// `cpe:2.3:...` (11 components after the prefix; missing trailing
    /// ones are ANY) with its bounds, or `None` for another binding.
    pub fn new(criteria: &'a str, bounds: [Option<&'a str>; 4]) -> Option<CriterionRef<'a>> {
        let rest = criteria.trim().strip_prefix("cpe:2.3:")?;
        let mut fields = [ANY; 11];
        let (mut n, mut start, mut escaped) = (0, 0, false);
        for (i, b) in rest.bytes().enumerate() {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b':' => {
                    *fields.get_mut(n)? = &rest[start..i];
                    n += 1;
                    start = i + 1;
                }
                _ => {}
            }
        }
        *fields.get_mut(n)? = &rest[start..];
        let [
            start_including,
            start_excluding,
            end_including,
            end_excluding,
        ] = bounds;
        Some(CriterionRef {
            fields,
            start_including,
            start_excluding,
            end_including,
            end_excluding,
        })
    }

    fn of(m: &'a CpeMatch) -> Option<CriterionRef<'a>> {
        CriterionRef::new(
            &m.criteria,
            [
                m.version_start_including.as_deref(),
                m.version_start_excluding.as_deref(),
                m.version_end_including.as_deref(),
                m.version_end_excluding.as_deref(),
            ],
        )
    }

    fn has_range(&self) -> bool {
        self.start_including.is_some()
            || self.start_excluding.is_some()
            || self.end_including.is_some()
            || self.end_excluding.is_some()
    }

    /// Component `i`, unescaped and in lower case (as [`Cpe::parse`] reads
    /// it): borrowed unless it needs either.
    fn field(&self, i: usize) -> std::borrow::Cow<'a, str> {
        let raw = self.fields[i];
        if !raw.bytes().any(|b| b == b'\\' || b.is_ascii_uppercase()) {
            return std::borrow::Cow::Borrowed(raw);
        }
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => out.extend(chars.next()),
                c => out.push(c.to_ascii_lowercase()),
            }
        }
        std::borrow::Cow::Owned(out)
    }
}

/// The major (first) version number: versions are ordered by it first.
pub fn major(v: &Version) -> Option<u64> {
    v.numbers().first().copied()
}

/// The lowest and highest major version a criterion can match (`None`:
/// unbounded on that side, or a bound that does not parse). A version
/// whose major lies outside cannot match: [`Version`] orders by the major
/// number first, and a coarser version ("3" against "3.2.23") has the same
/// major as the bound it is compared with.
pub fn major_span(c: &Cpe, m: &CpeMatch) -> (Option<u64>, Option<u64>) {
    let of = |b: &Option<String>| {
        b.as_deref()
            .and_then(Version::parse)
            .and_then(|v| major(&v))
    };
    match c.version.as_str() {
        ANY => (
            of(&m.version_start_including).or_else(|| of(&m.version_start_excluding)),
            of(&m.version_end_including).or_else(|| of(&m.version_end_excluding)),
        ),
        NA => (None, None),
        exact => {
            let m = Version::parse(exact).and_then(|v| major(&v));
            (m, m)
        }
    }
}

/// Whether any of these criteria matches any of the device's names: a
/// CVE applies only when one of its vulnerable criteria does, so a CVE
/// none of whose criteria matches needs no further look.
pub fn any_applies(criteria: &CriterionRef<'_>, device: &[DeviceCpe]) -> bool {
    device.iter().any(|d| applies(criteria, d).is_some())
}

fn combine(op: Operator, negate: bool, results: Vec<Holds>) -> Holds {
    let holds = match op {
        Operator::And => results.iter().all(Option::is_some) && !results.is_empty(),
        Operator::Or => results.iter().any(Option::is_some),
    };
    match (holds != negate, negate) {
        (false, _) => None,
        // A negated part names what the device must not be: no hits.
        (true, true) => Some(Vec::new()),
        (true, false) => Some(results.into_iter().flatten().flatten().collect()),
    }
}

fn configuration(c: &Configuration, device: &[DeviceCpe]) -> Holds {
    let results = c.nodes.iter().map(|n| node(n, device)).collect();
    let holds = combine(c.operator.unwrap_or(Operator::Or), c.negate, results)?;
    (!holds.is_empty()).then_some(holds)
}

fn node(n: &Node, device: &[DeviceCpe]) -> Holds {
    let results = n
        .cpe_match
        .iter()
        .map(|m| {
            let hits: Vec<Hit> = device.iter().filter_map(|d| criterion(m, d)).collect();
            if hits.is_empty() {
                None
            } else if m.vulnerable {
                Some(hits)
            } else {
                Some(Vec::new())
            }
        })
        .collect();
    combine(n.operator, n.negate, results)
}

/// Whether one criterion matches one device name, as a hit.
fn criterion(m: &CpeMatch, d: &DeviceCpe) -> Option<Hit> {
    let imprecise = applies(&CriterionRef::of(m)?, d)?;
    Some(Hit {
        criteria: m.criteria.clone(),
        range: m.range_text(),
        device: d.cpe.to_string(),
        imprecise,
    })
}

/// `Some(imprecise)` when one criterion matches one device name.
fn applies(c: &CriterionRef<'_>, d: &DeviceCpe) -> Option<bool> {
    if Part::parse(&c.field(0))? != d.cpe.part
        || c.field(1) != d.cpe.vendor.as_str()
        || c.field(2) != d.cpe.product.as_str()
    {
        return None;
    }
    for (i, have) in d.cpe.rest.iter().enumerate() {
        let want = c.field(5 + i);
        if want != ANY && have != ANY && want != have.as_str() {
            return None;
        }
    }
    let mut imprecise = false;
    match &*c.field(3) {
        ANY => {
            if c.has_range() {
                imprecise |= in_range(c, d.version.as_ref()?)?;
            } else if d.version.is_none() && d.cpe.version != NA {
                // Every version is affected; the device's is not known.
                imprecise = true;
            }
        }
        NA => {
            if d.cpe.version != NA && d.cpe.version != ANY {
                return None;
            }
        }
        exact => {
            let have = d.version.as_ref()?;
            let want = match &*c.field(4) {
                ANY | NA => Version::parse(exact)?,
                u => Version::parse(&format!("{exact}{u}"))
                    .or_else(|| Version::parse(&format!("{exact} {u}")))?,
            };
            if have.cmp_release(&want) != Ordering::Equal {
                return None;
            }
            imprecise |= coarser(have, &want);
        }
    }
    Some(imprecise)
}

/// True when `have` names fewer version components than `bound` and is a
/// prefix of it ("3.2" against "3.2.23"), or has no build where the bound
/// has one and names the same release.
fn coarser(have: &Version, bound: &Version) -> bool {
    let (h, b) = (have.numbers(), bound.numbers());
    (h.len() < b.len() && b.starts_with(h))
        || (have.build().is_none()
            && bound.build().is_some()
            && have.cmp_release(bound) == Ordering::Equal)
}

/// How `have` compares with a bound: builds count only when both have one.
fn compare(have: &Version, bound: &Version) -> Ordering {
    match (have.build(), bound.build()) {
        (Some(_), Some(_)) => have.cmp(bound),
        _ => have.cmp_release(bound),
    }
}

/// `Some(imprecise)` when the version lies in the criterion's range; `None`
/// outside it, or when a bound does not parse (no claim on a range that
/// cannot be read).
fn in_range(m: &CriterionRef<'_>, have: &Version) -> Option<bool> {
    let mut imprecise = false;
    type Within = fn(Ordering) -> bool;
    let bounds: [(Option<&str>, Within); 4] = [
        (m.start_including, |o| o != Ordering::Less),
        (m.start_excluding, |o| o == Ordering::Greater),
        (m.end_including, |o| o != Ordering::Greater),
        (m.end_excluding, |o| o == Ordering::Less),
    ];
    for (bound, ok) in bounds {
        let Some(text) = bound else { continue };
        let b = Version::parse(text)?;
        let order = compare(have, &b);
        if coarser(have, &b) {
            // The device's version might lie on either side of the bound:
            // count it in, and say the match is imprecise.
            imprecise = true;
            continue;
        }
        if !ok(order) {
            return None;
        }
    }
    Some(imprecise)
}

#[cfg(test)]
#[path = "matching_tests.rs"]
mod tests;
