//! TLS enumeration with hand-built ClientHellos: which protocol versions,
//! cipher suites and key-exchange groups an endpoint accepts, whether it
//! enforces its own suite order, and the session features the NCSC-NL
//! guidelines judge (secure renegotiation, extended master secret,
//! compression, OCSP stapling, the hash of the TLS 1.2 key-exchange
//! signature).
//!
//! Each question is one short connection that ends at the server's first
//! flight; suites are found by re-offering without what the server picked,
//! so a server with N suites costs N+1 connections per version.
//!
//! The five versions are enumerated side by side, and then the groups and
//! session features: each chain of questions is sequential, the chains are
//! not. How many connections a device really sees at once is the scope's
//! `per_host_concurrency` (the gate holds a host slot per connection), so
//! an ot-safe scan still asks one question at a time.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use tokio::time::Instant;

use super::starttls::{self, Starttls};
use crate::model::Target;
pub use crate::model::tls::{DhParams, TlsProfile, VersionProfile};
use crate::net::io::write_all;
use crate::net::{ConnectError, Net};
use crate::proto::tls::{
    self as wire, ALL_GROUPS, ALL_SUITES, ClientHello, Handshake, HandshakeReader, Kex,
    KeyExchange, ServerHello, TLS13_SUITES,
};

/// Bytes read from one server flight (a 1 MB certificate chain is cut here).
const FLIGHT_LIMIT: usize = 300 * 1024;
/// Enough rounds for any real server; a server that accepts everything
/// (or lies) cannot keep the scanner busy beyond this.
const MAX_ROUNDS: usize = 64;

/// Signature algorithms a modern client offers (TLS 1.2 SignatureScheme).
pub(crate) const SIGALGS: &[u16] = &[
    0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0807, 0x0808, 0x0203,
    0x0201, 0x0202, 0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602,
];
/// SHA-1 only: a server that still signs with it answers.
const SHA1_SIGALGS: &[u16] = &[0x0201, 0x0203, 0x0202];

/// How a server answered one ClientHello.
#[derive(Debug, Default)]
pub(crate) struct Flight {
    pub hello: Option<ServerHello>,
    pub certificates: Vec<Vec<u8>>,
    pub key_exchange: Option<Vec<u8>>,
    pub status: bool,
    pub alert: Option<u8>,
    /// An SSL 2.0 SERVER-HELLO (the answer to an SSL 2.0 CLIENT-HELLO).
    pub sslv2: Option<wire::Sslv2ServerHello>,
    /// An SSL 2.0 ERROR message: the server speaks SSL 2.0 and refused.
    pub sslv2_error: bool,
}

impl Flight {
    /// The server answered in TLS (or SSL): a hello, an alert or an SSL 2.0
    /// message.
    pub(crate) fn is_tls(&self) -> bool {
        self.hello.is_some() || self.alert.is_some() || self.sslv2.is_some() || self.sslv2_error
    }
}

/// How one hello-and-first-flight exchange ended.
#[derive(Debug)]
pub(crate) enum Exchange {
    /// TLS records came back (read them with [`Flight::is_tls`]).
    Flight(Box<Flight>),
    /// The first bytes are not a TLS record: another protocol answered.
    NotTls(Vec<u8>),
    Silent,
    Closed,
}

/// Sends `hello` (an encoded ClientHello, SSL 2.0 or later) on `stream` and
/// reads the server's first flight: until ServerHelloDone, an alert, an
/// SSL 2.0 message, the first record after the cleartext part, or (with
/// `stop_at_hello`, for TLS 1.3 offers) the ServerHello.
pub(crate) async fn exchange<S>(
    stream: &mut S,
    hello: &[u8],
    stop_at_hello: bool,
    deadline: Instant,
) -> Exchange
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::AsyncReadExt;
    if write_all(stream, hello, deadline).await.is_err() {
        return Exchange::Closed;
    }
    let mut buf = Vec::new();
    let mut reader = HandshakeReader::default();
    let mut flight = Flight::default();
    let mut total = 0usize;
    let mut chunk = vec![0u8; 16 * 1024];
    loop {
        let (records, used) = match wire::parse_records(&buf) {
            Ok(r) => r,
            Err(_) if total == buf.len() => return Exchange::NotTls(buf),
            Err(_) => return Exchange::Flight(Box::new(flight)),
        };
        buf.drain(..used);
        for rec in records {
            match rec.content_type {
                wire::CONTENT_ALERT => {
                    flight.alert = wire::parse_alert(&rec.payload).ok().map(|a| a.description);
                    if flight.alert.is_none() && !flight.is_tls() {
                        return Exchange::NotTls(rec.payload);
                    }
                    return Exchange::Flight(Box::new(flight));
                }
                wire::CONTENT_SSLV2 => {
                    flight.sslv2 = wire::parse_sslv2_server_hello(&rec.payload).ok();
                    flight.sslv2_error = wire::is_sslv2_error(&rec.payload);
                    if !flight.is_tls() {
                        return Exchange::NotTls(rec.payload);
                    }
                    return Exchange::Flight(Box::new(flight));
                }
                wire::CONTENT_HANDSHAKE => {
                    let msgs = match reader.push(&rec.payload) {
                        Ok(m) => m,
                        Err(_) => {
                            // Keep what came before the broken message
                            // (an oversized chain after a good ServerHello).
                            if flight.hello.is_none() {
                                flight.hello = reader.messages().iter().find_map(|m| match m {
                                    Handshake::ServerHello(h) => Some(h.clone()),
                                    _ => None,
                                });
                            }
                            return Exchange::Flight(Box::new(flight));
                        }
                    };
                    for m in msgs {
                        match m {
                            Handshake::ServerHello(h) => {
                                let done = stop_at_hello || h.is_hello_retry;
                                flight.hello = Some(h);
                                if done {
                                    return Exchange::Flight(Box::new(flight));
                                }
                            }
                            Handshake::Certificate(c) => flight.certificates = c,
                            Handshake::ServerKeyExchange(k) => flight.key_exchange = Some(k),
                            Handshake::CertificateStatus(_) => flight.status = true,
                            Handshake::ServerHelloDone => {
                                return Exchange::Flight(Box::new(flight));
                            }
                            Handshake::Other(..) => {}
                        }
                    }
                }
                // Anything else (encrypted TLS 1.3 records, CCS): the flight
                // we can read in the clear is over.
                _ => return Exchange::Flight(Box::new(flight)),
            }
        }
        if total >= FLIGHT_LIMIT {
            return Exchange::Flight(Box::new(flight));
        }
        let n = match tokio::time::timeout_at(deadline, stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => n,
            // A flight cut short still says what it said.
            _ if flight.is_tls() => return Exchange::Flight(Box::new(flight)),
            Err(_) if total == 0 => return Exchange::Silent,
            Err(_) => return Exchange::NotTls(buf),
            Ok(_) if total == 0 => return Exchange::Closed,
            Ok(_) => return Exchange::NotTls(buf),
        };
        total += n;
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Runs the enumeration on `target:port` within `deadline`; with
/// `starttls`, every connection first upgrades in cleartext.
pub async fn assess(
    net: &Net,
    target: &Target,
    port: u16,
    starttls: Option<Starttls>,
    deadline: Instant,
) -> TlsProfile {
    let start = Instant::now();
    let a = Assessor {
        net,
        target,
        port,
        deadline,
        starttls,
        sni: target.hostname().map(str::to_string),
        connections: AtomicU32::new(0),
        late: AtomicBool::new(false),
        unasked: AtomicBool::new(false),
    };
    let mut profile = TlsProfile {
        starttls,
        ..a.run().await
    };
    profile.connections = a.connections.load(Ordering::Relaxed);
    profile.incomplete = a.late.load(Ordering::Relaxed) || a.unasked.load(Ordering::Relaxed);
    profile.elapsed_ms = start.elapsed().as_millis() as u64;
    profile
}

/// The questions of one endpoint. Shared by the chains that run side by
/// side, so what they count is atomic.
struct Assessor<'a> {
    net: &'a Net,
    target: &'a Target,
    port: u16,
    deadline: Instant,
    starttls: Option<Starttls>,
    sni: Option<String>,
    connections: AtomicU32,
    /// The deadline cut a chain short.
    late: AtomicBool,
    /// A question got no connection, even when asked again.
    unasked: AtomicBool,
}

/// How many times a question is asked again when its connect timed out:
/// the port accepted connections before, so a timeout is a lost SYN or
/// SYN-ACK (twice, within one connect), not a closed port.
const CONNECT_RETRIES: u32 = 1;

/// What the TLS 1.2 (and older) group questions found.
#[derive(Default)]
struct Tls12Groups {
    groups: BTreeSet<u16>,
    dh: Option<DhParams>,
}

/// The session features of the best version below 1.3.
#[derive(Default)]
struct Features {
    secure_renegotiation: Option<bool>,
    extended_master_secret: Option<bool>,
    ocsp_stapling: Option<bool>,
    compression: Option<bool>,
    sha1_kex_signature: Option<bool>,
}

impl Assessor<'_> {
    fn hello(&self, version: u16) -> ClientHello {
        let tls13 = version == wire::TLS13;
        ClientHello {
            version: if tls13 { wire::TLS12 } else { version },
            record_version: wire::TLS10.min(version.max(wire::SSL3)),
            random: random32(),
            session_id: if tls13 {
                random32().to_vec()
            } else {
                Vec::new()
            },
            suites: if tls13 {
                TLS13_SUITES.to_vec()
            } else {
                ALL_SUITES.to_vec()
            },
            compression: vec![0],
            server_name: self.sni.clone(),
            supported_versions: if tls13 { vec![wire::TLS13] } else { Vec::new() },
            groups: ALL_GROUPS.to_vec(),
            key_shares: Vec::new(),
            signature_algorithms: if version >= wire::TLS12 {
                SIGALGS.to_vec()
            } else {
                Vec::new()
            },
            ec_point_formats: !tls13,
            renegotiation_info: !tls13,
            extended_master_secret: !tls13,
            status_request: true,
            alpn: Vec::new(),
            session_ticket: false,
        }
    }

    fn out_of_time(&self) -> bool {
        let late = Instant::now() >= self.deadline;
        if late {
            self.late.store(true, Ordering::Relaxed);
        }
        late
    }

    /// One connection: send the hello, read the first flight.
    async fn ask(&self, hello: &ClientHello) -> Option<Flight> {
        let tls13 = hello.supported_versions.contains(&wire::TLS13);
        let bytes = wire::encode_client_hello(hello);
        match self.send(&bytes, tls13).await? {
            Exchange::Flight(f) => Some(*f),
            Exchange::NotTls(_) => Some(Flight::default()),
            Exchange::Silent | Exchange::Closed => None,
        }
    }

    /// One connection (upgraded first with STARTTLS): sends the encoded
    /// `hello` and reads the answer. `None` when out of time or refused.
    async fn send(&self, hello: &[u8], tls13: bool) -> Option<Exchange> {
        if self.out_of_time() {
            return None;
        }
        let mut retries = CONNECT_RETRIES;
        let mut conn = loop {
            match self.net.connect(self.target, self.port, "tls-enum").await {
                Ok(c) => break c,
                Err(ConnectError::Timeout) if retries > 0 && !self.out_of_time() => retries -= 1,
                Err(_) => {
                    self.unasked.store(true, Ordering::Relaxed);
                    return None;
                }
            }
        };
        self.connections.fetch_add(1, Ordering::Relaxed);
        let stream = &mut conn.stream;
        if let Some(kind) = self.starttls
            && !starttls::upgrade(stream, kind, self.deadline).await
        {
            return None;
        }
        Some(exchange(stream, hello, tls13, self.deadline).await)
    }

    async fn run(&self) -> TlsProfile {
        let mut profile = TlsProfile::default();
        if self.out_of_time() {
            return profile;
        }
        let (v13, v12, v11, v10, v3, v2) = tokio::join!(
            self.versions(wire::TLS13),
            self.versions(wire::TLS12),
            self.versions(wire::TLS11),
            self.versions(wire::TLS10),
            self.versions(wire::SSL3),
            self.sslv2(),
        );
        // The chain of the oldest version below 1.3 that sent one (as when
        // the versions were asked one after the other, the last one kept).
        for (vp, chain) in [v13, v12, v11, v10, v3] {
            if let Some(chain) = chain {
                profile.chain = chain;
            }
            profile.versions.push(vp);
        }
        if let Some(v2) = v2 {
            profile.sslv2_ciphers = v2.ciphers;
            if profile.chain.is_empty() && !v2.certificate.is_empty() {
                profile.chain = vec![v2.certificate];
            }
        }
        let best12 = [wire::TLS12, wire::TLS11, wire::TLS10]
            .into_iter()
            .find(|v| profile.accepts(*v));
        let accepted12: Vec<u16> = best12
            .and_then(|b| profile.versions.iter().find(|v| v.wire == b))
            .map(|v| v.suites.clone())
            .unwrap_or_default();
        let groups13 = async {
            if profile.accepts(wire::TLS13) {
                self.groups_tls13().await
            } else {
                BTreeSet::new()
            }
        };
        let groups12 = async {
            match best12 {
                Some(v) => self.groups_tls12(v, &accepted12).await,
                None => Tls12Groups::default(),
            }
        };
        let features = async {
            match best12 {
                Some(v) => self.features(v).await,
                None => Features::default(),
            }
        };
        let (groups13, groups12, features) = tokio::join!(groups13, groups12, features);
        for g in groups13.into_iter().chain(groups12.groups) {
            if !profile.groups.contains(&g) {
                profile.groups.push(g);
            }
        }
        profile.dh = groups12.dh;
        profile.secure_renegotiation = features.secure_renegotiation;
        profile.extended_master_secret = features.extended_master_secret;
        profile.ocsp_stapling = features.ocsp_stapling;
        profile.compression = features.compression;
        profile.sha1_kex_signature = features.sha1_kex_signature;
        profile
    }

    /// Suites accepted at `version`, whether the server imposes its order,
    /// and (below 1.3) the certificate chain of the first answer.
    async fn versions(&self, version: u16) -> (VersionProfile, Option<Vec<Vec<u8>>>) {
        let mut chain = None;
        let mut vp = VersionProfile::new(version, &[], None);
        let mut offer = self.hello(version);
        for _ in 0..MAX_ROUNDS {
            if offer.suites.is_empty() {
                break;
            }
            let Some(flight) = self.ask(&offer).await else {
                break;
            };
            let Some(h) = flight.hello else {
                break;
            };
            if h.negotiated_version() != version || !offer.suites.contains(&h.suite) {
                // A downgrade or a suite we did not offer: not this version.
                break;
            }
            if vp.suites.is_empty() && version != wire::TLS13 && !flight.certificates.is_empty() {
                chain = Some(flight.certificates);
            }
            vp.suites.push(h.suite);
            offer.suites.retain(|s| *s != h.suite);
        }
        if vp.suites.len() >= 2 {
            vp.server_order = self.server_order(version, &vp.suites).await;
        }
        (vp, chain)
    }

    /// SSL 2.0: one CLIENT-HELLO offering it alone; a SERVER-HELLO accepts.
    async fn sslv2(&self) -> Option<wire::Sslv2ServerHello> {
        let challenge: [u8; 16] = random32()[..16].try_into().ok()?;
        let hello = wire::encode_sslv2_client_hello(&challenge);
        match self.send(&hello, false).await? {
            Exchange::Flight(f) => f.sslv2,
            _ => None,
        }
    }

    /// Offers the accepted suites in opposite orders: the same choice both
    /// times means the server decides.
    async fn server_order(&self, version: u16, suites: &[u16]) -> Option<bool> {
        let mut offer = self.hello(version);
        offer.suites = suites.to_vec();
        let first = self.ask(&offer).await?.hello?.suite;
        offer.suites.reverse();
        let second = self.ask(&offer).await?.hello?.suite;
        Some(first == second)
    }

    /// TLS 1.3 groups: with no key share offered, the server names the group
    /// it wants in a HelloRetryRequest; offer again without it.
    async fn groups_tls13(&self) -> BTreeSet<u16> {
        let mut offer = self.hello(wire::TLS13);
        let mut found = BTreeSet::new();
        for _ in 0..MAX_ROUNDS {
            if offer.groups.is_empty() {
                break;
            }
            let Some(h) = self.ask(&offer).await.and_then(|f| f.hello) else {
                break;
            };
            let Some(g) = h.key_share_group.filter(|g| offer.groups.contains(g)) else {
                break;
            };
            found.insert(g);
            offer.groups.retain(|x| *x != g);
        }
        found
    }

    /// TLS <= 1.2 groups: the ServerKeyExchange of an ECDHE suite names the
    /// curve; DHE suites reveal their prime.
    async fn groups_tls12(&self, version: u16, accepted: &[u16]) -> Tls12Groups {
        let mut out = Tls12Groups::default();
        let ecdhe: Vec<u16> = accepted
            .iter()
            .copied()
            .filter(|s| wire::suite_kex(*s) == Kex::Ecdhe)
            .collect();
        if !ecdhe.is_empty() {
            let mut offer = self.hello(version);
            offer.suites = ecdhe;
            let found = &mut out.groups;
            for _ in 0..MAX_ROUNDS {
                if offer.groups.is_empty() {
                    break;
                }
                let Some(f) = self.ask(&offer).await else {
                    break;
                };
                let (Some(h), Some(ske)) = (f.hello, f.key_exchange) else {
                    break;
                };
                match wire::parse_server_key_exchange(&ske, Kex::Ecdhe, h.negotiated_version()) {
                    Ok(KeyExchange::Ecdhe { group, .. }) if offer.groups.contains(&group) => {
                        found.insert(group);
                        offer.groups.retain(|g| *g != group);
                    }
                    _ => break,
                }
            }
        }
        let dhe: Vec<u16> = accepted
            .iter()
            .copied()
            .filter(|s| wire::suite_kex(*s) == Kex::Dhe)
            .collect();
        if !dhe.is_empty() {
            let mut offer = self.hello(version);
            offer.suites = dhe;
            // Without ffdhe groups offered the server uses its own parameters.
            offer.groups.retain(|g| !(0x0100..=0x01ff).contains(g));
            if let Some(f) = self.ask(&offer).await
                && let (Some(h), Some(ske)) = (f.hello, f.key_exchange)
                && let Ok(KeyExchange::Dhe { prime, .. }) =
                    wire::parse_server_key_exchange(&ske, Kex::Dhe, h.negotiated_version())
            {
                let bits = wire::dh_prime_bits(&prime);
                out.dh = Some(DhParams {
                    bits,
                    group: wire::known_dh_group(&prime).map(str::to_string),
                });
            }
        }
        out
    }

    /// Renegotiation, extended master secret, stapling, compression and the
    /// SHA-1 key-exchange signature, at the best version below 1.3.
    async fn features(&self, version: u16) -> Features {
        let mut out = Features::default();
        let offer = self.hello(version);
        if let Some(f) = self.ask(&offer).await
            && let Some(h) = &f.hello
        {
            out.secure_renegotiation = Some(h.renegotiation_info);
            out.extended_master_secret = Some(h.extended_master_secret);
            out.ocsp_stapling = Some(h.status_request || f.status);
        }
        let mut deflate = self.hello(version);
        deflate.compression = vec![1, 0];
        if let Some(f) = self.ask(&deflate).await
            && let Some(h) = f.hello
        {
            out.compression = Some(h.compression != 0);
        }
        if version == wire::TLS12 {
            let mut sha1 = self.hello(version);
            sha1.signature_algorithms = SHA1_SIGALGS.to_vec();
            sha1.suites
                .retain(|s| matches!(wire::suite_kex(*s), Kex::Ecdhe | Kex::Dhe));
            // Without an answer (no connection) nothing is known; an
            // answer without a signed key exchange (an alert: no suite
            // fits SHA-1 signatures) says the server does not sign so.
            if !sha1.suites.is_empty()
                && let Some(f) = self.ask(&sha1).await
            {
                let signed = f.hello.as_ref().and_then(|h| {
                    let kex = wire::suite_kex(h.suite);
                    match wire::parse_server_key_exchange(
                        f.key_exchange.as_ref()?,
                        kex,
                        h.negotiated_version(),
                    )
                    .ok()?
                    {
                        KeyExchange::Ecdhe { sig_alg, .. } | KeyExchange::Dhe { sig_alg, .. } => {
                            sig_alg
                        }
                        KeyExchange::Other => None,
                    }
                });
                out.sha1_kex_signature = Some(signed.is_some_and(|a| SHA1_SIGALGS.contains(&a)));
            }
        }
        out
    }
}

/// 32 unpredictable-enough bytes for hello randoms (not key material).
fn random32() -> [u8; 32] {
    let mut out = [0u8; 32];
    // ring's SystemRandom is the one CSPRNG already in the tree.
    let rng = ring::rand::SystemRandom::new();
    if ring::rand::SecureRandom::fill(&rng, &mut out).is_err() {
        let t = crate::model::unix_now() as u64;
        for (i, b) in out.iter_mut().enumerate() {
            *b = (t >> (i % 8 * 8)) as u8 ^ i as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;
    use std::time::Duration;

    /// A port on `ip` that drops every SYN, as a lossy path does now and
    /// then: a listener whose backlog of one is full (the two connections
    /// that fill it are returned to be kept).
    fn dropping_port(ip: &str) -> (socket2::Socket, Vec<std::net::TcpStream>, u16) {
        use socket2::{Domain, Socket, Type};
        let l = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
        let addr: SocketAddr = format!("{ip}:0").parse().unwrap();
        l.bind(&addr.into()).unwrap();
        l.listen(1).unwrap();
        let addr = l.local_addr().unwrap().as_socket().unwrap();
        let queued = (0..2)
            .map(|_| std::net::TcpStream::connect(addr).unwrap())
            .collect();
        (l, queued, addr.port())
    }

    #[tokio::test]
    async fn a_question_without_a_connection_is_asked_again_and_claims_nothing() {
        let ip = "127.88.6.1";
        let (_listener, _queued, port) = dropping_port(ip);
        let text = "name = \"t\"\n[[networks]]\ncidr = \"127.88.6.0/24\"\n[rate]\nconnect_timeout_ms = 300\n";
        let scope = crate::scope::Scope::parse(text, std::path::Path::new("s.toml")).unwrap();
        let (_trigger, shutdown) = crate::net::Shutdown::new();
        let net = Net::new(std::sync::Arc::new(scope), shutdown);
        let target = Target::admitted(ip.parse().unwrap(), None, crate::model::Origin::Network(0));
        let a = Assessor {
            net: &net,
            target: &target,
            port,
            deadline: Instant::now() + Duration::from_secs(60),
            starttls: None,
            sni: None,
            connections: AtomicU32::new(0),
            late: AtomicBool::new(false),
            unasked: AtomicBool::new(false),
        };
        let hello = wire::encode_client_hello(&a.hello(wire::TLS12));
        assert!(a.send(&hello, false).await.is_none());
        assert_eq!(net.counts().timeouts, 2, "one connect and one more");
        assert!(
            a.unasked.load(Ordering::Relaxed),
            "the profile is incomplete"
        );
        // The session features asked of a server that never answered stay
        // unknown: no "does not sign with SHA-1" without an answer.
        let f = a.features(wire::TLS12).await;
        assert_eq!(f.sha1_kex_signature, None);
        assert_eq!(f.secure_renegotiation, None);
        assert_eq!(f.compression, None);
    }
}
