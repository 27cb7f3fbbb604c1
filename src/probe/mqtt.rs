//! MQTT: CONNECT without credentials; the CONNACK code says whether the
//! broker lets anyone in. Disconnects at once (no subscription here).

use tokio::io::{AsyncRead, AsyncWrite};

use super::{Cx, Step};
use crate::model::{Evidence, Observation, clean_text};
use crate::net::io::read_some;
use crate::net::io::{ReadEnd, read_until, write_all};
use crate::proto::ParseError;
use crate::proto::mqtt::{self, Connect};

pub(crate) async fn probe<S>(io: &mut S, cx: &Cx<'_>, obs: &mut Observation) -> Step
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let connect = mqtt::encode_connect(&Connect {
        protocol_level: 4,
        client_id: format!("stadscan-{:04x}", std::process::id() & 0xffff),
        username: None,
        password: None,
        keep_alive: 10,
        clean_session: true,
    });
    if write_all(io, &connect, cx.deadline).await.is_err() {
        return Step::Closed;
    }
    let mut buf = Vec::new();
    let end = read_until(io, &mut buf, cx.deadline, 512, |b| {
        !matches!(mqtt::decode_connack(b), Err(ParseError::Incomplete))
    })
    .await;
    match mqtt::decode_connack(&buf) {
        Ok((ack, used)) => {
            obs.evidence
                .push(Evidence::from_bytes("mqtt-connect", &buf));
            obs.protocol = "mqtt".into();
            obs.set("mqtt.connack_code", ack.return_code);
            obs.set(
                "mqtt.connack_meaning",
                mqtt::connack_meaning(ack.return_code),
            );
            obs.set("mqtt.anonymous", ack.return_code == 0);
            if ack.return_code == 0 {
                // Let in anonymously: the broker may say what it is.
                let rest = buf.get(used..).unwrap_or_default().to_vec();
                if let Some(v) = sys_version(io, cx, rest).await {
                    obs.set("mqtt.broker_version", clean_text(&v, 120));
                }
                let _sent = write_all(io, &mqtt::encode_disconnect(), cx.deadline).await;
            }
            Step::Identified
        }
        Err(_) if buf.is_empty() => match end {
            ReadEnd::Timeout => Step::Silent,
            _ => Step::Closed,
        },
        Err(e) if buf.first() == Some(&0x20) => {
            // A CONNACK packet type with a broken body: an MQTT broker, misbehaving.
            obs.evidence
                .push(Evidence::from_bytes("mqtt-connect", &buf));
            obs.protocol = "mqtt".into();
            obs.status = crate::model::ProbeStatus::ProtocolError;
            obs.set("service.note", format!("malformed CONNACK: {e}"));
            Step::Identified
        }
        Err(_) => Step::Other(buf),
    }
}

/// The retained `$SYS/broker/version` value, if the broker publishes one
/// within half a second of the subscription (mosquitto does at once).
async fn sys_version<S>(io: &mut S, cx: &Cx<'_>, mut buf: Vec<u8>) -> Option<Vec<u8>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    const TOPIC: &str = "$SYS/broker/version";
    write_all(io, &mqtt::encode_subscribe(1, TOPIC), cx.deadline)
        .await
        .ok()?;
    let until =
        (tokio::time::Instant::now() + std::time::Duration::from_millis(500)).min(cx.deadline);
    loop {
        loop {
            match mqtt::decode_packet(&buf) {
                Ok((mqtt::Packet::Publish(p), _)) if p.topic == TOPIC => return Some(p.payload),
                Ok((_, used)) => {
                    buf.drain(..used);
                }
                Err(ParseError::Incomplete) => break,
                Err(_) => return None,
            }
        }
        if buf.len() > mqtt::MAX_PACKET {
            return None;
        }
        buf.extend(read_some(io, until, 4096).await?);
    }
}
