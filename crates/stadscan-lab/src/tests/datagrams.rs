//! Datagram devices: the SNMP agent (answers only `public`, never SET) and the
//! lab DNS server (lab names, added records, NXDOMAIN).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::RwLock;
use std::time::Duration;

use tokio::net::UdpSocket;

use super::{WAIT, endpoint, lab};
use crate::proto::{dns, snmp};
use crate::{Lab, udp};

async fn snmp_get(
    lab: &Lab,
    version: snmp::Version,
    community: &[u8],
    oids: &[snmp::Oid],
) -> Option<snmp::Message> {
    let agent = endpoint(lab, "streetlight-01", "snmp");
    let sock = UdpSocket::bind((agent.ip(), 0)).await.unwrap();
    let req = snmp::get_request(version, community, 4242, oids);
    sock.send_to(&snmp::encode(&req), agent).await.unwrap();
    let mut buf = vec![0u8; 65536];
    let (n, _) = tokio::time::timeout(Duration::from_millis(300), sock.recv_from(&mut buf))
        .await
        .ok()?
        .ok()?;
    Some(snmp::decode(&buf[..n]).expect("a decodable response"))
}

#[tokio::test]
async fn snmp_agent_answers_public_and_ignores_other_communities() {
    let lab = lab(6).await;
    for version in [snmp::Version::V1, snmp::Version::V2c] {
        let resp = snmp_get(&lab, version, b"public", &snmp::oids::system_group())
            .await
            .expect("an answer for public");
        assert_eq!(resp.pdu.kind, snmp::PduType::GetResponse);
        assert_eq!(resp.pdu.request_id, 4242);
        assert_eq!(resp.pdu.error_status, 0);
        assert_eq!(resp.pdu.varbinds.len(), 6);
        assert_eq!(
            resp.pdu.varbinds[0],
            (
                snmp::oids::sys_descr(),
                snmp::Value::OctetString(SYS_DESCR_FOR_TEST.as_bytes().to_vec())
            )
        );
        let name = &resp.pdu.varbinds[4];
        assert_eq!(name.1, snmp::Value::OctetString(b"slc-200-kade".to_vec()));
    }
    let unknown: snmp::Oid = "1.3.6.1.2.1.2.1.0".parse().unwrap();
    let resp = snmp_get(
        &lab,
        snmp::Version::V2c,
        b"public",
        std::slice::from_ref(&unknown),
    )
    .await
    .unwrap();
    assert_eq!(
        resp.pdu.varbinds,
        vec![(unknown.clone(), snmp::Value::NoSuchObject)]
    );
    let resp = snmp_get(&lab, snmp::Version::V1, b"public", &[unknown])
        .await
        .unwrap();
    assert_eq!((resp.pdu.error_status, resp.pdu.error_index), (2, 1));

    let silent = snmp_get(
        &lab,
        snmp::Version::V2c,
        b"private",
        &snmp::oids::system_group(),
    )
    .await;
    assert!(silent.is_none(), "no answer for another community");
    lab.shutdown().await;
}

const SYS_DESCR_FOR_TEST: &str = "LightLink SLC-200 streetlight controller, firmware 3.2.1";

#[test]
fn snmp_agent_never_answers_set_and_walks_the_system_group() {
    let set = snmp::Message {
        version: snmp::Version::V2c,
        community: b"public".to_vec(),
        pdu: snmp::Pdu {
            kind: snmp::PduType::SetRequest,
            request_id: 1,
            error_status: 0,
            error_index: 0,
            varbinds: vec![(
                snmp::oids::sys_name(),
                snmp::Value::OctetString(b"x".to_vec()),
            )],
        },
    };
    assert!(udp::snmp_reply(&snmp::encode(&set), Duration::ZERO).is_none());
    let mut next = set.clone();
    next.pdu.kind = snmp::PduType::GetNextRequest;
    next.pdu.varbinds = vec![("1.3.6.1.2.1.1".parse().unwrap(), snmp::Value::Null)];
    let reply = udp::snmp_reply(&snmp::encode(&next), Duration::from_secs(5)).unwrap();
    let reply = snmp::decode(&reply).unwrap();
    assert_eq!(reply.pdu.varbinds[0].0, snmp::oids::sys_descr());
    let mut state = 0x1234_5678_9abc_def1_u64;
    for len in 0..600 {
        let bytes: Vec<u8> = (0..len % 97)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let _ = udp::snmp_reply(&bytes, Duration::ZERO);
        let _ = udp::dns_reply(&bytes, &RwLock::new(HashMap::new()));
    }
}

fn dns_query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut q = Vec::new();
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&1u16.to_be_bytes());
    q
}

/// (rcode, answer count, last four bytes) of a DNS response.
async fn dns_ask(lab: &Lab, name: &str, qtype: u16) -> (u8, u16, [u8; 4]) {
    let sock = UdpSocket::bind((lab.dns_addr().ip(), 0)).await.unwrap();
    sock.send_to(&dns_query(7, name, qtype), lab.dns_addr())
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let (n, _) = tokio::time::timeout(WAIT, sock.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(n >= 16 && buf[..2] == [0, 7]);
    let tail = [buf[n - 4], buf[n - 3], buf[n - 2], buf[n - 1]];
    (buf[3] & 0x0f, u16::from_be_bytes([buf[6], buf[7]]), tail)
}

#[tokio::test]
async fn dns_answers_lab_names_and_added_records() {
    let lab = lab(11).await;
    assert_eq!(
        lab.dns_addr().ip(),
        IpAddr::V4(Ipv4Addr::new(127, 77, 11, 53))
    );
    assert_eq!(
        dns_ask(&lab, "portal.demo-city.test", dns::TYPE_A).await,
        (0, 1, [127, 77, 11, 16])
    );
    assert_eq!(
        dns_ask(&lab, "CAMERA-01.demo-city.test", dns::TYPE_A).await,
        (0, 1, [127, 77, 11, 11])
    );
    let (rcode, answers, _) = dns_ask(&lab, "portal.demo-city.test", dns::TYPE_AAAA).await;
    assert_eq!((rcode, answers), (0, 0), "AAAA: NOERROR without answers");
    assert_eq!(
        dns_ask(&lab, "nowhere.demo-city.test", dns::TYPE_A).await.0,
        3
    );
    lab.add_dns_record(
        "Elsewhere.demo-city.test.",
        IpAddr::V4(Ipv4Addr::new(127, 99, 0, 1)),
    );
    assert_eq!(
        dns_ask(&lab, "elsewhere.demo-city.test", dns::TYPE_A).await,
        (0, 1, [127, 99, 0, 1])
    );
    lab.shutdown().await;
}
