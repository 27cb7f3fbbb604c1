//! Known vulnerabilities by version: vendor version strings parsed and
//! ordered ([`Version`]), advisories as data (`checks/firmware/*.toml`,
//! [`Advisories`]) and the CISA Known Exploited Vulnerabilities catalogue read
//! from a local file ([`Kev`]; scans run offline).
//!
//! An identity from the fingerprints (vendor, product, version) is matched
//! against every advisory: the vendor (or one of its aliases) must be equal
//! ignoring case and punctuation, the product must match the advisory's
//! regular expression, and the version must fall in one of its affected
//! ranges. The confidence of a match is the advisory's `version_confidence`,
//! one step lower for a distribution build, whose upstream version number
//! does not show the fixes the distribution backported
//! ([`distribution_note`] says so in words a finding can carry).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::baseline::Baselines;
use crate::knowledge::CheckLoadError;
use crate::knowledge::validate::{self as rule, Ids, Problem, item};
use crate::model::{Confidence, Severity};

// ---------------------------------------------------------------------------
// Versions
// ---------------------------------------------------------------------------

/// A vendor version, parsed leniently: "V5.4.0 build 160530", "2.0.11",
/// "1.4.69-1", "R2.3.1", "1.0.2k", "5.5.800_210628", "2.4.52-1+deb11u2",
/// "8.4p1 Debian-5+deb11u1", "V2.3.1_build45", "8.0.0-beta1", "6.43rc1".
///
/// Ordering ([`Ord`]): the numeric components first (missing ones count as
/// zero, so "4.1" equals "4.1.0"); then a pre-release ("rc1", "-beta1",
/// ".M1") sorts before the release; then a letter suffix sorts after the bare
/// number ("1.0.2k" > "1.0.2", "8.5p1" > "8.5", "1.0.2zc" > "1.0.2z"); a build
/// number only breaks ties. A package revision ("-1+deb11u2") is not part of
/// the ordering: it says who built the upstream version, not which one it is.
/// Equality follows the ordering.
#[derive(Debug, Clone)]
pub struct Version {
    raw: String,
    numbers: Vec<u64>,
    pre: Option<(u8, u64)>,
    suffix: Option<Suffix>,
    build: Option<u64>,
    revision: Option<String>,
    distribution: Option<&'static str>,
}

/// A letter suffix after the last number: "k", "zc", "p1".
#[derive(Debug, Clone, PartialEq, Eq)]
struct Suffix {
    letters: String,
    number: Option<u64>,
}

impl Ord for Suffix {
    fn cmp(&self, other: &Self) -> Ordering {
        // OpenSSL letters run a..z, za..zz: a longer run is later.
        self.letters
            .len()
            .cmp(&other.letters.len())
            .then_with(|| self.letters.cmp(&other.letters))
            .then_with(|| self.number.cmp(&other.number))
    }
}

impl PartialOrd for Suffix {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Pre-release tags, earliest first.
const PRE_RELEASE: [(&str, u8); 8] = [
    ("dev", 0),
    ("alpha", 1),
    ("beta", 2),
    ("m", 3),
    ("milestone", 3),
    ("pre", 4),
    ("preview", 4),
    ("rc", 5),
];

/// Markers of a distribution package, and the distribution they name.
static DISTRIBUTIONS: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    [
        (r"ubuntu", "Ubuntu"),
        (
            r"debian|deb\d+u\d+|bpo\d*\b|\bdfsg\b|raspbian|\+rpi",
            "Debian",
        ),
        (
            r"(^|[^a-z])el\d|\brhel\b|red ?hat|centos|rocky|almalinux",
            "Red Hat",
        ),
        (r"\.fc\d|fedora", "Fedora"),
        (r"suse|\bsles\b", "SUSE"),
        (r"alpine", "Alpine"),
    ]
    .into_iter()
    .map(|(re, name)| {
        (
            Regex::new(re).expect("distribution markers are valid"),
            name,
        )
    })
    .collect()
});

/// Longest version string considered (device text is hostile input).
const MAX_VERSION_LEN: usize = 128;

impl Version {
    /// Parses a version; `None` when the text does not start with a version
    /// number or carries a tail the parser does not understand.
    pub fn parse(s: &str) -> Option<Version> {
        let raw = s.trim();
        if raw.is_empty() || raw.len() > MAX_VERSION_LEN {
            return None;
        }
        let lower = raw.to_ascii_lowercase();
        let mut words = lower.split_whitespace();
        let first = words.next()?;
        let rest: Vec<&str> = words.collect();

        // Trailing words: "build 160530", "Debian-5+deb11u1", "(Ubuntu)".
        let mut build = None;
        let mut extra = Vec::new();
        let mut i = 0;
        while i < rest.len() {
            let w = rest[i];
            if w == "build" || w == "build:" {
                if let Some(n) = rest.get(i + 1).and_then(|n| number(n)) {
                    build = Some(n);
                    i += 2;
                    continue;
                }
            } else if let Some(n) = w.strip_prefix("build").and_then(number) {
                build = Some(n);
                i += 1;
                continue;
            }
            extra.push(w);
            i += 1;
        }

        let token = version_start(first)?;
        let (token, token_build) = split_build(token)?;
        build = build.or(token_build);

        // Revision or pre-release after '-', '+' or '~'.
        let (main, tail, sep) = match token.find(['-', '+', '~']) {
            Some(p) => (&token[..p], &token[p + 1..], token.as_bytes()[p]),
            None => (token, "", b' '),
        };
        let mut pre = None;
        let mut revision = None;
        if !tail.is_empty() {
            pre = if sep == b'+' { None } else { pre_release(tail) };
            if pre.is_none() {
                revision = Some(tail.to_string());
            }
        } else if sep != b' ' {
            return None;
        }

        let (numbers, after) = leading_numbers(main)?;
        let (suffix, pre_in_main) = parse_suffix(after)?;
        if pre_in_main.is_some() {
            if pre.is_some() {
                return None;
            }
            pre = pre_in_main;
        }

        // A plain "3.2.23" has no text a distribution could be named in
        // (the common case: skip the markers' regexes).
        let distribution = if revision.is_none() && extra.is_empty() {
            None
        } else {
            let marker_text = format!("{} {}", revision.as_deref().unwrap_or(""), extra.join(" "));
            DISTRIBUTIONS
                .iter()
                .find(|(re, _)| re.is_match(&marker_text))
                .map(|(_, name)| *name)
        };
        let revision = match (revision, extra.is_empty()) {
            (r, true) => r,
            (Some(r), false) => Some(format!("{r} {}", extra.join(" "))),
            (None, false) => Some(extra.join(" ")),
        };

        Some(Version {
            raw: raw.to_string(),
            numbers,
            pre,
            suffix,
            build,
            revision,
            distribution,
        })
    }

    /// Debian/Ubuntu/RHEL-style backport marker (+debNuX, ubuntu, .el8...):
    /// upstream version numbers may be misleading.
    pub fn is_distribution_build(&self) -> bool {
        self.distribution.is_some()
    }

    /// The distribution whose package this is ("Debian", "Ubuntu",
    /// "Red Hat"...), when the version says so.
    pub fn distribution(&self) -> Option<&'static str> {
        self.distribution
    }

    /// The numeric components ("2.4.52" -> [2, 4, 52]).
    pub fn numbers(&self) -> &[u64] {
        &self.numbers
    }

    /// The vendor build number or date ("build 160530", "_210628").
    pub fn build(&self) -> Option<u64> {
        self.build
    }

    /// The package revision and distribution text ("1+deb11u2").
    pub fn revision(&self) -> Option<&str> {
        self.revision.as_deref()
    }

    /// True for a pre-release ("rc1", "-beta1").
    pub fn is_pre_release(&self) -> bool {
        self.pre.is_some()
    }

    /// The text as given.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

/// A decimal number of at most 18 digits.
fn number(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Drops a "V"/"R" prefix ("V5.4.0", "R2.3.1") or a name before the number
/// ("openssh_8.4p1", "IPC_G5_EU_STD_5.5.800_210628").
fn version_start(token: &str) -> Option<&str> {
    let b = token.as_bytes();
    if b.first()?.is_ascii_digit() {
        return Some(token);
    }
    if matches!(b[0], b'v' | b'r') && b.get(1).is_some_and(u8::is_ascii_digit) {
        return Some(&token[1..]);
    }
    let p = b
        .windows(2)
        .position(|w| matches!(w[0], b'_' | b'/' | b'-') && w[1].is_ascii_digit())?;
    Some(&token[p + 1..])
}

/// Splits "2.3.1_build45" and "5.5.800_210628" into version and build.
fn split_build(token: &str) -> Option<(&str, Option<u64>)> {
    if let Some(p) = token.find("build") {
        let (head, n) = (&token[..p], &token[p + 5..]);
        let head = head.trim_end_matches(['_', '-', '.']);
        return Some((head, Some(number(n)?)));
    }
    if let Some((head, n)) = token.rsplit_once('_')
        && let Some(n) = number(n)
    {
        return Some((head, Some(n)));
    }
    Some((token, None))
}

/// "5.4.0..." -> ([5, 4, 0], rest). At most 10 components.
fn leading_numbers(s: &str) -> Option<(Vec<u64>, &str)> {
    let b = s.as_bytes();
    let mut numbers = Vec::new();
    let mut i = 0;
    loop {
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if start == i {
            return None;
        }
        numbers.push(number(&s[start..i])?);
        if numbers.len() > 10 {
            return None;
        }
        if i + 1 < b.len() && b[i] == b'.' && b[i + 1].is_ascii_digit() {
            i += 1;
            continue;
        }
        return Some((numbers, &s[i..]));
    }
}

/// Letters then digits: ("rc", Some(1)) from "rc1"; the whole text must be used.
fn letters_digits(s: &str) -> Option<(&str, Option<u64>)> {
    let split = s.find(|c: char| !c.is_ascii_lowercase()).unwrap_or(s.len());
    let (letters, rest) = s.split_at(split);
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    if rest.is_empty() {
        return Some((letters, None));
    }
    Some((letters, Some(number(rest)?)))
}

/// A pre-release tag: "beta1", "rc2", "m1", "beta.1", "alpha".
fn pre_release(s: &str) -> Option<(u8, u64)> {
    let (letters, n) = letters_digits(s)?;
    let rank = PRE_RELEASE.iter().find(|(w, _)| *w == letters)?.1;
    if letters == "m" && n.is_none() {
        return None;
    }
    Some((rank, n.unwrap_or(0)))
}

/// What follows the numbers in the main part: a letter suffix ("k", "p1"),
/// a pre-release ("rc1", ".m1", ".beta2") or nothing.
type SuffixOrPre = (Option<Suffix>, Option<(u8, u64)>);

fn parse_suffix(after: &str) -> Option<SuffixOrPre> {
    if after.is_empty() {
        return Some((None, None));
    }
    if let Some(tag) = after.strip_prefix(['.', '_']) {
        return Some((None, Some(pre_release(tag)?)));
    }
    let (letters, n) = letters_digits(after)?;
    if letters.is_empty() {
        return None;
    }
    if letters != "m"
        && let Some(p) = pre_release(after)
    {
        return Some((None, Some(p)));
    }
    Some((
        Some(Suffix {
            letters: letters.to_string(),
            number: n,
        }),
        None,
    ))
}

impl Version {
    /// The ordering without the build number: which release the version
    /// names ("5.4.0 build 160530" and "5.4.0" are the same release).
    pub fn cmp_release(&self, other: &Self) -> Ordering {
        let n = self.numbers.len().max(other.numbers.len());
        for i in 0..n {
            let a = self.numbers.get(i).copied().unwrap_or(0);
            let b = other.numbers.get(i).copied().unwrap_or(0);
            match a.cmp(&b) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        let pre = match (&self.pre, &other.pre) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(a), Some(b)) => a.cmp(b),
        };
        pre.then_with(|| self.suffix.cmp(&other.suffix))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_release(other)
            .then_with(|| self.build.cmp(&other.build))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl FromStr for Version {
    type Err = NotAVersion;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s).ok_or_else(|| NotAVersion(s.to_string()))
    }
}

/// Text that is not a version [`Version::parse`] understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a version this parser understands")]
pub struct NotAVersion(pub String);

/// A sentence for a finding on a distribution build: the distribution may
/// have backported the fix without changing the upstream version. `None`
/// for upstream builds (and for text that is not a version).
pub fn distribution_note(version: &str) -> Option<String> {
    let v = Version::parse(version)?;
    let distribution = v.distribution()?;
    Some(format!(
        "Version {} is a {distribution} package build: {distribution} backports security \
         fixes without changing the upstream version number, so this match is based on the \
         upstream version only; check the {distribution} security tracker for the package \
         before acting on it.",
        v.as_str()
    ))
}

/// One step less sure.
pub fn lower_confidence(c: Confidence) -> Confidence {
    match c {
        Confidence::High => Confidence::Medium,
        Confidence::Medium | Confidence::Low => Confidence::Low,
    }
}

// ---------------------------------------------------------------------------
// Advisories
// ---------------------------------------------------------------------------

/// One affected version range: `introduced <= v < fixed`, or
/// `introduced <= v <= last_affected`; without `introduced` every earlier
/// version is affected. An optional product regex narrows the range to some
/// models (firmware lines that differ per model series).
#[derive(Debug, Clone)]
pub struct Range {
    /// The first affected version; `None`: every version before the end is.
    pub introduced: Option<Version>,
    /// The first version with the fix (excluded from the range).
    pub fixed: Option<Version>,
    /// The last affected version (included), when no fixed version is known.
    pub last_affected: Option<Version>,
    /// Regex (case-insensitive) the product must also match, as written.
    pub product: Option<String>,
    product_re: Option<Regex>,
}

impl Range {
    /// Whether `version` lies in the range (the product narrowing aside).
    pub fn contains(&self, version: &Version) -> bool {
        if self.introduced.as_ref().is_some_and(|i| version < i) {
            return false;
        }
        match (&self.fixed, &self.last_affected) {
            (Some(f), _) => version < f,
            (None, Some(l)) => version <= l,
            (None, None) => true,
        }
    }

    /// Whether the range applies to this product and version.
    pub fn applies(&self, product: &str, version: &Version) -> bool {
        self.product_re
            .as_ref()
            .is_none_or(|re| re.is_match(product))
            && self.contains(version)
    }
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(p) = &self.product {
            write!(f, "[{p}] ")?;
        }
        match &self.introduced {
            Some(i) => write!(f, "{i} <= v")?,
            None => f.write_str("v")?,
        }
        match (&self.fixed, &self.last_affected) {
            (Some(x), _) => write!(f, " < {x}"),
            (None, Some(l)) => write!(f, " <= {l}"),
            (None, None) => Ok(()),
        }
    }
}

/// An example device and whether the advisory must apply to it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdvisoryExample {
    /// The example device's vendor.
    pub vendor: String,
    /// The example device's product.
    pub product: String,
    /// The example device's version string.
    pub version: String,
    /// Whether the advisory must apply to it (checked when the files load).
    pub affected: bool,
}

/// A validated advisory.
#[derive(Debug, Clone)]
pub struct Advisory {
    /// Stable id (lowercase letters, digits, dashes): `openssh-cve-2024-6387`.
    pub id: String,
    /// The vendor as fingerprints name it (compared ignoring case and
    /// punctuation).
    pub vendor: String,
    /// Other names of the same vendor a fingerprint may use.
    pub vendor_aliases: Vec<String>,
    /// Regex (case-insensitive) over the identity's product, as written.
    pub product: String,
    /// The affected version ranges; a version in any one is affected.
    pub affected: Vec<Range>,
    /// The fixed version(s), for messages ("9.8p1"; "8.0.7, 8.1.8" when each
    /// branch has its own fix). See [`Advisory::fixed_for`] for one version.
    pub fixed: Option<String>,
    /// The CVE ids (`CVE-YYYY-NNNN`) it covers; empty only for a lab advisory.
    pub cves: Vec<String>,
    /// CVSS v3 base score, 0.0 to 10.0.
    pub cvss: f64,
    /// On the CISA KEV list when the advisory was written.
    pub kev: bool,
    /// How sure a version match makes the finding (banner reliability and
    /// configuration prerequisites); lowered for distribution builds.
    pub version_confidence: Confidence,
    /// The rule's title in SARIF and the reports (its CVEs are appended).
    pub title: String,
    /// What the vulnerability is (the SARIF rule's description).
    pub description: String,
    /// What to do about it (the SARIF rule's help).
    pub remediation: String,
    /// Links to the vendor's advisory and other sources.
    pub references: Vec<String>,
    /// Baseline control ids (`bio2:8.8`, `etsi:5.3-2`...).
    pub controls: Vec<String>,
    /// A fictional advisory for the simulated lab devices.
    pub lab: bool,
    /// Devices the advisory must or must not apply to, checked when the files
    /// load.
    pub examples: Vec<AdvisoryExample>,
    /// The file it came from.
    pub source: String,
    product_re: Regex,
}

impl Advisory {
    /// The confidence of a match when the advisory applies to this device.
    pub fn matches(&self, vendor: &str, product: &str, version: &str) -> Option<Confidence> {
        let v = Version::parse(version)?;
        self.matches_version(vendor, product, &v)
    }

    /// As [`Advisory::matches`], with the version already parsed.
    pub fn matches_version(
        &self,
        vendor: &str,
        product: &str,
        version: &Version,
    ) -> Option<Confidence> {
        if !self.vendor_matches(vendor) || !self.product_re.is_match(product) {
            return None;
        }
        if !self.affected.iter().any(|r| r.applies(product, version)) {
            return None;
        }
        Some(if version.is_distribution_build() {
            lower_confidence(self.version_confidence)
        } else {
            self.version_confidence
        })
    }

    /// Whether the advisory is about this vendor and product (whatever the
    /// version): its verdict on the device is then the curated one.
    pub fn covers_product(&self, vendor: &str, product: &str) -> bool {
        self.vendor_matches(vendor) && self.product_re.is_match(product)
    }

    /// Vendor or an alias, ignoring case, spaces and punctuation.
    pub fn vendor_matches(&self, vendor: &str) -> bool {
        let v = normalize_vendor(vendor);
        !v.is_empty()
            && std::iter::once(&self.vendor)
                .chain(&self.vendor_aliases)
                .any(|a| normalize_vendor(a) == v)
    }

    /// The fix for the range this version falls in (`None` when that range
    /// has no fixed release, or the version is in no range).
    pub fn fixed_for(&self, product: &str, version: &Version) -> Option<&Version> {
        self.affected
            .iter()
            .find(|r| r.applies(product, version))
            .and_then(|r| r.fixed.as_ref())
    }

    /// Known exploited: listed when written, or in the KEV file given now.
    pub fn known_exploited(&self, kev: Option<&Kev>) -> bool {
        self.kev || kev.is_some_and(|k| self.cves.iter().any(|c| k.contains(c)))
    }

    /// Severity from the CVSS score, in the bands the checks use.
    pub fn severity(&self) -> Severity {
        match self.cvss {
            s if s >= 9.0 => Severity::Critical,
            s if s >= 7.0 => Severity::High,
            s if s >= 4.0 => Severity::Medium,
            s if s > 0.0 => Severity::Low,
            _ => Severity::Info,
        }
    }
}

/// A vendor name compared ignoring case, spaces and punctuation.
pub fn normalize_vendor(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Every advisory, in id order.
#[derive(Debug, Clone, Default)]
pub struct Advisories {
    advisories: Vec<Advisory>,
}

/// The folder under `checks/` that holds advisories.
pub const FIRMWARE_DIR: &str = "firmware";

/// Whether a data file path is an advisory file (`checks/firmware/...`).
pub fn is_firmware_file(path: &str) -> bool {
    let p = path.replace('\\', "/");
    p.contains(&format!("/{FIRMWARE_DIR}/")) || p.starts_with(&format!("{FIRMWARE_DIR}/"))
}

impl Advisories {
    /// The built-in advisories (`checks/firmware/` in the binary).
    pub fn embedded() -> Result<Advisories, CheckLoadError> {
        let files: Vec<(&str, &str)> = crate::knowledge::embedded::check_files()
            .filter(|(p, _)| is_firmware_file(p))
            .copied()
            .collect();
        Advisories::parse(&files)
    }

    /// Advisories from every `*.toml` under `dir` (a firmware folder).
    pub fn from_dir(dir: &Path) -> Result<Advisories, CheckLoadError> {
        let texts = crate::knowledge::read_data_dir(dir, "advisories")?;
        Advisories::parse(&crate::knowledge::as_refs(&texts))
    }

    /// Parses and validates advisory files given as (path, text), checking
    /// controls against the built-in baselines.
    pub fn parse(files: &[(&str, &str)]) -> Result<Advisories, CheckLoadError> {
        Advisories::parse_with(files, &Baselines::embedded()?)
    }

    /// As [`Advisories::parse`], with the given control catalogues.
    pub fn parse_with(
        files: &[(&str, &str)],
        baselines: &Baselines,
    ) -> Result<Advisories, CheckLoadError> {
        let mut ids = Ids::new("advisory");
        let mut advisories = rule::load_entries(
            files,
            "advisory",
            |_, f: AdvisoryFile| f.advisories,
            |raw: &RawAdvisory| raw.id.get_ref().clone(),
            |place, raw| {
                let advisory = validate(raw, place.path(), baselines)?;
                ids.claim(&advisory.id, place)?;
                Ok(advisory)
            },
        )?;
        advisories.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(Advisories { advisories })
    }

    /// How many advisories there are.
    pub fn len(&self) -> usize {
        self.advisories.len()
    }

    /// True when there are no advisories.
    pub fn is_empty(&self) -> bool {
        self.advisories.is_empty()
    }

    /// Every advisory, in id order.
    pub fn all(&self) -> &[Advisory] {
        &self.advisories
    }

    /// The advisories, in id order.
    pub fn iter(&self) -> std::slice::Iter<'_, Advisory> {
        self.advisories.iter()
    }

    /// The advisory with id `id`.
    pub fn get(&self, id: &str) -> Option<&Advisory> {
        self.advisories.iter().find(|a| a.id == id)
    }

    /// Advisories that apply to a device (vendor equal case-insensitively,
    /// product regex, version inside a range), with the confidence of the
    /// match (lowered for distribution builds). Empty when the version does
    /// not parse: no version, no claim.
    pub fn matching(
        &self,
        vendor: &str,
        product: &str,
        version: &str,
    ) -> Vec<(&Advisory, Confidence)> {
        let Some(v) = Version::parse(version) else {
            return Vec::new();
        };
        self.advisories
            .iter()
            .filter_map(|a| a.matches_version(vendor, product, &v).map(|c| (a, c)))
            .collect()
    }
}

impl<'a> IntoIterator for &'a Advisories {
    type Item = &'a Advisory;
    type IntoIter = std::slice::Iter<'a, Advisory>;
    fn into_iter(self) -> Self::IntoIter {
        self.advisories.iter()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdvisoryFile {
    #[serde(rename = "advisory", default)]
    advisories: Vec<Spanned<RawAdvisory>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAdvisory {
    id: Spanned<String>,
    #[serde(default)]
    lab: bool,
    vendor: Spanned<String>,
    #[serde(default)]
    vendor_aliases: Vec<String>,
    product: Spanned<String>,
    title: Spanned<String>,
    description: Spanned<String>,
    remediation: Spanned<String>,
    #[serde(default)]
    cves: Option<Spanned<Vec<String>>>,
    cvss: Spanned<f64>,
    kev: Spanned<bool>,
    version_confidence: Confidence,
    #[serde(default)]
    fixed: Option<String>,
    controls: Spanned<Vec<String>>,
    #[serde(default)]
    references: Vec<Spanned<String>>,
    affected: Spanned<Vec<Spanned<RawRange>>>,
    examples: Spanned<Vec<Spanned<AdvisoryExample>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
    product: Option<String>,
}

/// An affected range that cannot be used.
#[derive(Debug, Clone, thiserror::Error)]
enum MatchRuleError {
    #[error("{field} `{text}` is not a version")]
    NotAVersion { field: &'static str, text: String },
    #[error("give `fixed` or `last_affected` (an open range claims every future release)")]
    Open,
    #[error("give `fixed` or `last_affected`, not both")]
    FixedAndLast,
    #[error("introduced {introduced} is not before fixed {fixed}")]
    FixedFirst { introduced: String, fixed: String },
    #[error("introduced {introduced} is after last_affected {last}")]
    LastFirst { introduced: String, last: String },
    #[error("`{0}` is a distribution build: ranges use upstream versions")]
    Distribution(String),
}

fn validate(raw: RawAdvisory, path: &str, baselines: &Baselines) -> Result<Advisory, Problem> {
    let id = raw.id.get_ref();
    rule::id("id", id).map_err(|p| p.at(raw.id.span()))?;
    if raw.lab != id.starts_with("lab-") {
        return Err(Problem::new(
            "id",
            "lab advisories (lab = true) and only they have ids starting with `lab-`",
        )
        .at(raw.id.span()));
    }
    if raw.vendor.get_ref().trim().is_empty() {
        return Err(Problem::new("vendor", "name the vendor").at(raw.vendor.span()));
    }
    let product_re = rule::regex_ignoring_case("product", raw.product.get_ref())
        .map_err(|p| p.at(raw.product.span()))?;
    for (field, text) in [
        ("title", &raw.title),
        ("description", &raw.description),
        ("remediation", &raw.remediation),
    ] {
        rule::text(field, text.get_ref()).map_err(|p| p.at(text.span()))?;
    }

    let (cves, cves_span) = match raw.cves {
        Some(c) => {
            let span = c.span();
            (c.into_inner(), Some(span))
        }
        None => (Vec::new(), None),
    };
    let in_cves = |m: String| Problem::new("cves", m).at_opt(cves_span.clone());
    if let Some(c) = cves.iter().find(|c| !is_cve_id(c)) {
        return Err(in_cves(format!("`{c}` is not a CVE id (CVE-YYYY-NNNN)")));
    }
    if raw.lab && !cves.is_empty() {
        return Err(in_cves("a lab advisory names no CVE".into()));
    }
    if !raw.lab && cves.is_empty() {
        return Err(in_cves(
            "name at least one CVE (only lab advisories have none)".into(),
        ));
    }
    let cvss = *raw.cvss.get_ref();
    rule::score("cvss", cvss).map_err(|p| p.at(raw.cvss.span()))?;
    if *raw.kev.get_ref() && cves.is_empty() {
        return Err(Problem::new("kev", "kev = true needs a CVE").at(raw.kev.span()));
    }

    rule::controls(
        "controls",
        raw.controls.get_ref(),
        "advisory",
        "bio2:8.8",
        |c| baselines.control(c).is_some(),
    )
    .map_err(|p| p.at(raw.controls.span()))?;
    for r in &raw.references {
        if !r.get_ref().starts_with("https://") {
            return Err(Problem::new(
                "references",
                format!("`{}`: references are https:// links", r.get_ref()),
            )
            .at(r.span()));
        }
    }

    rule::non_empty(
        "affected",
        raw.affected.get_ref(),
        "give at least one affected range",
    )
    .map_err(|p| p.at(raw.affected.span()))?;
    let mut affected = Vec::new();
    for (i, r) in raw.affected.into_inner().into_iter().enumerate() {
        let span = r.span();
        let range =
            validate_range(r.into_inner()).map_err(|p| p.under(&item("affected", i)).at(span))?;
        affected.push(range);
    }

    let fixed = raw.fixed.or_else(|| {
        let fixes: Vec<&str> = affected
            .iter()
            .filter_map(|r| r.fixed.as_ref().map(Version::as_str))
            .collect();
        (!fixes.is_empty()).then(|| fixes.join(", "))
    });

    let examples_span = raw.examples.span();
    let examples: Vec<Spanned<AdvisoryExample>> = raw.examples.into_inner();
    let advisory = Advisory {
        id: id.clone(),
        vendor: raw.vendor.get_ref().trim().to_string(),
        vendor_aliases: raw.vendor_aliases,
        product: raw.product.into_inner(),
        affected,
        fixed,
        cves,
        cvss,
        kev: *raw.kev.get_ref(),
        version_confidence: raw.version_confidence,
        title: raw.title.get_ref().trim().to_string(),
        description: raw.description.get_ref().trim().to_string(),
        remediation: raw.remediation.get_ref().trim().to_string(),
        references: raw
            .references
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        controls: raw.controls.into_inner(),
        lab: raw.lab,
        examples: Vec::new(),
        source: path.to_string(),
        product_re,
    };

    rule::both_outcomes(
        "examples",
        &examples,
        |e| e.get_ref().affected,
        "give at least one affected and one unaffected example",
    )
    .map_err(|p| p.at(examples_span))?;
    for (i, ex) in examples.iter().enumerate() {
        let e = ex.get_ref();
        let in_example = |m: String| Problem::new(item("examples", i), m).at(ex.span());
        if Version::parse(&e.version).is_none() {
            return Err(in_example(format!(
                "example version `{}` does not parse",
                e.version
            )));
        }
        let got = advisory
            .matches(&e.vendor, &e.product, &e.version)
            .is_some();
        if got != e.affected {
            return Err(in_example(format!(
                "example {} {} {} should be {} but the advisory says {}",
                e.vendor,
                e.product,
                e.version,
                if e.affected { "affected" } else { "unaffected" },
                if got { "affected" } else { "unaffected" },
            )));
        }
    }
    Ok(Advisory {
        examples: examples.into_iter().map(Spanned::into_inner).collect(),
        ..advisory
    })
}

/// An affected range; a problem's field is within the range (empty for
/// the range as a whole).
fn validate_range(r: RawRange) -> Result<Range, Problem> {
    let whole = |e: MatchRuleError| Problem::new("", e.to_string());
    let version = |field: &'static str, text: &Option<String>| {
        text.as_deref()
            .map(|t| {
                Version::parse(t).ok_or_else(|| MatchRuleError::NotAVersion {
                    field,
                    text: t.to_string(),
                })
            })
            .transpose()
            .map_err(whole)
    };
    let introduced = version("introduced", &r.introduced)?;
    let fixed = version("fixed", &r.fixed)?;
    let last_affected = version("last_affected", &r.last_affected)?;
    let order = match (&introduced, &fixed, &last_affected) {
        (_, None, None) => Err(MatchRuleError::Open),
        (_, Some(_), Some(_)) => Err(MatchRuleError::FixedAndLast),
        (Some(i), Some(f), None) if i >= f => Err(MatchRuleError::FixedFirst {
            introduced: i.to_string(),
            fixed: f.to_string(),
        }),
        (Some(i), None, Some(l)) if i > l => Err(MatchRuleError::LastFirst {
            introduced: i.to_string(),
            last: l.to_string(),
        }),
        _ => Ok(()),
    };
    order.map_err(whole)?;
    for v in [&introduced, &fixed, &last_affected].into_iter().flatten() {
        if v.is_distribution_build() {
            return Err(whole(MatchRuleError::Distribution(v.to_string())));
        }
    }
    let product_re = r
        .product
        .as_deref()
        .map(|p| rule::regex_ignoring_case("product", p))
        .transpose()?;
    Ok(Range {
        introduced,
        fixed,
        last_affected,
        product: r.product,
        product_re,
    })
}

fn is_cve_id(s: &str) -> bool {
    let mut parts = s.splitn(3, '-');
    parts.next() == Some("CVE")
        && parts
            .next()
            .is_some_and(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
        && parts
            .next()
            .is_some_and(|n| n.len() >= 4 && n.len() <= 7 && n.bytes().all(|b| b.is_ascii_digit()))
}

// ---------------------------------------------------------------------------
// CISA Known Exploited Vulnerabilities
// ---------------------------------------------------------------------------

/// One entry of the KEV catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KevEntry {
    /// The CVE id.
    #[serde(rename = "cveID")]
    pub cve_id: String,
    /// The vendor or project CISA names.
    pub vendor_project: String,
    /// The product CISA names.
    pub product: String,
    /// CISA's name for the vulnerability.
    pub vulnerability_name: String,
    /// YYYY-MM-DD.
    pub date_added: String,
    /// CISA's short description.
    pub short_description: String,
    /// The action CISA requires (usually: apply the vendor's update).
    pub required_action: String,
    /// YYYY-MM-DD.
    pub due_date: String,
    /// "Known" or "Unknown"; absent in older catalogues.
    #[serde(default)]
    pub known_ransomware_campaign_use: Option<String>,
    /// CISA's notes, usually links.
    #[serde(default)]
    pub notes: Option<String>,
    /// CWE ids (`CWE-787`).
    #[serde(default)]
    pub cwes: Vec<String>,
}

impl KevEntry {
    /// True when CISA knows of ransomware campaigns using it.
    pub fn ransomware(&self) -> bool {
        self.known_ransomware_campaign_use
            .as_deref()
            .is_some_and(|k| k.eq_ignore_ascii_case("known"))
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KevFile {
    title: String,
    catalog_version: String,
    date_released: String,
    vulnerabilities: Vec<KevEntry>,
}

/// The CISA Known Exploited Vulnerabilities catalogue (JSON), read from a
/// local file.
#[derive(Debug, Clone, Default)]
pub struct Kev {
    /// The catalogue's `title`.
    pub title: String,
    /// The catalogue's version (`catalogVersion`).
    pub catalog_version: String,
    /// When CISA released this version (`dateReleased`).
    pub date_released: String,
    entries: BTreeMap<String, KevEntry>,
}

/// A KEV file that cannot be used: names the file, and the line and column
/// for malformed JSON.
#[derive(Debug, thiserror::Error)]
pub enum KevError {
    /// The file could not be read.
    #[error("{file}: {source}")]
    Read {
        /// The KEV file's path.
        file: String,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// `message` is the parser's, without its position.
    #[error("{file}:{line}:{column}: not a CISA KEV catalogue: {message}")]
    Json {
        /// The KEV file's path.
        file: String,
        /// The line of the JSON error (1-based).
        line: usize,
        /// The column of the JSON error (1-based).
        column: usize,
        /// The parser's message, without its position.
        message: String,
        /// The parser's error.
        #[source]
        source: serde_json::Error,
    },
}

impl KevError {
    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            KevError::Read { file, .. } | KevError::Json { file, .. } => file,
        }
    }
}

impl Kev {
    /// Reads the catalogue from a local file.
    pub fn load(path: &Path) -> Result<Kev, KevError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| KevError::Read {
            file: file.clone(),
            source,
        })?;
        Kev::parse(&text).map_err(|e| {
            let (line, column) = (e.line(), e.column());
            let message = e.to_string();
            let message = message
                .strip_suffix(&format!(" at line {line} column {column}"))
                .unwrap_or(&message)
                .to_string();
            KevError::Json {
                file,
                line,
                column,
                message,
                source: e,
            }
        })
    }

    /// Parses the catalogue's JSON.
    pub fn parse(text: &str) -> Result<Kev, serde_json::Error> {
        let f: KevFile = serde_json::from_str(text)?;
        let entries = f
            .vulnerabilities
            .into_iter()
            .map(|e| (e.cve_id.trim().to_ascii_uppercase(), e))
            .collect();
        Ok(Kev {
            title: f.title,
            catalog_version: f.catalog_version,
            date_released: f.date_released,
            entries,
        })
    }

    /// Whether the CVE (any case) is in the catalogue.
    pub fn contains(&self, cve: &str) -> bool {
        self.entry(cve).is_some()
    }

    /// The entry for a CVE id (any case), if the catalogue lists it.
    pub fn entry(&self, cve: &str) -> Option<&KevEntry> {
        self.entries.get(&cve.trim().to_ascii_uppercase())
    }

    /// How many CVEs the catalogue lists.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when the catalogue lists none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Every entry, by CVE id.
    pub fn entries(&self) -> impl Iterator<Item = &KevEntry> {
        self.entries.values()
    }
}

#[cfg(test)]
#[path = "firmware_tests.rs"]
mod tests;
