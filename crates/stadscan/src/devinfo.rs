//! Device-information endpoints as data (`checks/device-info/*.toml`).
//!
//! Many web UIs of cameras, relays and gateways publish their model and
//! firmware on a documented page that needs no login. An endpoint entry says
//! when to ask (facts of the service's first answer must match: endpoints are
//! never sprayed at every web server), what to ask (method, path, body), and
//! what to take from the answer (regular expressions over the body).
//!
//! ```toml
//! [[endpoint]]
//! id = "shelly-gen2"
//! description = "Shelly Gen2+ relays: GET /shelly describes the device."
//! when = [{ fact = "http.title", regex = '(?i)\bshelly\b' }]   # any one suffices
//! method = "GET"                                               # GET (default) or POST
//! path = "/shelly"
//! extract = [
//!   { fact = "device_info.vendor", value = "Shelly" },          # a fixed value
//!   { fact = "device_info.model", regex = '"model"\s*:\s*"([^"]+)"' },  # group 1
//! ]
//! examples = [{ body = '{"model":"SNSW-001X16EU"}', facts = { "device_info.model" = "SNSW-001X16EU" } }]
//! ```
//!
//! An entry with `login = true` is asked only with a working credential
//! (after a default-credential test succeeded), never anonymously.

use std::collections::BTreeMap;
use std::path::Path;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::knowledge::CheckLoadError;
use crate::knowledge::validate::{self as rule, Ids, Problem, item};
use crate::model::{Evidence, Facts, Observation, clean_text};

/// Where the embedded endpoint files live.
const EMBEDDED_PREFIX: &str = "checks/device-info/";
/// Facts an endpoint may set start with this.
pub const FACT_PREFIX: &str = "device_info.";
/// Longest value taken from an answer.
const MAX_VALUE: usize = 120;

/// One device-information endpoint.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The entry's id (`id`), unique over the endpoint files.
    pub id: String,
    /// What the endpoint is and which devices publish it.
    pub description: String,
    /// Any one matching (fact, regex) pair makes the endpoint apply.
    pub when: Vec<(String, Regex)>,
    /// The request method.
    pub method: Method,
    /// The path asked for.
    pub path: String,
    /// Extra request headers (name, value), sorted by name.
    pub headers: Vec<(String, String)>,
    /// The request body (empty for a GET).
    pub body: String,
    /// The facts taken from the answer.
    pub extract: Vec<Extract>,
    /// Asked only with a working credential (`login = true`): the
    /// unauthenticated follow-up skips it, the credential tests ask it.
    pub login: bool,
}

/// The request method of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Method {
    /// `GET`, the default.
    #[serde(rename = "GET")]
    Get,
    /// `POST`, with the entry's `body`.
    #[serde(rename = "POST")]
    Post,
}

impl Method {
    /// The method as it goes on the request line.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A fact taken from an answer: a fixed value, or group 1 of a regex.
#[derive(Debug, Clone)]
pub struct Extract {
    /// The fact set, always under `device_info.` (e.g. `device_info.model`).
    pub fact: String,
    /// Where its value comes from.
    pub source: Source,
}

/// Where an extracted fact's value comes from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A fixed value, set when the answer is the expected one (one of the
    /// entry's regexes matched, or it has none).
    Value(String),
    /// Group 1 of a regular expression over the answer's body, cleaned and cut
    /// to 120 characters.
    Regex(Regex),
}

/// The loaded endpoints, in file order.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    list: Vec<Endpoint>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default, rename = "endpoint")]
    endpoints: Vec<Spanned<Raw>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    id: String,
    description: String,
    when: Vec<RawMatch>,
    #[serde(default = "get")]
    method: Method,
    path: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: String,
    #[serde(default)]
    login: bool,
    extract: Vec<RawExtract>,
    examples: Vec<RawExample>,
}

fn get() -> Method {
    Method::Get
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatch {
    fact: String,
    regex: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExtract {
    fact: String,
    regex: Option<String>,
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExample {
    body: String,
    facts: BTreeMap<String, String>,
}

impl Endpoints {
    /// The endpoints built into the binary.
    pub fn embedded() -> Result<Endpoints, CheckLoadError> {
        let files = crate::knowledge::embedded::under(EMBEDDED_PREFIX);
        Endpoints::parse(&files)
    }

    /// The `*.toml` files under `dir`, in path order.
    pub fn from_dir(dir: &Path) -> Result<Endpoints, CheckLoadError> {
        let texts = crate::knowledge::read_data_dir(dir, "device-info")?;
        Endpoints::parse(&crate::knowledge::as_refs(&texts))
    }

    /// Parses and validates endpoint files given as (path, text); every
    /// example must give exactly the facts it lists.
    pub fn parse(files: &[(&str, &str)]) -> Result<Endpoints, CheckLoadError> {
        let mut ids = Ids::new("endpoint");
        let list = rule::load_entries(
            files,
            "endpoint",
            |_, f: File| f.endpoints,
            |raw: &Raw| raw.id.clone(),
            |place, raw| {
                ids.claim(&raw.id, place)?;
                validate(raw)
            },
        )?;
        Ok(Endpoints { list })
    }

    /// How many endpoints there are.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// True when there are no endpoints.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The endpoints, in file order.
    pub fn iter(&self) -> impl Iterator<Item = &Endpoint> {
        self.list.iter()
    }

    /// The endpoints whose `when` matches the facts of a service's first
    /// answer, in file order.
    pub fn applicable<'a>(&'a self, facts: &'a Facts) -> impl Iterator<Item = &'a Endpoint> + 'a {
        self.list.iter().filter(move |e| {
            e.when
                .iter()
                .any(|(fact, re)| facts.get(fact).is_some_and(|v| re.is_match(&v.render())))
        })
    }
}

fn validate(raw: Raw) -> Result<Endpoint, Problem> {
    rule::id("id", &raw.id)?;
    rule::request_path("path", &raw.path)?;
    if raw.method == Method::Get && !raw.body.is_empty() {
        return Err(Problem::new("body", "a GET request carries no body"));
    }
    rule::non_empty(
        "when",
        &raw.when,
        "an endpoint needs at least one condition (endpoints are never asked of every server)",
    )?;
    let mut when = Vec::new();
    for (i, m) in raw.when.iter().enumerate() {
        let re = rule::regex("regex", &m.regex).map_err(|p| p.under(&item("when", i)))?;
        when.push((m.fact.clone(), re));
    }
    let mut extract = Vec::new();
    for (i, x) in raw.extract.iter().enumerate() {
        let under = |p: Problem| p.under(&item("extract", i));
        if !x.fact.starts_with(FACT_PREFIX) {
            return Err(under(Problem::new(
                "fact",
                format!("facts taken from device-information answers start with `{FACT_PREFIX}`"),
            )));
        }
        let source = match (&x.regex, &x.value) {
            (Some(r), None) => Source::Regex(rule::regex_with_group("regex", r).map_err(under)?),
            (None, Some(v)) => Source::Value(v.clone()),
            _ => {
                return Err(under(Problem::new(
                    "",
                    "give exactly one of `regex` and `value`",
                )));
            }
        };
        extract.push(Extract {
            fact: x.fact.clone(),
            source,
        });
    }
    let ep = Endpoint {
        id: raw.id,
        description: raw.description,
        when,
        method: raw.method,
        path: raw.path,
        headers: raw.headers.into_iter().collect(),
        body: raw.body,
        extract,
        login: raw.login,
    };
    rule::non_empty(
        "examples",
        &raw.examples,
        "every endpoint carries at least one example",
    )?;
    for (i, ex) in raw.examples.iter().enumerate() {
        let got: BTreeMap<String, String> =
            ep.extract_from(ex.body.as_bytes()).into_iter().collect();
        rule::example_gives(&item("examples", i), "the body", &ex.facts, &got)?;
    }
    Ok(ep)
}

impl Endpoint {
    /// Records what this endpoint's answer `body` gives: its facts (a fact
    /// already known is kept), and, for the first endpoint that gives any,
    /// its id, whether it answered without a login, and the answer as
    /// evidence. False when the answer gave nothing.
    pub fn apply(&self, body: &[u8], obs: &mut Observation, unauthenticated: bool) -> bool {
        let facts = self.extract_from(body);
        if facts.is_empty() {
            return false;
        }
        for (name, value) in facts {
            if obs.fact(&name).is_none() {
                obs.set(&name, value);
            }
        }
        if obs.fact("device_info.endpoint").is_none() {
            obs.set("device_info.endpoint", self.id.clone());
            obs.set("device_info.unauthenticated", unauthenticated);
            let label = if unauthenticated {
                "http-device-info"
            } else {
                "http-device-info-login"
            };
            obs.evidence.push(Evidence::from_bytes(label, body));
        }
        true
    }

    /// The facts this endpoint takes from an answer body (regexes that do
    /// not match set nothing; fixed values are set only when some regex
    /// matched, or when there is no regex at all).
    pub fn extract_from(&self, body: &[u8]) -> Vec<(String, String)> {
        let text = String::from_utf8_lossy(body);
        let mut out = Vec::new();
        let mut matched = false;
        let mut fixed = Vec::new();
        for x in &self.extract {
            match &x.source {
                Source::Value(v) => fixed.push((x.fact.clone(), v.clone())),
                Source::Regex(re) => {
                    if let Some(m) = re.captures(&text).and_then(|c| c.get(1)) {
                        let v = clean_text(m.as_str().as_bytes(), MAX_VALUE);
                        if !v.is_empty() {
                            matched = true;
                            out.push((x.fact.clone(), v));
                        }
                    }
                }
            }
        }
        let has_regex = self
            .extract
            .iter()
            .any(|x| matches!(x.source, Source::Regex(_)));
        if matched || !has_regex {
            out.extend(fixed);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FactValue;

    const ONE: &str = r#"
[[endpoint]]
id = "relay"
description = "a relay"
when = [{ fact = "http.title", regex = '(?i)relay' }]
path = "/info"
extract = [
  { fact = "device_info.vendor", value = "Acme" },
  { fact = "device_info.model", regex = '"model":"([^"]+)"' },
]
examples = [
  { body = '{"model":"R-1"}', facts = { "device_info.vendor" = "Acme", "device_info.model" = "R-1" } },
  { body = 'nothing here', facts = {} },
]
"#;

    #[test]
    fn embedded_endpoints_load_and_their_examples_hold() {
        let e = Endpoints::embedded().unwrap();
        assert!(e.len() >= 3, "{}", e.len());
    }

    #[test]
    fn endpoints_apply_only_when_a_condition_matches() {
        let e = Endpoints::parse(&[("x.toml", ONE)]).unwrap();
        let mut facts = Facts::new();
        assert_eq!(e.applicable(&facts).count(), 0);
        facts.insert("http.title".into(), FactValue::from("Office Relay"));
        assert_eq!(e.applicable(&facts).count(), 1);
        facts.insert("http.title".into(), FactValue::from("Router"));
        assert_eq!(e.applicable(&facts).count(), 0);
    }

    #[test]
    fn login_endpoints_are_marked_and_anonymous_ones_are_the_default() {
        let login = ONE.replace("path = \"/info\"", "path = \"/info\"\nlogin = true");
        let e = Endpoints::parse(&[("x.toml", &login)]).unwrap();
        assert!(e.iter().next().unwrap().login);
        let e = Endpoints::parse(&[("x.toml", ONE)]).unwrap();
        assert!(!e.iter().next().unwrap().login);
        let bad = ONE.replace("path = \"/info\"", "path = \"/info\"\nlogin = \"yes\"");
        assert!(Endpoints::parse(&[("x.toml", &bad)]).is_err());
    }

    #[test]
    fn applying_an_answer_records_facts_and_how_it_was_asked() {
        let e = Endpoints::parse(&[("x.toml", ONE)]).unwrap();
        let ep = e.iter().next().unwrap();
        let mut obs = Observation::new(
            crate::model::Endpoint::tcp("127.0.0.1".parse().unwrap(), 80),
            None,
        );
        assert!(!ep.apply(b"nothing", &mut obs, false));
        assert!(obs.fact("device_info.endpoint").is_none());
        assert!(ep.apply(b"{\"model\":\"R-3\"}", &mut obs, false));
        assert_eq!(obs.fact("device_info.model").unwrap().render(), "R-3");
        assert_eq!(
            obs.fact("device_info.unauthenticated").unwrap().render(),
            "false"
        );
        assert_eq!(obs.evidence[0].probe, "http-device-info-login");
        // A second answer adds nothing over known facts.
        assert!(ep.apply(b"{\"model\":\"R-4\"}", &mut obs, true));
        assert_eq!(obs.fact("device_info.model").unwrap().render(), "R-3");
        assert_eq!(obs.evidence.len(), 1);
    }

    #[test]
    fn fixed_values_come_only_with_a_matching_answer() {
        let e = Endpoints::parse(&[("x.toml", ONE)]).unwrap();
        let ep = e.iter().next().unwrap();
        assert!(ep.extract_from(b"<html>login</html>").is_empty());
        assert_eq!(ep.extract_from(b"{\"model\":\"R-2\"}").len(), 2);
    }

    #[test]
    fn broken_entries_are_refused_with_file_line_and_field() {
        let cases = [
            (ONE.replace("R-1\" }", "R-9\" }"), "examples[0]"),
            (
                ONE.replace("device_info.model", "http.model"),
                "extract[1].fact",
            ),
            (ONE.replace("path = \"/info\"", "path = \"info\""), "path"),
            (
                ONE.replace("'\"model\":\"([^\"]+)\"'", "'model'"),
                "extract[1].regex",
            ),
            (
                ONE.replace(
                    "when = [{ fact = \"http.title\", regex = '(?i)relay' }]",
                    "when = []",
                ),
                "when",
            ),
            (
                ONE.replace("path = \"/info\"", "path = \"/info\"\nbody = \"x\""),
                "body",
            ),
            // The id rule every data file shares: a letter first.
            (
                ONE.replace("id = \"relay\"", "id = \"9relay\""),
                "9relay: id",
            ),
            (
                ONE.replace("'(?i)relay'", "'(?i)relay('"),
                "relay: when[0].regex",
            ),
            (
                ONE.replace(
                    "regex = '\"model\":\"([^\"]+)\"'",
                    "value = \"x\", regex = 'y'",
                ),
                "relay: extract[1]",
            ),
        ];
        for (text, field) in cases {
            let e = Endpoints::parse(&[("d/x.toml", &text)]).unwrap_err();
            assert_eq!(e.file, "d/x.toml");
            assert_eq!(e.line, 2, "{e}");
            assert!(e.field.ends_with(field), "{field}: {e}");
        }
        let e = Endpoints::parse(&[("d/x.toml", ONE), ("d/y.toml", ONE)]).unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.field.as_str()),
            ("d/y.toml", "relay: id")
        );
        assert!(e.message.contains("twice (first at d/x.toml:2)"), "{e}");
    }
}
