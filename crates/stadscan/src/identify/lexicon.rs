//! The vendor lexicon (`checks/identify/lexicon.toml`): vendor names and
//! their aliases, product lines that imply a vendor (`NPort` -> Moxa),
//! model-number prefixes, and the words that name a kind of device
//! (`door controller`, `UPS`, `traffic signal controller`).
//!
//! It reads any text a device says about itself, matching whole words only
//! (runs of letters and digits: `OpenSSH_2.3.0_Mikrotik_v2.9` holds the word
//! `Mikrotik`, `DigiCert` does not hold `Digi`), and gives the vendor, the
//! product (the line or vendor name with the model number written next to
//! it), the version written next to it, and a class. It knows no software
//! vendors: a name it finds is the maker of the device.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;
use toml::Spanned;

use crate::check::{CheckLoadError, parse_toml};
use crate::fingerprint::DeviceClass;
use crate::model::Confidence;

use super::{Basis, Candidate, Layer};

/// Where the built-in lexicon lives among the embedded files.
pub const EMBEDDED_PATH: &str = "checks/identify/lexicon.toml";

/// How a phrase of the lexicon was matched.
#[derive(Debug, Clone, Copy, PartialEq)]
enum What {
    Vendor(usize),
    Line(usize),
    Class(DeviceClass),
}

#[derive(Debug, Clone)]
struct Phrase {
    /// Lower-cased words.
    words: Vec<String>,
    /// The words as written, when the phrase only counts in that case
    /// (`UPS`, `Trend`, `AXIS`).
    exact: Option<Vec<String>>,
    what: What,
}

#[derive(Debug, Clone)]
struct ModelRule {
    prefix: String,
    class: Option<DeviceClass>,
    /// The prefix alone names the vendor (`DS-2CD` is Hikvision's).
    distinct: bool,
}

#[derive(Debug, Clone)]
struct Vendor {
    name: String,
    class: Option<DeviceClass>,
    models: Vec<ModelRule>,
}

#[derive(Debug, Clone)]
struct Line {
    vendor: usize,
    /// The line's name, lower-cased (products of the line start with it).
    prefix_lower: String,
    class: Option<DeviceClass>,
    /// Lower-cased words of which one must appear in the same text.
    context: Vec<String>,
    models: Vec<ModelRule>,
}

/// The loaded lexicon.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    vendors: Vec<Vendor>,
    lines: Vec<Line>,
    /// Phrases by their first word, lower-cased.
    phrases: HashMap<String, Vec<Phrase>>,
    /// Vendor index by lower-cased canonical name.
    by_name: HashMap<String, usize>,
}

/// What one text says, read with the lexicon.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub vendor: Option<String>,
    pub product: Option<String>,
    pub version: Option<String>,
    pub class: Option<DeviceClass>,
    pub basis: Basis,
    /// A product line, a model prefix or a vendor with its model named the
    /// device (rather than a lone name or word).
    pub specific: bool,
}

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    source: Option<String>,
    #[serde(rename = "vendor", default)]
    vendors: Vec<Spanned<RawVendor>>,
    #[serde(rename = "class", default)]
    classes: Vec<Spanned<RawClass>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVendor {
    name: String,
    /// Further names, matched in any case.
    #[serde(default)]
    names: Vec<String>,
    /// Names that count only written exactly so.
    #[serde(default)]
    exact: Vec<String>,
    class: Option<DeviceClass>,
    #[serde(default)]
    lines: Vec<RawLine>,
    #[serde(default)]
    models: Vec<RawModel>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine {
    name: String,
    class: Option<DeviceClass>,
    #[serde(default)]
    exact: bool,
    #[serde(default)]
    context: Vec<String>,
    #[serde(default)]
    models: Vec<RawModel>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    prefix: String,
    class: Option<DeviceClass>,
    #[serde(default)]
    distinct: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClass {
    class: DeviceClass,
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    exact: Vec<String>,
}

fn models(raw: Vec<RawModel>) -> Vec<ModelRule> {
    let mut out: Vec<ModelRule> = raw
        .into_iter()
        .map(|m| ModelRule {
            prefix: m.prefix.to_ascii_lowercase(),
            class: m.class,
            distinct: m.distinct,
        })
        .collect();
    // Longest prefix first: `XB` before `X`.
    out.sort_by_key(|m| std::cmp::Reverse(m.prefix.len()));
    out
}

impl Lexicon {
    /// The built-in lexicon.
    pub fn embedded() -> Result<Lexicon, CheckLoadError> {
        let text = crate::knowledge::embedded::check_files()
            .find(|(p, _)| *p == EMBEDDED_PATH)
            .map_or("", |(_, t)| t);
        Lexicon::parse(EMBEDDED_PATH, text)
    }

    /// Parses a lexicon file.
    pub fn parse(path: &str, text: &str) -> Result<Lexicon, CheckLoadError> {
        let raw: RawFile = parse_toml(path, text, "lexicon")?;
        let _ = raw.source;
        let mut lex = Lexicon::default();
        for v in raw.vendors {
            let span = v.span();
            let v = v.into_inner();
            let err = |m: String| CheckLoadError::at(path, text, span.clone(), &v.name, m);
            if v.name.trim().is_empty() {
                return Err(err("a vendor needs a name".into()));
            }
            let idx = lex.vendors.len();
            if lex
                .by_name
                .insert(v.name.to_ascii_lowercase(), idx)
                .is_some()
            {
                return Err(err(format!("vendor `{}` is listed twice", v.name)));
            }
            for n in std::iter::once(&v.name).chain(&v.names) {
                lex.add(n, false, What::Vendor(idx)).map_err(&err)?;
            }
            for n in &v.exact {
                lex.add(n, true, What::Vendor(idx)).map_err(&err)?;
            }
            for l in v.lines {
                let li = lex.lines.len();
                lex.add(&l.name, l.exact, What::Line(li)).map_err(&err)?;
                lex.lines.push(Line {
                    prefix_lower: l.name.to_lowercase(),
                    vendor: idx,
                    class: l.class,
                    context: l.context.iter().map(|c| c.to_lowercase()).collect(),
                    models: models(l.models),
                });
            }
            lex.vendors.push(Vendor {
                name: v.name,
                class: v.class,
                models: models(v.models),
            });
        }
        for c in raw.classes {
            let span = c.span();
            let c = c.into_inner();
            let err = |m: String| CheckLoadError::at(path, text, span.clone(), c.class.as_str(), m);
            for w in &c.words {
                lex.add(w, false, What::Class(c.class)).map_err(&err)?;
            }
            for w in &c.exact {
                lex.add(w, true, What::Class(c.class)).map_err(&err)?;
            }
        }
        // At one position the longest phrase is tried first (`UniFi
        // Switch` before `UniFi`).
        for list in lex.phrases.values_mut() {
            list.sort_by_key(|p| std::cmp::Reverse(p.words.len()));
        }
        Ok(lex)
    }

    fn add(&mut self, phrase: &str, exact: bool, what: What) -> Result<(), String> {
        let written: Vec<String> = words(phrase).map(|(_, _, w)| w.to_string()).collect();
        if written.is_empty() {
            return Err(format!("`{phrase}` holds no word"));
        }
        let lower: Vec<String> = written.iter().map(|w| w.to_lowercase()).collect();
        self.phrases
            .entry(lower[0].clone())
            .or_default()
            .push(Phrase {
                words: lower,
                exact: exact.then_some(written),
                what,
            });
        Ok(())
    }

    /// Number of vendors.
    pub fn vendors(&self) -> usize {
        self.vendors.len()
    }

    /// The canonical name of a vendor as some text states it
    /// (`HIKVISION`, `Hangzhou Hikvision Digital Technology Co., Ltd.`).
    pub fn canonical_vendor(&self, stated: &str) -> Option<&str> {
        let text = stated.trim();
        if let Some(&i) = self.by_name.get(&text.to_ascii_lowercase()) {
            return Some(&self.vendors[i].name);
        }
        self.matches(text).into_iter().find_map(|m| match m.what {
            What::Vendor(i) => Some(self.vendors[i].name.as_str()),
            What::Line(l) if m.context_ok => Some(self.vendors[self.lines[l].vendor].name.as_str()),
            _ => None,
        })
    }

    /// The class a vendor's model number implies (`AXIS A1001`: a door
    /// controller), given the vendor's canonical name and a product name.
    pub fn model_class(&self, vendor: &str, product: &str) -> Option<DeviceClass> {
        let v = &self.vendors[*self.by_name.get(&vendor.to_ascii_lowercase())?];
        let mut rules: Vec<&ModelRule> = Vec::new();
        // A line's model numbering counts for products of that line only
        // (`SCALANCE S` is a firewall, `SIMATIC S7` is not).
        let lower = product.to_lowercase();
        for l in &self.lines {
            if std::ptr::eq(&self.vendors[l.vendor], v) && lower.starts_with(&l.prefix_lower) {
                rules.extend(&l.models);
            }
        }
        rules.extend(&v.models);
        model_tokens(product).find_map(|(_, _, tok)| {
            rules
                .iter()
                .find(|r| prefix_fits(&r.prefix, tok))
                .and_then(|r| r.class)
        })
    }

    /// The default class of a vendor (what most of its products are).
    pub fn vendor_class(&self, vendor: &str) -> Option<DeviceClass> {
        self.vendors[*self.by_name.get(&vendor.to_ascii_lowercase())?].class
    }

    fn matches(&self, text: &str) -> Vec<Match> {
        let toks: Vec<(usize, usize, &str)> = words(text).collect();
        let lower: Vec<String> = toks.iter().map(|(_, _, w)| w.to_lowercase()).collect();
        let mut out = Vec::new();
        for i in 0..toks.len() {
            let Some(list) = self.phrases.get(&lower[i]) else {
                continue;
            };
            for p in list {
                let n = p.words.len();
                if i + n > toks.len() || lower[i..i + n] != p.words[..] {
                    continue;
                }
                if let Some(exact) = &p.exact
                    && toks[i..i + n].iter().zip(exact).any(|(t, e)| t.2 != e)
                {
                    continue;
                }
                let context_ok = match p.what {
                    What::Line(l) => {
                        let ctx = &self.lines[l].context;
                        ctx.is_empty() || lower.iter().any(|w| ctx.contains(w))
                    }
                    _ => true,
                };
                out.push(Match {
                    start: toks[i].0,
                    end: toks[i + n - 1].1,
                    words: n,
                    what: p.what,
                    context_ok,
                });
            }
        }
        out
    }

    /// Reads one text.
    pub fn read(&self, text: &str) -> Option<Reading> {
        let found = self.matches(text);
        // A name after `compatible with` is another maker's.
        let found: Vec<Match> = found
            .into_iter()
            .filter(|m| {
                !text[..m.start]
                    .trim_end()
                    .to_ascii_lowercase()
                    .ends_with("compatible with an")
                    && !text[..m.start]
                        .trim_end()
                        .to_ascii_lowercase()
                        .ends_with("compatible with")
            })
            .collect();
        let vendor_name = found.iter().find(|m| matches!(m.what, What::Vendor(_)));
        // A product line implies its vendor unless the text names another
        // maker first (`3Com OfficeConnect`, `FUJI XEROX DocuPrint`).
        let line = found.iter().find(|m| {
            let What::Line(l) = m.what else { return false };
            m.context_ok
                && vendor_name.is_none_or(|v| {
                    v.what == What::Vendor(self.lines[l].vendor) || v.start > m.start
                })
        });
        // The longest class phrase, the first among equals.
        let class_word = found
            .iter()
            .filter(|m| matches!(m.what, What::Class(_)))
            .fold(None::<&Match>, |best, m| match best {
                Some(b) if b.words >= m.words => Some(b),
                _ => Some(m),
            });
        let mut out = Reading::default();
        let mut anchor: Option<usize> = None;
        let mut rules: Vec<&ModelRule> = Vec::new();
        let mut vendor: Option<usize> = None;
        if let Some(m) = line {
            let What::Line(l) = m.what else {
                unreachable!()
            };
            let l = &self.lines[l];
            vendor = Some(l.vendor);
            let model = model_after(text, m.end);
            out.product = Some(match &model {
                Some((_, tok)) => format!("{} {tok}", &text[m.start..m.end]),
                None => text[m.start..m.end].to_string(),
            });
            anchor = Some(model.map_or(m.end, |(end, _)| end));
            rules.extend(&l.models);
            out.class = l.class;
            out.basis = Basis::Product;
            out.specific = true;
        } else if let Some(m) = vendor_name {
            let What::Vendor(v) = m.what else {
                unreachable!()
            };
            vendor = Some(v);
            let model = model_after(text, m.end);
            if let Some((end, tok)) = &model {
                out.product = Some(tok.to_string());
                out.specific = true;
                anchor = Some(*end);
            } else {
                anchor = Some(m.end);
            }
        }
        if vendor.is_none() {
            // A model number whose prefix alone names its maker.
            'outer: for (_, end, tok) in model_tokens(text) {
                for (vi, v) in self.vendors.iter().enumerate() {
                    if let Some(r) = v
                        .models
                        .iter()
                        .find(|r| r.distinct && prefix_fits(&r.prefix, tok))
                    {
                        vendor = Some(vi);
                        out.product = Some(tok.to_string());
                        out.class = r.class;
                        out.basis = Basis::Model;
                        out.specific = true;
                        anchor = Some(end);
                        break 'outer;
                    }
                }
            }
        }
        if let Some(v) = vendor {
            let v = &self.vendors[v];
            out.vendor = Some(v.name.clone());
            rules.extend(&v.models);
            if let Some(product) = &out.product
                && let Some(c) = model_tokens(product).find_map(|(_, _, tok)| {
                    rules
                        .iter()
                        .find(|r| prefix_fits(&r.prefix, tok))
                        .and_then(|r| r.class)
                })
            {
                out.class = Some(c);
                out.basis = Basis::Model;
            }
        }
        if let Some(m) = class_word {
            let What::Class(c) = m.what else {
                unreachable!()
            };
            if out.basis < Basis::Words {
                out.class = Some(c);
                out.basis = Basis::Words;
            }
            if out.product.is_none() && vendor.is_none() {
                // A product no list knows, named just before what it is:
                // `SEPAC-3000 traffic cabinet controller`.
                if let Some((start, tok)) = model_before(text, m.start) {
                    out.product = Some(tok.to_string());
                    anchor = Some(start);
                }
            }
        }
        if out.class.is_none()
            && let Some(v) = vendor
            && let Some(c) = self.vendors[v].class
        {
            out.class = Some(c);
            out.basis = Basis::Vendor;
        }
        if out.vendor.is_none() && out.class.is_none() {
            return None;
        }
        out.version = version_in(text, anchor.unwrap_or(0), out.product.is_some());
        Some(out)
    }

    /// The lexicon's reading of one text as a candidate identity.
    pub fn candidate(&self, text: &str, source: &str, layer: Layer) -> Option<Candidate> {
        let r = self.read(text)?;
        let confidence = if r.specific {
            Confidence::Medium
        } else {
            Confidence::Low
        };
        Some(Candidate {
            vendor: r.vendor,
            product: r.product,
            version: r.version,
            class: r.class.unwrap_or(DeviceClass::Unknown),
            basis: if r.class.is_some() {
                r.basis
            } else {
                Basis::None
            },
            confidence,
            layer,
            generic: false,
            source: source.to_string(),
        })
    }

    /// Every vendor's canonical name with its aliases (for the enterprise
    /// number script and the tests).
    pub fn vendor_names(&self) -> BTreeMap<String, Vec<String>> {
        let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for list in self.phrases.values() {
            for p in list {
                if let What::Vendor(i) = p.what {
                    out.entry(self.vendors[i].name.clone())
                        .or_default()
                        .push(p.words.join(" "));
                }
            }
        }
        out
    }
}

#[derive(Debug, Clone, Copy)]
struct Match {
    start: usize,
    end: usize,
    words: usize,
    what: What,
    context_ok: bool,
}

/// Words: maximal runs of letters and digits, with their byte range.
fn words(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    runs(text, char::is_alphanumeric)
}

/// Model-number tokens: runs of letters, digits and `-+./`, trimmed of
/// trailing punctuation, holding at least one letter and one digit and not
/// shaped like a version.
fn model_tokens(text: &str) -> impl Iterator<Item = (usize, usize, &str)> {
    runs(text, is_model_char).filter_map(|(s, _, t)| {
        let lead = t.len() - t.trim_start_matches(TRIM).len();
        let tok = t.trim_matches(TRIM);
        is_model(tok).then_some((s + lead, s + lead + tok.len(), tok))
    })
}

/// Punctuation that may end a model-number run but is not part of it.
const TRIM: [char; 4] = ['.', '-', '/', '+'];

fn is_model_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '+' | '.' | '/')
}

fn runs(text: &str, keep: fn(char) -> bool) -> impl Iterator<Item = (usize, usize, &str)> {
    let mut start: Option<usize> = None;
    let mut iter = text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')));
    std::iter::from_fn(move || {
        for (i, c) in iter.by_ref() {
            let inside = i < text.len() && keep(c);
            match (start, inside) {
                (None, true) => start = Some(i),
                (Some(s), false) => {
                    start = None;
                    return Some((s, i, &text[s..i]));
                }
                _ => {}
            }
        }
        None
    })
}

fn is_version(tok: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^[vV]?\d+(\.\d+)+[a-z]?$").expect("static regex"))
        .is_match(tok)
}

fn is_model(tok: &str) -> bool {
    tok.len() >= 3
        && tok.len() <= 40
        && tok.chars().any(|c| c.is_ascii_digit())
        && tok.chars().any(char::is_alphabetic)
        && !is_version(tok)
        && !tok.contains("..")
}

/// Words that end a product name rather than continue it.
const STOP: &[&str] = &[
    "version",
    "firmware",
    "fw",
    "ver",
    "release",
    "build",
    "rev",
    "revision",
    "sw",
    "software",
    "server",
    "ready",
    "login",
    "welcome",
    "serial",
    "mac",
    "copyright",
    "web",
    "ftp",
    "snmp",
    "telnet",
    "ssh",
    "http",
    "agent",
    "service",
    "on",
    "by",
    "for",
    "with",
    "and",
    "the",
];

/// The model number written right after a line or vendor name: the next
/// token if it is one, else up to two capitalised series words and then a
/// model number (`LaserJet Pro MFP M428fdw`). Returns its end and the text
/// from the first word to it.
fn model_after(text: &str, from: usize) -> Option<(usize, &str)> {
    let rest = &text[from..];
    let first = rest.find(|c: char| !c.is_whitespace() && !matches!(c, '_' | ':' | '='))?;
    // A model glued to the name with `_` or `:` still counts, more than one
    // separator word does not.
    if rest[..first].chars().count() > 3 {
        return None;
    }
    let mut pos = first;
    for _ in 0..3 {
        let tok_rest = &rest[pos..];
        let len = tok_rest
            .find(|c: char| !is_model_char(c))
            .unwrap_or(tok_rest.len());
        let tok = tok_rest[..len].trim_end_matches(TRIM);
        if tok.is_empty() {
            return None;
        }
        if is_model(tok) {
            let start = from + first;
            let end = from + pos + tok.len();
            return Some((end, &text[start..end]));
        }
        let capital = tok.chars().next().is_some_and(char::is_uppercase);
        if !capital || tok.len() > 12 || STOP.contains(&tok.to_ascii_lowercase().as_str()) {
            return None;
        }
        let after = &rest[pos + len..];
        let gap = after.find(|c: char| !c.is_whitespace())?;
        if gap != 1 {
            return None;
        }
        pos += len + gap;
    }
    None
}

/// The model number written right before a class phrase.
fn model_before(text: &str, at: usize) -> Option<(usize, &str)> {
    let before = text[..at].trim_end();
    let start = before.rfind(|c: char| !is_model_char(c)).map_or(0, |i| {
        i + before[i..].chars().next().map_or(1, char::len_utf8)
    });
    let tok = before[start..].trim_start_matches(TRIM);
    let start = before.len() - tok.len();
    is_model(tok).then_some((start, tok))
}

/// The version written near the product: after a keyword (`Firmware
/// 4.12.7`, `Version 8.0(2)`, `EOS v3.2.18`) or with a `v` (`_v2.9`)
/// anywhere from `from` on, else a bare dotted version right after the
/// product.
fn version_in(text: &str, from: usize, has_product: bool) -> Option<String> {
    static KEYED: OnceLock<Regex> = OnceLock::new();
    static BARE: OnceLock<Regex> = OnceLock::new();
    let keyed = KEYED.get_or_init(|| {
        Regex::new(
            r"(?i)(?:\b(?:firmware|fw|f/w|version|ver|release|rel|revision|rev|sw|software|os)[\s.:=#_-]*[vV]?|(?:^|[^A-Za-z0-9])[vV]|[vV]er\.?)(\d+(?:\.\d+)+[a-z]?(?:\(\w+\))?(?:[-_][A-Za-z]*\d+)?)",
        )
        .expect("static regex")
    });
    let bare = BARE.get_or_init(|| {
        Regex::new(r"^[\s,:/_-]{1,3}(\d+\.\d+(?:\.\d+)*[a-z]?)\b").expect("static regex")
    });
    let from = from.min(text.len());
    let from = (0..=from)
        .rev()
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(0);
    let pick = |s: &str| {
        keyed
            .captures(s)
            .and_then(|c| c.get(1))
            .map(|m| m.as_str().to_string())
    };
    pick(&text[from..])
        .or_else(|| {
            has_product
                .then(|| bare.captures(&text[from..]))
                .flatten()
                .and_then(|c| c.get(1))
                .map(|m| m.as_str().to_string())
        })
        .or_else(|| pick(&text[..from]))
        .filter(|v| !looks_like_address(v))
}

fn looks_like_address(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() == 4
        && parts.iter().all(|p| p.parse::<u8>().is_ok())
        && parts[0] != "0"
        && parts.iter().filter(|p| p.len() >= 2).count() >= 3
}

fn prefix_fits(prefix: &str, tok: &str) -> bool {
    let lower = tok.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix(prefix) else {
        return false;
    };
    if rest.is_empty() {
        return false;
    }
    // `A` fits `A1001` but not `AXC`: after a prefix ending in a letter
    // the model goes on with a digit.
    match prefix.chars().last() {
        Some(c) if c.is_ascii_alphabetic() => {
            rest.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        }
        _ => true,
    }
}

#[cfg(test)]
#[path = "lexicon_tests.rs"]
mod tests;
