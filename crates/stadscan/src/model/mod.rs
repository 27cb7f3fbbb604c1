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

mod class;
mod credential;
pub mod tls;

pub use class::{DeviceClass, UnknownDeviceClass};
pub use credential::{Credential, METHOD_NAMES, Secret, UnknownMethod, check_methods};

/// Transport of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// TCP (`tcp` in every output).
    Tcp,
    /// UDP (`udp` in every output).
    Udp,
}

impl Transport {
    /// `tcp` or `udp`, as the reports and the finding key write it.
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
    /// The address lies in the scope's `[[networks]]` entry with this index.
    Network(usize),
    /// The address is what the scope's `[[hosts]]` entry with this index
    /// resolved to.
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
    /// The admitted address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }
    /// The scope host name that resolved to the address (used for SNI and
    /// the certificate name check); `None` for addresses from a network.
    pub fn hostname(&self) -> Option<&str> {
        self.hostname.as_deref()
    }
    /// The scope entry that brought the address in.
    pub fn origin(&self) -> Origin {
        self.origin
    }
}

/// An address, port and transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Endpoint {
    /// The device's address.
    pub addr: IpAddr,
    /// The port number.
    pub port: u16,
    /// TCP or UDP.
    pub transport: Transport,
}

impl Endpoint {
    /// The TCP endpoint `addr:port`.
    pub fn tcp(addr: IpAddr, port: u16) -> Self {
        Endpoint {
            addr,
            port,
            transport: Transport::Tcp,
        }
    }
    /// The UDP endpoint `addr:port`.
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
    /// The device answered and the conversation went as the protocol says.
    Ok,
    /// The device refused the connection.
    Refused,
    /// Connected, but nothing ever answered within the timeout.
    Timeout,
    /// Answered with something broken or unrecognisable, or closed the
    /// connection without a recognisable answer.
    ProtocolError,
}

impl ProbeStatus {
    /// `ok`, `refused`, `timeout` or `protocol-error`, as the JSON report
    /// writes it.
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
    /// A yes/no fact (`cert.expired`); a JSON boolean.
    Bool(bool),
    /// A number (`cert.days_left`, a status code); a JSON integer.
    Int(i64),
    /// Text, usually cleaned device output; a JSON string.
    Text(String),
    /// Several texts (`tls.versions`); a JSON array of strings.
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
    /// The value of a [`FactValue::Bool`]; `None` for every other kind.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            FactValue::Bool(b) => Some(*b),
            _ => None,
        }
    }
    /// The value of a [`FactValue::Int`], or of a `Text` that holds a
    /// decimal integer; `None` otherwise.
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
    /// Evidence of probe step `probe`: the first [`EVIDENCE_LIMIT`] bytes
    /// of `bytes`, escaped with [`printable`], and the total count.
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
    /// Where the service listens.
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
    /// How the conversation ended.
    pub status: ProbeStatus,
    /// What the probes learned, under names from [`crate::facts`]; the
    /// checks judge these.
    pub facts: Facts,
    /// Raw bytes per probe step (absent from the JSON report when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// Time spent identifying the service, in milliseconds.
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
    /// An empty observation of `endpoint`: protocol `unknown`, status
    /// [`ProbeStatus::Ok`], no facts yet.
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

    /// Records fact `name`, replacing an earlier value.
    pub fn set(&mut self, name: &str, value: impl Into<FactValue>) {
        self.facts.insert(name.to_string(), value.into());
    }

    /// The value of fact `name`, if a probe recorded it.
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
    /// Informational: SARIF `security-severity` 0.0.
    Info,
    /// SARIF `security-severity` 0.1 to 3.9.
    Low,
    /// SARIF `security-severity` 4.0 to 6.9.
    Medium,
    /// SARIF `security-severity` 7.0 to 8.9.
    High,
    /// SARIF `security-severity` 9.0 to 10.0.
    Critical,
}

impl Severity {
    /// Every severity, highest first.
    pub const ALL: [Severity; 5] = [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ];
    /// The lower-case name the reports write (`critical` ... `info`).
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
    /// SSL or TLS versions, or session features, the TLS policy rejects or
    /// phases out.
    TlsLegacyProtocol,
    /// Cipher suites the TLS policy rejects or phases out.
    TlsWeakCipher,
    /// Key-exchange groups or DH parameters the TLS policy rejects or
    /// phases out.
    TlsWeakKeyExchange,
    /// A certificate past its end date or not valid yet.
    CertExpired,
    /// A self-signed certificate or a chain to no trusted anchor.
    CertUntrusted,
    /// A certificate key too small or of a rejected kind.
    CertWeakKey,
    /// A certificate signed with a weak hash (such as SHA-1).
    CertWeakSignature,
    /// A certificate that does not name the host it was reached by.
    CertNameMismatch,
    /// A factory login still accepted.
    DefaultCredentials,
    /// A service that gives data or control without any login.
    UnauthenticatedAccess,
    /// Administration or logins over a cleartext protocol.
    CleartextAdmin,
    /// Firmware with published vulnerabilities.
    OutdatedFirmware,
    /// Firmware with a vulnerability on the CISA KEV list.
    KnownExploited,
    /// An industrial control protocol (Modbus, BACnet) that answers the
    /// scanner.
    ExposedOtProtocol,
    /// SSH key-exchange, cipher or MAC algorithms considered weak.
    SshWeakAlgorithm,
    /// A service that answered in no protocol the scanner knows: likely
    /// missing from the inventory (BIO2 5.9).
    UnidentifiedService,
}

impl Category {
    /// Every category, in declaration order.
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
    /// The kebab-case name the reports and SARIF tags use
    /// (`tls-legacy-protocol`).
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
    /// Least sure: a lead to verify by hand.
    Low,
    /// Probably right, on indirect or imprecise evidence.
    Medium,
    /// Backed directly by what the device said or did.
    High,
}

/// What makes a device the same device across runs, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IdentityKind {
    /// The device's serial number.
    Serial,
    /// The TLS certificate key the device alone presents.
    CertificateKey,
    /// The device's MAC address.
    Mac,
    /// Only the IP address (changes when the device moves).
    Address,
}

/// The observations of one address folded into a device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    /// Stable identity string (`cert-key:sha256:...`, `address:127.0.0.5`).
    pub id: String,
    /// What `id` is based on.
    pub identity: IdentityKind,
    /// The device's address.
    pub addr: IpAddr,
    /// Scope host names that resolved to the address, sorted; empty when
    /// none did.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hostnames: Vec<String>,
    /// The scope entry that brought the address in.
    pub origin: Origin,
    /// Label of that entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The vendor, when identification named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// The model, when identification named one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The firmware version, when identification found one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<String>,
    /// Device class (`camera`, `mqtt-broker`... or `unknown`).
    pub class: DeviceClass,
    /// The fingerprint that named the device, and how sure it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// How sure that fingerprint is; `None` when no fingerprint matched.
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
    /// One per open service of the address, by transport and port.
    pub observations: Vec<Observation>,
}

/// A check that fired on an endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// The check that fired; also the SARIF rule id.
    pub check_id: String,
    /// The check's category.
    pub category: Category,
    /// The check's severity.
    pub severity: Severity,
    /// How sure the check is.
    pub confidence: Confidence,
    /// The service the finding is about.
    pub endpoint: Endpoint,
    /// Its service name (see [`Observation::service`]).
    pub service: String,
    /// Id of the asset the endpoint belongs to.
    pub asset: String,
    /// The scope host name the endpoint was reached by, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    /// One English sentence for people (the SARIF result message).
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
    /// When the run started, in seconds since the Unix epoch.
    pub started: i64,
    /// When the run ended, in seconds since the Unix epoch.
    pub finished: i64,
    /// False when the run was interrupted.
    pub complete: bool,
    /// The devices the run found.
    pub assets: &'a [Asset],
    /// The run's findings.
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
    /// Every step with a lower number is finished.
    pub done_below: u64,
    /// New observations, each with the step that found it.
    pub found: Vec<(u64, Observation)>,
}

/// What an interrupted run left for `--resume`.
#[derive(Debug, Clone, Default)]
pub struct Resume {
    /// The steps below this number are done and are not scanned again.
    pub done_below: u64,
    /// Observations of steps below `done_below`.
    pub observations: Vec<Observation>,
    /// The run resumed (for the note).
    pub from_run: i64,
}

/// A device's CPE name (`cpe:2.3:...`, see `crate::cpe`) and how sure it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetCpe {
    /// The CPE 2.3 formatted string.
    pub cpe: String,
    /// How sure the naming is.
    pub confidence: Confidence,
    /// Where the name came from: `identity` (vendor, model, firmware),
    /// `fact` (a `*.cpe23` fact), each with the rule that named the product.
    pub source: String,
}

/// The language of a report for people (the Dutch and English CISO
/// report; SARIF and the terminal are English).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Dutch (`nl`).
    Nl,
    /// English (`en`).
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
