//! MQTT: CONNECT without credentials; the CONNACK code says whether the
//! broker lets anyone in. Disconnects at once (no subscription here).

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

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
        client_id: client_id(),
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

/// `stadscan-` and eight random hex digits: a fresh client id per
/// connection (a probe or a login attempt), so a broker never resumes or
/// takes over another client's session. One id for every connection of a
/// scan made a broker reachable on two addresses drop the first of two
/// overlapping probes (a second CONNECT with a client's id closes the
/// client's connection), and with it the broker's version: measured on a
/// slow, lossy wire in bench/RESULTS.md.
pub(crate) fn client_id() -> String {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 4];
    if ring::rand::SystemRandom::new().fill(&mut b).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        b = (nanos ^ std::process::id().rotate_left(16)).to_be_bytes();
    }
    format!("stadscan-{:08x}", u32::from_be_bytes(b))
}

/// The longest wait for the retained `$SYS/broker/version` value.
const SYS_WAIT: Duration = Duration::from_millis(500);
/// After the SUBACK, how long a retained message may still take on top of
/// twice the subscription's round trip. A broker sends its retained
/// messages right after the SUBACK, with no round trip in between; the
/// margin covers a broker that writes them separately without TCP_NODELAY
/// (its second segment then waits for the ACK of the first), and one lost
/// segment: the broker's TCP sends it again after its shortest
/// retransmission timeout, 200 ms on Linux (with 100 ms, one scan in five
/// over a 20 ms, 2 % loss wire lost a mosquitto version and its finding).
const AFTER_SUBACK: Duration = Duration::from_millis(300);

/// When to stop waiting for the retained value, once the SUBACK came
/// `round_trip` after the SUBSCRIBE was sent: never later than the first
/// limit.
fn wait_after_suback(limit: Instant, now: Instant, round_trip: Duration) -> Instant {
    limit.min(now + AFTER_SUBACK + round_trip * 2)
}

/// The retained `$SYS/broker/version` value, if the broker publishes one
/// (mosquitto does, at once). A broker that acknowledges the subscription
/// and sends nothing costs a short wait after its SUBACK, not the whole
/// half second: most brokers outside mosquitto's family publish no such
/// topic.
async fn sys_version<S>(io: &mut S, cx: &Cx<'_>, mut buf: Vec<u8>) -> Option<Vec<u8>>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    const TOPIC: &str = "$SYS/broker/version";
    write_all(io, &mqtt::encode_subscribe(1, TOPIC), cx.deadline)
        .await
        .ok()?;
    let asked = Instant::now();
    let mut until = (asked + SYS_WAIT).min(cx.deadline);
    let mut acked = false;
    loop {
        loop {
            match mqtt::decode_packet(&buf) {
                Ok((mqtt::Packet::Publish(p), _)) if p.topic == TOPIC => return Some(p.payload),
                Ok((mqtt::Packet::SubAck, used)) if !acked => {
                    acked = true;
                    let now = Instant::now();
                    until = wait_after_suback(until, now, now - asked);
                    buf.drain(..used);
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Endpoint, Origin, Target};
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

    /// What the fake broker does after it saw the SUBSCRIBE.
    #[derive(Clone, Copy)]
    enum After {
        /// No SUBACK, nothing.
        Silence,
        /// SUBACK, then nothing (a broker without `$SYS`).
        SubAckOnly,
        /// SUBACK, then the retained version this long after it.
        SubAckThenVersion(Duration),
    }

    fn publish(topic: &str, payload: &[u8]) -> Vec<u8> {
        let mut body = (topic.len() as u16).to_be_bytes().to_vec();
        body.extend_from_slice(topic.as_bytes());
        body.extend_from_slice(payload);
        let mut out = vec![0x31];
        mqtt::encode_remaining_length(body.len(), &mut out);
        out.extend(body);
        out
    }

    /// Runs the probe for 127.0.0.80:1883 on `client` (its end of a fake
    /// broker's connection): what it observed and the time it took.
    async fn probe_on(client: &mut DuplexStream) -> (Observation, Duration) {
        let t = Target::admitted("127.0.0.80".parse().unwrap(), None, Origin::Network(0));
        let cx = Cx {
            deadline: Instant::now() + Duration::from_secs(5),
            target: &t,
            port: 1883,
            authority: "127.0.0.80:1883".into(),
            streams: &Default::default(),
        };
        let mut obs = Observation::new(Endpoint::tcp(t.addr(), 1883), None);
        let start = Instant::now();
        let step = probe(client, &cx, &mut obs).await;
        assert!(matches!(step, Step::Identified));
        (obs, start.elapsed())
    }

    /// Runs the probe against an anonymous broker; the virtual time it took.
    async fn run(after: After) -> (Observation, Duration) {
        let (mut client, mut server): (DuplexStream, DuplexStream) = tokio::io::duplex(4096);
        let broker = tokio::spawn(async move {
            let mut chunk = [0u8; 512];
            // CONNECT, then CONNACK 0.
            if server.read(&mut chunk).await.unwrap_or(0) == 0 {
                return;
            }
            server.write_all(&[0x20, 0x02, 0x00, 0x00]).await.unwrap();
            // SUBSCRIBE (packet id 1).
            if server.read(&mut chunk).await.unwrap_or(0) == 0 {
                return;
            }
            match after {
                After::Silence => {}
                After::SubAckOnly => server
                    .write_all(&[0x90, 0x03, 0x00, 0x01, 0x00])
                    .await
                    .unwrap(),
                After::SubAckThenVersion(gap) => {
                    server
                        .write_all(&[0x90, 0x03, 0x00, 0x01, 0x00])
                        .await
                        .unwrap();
                    tokio::time::sleep(gap).await;
                    let p = publish("$SYS/broker/version", b"mosquitto version 2.0.11");
                    server.write_all(&p).await.unwrap();
                }
            }
            // Keep the connection open until the probe leaves.
            while server.read(&mut chunk).await.unwrap_or(0) > 0 {}
        });
        let (obs, took) = probe_on(&mut client).await;
        drop(client);
        broker.await.unwrap();
        (obs, took)
    }

    fn version(o: &Observation) -> Option<String> {
        o.facts.get("mqtt.broker_version").map(|v| v.render())
    }

    #[tokio::test(start_paused = true)]
    async fn a_broker_without_sys_costs_the_short_wait_after_its_suback() {
        let (o, took) = run(After::SubAckOnly).await;
        assert_eq!(version(&o), None);
        assert!(took >= AFTER_SUBACK && took < SYS_WAIT, "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_retained_version_soon_after_the_suback_is_read() {
        let (o, _) = run(After::SubAckThenVersion(Duration::from_millis(60))).await;
        assert_eq!(version(&o).as_deref(), Some("mosquitto version 2.0.11"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_retained_version_sent_again_after_a_loss_is_read() {
        // The segment after the SUBACK was lost: the broker's TCP sends it
        // again after its retransmission timeout (200 ms at least on
        // Linux, a little more on a slow path).
        let (o, _) = run(After::SubAckThenVersion(Duration::from_millis(250))).await;
        assert_eq!(version(&o).as_deref(), Some("mosquitto version 2.0.11"));
    }

    #[tokio::test(start_paused = true)]
    async fn a_broker_that_never_acknowledges_gets_the_whole_wait() {
        let (o, took) = run(After::Silence).await;
        assert_eq!(version(&o), None);
        assert!(took >= SYS_WAIT, "{took:?}");
        assert_eq!(
            o.facts.get("mqtt.anonymous").map(|v| v.render()).as_deref(),
            Some("true")
        );
    }

    /// The client id of one probe's CONNECT (the broker refuses it).
    async fn client_id_of_a_probe() -> String {
        let (mut client, mut server): (DuplexStream, DuplexStream) = tokio::io::duplex(4096);
        let broker = tokio::spawn(async move {
            let mut chunk = vec![0u8; 512];
            let n = server.read(&mut chunk).await.unwrap();
            server.write_all(&[0x20, 0x02, 0x00, 0x05]).await.unwrap();
            mqtt::decode_connect(&chunk[..n]).unwrap().0.client_id
        });
        probe_on(&mut client).await;
        broker.await.unwrap()
    }

    #[tokio::test]
    async fn every_probe_connects_with_a_client_id_of_its_own() {
        // A broker closes a client's connection when another CONNECT
        // brings the same id: two probes of one scan at one broker (on two
        // addresses, or overlapping on one) must not share an id.
        let (a, b) = (client_id_of_a_probe().await, client_id_of_a_probe().await);
        assert_ne!(a, b);
        for id in [a, b] {
            assert!(id.starts_with("stadscan-"), "{id}");
            assert_eq!(id.len(), "stadscan-".len() + 8, "{id}");
        }
    }

    #[test]
    fn after_the_suback_the_wait_is_short_and_grows_with_the_round_trip() {
        let t0 = Instant::now();
        let limit = t0 + SYS_WAIT;
        // Loopback: the margin alone.
        let near = wait_after_suback(limit, t0, Duration::from_micros(100));
        assert_eq!(near - t0, AFTER_SUBACK + Duration::from_micros(200));
        // A distant broker gets twice its round trip on top.
        let far = wait_after_suback(limit, t0, Duration::from_millis(80));
        assert_eq!(far - t0, AFTER_SUBACK + Duration::from_millis(160));
        // Never beyond the first limit.
        assert_eq!(
            wait_after_suback(limit, t0, Duration::from_millis(400)),
            limit
        );
    }
}
