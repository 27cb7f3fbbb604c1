//! The scope file and the scope gate.
//!
//! A scope says which addresses may be contacted, on which ports, how gently.
//! [`Scope::permits`] is the one gate every connection passes (the network
//! layer asks it before each connect or datagram): exclusions always win, and
//! a name from DNS never widens the scope on its own.

use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;
use serde::Deserialize;
use toml::Spanned;

use crate::knowledge::validate::{self as rule, Problem};
use crate::model::{Origin, Target};

/// The smart-city port profile: where city devices listen.
pub const SMART_CITY_TCP: &[u16] = &[
    21,    // FTP (sensor data drops, camera uploads)
    22,    // SSH
    23,    // Telnet
    80,    // HTTP web UIs
    102,   // ISO-TSAP / Siemens S7
    443,   // HTTPS
    502,   // Modbus/TCP
    554,   // RTSP video
    1883,  // MQTT
    2222,  // SSH on gateways
    2323,  // Telnet, alternate (IoT)
    4840,  // OPC UA
    8000,  // HTTP alternate (NVRs)
    8080,  // HTTP alternate
    8081,  // HTTP alternate
    8443,  // HTTPS alternate
    8554,  // RTSP alternate
    8883,  // MQTT over TLS
    10443, // HTTPS alternate
];
/// UDP ports of the smart-city profile.
pub const SMART_CITY_UDP: &[u16] = &[
    161,   // SNMP
    1900,  // SSDP / UPnP
    3702,  // WS-Discovery (ONVIF)
    5683,  // CoAP
    47808, // BACnet/IP
];

/// Defaults for a city network (README, "Rates and the sparse city"):
/// fragile devices are protected per device (`per_host_concurrency`, and
/// the shuffled order spreads one device's ports over the whole scan); the
/// global rate protects the path (firewall state tables), and at 2,000 new
/// connections a second a sparse /16 with host discovery takes minutes.
pub const DEFAULT_PER_SECOND: u32 = 2000;
/// Default `[rate] per_host_concurrency` under the normal profile (ot-safe: 1).
pub const DEFAULT_PER_HOST_CONCURRENCY: u32 = 4;
/// Default `[rate] timeout_ms`: what one silent or slow endpoint may cost.
pub const DEFAULT_TIMEOUT_MS: u64 = 3000;

/// The shortest default greeting wait (`[rate] greeting_ms`) on ports
/// where the server speaks first. A server greets once its side of the
/// handshake is complete; when the client's last handshake packet is lost,
/// the server sends its SYN-ACK again after 1 s (the initial retransmission
/// timeout, RFC 6298 2.1), and when the answer to that is lost as well,
/// 2 s later: two lost packets put the greeting 3 s late. 4.5 s leaves room
/// for that and a slow round trip.
pub const DEFAULT_GREETING_MS: u64 = 4500;
/// The ports where a device most often answers, in the order liveness
/// probes pick them from the scope's TCP ports (web UIs first, then the
/// remote logins and video of cameras).
pub const LIVENESS_TCP: &[u16] = &[80, 443, 22, 554, 23, 8080, 8443, 21, 8000, 1883, 502];
/// How many of the scope's TCP ports a liveness sweep tries per address.
pub const LIVENESS_TCP_COUNT: usize = 4;
/// Above this many addresses a scope needs `--allow-large`.
pub const LARGE_SCOPE: u128 = 1 << 20;
/// Hard ceiling: larger scopes cannot be enumerated meaningfully.
pub const MAX_SCOPE: u128 = 1 << 32;

/// A scope file that cannot be used. Names the file, line and field.
#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    /// The scope file could not be read.
    #[error("{}: cannot read the scope file: {source}", path.display())]
    Read {
        /// The scope file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// The scope file breaks a rule.
    #[error("{}:{line}:{column}: {field}: {message}", path.display())]
    Invalid {
        /// The scope file.
        path: PathBuf,
        /// The line at fault (1-based).
        line: usize,
        /// The column at fault (1-based).
        column: usize,
        /// The field at fault, as a dotted path (`knowledge.min_cvss`).
        field: String,
        /// What is wrong with it.
        message: String,
    },
}

impl ScopeError {
    /// The line the error points at (1-based), when it has one.
    pub fn line(&self) -> Option<usize> {
        match self {
            ScopeError::Invalid { line, .. } => Some(*line),
            ScopeError::Read { .. } => None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeFile {
    name: Spanned<String>,
    #[serde(default)]
    networks: Vec<NetworkEntry>,
    #[serde(default)]
    hosts: Vec<HostEntry>,
    #[serde(default)]
    exclude: Vec<Spanned<String>>,
    #[serde(default)]
    ports: Option<Spanned<PortsSection>>,
    #[serde(default)]
    rate: Option<Spanned<RateSection>>,
    #[serde(default)]
    trust_anchors: Vec<Spanned<String>>,
    #[serde(default)]
    dns: DnsSection,
    #[serde(default)]
    credentials: CredentialsSection,
    #[serde(default)]
    discovery: Option<Spanned<DiscoverySection>>,
    tls_policy: Option<Spanned<String>>,
    #[serde(default)]
    knowledge: KnowledgeSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DiscoverySection {
    hosts: Option<Spanned<String>>,
    tcp_ports: Option<Spanned<Vec<u16>>>,
    icmp: Option<bool>,
    syn: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkEntry {
    cidr: Spanned<String>,
    label: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HostEntry {
    name: Spanned<String>,
    label: Option<String>,
    #[serde(default)]
    addresses: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PortsSection {
    profile: Option<Spanned<String>>,
    tcp: Option<Vec<u16>>,
    udp: Option<Vec<u16>>,
    #[serde(default)]
    extra_tcp: Vec<u16>,
    #[serde(default)]
    extra_udp: Vec<u16>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RateSection {
    per_second: Option<Spanned<u32>>,
    per_host_concurrency: Option<Spanned<u32>>,
    timeout_ms: Option<Spanned<u64>>,
    connect_timeout_ms: Option<Spanned<u64>>,
    greeting_ms: Option<Spanned<u64>>,
    max_in_flight: Option<Spanned<u32>>,
    profile: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DnsSection {
    #[serde(default)]
    nameservers: Vec<Spanned<String>>,
    timeout_ms: Option<u64>,
}

/// `[knowledge]`: what the scan knows beyond the built-in data.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct KnowledgeSection {
    /// A recog checkout's `xml/` folder.
    recog: Option<String>,
    nvd_db: Option<Spanned<String>>,
    min_cvss: Option<Spanned<f64>>,
}

/// The scope's `[knowledge]` section.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KnowledgeConfig {
    /// An NVD index (`stadscan nvd import`), resolved against the scope's
    /// folder; `scan --nvd-db` overrides it.
    pub nvd_db: Option<PathBuf>,
    /// NVD matches scored below this CVSS base score are not reported
    /// (known-exploited and unscored CVEs are).
    pub min_cvss: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsSection {
    #[serde(default)]
    enabled: bool,
    attempts: Option<Spanned<u32>>,
    window_hours: Option<Spanned<u32>>,
    delay_ms: Option<u64>,
    budget_file: Option<Spanned<String>>,
    #[serde(default)]
    extra: Vec<Spanned<ExtraCredential>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExtraCredential {
    id: Spanned<String>,
    #[serde(default)]
    username: String,
    password: String,
    methods: Spanned<Vec<String>>,
}

/// The scope's `[credentials]` section: whether default credentials are
/// tested at all, and under what budget.
#[derive(Debug, Clone)]
pub struct CredentialPolicy {
    /// `[credentials] enabled`: whether default credentials are tested at all.
    pub enabled: bool,
    /// Attempts per device and account within `window`.
    pub attempts: u32,
    /// The window the attempts are counted in (`window_hours`, default 24).
    pub window: Duration,
    /// Pause between two attempts on one device.
    pub delay: Duration,
    /// Where attempts are counted (resolved against the scope's folder);
    /// `None`: the history file, else the default state file.
    pub budget_file: Option<PathBuf>,
    /// The city's own entries (`[[credentials.extra]]`).
    pub extra: Vec<crate::model::Credential>,
}

impl Default for CredentialPolicy {
    fn default() -> Self {
        CredentialPolicy {
            enabled: false,
            attempts: 3,
            window: Duration::from_secs(24 * 3600),
            delay: Duration::from_millis(1000),
            budget_file: None,
            extra: Vec::new(),
        }
    }
}

/// A network of the scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Network {
    /// The addresses the entry admits (`cidr`).
    pub net: IpNet,
    /// The entry's `label`, shown in the reports and the register.
    pub label: Option<String>,
    /// Line of the entry in the scope file (1-based).
    pub line: usize,
}

/// A named host of the scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    /// The DNS name to resolve.
    pub name: String,
    /// The entry's `label`, shown in the reports and the register.
    pub label: Option<String>,
    /// Where the name may resolve outside the scope's networks.
    pub addresses: Vec<IpNet>,
    /// Line of the entry in the scope file (1-based).
    pub line: usize,
}

fn knowledge_config(
    k: &KnowledgeSection,
    path: &Path,
    invalid: &dyn Fn(Range<usize>, &str, String) -> ScopeError,
) -> Result<KnowledgeConfig, ScopeError> {
    let mut config = KnowledgeConfig::default();
    if let Some(db) = &k.nvd_db {
        if db.get_ref().trim().is_empty() {
            return Err(invalid(
                db.span(),
                "knowledge.nvd_db",
                "empty: name the index file `stadscan nvd import --db` wrote".into(),
            ));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        config.nvd_db = Some(base.join(db.get_ref()));
    }
    if let Some(m) = &k.min_cvss {
        let v = *m.get_ref();
        if !(0.0..=10.0).contains(&v) {
            return Err(invalid(
                m.span(),
                "knowledge.min_cvss",
                format!("{v} is not a CVSS base score (0.0 to 10.0)"),
            ));
        }
        config.min_cvss = Some(v);
    }
    Ok(config)
}

fn credential_policy(
    c: &CredentialsSection,
    path: &Path,
    invalid: &dyn Fn(Range<usize>, &str, String) -> ScopeError,
) -> Result<CredentialPolicy, ScopeError> {
    let mut policy = CredentialPolicy {
        enabled: c.enabled,
        ..CredentialPolicy::default()
    };
    if let Some(a) = &c.attempts {
        if *a.get_ref() == 0 {
            return Err(invalid(
                a.span(),
                "credentials.attempts",
                "must be at least 1 (set `enabled = false` to test no credentials)".into(),
            ));
        }
        policy.attempts = *a.get_ref();
    }
    if let Some(w) = &c.window_hours {
        if *w.get_ref() == 0 {
            return Err(invalid(
                w.span(),
                "credentials.window_hours",
                "must be at least 1".into(),
            ));
        }
        policy.window = Duration::from_secs(u64::from(*w.get_ref()) * 3600);
    }
    if let Some(d) = c.delay_ms {
        policy.delay = Duration::from_millis(d);
    }
    if let Some(f) = &c.budget_file {
        let base = path.parent().unwrap_or(Path::new("."));
        policy.budget_file = Some(base.join(f.get_ref()));
    }
    for (i, e) in c.extra.iter().enumerate() {
        let span = e.span();
        let e = e.get_ref();
        let taken = policy.extra.iter().any(|x| &x.id == e.id.get_ref());
        extra_entry(e, taken).map_err(|p| {
            invalid(
                p.span.unwrap_or(span),
                &format!("credentials.extra[{i}].{}", p.field),
                p.message,
            )
        })?;
        policy.extra.push(crate::model::Credential {
            id: e.id.get_ref().clone(),
            username: e.username.clone(),
            password: crate::model::Secret::new(e.password.clone()),
            methods: e.methods.get_ref().clone(),
        });
    }
    Ok(policy)
}

/// The rules of one `[[credentials.extra]]` entry, the same the
/// credential data follows; `taken`: an earlier entry has its id.
fn extra_entry(e: &ExtraCredential, taken: bool) -> Result<(), Problem> {
    let methods = e.methods.get_ref();
    rule::id("id", e.id.get_ref()).map_err(|p| p.at(e.id.span()))?;
    if taken {
        return Err(
            Problem::new("id", format!("`{}` is defined twice", e.id.get_ref())).at(e.id.span()),
        );
    }
    let at_methods = |p: Problem| p.at(e.methods.span());
    rule::non_empty(
        "methods",
        methods,
        "name the login methods this entry is tried with",
    )
    .map_err(at_methods)?;
    crate::model::check_methods(methods)
        .map_err(|m| at_methods(Problem::new("methods", m.to_string())))?;
    if methods.iter().any(|m| m == "http-form") {
        return Err(at_methods(Problem::new(
            "methods",
            "form logins are described per product in checks/credentials/",
        )));
    }
    if e.password.is_empty() {
        return Err(Problem::new("password", "empty"));
    }
    Ok(())
}

/// Rate profile: `normal`, or `ot-safe` (lower rates, no credential tests on
/// OT protocols, only well-formed probes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RateProfile {
    /// The default rates.
    Normal,
    /// `ot-safe`: 50 connections a second, one at a time per device, no
    /// credential tests on OT devices.
    OtSafe,
}

/// How fast and how hard to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateConfig {
    /// `[rate] profile`: what the defaults and the credential tests follow.
    pub profile: RateProfile,
    /// New connections (and datagrams) per second, across the whole scan.
    pub per_second: u32,
    /// Connections open at once to one address.
    pub per_host_concurrency: u32,
    /// What one silent or slow endpoint may cost (identification budget).
    pub timeout: Duration,
    /// How long a connect may wait for an answer.
    pub connect_timeout: Duration,
    /// The budget of an endpoint on a port where the server speaks first
    /// (FTP, SSH, Telnet), all of it listening for the greeting.
    pub greeting: Duration,
    /// Endpoint jobs in flight at once.
    pub max_in_flight: u32,
}

/// Which addresses get the full port list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostDiscovery {
    /// Only addresses that answered a liveness probe (the default).
    #[default]
    Probe,
    /// Every address, answering or not (`hosts = "all"`, `--no-host-discovery`).
    All,
}

impl HostDiscovery {
    /// The value as the scope file and the JSON report spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            HostDiscovery::Probe => "probe",
            HostDiscovery::All => "all",
        }
    }
}

/// The scope's `[discovery]` section: how live addresses are told from
/// unused ones before the full port list is tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiscoveryConfig {
    /// `[discovery] hosts`: which addresses get the full port list.
    pub hosts: HostDiscovery,
    /// TCP ports every address is tried on first (a connect that is
    /// accepted or refused proves the address is in use).
    pub tcp_ports: Vec<u16>,
    /// Also send an ICMP echo where the system allows unprivileged ICMP
    /// sockets (`net.ipv4.ping_group_range`).
    pub icmp: bool,
    /// Find TCP ports with SYNs from a raw socket where the process may
    /// open one (CAP_NET_RAW), else with connects (`--syn`).
    pub syn: bool,
}

/// Ports to scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortPlan {
    /// The port profile the lists started from (`smart-city` or `none`).
    pub profile: String,
    /// TCP ports to scan, sorted, without duplicates.
    pub tcp: Vec<u16>,
    /// UDP ports to scan, sorted, without duplicates.
    pub udp: Vec<u16>,
}

/// A parsed, validated scope.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The scope's `name`: it keys the history and the SARIF category.
    pub name: String,
    /// The scope file as given on the command line.
    pub path: PathBuf,
    /// The `[[networks]]` entries: the addresses the scan may contact.
    pub networks: Vec<Network>,
    /// The `[[hosts]]` entries: names resolved at scan time.
    pub hosts: Vec<Host>,
    /// `exclude`: addresses never contacted, even inside a network.
    pub exclude: Vec<IpNet>,
    /// `[ports]`: what is scanned on every address.
    pub ports: PortPlan,
    /// `[rate]`: how fast and how hard.
    pub rate: RateConfig,
    /// Trust-anchor files, resolved against the scope file's folder.
    pub trust_anchors: Vec<PathBuf>,
    /// Line of each trust anchor's entry (for messages).
    pub trust_anchor_lines: Vec<usize>,
    /// `[dns] nameservers` (port 53 unless given); empty: the system's resolvers.
    pub nameservers: Vec<SocketAddr>,
    /// `[dns] timeout_ms` (default 2000 ms) for one lookup.
    pub dns_timeout: Duration,
    /// `[credentials] enabled`, the same as `credentials.enabled`.
    pub credentials_enabled: bool,
    /// `[credentials]`: the budget and the city's own entries.
    pub credentials: CredentialPolicy,
    /// `[discovery]`: how live addresses are found.
    pub discovery: DiscoveryConfig,
    /// The TLS policy endpoints are judged against (`ncsc-2025-05`, `ncsc-2.1`).
    pub tls_policy: String,
    /// `[knowledge] recog`: a recog database folder, resolved against the
    /// scope file's folder.
    pub recog: Option<PathBuf>,
    /// `[knowledge]`: the NVD index and its CVSS floor.
    pub knowledge: KnowledgeConfig,
}

/// TLS policies a scope may name; the first is the default.
pub const TLS_POLICIES: &[&str] = &["ncsc-2025-05", "ncsc-2.1"];

/// What the gate says about an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Inside a network, or in the addresses a named host may resolve to.
    Allowed,
    /// In an `exclude` network.
    Excluded,
    /// In no network of the scope (nor, for a named host, its `addresses`).
    OutsideScope,
}

impl Scope {
    /// Reads and validates a scope file.
    pub fn load(path: &Path) -> Result<Scope, ScopeError> {
        let text = std::fs::read_to_string(path).map_err(|source| ScopeError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let scope = Scope::parse(&text, path)?;
        for (i, (anchor, line)) in scope
            .trust_anchors
            .iter()
            .zip(&scope.trust_anchor_lines)
            .enumerate()
        {
            if !anchor.is_file() {
                return Err(ScopeError::Invalid {
                    path: path.to_path_buf(),
                    line: *line,
                    column: 1,
                    field: format!("trust_anchors[{i}]"),
                    message: format!("{} is not a readable file", anchor.display()),
                });
            }
        }
        Ok(scope)
    }

    /// Parses scope text; `path` is used for messages and relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<Scope, ScopeError> {
        let lines = LineIndex::new(text);
        let invalid = |span: Range<usize>, field: &str, message: String| {
            let (line, column) = lines.position(span.start);
            ScopeError::Invalid {
                path: path.to_path_buf(),
                line,
                column,
                field: field.to_string(),
                message,
            }
        };
        let file: ScopeFile = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            let field = lines.field_at(text, span.start);
            invalid(span, &field, e.message().trim().to_string())
        })?;

        let name = file.name.get_ref().trim().to_string();
        if name.is_empty() || name.len() > 100 || name.chars().any(|c| c.is_control()) {
            return Err(invalid(
                file.name.span(),
                "name",
                "must be 1 to 100 printable characters (it becomes the SARIF category)".into(),
            ));
        }

        let mut networks = Vec::new();
        for (i, entry) in file.networks.iter().enumerate() {
            let net = parse_net(entry.cidr.get_ref()).map_err(|e| {
                invalid(
                    entry.cidr.span(),
                    &format!("networks[{i}].cidr"),
                    e.to_string(),
                )
            })?;
            networks.push(Network {
                net,
                label: entry.label.clone(),
                line: lines.position(entry.cidr.span().start).0,
            });
        }

        let mut hosts = Vec::new();
        for (i, entry) in file.hosts.iter().enumerate() {
            let hname = entry
                .name
                .get_ref()
                .trim()
                .trim_end_matches('.')
                .to_ascii_lowercase();
            if !valid_hostname(&hname) {
                return Err(invalid(
                    entry.name.span(),
                    &format!("hosts[{i}].name"),
                    format!("`{}` is not a valid host name", entry.name.get_ref()),
                ));
            }
            let mut addresses = Vec::new();
            for (j, a) in entry.addresses.iter().enumerate() {
                addresses.push(parse_net(a.get_ref()).map_err(|m| {
                    invalid(
                        a.span(),
                        &format!("hosts[{i}].addresses[{j}]"),
                        m.to_string(),
                    )
                })?);
            }
            hosts.push(Host {
                name: hname,
                label: entry.label.clone(),
                addresses,
                line: lines.position(entry.name.span().start).0,
            });
        }
        if networks.is_empty() && hosts.is_empty() {
            return Err(invalid(
                0..0,
                "networks",
                "the scope names no [[networks]] and no [[hosts]]: nothing may be scanned".into(),
            ));
        }

        let mut exclude = Vec::new();
        for (i, e) in file.exclude.iter().enumerate() {
            exclude.push(
                parse_net(e.get_ref())
                    .map_err(|m| invalid(e.span(), &format!("exclude[{i}]"), m.to_string()))?,
            );
        }

        let ports = match &file.ports {
            None => PortPlan {
                profile: "smart-city".into(),
                tcp: SMART_CITY_TCP.to_vec(),
                udp: SMART_CITY_UDP.to_vec(),
            },
            Some(p) => port_plan(p.get_ref())
                .map_err(|(field, m)| invalid(p.span(), &format!("ports.{field}"), m))?,
        };

        let rate = match &file.rate {
            None => rate_config(&RateSection::default()),
            Some(r) => rate_config(r.get_ref()),
        }
        .map_err(|(span, field, m)| {
            let span = span.unwrap_or_else(|| file.rate.as_ref().map(|r| r.span()).unwrap_or(0..0));
            invalid(span, &format!("rate.{field}"), m)
        })?;

        let discovery =
            discovery_config(file.discovery.as_ref(), &ports).map_err(|(span, field, m)| {
                let span = span
                    .unwrap_or_else(|| file.discovery.as_ref().map(|d| d.span()).unwrap_or(0..0));
                invalid(span, &format!("discovery.{field}"), m)
            })?;

        let base = path.parent().unwrap_or(Path::new("."));
        let trust_anchors = file
            .trust_anchors
            .iter()
            .map(|t| base.join(t.get_ref()))
            .collect();
        let trust_anchor_lines = file
            .trust_anchors
            .iter()
            .map(|t| lines.position(t.span().start).0)
            .collect();

        let mut nameservers = Vec::new();
        for (i, ns) in file.dns.nameservers.iter().enumerate() {
            let text = ns.get_ref().trim();
            let addr = text
                .parse::<SocketAddr>()
                .or_else(|_| text.parse::<IpAddr>().map(|ip| SocketAddr::new(ip, 53)))
                .map_err(|_| {
                    invalid(
                        ns.span(),
                        &format!("dns.nameservers[{i}]"),
                        format!("`{text}` is not an address or address:port"),
                    )
                })?;
            nameservers.push(addr);
        }

        let tls_policy = match &file.tls_policy {
            None => TLS_POLICIES[0].to_string(),
            Some(p) if TLS_POLICIES.contains(&p.get_ref().as_str()) => p.get_ref().clone(),
            Some(p) => {
                return Err(invalid(
                    p.span(),
                    "tls_policy",
                    format!(
                        "unknown TLS policy `{}` (known: {})",
                        p.get_ref(),
                        TLS_POLICIES.join(", ")
                    ),
                ));
            }
        };
        let recog = file.knowledge.recog.as_ref().map(|r| base.join(r));
        let scope = Scope {
            recog,
            tls_policy,
            name,
            path: path.to_path_buf(),
            networks,
            hosts,
            exclude,
            ports,
            rate,
            trust_anchors,
            trust_anchor_lines,
            nameservers,
            dns_timeout: Duration::from_millis(file.dns.timeout_ms.unwrap_or(2000).max(1)),
            credentials_enabled: file.credentials.enabled,
            credentials: credential_policy(&file.credentials, path, &invalid)?,
            discovery,
            knowledge: knowledge_config(&file.knowledge, path, &invalid)?,
        };
        if scope.address_count() > MAX_SCOPE {
            return Err(invalid(
                file.networks.first().map(|n| n.cidr.span()).unwrap_or(0..0),
                "networks",
                format!(
                    "the networks hold {} addresses, more than can be enumerated ({MAX_SCOPE}); \
                     split IPv6 ranges into the prefixes that hold devices",
                    scope.address_count()
                ),
            ));
        }
        Ok(scope)
    }

    /// The scope gate. An address may be contacted when it is not excluded,
    /// and lies in a network of the scope, or is an address the named host
    /// that brought it in is allowed to have.
    pub fn verdict(&self, addr: IpAddr, origin: Origin) -> Verdict {
        if self.is_excluded(addr) {
            return Verdict::Excluded;
        }
        if self.networks.iter().any(|n| n.net.contains(&addr)) {
            return Verdict::Allowed;
        }
        if let Origin::Host(i) = origin
            && let Some(h) = self.hosts.get(i)
            && h.addresses.iter().any(|n| n.contains(&addr))
        {
            return Verdict::Allowed;
        }
        Verdict::OutsideScope
    }

    /// True when the gate allows contacting `addr` for `origin`.
    pub fn permits(&self, addr: IpAddr, origin: Origin) -> bool {
        self.verdict(addr, origin) == Verdict::Allowed
    }

    /// Turns an address into a `Target` if the gate allows it.
    pub fn admit(&self, addr: IpAddr, origin: Origin, hostname: Option<String>) -> Option<Target> {
        self.permits(addr, origin)
            .then(|| Target::admitted(addr, hostname, origin))
    }

    /// True when `addr` is in an `exclude` network.
    pub fn is_excluded(&self, addr: IpAddr) -> bool {
        self.exclude.iter().any(|n| n.contains(&addr))
    }

    /// Number of addresses in the networks (before exclusions).
    pub fn address_count(&self) -> u128 {
        self.networks.iter().map(|n| net_size(&n.net)).sum()
    }

    /// Line in the scope file of the entry behind `origin`.
    pub fn line_of(&self, origin: Origin) -> usize {
        match origin {
            Origin::Network(i) => self.networks.get(i).map_or(1, |n| n.line),
            Origin::Host(i) => self.hosts.get(i).map_or(1, |h| h.line),
        }
    }

    /// Label of the entry behind `origin`.
    pub fn label_of(&self, origin: Origin) -> Option<&str> {
        match origin {
            Origin::Network(i) => self.networks.get(i)?.label.as_deref(),
            Origin::Host(i) => self.hosts.get(i)?.label.as_deref(),
        }
    }
}

/// Number of addresses in a network.
pub fn net_size(net: &IpNet) -> u128 {
    let bits = u32::from(net.max_prefix_len() - net.prefix_len());
    if bits >= 128 {
        u128::MAX
    } else {
        1u128 << bits
    }
}

/// A network entry that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum NetError {
    #[error("`{given}` has host bits set; did you mean `{network}`?")]
    HostBits { given: String, network: IpNet },
    #[error("`{0}` is not an address or CIDR network (e.g. 10.20.0.0/16, 2001:db8::/64)")]
    NotANetwork(String),
}

fn parse_net(text: &str) -> Result<IpNet, NetError> {
    let t = text.trim();
    if let Ok(n) = t.parse::<IpNet>() {
        if n != n.trunc() {
            return Err(NetError::HostBits {
                given: t.to_string(),
                network: n.trunc(),
            });
        }
        return Ok(n);
    }
    t.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| NetError::NotANetwork(t.to_string()))
}

fn valid_hostname(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && !l.starts_with('-')
        })
}

fn port_plan(p: &PortsSection) -> Result<PortPlan, (&'static str, String)> {
    let profile = p
        .profile
        .as_ref()
        .map(|s| s.get_ref().as_str())
        .unwrap_or("smart-city");
    let (mut tcp, mut udp) = match profile {
        "smart-city" => (SMART_CITY_TCP.to_vec(), SMART_CITY_UDP.to_vec()),
        "none" => (Vec::new(), Vec::new()),
        other => {
            return Err((
                "profile",
                format!("unknown port profile `{other}` (known: smart-city, none)"),
            ));
        }
    };
    if let Some(t) = &p.tcp {
        tcp = t.clone();
    }
    if let Some(u) = &p.udp {
        udp = u.clone();
    }
    tcp.extend(&p.extra_tcp);
    udp.extend(&p.extra_udp);
    if tcp.contains(&0) || udp.contains(&0) {
        return Err(("tcp", "port 0 cannot be scanned".into()));
    }
    tcp.sort_unstable();
    tcp.dedup();
    udp.sort_unstable();
    udp.dedup();
    if tcp.is_empty() && udp.is_empty() {
        return Err(("tcp", "no TCP and no UDP ports to scan".into()));
    }
    Ok(PortPlan {
        profile: profile.to_string(),
        tcp,
        udp,
    })
}

type RateErr = (Option<Range<usize>>, &'static str, String);

fn discovery_config(
    d: Option<&Spanned<DiscoverySection>>,
    ports: &PortPlan,
) -> Result<DiscoveryConfig, RateErr> {
    let empty = DiscoverySection::default();
    let d = d.map_or(&empty, |d| d.get_ref());
    let hosts = match d.hosts.as_ref().map(|h| h.get_ref().as_str()) {
        None | Some("probe") => HostDiscovery::Probe,
        Some("all") => HostDiscovery::All,
        Some(other) => {
            return Err((
                d.hosts.as_ref().map(|h| h.span()),
                "hosts",
                format!("unknown host discovery `{other}` (known: probe, all)"),
            ));
        }
    };
    let tcp_ports = match &d.tcp_ports {
        Some(p) if p.get_ref().contains(&0) => {
            return Err((
                Some(p.span()),
                "tcp_ports",
                "port 0 cannot be scanned".into(),
            ));
        }
        Some(p) => {
            let mut v = p.get_ref().clone();
            v.dedup();
            v
        }
        None => default_liveness_ports(&ports.tcp),
    };
    Ok(DiscoveryConfig {
        hosts,
        tcp_ports,
        icmp: d.icmp.unwrap_or(true),
        syn: d.syn.unwrap_or(false),
    })
}

/// Up to [`LIVENESS_TCP_COUNT`] of the scope's TCP ports, the most common
/// device ports first; the scope's first ports when it has none of them.
fn default_liveness_ports(tcp: &[u16]) -> Vec<u16> {
    let mut picked: Vec<u16> = LIVENESS_TCP
        .iter()
        .copied()
        .filter(|p| tcp.contains(p))
        .take(LIVENESS_TCP_COUNT)
        .collect();
    for p in tcp {
        if picked.len() >= 2.min(tcp.len()) {
            break;
        }
        if !picked.contains(p) {
            picked.push(*p);
        }
    }
    picked
}

fn rate_config(r: &RateSection) -> Result<RateConfig, RateErr> {
    let profile = match r.profile.as_ref().map(|p| p.get_ref().as_str()) {
        None | Some("normal") => RateProfile::Normal,
        Some("ot-safe") => RateProfile::OtSafe,
        Some(other) => {
            return Err((
                r.profile.as_ref().map(|p| p.span()),
                "profile",
                format!("unknown rate profile `{other}` (known: normal, ot-safe)"),
            ));
        }
    };
    let (def_rate, def_host) = match profile {
        RateProfile::Normal => (DEFAULT_PER_SECOND, DEFAULT_PER_HOST_CONCURRENCY),
        RateProfile::OtSafe => (50, 1),
    };
    fn positive<T: Copy + PartialOrd + Default + std::fmt::Display>(
        v: &Option<Spanned<T>>,
        field: &'static str,
        default: T,
    ) -> Result<T, RateErr> {
        match v {
            None => Ok(default),
            Some(s) if *s.get_ref() > T::default() => Ok(*s.get_ref()),
            Some(s) => Err((Some(s.span()), field, "must be greater than 0".into())),
        }
    }
    let per_second = positive(&r.per_second, "per_second", def_rate)?;
    let per_host = positive(&r.per_host_concurrency, "per_host_concurrency", def_host)?;
    let timeout_ms = positive(&r.timeout_ms, "timeout_ms", DEFAULT_TIMEOUT_MS)?;
    let connect_ms = positive(
        &r.connect_timeout_ms,
        "connect_timeout_ms",
        timeout_ms.min(1500),
    )?;
    let greeting_ms = positive(
        &r.greeting_ms,
        "greeting_ms",
        timeout_ms.max(DEFAULT_GREETING_MS),
    )?;
    // Enough jobs in flight to keep the rate busy while each silent one
    // waits out its timeout (the open-file limit may cut it at scan time).
    let busy = u64::from(per_second) * timeout_ms / 1000;
    let in_flight = positive(
        &r.max_in_flight,
        "max_in_flight",
        u32::try_from(busy.clamp(64, 16_384)).unwrap_or(16_384),
    )?;
    if profile == RateProfile::OtSafe && per_host > 1 {
        return Err((
            r.per_host_concurrency.as_ref().map(|s| s.span()),
            "per_host_concurrency",
            "the ot-safe profile allows one connection per device".into(),
        ));
    }
    Ok(RateConfig {
        profile,
        per_second,
        per_host_concurrency: per_host,
        timeout: Duration::from_millis(timeout_ms),
        connect_timeout: Duration::from_millis(connect_ms),
        greeting: Duration::from_millis(greeting_ms),
        max_in_flight: in_flight,
    })
}

/// Byte offset -> (line, column), both 1-based.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        (line, offset - self.starts[line - 1] + 1)
    }

    /// Best guess of the dotted field at `offset`: the enclosing `[table]`
    /// and the key on the line, for messages about syntax and type errors.
    fn field_at(&self, text: &str, offset: usize) -> String {
        let (line, _) = self.position(offset);
        let lines: Vec<&str> = text.lines().collect();
        let key = lines
            .get(line - 1)
            .and_then(|l| l.split_once('='))
            .map(|(k, _)| k.trim().to_string())
            .unwrap_or_default();
        let table = lines[..line.min(lines.len())]
            .iter()
            .rev()
            .find_map(|l| {
                let t = l.trim();
                t.starts_with('[')
                    .then(|| t.trim_matches(|c| c == '[' || c == ']').to_string())
            })
            .unwrap_or_default();
        match (table.is_empty(), key.is_empty()) {
            (true, true) => "scope".into(),
            (true, false) => key,
            (false, true) => table,
            (false, false) => format!("{table}.{key}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Scope, ScopeError> {
        Scope::parse(text, Path::new("site/scope.toml"))
    }

    /// A city's own credential that breaks a rule of the credential data
    /// is refused with its line, its field and the data's message.
    #[test]
    fn a_city_credential_that_breaks_a_rule_names_line_and_field() {
        let base = "name = \"x\"\n[[networks]]\ncidr = \"127.0.0.0/30\"\n\
                    [credentials]\nenabled = true\n[[credentials.extra]]\n";
        let entry = |id: &str, password: &str, methods: &str| {
            format!(
                "{base}id = \"{id}\"\nusername = \"a\"\npassword = \"{password}\"\n\
                 methods = {methods}\n"
            )
        };
        let cases = [
            (
                entry("Not An Id", "p", "[\"ssh\"]"),
                7,
                "id",
                "ids are lowercase",
            ),
            (
                entry("ok", "p", "[]"),
                10,
                "methods",
                "name the login methods",
            ),
            (
                entry("ok", "p", "[\"fax\"]"),
                10,
                "methods",
                "unknown method `fax`",
            ),
            (
                entry("ok", "p", "[\"http-form\"]"),
                10,
                "methods",
                "form logins",
            ),
        ];
        for (text, line, field, message) in cases {
            let e = parse(&text).expect_err(&text);
            let shown = e.to_string();
            assert_eq!(e.line(), Some(line), "{shown}");
            assert!(
                shown.contains(&format!("credentials.extra[0].{field}: {message}")),
                "{shown}"
            );
        }
        let e = parse(&entry("ok", "", "[\"ssh\"]")).unwrap_err();
        assert!(
            e.to_string()
                .contains("credentials.extra[0].password: empty"),
            "{e}"
        );
        let twice = format!(
            "{}[[credentials.extra]]\nid = \"ok\"\nusername = \"b\"\npassword = \"q\"\nmethods = [\"ssh\"]\n",
            entry("ok", "p", "[\"ssh\"]")
        );
        let e = parse(&twice).unwrap_err();
        assert_eq!(e.line(), Some(12), "{e}");
        assert!(
            e.to_string()
                .contains("credentials.extra[1].id: `ok` is defined twice"),
            "{e}"
        );
    }

    const GOOD: &str = r#"name = "centrum"

[[networks]]
cidr = "127.50.0.0/24"
label = "cameras"

[[networks]]
cidr = "fd00:50::/120"

[[hosts]]
name = "Portal.Demo-City.test."
addresses = ["127.60.0.9"]
"#;

    #[test]
    fn parses_networks_hosts_and_lines() {
        let s = parse(GOOD).unwrap();
        assert_eq!(s.name, "centrum");
        assert_eq!(s.networks.len(), 2);
        assert_eq!(s.networks[0].line, 4);
        assert_eq!(s.networks[1].line, 8);
        assert_eq!(s.hosts[0].name, "portal.demo-city.test");
        assert_eq!(s.hosts[0].line, 11);
        assert_eq!(s.ports.profile, "smart-city");
        assert!(s.ports.tcp.contains(&502) && s.ports.udp.contains(&47808));
        assert!(!s.credentials_enabled);
        assert_eq!(s.address_count(), 256 + 256);
    }

    #[test]
    fn exclusion_wins_over_network_and_host() {
        let text = r#"name = "x"
exclude = ["127.50.0.7", "127.60.0.0/24"]
[[networks]]
cidr = "127.50.0.0/24"
[[hosts]]
name = "a.test"
addresses = ["127.60.0.9"]
"#;
        let s = parse(text).unwrap();
        let a = |t: &str| t.parse::<IpAddr>().unwrap();
        assert_eq!(
            s.verdict(a("127.50.0.7"), Origin::Network(0)),
            Verdict::Excluded
        );
        assert_eq!(
            s.verdict(a("127.50.0.8"), Origin::Network(0)),
            Verdict::Allowed
        );
        assert_eq!(
            s.verdict(a("127.60.0.9"), Origin::Host(0)),
            Verdict::Excluded
        );
        assert!(s.admit(a("127.50.0.7"), Origin::Network(0), None).is_none());
    }

    #[test]
    fn named_host_outside_networks_is_refused_unless_listed() {
        let s = parse(GOOD).unwrap();
        let a = |t: &str| t.parse::<IpAddr>().unwrap();
        assert_eq!(
            s.verdict(a("127.60.0.9"), Origin::Host(0)),
            Verdict::Allowed
        );
        assert_eq!(
            s.verdict(a("127.60.0.10"), Origin::Host(0)),
            Verdict::OutsideScope
        );
        // The host's own allowance does not extend to other entries.
        assert_eq!(
            s.verdict(a("127.60.0.9"), Origin::Network(0)),
            Verdict::OutsideScope
        );
        assert_eq!(
            s.verdict(a("fd00:50::ff"), Origin::Network(1)),
            Verdict::Allowed
        );
        assert_eq!(
            s.verdict(a("fd00:50::100"), Origin::Network(1)),
            Verdict::OutsideScope
        );
    }

    #[test]
    fn bad_cidr_names_file_line_and_field() {
        let text = "name = \"x\"\n\n[[networks]]\ncidr = \"10.0.0/8\"\n";
        let err = parse(text).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("site/scope.toml:4:"), "{msg}");
        assert!(msg.contains("networks[0].cidr"), "{msg}");
        assert!(msg.contains("10.0.0/8"), "{msg}");
    }

    #[test]
    fn host_bits_set_is_an_error_with_a_suggestion() {
        let text = "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.3/24\"\n";
        let msg = parse(text).unwrap_err().to_string();
        assert!(msg.contains("127.1.2.0/24"), "{msg}");
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let text = "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n[rate]\nper_secnd = 5\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.line(), Some(5));
        let msg = err.to_string();
        assert!(msg.contains("rate.per_secnd"), "{msg}");
        assert!(msg.contains("unknown field"), "{msg}");
    }

    #[test]
    fn wrong_type_names_the_field() {
        let text =
            "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n[rate]\ntimeout_ms = \"fast\"\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.line(), Some(5));
        assert!(err.to_string().contains("rate.timeout_ms"), "{err}");
    }

    #[test]
    fn discovery_defaults_to_probing_the_common_device_ports_of_the_scope() {
        let s = Scope::parse(
            "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n",
            Path::new("s.toml"),
        )
        .unwrap();
        assert_eq!(s.discovery.hosts, HostDiscovery::Probe);
        assert_eq!(s.discovery.tcp_ports, vec![80, 443, 22, 554]);
        assert!(s.discovery.icmp);
        assert!(!s.discovery.syn, "connects unless asked");
        // None of the common ports in the scope: its first two.
        let s = Scope::parse(
            "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n[ports]\ntcp = [9100, 47001, 47002]\n",
            Path::new("s.toml"),
        )
        .unwrap();
        assert_eq!(s.discovery.tcp_ports, vec![9100, 47001]);
        let s = Scope::parse(
            "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n[discovery]\nhosts = \"all\"\ntcp_ports = [7]\nicmp = false\nsyn = true\n",
            Path::new("s.toml"),
        )
        .unwrap();
        assert_eq!(s.discovery.hosts, HostDiscovery::All);
        assert_eq!(s.discovery.tcp_ports, vec![7]);
        assert!(!s.discovery.icmp);
        assert!(s.discovery.syn);
    }

    #[test]
    fn a_bad_discovery_section_names_line_and_field() {
        let text =
            "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n[discovery]\nhosts = \"some\"\n";
        let err = Scope::parse(text, Path::new("s.toml")).unwrap_err();
        assert_eq!(err.line(), Some(5), "{err}");
        assert!(err.to_string().contains("discovery.hosts"), "{err}");
        assert!(err.to_string().contains("known: probe, all"), "{err}");
        let text = "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n[discovery]\ntcp_ports = [80, 0]\n";
        let err = Scope::parse(text, Path::new("s.toml")).unwrap_err();
        assert_eq!(err.line(), Some(5), "{err}");
        assert!(err.to_string().contains("discovery.tcp_ports"), "{err}");
    }

    #[test]
    fn greeting_wait_is_at_least_four_and_a_half_seconds_unless_set() {
        let base = "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n[rate]\n";
        let rate = |extra: &str| parse(&format!("{base}{extra}")).unwrap().rate;
        assert_eq!(rate("").greeting, Duration::from_millis(4500));
        assert_eq!(
            rate("timeout_ms = 1000\n").greeting,
            Duration::from_millis(4500)
        );
        assert_eq!(
            rate("timeout_ms = 8000\n").greeting,
            Duration::from_millis(8000),
            "never shorter than the timeout by default"
        );
        assert_eq!(
            rate("timeout_ms = 8000\ngreeting_ms = 700\n").greeting,
            Duration::from_millis(700),
            "the scope's own value wins"
        );
        let err = parse(&format!("{base}greeting_ms = 0\n")).unwrap_err();
        assert_eq!(err.line(), Some(5), "{err}");
        assert!(err.to_string().contains("rate.greeting_ms"), "{err}");
    }

    #[test]
    fn zero_rate_is_rejected() {
        let text = "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n[rate]\nper_second = 0\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.line(), Some(5));
        assert!(err.to_string().contains("rate.per_second"), "{err}");
    }

    #[test]
    fn tls_policy_defaults_to_2025_05_and_accepts_2_1() {
        let base = "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n";
        assert_eq!(parse(base).unwrap().tls_policy, "ncsc-2025-05");
        let old = format!("tls_policy = \"ncsc-2.1\"\n{base}");
        assert_eq!(parse(&old).unwrap().tls_policy, "ncsc-2.1");
        let bad = format!("tls_policy = \"ncsc-1.0\"\n{base}");
        let err = parse(&bad).unwrap_err();
        assert_eq!(err.line(), Some(1));
        assert!(err.to_string().contains("ncsc-2.1"), "{err}");
    }

    #[test]
    fn known_tls_policies_are_the_embedded_ones() {
        let mut embedded = crate::tls::policy::ids();
        embedded.sort();
        let mut known: Vec<String> = TLS_POLICIES.iter().map(|s| s.to_string()).collect();
        known.sort();
        assert_eq!(known, embedded);
        assert_eq!(TLS_POLICIES[0], crate::tls::policy::DEFAULT_POLICY);
    }

    #[test]
    fn empty_scope_is_refused() {
        let err = parse("name = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains("nothing may be scanned"), "{err}");
    }

    #[test]
    fn missing_name_is_reported() {
        let err = parse("[[networks]]\ncidr = \"127.1.2.0/24\"\n").unwrap_err();
        assert!(err.to_string().contains("name"), "{err}");
    }

    #[test]
    fn explicit_ports_replace_the_profile_and_extras_add() {
        let text = "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n[ports]\ntcp = [8080, 22, 22]\nudp = []\nextra_udp = [1161]\n";
        let s = parse(text).unwrap();
        assert_eq!(s.ports.tcp, vec![22, 8080]);
        assert_eq!(s.ports.udp, vec![1161]);
    }

    #[test]
    fn ot_safe_profile_lowers_defaults_and_refuses_parallel_connections() {
        let base =
            "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n[rate]\nprofile = \"ot-safe\"\n";
        let s = parse(base).unwrap();
        assert_eq!(s.rate.profile, RateProfile::OtSafe);
        assert_eq!(s.rate.per_host_concurrency, 1);
        assert!(s.rate.per_second <= 50);
        let err = parse(&format!("{base}per_host_concurrency = 4\n")).unwrap_err();
        assert_eq!(err.line(), Some(6));
    }

    #[test]
    fn huge_ipv6_network_is_refused() {
        let text = "name = \"x\"\n[[networks]]\ncidr = \"2001:db8::/64\"\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.line(), Some(3));
    }

    #[test]
    fn nameserver_accepts_address_with_and_without_port() {
        let text = "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n[dns]\nnameservers = [\"127.0.0.53:5353\", \"127.0.0.1\"]\n";
        let s = parse(text).unwrap();
        assert_eq!(s.nameservers[0].port(), 5353);
        assert_eq!(s.nameservers[1].port(), 53);
        let bad = text.replace("127.0.0.1\"", "resolver\"");
        assert_eq!(parse(&bad).unwrap_err().line(), Some(5));
    }

    #[test]
    fn trust_anchors_resolve_against_the_scope_folder() {
        let text = "name = \"x\"\ntrust_anchors = [\"ca/city.pem\"]\n[[networks]]\ncidr = \"127.1.2.0/24\"\n";
        let s = parse(text).unwrap();
        assert_eq!(s.trust_anchors, vec![PathBuf::from("site/ca/city.pem")]);
    }

    #[test]
    fn knowledge_recog_resolves_against_the_scope_folder() {
        let text = "name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n[knowledge]\nrecog = \"recog/xml\"\n";
        let s = parse(text).unwrap();
        assert_eq!(s.recog, Some(PathBuf::from("site/recog/xml")));
        assert!(parse("name = \"x\"\n[knowledge]\nrecg = \"r\"\n").is_err());
        assert_eq!(
            parse("name = \"x\"\n[[networks]]\ncidr = \"127.1.2.0/24\"\n")
                .unwrap()
                .recog,
            None
        );
    }
}
