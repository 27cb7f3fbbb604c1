//! The recog database (github.com/rapid7/recog, BSD-2-Clause), read from the
//! user's own checkout when `scan --recog DIR` or the scope's
//! `[knowledge] recog` names its `xml/` folder. Nothing of it is built in.
//!
//! A recog file holds `<fingerprint pattern="..." flags="...">` entries for
//! one kind of text (its `matches` attribute: `ssh.banner`,
//! `http_header.server`, `snmp.sys_description`...), each with examples and
//! `<param>`s that say what a match means (`hw.vendor`, `os.product`,
//! `service.version`, `*.cpe23`; position 0 a fixed value, position N the
//! Nth capture). Here each supported `matches` key reads one stadscan fact,
//! the patterns are translated from Ruby's regex dialect to Rust's (Ruby's
//! `^`/`$` always match at line ends, its `m` flag is Rust's `s`, `\h` is a
//! hex digit), and what Rust cannot express (look-around, back-references,
//! atomic groups, possessive quantifiers) is counted and reported, never a
//! load error.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::fingerprint::DeviceClass;
use crate::knowledge::pattern::Pattern;
use crate::model::{Confidence, FactValue, Facts, Observation};

use super::prefilter::Prefilter;
use super::{Basis, Candidate, Layer, Lexicon};

/// Largest compiled program of one recog pattern: above the built-in
/// fingerprints' limit, because recog's case-insensitive Unicode classes
/// (`(?i)\w+` over long alternations) compile larger; a pattern is only
/// compiled when first used.
const RECOG_REGEX_SIZE_LIMIT: usize = 16 << 20;

/// Largest recog file read (the biggest upstream file is about 500 KiB).
const MAX_FILE: usize = 4 * 1024 * 1024;

/// A recog `matches` key and the stadscan fact it reads.
const KEYS: &[(&str, &str)] = &[
    // recog reads the identification after `SSH-2.0-`, comment included.
    ("ssh.banner", "ssh.identification"),
    ("ftp.banner", "ftp.banner"),
    ("telnet.banner", "telnet.banner"),
    ("http_header.server", "http.server"),
    ("http_header.wwwauth", "http.www_authenticate"),
    ("http_header.x-powered-by", "http.powered_by"),
    ("html_title", "http.title"),
    ("rtsp_header.server", "rtsp.server"),
    ("snmp.sys_description", "snmp.sys_descr"),
    ("snmp.sys_object_id", "snmp.sys_object_id"),
    ("smtp.banner", "banner.text"),
    ("imap4.banner", "banner.text"),
    ("pop3.banner", "banner.text"),
    ("x509.subject", "cert.subject"),
    ("x509.issuer", "cert.issuer"),
];

/// The fact a recog `matches` key reads, if stadscan has one.
pub fn fact_for(key: &str) -> Option<&'static str> {
    KEYS.iter().find(|(k, _)| *k == key).map(|(_, f)| *f)
}

/// The `matches` attribute of the root `<fingerprints>` tag, read from the
/// start of the file without parsing it.
fn declared_key(bytes: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]);
    let start = head.find("<fingerprints")?;
    let tag = &head[start..start + head[start..].find('>')?];
    let at = tag
        .match_indices("matches")
        .map(|(i, _)| i)
        .find(|&i| tag[..i].ends_with(char::is_whitespace))?;
    let rest = tag[at + "matches".len()..].trim_start().strip_prefix('=')?;
    let rest = rest.trim_start();
    let quote = rest.chars().next().filter(|q| matches!(q, '"' | '\''))?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_string())
}

/// Files without a `matches` attribute, known by their name.
fn key_from_file_name(name: &str) -> Option<&'static str> {
    match name {
        "telnet_banners.xml" => Some("telnet.banner"),
        "smtp_banners.xml" => Some("smtp.banner"),
        _ => None,
    }
}

/// One recog fingerprint.
#[derive(Debug, Clone)]
pub struct RecogFingerprint {
    /// The fingerprint's `<description>`.
    pub description: String,
    /// The recog file it came from.
    pub file: String,
    /// The line of its `<fingerprint>` element in that file.
    pub line: usize,
    pattern: Pattern,
    /// (name, capture position, fixed value)
    params: Vec<(String, usize, String)>,
    /// The fingerprint's inline `<example>`s, which [`Recog::lint`] checks.
    pub examples: Vec<RecogExample>,
}

/// An example text and the params it must yield.
#[derive(Debug, Clone)]
pub struct RecogExample {
    /// The example text.
    pub text: String,
    /// The params (`service.vendor`, `os.version`...) it must yield.
    pub expect: BTreeMap<String, String>,
    /// The line of the `<example>` element.
    pub line: usize,
}

/// The fingerprints of one file, for one fact.
#[derive(Debug, Clone)]
struct RecogFile {
    fact: &'static str,
    fingerprints: Vec<RecogFingerprint>,
    /// Built when the file is first used.
    prefilter: OnceLock<Prefilter>,
}

impl RecogFile {
    /// Per fingerprint: whether it can match `text` (see [`Prefilter`]).
    fn candidates(&self, text: &str) -> Vec<bool> {
        self.prefilter
            .get_or_init(|| Prefilter::new(self.fingerprints.iter().map(|f| f.pattern.as_str())))
            .candidates(text)
    }

    /// The first fingerprint that matches `text`, with its params.
    fn first_match(&self, text: &str) -> Option<(&RecogFingerprint, BTreeMap<String, String>)> {
        self.fingerprints
            .iter()
            .zip(self.candidates(text))
            .filter(|(_, may)| *may)
            .find_map(|(fp, _)| fp.params_for(text).map(|p| (fp, p)))
    }
}

/// What loading found (the note a scan and `checks lint` print).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoadStats {
    /// Recog files read.
    pub files: usize,
    /// Files whose `matches` key has no stadscan fact (mDNS, SMB, NTP...).
    pub files_skipped: usize,
    /// Fingerprints loaded.
    pub fingerprints: usize,
    /// Patterns Rust's regex cannot express (look-around, back-references).
    pub unsupported: usize,
    /// Examples that are not inline text (external files).
    pub examples_skipped: usize,
}

/// The loaded recog database.
#[derive(Debug, Clone, Default)]
pub struct Recog {
    files: Vec<RecogFile>,
    /// What loading found.
    pub stats: LoadStats,
    /// One line per unsupported pattern: `file:line: reason`.
    pub unsupported: Vec<String>,
}

/// A recog folder that cannot be read at all.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {message}")]
pub struct RecogError {
    /// The folder or file at fault.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// A recog file that is not one.
#[derive(Debug, thiserror::Error)]
pub enum RecogFileError {
    /// The file is not well-formed XML.
    #[error(transparent)]
    Xml(#[from] crate::proto::ParseError),
    /// The root element is not `<fingerprints>`; holds its name.
    #[error("the root element is <{0}>, not <fingerprints>")]
    Root(String),
}

impl Recog {
    /// Loads every `*.xml` file in `dir` (or in `dir/xml` when `dir` is a
    /// checkout's root).
    pub fn load(dir: &Path) -> Result<Recog, RecogError> {
        let root = if dir.join("xml").is_dir() {
            dir.join("xml")
        } else {
            dir.to_path_buf()
        };
        let err = |p: &Path, m: String| RecogError {
            path: p.display().to_string(),
            message: m,
        };
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&root)
            .map_err(|e| err(&root, e.to_string()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "xml"))
            .collect();
        paths.sort();
        if paths.is_empty() {
            return Err(err(
                &root,
                "no recog *.xml files here (give the xml/ folder of a recog checkout)".into(),
            ));
        }
        let mut recog = Recog::default();
        for p in paths {
            let meta = std::fs::metadata(&p).map_err(|e| err(&p, e.to_string()))?;
            if meta.len() > MAX_FILE as u64 {
                return Err(err(&p, format!("larger than {MAX_FILE} bytes")));
            }
            let text = std::fs::read(&p).map_err(|e| err(&p, e.to_string()))?;
            let name = p
                .file_name()
                .map_or(String::new(), |n| n.to_string_lossy().into_owned());
            recog
                .add_file(&name, &text)
                .map_err(|m| err(&p, m.to_string()))?;
        }
        Ok(recog)
    }

    /// Parses one recog file given its name and bytes.
    pub fn add_file(&mut self, name: &str, bytes: &[u8]) -> Result<(), RecogFileError> {
        // Most upstream files read facts stadscan does not have (mDNS, SMB,
        // favicons...): their root tag says so, and they are not parsed.
        if let Some(key) = declared_key(bytes)
            && fact_for(&key).is_none()
        {
            self.stats.files += 1;
            self.stats.files_skipped += 1;
            return Ok(());
        }
        let doc = crate::proto::xml::parse_limited(bytes, MAX_FILE)?;
        let root = doc.root();
        if doc.name(root) != "fingerprints" {
            return Err(RecogFileError::Root(doc.name(root).to_string()));
        }
        self.stats.files += 1;
        let key = doc
            .attr(root, "matches")
            .or_else(|| key_from_file_name(name));
        let Some(fact) = key.and_then(fact_for) else {
            self.stats.files_skipped += 1;
            return Ok(());
        };
        let text = String::from_utf8_lossy(bytes);
        // Lines of the <fingerprint> start tags and examples, in order, to
        // point errors at the file.
        let fp_lines = tag_lines(&text, "<fingerprint ");
        let ex_lines = tag_lines(&text, "<example");
        let mut ex_seen = 0;
        let mut fingerprints = Vec::new();
        for (n, fp) in doc.children(root, "fingerprint").enumerate() {
            let line = fp_lines.get(n).copied().unwrap_or(0);
            let examples: Vec<_> = doc.children(fp, "example").collect();
            let ex_start = ex_seen;
            ex_seen += examples.len();
            let Some(source) = doc.attr(fp, "pattern") else {
                continue;
            };
            let flags = doc.attr(fp, "flags").unwrap_or("");
            // Parsed and compiled when first used (a scan tries only the
            // files of the facts it meets, and stops at the first match).
            let pattern = match translate(source, flags)
                .map(|p| Pattern::deferred(&p, false, RECOG_REGEX_SIZE_LIMIT))
            {
                Ok(p) => p,
                Err(reason) => {
                    self.stats.unsupported += 1;
                    self.unsupported.push(format!("{name}:{line}: {reason}"));
                    continue;
                }
            };
            let params = doc
                .children(fp, "param")
                .filter_map(|p| {
                    let pname = doc.attr(p, "name")?.to_string();
                    let pos = doc.attr(p, "pos").and_then(|v| v.parse().ok()).unwrap_or(0);
                    Some((pname, pos, doc.attr(p, "value").unwrap_or("").to_string()))
                })
                .collect();
            let mut exs = Vec::new();
            for (k, ex) in examples.into_iter().enumerate() {
                let mut expect = BTreeMap::new();
                let mut base64 = false;
                let mut external = false;
                for (a, v) in doc.attrs(ex) {
                    match a {
                        "_encoding" => base64 = v == "base64",
                        "_filename" => external = true,
                        a if a.starts_with('_') => {}
                        a => {
                            expect.insert(a.to_string(), v.to_string());
                        }
                    }
                }
                // Examples are matched as written: trailing blanks count.
                let raw = doc.raw_text(ex);
                let text = if base64 {
                    let compact: String = raw.split_whitespace().collect();
                    crate::proto::http::base64_decode(&compact)
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                } else {
                    Some(raw.to_string())
                };
                match text {
                    Some(t) if !external => exs.push(RecogExample {
                        text: t,
                        expect,
                        line: ex_lines.get(ex_start + k).copied().unwrap_or(line),
                    }),
                    _ => self.stats.examples_skipped += 1,
                }
            }
            fingerprints.push(RecogFingerprint {
                description: doc
                    .child_text(fp, "description")
                    .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
                    .unwrap_or_default(),
                file: name.to_string(),
                line,
                pattern,
                params,
                examples: exs,
            });
        }
        self.stats.fingerprints += fingerprints.len();
        self.files.push(RecogFile {
            fact,
            fingerprints,
            prefilter: OnceLock::new(),
        });
        Ok(())
    }

    /// Every fingerprint of every loaded file.
    pub fn fingerprints(&self) -> impl Iterator<Item = &RecogFingerprint> {
        self.files.iter().flat_map(|f| f.fingerprints.iter())
    }

    /// Every fingerprint with the stadscan fact its file reads.
    pub fn fingerprints_by_fact(&self) -> impl Iterator<Item = (&'static str, &RecogFingerprint)> {
        self.files
            .iter()
            .flat_map(|f| f.fingerprints.iter().map(move |fp| (f.fact, fp)))
    }

    /// The params of the first fingerprint matching `text` in files that
    /// read `fact`.
    pub fn match_fact(
        &self,
        fact: &str,
        text: &str,
    ) -> Option<(&RecogFingerprint, BTreeMap<String, String>)> {
        self.files
            .iter()
            .filter(|f| f.fact == fact)
            .find_map(|f| f.first_match(text))
    }

    /// Candidates from one observation: one per fact a recog file reads.
    pub fn candidates(&self, lexicon: &Lexicon, o: &Observation, out: &mut Vec<Candidate>) {
        let mut done: Vec<&str> = Vec::new();
        for f in &self.files {
            if done.contains(&f.fact) {
                continue;
            }
            done.push(f.fact);
            let Some(text) = fact_text(&o.facts, f.fact) else {
                continue;
            };
            if let Some((fp, params)) = self.match_fact(f.fact, &text) {
                out.extend(candidate(lexicon, fp, &params));
            }
        }
    }

    /// Every example of every fingerprint must match its own pattern and
    /// yield the params it names: one line per failure. Compiles every
    /// pattern: one whose syntax Rust's regex lacks is counted with the
    /// unsupported ones (loading finds only what the translation sees).
    /// Also checks that the prefilter lets every example through.
    pub fn lint(&mut self) -> Vec<String> {
        let mut failures = Vec::new();
        let mut unsupported = Vec::new();
        let all = self.files.iter().flat_map(|f| {
            f.fingerprints
                .iter()
                .enumerate()
                .map(move |(i, fp)| (f, i, fp))
        });
        for (file, i, fp) in all {
            if let Err(e) = fp.pattern.compile() {
                let text = e.to_string();
                if matches!(e, regex::Error::Syntax(_)) {
                    unsupported.push(format!("{}:{}: {}", fp.file, fp.line, first_line(&text)));
                } else {
                    failures.push(format!(
                        "{}:{}: the pattern does not compile: {}",
                        fp.file,
                        fp.line,
                        first_line(&text)
                    ));
                }
                continue;
            }
            for ex in &fp.examples {
                let Some(got) = fp.params_for(&ex.text) else {
                    failures.push(format!(
                        "{}:{}: example does not match `{}` ({})",
                        fp.file,
                        ex.line,
                        fp.pattern.as_str(),
                        fp.description
                    ));
                    continue;
                };
                if !file.candidates(&ex.text)[i] {
                    failures.push(format!(
                        "{}:{}: the prefilter would not try `{}` on this example (a stadscan bug)",
                        fp.file,
                        ex.line,
                        fp.pattern.as_str()
                    ));
                }
                for (k, want) in &ex.expect {
                    if got.get(k) != Some(want) {
                        failures.push(format!(
                            "{}:{}: example expects {k} = `{want}`, the fingerprint gives {}",
                            fp.file,
                            ex.line,
                            got.get(k)
                                .map_or("nothing".to_string(), |g| format!("`{g}`"))
                        ));
                    }
                }
            }
        }
        for u in unsupported {
            if !self.unsupported.contains(&u) {
                self.stats.unsupported += 1;
                self.unsupported.push(u);
            }
        }
        failures
    }
}

impl RecogFingerprint {
    /// The params a text yields, if the pattern matches it.
    pub fn params_for(&self, text: &str) -> Option<BTreeMap<String, String>> {
        let caps = self.pattern.captures(text)?;
        let mut out = BTreeMap::new();
        for (name, pos, value) in &self.params {
            let v = if *pos == 0 {
                value.clone()
            } else {
                match caps.get(*pos) {
                    Some(m) => m.as_str().to_string(),
                    None => continue,
                }
            };
            if !v.is_empty() {
                out.insert(name.clone(), v);
            }
        }
        // `{service.version}` in a fixed value (CPEs) takes the named param.
        let snapshot = out.clone();
        for v in out.values_mut() {
            while let Some(open) = v.find('{') {
                let Some(close) = v[open..].find('}') else {
                    break;
                };
                let key = &v[open + 1..open + close];
                let fill = snapshot.get(key).cloned().unwrap_or_else(|| "-".into());
                v.replace_range(open..=open + close, &fill);
            }
        }
        Some(out)
    }
}

/// The text of the fact a recog file reads. `WWW-Authenticate` is put back
/// together from the scheme and realm the HTTP probe keeps; the SSH
/// identification is the banner after `SSH-2.0-`; a Telnet banner gets its
/// login prompt line back.
fn fact_text(facts: &Facts, fact: &str) -> Option<String> {
    if fact == "ssh.identification" {
        let banner = facts.get("ssh.banner").map(FactValue::render);
        let after = banner.as_deref().and_then(|b| {
            let rest = b.strip_prefix("SSH-")?;
            rest.split_once('-').map(|(_, id)| id.to_string())
        });
        return after.or_else(|| facts.get("ssh.software").map(FactValue::render));
    }
    if fact == "http.www_authenticate" {
        let scheme = facts.get("http.auth_scheme")?.render();
        let mut s = String::new();
        let mut chars = scheme.chars();
        if let Some(c) = chars.next() {
            s.extend(c.to_uppercase());
            s.push_str(chars.as_str());
        }
        if let Some(r) = facts.get("http.auth_realm") {
            s.push_str(&format!(" realm=\"{}\"", r.render()));
        }
        return Some(s);
    }
    if fact == "telnet.banner" {
        // The Telnet probe keeps the login prompt line apart; recog's
        // patterns read the whole opening, prompt included.
        let banner = facts.get("telnet.banner").map(FactValue::render);
        let prompt = facts.get("telnet.login_prompt").map(FactValue::render);
        return match (banner, prompt) {
            (Some(b), Some(p)) => Some(format!("{b}\r\n{p}")),
            (b, p) => b.or(p),
        };
    }
    match facts.get(fact)? {
        FactValue::Text(t) => Some(t.clone()),
        other => Some(other.render()),
    }
}

/// General-purpose computers among recog's device types: what runs there
/// says nothing about the maker of the box.
pub const COMPUTERS: &[&str] = &[
    "general",
    "desktop",
    "laptop",
    "server",
    "hypervisor",
    "tablet",
    "mobile phone",
    "mobile",
];

/// A recog device type (`hw.device`, `os.device`) as a class.
pub fn device_class(lexicon: &Lexicon, device: &str) -> Option<DeviceClass> {
    let d = device.to_ascii_lowercase();
    let direct = match d.as_str() {
        "wap" | "wireless access point" => Some(DeviceClass::AccessPoint),
        "multifunction device" | "print server" | "scanner" => Some(DeviceClass::Printer),
        "power device" | "pdu" => Some(DeviceClass::UpsPower),
        "storage" | "storage appliance" | "tape library" => Some(DeviceClass::Nas),
        "dvr" | "nvr" => Some(DeviceClass::Nvr),
        "web cam" | "video encoder" => Some(DeviceClass::Camera),
        "security appliance" | "utm" | "vpn" => Some(DeviceClass::Firewall),
        "device server"
        | "wireless controller"
        | "network management device"
        | "network appliance" => Some(DeviceClass::NetworkGear),
        "hmi controller" => Some(DeviceClass::Plc),
        "alarm panel" => Some(DeviceClass::AccessControl),
        "lights out management" => Some(DeviceClass::Server),
        d if COMPUTERS.contains(&d) => Some(DeviceClass::Server),
        _ => None,
    };
    direct.or_else(|| lexicon.read(device).and_then(|r| r.class))
}

fn candidate(
    lexicon: &Lexicon,
    fp: &RecogFingerprint,
    p: &BTreeMap<String, String>,
) -> Option<Candidate> {
    let get = |k: &str| p.get(k).filter(|v| !v.is_empty()).cloned();
    let device_type = get("hw.device").or_else(|| get("os.device"));
    let class = device_type
        .as_deref()
        .and_then(|d| device_class(lexicon, d));
    let computer = device_type
        .as_deref()
        .is_some_and(|d| COMPUTERS.contains(&d.to_ascii_lowercase().as_str()));
    let device_vendor =
        |k: &str| get(k).and_then(|v| lexicon.canonical_vendor(&v).map(str::to_string));
    // The tier that speaks about the device: hardware first, then an
    // operating system or service whose vendor makes devices.
    let (vendor, product, version, generic) =
        if get("hw.vendor").is_some() || get("hw.product").is_some() {
            let v = get("hw.vendor").map(|v| {
                lexicon
                    .canonical_vendor(&v)
                    .map_or(v.clone(), str::to_string)
            });
            (
                v,
                get("hw.product"),
                get("hw.version").or_else(|| get("os.version")),
                false,
            )
        } else if let Some(v) = device_vendor("os.vendor").filter(|_| !computer) {
            (Some(v), get("os.product"), get("os.version"), false)
        } else if let Some(v) = device_vendor("service.vendor").filter(|_| !computer) {
            (
                Some(v),
                get("service.product"),
                get("service.version"),
                false,
            )
        } else if device_type.is_some() && !computer {
            (
                get("os.vendor"),
                get("os.product"),
                get("os.version"),
                false,
            )
        } else {
            (
                get("service.vendor").or_else(|| get("os.vendor")),
                get("service.product").or_else(|| get("os.product")),
                get("service.version").or_else(|| get("os.version")),
                true,
            )
        };
    if vendor.is_none() && product.is_none() && class.is_none() {
        return None;
    }
    Some(Candidate {
        vendor,
        product,
        version,
        class: class.unwrap_or(DeviceClass::Unknown),
        basis: if class.is_some() {
            Basis::Product
        } else {
            Basis::None
        },
        confidence: Confidence::Medium,
        layer: Layer::Fingerprint,
        generic: generic || computer,
        source: format!("recog:{}:{}", fp.file, fp.line),
    })
}

/// A recog pattern feature Rust's regex cannot express (a back-reference,
/// a look-around...), or a flag stadscan does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Untranslatable(pub String);

/// Translates a recog (Ruby) pattern and its flags into Rust regex syntax,
/// or says what Rust cannot express.
pub fn translate(pattern: &str, flags: &str) -> Result<String, Untranslatable> {
    let mut prefix = String::from("(?m");
    for f in flags.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        match f {
            "REG_ICASE" => prefix.push('i'),
            // Ruby's MULTILINE (recog's REG_MULTILINE and REG_DOT_NEWLINE)
            // lets `.` match a newline: Rust's `s`.
            "REG_DOT_NEWLINE" | "REG_MULTILINE" => prefix.push('s'),
            // Ruby's `^`/`$` always match at line ends: `m` is set anyway.
            "REG_LINE_ANCHORS" => {}
            other => return Err(Untranslatable(format!("unknown flag {other}"))),
        }
    }
    prefix.push(')');
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(n) = chars.next() else {
                    return Err(Untranslatable("a trailing backslash".into()));
                };
                match n {
                    'h' if in_class => out.push_str("0-9a-fA-F"),
                    'h' => out.push_str("[0-9a-fA-F]"),
                    'H' if !in_class => out.push_str("[^0-9a-fA-F]"),
                    'Z' => out.push_str(r"(?:\n?\z)"),
                    '1'..='9' if !in_class => {
                        return Err(Untranslatable("a back-reference".into()));
                    }
                    'k' if chars.peek() == Some(&'<') => {
                        return Err(Untranslatable("a back-reference".into()));
                    }
                    'G' => return Err(Untranslatable("the \\G anchor".into())),
                    '/' | '\'' | '"' | '%' | '@' | '=' | ':' | ',' | '<' | '>' | '!' | ';'
                    | '_' | '`' | '~' => {
                        // Ruby accepts needless escapes of punctuation.
                        if n == '_' {
                            out.push('_');
                        } else {
                            out.push('\\');
                            out.push(n);
                        }
                    }
                    n => {
                        out.push('\\');
                        out.push(n);
                    }
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push(chars.next().unwrap_or('^'));
                }
                if chars.peek() == Some(&']') {
                    out.push_str(r"\]");
                    chars.next();
                }
            }
            '[' if in_class => {
                // A nested class or a POSIX class `[[:alpha:]]`.
                out.push('[');
                if chars.peek() == Some(&':') {
                    for d in chars.by_ref() {
                        out.push(d);
                        if d == ']' {
                            break;
                        }
                    }
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            '(' if !in_class && chars.peek() == Some(&'?') => {
                let rest: String = chars.clone().take(3).collect();
                if rest.starts_with("?=")
                    || rest.starts_with("?!")
                    || rest.starts_with("?<=")
                    || rest.starts_with("?<!")
                {
                    return Err(Untranslatable("a look-around".into()));
                }
                if rest.starts_with("?>") {
                    return Err(Untranslatable("an atomic group".into()));
                }
                // Ruby's inline `m` is Rust's `s`.
                out.push('(');
                out.push('?');
                chars.next();
                while let Some(&f) = chars.peek() {
                    if f.is_ascii_alphabetic() || f == '-' {
                        out.push(if f == 'm' { 's' } else { f });
                        chars.next();
                    } else {
                        break;
                    }
                }
            }
            '+' | '*' | '?' | '}' if !in_class && chars.peek() == Some(&'+') => {
                return Err(Untranslatable("a possessive quantifier".into()));
            }
            c => out.push(c),
        }
    }
    Ok(format!("{prefix}{out}"))
}

/// The message line of a regex error (the parser's error ends with it,
/// after the pattern and a line of carets).
fn first_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .rfind(|l| {
            !l.is_empty()
                && !l.starts_with("regex parse error")
                && !l.chars().all(|c| c == '^' || c == ' ')
        })
        .unwrap_or(s)
        .to_string()
}

/// The 1-based lines where each occurrence of `tag` starts, outside
/// comments (upstream files keep retired fingerprints in comments). One
/// pass: the next comment is looked up again only once it is behind.
fn tag_lines(text: &str, tag: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let (mut pos, mut line, mut counted) = (0, 1, 0);
    let mut comment = text.find("<!--");
    while let Some(t) = text[pos..].find(tag).map(|t| pos + t) {
        if let Some(c) = comment.filter(|&c| c < t) {
            pos = text[c..].find("-->").map_or(text.len(), |e| c + e + 3);
            comment = text[pos..].find("<!--").map(|n| pos + n);
            continue;
        }
        line += text[counted..t].matches('\n').count();
        counted = t;
        out.push(line);
        pos = t + tag.len();
    }
    out
}

#[cfg(test)]
#[path = "recog_tests.rs"]
mod tests;
