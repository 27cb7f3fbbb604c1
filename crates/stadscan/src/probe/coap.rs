//! CoAP over UDP (5683): GET `/.well-known/core`, following Block2, and on an
//! OMA LwM2M device the four identification resources of its Device object.
//! Read only: GET is the only method sent. Plain CoAP has no authentication
//! (that would be DTLS on 5684, not spoken here), so any 2.05 answer means
//! anyone on the network reads the device.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::model::{Observation, Target, clean_text};
use crate::net::{Net, UdpOutcome};
use crate::proto::coap::{self, Code, Message, MessageType, content_format, lwm2m};

const WELL_KNOWN_CORE: &str = "/.well-known/core";
/// Blocks of `/.well-known/core` read at most.
const MAX_BLOCKS: u32 = 8;
/// Largest datagram accepted.
const MAX_DATAGRAM: usize = 2048;
/// Link targets and resource types kept as facts.
const MAX_LISTED: usize = 64;

/// LwM2M Device object resource -> fact name.
const LWM2M_FACTS: [(&str, &str); 4] = [
    (lwm2m::MANUFACTURER, "coap.lwm2m_manufacturer"),
    (lwm2m::MODEL_NUMBER, "coap.lwm2m_model"),
    (lwm2m::SERIAL_NUMBER, "coap.lwm2m_serial"),
    (lwm2m::FIRMWARE_VERSION, "coap.lwm2m_firmware"),
];

/// Asks `target:port` what resources it has. `None` when nothing answered.
pub(crate) async fn probe(
    net: &Net,
    target: &Target,
    port: u16,
    timeout: Duration,
) -> Option<Observation> {
    let start = Instant::now();
    let mut client = Client {
        net,
        target,
        port,
        deadline: start + timeout,
    };
    // The whole budget, as for SNMP (retransmissions within it): a silent
    // port costs all of it, a live device answers well within it.
    let request = client.request(WELL_KNOWN_CORE, None);
    let reply = client.send(&request, timeout, "coap-get").await?;
    let mut obs = super::udp_answered(target, port, "coap-get", &reply);
    match coap::decode(&reply) {
        Ok(msg) => {
            obs.protocol = "coap".into();
            match check(&request, &msg) {
                Ok(()) => {
                    // Further blocks and LwM2M reads get a budget of their
                    // own from the answer on: the first GET may have waited
                    // long for its rate slot at a low scan rate.
                    client.deadline = client.deadline.max(Instant::now() + timeout / 2);
                    read_device(&mut client, msg, &mut obs).await
                }
                Err(note) => super::protocol_error(&mut obs, note.to_string()),
            }
        }
        Err(e) => super::protocol_error(
            &mut obs,
            format!("answered a CoAP GET with something that is not CoAP: {e}"),
        ),
    }
    obs.elapsed_ms = start.elapsed().as_millis() as u64;
    Some(obs)
}

/// A CoAP reply that does not answer the GET; its text is the note.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum Mismatch {
    #[error("CoAP endpoint rejected the GET with a Reset")]
    Reset,
    #[error("CoAP endpoint acknowledged the GET but sends its answer separately (not awaited)")]
    Separate,
    #[error("CoAP acknowledgement for another message id")]
    OtherId,
    #[error("CoAP reply with another token")]
    OtherToken,
    #[error("CoAP reply with code {0} where a response was due")]
    NotAResponse(Code),
}

/// Whether `reply` answers `request`: a piggybacked ACK (same message id and
/// token) or a separate CON/NON response with the token.
fn check(request: &Message, reply: &Message) -> Result<(), Mismatch> {
    let same_id = reply.message_id == request.message_id;
    match reply.kind {
        MessageType::Reset if same_id => Err(Mismatch::Reset),
        MessageType::Acknowledgement if same_id && reply.code.is_empty() => Err(Mismatch::Separate),
        MessageType::Acknowledgement if !same_id => Err(Mismatch::OtherId),
        _ if reply.token != request.token => Err(Mismatch::OtherToken),
        _ if !reply.code.is_response() => Err(Mismatch::NotAResponse(reply.code)),
        _ => Ok(()),
    }
}

/// A successful `/.well-known/core` answer and whatever it leads to.
async fn read_device(client: &mut Client<'_>, first: Message, obs: &mut Observation) {
    obs.set("coap.code", first.code.to_string());
    let mut open = first.code == Code::CONTENT;
    if first.code == Code::UNAUTHORIZED || first.code == Code::FORBIDDEN {
        obs.set("coap.unauthenticated", false);
    }
    if first.code == Code::CONTENT {
        let cf = first.content_format();
        let body = client.rest_of_blocks(WELL_KNOWN_CORE, first).await;
        if matches!(cf, None | Some(content_format::LINK_FORMAT)) {
            match coap::parse_link_format(&body) {
                Ok(links) => {
                    record_links(&links, obs);
                    if lwm2m::lists_device_object(&links) {
                        open |= read_lwm2m(client, obs).await;
                    }
                }
                Err(e) => obs.set(
                    "service.note",
                    format!("/.well-known/core is not valid link format: {e}"),
                ),
            }
        } else if let Some(cf) = cf {
            obs.set(
                "service.note",
                format!("/.well-known/core in Content-Format {cf}, not link format"),
            );
        }
    }
    if open {
        obs.set("coap.unauthenticated", true);
    }
}

fn record_links(links: &[coap::Link], obs: &mut Observation) {
    let targets: Vec<String> = links
        .iter()
        .take(MAX_LISTED)
        .map(|l| clean_text(l.target.as_bytes(), 120))
        .collect();
    let mut types: Vec<String> = Vec::new();
    for rt in links.iter().flat_map(|l| l.resource_types()) {
        let rt = clean_text(rt.as_bytes(), 80);
        if types.len() < MAX_LISTED && !rt.is_empty() && !types.contains(&rt) {
            types.push(rt);
        }
    }
    obs.set("coap.resource_count", links.len() as i64);
    obs.set("coap.resources", targets);
    if !types.is_empty() {
        obs.set("coap.resource_types", types);
    }
}

/// GETs the Device object's identification; true when any was readable.
async fn read_lwm2m(client: &mut Client<'_>, obs: &mut Observation) -> bool {
    let mut any = false;
    for (path, fact) in LWM2M_FACTS {
        let Some(reply) = client.get(path, None).await else {
            break;
        };
        if reply.code != Code::CONTENT {
            continue;
        }
        any = true;
        if let Some(value) = lwm2m::resource_value(reply.content_format(), &reply.payload) {
            let text = clean_text(value, 120);
            if !text.is_empty() {
                obs.set(fact, text);
            }
        }
    }
    any
}

/// Requests to one CoAP endpoint within one deadline.
struct Client<'a> {
    net: &'a Net,
    target: &'a Target,
    port: u16,
    deadline: Instant,
}

impl Client<'_> {
    /// A GET with a fresh message id and token. Distinct per request, so a
    /// late answer to an earlier one is not taken for this one.
    fn request(&self, path: &str, block2: Option<(u32, u8)>) -> Message {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        // Spread over the id space, so two scanner runs do not start alike.
        let seed = std::process::id().wrapping_mul(0x9e37_79b9);
        let id = n.wrapping_add(seed);
        let token = id.wrapping_mul(0x85eb_ca6b).to_be_bytes();
        coap::get_request((id & 0xffff) as u16, &token, path, block2)
    }

    /// Sends `request` and listens for `window` (cut to what the deadline
    /// leaves), retransmitting the same message (same id and token, as RFC
    /// 7252 4.2 has a confirmable message repeated) while it is silent.
    /// `label` names the request in the audit trail: `coap-get` for the
    /// first contact, `coap-follow-up` for blocks and LwM2M reads.
    async fn send(
        &self,
        request: &Message,
        window: Duration,
        label: &'static str,
    ) -> Option<Vec<u8>> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        let window = window.min(left);
        if window.is_zero() {
            return None;
        }
        match self
            .net
            .udp_request(
                self.target,
                self.port,
                label,
                &request.encode(),
                window,
                MAX_DATAGRAM,
            )
            .await
        {
            UdpOutcome::Reply(bytes) => Some(bytes),
            _ => None,
        }
    }

    /// A follow-up GET: the decoded answer, or `None` when the endpoint is
    /// silent or answers something that does not match.
    async fn get(&self, path: &str, block2: Option<(u32, u8)>) -> Option<Message> {
        let request = self.request(path, block2);
        let bytes = self.send(&request, Duration::MAX, "coap-follow-up").await?;
        let reply = coap::decode(&bytes).ok()?;
        check(&request, &reply).ok()?;
        Some(reply)
    }

    /// The whole representation that `first` starts: its payload, then the
    /// following Block2 blocks (RFC 7959 2.4, at the server's block size),
    /// `MAX_BLOCKS` in all. A missing or wrong block ends it early.
    async fn rest_of_blocks(&self, path: &str, first: Message) -> Vec<u8> {
        let mut block = first.block2().filter(|b| b.num == 0);
        let mut body = first.payload;
        let mut blocks = 1;
        while let Some(b) = block {
            if !b.more || blocks >= MAX_BLOCKS {
                break;
            }
            let next = (b.num + 1, b.szx);
            let Some(reply) = self.get(path, Some(next)).await else {
                break;
            };
            block = reply.block2().filter(|r| r.num == next.0);
            if reply.code != Code::CONTENT || block.is_none() {
                break;
            }
            body.extend_from_slice(&reply.payload);
            blocks += 1;
        }
        body
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Origin;
    use crate::model::ProbeStatus;
    use crate::net::Shutdown;
    use crate::proto::coap::{encode_uint, option};
    use crate::scope::Scope;
    use std::sync::Arc;
    use tokio::net::UdpSocket;

    fn net() -> Net {
        let scope = Scope::parse(
            "name = \"t\"\n[[networks]]\ncidr = \"127.0.0.0/8\"\n[ports]\nudp = [5683]\n",
            std::path::Path::new("s.toml"),
        )
        .unwrap();
        let (_trigger, shutdown) = Shutdown::new();
        Net::new(Arc::new(scope), shutdown)
    }

    fn target(addr: std::net::IpAddr) -> Target {
        Target::admitted(addr, None, Origin::Network(0))
    }

    /// A UDP device on 127.0.0.1 answering each request datagram with `reply`.
    async fn device<F>(mut reply: F) -> (std::net::SocketAddr, tokio::task::JoinHandle<()>)
    where
        F: FnMut(&[u8]) -> Option<Vec<u8>> + Send + 'static,
    {
        let sock = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let addr = sock.local_addr().unwrap();
        let task = tokio::spawn(async move {
            let mut buf = vec![0u8; 4096];
            while let Ok((n, peer)) = sock.recv_from(&mut buf).await {
                if let Some(r) = reply(&buf[..n]) {
                    let _ = sock.send_to(&r, peer).await;
                }
            }
        });
        (addr, task)
    }

    const LINKS: &str = "</sensors/pm25>;rt=\"luchtmeet.pm25\";if=\"core.s\";ct=0;obs,</sensors/temp>;rt=\"temperature-c\";if=\"core.s\";ct=0,</3/0>;rt=\"oma.lwm2m\";title=\"Device\",</sensors/no2>;rt=\"luchtmeet.no2 luchtmeet.pm25\"";

    /// A sensor built on the pure `response`: 64-byte blocks, an LwM2M
    /// Device object answering text and TLV.
    fn sensor(packet: &[u8]) -> Option<Vec<u8>> {
        let req = coap::decode_request(packet).ok()?;
        let path = req.uri_path();
        let (code, cf, body): (Code, Option<u16>, Vec<u8>) = match path.as_str() {
            "/.well-known/core" => (Code::CONTENT, Some(40), LINKS.as_bytes().to_vec()),
            "/3/0/0" => (Code::CONTENT, Some(0), b"Luchtmeet".to_vec()),
            "/3/0/1" => (Code::CONTENT, None, b"LM-AQ20\x07".to_vec()),
            "/3/0/2" => (Code::NOT_FOUND, None, Vec::new()),
            "/3/0/3" => (
                Code::CONTENT,
                Some(11542),
                lwm2m::encode_tlv_resource(3, b"2.4.1"),
            ),
            _ => (Code::NOT_FOUND, None, Vec::new()),
        };
        Some(coap::response(&req, code, cf, &body, 2).encode())
    }

    fn fact(obs: &Observation, name: &str) -> Option<String> {
        obs.fact(name).map(|v| v.render())
    }

    #[tokio::test]
    async fn reads_link_list_in_blocks_and_lwm2m_identity() {
        let (addr, task) = device(sensor).await;
        let obs = probe(
            &net(),
            &target(addr.ip()),
            addr.port(),
            Duration::from_secs(5),
        )
        .await
        .expect("an answer");
        task.abort();
        assert_eq!(obs.protocol, "coap");
        assert_eq!(obs.status, ProbeStatus::Ok);
        assert_eq!(fact(&obs, "coap.code").as_deref(), Some("2.05"));
        assert_eq!(
            fact(&obs, "coap.resources").as_deref(),
            Some("/sensors/pm25, /sensors/temp, /3/0, /sensors/no2")
        );
        assert_eq!(
            fact(&obs, "coap.resource_types").as_deref(),
            Some("luchtmeet.pm25, temperature-c, oma.lwm2m, luchtmeet.no2")
        );
        assert_eq!(
            obs.fact("coap.resource_count").and_then(|v| v.as_int()),
            Some(4)
        );
        assert_eq!(
            fact(&obs, "coap.lwm2m_manufacturer").as_deref(),
            Some("Luchtmeet")
        );
        assert_eq!(fact(&obs, "coap.lwm2m_model").as_deref(), Some("LM-AQ20"));
        assert_eq!(fact(&obs, "coap.lwm2m_serial"), None);
        assert_eq!(fact(&obs, "coap.lwm2m_firmware").as_deref(), Some("2.4.1"));
        assert_eq!(
            obs.fact("coap.unauthenticated").and_then(|v| v.as_bool()),
            Some(true)
        );
        assert_eq!(obs.evidence[0].probe, "coap-get");
    }

    #[tokio::test]
    async fn two_lost_requests_still_yield_the_device() {
        let (addr, task) = device(sensor).await;
        let (port, sent) = crate::probe::lossy_path(addr, 2).await;
        let net = net();
        // Known alive (as after host discovery): silence earns retransmissions.
        net.alive(addr.ip());
        let obs = probe(&net, &target(addr.ip()), port, Duration::from_secs(3))
            .await
            .expect("the third copy is answered");
        task.abort();
        assert_eq!(obs.protocol, "coap");
        assert_eq!(fact(&obs, "coap.lwm2m_model").as_deref(), Some("LM-AQ20"));
        // Two lost copies of the first GET, then one datagram per request.
        assert!(sent.load(std::sync::atomic::Ordering::SeqCst) > 3);
    }

    #[tokio::test]
    async fn stops_after_eight_blocks() {
        let big: String = (0..200).map(|i| format!("</r/{i:03}>,")).collect();
        let (addr, task) = device(move |p| {
            let req = coap::decode_request(p).ok()?;
            Some(coap::response(&req, Code::CONTENT, Some(40), big.as_bytes(), 2).encode())
        })
        .await;
        let obs = probe(
            &net(),
            &target(addr.ip()),
            addr.port(),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        task.abort();
        // 8 blocks of 64 bytes hold 512 / 9 = 56 whole links; the cut one
        // is dropped or kept as a fragment by the parser.
        let count = obs
            .fact("coap.resource_count")
            .and_then(|v| v.as_int())
            .unwrap();
        assert!((56..=57).contains(&count), "{count}");
    }

    #[tokio::test]
    async fn unauthorized_answer_is_not_open() {
        let (addr, task) = device(|p| {
            let req = coap::decode_request(p).ok()?;
            Some(coap::response(&req, Code::UNAUTHORIZED, None, b"", 6).encode())
        })
        .await;
        let obs = probe(
            &net(),
            &target(addr.ip()),
            addr.port(),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        task.abort();
        assert_eq!(fact(&obs, "coap.code").as_deref(), Some("4.01"));
        assert_eq!(
            obs.fact("coap.unauthenticated").and_then(|v| v.as_bool()),
            Some(false)
        );
        assert_eq!(obs.fact("coap.resources"), None);
    }

    #[tokio::test]
    async fn not_coap_is_a_protocol_error_and_silence_is_none() {
        let (addr, task) = device(|_| Some(b"SSH-2.0-dropbear\r\n".to_vec())).await;
        let obs = probe(
            &net(),
            &target(addr.ip()),
            addr.port(),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        task.abort();
        assert_eq!(obs.status, ProbeStatus::ProtocolError);
        assert!(fact(&obs, "service.note").unwrap().contains("not CoAP"));
        assert_eq!(obs.protocol, "unknown");

        let (addr, task) = device(|_| None).await;
        let started = Instant::now();
        let none = probe(
            &net(),
            &target(addr.ip()),
            addr.port(),
            Duration::from_millis(400),
        )
        .await;
        task.abort();
        assert!(none.is_none());
        assert!(started.elapsed() < Duration::from_millis(700));
    }

    #[tokio::test]
    async fn reset_and_mismatched_replies_are_noted() {
        let (addr, task) = device(|p| {
            let m = coap::decode(p).ok()?;
            Some(coap::reset_for(m.message_id).encode())
        })
        .await;
        let obs = probe(
            &net(),
            &target(addr.ip()),
            addr.port(),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        task.abort();
        assert_eq!(obs.protocol, "coap");
        assert!(fact(&obs, "service.note").unwrap().contains("Reset"));

        let (addr, task) = device(|p| {
            let m = coap::decode(p).ok()?;
            let mut r = Message::new(
                MessageType::Acknowledgement,
                Code::CONTENT,
                m.message_id,
                b"other",
            );
            r.add_option(option::CONTENT_FORMAT, encode_uint(40));
            Some(r.encode())
        })
        .await;
        let obs = probe(
            &net(),
            &target(addr.ip()),
            addr.port(),
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        task.abort();
        assert_eq!(obs.status, ProbeStatus::ProtocolError);
        assert!(fact(&obs, "service.note").unwrap().contains("token"));
    }

    #[test]
    fn request_ids_and_tokens_differ() {
        let net = net();
        let t = target("127.0.0.1".parse().unwrap());
        let c = Client {
            net: &net,
            target: &t,
            port: 5683,
            deadline: Instant::now(),
        };
        let a = c.request(WELL_KNOWN_CORE, None);
        let b = c.request(WELL_KNOWN_CORE, None);
        assert_ne!(a.message_id, b.message_id);
        assert_ne!(a.token, b.token);
        assert_eq!((a.kind, a.code), (MessageType::Confirmable, Code::GET));
        assert_eq!(a.uri_path(), WELL_KNOWN_CORE);
    }
}
