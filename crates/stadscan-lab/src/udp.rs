//! The lab's datagram devices: the streetlight controllers' SNMP agents and the
//! lab DNS server. The answers are pure functions; the loops only move bytes.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;

use super::login_svc::SnmpAgent;
use super::{DNS_TTL, Records};
use crate::proto::dns;
use crate::proto::snmp::{self, Message, Oid, Pdu, PduType, Value, Version, oids};

const SYS_DESCR: &str = "LightLink SLC-200 streetlight controller, firmware 3.2.1";
const SYS_OBJECT_ID: [u32; 9] = [1, 3, 6, 1, 4, 1, 99999, 1, 200];
const SYS_CONTACT: &str = "ops@demo-city.test";
const SYS_LOCATION: &str = "Kade 12, Demo City";
/// Variable bindings answered in one response (a larger request gets none).
const MAX_VARBINDS: usize = 32;
/// GETBULK repetitions served at most.
const MAX_REPETITIONS: i64 = 10;

/// SNMP v1 error-status `noSuchName`.
const NO_SUCH_NAME: i64 = 2;

/// Answers each datagram on `socket` with what `reply` makes of it (none
/// when it returns `None`), unicast to the sender, until the task is
/// aborted. Reads datagrams of up to `max` bytes; `name` labels the log.
pub(crate) async fn serve<R: AsRef<[u8]>>(
    socket: UdpSocket,
    name: &str,
    max: usize,
    mut reply: impl FnMut(&[u8]) -> Option<R>,
) {
    let mut buf = vec![0u8; max];
    loop {
        let (n, peer) = match socket.recv_from(&mut buf).await {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!(error = %e, "lab {name}: receive failed");
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        if let Some(reply) = reply(&buf[..n]) {
            let _ = socket.send_to(reply.as_ref(), peer).await;
        }
    }
}

/// Receives SNMP requests and answers those for one of `agent`'s communities.
pub(crate) async fn run_snmp(socket: UdpSocket, started: Instant, agent: &'static SnmpAgent) {
    serve(socket, "snmp", 65536, |datagram| {
        agent_reply(datagram, started.elapsed(), agent)
    })
    .await;
}

/// The system group, in OID order.
fn system_mib(uptime: Duration, sys_name: &str) -> Vec<(Oid, Value)> {
    let ticks = u32::try_from(uptime.as_millis() / 10).unwrap_or(u32::MAX);
    let text = |s: &str| Value::OctetString(s.as_bytes().to_vec());
    vec![
        (oids::sys_descr(), text(SYS_DESCR)),
        (
            oids::sys_object_id(),
            Value::ObjectId(Oid(SYS_OBJECT_ID.to_vec())),
        ),
        (oids::sys_uptime(), Value::TimeTicks(ticks)),
        (oids::sys_contact(), text(SYS_CONTACT)),
        (oids::sys_name(), text(sys_name)),
        (oids::sys_location(), text(SYS_LOCATION)),
    ]
}

/// The answer of streetlight-01's agent (`public`) to one datagram.
#[cfg(test)]
pub(crate) fn snmp_reply(packet: &[u8], uptime: Duration) -> Option<Vec<u8>> {
    agent_reply(packet, uptime, &super::login_svc::LIGHTLINK_DEFAULT)
}

/// The agent's answer to one datagram: `None` for anything it stays silent
/// on (undecodable, a community it does not know, SET, traps, responses).
pub(crate) fn agent_reply(packet: &[u8], uptime: Duration, agent: &SnmpAgent) -> Option<Vec<u8>> {
    let msg = snmp::decode(packet).ok()?;
    if !agent.answers(&msg.community) || msg.pdu.varbinds.len() > MAX_VARBINDS {
        return None;
    }
    let mut mib = system_mib(uptime, agent.sys_name);
    mib.sort_by(|a, b| a.0.cmp(&b.0));
    let get = |oid: &Oid| mib.iter().find(|(o, _)| o == oid).map(|(_, v)| v.clone());
    let next = |oid: &Oid| mib.iter().find(|(o, _)| o > oid).cloned();
    let v1 = msg.version == Version::V1;
    let request = &msg.pdu;
    // v1 has no exception values: the first unknown name fails the request.
    let mut failed: Option<usize> = None;
    let mut varbinds = Vec::new();
    match request.kind {
        PduType::GetRequest => {
            for (i, (oid, _)) in request.varbinds.iter().enumerate() {
                match get(oid) {
                    Some(v) => varbinds.push((oid.clone(), v)),
                    None if v1 => {
                        failed = failed.or(Some(i));
                    }
                    None => varbinds.push((oid.clone(), Value::NoSuchObject)),
                }
            }
        }
        PduType::GetNextRequest => {
            for (i, (oid, _)) in request.varbinds.iter().enumerate() {
                match next(oid) {
                    Some(found) => varbinds.push(found),
                    None if v1 => {
                        failed = failed.or(Some(i));
                    }
                    None => varbinds.push((oid.clone(), Value::EndOfMibView)),
                }
            }
        }
        PduType::GetBulkRequest if !v1 => {
            let non_repeaters = usize::try_from(request.error_status.max(0)).unwrap_or(0);
            let repetitions = request.error_index.clamp(0, MAX_REPETITIONS);
            for (i, (oid, _)) in request.varbinds.iter().enumerate() {
                let rounds = if i < non_repeaters { 1 } else { repetitions };
                let mut cursor = oid.clone();
                for _ in 0..rounds {
                    match next(&cursor) {
                        Some((o, v)) => {
                            cursor = o.clone();
                            varbinds.push((o, v));
                        }
                        None => {
                            varbinds.push((cursor.clone(), Value::EndOfMibView));
                            break;
                        }
                    }
                }
            }
        }
        _ => return None,
    }
    let (error_status, error_index) = match failed {
        Some(i) => {
            varbinds = request.varbinds.clone();
            (NO_SUCH_NAME, i64::try_from(i + 1).unwrap_or(i64::MAX))
        }
        None => (0, 0),
    };
    let reply = Message {
        version: msg.version,
        community: msg.community.clone(),
        pdu: Pdu {
            kind: PduType::GetResponse,
            request_id: request.request_id,
            error_status,
            error_index,
            varbinds,
        },
    };
    Some(snmp::encode(&reply))
}

/// Receives DNS queries and answers them from the lab's records.
pub(crate) async fn run_dns(socket: UdpSocket, records: Records) {
    serve(socket, "dns", 4096, |datagram| {
        dns_reply(datagram, &records)
    })
    .await;
}

/// Lower case, without the trailing dot: how the lab keys its records.
pub(crate) fn normalize_name(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// The DNS answer to one datagram: the name's addresses of the asked type
/// (none for a known name and another type), NXDOMAIN for unknown names,
/// nothing for what is not a query.
pub(crate) fn dns_reply(
    packet: &[u8],
    records: &RwLock<HashMap<String, Vec<IpAddr>>>,
) -> Option<Vec<u8>> {
    let query = dns::parse_query(packet).ok()?;
    let addrs = {
        let map = records.read().unwrap_or_else(|e| e.into_inner());
        map.get(&normalize_name(&query.name)).cloned()
    };
    Some(match addrs {
        Some(addrs) if !addrs.is_empty() => dns::encode_answer(&query, &addrs, DNS_TTL),
        _ => dns::encode_nxdomain(&query),
    })
}
