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

use crate::fingerprint::DeviceClass;
use crate::knowledge::CheckLoadError;
use crate::knowledge::validate::{DataFile, Problem};
use crate::model::Confidence;

use super::{Basis, Candidate, Layer};

/// A name or word of the lexicon that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum NameProblem {
    #[error("`{0}` holds no word")]
    NoWord(String),
    #[error(
        "`{0}` begins or ends with punctuation, which whole-word matching drops; \
         a model number's prefix belongs under `models`"
    )]
    Punctuation(String),
    #[error("`{0}` is not a vendor of this file")]
    NotAVendor(String),
}

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
    /// The maker that builds its devices (an OEM brand's supplier).
    made_by: Option<usize>,
    /// Makers whose name its older devices carry (HPE's: HP).
    formerly: Vec<usize>,
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
    /// Makers that sold the line before its owner took it over.
    formerly: Vec<usize>,
}

/// The loaded lexicon.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    vendors: Vec<Vendor>,
    lines: Vec<Line>,
    /// Phrases by their first word, lower-cased.
    phrases: HashMap<String, Vec<Phrase>>,
    /// Vendor index by canonical name, as [`name_key`] writes it.
    by_name: HashMap<String, usize>,
}

/// What one text says, read with the lexicon.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    /// The vendor the text names, in the lexicon's spelling.
    pub vendor: Option<String>,
    /// The product (line or model) the text names.
    pub product: Option<String>,
    /// The version the text carries.
    pub version: Option<String>,
    /// The class the text points to; `None` when it says nothing of one.
    pub class: Option<DeviceClass>,
    /// What the class rests on.
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
    /// The maker that builds its devices (OEM), a vendor of the file.
    made_by: Option<String>,
    /// Makers whose name its older devices carry, vendors of the file.
    #[serde(default)]
    formerly: Vec<String>,
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
    /// Makers that sold the line before, vendors of the file.
    #[serde(default)]
    formerly: Vec<String>,
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
        let file = DataFile::new(path, text);
        let raw: RawFile = file.parse("lexicon")?;
        let _ = raw.source;
        let mut lex = Lexicon::default();
        for v in &raw.vendors {
            let err = |m: String| file.error(&v.get_ref().name, v.span(), Problem::new("", m));
            let name = &v.get_ref().name;
            if name.trim().is_empty() {
                return Err(err("a vendor needs a name".into()));
            }
            let idx = lex.by_name.len();
            if lex.by_name.insert(name_key(name), idx).is_some() {
                return Err(err(format!("vendor `{name}` is listed twice")));
            }
        }
        // `made_by` and a line's `formerly` name other vendors of the file.
        let vendor_ref = |name: &str| {
            lex.by_name
                .get(&name_key(name))
                .copied()
                .ok_or_else(|| NameProblem::NotAVendor(name.to_string()))
        };
        let refs = |names: &[String]| -> Result<Vec<usize>, NameProblem> {
            names.iter().map(|n| vendor_ref(n)).collect()
        };
        let mut resolved = Vec::new();
        for v in &raw.vendors {
            let err = |m: NameProblem| {
                file.error(&v.get_ref().name, v.span(), Problem::new("", m.to_string()))
            };
            let raw = v.get_ref();
            let made_by = raw.made_by.as_deref().map(vendor_ref).transpose();
            let lines: Result<Vec<Vec<usize>>, NameProblem> =
                raw.lines.iter().map(|l| refs(&l.formerly)).collect();
            resolved.push((
                made_by.map_err(&err)?,
                refs(&raw.formerly).map_err(&err)?,
                lines.map_err(&err)?,
            ));
        }
        for (v, (made_by, vendor_formerly, formerly)) in raw.vendors.into_iter().zip(resolved) {
            let span = v.span();
            let v = v.into_inner();
            let err =
                |m: NameProblem| file.error(&v.name, span.clone(), Problem::new("", m.to_string()));
            let idx = lex.vendors.len();
            // A canonical name that is also listed under `exact` (`APC`,
            // `HP`) counts only as written.
            let name_is_exact = v.exact.iter().any(|e| e.eq_ignore_ascii_case(&v.name));
            let any_case = std::iter::once(&v.name).filter(|_| !name_is_exact);
            for n in any_case.chain(&v.names) {
                lex.add(n, false, What::Vendor(idx)).map_err(&err)?;
            }
            for n in &v.exact {
                lex.add(n, true, What::Vendor(idx)).map_err(&err)?;
            }
            for (l, formerly) in v.lines.into_iter().zip(formerly) {
                let li = lex.lines.len();
                lex.add(&l.name, l.exact, What::Line(li)).map_err(&err)?;
                lex.lines.push(Line {
                    prefix_lower: l.name.to_lowercase(),
                    vendor: idx,
                    class: l.class,
                    context: l.context.iter().map(|c| c.to_lowercase()).collect(),
                    models: models(l.models),
                    formerly,
                });
            }
            lex.vendors.push(Vendor {
                name: v.name,
                class: v.class,
                models: models(v.models),
                made_by,
                formerly: vendor_formerly,
            });
        }
        for c in raw.classes {
            let span = c.span();
            let c = c.into_inner();
            let err = |m: NameProblem| {
                file.error(
                    c.class.as_str(),
                    span.clone(),
                    Problem::new("", m.to_string()),
                )
            };
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

    fn add(&mut self, phrase: &str, exact: bool, what: What) -> Result<(), NameProblem> {
        let written: Vec<String> = words(phrase).map(|(_, _, w)| w.to_string()).collect();
        if written.is_empty() {
            return Err(NameProblem::NoWord(phrase.to_string()));
        }
        // Names are matched as whole words: `RT-` would match the word `RT`
        // anywhere (`Tomato-RT`), so a model number's start goes under
        // `models`.
        let edge = |c: Option<char>| c.is_some_and(|c| !c.is_alphanumeric() && c != ')');
        if edge(phrase.trim().chars().next()) || edge(phrase.trim().chars().last()) {
            return Err(NameProblem::Punctuation(phrase.to_string()));
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
        if let Some(&i) = self.by_name.get(&name_key(text)) {
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
        let v = &self.vendors[*self.by_name.get(&name_key(vendor))?];
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
        self.vendors[*self.by_name.get(&name_key(vendor))?].class
    }

    fn vendor_index(&self, stated: &str) -> Option<usize> {
        let name = self.canonical_vendor(stated)?;
        self.by_name.get(&name_key(name)).copied()
    }

    /// Whether two stated vendors are the same maker: one canonical name
    /// (`Checkpoint`, `Check Point`; a brand and its owner), an OEM brand
    /// and the maker that builds its devices (`made_by`), or a maker and
    /// the one whose name its older devices carry (`formerly`: HPE, HP).
    pub fn same_maker(&self, a: &str, b: &str) -> bool {
        match (self.vendor_index(a), self.vendor_index(b)) {
            (Some(x), Some(y)) => {
                let (vx, vy) = (&self.vendors[x], &self.vendors[y]);
                x == y
                    || vx.made_by == Some(y)
                    || vy.made_by == Some(x)
                    || vx.formerly.contains(&y)
                    || vy.formerly.contains(&x)
            }
            _ => name_key(a) == name_key(b),
        }
    }

    /// Whether two stated vendors both made the product line `product`
    /// belongs to: its owner and a maker that sold it before (`IBM` and
    /// `Ricoh` for `Infoprint 1332`).
    pub fn same_line_maker(&self, a: &str, b: &str, product: &str) -> bool {
        let (Some(x), Some(y)) = (self.vendor_index(a), self.vendor_index(b)) else {
            return false;
        };
        let lower = product.to_lowercase();
        self.lines.iter().any(|l| {
            let made = |v: usize| l.vendor == v || l.formerly.contains(&v);
            lower.starts_with(&l.prefix_lower) && made(x) && made(y)
        })
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
                    exact: p.exact.is_some(),
                });
            }
        }
        out
    }

    /// Reads one text.
    pub fn read(&self, text: &str) -> Option<Reading> {
        let found = self.matches(text);
        // What follows `compatible with` is another maker's product.
        let clauses = compatible_clauses(text);
        let found: Vec<Match> = found
            .into_iter()
            .filter(|m| !clauses.iter().any(|&(s, e)| m.start >= s && m.start < e))
            .collect();
        // The maker: the copyright holder, else the first named in full,
        // else the first named by a short or common word (`APC`, `AXIS`),
        // which may be something else (`Mode APC, Deliberant firmware`).
        let vendor_name = found
            .iter()
            .filter(|m| matches!(m.what, What::Vendor(_)))
            .min_by_key(|m| (!after_copyright(text, m.start), m.exact, m.start));
        let vendor_of = |m: &Match| match m.what {
            What::Vendor(v) => Some(v),
            _ => None,
        };
        // A product line implies its vendor unless the text names another
        // maker first (`3Com OfficeConnect`, `FUJI XEROX DocuPrint`) or
        // names the maker that sold the line before its owner took it over
        // (`IBM Infoprint`, `NetCache ... NetApp`): the device is from then.
        let line = found.iter().find(|m| {
            let What::Line(l) = m.what else { return false };
            let l = &self.lines[l];
            let other_first = found
                .iter()
                .filter_map(|v| vendor_of(v).filter(|_| v.start < m.start))
                .any(|n| n != l.vendor);
            m.context_ok
                && vendor_name.and_then(vendor_of).is_none_or(|named| {
                    named == l.vendor || l.formerly.contains(&named) || !other_first
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
            vendor = Some(
                vendor_name
                    .and_then(vendor_of)
                    .filter(|n| l.formerly.contains(n))
                    .unwrap_or(l.vendor),
            );
            let model = model_after(text, m.end, true);
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
            let model = model_after(text, m.end, false);
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
    /// Matched by a name that counts only as written (`APC`, `AXIS`).
    exact: bool,
}

/// A vendor name as the lexicon looks it up: its letters and digits,
/// lower-cased (`Check Point`, `CheckPoint` and `Checkpoint` are one).
fn name_key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Byte ranges of clauses about another maker's product: from
/// `compatible with` to the end of the clause (`NetPrint 200 print server
/// compatible with an HP JetDirect card`).
fn compatible_clauses(text: &str) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    lower
        .match_indices("compatible with")
        .map(|(at, m)| {
            let from = at + m.len();
            let end = lower[from..]
                .find([',', ';', '(', ')', '|', '\n', '\r'])
                .map_or(text.len(), |e| from + e);
            (from, end)
        })
        .collect()
}

/// Whether a name at `start` follows a copyright sign (`(c) 2010 Avaya`,
/// `Copyright (C) 2003-2010 by Cisco`): the maker of what the text
/// describes.
fn after_copyright(text: &str, start: usize) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(?i)(?:\(c\)|©|copyright)(?:\s*(?:\(c\)|©))?\s*(?:\d{4}(?:\s*[-–,]\s*\d{4})*\s*)?(?:by\s+)?$")
            .expect("static regex")
    });
    let from = start.saturating_sub(40);
    let from = (from..=start)
        .find(|&i| text.is_char_boundary(i))
        .unwrap_or(start);
    re.is_match(&text[from..start])
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
/// model number (`LaserJet Pro MFP M428fdw`). After a product line a plain
/// number of three to six digits is a model too (`NPort 5110`). Returns its
/// end and the text from the first word to it.
fn model_after(text: &str, from: usize, line: bool) -> Option<(usize, &str)> {
    let rest = &text[from..];
    // `NetApp/5.3.1R3`, `Sun-ILOM-Web-Server/1.0`: a name with its
    // software's version or further name glued on, not a model.
    if rest.starts_with(['/', '-']) {
        return None;
    }
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
        let number =
            line && (3..=6).contains(&tok.len()) && tok.bytes().all(|b| b.is_ascii_digit());
        if is_model(tok) || number {
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
