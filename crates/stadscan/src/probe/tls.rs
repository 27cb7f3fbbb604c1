//! TLS: a rustls handshake that accepts any certificate and keeps the chain,
//! then the application steps inside the session. When rustls cannot finish
//! (TLS 1.0/1.1, RSA keys under 2048 bits, DSA, odd curves, SHA-1 or MD5
//! signatures), a hand-built ClientHello decides: whatever answers it with
//! a TLS record (ServerHello, HelloRetryRequest, alert; SSL 3.0 and later)
//! speaks TLS, and its first flight gives the version, the suite and the
//! certificate chain. A server that closes on both is offered SSL 2.0.

use tokio::net::TcpStream;
use tokio::time::Instant;

use super::{Cx, Prober, Step, app_step, inner_plan};
use crate::model::{Evidence, Observation};
use crate::net::{Audited, HostPermit, Net};
use crate::proto::tls as wire;
use crate::tls::assess::{Exchange, Flight, exchange};
use crate::tls::{cert, server_name};

type Session = tokio_rustls::client::TlsStream<Audited<TcpStream>>;

pub(crate) async fn handshake(
    prober: &Prober,
    net: &Net,
    stream: Audited<TcpStream>,
    permit: HostPermit,
    cx: &Cx<'_>,
    obs: &mut Observation,
) -> Step {
    let mut session = match connect(prober, stream, cx).await {
        Ok(s) => s,
        Err(failure) => {
            drop(permit);
            return decide(prober, net, failure, cx, obs).await;
        }
    };
    record_session(prober, &session, cx, obs);
    let mut permit = Some(permit);
    for (i, kind) in inner_plan(cx.port).into_iter().enumerate() {
        if Instant::now() >= cx.deadline {
            break;
        }
        if i > 0 {
            // A failed inner step leaves the session in an unknown state.
            drop(session);
            drop(permit.take());
            let Ok(conn) = net.connect(cx.target, cx.port, "tls-handshake").await else {
                break;
            };
            permit = Some(conn.permit);
            session = match connect(prober, conn.stream, cx).await {
                Ok(s) => s,
                Err(_) => break,
            };
        }
        if let Step::Identified = app_step(kind, &mut session, cx, obs).await {
            obs.tls = true;
            return Step::Identified;
        }
    }
    // TLS answered, the inside did not tell us more.
    obs.protocol = "tls".into();
    obs.tls = true;
    Step::Identified
}

/// Outcome of a failed handshake, before it is recorded.
enum Failure {
    Silent,
    Closed,
    /// TLS records came back, but not a handshake rustls completes.
    Alert(String),
    /// The answer is not a TLS record at all.
    NotTls(String),
    /// rustls gave up on something it refuses (a weak key, an old
    /// signature): the hand-built handshake decides.
    Undecided(String),
}

async fn connect(
    prober: &Prober,
    stream: Audited<TcpStream>,
    cx: &Cx<'_>,
) -> Result<Session, Failure> {
    let name = server_name(cx.target.hostname(), cx.target.addr());
    let handshake = prober.tls.connector().connect(name, stream);
    match tokio::time::timeout_at(cx.deadline, handshake).await {
        Err(_) => Err(Failure::Silent),
        Ok(Ok(s)) => Ok(s),
        Ok(Err(e)) => {
            let inner = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
            match inner {
                Some(rustls::Error::AlertReceived(a)) => {
                    Err(Failure::Alert(format!("alert {a:?}")))
                }
                // A ServerHello for TLS 1.0/1.1 (or SSL 3.0): TLS, only older.
                Some(rustls::Error::PeerIncompatible(p)) => Err(Failure::Alert(format!("{p:?}"))),
                // Records of a valid type with broken handshake contents (an
                // oversized certificate chain, lying lengths): TLS, misbehaving.
                // A wrong content type or version means it is not TLS at all.
                Some(rustls::Error::InvalidMessage(m))
                    if !matches!(
                        m,
                        rustls::InvalidMessage::InvalidContentType
                            | rustls::InvalidMessage::UnknownProtocolVersion
                    ) =>
                {
                    Err(Failure::Alert(format!("malformed handshake: {m:?}")))
                }
                Some(
                    e @ rustls::Error::InvalidMessage(
                        rustls::InvalidMessage::InvalidContentType
                        | rustls::InvalidMessage::UnknownProtocolVersion,
                    ),
                ) => Err(Failure::NotTls(e.to_string())),
                Some(other) => Err(Failure::Undecided(other.to_string())),
                None => match e.kind() {
                    std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::BrokenPipe => Err(Failure::Closed),
                    _ => Err(Failure::NotTls(e.to_string())),
                },
            }
        }
    }
}

/// After rustls failed: what the hand-built handshakes say. A ClientHello
/// for SSL 3.0 up to TLS 1.2 with every suite first (unless the server
/// closed on rustls's hello, which SSL 3.0+ servers answer), then, when the
/// server closes or stays silent, an SSL 2.0 CLIENT-HELLO.
async fn decide(
    prober: &Prober,
    net: &Net,
    failure: Failure,
    cx: &Cx<'_>,
    obs: &mut Observation,
) -> Step {
    let (refused, v3) = match failure {
        Failure::Silent => return Step::Silent,
        Failure::NotTls(why) => {
            tracing::trace!(endpoint = %obs.endpoint, %why, "not TLS");
            return Step::Other(Vec::new());
        }
        Failure::Closed => (None, false),
        Failure::Alert(alert) => (Some(alert), true),
        Failure::Undecided(why) => {
            tracing::trace!(endpoint = %obs.endpoint, %why, "rustls cannot finish");
            (None, true)
        }
    };
    let mut outcome = Exchange::Closed;
    if v3 {
        outcome = raw_exchange(net, cx, &legacy_hello(cx)).await;
    }
    if matches!(outcome, Exchange::Closed | Exchange::Silent) {
        let challenge: [u8; 16] = std::array::from_fn(|i| (prober.now >> (i % 8)) as u8 ^ i as u8);
        let v2 = raw_exchange(net, cx, &wire::encode_sslv2_client_hello(&challenge)).await;
        if matches!(&v2, Exchange::Flight(f) if f.is_tls()) {
            outcome = v2;
        }
    }
    let tls = match (&refused, outcome) {
        (_, Exchange::Flight(f)) if f.is_tls() => Some(*f),
        // rustls read an alert or a TLS handshake it refused: TLS, even if
        // the second connection went differently.
        (Some(_), _) => None,
        (None, Exchange::NotTls(bytes)) => return Step::Other(bytes),
        (None, Exchange::Silent) if v3 => return Step::Silent,
        (None, _) if v3 => return Step::Other(Vec::new()),
        (None, _) => return Step::Closed,
    };
    obs.protocol = "tls".into();
    obs.tls = true;
    if let Some(alert) = &refused {
        if alert.starts_with("malformed") {
            obs.status = crate::model::ProbeStatus::ProtocolError;
        }
        obs.set(
            "tls.handshake_error",
            format!("server refused a TLS 1.2/1.3 handshake: {alert}"),
        );
    }
    if let Some(flight) = tls {
        record_flight(prober, flight, cx, obs);
    }
    Step::Identified
}

/// The hello that any SSL 3.0 to TLS 1.2 server answers: TLS 1.2 at most,
/// every suite and group the assessment knows, SNI when the scope names
/// the host.
fn legacy_hello(cx: &Cx<'_>) -> Vec<u8> {
    let mut random = [0u8; 32];
    for (i, b) in random.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(73) ^ 0xa5;
    }
    wire::encode_client_hello(&wire::ClientHello {
        version: wire::TLS12,
        record_version: wire::TLS10,
        random,
        suites: wire::ALL_SUITES.to_vec(),
        compression: vec![0],
        server_name: cx.target.hostname().map(str::to_string),
        groups: wire::ALL_GROUPS.to_vec(),
        signature_algorithms: crate::tls::assess::SIGALGS.to_vec(),
        ec_point_formats: true,
        renegotiation_info: true,
        ..Default::default()
    })
}

/// One hand-built hello on a fresh connection.
async fn raw_exchange(net: &Net, cx: &Cx<'_>, hello: &[u8]) -> Exchange {
    if Instant::now() >= cx.deadline {
        return Exchange::Silent;
    }
    let Ok(mut conn) = net.connect(cx.target, cx.port, "tls-handshake").await else {
        return Exchange::Closed;
    };
    conn.stream.set_probe("tls-handshake");
    exchange(&mut conn.stream, hello, false, cx.deadline).await
}

/// What a hand-built handshake's first flight says: version, suite, chain
/// (SSL 3.0 to TLS 1.2 send it in the clear), or SSL 2.0.
fn record_flight(prober: &Prober, flight: Flight, cx: &Cx<'_>, obs: &mut Observation) {
    let chain = if let Some(v2) = flight.sslv2 {
        obs.set("tls.version", wire::version_name(wire::SSL2));
        if let Some(c) = v2.ciphers.first() {
            obs.set("tls.cipher", wire::sslv2_cipher_name(*c));
        }
        vec![v2.certificate]
            .into_iter()
            .filter(|c| !c.is_empty())
            .collect()
    } else if let Some(h) = flight.hello {
        if h.is_hello_retry {
            obs.set("tls.version", wire::version_name(wire::TLS13));
        } else {
            obs.set("tls.version", wire::version_name(h.negotiated_version()));
            obs.set("tls.cipher", wire::suite_name(h.suite));
        }
        flight.certificates
    } else {
        if let Some(alert) = flight.alert
            && obs.fact("tls.handshake_error").is_none()
        {
            obs.set(
                "tls.handshake_error",
                format!("server answered with the alert {}", wire::alert_name(alert)),
            );
        }
        Vec::new()
    };
    record_chain(prober, &chain, cx, obs);
}

fn record_session(prober: &Prober, session: &Session, cx: &Cx<'_>, obs: &mut Observation) {
    let (_, conn) = session.get_ref();
    if let Some(v) = conn.protocol_version() {
        let name = match v {
            rustls::ProtocolVersion::TLSv1_3 => "TLSv1.3".to_string(),
            rustls::ProtocolVersion::TLSv1_2 => "TLSv1.2".to_string(),
            other => format!("{other:?}"),
        };
        obs.set("tls.version", name);
    }
    if let Some(s) = conn.negotiated_cipher_suite() {
        obs.set(
            "tls.cipher",
            crate::proto::tls::suite_name(u16::from(s.suite())),
        );
    }
    if let Some(alpn) = conn.alpn_protocol() {
        obs.set("tls.alpn", crate::model::clean_text(alpn, 40));
    }
    if let Some(chain) = conn.peer_certificates() {
        let chain: Vec<Vec<u8>> = chain.iter().map(|c| c.to_vec()).collect();
        record_chain(prober, &chain, cx, obs);
    }
}

/// The chain's `cert.*` facts, the chain itself and its evidence.
fn record_chain(prober: &Prober, chain: &[Vec<u8>], cx: &Cx<'_>, obs: &mut Observation) {
    let Some(leaf) = chain.first() else {
        return;
    };
    let ders: Vec<rustls::pki_types::CertificateDer<'_>> =
        chain.iter().map(|c| c.as_slice().into()).collect();
    let facts = cert::analyse(&ders, cx.target.hostname(), &prober.tls.anchors, prober.now);
    obs.facts.extend(facts);
    obs.chain = chain.to_vec();
    let mut ev = Evidence::from_bytes("tls-certificate", &[]);
    ev.received = format!("leaf certificate, {} bytes DER", leaf.len());
    ev.received_bytes = chain.iter().map(|c| c.len()).sum();
    obs.evidence.push(ev);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::{Prober, test_net};
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A server that speaks SSL 2.0 only: it answers an SSL 2.0
    /// CLIENT-HELLO with a SERVER-HELLO and closes on anything else, as
    /// such firmware does with a TLS record.
    async fn sslv2_only_server(ip: &str, cert: Vec<u8>) -> u16 {
        let listener = tokio::net::TcpListener::bind((ip, 0)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = listener.accept().await else {
                    return;
                };
                let cert = cert.clone();
                tokio::spawn(async move {
                    let mut first = [0u8; 2];
                    if s.read_exact(&mut first).await.is_err() || first[0] & 0x80 == 0 {
                        return;
                    }
                    let mut rest = vec![0u8; usize::from(first[1])];
                    if s.read_exact(&mut rest).await.is_ok() && rest[0] == 1 {
                        let hello = wire::encode_sslv2_server_hello(&cert, &[0x010080, 0x020080]);
                        let _ = s.write_all(&hello).await;
                    }
                    let _ = s.shutdown().await;
                });
            }
        });
        port
    }

    #[tokio::test]
    async fn sslv2_only_server_is_tls_and_its_protocol_is_insufficient() {
        let ip = "127.88.4.1";
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["old.city.test".to_string()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let port = sslv2_only_server(ip, cert.der().to_vec()).await;
        let (net, target) = test_net("127.88.4.0/24", ip);
        let prober = Prober {
            tls: crate::tls::TlsContext::new(&[]).unwrap(),
            timeout: Duration::from_secs(5),
            greeting: Duration::from_secs(5),
            now: crate::model::unix_now(),
            policy: std::sync::Arc::new(
                crate::tls::policy::Policy::embedded("ncsc-2025-05").unwrap(),
            ),
            endpoints: Default::default(),
            streams: Default::default(),
            ot_safe: false,
        };
        let first = net.connect(&target, port, "tcp-connect").await.unwrap();
        let mut obs = prober.identify(&net, &target, port, first).await;
        assert_eq!(obs.protocol, "tls", "{obs:?}");
        assert!(obs.tls);
        assert_eq!(obs.fact("tls.version").unwrap().render(), "SSLv2");
        assert_eq!(
            obs.fact("tls.cipher").unwrap().render(),
            "SSL2_RC4_128_WITH_MD5"
        );
        assert_eq!(obs.fact("cert.self_signed").unwrap().render(), "true");
        prober.assess_tls(&net, &target, port, &mut obs).await;
        let versions = obs.fact("tls.insufficient_versions").unwrap().render();
        assert!(versions.contains("SSLv2"), "{versions}");
        let suites = obs.fact("tls.insufficient_suites").unwrap().render();
        assert!(
            suites.contains("SSL2_RC4_128_EXPORT40_WITH_MD5"),
            "{suites}"
        );
        assert_eq!(obs.fact("tls.verdict").unwrap().render(), "insufficient");
        let profile = obs.tls_profile.as_ref().unwrap();
        assert_eq!(profile.sslv2_ciphers, vec![0x010080, 0x020080]);
        assert_eq!(profile.chain, vec![cert.der().to_vec()]);
    }
}
