//! Device identification as data: `checks/fingerprints/*.toml` say what a
//! device is from what its services already told the probes (an HTTP
//! `Server` header, an SSH identification, an SNMP `sysDescr`, a certificate
//! subject...). This module loads and validates them with the same house
//! rules as checks (file:line:field errors, unknown fields rejected, known
//! facts only, every fingerprint proves itself with examples) and applies
//! them to observations.
//!
//! A fingerprint file holds `[[fingerprint]]` tables:
//!
//! ```toml
//! [[fingerprint]]
//! id = "axis-ftp-banner"                # stable, lowercase letters, digits, dashes
//! description = "Axis camera FTP greeting naming model and firmware"
//! protocol = ["ftp"]                    # optional: only observations of these protocols
//! match = [                             # every matcher must match (regexes ignore case
//!   { fact = "ftp.banner", regex = '^AXIS (\S+) .*? (\d+(?:\.\d+)+) ' },  # unless
//! ]                                     # `case_sensitive = true`)
//! vendor = "Axis Communications"        # templates: `${1}` or `${name}` from any
//! product = "AXIS ${1}"                 # matcher's capture groups, `$$` for a dollar;
//! version = "${2}"                      # a group that did not take part, or a blank
//!                                       # result, means "not known" (None)
//! class = "camera"                      # a DeviceClass, kebab-case
//! confidence = "high"                   # low | medium (default) | high
//! generic = false                       # true: names software found on many kinds of
//!                                       # device (OpenSSH, lighttpd), not the device
//! examples = [                          # at least one; omitted vendor/product/version
//!   { protocol = "ftp", facts = { "ftp.banner" = "AXIS M3045-V Network Camera 9.80.1 (2021) ready." },
//!     vendor = "Axis Communications", product = "AXIS M3045-V", version = "9.80.1", class = "camera" },
//! ]                                     # expect None; an omitted class expects `class`
//! ```
//!
//! Loading fails unless every example is identified, by `identify`, as its own
//! fingerprint with exactly the declared outputs: an earlier fingerprint that
//! swallows a later one's example is a load error, not a silent misreading.

use std::collections::BTreeMap;
use std::path::Path;

use regex::Captures;
use serde::Deserialize;
use toml::Spanned;

use crate::knowledge::CheckLoadError;
use crate::knowledge::pattern::Pattern;
use crate::knowledge::validate::{self as rule, Ids, Place, Problem, item};
use crate::model::{Confidence, FactValue, Facts, Observation};

/// Largest compiled program (and lazy DFA cache) one fingerprint regex may use.
pub const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Longest regex source accepted.
const REGEX_MAX_LEN: usize = 1000;
/// Longest output template accepted.
const TEMPLATE_MAX_LEN: usize = 200;
/// Where the embedded fingerprint files live among `checks/`.
const EMBEDDED_PREFIX: &str = "checks/fingerprints/";

/// The protocols an observation can carry (`Observation::protocol`).
pub const PROTOCOLS: &[&str] = &[
    "http",
    "ssh",
    "ftp",
    "telnet",
    "rtsp",
    "mqtt",
    "snmp",
    "tls",
    "smtp",
    "imap",
    "pop3",
    "ldap",
    "coap",
    "modbus",
    "bacnet",
    "ssdp",
    "ws-discovery",
    "unknown",
];

pub use crate::model::{DeviceClass, UnknownDeviceClass};

/// What a fingerprint says a device is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeviceIdentity {
    /// The vendor (a fingerprint's `vendor` template, or another
    /// identification layer); `None` when not known.
    pub vendor: Option<String>,
    /// The product or model; `None` when not known.
    pub product: Option<String>,
    /// The firmware or software version; `None` when not known.
    pub version: Option<String>,
    /// The device class (`Unknown` when no layer gave one).
    pub class: DeviceClass,
    /// Id of the fingerprint that matched.
    pub fingerprint: String,
    /// How sure the identification is.
    pub confidence: Confidence,
}

impl DeviceIdentity {
    /// 3 with a version, 2 with a product, 1 with a vendor only, else 0.
    pub fn specificity(&self) -> u8 {
        if self.version.is_some() {
            3
        } else if self.product.is_some() {
            2
        } else if self.vendor.is_some() {
            1
        } else {
            0
        }
    }
}

/// One validated fingerprint.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    /// Stable id (`id`), unique over the fingerprint files.
    pub id: String,
    /// What the fingerprint recognises (`description`).
    pub description: String,
    /// Observation protocols it applies to; empty: any.
    pub protocol: Vec<String>,
    /// The class it gives a device (`class`).
    pub class: DeviceClass,
    /// How sure an identification by it is (`confidence`, default medium).
    pub confidence: Confidence,
    /// Names software found on many kinds of device rather than the device:
    /// [`Fingerprints::identify_asset`] prefers any other identity over it.
    pub generic: bool,
    /// Observations it must identify, checked when the files load.
    pub examples: Vec<FingerprintExample>,
    /// The file it came from and the line of its `[[fingerprint]]` table.
    pub source: String,
    /// The line of its `[[fingerprint]]` table in that file.
    pub line: usize,
    matchers: Vec<Matcher>,
    vendor: Option<Template>,
    product: Option<Template>,
    version: Option<Template>,
}

/// An example observation and the identity it must produce.
#[derive(Debug, Clone, PartialEq)]
pub struct FingerprintExample {
    /// The observation's protocol.
    pub protocol: String,
    /// The observation's facts.
    pub facts: Facts,
    /// The expected vendor; `None` expects none.
    pub vendor: Option<String>,
    /// The expected product; `None` expects none.
    pub product: Option<String>,
    /// The expected version; `None` expects none.
    pub version: Option<String>,
    /// The expected class (the fingerprint's own when the example omits it).
    pub class: DeviceClass,
    /// Line of the example in its file.
    pub line: usize,
}

#[derive(Debug, Clone)]
struct Matcher {
    fact: String,
    regex: Pattern,
    /// Line of the regex in its file (for errors found when it compiles).
    line: usize,
}

impl Fingerprint {
    /// The identity this fingerprint gives one observation, if it matches.
    pub fn identify(&self, protocol: &str, facts: &Facts) -> Option<DeviceIdentity> {
        if !self.protocol.is_empty() && !self.protocol.iter().any(|p| p == protocol) {
            return None;
        }
        let values: Vec<String> = self
            .matchers
            .iter()
            .map(|m| facts.get(&m.fact).map(FactValue::render))
            .collect::<Option<_>>()?;
        let captures: Vec<Captures<'_>> = self
            .matchers
            .iter()
            .zip(&values)
            .map(|(m, v)| m.regex.captures(v))
            .collect::<Option<_>>()?;
        let render = |t: &Option<Template>| t.as_ref().and_then(|t| t.render(&captures));
        Some(DeviceIdentity {
            vendor: render(&self.vendor),
            product: render(&self.product),
            version: render(&self.version),
            class: self.class,
            fingerprint: self.id.clone(),
            confidence: self.confidence,
        })
    }
}

/// Every fingerprint, in file order and then order in the file.
#[derive(Debug, Clone, Default)]
pub struct Fingerprints {
    list: Vec<Fingerprint>,
}

impl Fingerprints {
    /// The built-in fingerprints: the embedded `checks/fingerprints/*.toml`.
    pub fn embedded() -> Result<Fingerprints, CheckLoadError> {
        let files = crate::knowledge::embedded::under(EMBEDDED_PREFIX);
        // The embedded files are the ones the test suite verifies
        // (`verify`: every regex compiled, every example identified); a
        // scan does not pay for that again at each start.
        Fingerprints::parse_unverified(&files)
    }

    /// Fingerprints from the `*.toml` files under `dir/fingerprints/` when
    /// that folder exists (so the directory given to `--checks` works), else
    /// under `dir` itself; in path order.
    pub fn from_dir(dir: &Path) -> Result<Fingerprints, CheckLoadError> {
        let sub = dir.join("fingerprints");
        let root = if sub.is_dir() { sub } else { dir.to_path_buf() };
        let texts = crate::knowledge::read_data_dir(&root, "fingerprints")?;
        Fingerprints::parse(&crate::knowledge::as_refs(&texts))
    }

    /// Parses and validates fingerprint files given as (path, text), in
    /// order, and [verifies](Fingerprints::verify) them.
    pub fn parse(files: &[(&str, &str)]) -> Result<Fingerprints, CheckLoadError> {
        let fingerprints = Fingerprints::parse_unverified(files)?;
        fingerprints.verify()?;
        Ok(fingerprints)
    }

    /// Everything a file's own text can show, without compiling the
    /// regexes or running the examples.
    fn parse_unverified(files: &[(&str, &str)]) -> Result<Fingerprints, CheckLoadError> {
        let mut ids = Ids::new("fingerprint");
        let list = rule::load_entries(
            files,
            "fingerprint",
            |_, f: FingerprintFile| f.fingerprints,
            |raw: &RawFingerprint| raw.id.get_ref().clone(),
            |place, raw| {
                let fp = validate(raw, place)?;
                ids.claim(&fp.id, place)?;
                Ok(fp)
            },
        )?;
        Ok(Fingerprints { list })
    }

    /// Compiles every regex and checks every example: what `checks lint`
    /// and loading a data folder run, and the tests run on the embedded
    /// files.
    pub fn verify(&self) -> Result<(), CheckLoadError> {
        for fp in &self.list {
            for (i, m) in fp.matchers.iter().enumerate() {
                m.regex.compile().map_err(|e| {
                    let problem = Problem::new(
                        format!("{}.regex", item("match", i)),
                        format!("the regex does not compile: {e}"),
                    );
                    CheckLoadError::from_problem(&fp.source, m.line, &fp.id, problem)
                })?;
            }
        }
        self.check_examples()
    }

    /// How many fingerprints there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when there are no fingerprints.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The fingerprints in matching order.
    pub fn iter(&self) -> impl Iterator<Item = &Fingerprint> {
        self.list.iter()
    }

    /// The fingerprint with id `id`.
    pub fn get(&self, id: &str) -> Option<&Fingerprint> {
        self.list.iter().find(|f| f.id == id)
    }

    /// First fingerprint (file order, then order in the file) that matches one
    /// observation.
    pub fn identify(&self, protocol: &str, facts: &Facts) -> Option<DeviceIdentity> {
        self.first_match(protocol, facts)
            .map(|(_, identity)| identity)
    }

    /// The best identity over all observations of one address: more specific
    /// wins (version > product > vendor only), then higher confidence; class
    /// from the best match that has one (not `unknown`).
    ///
    /// Identities from `generic` fingerprints (software that runs on many
    /// kinds of device: OpenSSH, lighttpd, a Linux kernel) rank below every
    /// device-specific identity, so "OpenSSH 9.2p1" never hides "Hikvision
    /// camera". Ties keep the earlier observation.
    pub fn identify_asset(&self, observations: &[Observation]) -> Option<DeviceIdentity> {
        let mut found: Vec<(bool, DeviceIdentity)> = observations
            .iter()
            .filter_map(|o| self.first_match(&o.protocol, &o.facts))
            .map(|(fp, identity)| (fp.generic, identity))
            .collect();
        let rank =
            |(generic, id): &(bool, DeviceIdentity)| (!generic, id.specificity(), id.confidence);
        // Stable: among equal ranks the earlier observation stays first.
        found.sort_by_key(|f| std::cmp::Reverse(rank(f)));
        let class = found
            .iter()
            .map(|(_, id)| id.class)
            .find(|c| *c != DeviceClass::Unknown)
            .unwrap_or(DeviceClass::Unknown);
        let (_, mut best) = found.into_iter().next()?;
        best.class = class;
        Some(best)
    }

    /// The first fingerprint that matches one observation, with the
    /// identity it gives.
    pub fn first_match(
        &self,
        protocol: &str,
        facts: &Facts,
    ) -> Option<(&Fingerprint, DeviceIdentity)> {
        self.list
            .iter()
            .find_map(|fp| fp.identify(protocol, facts).map(|id| (fp, id)))
    }

    /// Every example must be identified as its own fingerprint, with exactly
    /// the outputs it declares.
    fn check_examples(&self) -> Result<(), CheckLoadError> {
        for fp in &self.list {
            for (i, ex) in fp.examples.iter().enumerate() {
                let fail = |message: String| {
                    let problem = Problem::new(item("examples", i), message);
                    CheckLoadError::from_problem(&fp.source, ex.line, &fp.id, problem)
                };
                let Some(own) = fp.identify(&ex.protocol, &ex.facts) else {
                    return Err(fail("the example does not match its fingerprint".into()));
                };
                let expected = [
                    ("vendor", &ex.vendor, &own.vendor),
                    ("product", &ex.product, &own.product),
                    ("version", &ex.version, &own.version),
                ];
                for (field, want, got) in expected {
                    if want != got {
                        return Err(fail(format!(
                            "expects {field} {}, the fingerprint gives {}",
                            show(want),
                            show(got)
                        )));
                    }
                }
                if ex.class != own.class {
                    return Err(fail(format!(
                        "expects class `{}`, the fingerprint gives `{}`",
                        ex.class, own.class
                    )));
                }
                if let Some((first, _)) = self.first_match(&ex.protocol, &ex.facts)
                    && first.id != fp.id
                {
                    return Err(fail(format!(
                        "fingerprint `{}` ({}:{}) matches this example first; narrow it or order `{}` before it",
                        first.id, first.source, first.line, fp.id
                    )));
                }
            }
        }
        Ok(())
    }
}

fn show(v: &Option<String>) -> String {
    match v {
        Some(s) => format!("`{s}`"),
        None => "none".to_string(),
    }
}

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FingerprintFile {
    #[serde(rename = "fingerprint", default)]
    fingerprints: Vec<Spanned<RawFingerprint>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFingerprint {
    id: Spanned<String>,
    description: Spanned<String>,
    protocol: Option<Spanned<Vec<String>>>,
    #[serde(rename = "match")]
    matchers: Spanned<Vec<Spanned<RawMatcher>>>,
    vendor: Option<Spanned<String>>,
    product: Option<Spanned<String>>,
    version: Option<Spanned<String>>,
    class: DeviceClass,
    #[serde(default = "medium")]
    confidence: Confidence,
    #[serde(default)]
    generic: bool,
    examples: Option<Spanned<Vec<Spanned<RawExample>>>>,
}

fn medium() -> Confidence {
    Confidence::Medium
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatcher {
    fact: Spanned<String>,
    regex: Spanned<String>,
    #[serde(default)]
    case_sensitive: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExample {
    protocol: String,
    #[serde(default)]
    facts: BTreeMap<String, FactValue>,
    vendor: Option<String>,
    product: Option<String>,
    version: Option<String>,
    class: Option<DeviceClass>,
}

fn validate(raw: RawFingerprint, place: &Place<'_>) -> Result<Fingerprint, Problem> {
    let id = raw.id.get_ref();
    rule::id("id", id).map_err(|p| p.at(raw.id.span()))?;
    let description = raw.description.get_ref().trim();
    rule::text("description", description).map_err(|p| p.at(raw.description.span()))?;
    let protocol = match raw.protocol {
        Some(p) => {
            if let Some(bad) = p
                .get_ref()
                .iter()
                .find(|p| !PROTOCOLS.contains(&p.as_str()))
            {
                return Err(Problem::new(
                    "protocol",
                    format!(
                        "unknown protocol `{bad}` (expected one of {})",
                        PROTOCOLS.join(", ")
                    ),
                )
                .at(p.span()));
            }
            p.into_inner()
        }
        None => Vec::new(),
    };
    rule::non_empty(
        "match",
        raw.matchers.get_ref(),
        "give at least one matcher: { fact = \"...\", regex = \"...\" }",
    )
    .map_err(|p| p.at(raw.matchers.span()))?;
    let mut matchers = Vec::new();
    for (i, m) in raw.matchers.into_inner().into_iter().enumerate() {
        let m = m.into_inner();
        let under = |p: Problem| p.under(&item("match", i));
        rule::known_fact("fact", "fact", m.fact.get_ref())
            .map_err(|p| under(p.at(m.fact.span())))?;
        let in_regex = |message: String| under(Problem::new("regex", message).at(m.regex.span()));
        let source = m.regex.get_ref();
        if source.is_empty() || source.len() > REGEX_MAX_LEN {
            return Err(in_regex(format!(
                "a regex is 1 to {REGEX_MAX_LEN} characters"
            )));
        }
        let regex = Pattern::new(source, !m.case_sensitive, REGEX_SIZE_LIMIT)
            .map_err(|e| in_regex(format!("the regex does not compile: {e}")))?;
        matchers.push(Matcher {
            line: place.line_of(&m.regex.span()),
            fact: m.fact.into_inner(),
            regex,
        });
    }
    let template = |t: Option<Spanned<String>>, field: &str| -> Result<Option<Template>, Problem> {
        let Some(t) = t else { return Ok(None) };
        let parsed = Template::parse(t.get_ref())
            .and_then(|tpl| tpl.check_groups(&matchers).map(|()| tpl))
            .map_err(|e| Problem::new(field, e.to_string()).at(t.span()))?;
        Ok(Some(parsed))
    };
    let vendor = template(raw.vendor, "vendor")?;
    let product = template(raw.product, "product")?;
    let version = template(raw.version, "version")?;
    if vendor.is_none() && product.is_none() && raw.class == DeviceClass::Unknown {
        return Err(Problem::new(
            "class",
            "a fingerprint names at least a vendor, a product or a class other than `unknown`",
        ));
    }
    let raw_examples = match raw.examples {
        Some(e) if !e.get_ref().is_empty() => e.into_inner(),
        other => {
            return Err(Problem::new(
                "examples",
                "give at least one example with the identity it must produce",
            )
            .at_opt(other.map(|e| e.span())));
        }
    };
    let mut examples = Vec::new();
    for (i, ex) in raw_examples.into_iter().enumerate() {
        let span = ex.span();
        let ex = ex.into_inner();
        let in_example = |m: String| Problem::new(item("examples", i), m).at(span.clone());
        if !PROTOCOLS.contains(&ex.protocol.as_str()) {
            return Err(in_example(format!("unknown protocol `{}`", ex.protocol)));
        }
        for k in ex.facts.keys() {
            rule::known_fact(&item("examples", i), "example fact", k)
                .map_err(|p| p.at(span.clone()))?;
        }
        examples.push(FingerprintExample {
            protocol: ex.protocol,
            facts: ex.facts,
            vendor: ex.vendor,
            product: ex.product,
            version: ex.version,
            class: ex.class.unwrap_or(raw.class),
            line: place.line_of(&span),
        });
    }
    Ok(Fingerprint {
        id: id.clone(),
        description: description.to_string(),
        protocol,
        class: raw.class,
        confidence: raw.confidence,
        generic: raw.generic,
        examples,
        source: place.path().to_string(),
        line: place.line(),
        matchers,
        vendor,
        product,
        version,
    })
}

// ---------------------------------------------------------------------------
// Output templates
// ---------------------------------------------------------------------------

/// `AXIS ${1}`, `${version}`, `$$` for a literal dollar.
#[derive(Debug, Clone, PartialEq)]
struct Template(Vec<Part>);

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Index(usize),
    Name(String),
}

/// An output template that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum TemplateError {
    #[error("a template is at most {TEMPLATE_MAX_LEN} characters")]
    TooLong,
    #[error("`$` starts a group reference `${{1}}` or `${{name}}`; write `$$` for a dollar sign")]
    Dollar,
    #[error("group `{0}` is too large")]
    TooLarge(String),
    #[error("`${{{0}}}` is neither a group number nor a group name")]
    NotAGroup(String),
    #[error("`${{{0}}}`: no matcher has capture group {0}")]
    NoGroup(usize),
    #[error("`${{{0}}}`: no matcher has a group named `{0}`")]
    NoName(String),
}

impl Template {
    fn parse(s: &str) -> Result<Template, TemplateError> {
        if s.len() > TEMPLATE_MAX_LEN {
            return Err(TemplateError::TooLong);
        }
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = s;
        while let Some(at) = rest.find('$') {
            text.push_str(&rest[..at]);
            let after = &rest[at + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                text.push('$');
                rest = tail;
                continue;
            }
            let group = after
                .strip_prefix('{')
                .and_then(|g| g.split_once('}'))
                .ok_or(TemplateError::Dollar)?;
            let (name, tail) = group;
            let part = if !name.is_empty() && name.chars().all(|c| c.is_ascii_digit()) {
                Part::Index(
                    name.parse()
                        .map_err(|_| TemplateError::TooLarge(name.to_string()))?,
                )
            } else if name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                Part::Name(name.to_string())
            } else {
                return Err(TemplateError::NotAGroup(name.to_string()));
            };
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(part);
            rest = tail;
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        Ok(Template(parts))
    }

    /// Every group the template names exists in at least one matcher.
    fn check_groups(&self, matchers: &[Matcher]) -> Result<(), TemplateError> {
        for part in &self.0 {
            match part {
                Part::Index(i) => {
                    if !matchers.iter().any(|m| *i < m.regex.captures_len()) {
                        return Err(TemplateError::NoGroup(*i));
                    }
                }
                Part::Name(n) => {
                    if !matchers
                        .iter()
                        .any(|m| m.regex.capture_names().any(|g| g == n))
                    {
                        return Err(TemplateError::NoName(n.clone()));
                    }
                }
                Part::Text(_) => {}
            }
        }
        Ok(())
    }

    /// Fills each group from the first matcher (in `match` order) where the
    /// group took part in the match. A group that took part nowhere (an
    /// optional group) makes the whole output "not known", as does a blank
    /// result; runs of whitespace become one space.
    fn render(&self, captures: &[Captures<'_>]) -> Option<String> {
        let mut out = String::new();
        for part in &self.0 {
            let group = match part {
                Part::Text(t) => {
                    out.push_str(t);
                    continue;
                }
                Part::Index(i) => captures.iter().find_map(|c| c.get(*i)),
                Part::Name(n) => captures.iter().find_map(|c| c.name(n)),
            };
            out.push_str(group?.as_str());
        }
        let out = out.split_whitespace().collect::<Vec<_>>().join(" ");
        (!out.is_empty()).then_some(out)
    }
}

#[cfg(test)]
#[path = "fingerprint_tests.rs"]
mod tests;
