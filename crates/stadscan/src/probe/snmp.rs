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
    // Two tries share the budget.
    let wait = (timeout / 2).max(Duration::from_millis(100));
    let reply = match net
        .udp_request(target, port, "snmp-get", &snmp::encode(&req), wait, 65_536)
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
