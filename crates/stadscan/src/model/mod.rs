//! The pipeline's data types: what each stage hands to the next.
//!
//! `Scope -> Target -> Endpoint -> Observation -> Finding -> Report` (see the
//! crate doc). They live together because every stage reads the ones before it,
//! and the output modules read all of them.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub mod tls;

/// Transport of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Udp,
}

impl Transport {
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which scope entry brought an address into the scan (index into
/// `Scope::networks` or `Scope::hosts`). SARIF locations point at its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "index")]
pub enum Origin {
    Network(usize),
    Host(usize),
}

/// An address admitted by the scope gate, with the name that led to it.
///
/// Only [`crate::scope::Scope::admit`] creates one, so holding a `Target` means
/// the gate said yes once; the network layer asks again before every connection.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    addr: IpAddr,
    hostname: Option<String>,
    origin: Origin,
}

impl Target {
    pub(crate) fn admitted(addr: IpAddr, hostname: Option<String>, origin: Origin) -> Self {
        Target {
            addr,
            hostname,
            origin,
        }
    }
    pub fn addr(&self) -> IpAddr {
        self.addr
    }
    pub fn hostname(&self) -> Option<&str> {
        self.hostname.as_deref()
    }
    pub fn origin(&self) -> Origin {
        self.origin
    }
}

/// An address, port and transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Endpoint {
    pub addr: IpAddr,
    pub port: u16,
    pub transport: Transport,
}

impl Endpoint {
    pub fn tcp(addr: IpAddr, port: u16) -> Self {
        Endpoint {
            addr,
            port,
            transport: Transport::Tcp,
        }
    }
    pub fn udp(addr: IpAddr, port: u16) -> Self {
        Endpoint {
            addr,
            port,
            transport: Transport::Udp,
        }
    }
}

/// `127.0.0.5:443/tcp`, `[::1]:161/udp`.
impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.addr {
            IpAddr::V4(a) => write!(f, "{a}:{}/{}", self.port, self.transport),
            IpAddr::V6(a) => write!(f, "[{a}]:{}/{}", self.port, self.transport),
        }
    }
}

/// How a conversation with a device ended. A misbehaving device is data, not
/// an error of the scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeStatus {
    Ok,
    Refused,
    Timeout,
    ProtocolError,
}

impl ProbeStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeStatus::Ok => "ok",
            ProbeStatus::Refused => "refused",
            ProbeStatus::Timeout => "timeout",
            ProbeStatus::ProtocolError => "protocol-error",
        }
    }
}

/// One fact value. Facts are named from one vocabulary ([`crate::facts`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FactValue {
    Bool(bool),
    Int(i64),
    Text(String),
    List(Vec<String>),
}

impl FactValue {
    /// The value as text, for messages and string matching.
    pub fn render(&self) -> String {
        match self {
            FactValue::Bool(b) => b.to_string(),
            FactValue::Int(i) => i.to_string(),
            FactValue::Text(s) => s.clone(),
            FactValue::List(v) => v.join(", "),
        }
    }
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            FactValue::Bool(b) => Some(*b),
            _ => None,
        }
    }
    pub fn as_int(&self) -> Option<i64> {
        match self {
            FactValue::Int(i) => Some(*i),
            FactValue::Text(s) => s.trim().parse().ok(),
            _ => None,
        }
    }
}

impl From<bool> for FactValue {
    fn from(v: bool) -> Self {
        FactValue::Bool(v)
    }
}
impl From<i64> for FactValue {
    fn from(v: i64) -> Self {
        FactValue::Int(v)
    }
}
impl From<u16> for FactValue {
    fn from(v: u16) -> Self {
        FactValue::Int(i64::from(v))
    }
}
impl From<u8> for FactValue {
    fn from(v: u8) -> Self {
        FactValue::Int(i64::from(v))
    }
}
impl From<String> for FactValue {
    fn from(v: String) -> Self {
        FactValue::Text(v)
    }
}
impl From<&str> for FactValue {
    fn from(v: &str) -> Self {
        FactValue::Text(v.to_string())
    }
}
impl From<Vec<String>> for FactValue {
    fn from(v: Vec<String>) -> Self {
        FactValue::List(v)
    }
}

/// Facts under dotted names (`http.server`, `cert.expired`...).
pub type Facts = BTreeMap<String, FactValue>;

/// Raw bytes a probe saw, bounded and made printable (device output is hostile
/// input: it is escaped before it goes anywhere).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// The probe step that saw it (`banner`, `http-get`, `tls-handshake`...).
    pub probe: String,
    /// The received bytes, non-printable bytes escaped as `\xNN`.
    pub received: String,
    /// How many bytes were received in total (may exceed what is kept).
    pub received_bytes: usize,
    /// True when `received` holds only the first part.
    pub truncated: bool,
}

/// Bytes of raw evidence kept per probe step.
pub const EVIDENCE_LIMIT: usize = 512;

impl Evidence {
    pub fn from_bytes(probe: &str, bytes: &[u8]) -> Self {
        let keep = &bytes[..bytes.len().min(EVIDENCE_LIMIT)];
        Evidence {
            probe: probe.to_string(),
            received: printable(keep),
            received_bytes: bytes.len(),
            truncated: bytes.len() > EVIDENCE_LIMIT,
        }
    }
}

/// Escapes everything outside printable ASCII (and `\`) as `\xNN`; keeps
/// `\r`, `\n` and `\t` readable.
pub fn printable(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\r' => out.push_str("\\r"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

/// Device text cleaned for facts: control characters (line breaks, NULs,
/// tabs, escapes) become one space between the words they separated, runs
/// of spaces collapse to one, and the length is capped.
///
/// A Telnet banner's lines or an SNMP sysDescr with a line break stay
/// separate words (`NPort NP6610-32` / `Console` does not become
/// `NP6610-32Console`), which the word-boundary matching of identification
/// needs.
pub fn clean_text(bytes: &[u8], max_chars: usize) -> String {
    let mut out = String::new();
    let mut gap = false;
    for c in String::from_utf8_lossy(bytes).chars() {
        if c.is_control() || c.is_whitespace() {
            gap = !out.is_empty();
            continue;
        }
        if out.chars().count() >= max_chars {
            break;
        }
        if gap {
            out.push(' ');
            gap = false;
        }
        out.push(c);
    }
    out
}

/// What probing learned about one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub endpoint: Endpoint,
    /// The scope host name that led to this address, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// Application protocol found by talking (`http`, `ssh`, `mqtt`,
    /// `telnet`, `ftp`, `rtsp`, `snmp`, `tls` when only the TLS layer
    /// answered, `unknown`).
    pub protocol: String,
    /// True when the protocol runs inside TLS.
    pub tls: bool,
    pub status: ProbeStatus,
    pub facts: Facts,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    pub elapsed_ms: u64,
    /// What the TLS assessment enumerated (versions, suites, groups...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_profile: Option<tls::TlsProfile>,
    /// DER certificates the modern handshake saw (leaf first); judged, not
    /// written out.
    #[serde(skip)]
    pub chain: Vec<Vec<u8>>,
}

impl Observation {
    pub fn new(endpoint: Endpoint, hostname: Option<String>) -> Self {
        Observation {
            endpoint,
            hostname,
            protocol: "unknown".to_string(),
            tls: false,
            status: ProbeStatus::Ok,
            facts: Facts::new(),
            evidence: Vec::new(),
            elapsed_ms: 0,
            tls_profile: None,
            chain: Vec::new(),
        }
    }

    /// The service name shown to users: `https`, `mqtts`, `ssh`, `telnet`...
    pub fn service(&self) -> String {
        service_name(&self.protocol, self.tls)
    }

    pub fn set(&mut self, name: &str, value: impl Into<FactValue>) {
        self.facts.insert(name.to_string(), value.into());
    }

    pub fn fact(&self, name: &str) -> Option<&FactValue> {
        self.facts.get(name)
    }
}

/// `http` + TLS is `https`; other protocols inside TLS get an `s` as the
/// IANA names do (`mqtts`, `rtsps`, `ftps`), bare TLS stays `tls`.
pub fn service_name(protocol: &str, tls: bool) -> String {
    match (protocol, tls) {
        ("tls", _) => "tls".to_string(),
        (p, false) => p.to_string(),
        ("unknown", true) => "tls".to_string(),
        (p, true) => format!("{p}s"),
    }
}

/// Severity of a finding. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = UnknownSeverity;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "none" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            other => Err(UnknownSeverity(other.to_string())),
        }
    }
}

/// A severity other than critical, high, medium, low and info.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity `{0}` (expected critical, high, medium, low or info)")]
pub struct UnknownSeverity(pub String);

/// The closed set of finding categories (DESIGN.md). Carried as a SARIF rule
/// tag; dashboards filter on these strings, so they never change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    TlsLegacyProtocol,
    TlsWeakCipher,
    TlsWeakKeyExchange,
    CertExpired,
    CertUntrusted,
    CertWeakKey,
    CertWeakSignature,
    CertNameMismatch,
    DefaultCredentials,
    UnauthenticatedAccess,
    CleartextAdmin,
    OutdatedFirmware,
    KnownExploited,
    ExposedOtProtocol,
    SshWeakAlgorithm,
    /// A service that answered in no protocol the scanner knows: likely
    /// missing from the inventory (BIO2 5.9).
    UnidentifiedService,
}

impl Category {
    pub const ALL: [Category; 16] = [
        Category::TlsLegacyProtocol,
        Category::TlsWeakCipher,
        Category::TlsWeakKeyExchange,
        Category::CertExpired,
        Category::CertUntrusted,
        Category::CertWeakKey,
        Category::CertWeakSignature,
        Category::CertNameMismatch,
        Category::DefaultCredentials,
        Category::UnauthenticatedAccess,
        Category::CleartextAdmin,
        Category::OutdatedFirmware,
        Category::KnownExploited,
        Category::ExposedOtProtocol,
        Category::SshWeakAlgorithm,
        Category::UnidentifiedService,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Category::TlsLegacyProtocol => "tls-legacy-protocol",
            Category::TlsWeakCipher => "tls-weak-cipher",
            Category::TlsWeakKeyExchange => "tls-weak-key-exchange",
            Category::CertExpired => "cert-expired",
            Category::CertUntrusted => "cert-untrusted",
            Category::CertWeakKey => "cert-weak-key",
            Category::CertWeakSignature => "cert-weak-signature",
            Category::CertNameMismatch => "cert-name-mismatch",
            Category::DefaultCredentials => "default-credentials",
            Category::UnauthenticatedAccess => "unauthenticated-access",
            Category::CleartextAdmin => "cleartext-admin",
            Category::OutdatedFirmware => "outdated-firmware",
            Category::KnownExploited => "known-exploited",
            Category::ExposedOtProtocol => "exposed-ot-protocol",
            Category::SshWeakAlgorithm => "ssh-weak-algorithm",
            Category::UnidentifiedService => "unidentified-service",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How sure a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

/// What makes a device the same device across runs, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    Serial,
    CertificateKey,
    Mac,
    Address,
}

/// The observations of one address folded into a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    /// Stable identity string (`cert-key:sha256:...`, `address:127.0.0.5`).
    pub id: String,
    pub identity: IdentityKind,
    pub addr: IpAddr,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hostnames: Vec<String>,
    /// The scope entry that brought the address in.
    pub origin: Origin,
    /// Label of that entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
    /// Device class (`camera`, `mqtt-broker`... or `unknown`).
    pub class: String,
    /// The fingerprint that named the device, and how sure it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint_confidence: Option<Confidence>,
    /// What personal data devices of this class can process (the DPIA
    /// register); absent when the class processes none by design.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_data: Option<String>,
    /// CPE 2.3 names of the identified device (the NVD dictionary's
    /// spelling), each with how sure it is.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cpes: Vec<AssetCpe>,
    pub observations: Vec<Observation>,
}

/// A check that fired on an endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub check_id: String,
    pub category: Category,
    pub severity: Severity,
    pub confidence: Confidence,
    pub endpoint: Endpoint,
    pub service: String,
    /// Id of the asset the endpoint belongs to.
    pub asset: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    pub message: String,
    /// The facts the check looked at, rendered as text.
    pub evidence: BTreeMap<String, String>,
    /// Baseline control ids (`bio2:8.24`, `etsi:5.1-3`...).
    pub controls: Vec<String>,
}

impl Finding {
    /// The finding's identity across runs: the same device, rule, port and
    /// transport give the same key (SARIF's fingerprint, the history's key).
    pub fn key(&self) -> String {
        finding_key(
            &self.check_id,
            &self.asset,
            self.endpoint.port,
            self.endpoint.transport.as_str(),
        )
    }
}

/// [`Finding::key`] from its parts (also for results read back from a
/// SARIF or JSON file).
pub fn finding_key(rule: &str, asset: &str, port: u16, transport: &str) -> String {
    let text = format!("{rule}|{asset}|{port}|{transport}");
    let digest = ring::digest::digest(&ring::digest::SHA256, text.as_bytes());
    digest.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What a run produced, as the scan history records it.
#[derive(Debug, Clone, Copy)]
pub struct RunOutcome<'a> {
    pub started: i64,
    pub finished: i64,
    /// False when the run was interrupted.
    pub complete: bool,
    pub assets: &'a [Asset],
    pub findings: &'a [Finding],
    /// The baseline the run was judged against, and how many of its
    /// controls failed.
    pub baseline: Option<(&'a str, usize)>,
}

/// Progress of a run: every step of the permutation below `done_below`
/// has finished, and these observations were found since the last
/// checkpoint (each with its step number).
#[derive(Debug, Clone)]
pub struct Checkpoint {
    pub done_below: u64,
    pub found: Vec<(u64, Observation)>,
}

/// What an interrupted run left for `--resume`.
#[derive(Debug, Clone, Default)]
pub struct Resume {
    pub done_below: u64,
    /// Observations of steps below `done_below`.
    pub observations: Vec<Observation>,
    /// The run resumed (for the note).
    pub from_run: i64,
}

/// A device's CPE name (`cpe:2.3:...`, see `crate::cpe`) and how sure it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetCpe {
    pub cpe: String,
    pub confidence: Confidence,
    /// Where the name came from: `identity` (vendor, model, firmware),
    /// `fact` (a `*.cpe23` fact), each with the rule that named the product.
    pub source: String,
}

/// The language of a report for people (the Dutch and English CISO
/// report; SARIF and the terminal are English).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Nl,
    En,
}

/// A report language other than `nl` and `en`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown report language `{0}` (expected nl or en)")]
pub struct UnknownLang(pub String);

impl FromStr for Lang {
    type Err = UnknownLang;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "nl" => Ok(Lang::Nl),
            "en" => Ok(Lang::En),
            other => Err(UnknownLang(other.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoint_display_brackets_ipv6() {
        let v4 = Endpoint::tcp("127.0.0.5".parse().unwrap(), 443);
        let v6 = Endpoint::udp("::1".parse().unwrap(), 161);
        assert_eq!(v4.to_string(), "127.0.0.5:443/tcp");
        assert_eq!(v6.to_string(), "[::1]:161/udp");
    }

    /// The key is the SARIF fingerprint GitHub tracks alerts by and the
    /// history's key: it must not change between versions. The value is
    /// `printf 'telnet-cleartext-login|address:127.0.0.5|23|tcp' |
    /// sha256sum | cut -c1-32`.
    #[test]
    fn finding_keys_stay_what_earlier_versions_wrote() {
        assert_eq!(
            finding_key("telnet-cleartext-login", "address:127.0.0.5", 23, "tcp"),
            "c449a710a10bdb814fcb79c9a50b4432"
        );
    }

    #[test]
    fn printable_escapes_control_and_high_bytes() {
        assert_eq!(printable(b"ok\r\n\xff\x00\\"), "ok\\r\\n\\xff\\x00\\\\");
    }

    #[test]
    fn clean_text_keeps_line_breaks_and_nuls_as_word_separators() {
        // Regression: CR, LF and NUL were deleted, so Telnet lines glued
        // together (`NPort NP6610-32Console`, `PS-B04E8EServer Model:`).
        assert_eq!(
            clean_text(b"NPort NP6610-32\r\nConsole terminal type", 200),
            "NPort NP6610-32 Console terminal type"
        );
        assert_eq!(
            clean_text(b"PS-B04E8E\0Server Model:\tPS-1206U\r\n\r\n", 200),
            "PS-B04E8E Server Model: PS-1206U"
        );
        assert_eq!(clean_text(b"\r\n  login: \x1b[0m", 200), "login: [0m");
        // The cap counts the kept characters.
        assert_eq!(clean_text(b"abc\ndef", 5), "abc d");
    }

    #[test]
    fn evidence_is_bounded() {
        let big = vec![b'a'; EVIDENCE_LIMIT * 3];
        let ev = Evidence::from_bytes("banner", &big);
        assert_eq!(ev.received.len(), EVIDENCE_LIMIT);
        assert_eq!(ev.received_bytes, EVIDENCE_LIMIT * 3);
        assert!(ev.truncated);
    }

    #[test]
    fn service_names_follow_iana_style() {
        assert_eq!(service_name("http", true), "https");
        assert_eq!(service_name("mqtt", true), "mqtts");
        assert_eq!(service_name("telnet", false), "telnet");
        assert_eq!(service_name("unknown", true), "tls");
    }

    #[test]
    fn severity_orders_and_parses() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Medium > Severity::Low);
        assert_eq!("HIGH".parse::<Severity>().unwrap(), Severity::High);
        assert!("severe".parse::<Severity>().is_err());
    }

    #[test]
    fn category_strings_match_serde() {
        for c in Category::ALL {
            let json = serde_json::to_string(&c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
        }
    }
}

/// Formats seconds since the Unix epoch as RFC 3339 UTC (`2026-11-29T03:55:31Z`).
pub fn rfc3339(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let rem = unix_secs.rem_euclid(86_400);
    // Civil-from-days (proleptic Gregorian), after Howard Hinnant's algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod time_tests {
    use super::rfc3339;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_924_531), "2026-11-29T03:55:31Z");
        assert_eq!(rfc3339(-86_400), "1969-12-31T00:00:00Z");
    }
}
