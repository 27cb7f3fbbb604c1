//! Service identification: talks to every open port until it knows what
//! speaks there, by what the service says, not by its port number.
//!
//! Each open TCP endpoint gets a plan of steps (listen for a banner, TLS,
//! HTTP, RTSP, MQTT), ordered by what the port usually carries; every step
//! is a conversation in its own file, over a fresh connection from `net`.
//! The whole plan runs under one deadline (the scope's `timeout_ms`), so a
//! tarpit or a device that sends garbage costs at most that.

mod bacnet;
mod banner;
mod coap;
pub mod fetch;
mod ftp;
mod http;
mod modbus;
mod mqtt;
mod onvif;
mod rtsp;
pub mod snmp;
mod ssdp;
mod telnet;
mod tls;

pub(crate) use mqtt::client_id as mqtt_client_id;

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use crate::model::{Endpoint, Evidence, Observation, ProbeStatus, Target};
use crate::net::{Conn, ConnectError, Net};
use crate::tls::starttls::Starttls;
use crate::tls::{TlsContext, assess, cert, policy::Policy, verdict};

/// The User-Agent the HTTP and RTSP probes send.
pub const USER_AGENT: &str = concat!("stadscan/", env!("CARGO_PKG_VERSION"));

/// Bytes kept from a server-first banner.
const BANNER_LIMIT: usize = 4096;
/// Bytes read from an HTTP or RTSP response (head and body).
const RESPONSE_LIMIT: usize = 64 * 1024;

/// What one step of a plan learned.
pub(crate) enum Step {
    /// The protocol is known; the plan stops.
    Identified,
    /// Something else answered; the bytes may tell another step what it is.
    Other(Vec<u8>),
    /// Nothing came back before the step's deadline.
    Silent,
    /// The service closed or reset the connection.
    Closed,
}

/// Logs the size of what a step received, not the bytes (a firehose device
/// would fill the trace log).
impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Step::Identified => f.write_str("Identified"),
            Step::Other(b) => write!(f, "Other({} bytes)", b.len()),
            Step::Silent => f.write_str("Silent"),
            Step::Closed => f.write_str("Closed"),
        }
    }
}

/// A step of an identification plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Wait for the server to speak first (SSH, FTP, Telnet, SMTP...).
    Banner {
        full_wait: bool,
    },
    /// Only listen; never send a byte (OT ports, where malformed input can
    /// upset a controller).
    Passive,
    Tls,
    Http,
    Rtsp,
    Mqtt,
    /// LDAP: the StartTLS extended request, which every LDAPv3 server answers.
    Ldap,
    /// Modbus/TCP Read Device Identification (read only; not in ot-safe).
    Modbus,
}

impl Kind {
    /// The step's name in the audit trail.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Kind::Banner { .. } => "banner",
            Kind::Passive => "ot-listen",
            Kind::Tls => "tls-handshake",
            Kind::Http => "http-get",
            Kind::Rtsp => "rtsp-options",
            Kind::Mqtt => "mqtt-connect",
            Kind::Ldap => "ldap-starttls",
            Kind::Modbus => "modbus-device-id",
        }
    }
}

/// TCP ports of OT protocols: only listened to (never sent a byte), except
/// the read-only Modbus identification outside the ot-safe profile.
pub const OT_PORTS: &[u16] = &[102, 502, 2404, 4840, 5020, 20000, 44818];

/// Modbus/TCP: the standard port, and 5020 where unprivileged servers and
/// gateways listen.
pub const MODBUS_PORTS: &[u16] = &[502, 5020];

fn plan(port: u16, ot_safe: bool) -> Vec<Kind> {
    use Kind::*;
    let banner_full = Banner { full_wait: true };
    let banner_short = Banner { full_wait: false };
    match port {
        p if MODBUS_PORTS.contains(&p) && !ot_safe => vec![Modbus],
        p if OT_PORTS.contains(&p) => vec![Passive],
        21 | 22 | 23 | 2121 | 2222 | 2323 => vec![banner_full, Tls, Http],
        80 | 8000 | 8008 | 8080 | 8081 | 8888 => vec![Http, banner_short, Tls, Rtsp],
        443 | 465 | 636 | 993 | 995 | 4443 | 8443 | 9443 | 10443 | 8883 | 990 | 992 | 322 => {
            vec![Tls, banner_short, Http]
        }
        554 | 8554 => vec![Rtsp, banner_short, Http, Tls],
        1883 => vec![Mqtt, banner_short, Http, Tls],
        389 | 3268 => vec![Ldap, banner_short, Tls, Http],
        _ => vec![banner_short, Tls, Http, Rtsp, Mqtt],
    }
}

/// Steps tried inside a TLS session.
fn inner_plan(port: u16) -> Vec<Kind> {
    match port {
        8883 => vec![Kind::Mqtt, Kind::Http],
        322 => vec![Kind::Rtsp, Kind::Http],
        _ => vec![Kind::Http, Kind::Mqtt],
    }
}

/// How long a port without a hint is listened to before the active steps
/// begin. Server-first services greet within this on any LAN; a later
/// greeting still surfaces, because every active step hands what it
/// receives to the banner classifier. (Listening longer in parallel with
/// the active steps does not help: many embedded servers, and `openssl
/// s_server`, serve one connection at a time.)
const BANNER_GRACE: Duration = Duration::from_millis(200);

/// What a plan's steps amounted to.
#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    identified: bool,
    silent: u32,
    closed: u32,
    /// Bytes some step received that no step recognised.
    spoke: bool,
}

/// Per-step context.
pub(crate) struct Cx<'a> {
    pub deadline: Instant,
    pub target: &'a Target,
    pub port: u16,
    /// Value for `Host:` headers and RTSP URLs.
    pub authority: String,
    /// Stream paths the RTSP step asks when the root describes none.
    pub streams: &'a crate::streams::StreamPaths,
}

/// Identifies services; shared by every endpoint task of a scan.
#[derive(Debug, Clone)]
pub struct Prober {
    /// The TLS client and trust store for handshakes and certificate
    /// checks.
    pub tls: TlsContext,
    /// Budget of one endpoint.
    pub timeout: Duration,
    /// Budget of an endpoint whose plan waits for the server to speak
    /// first (FTP, SSH, Telnet ports): how long its greeting may take.
    pub greeting: Duration,
    /// The scan's clock (Unix seconds) for certificate validity.
    pub now: i64,
    /// The TLS policy endpoints are judged against.
    pub policy: std::sync::Arc<Policy>,
    /// Device-information endpoints asked of web services that match them.
    pub endpoints: std::sync::Arc<crate::devinfo::Endpoints>,
    /// Documented RTSP stream paths.
    pub streams: std::sync::Arc<crate::streams::StreamPaths>,
    /// The scope's ot-safe profile: OT protocols are only listened to.
    pub ot_safe: bool,
}

/// How many identification budgets the TLS enumeration of one endpoint may
/// take (it needs one short connection per accepted suite).
pub const TLS_BUDGET_FACTOR: u32 = 4;

impl Prober {
    /// Identifies the service on an open TCP port. `first` is the
    /// connection discovery opened; later steps open their own.
    pub async fn identify(
        &self,
        net: &Net,
        target: &Target,
        port: u16,
        first: Conn,
    ) -> Observation {
        let start = Instant::now();
        let plan = plan(port, self.ot_safe);
        let budget = if plan.first() == Some(&Kind::Banner { full_wait: true }) {
            self.greeting
        } else {
            self.timeout
        };
        let deadline = start + budget;
        let endpoint = Endpoint::tcp(target.addr(), port);
        let obs = Observation::new(endpoint, target.hostname().map(str::to_string));
        let cx = Cx {
            deadline,
            target,
            port,
            authority: authority(target, port),
            streams: &self.streams,
        };
        let (mut obs, tally) = self.run_plan(net, Some(first), &plan, &cx, obs).await;
        if tally.identified && obs.protocol == "http" && !obs.tls {
            let deadline = Instant::now() + self.timeout;
            http::follow_up(net, target, port, &self.endpoints, &mut obs, deadline).await;
        }
        let Tally {
            identified,
            silent,
            closed,
            spoke,
        } = tally;
        if !identified {
            obs.protocol = "unknown".into();
            obs.tls = false;
            if obs.fact("banner.text").is_some() || obs.fact("service.note").is_some() {
                // Spoke, but in nothing we know: still an answer.
            } else if spoke {
                obs.status = ProbeStatus::ProtocolError;
                obs.set(
                    "service.note",
                    "answers, but in no protocol stadscan recognises (or breaks the one it seems to speak)",
                );
            } else if silent > 0 && closed == 0 {
                obs.status = ProbeStatus::Timeout;
            } else {
                obs.status = ProbeStatus::ProtocolError;
                obs.set(
                    "service.note",
                    "accepts connections but closes them without a recognisable answer",
                );
            }
        }
        obs.elapsed_ms = start.elapsed().as_millis() as u64;
        obs
    }

    /// Runs `plan` step by step until one identifies the service.
    async fn run_plan(
        &self,
        net: &Net,
        mut first: Option<Conn>,
        plan: &[Kind],
        cx: &Cx<'_>,
        mut obs: Observation,
    ) -> (Observation, Tally) {
        let mut tally = Tally::default();
        for kind in plan {
            if Instant::now() >= cx.deadline {
                break;
            }
            let conn = match first.take() {
                Some(c) => c,
                None => match net.connect(cx.target, cx.port, kind.label()).await {
                    Ok(c) => c,
                    Err(ConnectError::Refused) => {
                        tally.closed += 1;
                        break;
                    }
                    Err(_) => break,
                },
            };
            let step = self.run(*kind, net, conn, cx, &mut obs).await;
            tracing::trace!(endpoint = %obs.endpoint, ?kind, ?step, "probe step");
            match step {
                Step::Identified => {
                    tally.identified = true;
                    break;
                }
                Step::Silent => tally.silent += 1,
                Step::Closed => tally.closed += 1,
                Step::Other(bytes) => {
                    if !bytes.is_empty() {
                        if !tally.spoke {
                            obs.evidence
                                .push(Evidence::from_bytes(kind.label(), &bytes));
                        }
                        tally.spoke = true;
                    }
                }
            }
        }
        (obs, tally)
    }

    /// Enumerates and judges TLS on an identified endpoint: directly when
    /// the service spoke TLS, after STARTTLS for the protocols that have it.
    pub async fn assess_tls(&self, net: &Net, target: &Target, port: u16, obs: &mut Observation) {
        let starttls = if obs.tls || obs.protocol == "tls" {
            None
        } else {
            match Starttls::for_protocol(&obs.protocol) {
                Some(k) => Some(k),
                None => return,
            }
        };
        let deadline = Instant::now() + self.timeout * TLS_BUDGET_FACTOR;
        let profile = assess::assess(net, target, port, starttls, deadline).await;
        if !profile.versions.iter().any(|v| !v.suites.is_empty())
            && profile.sslv2_ciphers.is_empty()
        {
            // No STARTTLS offered, or nothing we could enumerate.
            return;
        }
        verdict::judge(&profile, &self.policy, &mut obs.facts);
        let chain = if obs.chain.is_empty() {
            profile.chain.clone()
        } else {
            obs.chain.clone()
        };
        if obs.fact("cert.sha256").is_none() && !chain.is_empty() {
            // Only the hand-built handshake saw the certificate (legacy-only
            // or STARTTLS services).
            let ders: Vec<rustls::pki_types::CertificateDer<'_>> =
                chain.iter().map(|c| c.as_slice().into()).collect();
            let facts = cert::analyse(&ders, target.hostname(), &self.tls.anchors, self.now);
            obs.facts.extend(facts);
        }
        verdict::judge_chain(&chain, &self.policy, &mut obs.facts);
        obs.tls_profile = Some(profile);
    }

    async fn run(
        &self,
        kind: Kind,
        net: &Net,
        conn: Conn,
        cx: &Cx<'_>,
        obs: &mut Observation,
    ) -> Step {
        let Conn { mut stream, permit } = conn;
        stream.set_probe(kind.label());
        let step = match kind {
            Kind::Banner { full_wait } => {
                let wait = if full_wait {
                    cx.deadline
                } else {
                    (Instant::now() + BANNER_GRACE).min(cx.deadline)
                };
                banner::listen(&mut stream, wait, cx, obs).await
            }
            Kind::Passive => banner::passive(&mut stream, cx, obs).await,
            Kind::Tls => {
                return tls::handshake(self, net, stream, permit, cx, obs).await;
            }
            other => app_step(other, &mut stream, cx, obs).await,
        };
        drop(permit);
        step
    }
}

/// Runs an application-protocol step on any stream (plain or TLS); bytes
/// another protocol answered with are shown to the banner classifier.
pub(crate) async fn app_step<S>(kind: Kind, io: &mut S, cx: &Cx<'_>, obs: &mut Observation) -> Step
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let step = match kind {
        Kind::Http => http::probe(io, cx, obs).await,
        Kind::Rtsp => rtsp::probe(io, cx, obs).await,
        Kind::Mqtt => mqtt::probe(io, cx, obs).await,
        Kind::Ldap => ldap(io, cx, obs).await,
        Kind::Modbus => modbus::probe(io, cx, obs).await,
        Kind::Banner { .. } | Kind::Passive | Kind::Tls => return Step::Silent,
    };
    match step {
        Step::Other(bytes) if !bytes.is_empty() => {
            banner::classify(io, bytes, cx, obs, false).await
        }
        s => s,
    }
}

/// LDAP answers the StartTLS extended request with an ExtendedResponse:
/// that identifies it, and says whether STARTTLS is on offer.
async fn ldap<S>(io: &mut S, cx: &Cx<'_>, obs: &mut Observation) -> Step
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    use crate::tls::starttls::{LDAP_STARTTLS, ldap_result};
    if crate::net::io::write_all(io, LDAP_STARTTLS, cx.deadline)
        .await
        .is_err()
    {
        return Step::Closed;
    }
    match ldap_result(io, cx.deadline).await {
        Some(code) => {
            obs.protocol = "ldap".into();
            obs.set("ldap.starttls", code == 0);
            Step::Identified
        }
        None => Step::Other(Vec::new()),
    }
}

/// BACnet/IP: 47808 (0xBAC0) and the fifteen ports after it.
pub const BACNET_PORTS: std::ops::RangeInclusive<u16> = 47808..=47823;

/// Identifies a UDP service by its port: CoAP, BACnet (not in ot-safe),
/// WS-Discovery/ONVIF, SSDP; SNMP everywhere else. `None` when nothing
/// answered (an open UDP port that stays silent cannot be told from a
/// closed one without raw sockets).
pub async fn udp(
    net: &Net,
    target: &Target,
    port: u16,
    timeout: Duration,
    ot_safe: bool,
) -> Option<Observation> {
    match port {
        5683 => coap::probe(net, target, port, timeout).await,
        p if BACNET_PORTS.contains(&p) => {
            if ot_safe {
                None
            } else {
                bacnet::probe(net, target, port, timeout).await
            }
        }
        3702 => onvif::probe(net, target, port, timeout).await,
        1900 => ssdp::probe(net, target, port, timeout).await,
        p if snmp::wants_snmp(p) => snmp::probe(net, target, port, timeout).await,
        _ => None,
    }
}

/// The observation of a UDP endpoint that answered, with the reply kept as
/// evidence under the probe's `label`.
pub(crate) fn udp_answered(target: &Target, port: u16, label: &str, reply: &[u8]) -> Observation {
    let mut obs = Observation::new(
        Endpoint::udp(target.addr(), port),
        target.hostname().map(str::to_string),
    );
    obs.evidence.push(Evidence::from_bytes(label, reply));
    obs
}

/// Marks an answer in another protocol than the one asked (or a broken
/// one), with the note that says so.
pub(crate) fn protocol_error(obs: &mut Observation, note: impl Into<crate::model::FactValue>) {
    obs.status = ProbeStatus::ProtocolError;
    obs.set("service.note", note);
}

/// A network layer whose scope is `cidr`, and a target in it (for the
/// probes' conversation tests against small fake devices).
#[cfg(any(test, feature = "test-support"))]
pub fn test_net(cidr: &str, ip: &str) -> (Net, Target) {
    let text = format!("name = \"t\"\n[[networks]]\ncidr = \"{cidr}\"\n");
    let scope = crate::scope::Scope::parse(&text, std::path::Path::new("s.toml")).unwrap();
    let (_trigger, shutdown) = crate::net::Shutdown::new();
    let net = Net::new(std::sync::Arc::new(scope), shutdown);
    let addr: std::net::IpAddr = ip.parse().unwrap();
    let target = Target::admitted(addr, None, crate::model::Origin::Network(0));
    (net, target)
}

/// A lossy path to the UDP device at `upstream`, on the device's own
/// address (so what the device names on its own host stays on it): drops
/// the first `drop` datagrams sent to it, as a busy network or device
/// would, and relays the others to the device and its answers back.
/// Returns the path's port and the count of datagrams it was sent.
#[cfg(test)]
pub(crate) async fn lossy_path(
    upstream: std::net::SocketAddr,
    drop: usize,
) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let front = tokio::net::UdpSocket::bind((upstream.ip(), 0))
        .await
        .unwrap();
    let back = tokio::net::UdpSocket::bind((upstream.ip(), 0))
        .await
        .unwrap();
    back.connect(upstream).await.unwrap();
    let port = front.local_addr().unwrap().port();
    let sent = std::sync::Arc::new(AtomicUsize::new(0));
    let count = sent.clone();
    tokio::spawn(async move {
        let (mut up, mut down) = (vec![0u8; 65_536], vec![0u8; 65_536]);
        let mut peer = None;
        loop {
            tokio::select! {
                r = front.recv_from(&mut up) => {
                    let Ok((n, from)) = r else { break };
                    if count.fetch_add(1, Ordering::SeqCst) >= drop {
                        peer = Some(from);
                        let _ = back.send(&up[..n]).await;
                    }
                }
                r = back.recv(&mut down) => {
                    let Ok(n) = r else { break };
                    if let Some(p) = peer {
                        let _ = front.send_to(&down[..n], p).await;
                    }
                }
            }
        }
    });
    (port, sent)
}

fn authority(target: &Target, port: u16) -> String {
    match (target.hostname(), target.addr()) {
        (Some(h), _) => format!("{h}:{port}"),
        (None, std::net::IpAddr::V6(a)) => format!("[{a}]:{port}"),
        (None, a) => format!("{a}:{port}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ot_ports_are_only_listened_to() {
        for p in OT_PORTS {
            assert_eq!(plan(*p, true), vec![Kind::Passive], "port {p}");
            if !MODBUS_PORTS.contains(p) {
                assert_eq!(plan(*p, false), vec![Kind::Passive], "port {p}");
            }
        }
    }

    #[test]
    fn modbus_is_asked_to_identify_itself_outside_ot_safe() {
        assert_eq!(plan(502, false), vec![Kind::Modbus]);
        assert_eq!(plan(5020, false), vec![Kind::Modbus]);
    }

    #[test]
    fn unknown_ports_try_every_protocol() {
        let p = plan(10_001, false);
        for k in [Kind::Tls, Kind::Http, Kind::Rtsp, Kind::Mqtt] {
            assert!(p.contains(&k));
        }
        assert!(matches!(p[0], Kind::Banner { full_wait: false }));
    }

    #[test]
    fn mqtt_over_tls_tries_mqtt_first() {
        assert_eq!(inner_plan(8883)[0], Kind::Mqtt);
        assert_eq!(inner_plan(443)[0], Kind::Http);
    }
}
