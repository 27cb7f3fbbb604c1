//! SNMP over UDP: a v2c GET of the system group with the community `public`.
//! An answer is both discovery (the agent exists) and a finding (anyone who
//! knows the default community reads it). Read only: never a SET.

use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::model::{Observation, ProbeStatus, Target, clean_text};
use crate::net::{Net, UdpOutcome};
use crate::proto::snmp::{self, Message, PduType, Value, Version, oids};

/// The community every agent ships with.
pub const PUBLIC: &[u8] = b"public";

/// UDP ports where the scanner sends SNMP; other known UDP services get their
/// own probes (device identification), unknown ports get SNMP.
pub fn wants_snmp(port: u16) -> bool {
    !matches!(port, 1900 | 3702 | 5683 | 53 | 123 | 5353) && !super::BACNET_PORTS.contains(&port)
}

/// Asks `target:port` for its system group. `None` when nothing answered.
pub async fn probe(
    net: &Net,
    target: &Target,
    port: u16,
    timeout: Duration,
) -> Option<Observation> {
    static NEXT_ID: AtomicI32 = AtomicI32::new(1);
    let start = Instant::now();
    // Distinct per request, so a late answer to an earlier one is not taken.
    let request_id = NEXT_ID.fetch_add(1, Ordering::Relaxed) & 0x7fff_ffff;
    let req = snmp::get_request(Version::V2c, PUBLIC, request_id, &oids::system_group());
    // The copies of the request share the budget.
    let window = timeout.max(Duration::from_millis(200));
    let reply = match net
        .udp_request(
            target,
            port,
            "snmp-get",
            &snmp::encode(&req),
            window,
            65_536,
        )
        .await
    {
        UdpOutcome::Reply(bytes) => bytes,
        _ => return None,
    };
    let mut obs = super::udp_answered(target, port, "snmp-get", &reply);
    match snmp::decode(&reply) {
        Ok(msg) => record(&msg, request_id, &mut obs),
        Err(e) => super::protocol_error(
            &mut obs,
            format!("answered an SNMP request with an undecodable reply: {e}"),
        ),
    }
    obs.elapsed_ms = start.elapsed().as_millis() as u64;
    Some(obs)
}

fn record(msg: &Message, request_id: i32, obs: &mut Observation) {
    obs.protocol = "snmp".into();
    if msg.pdu.kind != PduType::GetResponse || msg.pdu.request_id != request_id {
        obs.status = ProbeStatus::ProtocolError;
        obs.set("service.note", "SNMP reply did not match the request");
        return;
    }
    obs.set(
        "snmp.version",
        match msg.version {
            Version::V1 => "v1",
            Version::V2c => "v2c",
        },
    );
    obs.set("snmp.community_public", msg.community == PUBLIC);
    for (oid, value) in &msg.pdu.varbinds {
        let name = match oid.to_string().as_str() {
            "1.3.6.1.2.1.1.1.0" => "snmp.sys_descr",
            "1.3.6.1.2.1.1.2.0" => "snmp.sys_object_id",
            "1.3.6.1.2.1.1.3.0" => "snmp.sys_uptime",
            "1.3.6.1.2.1.1.4.0" => "snmp.sys_contact",
            "1.3.6.1.2.1.1.5.0" => "snmp.sys_name",
            "1.3.6.1.2.1.1.6.0" => "snmp.sys_location",
            _ => continue,
        };
        match value {
            Value::OctetString(b) => obs.set(name, clean_text(b, 255)),
            Value::ObjectId(o) => obs.set(name, o.to_string()),
            Value::TimeTicks(t) => obs.set(name, i64::from(*t)),
            Value::Integer(i) => obs.set(name, *i),
            _ => {}
        }
    }
}

/// An agent on `ip` answering GETs for the community `public` (and no
/// other) with its sysDescr, for the tests of the probe and of the
/// community login.
#[cfg(test)]
pub(crate) async fn test_agent(ip: &str) -> std::net::SocketAddr {
    let sock = tokio::net::UdpSocket::bind((ip, 0)).await.unwrap();
    let addr = sock.local_addr().unwrap();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65_536];
        while let Ok((n, peer)) = sock.recv_from(&mut buf).await {
            let Ok(req) = snmp::decode(&buf[..n]) else {
                continue;
            };
            if req.community != PUBLIC {
                continue;
            }
            let reply = Message {
                version: req.version,
                community: req.community.clone(),
                pdu: snmp::Pdu {
                    kind: PduType::GetResponse,
                    request_id: req.pdu.request_id,
                    error_status: 0,
                    error_index: 0,
                    varbinds: vec![(
                        oids::sys_descr(),
                        Value::OctetString(b"SLC-200 firmware 3.2.1".to_vec()),
                    )],
                },
            };
            let _ = sock.send_to(&snmp::encode(&reply), peer).await;
        }
    });
    addr
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::model::FactValue;

    #[tokio::test]
    async fn two_lost_requests_cost_two_retransmissions_not_the_agent() {
        let (net, target) = crate::probe::test_net("127.88.3.0/24", "127.88.3.1");
        // Known alive (as after host discovery): silence earns retransmissions.
        net.alive(target.addr());
        let (port, sent) = crate::probe::lossy_path(test_agent("127.88.3.1").await, 2).await;
        let obs = probe(&net, &target, port, Duration::from_secs(2))
            .await
            .expect("the third copy is answered");
        assert_eq!(obs.protocol, "snmp");
        assert_eq!(
            obs.fact("snmp.community_public"),
            Some(&FactValue::Bool(true))
        );
        assert_eq!(
            obs.fact("snmp.sys_descr").map(FactValue::render).as_deref(),
            Some("SLC-200 firmware 3.2.1")
        );
        // Three copies of one request, and no fourth after the answer.
        assert_eq!(sent.load(Ordering::SeqCst), 3);
        assert_eq!(net.counts().datagrams, 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn retransmissions_do_not_wait_in_the_line_of_first_contacts() {
        // 20 sends a second, and a sweep that lines up 100 first contacts
        // (5 s of line) right after the request's first copy went out.
        let text =
            "name = \"t\"\n[[networks]]\ncidr = \"127.88.3.0/24\"\n[rate]\nper_second = 20\n";
        let scope = crate::scope::Scope::parse(text, std::path::Path::new("s.toml")).unwrap();
        let (_trigger, shutdown) = crate::net::Shutdown::new();
        let net = std::sync::Arc::new(Net::new(std::sync::Arc::new(scope), shutdown));
        let at = |ip: &str| {
            Target::admitted(ip.parse().unwrap(), None, crate::model::Origin::Network(0))
        };
        let target = at("127.88.3.3");
        net.alive(target.addr());
        let (port, sent) = crate::probe::lossy_path(test_agent("127.88.3.3").await, 2).await;
        let asking = net.clone();
        let asked =
            tokio::spawn(
                async move { probe(&asking, &target, port, Duration::from_secs(2)).await },
            );
        while sent.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let mut sweep = tokio::task::JoinSet::new();
        for _ in 0..100 {
            let net = net.clone();
            sweep.spawn(async move {
                let unused = at("127.88.3.200");
                net.udp_request(&unused, 9, "snmp-get", b"?", Duration::from_millis(10), 16)
                    .await
            });
        }
        // The retransmissions go at once (each with a send slot): the
        // third copy is answered inside the window.
        let obs = asked.await.unwrap().expect("the third copy is answered");
        assert_eq!(obs.protocol, "snmp");
        assert_eq!(sent.load(Ordering::SeqCst), 3);
        sweep.abort_all();
    }

    #[tokio::test]
    async fn a_silent_port_gets_three_copies_within_the_budget_if_its_address_answered_before() {
        let (net, target) = crate::probe::test_net("127.88.3.0/24", "127.88.3.2");
        let (port, sent) =
            crate::probe::lossy_path(test_agent("127.88.3.2").await, usize::MAX).await;
        // An address that never answered (an unused one) gets one datagram.
        assert!(
            probe(&net, &target, port, Duration::from_secs(2))
                .await
                .is_none()
        );
        assert_eq!(sent.load(Ordering::SeqCst), 1);
        net.alive(target.addr());
        assert!(
            probe(&net, &target, port, Duration::from_secs(2))
                .await
                .is_none()
        );
        assert_eq!(sent.load(Ordering::SeqCst), 1 + 3);
    }
}
