//! The NCSC-NL TLS guidelines as data: which protocol versions, cipher
//! suites, groups, certificate keys, hashes and TLS behaviours are Good,
//! Sufficient, Phase-out or Insufficient.
//!
//! The classes live in `baselines/ncsc-tls-*.toml` (one file per guideline
//! version, embedded into the binary) rather than in code, so an auditor can
//! read and diff exactly what the scanner applies, and a city can pin the
//! guideline version it audits against. Files are checked when they load:
//! duplicate code points, unknown names, overlapping key-size ranges and
//! examples that do not hold are errors naming the file and line. Lookups
//! are map reads built once at load.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::ops::Range as ByteRange;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::knowledge::line_of;
use crate::knowledge::validate::{DataFile, Problem};

/// The guideline version applied when the scope names none.
pub const DEFAULT_POLICY: &str = "ncsc-2025-05";

/// The `kind` that marks a baselines file as a TLS policy (other files
/// there are control catalogues).
const KIND: &str = "tls-policy";

/// A TLS policy that cannot be used. Names the file, line and field.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// No built-in policy has this id.
    #[error("no TLS policy `{id}`; known: {}", known.join(", "))]
    Unknown {
        /// The id asked for.
        id: String,
        /// The ids of the built-in policies.
        known: Vec<String>,
    },
    /// Not the TOML of a policy file (`field` when the key is known).
    #[error("{}{}", location(path, *line, field.as_deref()), source.message().trim())]
    Toml {
        /// The policy file.
        path: String,
        /// The 1-based line of the error, when the parser gave a position.
        line: Option<usize>,
        /// The key at fault, when the error's position tells it.
        field: Option<String>,
        /// The TOML parser's error.
        source: Box<toml::de::Error>,
    },
    /// A table or an example breaks a rule.
    #[error("{path}:{line}: `{field}`: {problem}")]
    Invalid {
        /// The policy file.
        path: String,
        /// The 1-based line of the offending entry.
        line: usize,
        /// The table or key at fault (`suite`, `example`, `kind`...).
        field: String,
        /// What is wrong, in words.
        problem: String,
    },
}

/// "path:line: `field`: ", as much of it as is known.
fn location(path: &str, line: Option<usize>, field: Option<&str>) -> String {
    match (line, field) {
        (None, _) => format!("{path}: "),
        (Some(line), None) => format!("{path}:{line}: "),
        (Some(line), Some(field)) => format!("{path}:{line}: `{field}`: "),
    }
}

/// An example that does not fit its item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExampleError {
    /// The example sets a field its item does not use.
    #[error("`{field}` does not apply to {item}")]
    Extra {
        /// The field that was set (`code`, `name`, `bits`, `on`, `count`).
        field: &'static str,
        /// The example's item, as the policy file names it.
        item: &'static str,
    },
    /// The example lacks a field its item needs.
    #[error("{item} needs `{field}`")]
    Missing {
        /// The field that is missing.
        field: &'static str,
        /// The example's item, as the policy file names it.
        item: &'static str,
    },
}

/// A guideline class. Ordered from best to worst, so `max` over several
/// observations gives the verdict of the weakest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Recommended by the guideline; passes.
    Good,
    /// Acceptable; passes.
    Sufficient,
    /// Still accepted but to be removed; reported as a warning (low-severity
    /// findings, `tls.phase_out_*` facts).
    PhaseOut,
    /// Not acceptable; fails (`tls.insufficient_*` facts).
    Insufficient,
}

impl Class {
    /// Every class, from best to worst.
    pub const ALL: [Class; 4] = [
        Class::Good,
        Class::Sufficient,
        Class::PhaseOut,
        Class::Insufficient,
    ];

    /// The name used in the policy files and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Class::Good => "good",
            Class::Sufficient => "sufficient",
            Class::PhaseOut => "phase-out",
            Class::Insufficient => "insufficient",
        }
    }

    /// Good and Sufficient pass; Phase-out warns; Insufficient fails.
    pub fn passes(self) -> bool {
        self <= Class::Sufficient
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Class {
    type Err = UnknownClass;
    fn from_str(s: &str) -> Result<Class, Self::Err> {
        Class::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownClass(s.to_string()))
    }
}

/// A name that is none of the guideline [`Class`]es.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown class `{0}` (expected good, sufficient, phase-out or insufficient)")]
pub struct UnknownClass(pub String);

/// An on/off behaviour: the class when the server does it and when not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OnOff {
    /// The class when the server shows the behaviour.
    pub on: Class,
    /// The class when it does not.
    pub off: Class,
}

impl OnOff {
    /// [`OnOff::on`] when `on` is true, else [`OnOff::off`].
    pub fn get(self, on: bool) -> Class {
        if on { self.on } else { self.off }
    }
}

/// Client-initiated renegotiation, counted on one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientRenegotiation {
    /// Every client-initiated renegotiation refused.
    pub none: Class,
    /// At most `limit` accepted, then refused.
    pub limited: Class,
    /// More than `limit` accepted.
    pub unlimited: Class,
    /// Renegotiations per connection that still count as limited.
    pub limit: u32,
}

/// The behaviours that are not algorithm choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Other {
    /// TLS record compression accepted.
    pub compression: OnOff,
    /// Renegotiation without RFC 5746 protection (TLS 1.2 and older).
    pub insecure_renegotiation: OnOff,
    /// TLS 1.3 early data (0-RTT) accepted.
    pub zero_rtt: OnOff,
    /// The Extended Master Secret extension (RFC 7627) used in TLS 1.2.
    pub extended_master_secret: OnOff,
    /// Renegotiations the client may start on one connection.
    pub client_renegotiation: ClientRenegotiation,
}

/// What an example judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    /// A protocol version, by wire `code`.
    Version,
    /// A cipher suite, by IANA `code`.
    Suite,
    /// A key-exchange group, by IANA `code`.
    Group,
    /// A DHE group: `name` when it is a standard group, and its `bits`.
    DhGroup,
    /// A certificate RSA key, by `bits`.
    Rsa,
    /// A certificate ECDSA curve, by `name`.
    EcCurve,
    /// A certificate EdDSA key, by `name`.
    Eddsa,
    /// The hash of a certificate signature, by `name`.
    SignatureHash,
    /// The hash of the TLS 1.2 key-exchange signature, by `name`.
    KexHash,
    /// TLS compression, `on` or not.
    Compression,
    /// Renegotiation without RFC 5746, `on` or not.
    InsecureRenegotiation,
    /// TLS 1.3 early data, `on` or not.
    ZeroRtt,
    /// The Extended Master Secret extension, `on` or not.
    ExtendedMasterSecret,
    /// Client-initiated renegotiations accepted, as a `count`.
    ClientRenegotiation,
}

impl Item {
    /// The name used in the policy files.
    pub fn as_str(self) -> &'static str {
        match self {
            Item::Version => "version",
            Item::Suite => "suite",
            Item::Group => "group",
            Item::DhGroup => "dh_group",
            Item::Rsa => "rsa",
            Item::EcCurve => "ec_curve",
            Item::Eddsa => "eddsa",
            Item::SignatureHash => "signature_hash",
            Item::KexHash => "kex_hash",
            Item::Compression => "compression",
            Item::InsecureRenegotiation => "insecure_renegotiation",
            Item::ZeroRtt => "zero_rtt",
            Item::ExtendedMasterSecret => "extended_master_secret",
            Item::ClientRenegotiation => "client_renegotiation",
        }
    }

    /// (required, optional) fields of an example of this item.
    fn fields(self) -> (&'static [&'static str], &'static [&'static str]) {
        match self {
            Item::Version | Item::Suite | Item::Group => (&["code"], &[]),
            Item::DhGroup => (&["bits"], &["name"]),
            Item::Rsa => (&["bits"], &[]),
            Item::EcCurve | Item::Eddsa | Item::SignatureHash | Item::KexHash => (&["name"], &[]),
            Item::Compression
            | Item::InsecureRenegotiation
            | Item::ZeroRtt
            | Item::ExtendedMasterSecret => (&["on"], &[]),
            Item::ClientRenegotiation => (&["count"], &[]),
        }
    }
}

/// One worked example from a policy file: an observation and the class the
/// file promises for it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// What is judged; it decides which of the other fields are needed.
    pub item: Item,
    /// A wire code point (version, suite, group).
    #[serde(default)]
    pub code: Option<u16>,
    /// A name (group, curve, EdDSA key, hash).
    #[serde(default)]
    pub name: Option<String>,
    /// A size in bits (RSA key, DH prime).
    #[serde(default)]
    pub bits: Option<usize>,
    /// Whether an on/off behaviour is shown.
    #[serde(default)]
    pub on: Option<bool>,
    /// How many client renegotiations were accepted.
    #[serde(default)]
    pub count: Option<u32>,
    /// The class the file promises; loading fails when the tables give
    /// another.
    pub class: Class,
}

/// A listed code point (version, suite or group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The IANA name the file gives it (for readers; lookups use the code).
    pub name: String,
    /// Its class under this policy.
    pub class: Class,
    /// Where the policy file lists it, for reports that cite the file.
    pub line: usize,
}

/// An inclusive range of key or prime sizes in bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeRange {
    /// The smallest size in the range.
    pub min: usize,
    /// None: no upper bound.
    #[serde(default)]
    pub max: Option<usize>,
    /// The class of every size in the range.
    pub class: Class,
}

impl SizeRange {
    fn contains(&self, bits: usize) -> bool {
        bits >= self.min && self.max.is_none_or(|m| bits <= m)
    }
}

// ---- file schema --------------------------------------------------------

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    kind: Spanned<String>,
    id: String,
    title: String,
    #[serde(default)]
    source: Option<String>,
    default_suite: Class,
    default_group: Class,
    version: Vec<Spanned<RawCode>>,
    suite: Vec<Spanned<RawCode>>,
    group: Vec<Spanned<RawCode>>,
    dh_group: Vec<Spanned<RawName>>,
    dh_other: Vec<Spanned<SizeRange>>,
    rsa: Vec<Spanned<SizeRange>>,
    ec_curve: Vec<Spanned<RawName>>,
    eddsa: Vec<Spanned<RawName>>,
    signature_hash: RawHashes,
    kex_hash: RawHashes,
    other: Other,
    #[serde(default)]
    example: Vec<Spanned<Example>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCode {
    code: u16,
    name: String,
    class: Class,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawName {
    name: String,
    class: Class,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHashes {
    md5: Option<Class>,
    sha1: Option<Class>,
    sha224: Option<Class>,
    sha256: Option<Class>,
    sha384: Option<Class>,
    sha512: Option<Class>,
}

impl RawHashes {
    fn into_map(self) -> HashMap<&'static str, Class> {
        [
            ("md5", self.md5),
            ("sha1", self.sha1),
            ("sha224", self.sha224),
            ("sha256", self.sha256),
            ("sha384", self.sha384),
            ("sha512", self.sha512),
        ]
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect()
    }
}

// ---- names ----------------------------------------------------------------

/// Canonical name, then its other spellings.
type Aliases = &'static [(&'static str, &'static [&'static str])];

/// Certificate curves: the SEC name the policy files use, then the other
/// names (OpenSSL, NIST) and the OID a certificate carries.
const CURVES: Aliases = &[
    ("secp224r1", &["P-224", "nistp224", "1.3.132.0.33"]),
    (
        "secp256r1",
        &["prime256v1", "P-256", "nistp256", "1.2.840.10045.3.1.7"],
    ),
    ("secp384r1", &["P-384", "nistp384", "1.3.132.0.34"]),
    ("secp521r1", &["P-521", "nistp521", "1.3.132.0.35"]),
    ("brainpoolP256r1", &["1.3.36.3.3.2.8.1.1.7"]),
    ("brainpoolP384r1", &["1.3.36.3.3.2.8.1.1.11"]),
    ("brainpoolP512r1", &["1.3.36.3.3.2.8.1.1.13"]),
];

const EDDSA: Aliases = &[("Ed25519", &["1.3.101.112"]), ("Ed448", &["1.3.101.113"])];

/// Groups a DHE prime can be recognised as (RFC 7919 ffdhe, RFC 3526/2409
/// MODP). Only these may appear in `dh_group`, so a typo cannot silently
/// never match.
#[rustfmt::skip]
const DH_GROUPS: Aliases = &[
    ("ffdhe2048", &[]), ("ffdhe3072", &[]), ("ffdhe4096", &[]), ("ffdhe6144", &[]),
    ("ffdhe8192", &[]), ("modp768", &[]), ("modp1024", &[]), ("modp1536", &[]),
    ("modp2048", &[]), ("modp3072", &[]), ("modp4096", &[]), ("modp6144", &[]),
    ("modp8192", &[]),
];

const HASHES: &[&str] = &["md5", "sha1", "sha224", "sha256", "sha384", "sha512"];

fn canonical(table: Aliases, s: &str) -> Option<&'static str> {
    let s = s.trim();
    table
        .iter()
        .find(|(name, aliases)| {
            name.eq_ignore_ascii_case(s) || aliases.iter().any(|a| a.eq_ignore_ascii_case(s))
        })
        .map(|(name, _)| *name)
}

/// "SHA-256", "sha_256", "SHA256" -> "sha256".
fn canonical_hash(s: &str) -> Option<&'static str> {
    let norm: String = s
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' '))
        .collect::<String>()
        .to_ascii_lowercase();
    HASHES.iter().copied().find(|h| *h == norm)
}

// ---- the policy -------------------------------------------------------------

/// One guideline version, loaded from its file.
#[derive(Debug, Clone)]
pub struct Policy {
    /// "ncsc-2025-05", "ncsc-2.1".
    pub id: String,
    /// The guideline's full title.
    pub title: String,
    /// What the tables were taken from, when the file says.
    pub source: Option<String>,
    /// The file it came from ("baselines/ncsc-tls-2025-05.toml").
    pub path: String,
    /// The class of a cipher suite the file does not list.
    pub default_suite: Class,
    /// The class of a group the file does not list.
    pub default_group: Class,
    /// Listed protocol versions by wire code (unlisted ones are
    /// insufficient).
    pub versions: BTreeMap<u16, Entry>,
    /// Listed cipher suites by IANA code point.
    pub suites: BTreeMap<u16, Entry>,
    /// Listed key-exchange groups by IANA code point.
    pub groups: BTreeMap<u16, Entry>,
    dh_groups: HashMap<&'static str, Class>,
    dh_other: Vec<SizeRange>,
    rsa: Vec<SizeRange>,
    ec_curves: HashMap<&'static str, Class>,
    eddsa: HashMap<&'static str, Class>,
    signature_hashes: HashMap<&'static str, Class>,
    kex_hashes: HashMap<&'static str, Class>,
    /// The classes of the behaviours that are not algorithm choices.
    pub other: Other,
    /// The file's worked examples, all of which hold.
    pub examples: Vec<Example>,
}

impl Policy {
    /// A policy built into the binary, by id ("ncsc-2025-05", "ncsc-2.1").
    /// Parses the file on each call: load once per scan and share it.
    pub fn embedded(id: &str) -> Result<Policy, PolicyError> {
        match embedded_files().find(|(_, file_id, _)| file_id == id) {
            Some((path, _, text)) => Policy::parse(path, text),
            None => Err(PolicyError::Unknown {
                id: id.to_string(),
                known: ids(),
            }),
        }
    }

    /// Parses and checks a policy file. Errors read
    /// "path:line: `field`: what is wrong".
    pub fn parse(path: &str, text: &str) -> Result<Policy, PolicyError> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| toml_error(path, text, e))?;
        let src = Source {
            file: DataFile::new(path, text),
        };
        if raw.kind.get_ref() != KIND {
            let found = raw.kind.get_ref();
            let msg = format!("expected \"{KIND}\", found \"{found}\"");
            return Err(src.error(raw.kind.span(), "kind", msg));
        }
        let policy = Policy {
            id: raw.id,
            title: raw.title,
            source: raw.source,
            path: path.to_string(),
            default_suite: raw.default_suite,
            default_group: raw.default_group,
            versions: src.codes("version", raw.version)?,
            suites: src.codes("suite", raw.suite)?,
            groups: src.codes("group", raw.group)?,
            dh_groups: src.names("dh_group", raw.dh_group, DH_GROUPS)?,
            dh_other: src.ranges("dh_other", raw.dh_other)?,
            rsa: src.ranges("rsa", raw.rsa)?,
            ec_curves: src.names("ec_curve", raw.ec_curve, CURVES)?,
            eddsa: src.names("eddsa", raw.eddsa, EDDSA)?,
            signature_hashes: raw.signature_hash.into_map(),
            kex_hashes: raw.kex_hash.into_map(),
            other: raw.other,
            examples: Vec::new(),
        };

        // Examples are promises: a file whose examples do not hold is not
        // loaded, so an edited table cannot drift from its documentation.
        let mut examples = Vec::with_capacity(raw.example.len());
        for item in raw.example {
            let span = item.span();
            let ex = item.into_inner();
            let got = policy
                .judge(&ex)
                .map_err(|e| src.error(span.clone(), "example", e.to_string()))?;
            if got != ex.class {
                let msg = format!("the tables give {got}, the example says {}", ex.class);
                return Err(src.error(span, "example", msg));
            }
            examples.push(ex);
        }
        Ok(Policy { examples, ..policy })
    }

    /// A protocol version by wire code (SSL 2.0 as 0x0002). Unknown:
    /// insufficient.
    pub fn version(&self, wire: u16) -> Class {
        self.versions
            .get(&wire)
            .map_or(Class::Insufficient, |e| e.class)
    }

    /// A cipher suite by IANA code point; unlisted: the file's default.
    pub fn suite(&self, code: u16) -> Class {
        self.suites
            .get(&code)
            .map_or(self.default_suite, |e| e.class)
    }

    /// A supported_groups code point; unlisted: the file's default.
    pub fn group(&self, code: u16) -> Class {
        self.groups
            .get(&code)
            .map_or(self.default_group, |e| e.class)
    }

    /// A DHE group: by name when the prime is a known group ("ffdhe3072",
    /// "modp2048"), otherwise (self-generated) by its size in bits.
    pub fn dh_group(&self, name: Option<&str>, bits: usize) -> Class {
        let named = name.and_then(|n| canonical(DH_GROUPS, n));
        if let Some(c) = named.and_then(|n| self.dh_groups.get(n)) {
            return *c;
        }
        in_ranges(&self.dh_other, bits)
    }

    /// A certificate RSA key by modulus size.
    pub fn rsa_key(&self, bits: usize) -> Class {
        in_ranges(&self.rsa, bits)
    }

    /// A certificate ECDSA curve, by SEC/OpenSSL/NIST name or OID.
    pub fn ec_curve(&self, curve_oid_or_name: &str) -> Class {
        canonical(CURVES, curve_oid_or_name)
            .and_then(|c| self.ec_curves.get(c).copied())
            .unwrap_or(Class::Insufficient)
    }

    /// A certificate EdDSA key, by name ("Ed25519") or OID.
    pub fn eddsa(&self, name: &str) -> Class {
        canonical(EDDSA, name)
            .and_then(|c| self.eddsa.get(c).copied())
            .unwrap_or(Class::Insufficient)
    }

    /// The hash of a certificate signature ("sha256", "SHA-1", "md5"...).
    pub fn signature_hash(&self, hash: &str) -> Class {
        canonical_hash(hash)
            .and_then(|h| self.signature_hashes.get(h).copied())
            .unwrap_or(Class::Insufficient)
    }

    /// The hash of the TLS 1.2 ServerKeyExchange signature.
    pub fn kex_hash(&self, hash: &str) -> Class {
        canonical_hash(hash)
            .and_then(|h| self.kex_hashes.get(h).copied())
            .unwrap_or(Class::Insufficient)
    }

    /// A server that accepts TLS compression. (Refusing it: `other.compression.off`.)
    pub fn compression(&self) -> Class {
        self.other.compression.on
    }

    /// A server that renegotiates without RFC 5746 (TLS <= 1.2).
    pub fn insecure_renegotiation(&self) -> Class {
        self.other.insecure_renegotiation.on
    }

    /// A server that accepts TLS 1.3 early data.
    pub fn zero_rtt(&self) -> Class {
        self.other.zero_rtt.on
    }

    /// A TLS 1.2 handshake without the Extended Master Secret extension.
    pub fn missing_extended_master_secret(&self) -> Class {
        self.other.extended_master_secret.off
    }

    /// Client-initiated renegotiations the server accepted on one
    /// connection. A probe should try `client_renegotiation_limit() + 1`;
    /// accepting all of them counts as unlimited.
    pub fn client_renegotiation(&self, accepted: u32) -> Class {
        let r = &self.other.client_renegotiation;
        match accepted {
            0 => r.none,
            n if n <= r.limit => r.limited,
            _ => r.unlimited,
        }
    }

    /// The most client renegotiations per connection that count as
    /// limited ([`ClientRenegotiation::limit`]).
    pub fn client_renegotiation_limit(&self) -> u32 {
        self.other.client_renegotiation.limit
    }

    /// The class this policy gives an example's observation; an error when
    /// the example lacks a field its item needs or has one it cannot use.
    pub fn judge(&self, ex: &Example) -> Result<Class, ExampleError> {
        let present = [
            ("code", ex.code.is_some()),
            ("name", ex.name.is_some()),
            ("bits", ex.bits.is_some()),
            ("on", ex.on.is_some()),
            ("count", ex.count.is_some()),
        ];
        let (required, optional) = ex.item.fields();
        for (field, is) in present {
            let item = ex.item.as_str();
            if is && !required.contains(&field) && !optional.contains(&field) {
                return Err(ExampleError::Extra { field, item });
            }
            if !is && required.contains(&field) {
                return Err(ExampleError::Missing { field, item });
            }
        }
        // Presence was checked above, so the defaults below are never used.
        let code = ex.code.unwrap_or_default();
        let name = ex.name.as_deref().unwrap_or_default();
        let on = ex.on.unwrap_or_default();
        Ok(match ex.item {
            Item::Version => self.version(code),
            Item::Suite => self.suite(code),
            Item::Group => self.group(code),
            Item::DhGroup => self.dh_group(ex.name.as_deref(), ex.bits.unwrap_or_default()),
            Item::Rsa => self.rsa_key(ex.bits.unwrap_or_default()),
            Item::EcCurve => self.ec_curve(name),
            Item::Eddsa => self.eddsa(name),
            Item::SignatureHash => self.signature_hash(name),
            Item::KexHash => self.kex_hash(name),
            Item::Compression => self.other.compression.get(on),
            Item::InsecureRenegotiation => self.other.insecure_renegotiation.get(on),
            Item::ZeroRtt => self.other.zero_rtt.get(on),
            Item::ExtendedMasterSecret => self.other.extended_master_secret.get(on),
            Item::ClientRenegotiation => self.client_renegotiation(ex.count.unwrap_or_default()),
        })
    }
}

/// The ids of the policies built into the binary, in file order.
pub fn ids() -> Vec<String> {
    embedded_files().map(|(_, id, _)| id).collect()
}

/// (path, id, text) of every embedded baselines file that is a TLS policy.
fn embedded_files() -> impl Iterator<Item = (&'static str, String, &'static str)> {
    crate::knowledge::embedded::BASELINE_FILES
        .iter()
        .filter_map(|(path, text)| {
            let table: toml::Table = toml::from_str(text).ok()?;
            if table.get("kind")?.as_str()? != KIND {
                return None;
            }
            let id = table.get("id")?.as_str()?.to_string();
            Some((*path, id, *text))
        })
}

/// The file being parsed, for errors that name its lines.
struct Source<'a> {
    file: DataFile<'a>,
}

impl PolicyError {
    /// A policy file's `problem` (of the table or example at `span` when
    /// the problem has no span of its own), as every data file names one:
    /// file, line and field.
    fn invalid(file: &DataFile<'_>, span: ByteRange<usize>, problem: Problem) -> PolicyError {
        PolicyError::Invalid {
            path: file.path.to_string(),
            line: file.line(problem.span.as_ref().unwrap_or(&span).start),
            field: problem.field,
            problem: problem.message,
        }
    }
}

impl Source<'_> {
    fn error(&self, span: ByteRange<usize>, field: &str, problem: String) -> PolicyError {
        PolicyError::invalid(&self.file, span, Problem::new(field, problem))
    }

    /// A code-point table; a code listed twice is an error.
    fn codes(
        &self,
        table: &str,
        list: Vec<Spanned<RawCode>>,
    ) -> Result<BTreeMap<u16, Entry>, PolicyError> {
        let mut out: BTreeMap<u16, Entry> = BTreeMap::new();
        for item in list {
            let span = item.span();
            let e = item.into_inner();
            if let Some(first) = out.get(&e.code) {
                let msg = format!(
                    "code 0x{:04X} listed twice (first on line {})",
                    e.code, first.line
                );
                return Err(self.error(span, table, msg));
            }
            let line = self.file.line(span.start);
            out.insert(
                e.code,
                Entry {
                    name: e.name,
                    class: e.class,
                    line,
                },
            );
        }
        Ok(out)
    }

    /// A name table; names must be known (in any spelling) and listed once.
    fn names(
        &self,
        table: &str,
        list: Vec<Spanned<RawName>>,
        known: Aliases,
    ) -> Result<HashMap<&'static str, Class>, PolicyError> {
        let mut out: HashMap<&'static str, (Class, usize)> = HashMap::new();
        for item in list {
            let span = item.span();
            let e = item.into_inner();
            let Some(name) = canonical(known, &e.name) else {
                let all: Vec<&str> = known.iter().map(|(n, _)| *n).collect();
                let msg = format!("unknown name `{}`; known: {}", e.name, all.join(", "));
                return Err(self.error(span, table, msg));
            };
            if let Some((_, first)) = out.get(name) {
                let msg = format!("`{name}` listed twice (first on line {first})");
                return Err(self.error(span, table, msg));
            }
            out.insert(name, (e.class, self.file.line(span.start)));
        }
        Ok(out.into_iter().map(|(k, (c, _))| (k, c)).collect())
    }

    /// Size ranges; they must not overlap, so a size has one class.
    fn ranges(
        &self,
        table: &str,
        list: Vec<Spanned<SizeRange>>,
    ) -> Result<Vec<SizeRange>, PolicyError> {
        let mut out: Vec<SizeRange> = Vec::new();
        for item in list {
            let (span, r) = (item.span(), *item.get_ref());
            if let Some(max) = r.max.filter(|m| *m < r.min) {
                return Err(self.error(span, table, format!("max {max} below min {}", r.min)));
            }
            let end = r.max.unwrap_or(usize::MAX);
            if let Some(o) = out
                .iter()
                .find(|o| o.min <= end && r.min <= o.max.unwrap_or(usize::MAX))
            {
                let msg = format!("range overlaps the one starting at {} bits", o.min);
                return Err(self.error(span, table, msg));
            }
            out.push(r);
        }
        Ok(out)
    }
}

fn in_ranges(ranges: &[SizeRange], bits: usize) -> Class {
    ranges
        .iter()
        .find(|r| r.contains(bits))
        .map_or(Class::Insufficient, |r| r.class)
}

/// A toml error as "path:line: `field`: message". toml reports a span but
/// not the key; the key is the span itself (an unknown field) or the last
/// `key =` before it on its line (a bad value).
fn toml_error(path: &str, text: &str, e: toml::de::Error) -> PolicyError {
    let span = e.span();
    PolicyError::Toml {
        path: path.to_string(),
        line: span.clone().map(|s| line_of(text, s.start)),
        field: span.and_then(|s| field_at(text, s)),
        source: Box::new(e),
    }
}

fn field_at(text: &str, span: ByteRange<usize>) -> Option<String> {
    let is_key = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let here = text.get(span.clone())?;
    if !here.is_empty()
        && here.chars().all(is_key)
        && !here.starts_with(|c: char| c.is_ascii_digit())
    {
        return Some(here.to_string());
    }
    let before = text.get(..span.start)?;
    let line = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
    let lhs = line.trim_end().strip_suffix('=')?.trim_end();
    let start = lhs.rfind(|c: char| !is_key(c)).map_or(0, |i| i + 1);
    let key = &lhs[start..];
    (!key.is_empty()).then(|| key.to_string())
}

#[cfg(test)]
#[path = "policy_tests.rs"]
mod tests;
