//! BACnet/IP over UDP: Who-Is, then ReadProperty of the device object.
//! Unicast to the target only, never a broadcast; read only (BACnet/IP has no
//! authentication, so whatever a device tells anyone is a finding).

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::model::{Endpoint, Evidence, Observation, ProbeStatus, Target, clean_text};
use crate::net::{Net, UdpOutcome};
use crate::proto::ParseError;
use crate::proto::bacnet::{
    self, Apdu, Frame, IAm, NetAddress, Npdu, ReadProperty, Value, WILDCARD_INSTANCE, property,
};

/// Largest datagram read: a BACnet/IP frame carries at most 1476 bytes of APDU.
const MAX_DATAGRAM: usize = 2048;
/// Below this much time left, no further request is sent.
const MIN_WAIT: Duration = Duration::from_millis(20);
/// Longest text kept from a property.
const MAX_TEXT: usize = 255;

/// The device-object properties read after Who-Is, in this order, with the
/// fact each one sets.
const READS: &[(u32, &str)] = &[
    (property::VENDOR_NAME, "bacnet.vendor_name"),
    (property::MODEL_NAME, "bacnet.model_name"),
    (property::FIRMWARE_REVISION, "bacnet.firmware_revision"),
    (
        property::APPLICATION_SOFTWARE_VERSION,
        "bacnet.application_software_version",
    ),
    (property::OBJECT_NAME, "bacnet.object_name"),
    (property::LOCATION, "bacnet.location"),
    (property::DESCRIPTION, "bacnet.description"),
];

/// Asks `target:port` who it is. `None` when nothing answered at all.
pub(crate) async fn probe(
    net: &Net,
    target: &Target,
    port: u16,
    timeout: Duration,
) -> Option<Observation> {
    let mut c = Conversation {
        net,
        target,
        port,
        deadline: Instant::now() + timeout,
        started: Instant::now(),
        obs: Observation::new(
            Endpoint::udp(target.addr(), port),
            target.hostname().map(str::to_string),
        ),
        spoke_bacnet: false,
        read_any: false,
    };
    // Listening windows (retransmissions within each).
    let whois_wait = (timeout / 2).max(MIN_WAIT);
    let read_wait = (timeout / 4).max(MIN_WAIT);

    // Waiting for I-Am.
    let whois = bacnet::encode_frame(&Npdu::local(false), &bacnet::who_is(None));
    let mut device = match c.ask("bacnet-whois", &whois, whois_wait).await {
        Heard::Frame(frame) => match frame.apdu() {
            Some(Apdu::IAm(i)) => Some(c.record_i_am(i, &frame)),
            _ => None,
        },
        Heard::Garbage(e) => return Some(c.not_bacnet(&e, "Who-Is")),
        Heard::Nothing => None,
        Heard::Gone => return None,
    };

    // Waiting for the wildcard device to name itself.
    if device.is_none() {
        let wildcard = Device {
            instance: WILDCARD_INSTANCE,
            route: None,
        };
        let read = ReadProperty::device(WILDCARD_INSTANCE, property::OBJECT_NAME);
        match c.read(&wildcard, read, read_wait).await {
            Read::Value(instance, value) => {
                c.record("bacnet.object_name", &value);
                c.obs.set("bacnet.device_instance", i64::from(instance));
                device = Some(Device {
                    instance,
                    route: None,
                });
            }
            Read::Garbage(e) if !c.spoke_bacnet => {
                return Some(c.not_bacnet(&e, "ReadProperty"));
            }
            Read::Nothing | Read::Gone if !c.spoke_bacnet => return None,
            _ => {}
        }
    }

    // Waiting for each property in turn. The reads get a whole budget of
    // their own once the device has answered: at a low scan rate, Who-Is
    // may have spent most of the first one queued for its rate slot, and
    // the last properties were lost (tests/it/rates.rs caught it at 200/s).
    if device.is_some() {
        c.deadline = Instant::now() + timeout;
    }
    if let Some(device) = device {
        // Without an I-Am, the vendor id is a property like the others.
        if c.obs.fact("bacnet.vendor_id").is_none() {
            let read = ReadProperty::device(device.instance, property::VENDOR_IDENTIFIER);
            if let Read::Value(_, Value::Unsigned(v)) = c.read(&device, read, read_wait).await {
                c.obs
                    .set("bacnet.vendor_id", i64::try_from(v).unwrap_or(i64::MAX));
                c.read_any = true;
            }
        }
        for &(prop, fact) in READS {
            if c.obs.fact(fact).is_some() {
                continue;
            }
            match c
                .read(
                    &device,
                    ReadProperty::device(device.instance, prop),
                    read_wait,
                )
                .await
            {
                Read::Value(_, value) => c.record(fact, &value),
                Read::Gone => break,
                _ => {}
            }
        }
    }
    Some(c.finish())
}

/// Where the device is: its instance and, when it sits behind a BACnet
/// router at the target address, its network and MAC there.
struct Device {
    instance: u32,
    route: Option<NetAddress>,
}

/// What one request brought back.
enum Heard {
    Frame(Frame),
    /// An answer that is not BACnet/IP (or a broken one).
    Garbage(ParseError),
    /// Silence (every copy, to the end of the window).
    Nothing,
    /// Refused, out of scope, cancelled, out of time or a local error: stop.
    Gone,
}

/// What a ReadProperty brought back.
enum Read {
    /// The ACK for the asked property: the instance it named and the value.
    Value(u32, Value),
    /// Error, Reject, Abort or an ACK for something else: BACnet, no value.
    Refused,
    Garbage(ParseError),
    Nothing,
    Gone,
}

struct Conversation<'a> {
    net: &'a Net,
    target: &'a Target,
    port: u16,
    deadline: Instant,
    started: Instant,
    obs: Observation,
    /// A decodable BACnet/IP frame came back at least once.
    spoke_bacnet: bool,
    /// At least one property value was read.
    read_any: bool,
}

impl Conversation<'_> {
    async fn ask(&mut self, label: &'static str, frame: &[u8], wait: Duration) -> Heard {
        let left = self.deadline.saturating_duration_since(Instant::now());
        // The window (with its retransmissions) must fit in what is left.
        let wait = wait.min(left);
        if wait < MIN_WAIT {
            return Heard::Gone;
        }
        let reply = match self
            .net
            .udp_request(self.target, self.port, label, frame, wait, MAX_DATAGRAM)
            .await
        {
            UdpOutcome::Reply(bytes) => bytes,
            UdpOutcome::Silent => return Heard::Nothing,
            _ => return Heard::Gone,
        };
        self.obs.evidence.push(Evidence::from_bytes(label, &reply));
        match bacnet::decode_frame(&reply) {
            Ok(frame) => {
                self.spoke_bacnet = true;
                self.obs.protocol = "bacnet".into();
                Heard::Frame(frame)
            }
            Err(e) => {
                // The BVLC type byte alone says BACnet/IP, if a broken one.
                if reply.first() == Some(&0x81) {
                    self.obs.protocol = "bacnet".into();
                }
                Heard::Garbage(e)
            }
        }
    }

    async fn read(&mut self, device: &Device, req: ReadProperty, wait: Duration) -> Read {
        static NEXT_INVOKE: AtomicU8 = AtomicU8::new(0);
        let invoke = NEXT_INVOKE.fetch_add(1, Ordering::Relaxed);
        let npdu = Npdu::routed(device.route.clone(), true);
        let frame = bacnet::encode_frame(&npdu, &bacnet::read_property(invoke, &req));
        match self.ask("bacnet-read", &frame, wait).await {
            Heard::Frame(f) => match f.apdu() {
                Some(Apdu::ReadPropertyAck { invoke_id, ack })
                    if *invoke_id == invoke
                        && ack.property == req.property
                        && ack.object.is_device() =>
                {
                    Read::Value(ack.object.instance, ack.value.clone())
                }
                _ => Read::Refused,
            },
            Heard::Garbage(e) => Read::Garbage(e),
            Heard::Nothing => Read::Nothing,
            Heard::Gone => Read::Gone,
        }
    }

    fn record_i_am(&mut self, i: &IAm, frame: &Frame) -> Device {
        self.obs
            .set("bacnet.device_instance", i64::from(i.device.instance));
        self.obs.set("bacnet.vendor_id", i64::from(i.vendor_id));
        Device {
            instance: i.device.instance,
            route: frame.npdu().and_then(|n| n.source.clone()),
        }
    }

    /// Text properties become facts; a device that answers a text property
    /// with another type (or an unmappable character set) sets nothing.
    fn record(&mut self, fact: &str, value: &Value) {
        if let Value::CharacterString(s) = value
            && let Some(text) = s.text()
        {
            self.obs.set(fact, clean_text(text.as_bytes(), MAX_TEXT));
            self.read_any = true;
        }
    }

    fn not_bacnet(mut self, e: &ParseError, request: &str) -> Observation {
        self.obs.status = ProbeStatus::ProtocolError;
        let note = if self.obs.protocol == "bacnet" {
            format!("answered a BACnet/IP {request} with a malformed frame: {e}")
        } else {
            format!("answered a BACnet/IP {request} with something that is not BACnet/IP: {e}")
        };
        self.obs.set("service.note", note);
        self.finish()
    }

    fn finish(mut self) -> Observation {
        if self.read_any {
            self.obs.set("bacnet.unauthenticated", true);
        }
        self.obs.elapsed_ms = self.started.elapsed().as_millis() as u64;
        self.obs
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};
    use std::path::Path;
    use std::sync::Arc;

    use tokio::net::UdpSocket;

    use super::*;
    use crate::model::{FactValue, Origin};
    use crate::net::Shutdown;
    use crate::proto::bacnet::{ObjectId, ReadPropertyAck, error, reject, segmentation};
    use crate::scope::Scope;

    const INSTANCE: u32 = 3_100;

    /// Starts a device on 127.0.0.1 that answers each datagram with
    /// `answer`; returns its port.
    async fn device(answer: fn(&[u8]) -> Option<Vec<u8>>) -> u16 {
        let sock = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let port = sock.local_addr().unwrap().port();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 2048];
            while let Ok((n, peer)) = sock.recv_from(&mut buf).await {
                if let Some(reply) = answer(&buf[..n]) {
                    let _ = sock.send_to(&reply, peer).await;
                }
            }
        });
        port
    }

    async fn run(port: u16, timeout: Duration) -> Option<Observation> {
        let text = format!(
            "name = \"t\"\n[[networks]]\ncidr = \"127.0.0.1/32\"\n[ports]\nudp = [{port}]\n"
        );
        let scope = Arc::new(Scope::parse(&text, Path::new("s.toml")).unwrap());
        let (_trigger, shutdown) = Shutdown::new();
        let net = Net::new(scope.clone(), shutdown);
        // Known alive (as after host discovery): silence earns retransmissions.
        net.alive(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let target = scope
            .admit(IpAddr::V4(Ipv4Addr::LOCALHOST), Origin::Network(0), None)
            .unwrap();
        probe(&net, &target, port, timeout).await
    }

    fn text(obs: &Observation, fact: &str) -> Option<String> {
        match obs.fact(fact)? {
            FactValue::Text(t) => Some(t.clone()),
            other => panic!("{fact} is {other:?}"),
        }
    }

    fn reply(apdu: &[u8]) -> Option<Vec<u8>> {
        Some(bacnet::encode_frame(&Npdu::local(false), apdu))
    }

    /// A controller that answers Who-Is, names itself and fails on two
    /// properties (Error for description, Reject for location).
    fn controller(packet: &[u8]) -> Option<Vec<u8>> {
        match bacnet::decode_frame(packet).ok()?.apdu()? {
            Apdu::WhoIs(_) => reply(&bacnet::i_am(&IAm {
                device: ObjectId::device(INSTANCE),
                max_apdu: 480,
                segmentation: segmentation::NONE,
                vendor_id: 105,
            })),
            Apdu::ReadProperty { invoke_id, request } => {
                let value = match request.property {
                    property::VENDOR_NAME => "Priva",
                    property::MODEL_NAME => "Compri HX 8E",
                    property::FIRMWARE_REVISION => "HX-4.2.7",
                    property::APPLICATION_SOFTWARE_VERSION => "4.2.7",
                    property::OBJECT_NAME => "AHU\u{1}-1",
                    property::LOCATION => {
                        return reply(&bacnet::reject(*invoke_id, reject::OTHER));
                    }
                    _ => {
                        return reply(&bacnet::error(
                            *invoke_id,
                            bacnet::READ_PROPERTY,
                            error::CLASS_PROPERTY,
                            error::UNKNOWN_PROPERTY,
                        ));
                    }
                };
                reply(&bacnet::read_property_ack(
                    *invoke_id,
                    &ReadPropertyAck {
                        object: ObjectId::device(INSTANCE),
                        property: request.property,
                        array_index: None,
                        value: Value::text(value),
                    },
                ))
            }
            _ => None,
        }
    }

    #[tokio::test]
    async fn reads_identity_and_keeps_going_after_errors() {
        let port = device(controller).await;
        let obs = run(port, Duration::from_secs(3))
            .await
            .expect("an observation");
        assert_eq!(obs.protocol, "bacnet");
        assert_eq!(obs.status, ProbeStatus::Ok);
        assert_eq!(
            obs.fact("bacnet.device_instance"),
            Some(&FactValue::Int(3100))
        );
        assert_eq!(obs.fact("bacnet.vendor_id"), Some(&FactValue::Int(105)));
        assert_eq!(text(&obs, "bacnet.vendor_name").as_deref(), Some("Priva"));
        assert_eq!(
            text(&obs, "bacnet.model_name").as_deref(),
            Some("Compri HX 8E")
        );
        assert_eq!(
            text(&obs, "bacnet.firmware_revision").as_deref(),
            Some("HX-4.2.7")
        );
        assert_eq!(
            text(&obs, "bacnet.application_software_version").as_deref(),
            Some("4.2.7")
        );
        // Control characters from the device become a word separator.
        assert_eq!(text(&obs, "bacnet.object_name").as_deref(), Some("AHU -1"));
        assert_eq!(obs.fact("bacnet.location"), None);
        assert_eq!(obs.fact("bacnet.description"), None);
        assert_eq!(
            obs.fact("bacnet.unauthenticated"),
            Some(&FactValue::Bool(true))
        );
        let labels: Vec<&str> = obs.evidence.iter().map(|e| e.probe.as_str()).collect();
        assert_eq!(labels[0], "bacnet-whois");
        assert_eq!(labels.len(), 1 + READS.len());
    }

    #[tokio::test]
    async fn two_lost_who_is_still_yield_the_device() {
        let port = device(controller).await;
        let upstream = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let (port, _) = crate::probe::lossy_path(upstream, 2).await;
        let obs = run(port, Duration::from_secs(3))
            .await
            .expect("an observation");
        assert_eq!(
            obs.fact("bacnet.device_instance"),
            Some(&FactValue::Int(3100))
        );
        assert_eq!(text(&obs, "bacnet.vendor_name").as_deref(), Some("Priva"));
    }

    /// Ignores Who-Is; answers ReadProperty of the wildcard instance with
    /// its own, as the standard asks.
    fn shy_controller(packet: &[u8]) -> Option<Vec<u8>> {
        match bacnet::decode_frame(packet).ok()?.apdu()? {
            Apdu::ReadProperty { invoke_id, request } => {
                let value = match request.property {
                    property::OBJECT_NAME => Value::text("GBS-AHU2"),
                    property::VENDOR_IDENTIFIER => Value::Unsigned(7),
                    property::VENDOR_NAME => Value::text("Vendor"),
                    _ => Value::Unsigned(1),
                };
                reply(&bacnet::read_property_ack(
                    *invoke_id,
                    &ReadPropertyAck {
                        object: ObjectId::device(INSTANCE + 1),
                        property: request.property,
                        array_index: None,
                        value,
                    },
                ))
            }
            _ => None,
        }
    }

    #[tokio::test]
    async fn without_i_am_the_wildcard_instance_names_the_device() {
        let port = device(shy_controller).await;
        let obs = run(port, Duration::from_secs(2))
            .await
            .expect("an observation");
        assert_eq!(obs.protocol, "bacnet");
        assert_eq!(
            obs.fact("bacnet.device_instance"),
            Some(&FactValue::Int(3101))
        );
        assert_eq!(
            text(&obs, "bacnet.object_name").as_deref(),
            Some("GBS-AHU2")
        );
        assert_eq!(obs.fact("bacnet.vendor_id"), Some(&FactValue::Int(7)));
        assert_eq!(text(&obs, "bacnet.vendor_name").as_deref(), Some("Vendor"));
        // A number where text belongs sets nothing.
        assert_eq!(obs.fact("bacnet.model_name"), None);
        assert_eq!(
            obs.fact("bacnet.unauthenticated"),
            Some(&FactValue::Bool(true))
        );
    }

    /// Like bacpypes3: ignores Who-Is here, refuses the wildcard instance.
    fn refusing_controller(packet: &[u8]) -> Option<Vec<u8>> {
        match bacnet::decode_frame(packet).ok()?.apdu()? {
            Apdu::ReadProperty { invoke_id, .. } => reply(&bacnet::error(
                *invoke_id,
                bacnet::READ_PROPERTY,
                error::CLASS_OBJECT,
                error::UNKNOWN_OBJECT,
            )),
            _ => None,
        }
    }

    #[tokio::test]
    async fn an_error_still_identifies_bacnet_but_reads_nothing() {
        let port = device(refusing_controller).await;
        let obs = run(port, Duration::from_secs(2))
            .await
            .expect("an observation");
        assert_eq!(obs.protocol, "bacnet");
        assert_eq!(obs.status, ProbeStatus::Ok);
        assert_eq!(obs.fact("bacnet.device_instance"), None);
        assert_eq!(obs.fact("bacnet.unauthenticated"), None);
    }

    fn snmp_agent(_: &[u8]) -> Option<Vec<u8>> {
        Some(b"\x30\x26\x02\x01\x01\x04\x06public\xa2\x19".to_vec())
    }

    fn broken_bacnet(_: &[u8]) -> Option<Vec<u8>> {
        Some(vec![0x81, 0x0a, 0x00, 0x08, 0x07, 0x00, 0x10, 0x00])
    }

    #[tokio::test]
    async fn other_protocols_are_protocol_errors_with_a_note() {
        let port = device(snmp_agent).await;
        let obs = run(port, Duration::from_secs(2))
            .await
            .expect("an observation");
        assert_eq!(obs.status, ProbeStatus::ProtocolError);
        assert_eq!(obs.protocol, "unknown");
        let note = text(&obs, "service.note").unwrap();
        assert!(note.contains("not BACnet/IP"), "{note}");
        assert_eq!(obs.evidence.len(), 1);

        let port = device(broken_bacnet).await;
        let obs = run(port, Duration::from_secs(2))
            .await
            .expect("an observation");
        assert_eq!(obs.status, ProbeStatus::ProtocolError);
        assert_eq!(obs.protocol, "bacnet");
        let note = text(&obs, "service.note").unwrap();
        assert!(note.contains("malformed"), "{note}");
    }

    fn mute(_: &[u8]) -> Option<Vec<u8>> {
        None
    }

    fn i_am_only(packet: &[u8]) -> Option<Vec<u8>> {
        match bacnet::decode_frame(packet).ok()?.apdu()? {
            Apdu::WhoIs(_) => reply(&bacnet::i_am(&IAm {
                device: ObjectId::device(INSTANCE),
                max_apdu: 480,
                segmentation: segmentation::NONE,
                vendor_id: 105,
            })),
            _ => None,
        }
    }

    #[tokio::test]
    async fn silence_is_nothing_and_the_budget_holds() {
        let timeout = Duration::from_millis(400);
        let port = device(mute).await;
        let started = std::time::Instant::now();
        assert!(run(port, timeout).await.is_none());
        assert!(started.elapsed() < timeout + Duration::from_millis(500));

        // Answers Who-Is, then ignores every read: still within the budget.
        let port = device(i_am_only).await;
        let started = std::time::Instant::now();
        let obs = run(port, timeout).await.expect("an observation");
        assert!(started.elapsed() < timeout + Duration::from_millis(500));
        assert_eq!(
            obs.fact("bacnet.device_instance"),
            Some(&FactValue::Int(3100))
        );
        assert_eq!(obs.fact("bacnet.unauthenticated"), None);
    }

    #[tokio::test]
    async fn sends_only_unicast_who_is_and_reads() {
        // What the probe sends, decoded with the same codec.
        let sock = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let port = sock.local_addr().unwrap().port();
        let probe = tokio::spawn(async move { run(port, Duration::from_millis(600)).await });
        let mut seen = Vec::new();
        let mut buf = vec![0u8; 2048];
        while let Ok(Ok((n, peer))) =
            tokio::time::timeout(Duration::from_millis(800), sock.recv_from(&mut buf)).await
        {
            assert_eq!(peer.ip(), IpAddr::V4(Ipv4Addr::LOCALHOST));
            let frame = bacnet::decode_frame(&buf[..n]).unwrap();
            assert_eq!(frame.function, bacnet::Function::OriginalUnicast);
            seen.push(frame.apdu().unwrap().clone());
            if let Some(r) = controller(&buf[..n]) {
                sock.send_to(&r, SocketAddr::new(peer.ip(), peer.port()))
                    .await
                    .unwrap();
            }
        }
        assert!(probe.await.unwrap().is_some());
        assert_eq!(seen[0], Apdu::WhoIs(bacnet::WhoIs { range: None }));
        for apdu in &seen[1..] {
            let Apdu::ReadProperty { request, .. } = apdu else {
                panic!("only reads after Who-Is: {apdu:?}");
            };
            assert_eq!(request.object, ObjectId::device(INSTANCE));
        }
    }
}
