//! Checks as data: `checks/**/*.toml` describe when an observation is a
//! finding. This module loads and validates them (unique stable ids, known
//! facts, existing baseline controls, severities consistent with their
//! scores, examples that fire and pass); [`eval`] applies them.

pub mod advisory;
pub mod eval;
pub mod lang;
pub mod nvd;

use crate::knowledge::{CheckLoadError, as_refs, embedded, read_data_dir};

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::baseline::{Baselines, EvidenceKind};
use crate::facts;
use crate::knowledge::validate::{self as rule, Ids, Problem, item};
use crate::model::{Category, Confidence, FactValue, Severity};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckFile {
    #[serde(rename = "check", default)]
    checks: Vec<Spanned<RawCheck>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    id: Spanned<String>,
    name: String,
    title: String,
    description: String,
    remediation: String,
    category: Category,
    #[serde(default)]
    evidence: EvidenceKind,
    severity: Severity,
    security_severity: Spanned<f64>,
    #[serde(default = "high")]
    confidence: Confidence,
    controls: Spanned<Vec<String>>,
    message: Spanned<String>,
    /// Facts copied into the finding's properties (not its message).
    properties: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    references: Vec<String>,
    when: Spanned<Condition>,
    #[serde(default)]
    examples: Vec<Spanned<Example>>,
}

fn high() -> Confidence {
    Confidence::High
}

/// When a check fires, evaluated against one observation.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The observation's protocol is one of these (`http`, `telnet`...).
    #[serde(default)]
    pub protocol: Vec<String>,
    /// The service speaks TLS from the first byte (true) or not (false);
    /// absent: either. A STARTTLS service (SMTP, FTP, IMAP, POP3, LDAP) is
    /// `false` here even when its TLS was assessed.
    pub tls: Option<bool>,
    /// Every test holds.
    #[serde(default)]
    pub all: Vec<FactTest>,
    /// At least one test holds (when any are given).
    #[serde(default)]
    pub any: Vec<FactTest>,
    /// No test holds.
    #[serde(default)]
    pub none: Vec<FactTest>,
}

/// A test on one fact. With only `fact`, the fact must exist; every other
/// field given must hold too.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FactTest {
    /// The fact tested (`http.server`, `tls.version`...).
    pub fact: String,
    /// `false`: the fact must be absent (the other fields are then not
    /// looked at); `true` or unset: it must exist.
    pub exists: Option<bool>,
    /// The fact must equal this value (text compared ignoring case).
    pub equals: Option<FactValue>,
    /// Case-insensitive: the value is one of these.
    pub one_of: Option<Vec<String>>,
    /// Case-insensitive substring.
    pub contains: Option<String>,
    /// The fact is an integer below this.
    pub less_than: Option<i64>,
    /// The fact is an integer above this.
    pub greater_than: Option<i64>,
}

/// An example observation and whether the check must fire on it.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// A name for the example, in the data test's failure message.
    pub name: String,
    /// The observation's protocol (`http`, `ssh`...).
    pub protocol: String,
    /// Whether the observation ran inside TLS.
    #[serde(default)]
    pub tls: bool,
    /// The observation's facts.
    #[serde(default)]
    pub facts: BTreeMap<String, FactValue>,
    /// Whether the check must fire on it (the data test asserts it).
    pub fires: bool,
}

/// A validated check.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Stable id (`id` in the file), the SARIF rule id.
    pub id: String,
    /// PascalCase name (SARIF `rule.name`).
    pub name: String,
    /// One-line English title (SARIF `shortDescription`, the reports).
    pub title: String,
    /// What the weakness is and why it matters (SARIF `fullDescription`).
    pub description: String,
    /// What to do about it (SARIF `help`).
    pub remediation: String,
    /// The category the outputs group and tag findings by.
    pub category: Category,
    /// What a judgement of this check stands on (`compliance`
    /// counts it for the check's controls).
    pub evidence: EvidenceKind,
    /// How serious a finding is.
    pub severity: Severity,
    /// CVSS-like score, 0.0 to 10.0.
    pub security_severity: f64,
    /// How sure a finding of the check is.
    pub confidence: Confidence,
    /// Baseline control ids it evidences (`bio2:8.24`, `etsi:5.1-3`...).
    pub controls: Vec<String>,
    /// Message template: `{endpoint}`, `{service}`, `{host}` and fact names
    /// in braces are replaced. Never a volatile fact
    /// ([`facts::VOLATILE`]): a message stays the same from run to run.
    pub message: String,
    /// Facts the finding carries as properties besides those of `when`
    /// (times, counters, samples: what may change between runs).
    pub properties: Vec<String>,
    /// Links to the standards and advisories behind it.
    pub references: Vec<String>,
    /// When it fires: the condition on an observation's protocol and facts.
    pub when: Condition,
    /// Observations it must or must not fire on: loading wants one of each,
    /// the data test runs them.
    pub examples: Vec<Example>,
    /// The file it came from (for messages).
    pub source: String,
    /// Title, description and remediation in Dutch (`checks/lang/nl.toml`).
    pub nl: Option<lang::Wording>,
}

impl Check {
    /// The title in the reader's language (English when no Dutch exists).
    pub fn title_in(&self, dutch: bool) -> &str {
        match (&self.nl, dutch) {
            (Some(w), true) => &w.title,
            _ => &self.title,
        }
    }

    /// The remediation in the reader's language.
    pub fn remediation_in(&self, dutch: bool) -> &str {
        match (&self.nl, dutch) {
            (Some(w), true) => &w.remediation,
            _ => &self.remediation,
        }
    }
}

/// Every check, in id order.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    /// The checks, in id order.
    pub checks: Vec<Check>,
    /// The Dutch wording of every rule (checks and advisories), by id.
    pub dutch: BTreeMap<String, lang::Wording>,
}

impl Catalogue {
    /// The built-in checks, validated against the built-in baselines.
    pub fn embedded(baselines: &Baselines) -> Result<Catalogue, CheckLoadError> {
        // With the lab's files, when the binary added them: their Dutch
        // wording rides along (the lab's checks are advisories only).
        let files: Vec<(&str, &str)> = embedded::check_files().copied().collect();
        Catalogue::parse(&files, baselines)
    }

    /// Checks from every `*.toml` under `dir`.
    pub fn from_dir(dir: &Path, baselines: &Baselines) -> Result<Catalogue, CheckLoadError> {
        let texts = read_data_dir(dir, "checks")?;
        Catalogue::parse(&as_refs(&texts), baselines)
    }

    /// Parses and validates check files given as (path, text).
    pub fn parse(
        files: &[(&str, &str)],
        baselines: &Baselines,
    ) -> Result<Catalogue, CheckLoadError> {
        let check_files: Vec<(&str, &str)> = files
            .iter()
            .filter(|(p, _)| is_check_file(p))
            .copied()
            .collect();
        let mut ids = Ids::new("check");
        let mut checks = rule::load_entries(
            &check_files,
            "check",
            |_, f: CheckFile| f.checks,
            |raw: &RawCheck| raw.id.get_ref().clone(),
            |place, raw| {
                let check = validate(raw, place.path(), baselines)?;
                ids.claim(&check.id, place)?;
                Ok(check)
            },
        )?;
        checks.sort_by(|a, b| a.id.cmp(&b.id));
        let dutch = lang::dutch(files)?;
        for c in &mut checks {
            c.nl = dutch.get(&c.id).cloned();
        }
        Ok(Catalogue { checks, dutch })
    }

    /// The check with id `id`.
    pub fn get(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }
}

fn validate(raw: RawCheck, path: &str, baselines: &Baselines) -> Result<Check, Problem> {
    let id = raw.id.get_ref();
    rule::id("id", id).map_err(|p| p.at(raw.id.span()))?;
    if raw.name.is_empty() || !raw.name.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(Problem::new(
            "name",
            "the name is PascalCase letters and digits",
        ));
    }
    rule::text("title", &raw.title)?;
    rule::text("description", &raw.description)?;
    rule::text("remediation", &raw.remediation)?;
    let score = *raw.security_severity.get_ref();
    let band = match score {
        s if s >= 9.0 => Severity::Critical,
        s if s >= 7.0 => Severity::High,
        s if s >= 4.0 => Severity::Medium,
        s if s > 0.0 => Severity::Low,
        _ => Severity::Info,
    };
    if !(0.0..=10.0).contains(&score) || band != raw.severity {
        return Err(Problem::new(
            "security_severity",
            format!(
                "{score} does not fit severity `{}` (critical >= 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9)",
                raw.severity
            ),
        )
        .at(raw.security_severity.span()));
    }
    rule::controls(
        "controls",
        raw.controls.get_ref(),
        "check",
        "bio2:...",
        |c| baselines.control(c).is_some(),
    )
    .map_err(|p| p.at(raw.controls.span()))?;
    let when = raw.when.get_ref();
    for t in when.all.iter().chain(&when.any).chain(&when.none) {
        rule::known_fact("when", "fact", &t.fact).map_err(|p| p.at(raw.when.span()))?;
    }
    let in_message = |m: String| Problem::new("message", m).at(raw.message.span());
    for name in placeholders(raw.message.get_ref()) {
        if !matches!(name, "endpoint" | "service" | "host") && !facts::is_known(name) {
            return Err(in_message(format!(
                "placeholder `{{{name}}}` is neither endpoint/service/host nor a known fact"
            )));
        }
        if facts::is_volatile(name) {
            return Err(in_message(format!(
                "placeholder `{{{name}}}` changes from run to run (a time, counter or \
                 device-made sample), so the finding would read as changed on every run: \
                 name it in `properties` instead"
            )));
        }
    }
    for (name, span) in raw
        .properties
        .iter()
        .flat_map(|p| p.get_ref().iter().map(|n| (n, p.span())))
    {
        rule::known_fact("properties", "fact", name).map_err(|p| p.at(span))?;
    }
    rule::both_outcomes(
        "examples",
        &raw.examples,
        |e| e.get_ref().fires,
        "give at least one example that fires and one that passes",
    )?;
    for (i, ex) in raw.examples.iter().enumerate() {
        for k in ex.get_ref().facts.keys() {
            rule::known_fact(&item("examples", i), "example fact", k)
                .map_err(|p| p.at(ex.span()))?;
        }
    }
    Ok(Check {
        id: id.clone(),
        name: raw.name,
        title: raw.title.trim().to_string(),
        description: raw.description.trim().to_string(),
        remediation: raw.remediation.trim().to_string(),
        category: raw.category,
        evidence: raw.evidence,
        severity: raw.severity,
        security_severity: score,
        confidence: raw.confidence,
        controls: raw.controls.into_inner(),
        message: raw.message.into_inner(),
        properties: raw.properties.map(Spanned::into_inner).unwrap_or_default(),
        references: raw.references,
        when: raw.when.into_inner(),
        examples: raw.examples.into_iter().map(Spanned::into_inner).collect(),
        source: path.to_string(),
        nl: None,
    })
}

/// Folders under `checks/` that hold other kinds of data (fingerprints,
/// firmware advisories), loaded by their own modules.
pub const OTHER_DATA: &[&str] = &[
    "fingerprints",
    "firmware",
    "device-info",
    "credentials",
    lang::DIR,
    "identify",
    "rtsp-streams",
    "cpe",
];

/// True for a `[[check]]` file, false for fingerprint and advisory files.
pub fn is_check_file(path: &str) -> bool {
    let p = path.replace('\\', "/");
    !OTHER_DATA
        .iter()
        .any(|d| p.contains(&format!("/{d}/")) || p.starts_with(&format!("{d}/")))
}

/// Names between braces in a message template.
pub fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name))
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
[[check]]
id = "demo-check"
name = "DemoCheck"
title = "Demo"
description = "A demo."
remediation = "Fix it."
category = "cleartext-admin"
severity = "high"
security_severity = 7.5
controls = ["bio2:8.20"]
message = "Telnet on {endpoint}: {telnet.login_prompt}"
when = { protocol = ["telnet"], all = [{ fact = "telnet.login_prompt" }] }
examples = [
  { name = "fires", protocol = "telnet", facts = { "telnet.login_prompt" = "login:" }, fires = true },
  { name = "passes", protocol = "ssh", fires = false },
]
"#;

    fn parse(text: &str) -> Result<Catalogue, CheckLoadError> {
        Catalogue::parse(&[("checks/t.toml", text)], &Baselines::embedded().unwrap())
    }

    #[test]
    fn fingerprint_and_firmware_files_are_not_checks() {
        assert!(is_check_file("checks/exposure/x.toml"));
        assert!(!is_check_file("checks/fingerprints/cameras.toml"));
        assert!(!is_check_file("/etc/stadscan/checks/firmware/openssh.toml"));
        let c = Catalogue::parse(
            &[(
                "checks/fingerprints/x.toml",
                "[[fingerprint]]\nid = \"x\"\n",
            )],
            &Baselines::embedded().unwrap(),
        )
        .unwrap();
        assert!(c.checks.is_empty());
    }

    #[test]
    fn a_valid_check_loads() {
        let c = parse(BASE).unwrap();
        assert_eq!(c.checks.len(), 1);
        assert_eq!(c.checks[0].category, Category::CleartextAdmin);
    }

    #[test]
    fn unknown_fact_names_file_line_and_check() {
        let text = BASE.replace("fact = \"telnet.login_prompt\"", "fact = \"telnet.prompt\"");
        let e = parse(&text).unwrap_err();
        assert_eq!(e.file, "checks/t.toml");
        assert_eq!(e.line, 13);
        assert!(e.to_string().contains("telnet.prompt"), "{e}");
        assert!(e.field.starts_with("demo-check"), "{e}");
    }

    #[test]
    fn severity_must_fit_its_score() {
        let e = parse(&BASE.replace("7.5", "4.0")).unwrap_err();
        assert!(e.to_string().contains("security_severity"), "{e}");
    }

    #[test]
    fn unknown_control_is_rejected() {
        let e = parse(&BASE.replace("bio2:8.20", "bio2:42.1")).unwrap_err();
        assert!(e.to_string().contains("bio2:42.1"), "{e}");
    }

    #[test]
    fn a_check_without_a_bio2_control_is_rejected() {
        let e = parse(&BASE.replace("\"bio2:8.20\"", "\"etsi:5.1-3\"")).unwrap_err();
        assert!(e.to_string().contains("BIO2"), "{e}");
    }

    #[test]
    fn unknown_category_is_rejected_with_its_line() {
        let e = parse(&BASE.replace("cleartext-admin", "cleartext")).unwrap_err();
        assert_eq!(e.line, 8, "{e}");
    }

    #[test]
    fn duplicate_ids_are_rejected() {
        let e = parse(&format!("{BASE}{BASE}")).unwrap_err();
        assert!(e.to_string().contains("defined twice"), "{e}");
        assert_eq!((e.line, e.field.as_str()), (19, "demo-check: id"), "{e}");
        assert!(e.message.ends_with("(first at checks/t.toml:2)"), "{e}");
    }

    #[test]
    fn examples_must_cover_both_outcomes() {
        let text = BASE.replace(
            "{ name = \"passes\", protocol = \"ssh\", fires = false },",
            "",
        );
        assert!(parse(&text).unwrap_err().to_string().contains("examples"));
    }

    #[test]
    fn unknown_placeholder_is_rejected() {
        let e = parse(&BASE.replace("{endpoint}", "{ip}")).unwrap_err();
        assert!(e.to_string().contains("{ip}"), "{e}");
    }

    #[test]
    fn a_volatile_fact_in_the_message_is_rejected_and_allowed_as_property() {
        let volatile = BASE.replace("{telnet.login_prompt}", "{cred.verified_at}");
        let e = parse(&volatile).unwrap_err();
        assert_eq!(
            (e.line, e.field.as_str()),
            (12, "demo-check: message"),
            "{e}"
        );
        assert!(e.message.contains("properties"), "{e}");
        let moved = BASE.replace("when = {", "properties = [\"cred.verified_at\"]\nwhen = {");
        let c = parse(&moved).unwrap();
        assert_eq!(c.checks[0].properties, ["cred.verified_at"]);
        let unknown = BASE.replace("when = {", "properties = [\"no.such\"]\nwhen = {");
        let e = parse(&unknown).unwrap_err();
        assert_eq!(e.field, "demo-check: properties", "{e}");
    }

    #[test]
    fn property_facts_become_evidence_but_never_the_message() {
        let text = BASE.replace("when = {", "properties = [\"cred.verified_at\"]\nwhen = {");
        let c = parse(&text).unwrap();
        let mut obs = crate::model::Observation::new(
            crate::model::Endpoint::tcp("127.0.0.1".parse().unwrap(), 23),
            None,
        );
        obs.protocol = "telnet".into();
        obs.set("telnet.login_prompt", "login:");
        obs.set("cred.verified_at", "2026-12-06T02:00:00Z");
        let f = eval::apply(&c.checks[0], &obs, "a").unwrap();
        assert_eq!(f.evidence["cred.verified_at"], "2026-12-06T02:00:00Z");
        assert_eq!(f.evidence["telnet.login_prompt"], "login:");
        assert!(!f.message.contains("2026"), "{}", f.message);
    }
}
