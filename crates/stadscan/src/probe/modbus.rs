//! Modbus/TCP: Read Device Identification (0x2B/0x0E), the one request that
//! makes a PLC name its vendor, product code and firmware revision. Read
//! only: no other function code is ever sent, and at most four requests go
//! over the connection (a basic read on unit 0, unit 255 if 0 will not
//! answer, follow-ups while more objects follow, then one regular read).

use std::sync::atomic::{AtomicU16, Ordering};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use super::{Cx, Step};
use crate::model::{Evidence, Observation, ProbeStatus, clean_text};
use crate::net::io::{ReadEnd, read_until, write_all};
use crate::proto::ParseError;
use crate::proto::modbus::{
    self, DeviceIdRequest, DeviceIdResponse, MAX_ADU, ReadDeviceIdCode, Response, object,
};

/// Requests per connection, all kinds together.
const MAX_REQUESTS: usize = 4;
/// Follow-up basic reads while the device says more objects follow.
const MAX_FOLLOW_UPS: usize = 3;
/// Unit ids a Modbus/TCP device usually answers on, in the order tried.
const UNITS: [u8; 2] = [0, 255];

/// Object id -> fact name.
const OBJECT_FACTS: &[(u8, &str)] = &[
    (object::VENDOR_NAME, "modbus.vendor"),
    (object::PRODUCT_CODE, "modbus.product_code"),
    (object::MAJOR_MINOR_REVISION, "modbus.revision"),
    (object::VENDOR_URL, "modbus.vendor_url"),
    (object::PRODUCT_NAME, "modbus.product_name"),
    (object::MODEL_NAME, "modbus.model_name"),
    (
        object::USER_APPLICATION_NAME,
        "modbus.user_application_name",
    ),
];

/// What one request brought back.
enum Answer {
    DeviceId(DeviceIdResponse),
    Exception(u8),
    /// A Modbus/TCP frame whose PDU this probe cannot read.
    Broken(ParseError),
    /// Bytes that are not a Modbus/TCP frame.
    NotModbus,
    Silent,
    Closed,
}

/// The requests of one connection, with everything received kept for the
/// evidence.
struct Conversation<'a, S> {
    io: &'a mut S,
    requests: usize,
    received: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conversation<'_, S> {
    fn can_ask(&self) -> bool {
        self.requests < MAX_REQUESTS
    }

    async fn ask(&mut self, unit: u8, req: DeviceIdRequest, deadline: Instant) -> Answer {
        static NEXT_TRANSACTION: AtomicU16 = AtomicU16::new(1);
        self.requests += 1;
        let transaction = NEXT_TRANSACTION.fetch_add(1, Ordering::Relaxed);
        let pdu = modbus::encode_device_id_request(req);
        let frame = modbus::encode_frame(transaction, unit, &pdu);
        if write_all(self.io, &frame, deadline).await.is_err() {
            return Answer::Closed;
        }
        let mut buf = Vec::new();
        let end = read_until(self.io, &mut buf, deadline, MAX_ADU, |b| {
            !matches!(modbus::decode_frame(b), Err(ParseError::Incomplete))
        })
        .await;
        self.received.extend_from_slice(&buf);
        match modbus::decode_frame(&buf) {
            Ok((frame, _)) => match modbus::decode_response(&frame.pdu) {
                Ok(Response::DeviceId(r)) => Answer::DeviceId(r),
                Ok(Response::Exception { code, .. }) => Answer::Exception(code),
                Ok(Response::Other { .. }) => Answer::NotModbus,
                Err(e) => Answer::Broken(e),
            },
            Err(ParseError::Incomplete) if buf.is_empty() => match end {
                ReadEnd::Timeout => Answer::Silent,
                _ => Answer::Closed,
            },
            Err(_) => Answer::NotModbus,
        }
    }
}

pub(crate) async fn probe<S>(io: &mut S, cx: &Cx<'_>, obs: &mut Observation) -> Step
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut conv = Conversation {
        io,
        requests: 0,
        received: Vec::new(),
    };
    let basic = |object_id| DeviceIdRequest {
        code: ReadDeviceIdCode::Basic,
        object_id,
    };
    let mut exception = None;
    let mut silent = false;
    let mut identified = None;
    for (i, &unit) in UNITS.iter().enumerate() {
        // Unit 0 gets half the budget, so that unit 255 still has a chance.
        let deadline = if i + 1 < UNITS.len() {
            let now = Instant::now();
            now + cx.deadline.saturating_duration_since(now) / 2
        } else {
            cx.deadline
        };
        match conv.ask(unit, basic(0), deadline).await {
            Answer::DeviceId(r) => {
                identified = Some((unit, r));
                break;
            }
            Answer::Exception(code) => exception = Some((unit, code)),
            Answer::Silent => silent = true,
            Answer::Closed => break,
            Answer::Broken(e) => {
                record_broken(obs, &conv.received, &e);
                return Step::Identified;
            }
            Answer::NotModbus if exception.is_some() => break,
            Answer::NotModbus => return Step::Other(conv.received),
        }
    }
    let Some((unit, first)) = identified else {
        return match exception {
            Some((unit, code)) => {
                identify(obs, &conv.received, unit);
                obs.set("modbus.exception", modbus::exception_meaning(code));
                obs.set("modbus.exception_code", code);
                Step::Identified
            }
            None if silent => Step::Silent,
            None => Step::Closed,
        };
    };
    obs.set("modbus.conformity_level", first.conformity_level);
    let mut objects = first.objects.clone();
    let mut more = first.more_follows.then_some(first.next_object_id);
    let mut follow_ups = 0;
    while let Some(next) = more {
        if follow_ups == MAX_FOLLOW_UPS || !conv.can_ask() {
            break;
        }
        follow_ups += 1;
        more = None;
        if let Answer::DeviceId(r) = conv.ask(unit, basic(next), cx.deadline).await {
            more = r.more_follows.then_some(r.next_object_id);
            objects.extend(r.objects);
        }
    }
    if conv.can_ask() {
        let regular = DeviceIdRequest {
            code: ReadDeviceIdCode::Regular,
            object_id: object::VENDOR_URL,
        };
        // A device with only the basic category answers this with an
        // exception: the basic objects already identify it.
        if let Answer::DeviceId(r) = conv.ask(unit, regular, cx.deadline).await {
            objects.extend(r.objects);
        }
    }
    for (id, fact) in OBJECT_FACTS {
        if let Some((_, value)) = objects.iter().find(|(i, _)| i == id) {
            let text = clean_text(value, 120);
            if !text.is_empty() {
                obs.set(fact, text);
            }
        }
    }
    identify(obs, &conv.received, unit);
    Step::Identified
}

fn identify(obs: &mut Observation, received: &[u8], unit: u8) {
    obs.evidence
        .push(Evidence::from_bytes("modbus-device-id", received));
    obs.protocol = "modbus".into();
    obs.set("modbus.unit_id", unit);
}

/// A Modbus/TCP frame with a PDU that breaks the function's format: a Modbus
/// device, misbehaving.
fn record_broken(obs: &mut Observation, received: &[u8], e: &ParseError) {
    obs.evidence
        .push(Evidence::from_bytes("modbus-device-id", received));
    obs.protocol = "modbus".into();
    obs.status = ProbeStatus::ProtocolError;
    obs.set(
        "service.note",
        format!("malformed Read Device Identification response: {e}"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Endpoint, Origin, Target};
    use crate::proto::modbus::Frame;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

    fn target() -> Target {
        Target::admitted("127.0.0.78".parse().unwrap(), None, Origin::Network(0))
    }

    fn observation() -> Observation {
        Observation::new(Endpoint::tcp("127.0.0.78".parse().unwrap(), 502), None)
    }

    /// Runs the probe against `device`, which maps each request frame to the
    /// bytes to send back (`None`: stay silent; empty: close).
    async fn run<F>(mut device: F, budget: Duration) -> (Step, Observation, Vec<Frame>)
    where
        F: FnMut(&Frame) -> Option<Vec<u8>> + Send + 'static,
    {
        let (mut client, mut server): (DuplexStream, DuplexStream) = tokio::io::duplex(4096);
        let seen = tokio::spawn(async move {
            let mut frames = Vec::new();
            let mut buf = Vec::new();
            let mut chunk = [0u8; 512];
            loop {
                match modbus::decode_frame(&buf) {
                    Ok((f, used)) => {
                        buf.drain(..used);
                        let reply = device(&f);
                        frames.push(f);
                        match reply {
                            Some(r) if r.is_empty() => return frames,
                            Some(r) => server.write_all(&r).await.unwrap(),
                            None => {}
                        }
                    }
                    Err(_) => match server.read(&mut chunk).await {
                        Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                        _ => return frames,
                    },
                }
            }
        });
        let t = target();
        let cx = Cx {
            deadline: Instant::now() + budget,
            target: &t,
            port: 502,
            authority: "127.0.0.78:502".into(),
            streams: &Default::default(),
        };
        let mut obs = observation();
        let step = probe(&mut client, &cx, &mut obs).await;
        drop(client);
        (step, obs, seen.await.unwrap())
    }

    fn plc() -> Vec<(u8, Vec<u8>)> {
        [
            "Schneider Electric",
            "BMX P34 2020",
            "v2.70",
            "http://www.se.com",
            "Modicon M340",
            "BMX P34 2020",
        ]
        .iter()
        .enumerate()
        .map(|(i, v)| (i as u8, v.as_bytes().to_vec()))
        .collect()
    }

    /// A server built on the pure `serve_device_id`, answering `units`.
    fn identifying(
        objects: Vec<(u8, Vec<u8>)>,
        units: &'static [u8],
    ) -> impl FnMut(&Frame) -> Option<Vec<u8>> {
        move |f: &Frame| {
            if !units.contains(&f.unit_id) {
                return Some(modbus::encode_frame(
                    f.transaction_id,
                    f.unit_id,
                    &[0xab, 0x0b],
                ));
            }
            let req = modbus::decode_device_id_request(&f.pdu).unwrap();
            let pdu = match modbus::serve_device_id(req, &objects, 0x83) {
                Ok(r) => modbus::encode_device_id_response(&r),
                Err(code) => modbus::encode_exception(0x2b, code),
            };
            Some(modbus::encode_frame(f.transaction_id, f.unit_id, &pdu))
        }
    }

    fn fact(obs: &Observation, name: &str) -> Option<String> {
        obs.fact(name).map(|v| v.render())
    }

    #[tokio::test]
    async fn reads_basic_then_regular_identification_on_unit_0() {
        let (step, obs, frames) = run(identifying(plc(), &[0, 255]), Duration::from_secs(5)).await;
        assert!(matches!(step, Step::Identified));
        assert_eq!(obs.protocol, "modbus");
        assert_eq!(
            fact(&obs, "modbus.vendor").as_deref(),
            Some("Schneider Electric")
        );
        assert_eq!(
            fact(&obs, "modbus.product_code").as_deref(),
            Some("BMX P34 2020")
        );
        assert_eq!(fact(&obs, "modbus.revision").as_deref(), Some("v2.70"));
        assert_eq!(
            fact(&obs, "modbus.vendor_url").as_deref(),
            Some("http://www.se.com")
        );
        assert_eq!(
            fact(&obs, "modbus.product_name").as_deref(),
            Some("Modicon M340")
        );
        assert_eq!(
            fact(&obs, "modbus.model_name").as_deref(),
            Some("BMX P34 2020")
        );
        assert_eq!(fact(&obs, "modbus.unit_id").as_deref(), Some("0"));
        assert_eq!(
            fact(&obs, "modbus.conformity_level").as_deref(),
            Some("131")
        );
        assert_eq!(obs.evidence.len(), 1);
        assert!(obs.evidence[0].received.contains("Modicon M340"));
        // Only 0x2B/0x0E, basic from 0 then regular from 3.
        let asked: Vec<(u8, &[u8])> = frames.iter().map(|f| (f.unit_id, &f.pdu[..])).collect();
        assert_eq!(
            asked,
            [(0, &[0x2b, 0x0e, 1, 0][..]), (0, &[0x2b, 0x0e, 2, 3][..])]
        );
    }

    #[tokio::test]
    async fn falls_back_to_unit_255_after_an_exception() {
        let (step, obs, frames) = run(identifying(plc(), &[255]), Duration::from_secs(5)).await;
        assert!(matches!(step, Step::Identified));
        assert_eq!(fact(&obs, "modbus.unit_id").as_deref(), Some("255"));
        assert_eq!(
            fact(&obs, "modbus.vendor").as_deref(),
            Some("Schneider Electric")
        );
        assert_eq!(frames.len(), 3);
    }

    #[tokio::test]
    async fn follows_more_objects_within_four_requests() {
        // Seven 100-byte objects: two per response, more-follows each time.
        let objects: Vec<(u8, Vec<u8>)> = (0..7u8).map(|i| (i, vec![b'a' + i; 100])).collect();
        let basic_only: Vec<(u8, Vec<u8>)> = objects.iter().take(3).cloned().collect();
        let mut device = identifying(basic_only, &[0]);
        // Basic category: 0,1 then 2; regular from 3: 3,4 (more, not followed).
        let all = objects.clone();
        let (step, obs, frames) = run(
            move |f: &Frame| {
                let req = modbus::decode_device_id_request(&f.pdu).unwrap();
                if req.code == ReadDeviceIdCode::Regular {
                    let r = modbus::serve_device_id(req, &all, 0x83).unwrap();
                    return Some(modbus::encode_frame(
                        f.transaction_id,
                        0,
                        &modbus::encode_device_id_response(&r),
                    ));
                }
                device(f)
            },
            Duration::from_secs(5),
        )
        .await;
        assert!(matches!(step, Step::Identified));
        assert!(frames.len() <= MAX_REQUESTS);
        assert_eq!(
            frames[1].pdu,
            [0x2b, 0x0e, 1, 2],
            "follow-up from the next object"
        );
        assert_eq!(fact(&obs, "modbus.revision"), Some("c".repeat(100)));
        assert_eq!(fact(&obs, "modbus.vendor_url").map(|s| s.len()), Some(100));
    }

    #[tokio::test]
    async fn illegal_function_still_identifies_modbus() {
        let (step, obs, frames) = run(
            |f: &Frame| {
                Some(modbus::encode_frame(
                    f.transaction_id,
                    f.unit_id,
                    &[0xab, 0x01],
                ))
            },
            Duration::from_secs(5),
        )
        .await;
        assert!(matches!(step, Step::Identified));
        assert_eq!(obs.protocol, "modbus");
        assert_eq!(
            fact(&obs, "modbus.exception").as_deref(),
            Some("illegal function")
        );
        assert_eq!(fact(&obs, "modbus.exception_code").as_deref(), Some("1"));
        assert_eq!(frames.len(), 2, "unit 0, then 255 once");
    }

    #[tokio::test]
    async fn other_protocols_silence_and_close() {
        let (step, _, _) = run(
            |_: &Frame| Some(b"HTTP/1.1 400 Bad Request\r\n\r\n".to_vec()),
            Duration::from_secs(5),
        )
        .await;
        assert!(matches!(step, Step::Other(b) if b.starts_with(b"HTTP/1.1")));
        let (step, _, frames) = run(|_: &Frame| None, Duration::from_millis(300)).await;
        assert!(matches!(step, Step::Silent));
        assert_eq!(frames.len(), 2);
        let (step, _, _) = run(|_: &Frame| Some(Vec::new()), Duration::from_secs(5)).await;
        assert!(matches!(step, Step::Closed));
    }

    #[tokio::test]
    async fn broken_identification_is_a_protocol_error() {
        let (step, obs, _) = run(
            |f: &Frame| {
                // more-follows 0x01 is neither 00 nor FF.
                Some(modbus::encode_frame(
                    f.transaction_id,
                    f.unit_id,
                    &[0x2b, 0x0e, 1, 0x81, 0x01, 0, 0],
                ))
            },
            Duration::from_secs(5),
        )
        .await;
        assert!(matches!(step, Step::Identified));
        assert_eq!(obs.protocol, "modbus");
        assert_eq!(obs.status, ProbeStatus::ProtocolError);
    }
}
