//! SNMP community test: the password is the community (the user name is not
//! used). One GET of sysDescr.0, SNMPv2c first and v1 when v2c gets no
//! answer. Read only: this module never builds a SET.
//!
//! SNMP has no "wrong community" answer: an agent drops such a request in
//! silence (RFC 3584 3.2: it only counts it, and may send a trap to its
//! manager, never to the asker). So silence until the deadline, on both
//! versions, is the refusal; an answer to our request is the acceptance.

use tokio::time::Instant;

use super::{Attempt, Outcome, inconclusive};
use crate::net::UdpOutcome;
use crate::proto::snmp::{self, PduType, Version, oids};

/// Largest datagram read as a reply.
const MAX_REPLY: usize = 65_536;

/// Tries one community; silence on both versions is the refusal.
pub async fn login(a: &Attempt<'_>) -> Outcome {
    let community = a.password.expose().as_bytes();
    let first_id = request_id();
    let mut asked = false;
    for (i, version) in [Version::V2c, Version::V1].into_iter().enumerate() {
        let left = a.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        // v2c gets half of the time, v1 the rest; `udp_request` retransmits
        // within its share, and the whole is one attempt of the budget.
        let share = if i == 0 { left / 2 } else { left };
        // Distinct per request, so a late v2c answer cannot pass for the v1 one.
        let id = first_id.wrapping_add(i as i32) & 0x7fff_ffff;
        let request = snmp::get_request(version, community, id, &[oids::sys_descr()]);
        asked = true;
        match a
            .net
            .udp_request(
                a.target,
                a.port,
                a.method.label(),
                &snmp::encode(&request),
                share,
                MAX_REPLY,
            )
            .await
        {
            UdpOutcome::Reply(bytes) => return judge(&bytes, id, community),
            UdpOutcome::Silent => continue,
            UdpOutcome::Refused => return inconclusive("port unreachable: no SNMP agent"),
            UdpOutcome::OutOfScope(_) => return inconclusive("out of scope"),
            UdpOutcome::Cancelled => return inconclusive("scan cancelled"),
            UdpOutcome::Error(e) => {
                return Outcome::Inconclusive(format!("UDP request failed: {}", e.kind()));
            }
        }
    }
    if asked {
        Outcome::Refused
    } else {
        inconclusive("no time left to ask")
    }
}

/// The verdict on one datagram: a GetResponse to our request (any value,
/// any error-status) means the community let the request in.
fn judge(reply: &[u8], request_id: i32, community: &[u8]) -> Outcome {
    let Ok(msg) = snmp::decode(reply) else {
        return inconclusive("an undecodable reply");
    };
    if msg.pdu.kind != PduType::GetResponse {
        return inconclusive("a reply that is not a GetResponse");
    }
    if msg.pdu.request_id != request_id {
        return inconclusive("a GetResponse to another request");
    }
    if msg.community != community {
        return inconclusive("a GetResponse for another community");
    }
    Outcome::Accepted
}

/// A random positive request id (a counter when the system RNG fails).
fn request_id() -> i32 {
    use ring::rand::SecureRandom;
    use std::sync::atomic::{AtomicI32, Ordering};
    static FALLBACK: AtomicI32 = AtomicI32::new(0x5eed);
    let mut b = [0u8; 4];
    let raw = if ring::rand::SystemRandom::new().fill(&mut b).is_ok() {
        i32::from_be_bytes(b)
    } else {
        FALLBACK.fetch_add(2, Ordering::Relaxed)
    };
    raw & 0x3fff_ffff
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tokio::net::UdpSocket;

    use super::*;
    use crate::creds::login::Method;
    use crate::model::Secret;
    use crate::proto::fuzz;
    use crate::proto::snmp::{Message, Pdu, Value};
    use crate::tls::TlsContext;

    const COMMUNITY: &str = "snmp-Secret-9";

    async fn attempt(port: u16, community: &str, wait: Duration) -> Outcome {
        let (net, target) = crate::probe::test_net("127.0.0.0/8", "127.0.0.1");
        let tls = TlsContext::new(&[]).unwrap();
        let secret = Secret::new(community);
        let a = Attempt {
            net: &net,
            tls: &tls,
            target: &target,
            port,
            in_tls: false,
            deadline: Instant::now() + wait,
            username: "",
            password: &secret,
            method: &Method::Snmp,
        };
        login(&a).await
    }

    type Seen = Arc<Mutex<Vec<Message>>>;

    /// An agent on 127.0.0.1 that records every request and answers with
    /// what `answer` makes of it.
    async fn agent<F>(answer: F) -> (u16, Seen)
    where
        F: Fn(&Message, &[u8]) -> Option<Vec<u8>> + Send + 'static,
    {
        let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let port = sock.local_addr().unwrap().port();
        let seen: Seen = Arc::default();
        let log = seen.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65_536];
            while let Ok((n, peer)) = sock.recv_from(&mut buf).await {
                let Ok(msg) = snmp::decode(&buf[..n]) else {
                    continue;
                };
                let reply = answer(&msg, &buf[..n]);
                log.lock().unwrap().push(msg);
                if let Some(r) = reply {
                    let _ = sock.send_to(&r, peer).await;
                }
            }
        });
        (port, seen)
    }

    fn response(req: &Message, error_status: i64) -> Vec<u8> {
        snmp::encode(&Message {
            version: req.version,
            community: req.community.clone(),
            pdu: Pdu {
                kind: PduType::GetResponse,
                request_id: req.pdu.request_id,
                error_status,
                error_index: 0,
                varbinds: vec![(oids::sys_descr(), Value::OctetString(b"lab agent".to_vec()))],
            },
        })
    }

    fn only(
        community: &'static str,
        versions: &'static [Version],
    ) -> impl Fn(&Message, &[u8]) -> Option<Vec<u8>> {
        move |m, _| {
            (m.community == community.as_bytes() && versions.contains(&m.version))
                .then(|| response(m, 0))
        }
    }

    #[tokio::test]
    async fn v2c_answer_is_accepted_with_one_get_of_sys_descr() {
        let (port, seen) = agent(only(COMMUNITY, &[Version::V2c, Version::V1])).await;
        assert_eq!(
            attempt(port, COMMUNITY, Duration::from_secs(2)).await,
            Outcome::Accepted
        );
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(seen[0].version, Version::V2c);
        assert_eq!(seen[0].pdu.kind, PduType::GetRequest);
        assert_eq!(seen[0].pdu.varbinds, vec![(oids::sys_descr(), Value::Null)]);
    }

    #[tokio::test]
    async fn a_v1_only_agent_is_asked_again_in_v1() {
        let (port, seen) = agent(only(COMMUNITY, &[Version::V1])).await;
        assert_eq!(
            attempt(port, COMMUNITY, Duration::from_millis(1600)).await,
            Outcome::Accepted
        );
        let seen = seen.lock().unwrap();
        assert_eq!(seen.last().unwrap().version, Version::V1);
        assert!(
            seen.iter().all(|m| m.pdu.kind == PduType::GetRequest),
            "never a SET"
        );
    }

    #[tokio::test]
    async fn an_error_status_still_proves_the_community() {
        let (port, _) = agent(|m, _| Some(response(m, 2))).await;
        assert_eq!(
            attempt(port, COMMUNITY, Duration::from_secs(2)).await,
            Outcome::Accepted
        );
    }

    #[tokio::test]
    async fn silence_on_both_versions_is_refused() {
        let (port, seen) = agent(only("other", &[Version::V2c, Version::V1])).await;
        let start = Instant::now();
        assert_eq!(
            attempt(port, COMMUNITY, Duration::from_millis(800)).await,
            Outcome::Refused
        );
        assert!(start.elapsed() < Duration::from_millis(1200));
        let seen = seen.lock().unwrap();
        let versions: Vec<Version> = seen.iter().map(|m| m.version).collect();
        assert!(
            versions.contains(&Version::V2c) && versions.contains(&Version::V1),
            "{versions:?}"
        );
    }

    #[tokio::test]
    async fn garbage_or_a_mismatched_answer_is_inconclusive() {
        let (garbage, _) = agent(|_, _| Some(b"\x30\x84\xff\xff\xff\xffjunk".to_vec())).await;
        let (other_id, _) = agent(|m, _| {
            let mut m = m.clone();
            m.pdu.request_id = m.pdu.request_id.wrapping_add(7);
            Some(response(&m, 0))
        })
        .await;
        let (echo, _) = agent(|_, raw| Some(raw.to_vec())).await;
        for (port, name) in [
            (garbage, "garbage"),
            (other_id, "other id"),
            (echo, "echoed request"),
        ] {
            let got = attempt(port, COMMUNITY, Duration::from_secs(1)).await;
            assert!(matches!(got, Outcome::Inconclusive(_)), "{name}: {got:?}");
            assert!(!format!("{got:?}").contains(COMMUNITY));
        }
    }

    #[tokio::test]
    async fn no_time_left_is_inconclusive_not_refused() {
        let got = attempt(9, COMMUNITY, Duration::ZERO).await;
        assert!(matches!(got, Outcome::Inconclusive(_)), "{got:?}");
    }

    #[test]
    fn judge_never_panics_on_random_or_mutated_replies() {
        let req = snmp::get_request(Version::V2c, b"c", 5, &[oids::sys_descr()]);
        let good = response(&req, 0);
        assert_eq!(judge(&good, 5, b"c"), Outcome::Accepted);
        assert!(matches!(judge(&good, 5, b"d"), Outcome::Inconclusive(_)));
        assert!(matches!(
            judge(&good[..good.len() - 1], 5, b"c"),
            Outcome::Inconclusive(_)
        ));
        for input in fuzz::mutations(&[&good])
            .into_iter()
            .chain(fuzz::random_inputs(3, 200, 80))
        {
            let _ = judge(&input, 5, b"c");
        }
    }
}
