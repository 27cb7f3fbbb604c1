//! TLS: a rustls handshake that accepts any certificate and keeps the chain,
//! then the application steps inside the session. A server that answers our
//! ClientHello with an alert speaks TLS, only not ours (legacy versions:
//! the TLS assessment measures those with hand-built handshakes).

use tokio::net::TcpStream;
use tokio::time::Instant;

use super::{Cx, Prober, Step, app_step, inner_plan};
use crate::model::{Evidence, Observation};
use crate::net::{Audited, HostPermit, Net};
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
        Err(step) => {
            drop(permit);
            return record_failure(step, obs);
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
    Alert(String),
    NotTls(String),
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
                Some(other) => Err(Failure::NotTls(other.to_string())),
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

fn record_failure(f: Failure, obs: &mut Observation) -> Step {
    match f {
        Failure::Silent => Step::Silent,
        Failure::Closed => Step::Closed,
        Failure::NotTls(why) => {
            tracing::trace!(endpoint = %obs.endpoint, %why, "not TLS");
            Step::Other(Vec::new())
        }
        Failure::Alert(alert) => {
            obs.protocol = "tls".into();
            obs.tls = true;
            if alert.starts_with("malformed") {
                obs.status = crate::model::ProbeStatus::ProtocolError;
            }
            obs.set(
                "tls.handshake_error",
                format!("server refused a TLS 1.2/1.3 handshake: {alert}"),
            );
            Step::Identified
        }
    }
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
        let facts = cert::analyse(chain, cx.target.hostname(), &prober.tls.anchors, prober.now);
        obs.facts.extend(facts);
        obs.chain = chain.iter().map(|c| c.to_vec()).collect();
        if let Some(leaf) = chain.first() {
            let mut ev = Evidence::from_bytes("tls-certificate", &[]);
            ev.received = format!("leaf certificate, {} bytes DER", leaf.len());
            ev.received_bytes = chain.iter().map(|c| c.len()).sum();
            obs.evidence.push(ev);
        }
    }
}
