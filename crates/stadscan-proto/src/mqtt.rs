//! MQTT CONNECT / CONNACK / DISCONNECT (3.1.1, level 4), enough to test a broker's
//! authentication; level 3 ("MQIsdp") and level 5 packets are decoded too.

use super::{ParseError, excerpt, malformed};

/// Largest value the 4-byte remaining-length varint can hold.
pub const MAX_REMAINING_LENGTH: usize = 268_435_455;
/// Largest CONNECT accepted: three 64 KiB strings plus headers and properties fit.
pub const MAX_CONNECT: usize = 256 * 1024;
/// Largest CONNACK accepted (level 5 adds properties).
pub const MAX_CONNACK: usize = 256;

const FLAG_USERNAME: u8 = 0x80;
const FLAG_PASSWORD: u8 = 0x40;
const FLAG_WILL_RETAIN: u8 = 0x20;
const FLAG_WILL_QOS: u8 = 0x18;
const FLAG_WILL: u8 = 0x04;
const FLAG_CLEAN_SESSION: u8 = 0x02;
const FLAG_RESERVED: u8 = 0x01;

/// A CONNECT packet as a broker receives it (will topic and message are read but not kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connect {
    /// Protocol level: 3 for MQTT 3.1 ("MQIsdp"), 4 for 3.1.1, 5 for MQTT 5; other values are returned unchecked.
    pub protocol_level: u8,
    /// Client identifier; may be empty.
    pub client_id: String,
    /// User name, when the user-name flag is set.
    pub username: Option<String>,
    /// Password bytes, when the password flag is set (MQTT does not require UTF-8 here).
    pub password: Option<Vec<u8>>,
    /// Keep-alive interval in seconds; 0 turns the mechanism off.
    pub keep_alive: u16,
    /// The clean-session flag (clean start in MQTT 5): do not resume an earlier session.
    pub clean_session: bool,
}

/// A CONNACK: the broker's answer to CONNECT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnAck {
    /// The broker still holds state from an earlier session of this client.
    pub session_present: bool,
    /// 0 means accepted; see [`connack_meaning`] for the others.
    pub return_code: u8,
}

/// Reads the variable-length "remaining length" of a fixed header (one to four bytes, seven bits each, least significant first).
/// Returns the value and the number of bytes it took.
pub fn decode_remaining_length(buf: &[u8]) -> Result<(usize, usize), ParseError> {
    let mut value = 0usize;
    for i in 0..4 {
        let Some(&b) = buf.get(i) else {
            return Err(ParseError::Incomplete);
        };
        value |= usize::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok((value, i + 1));
        }
    }
    Err(malformed("remaining length", "continues beyond 4 bytes"))
}

/// Values above `MAX_REMAINING_LENGTH` cannot be expressed and are saturated;
/// the encoders here never get near it.
pub fn encode_remaining_length(len: usize, out: &mut Vec<u8>) {
    let mut x = len.min(MAX_REMAINING_LENGTH);
    loop {
        let mut b = (x % 128) as u8;
        x /= 128;
        if x > 0 {
            b |= 0x80;
        }
        out.push(b);
        if x == 0 {
            return;
        }
    }
}

/// Length-prefixed bytes; anything beyond 65535 bytes is cut (at a character
/// boundary for text) because the prefix cannot say more.
fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    let b = &b[..b.len().min(usize::from(u16::MAX))];
    out.extend_from_slice(&(b.len() as u16).to_be_bytes());
    out.extend_from_slice(b);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    let mut end = s.len().min(usize::from(u16::MAX));
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    put_bytes(out, &s.as_bytes()[..end]);
}

/// Level 3 gets its "MQIsdp" name and level 5 an empty property block, so that
/// every level `decode_connect` reads round-trips.
pub fn encode_connect(c: &Connect) -> Vec<u8> {
    let mut var = Vec::new();
    put_bytes(
        &mut var,
        if c.protocol_level == 3 {
            b"MQIsdp"
        } else {
            b"MQTT"
        },
    );
    var.push(c.protocol_level);
    let mut flags = 0;
    if c.clean_session {
        flags |= FLAG_CLEAN_SESSION;
    }
    if c.username.is_some() {
        flags |= FLAG_USERNAME;
    }
    if c.password.is_some() {
        flags |= FLAG_PASSWORD;
    }
    var.push(flags);
    var.extend_from_slice(&c.keep_alive.to_be_bytes());
    if c.protocol_level == 5 {
        var.push(0);
    }
    put_str(&mut var, &c.client_id);
    if let Some(u) = &c.username {
        put_str(&mut var, u);
    }
    if let Some(p) = &c.password {
        put_bytes(&mut var, p);
    }
    let mut out = vec![0x10];
    encode_remaining_length(var.len(), &mut out);
    out.extend(var);
    out
}

/// Reads inside a packet whose remaining length is already known to be present, so
/// running short means the packet lies about its contents: Malformed, not Incomplete.
struct Body<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Body<'a> {
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], ParseError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| malformed(field, "extends past the remaining length"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn u8(&mut self, field: &'static str) -> Result<u8, ParseError> {
        Ok(self.take(1, field)?[0])
    }
    fn u16(&mut self, field: &'static str) -> Result<u16, ParseError> {
        let b = self.take(2, field)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn bytes(&mut self, field: &'static str) -> Result<&'a [u8], ParseError> {
        let n = self.u16(field)?;
        self.take(usize::from(n), field)
    }
    fn string(&mut self, field: &'static str) -> Result<String, ParseError> {
        let b = self.bytes(field)?;
        String::from_utf8(b.to_vec()).map_err(|_| malformed(field, "not UTF-8"))
    }
    fn skip_properties(&mut self) -> Result<(), ParseError> {
        let (n, used) = decode_remaining_length(&self.buf[self.pos..])
            .map_err(|_| malformed("properties", "bad property length"))?;
        self.pos += used;
        self.take(n, "properties").map(|_| ())
    }
}

/// The fixed header: (remaining length, header length), checking the packet is
/// complete and no bigger than `limit`.
fn fixed_header(
    buf: &[u8],
    first: u8,
    field: &'static str,
    limit: usize,
) -> Result<(usize, usize), ParseError> {
    let Some(&b0) = buf.first() else {
        return Err(ParseError::Incomplete);
    };
    if b0 != first {
        return Err(malformed(
            "packet type",
            format!("expected 0x{first:02x}, got 0x{b0:02x}"),
        ));
    }
    let (rem, used) = decode_remaining_length(&buf[1..])?;
    if rem > limit {
        return Err(ParseError::TooLarge { field, limit });
    }
    if buf.len() < 1 + used + rem {
        return Err(ParseError::Incomplete);
    }
    Ok((rem, 1 + used))
}

/// Reads one CONNECT packet; the `usize` is the bytes it used. Level 5 properties are skipped.
pub fn decode_connect(buf: &[u8]) -> Result<(Connect, usize), ParseError> {
    let (rem, hdr) = fixed_header(buf, 0x10, "connect", MAX_CONNECT)?;
    let mut r = Body {
        buf: &buf[hdr..hdr + rem],
        pos: 0,
    };
    let name = r.bytes("protocol name")?;
    if name != b"MQTT" && name != b"MQIsdp" {
        return Err(malformed("protocol name", excerpt(name)));
    }
    // Unknown levels are still returned, so a server can answer "unacceptable protocol version".
    let protocol_level = r.u8("protocol level")?;
    let flags = r.u8("connect flags")?;
    if flags & FLAG_RESERVED != 0 {
        return Err(malformed("connect flags", "reserved bit set"));
    }
    if flags & FLAG_WILL == 0 && flags & (FLAG_WILL_QOS | FLAG_WILL_RETAIN) != 0 {
        return Err(malformed("connect flags", "will QoS/retain without will"));
    }
    let keep_alive = r.u16("keep alive")?;
    if protocol_level == 5 {
        r.skip_properties()?;
    }
    let client_id = r.string("client id")?;
    if flags & FLAG_WILL != 0 {
        if protocol_level == 5 {
            r.skip_properties()?;
        }
        r.bytes("will topic")?;
        r.bytes("will message")?;
    }
    let username = (flags & FLAG_USERNAME != 0)
        .then(|| r.string("username"))
        .transpose()?;
    let password = (flags & FLAG_PASSWORD != 0)
        .then(|| r.bytes("password").map(<[u8]>::to_vec))
        .transpose()?;
    if r.pos != rem {
        return Err(malformed(
            "connect",
            format!("{} bytes after the payload", rem - r.pos),
        ));
    }
    let c = Connect {
        protocol_level,
        client_id,
        username,
        password,
        keep_alive,
        clean_session: flags & FLAG_CLEAN_SESSION != 0,
    };
    Ok((c, hdr + rem))
}

/// A CONNACK with no properties, the same shape at every level.
pub fn encode_connack(ack: ConnAck) -> Vec<u8> {
    vec![0x20, 0x02, u8::from(ack.session_present), ack.return_code]
}

/// Level 5 properties after the return code are skipped unread; reserved flag bits
/// are ignored because brokers' quirks there say nothing about authentication.
pub fn decode_connack(buf: &[u8]) -> Result<(ConnAck, usize), ParseError> {
    let (rem, hdr) = fixed_header(buf, 0x20, "connack", MAX_CONNACK)?;
    if rem < 2 {
        return Err(malformed("connack", format!("remaining length {rem} < 2")));
    }
    let ack = ConnAck {
        session_present: buf[hdr] & 0x01 != 0,
        return_code: buf[hdr + 1],
    };
    Ok((ack, hdr + rem))
}

/// A short English meaning of a CONNACK return code (levels 3 and 4) or reason code (level 5).
pub fn connack_meaning(code: u8) -> &'static str {
    match code {
        0 => "accepted",
        1 => "unacceptable protocol version",
        2 => "identifier rejected",
        3 => "server unavailable",
        4 => "bad user name or password",
        5 => "not authorized",
        // MQTT 5 reason codes.
        0x80 => "unspecified error",
        0x81 => "malformed packet",
        0x82 => "protocol error",
        0x83 => "implementation specific error",
        0x84 => "unsupported protocol version",
        0x85 => "client identifier not valid",
        0x86 => "bad user name or password",
        0x87 => "not authorized",
        0x88 => "server unavailable",
        0x89 => "server busy",
        0x8a => "banned",
        0x8c => "bad authentication method",
        0x95 => "packet too large",
        0x97 => "quota exceeded",
        0x9c => "use another server",
        0x9d => "server moved",
        0x9f => "connection rate exceeded",
        _ => "unknown",
    }
}

/// A DISCONNECT packet (type 14, remaining length 0).
pub fn encode_disconnect() -> Vec<u8> {
    vec![0xE0, 0x00]
}

/// Largest packet `decode_packet` accepts (a `$SYS` value is a few bytes).
pub const MAX_PACKET: usize = 64 * 1024;

/// SUBSCRIBE to one topic filter at QoS 0.
pub fn encode_subscribe(packet_id: u16, topic: &str) -> Vec<u8> {
    let topic = &topic.as_bytes()[..topic.len().min(0xffff)];
    let mut body = Vec::with_capacity(5 + topic.len());
    body.extend_from_slice(&packet_id.to_be_bytes());
    body.extend_from_slice(&(topic.len() as u16).to_be_bytes());
    body.extend_from_slice(topic);
    body.push(0); // requested QoS 0
    let mut out = vec![0x82];
    encode_remaining_length(body.len(), &mut out);
    out.extend_from_slice(&body);
    out
}

/// A PUBLISH the broker sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish {
    /// Topic name the message was published to.
    pub topic: String,
    /// Application message bytes, not interpreted.
    pub payload: Vec<u8>,
    /// The RETAIN flag: the broker had stored this message for new subscribers.
    pub retain: bool,
}

/// One packet from the broker, as far as the scanner cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Packet {
    /// A SUBACK, the broker's answer to SUBSCRIBE.
    SubAck,
    /// A PUBLISH, with what it carried.
    Publish(Publish),
    /// Any other packet type (the high nibble of the first byte).
    Other(u8),
}

/// Decodes the next packet; the `usize` is the bytes it used.
pub fn decode_packet(buf: &[u8]) -> Result<(Packet, usize), ParseError> {
    let Some(&first) = buf.first() else {
        return Err(ParseError::Incomplete);
    };
    let (len, used) = decode_remaining_length(&buf[1..])?;
    if len > MAX_PACKET {
        return Err(ParseError::TooLarge {
            field: "packet",
            limit: MAX_PACKET,
        });
    }
    let start = 1 + used;
    let Some(body) = buf.get(start..start + len) else {
        return Err(ParseError::Incomplete);
    };
    let packet = match first >> 4 {
        9 => Packet::SubAck,
        3 => {
            let qos = (first >> 1) & 0x03;
            if qos == 3 {
                return Err(malformed("publish", "QoS 3 is reserved"));
            }
            let Some(tlen) = body
                .get(..2)
                .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
            else {
                return Err(malformed("publish", "no topic length"));
            };
            let Some(topic) = body.get(2..2 + tlen) else {
                return Err(malformed("publish", "topic longer than the packet"));
            };
            let topic = String::from_utf8(topic.to_vec())
                .map_err(|_| malformed("publish", "topic is not UTF-8"))?;
            let mut rest = 2 + tlen;
            if qos > 0 {
                rest += 2; // packet identifier
            }
            let payload = body
                .get(rest..)
                .ok_or_else(|| malformed("publish", "no room for the packet id"))?;
            Packet::Publish(Publish {
                topic,
                payload: payload.to_vec(),
                retain: first & 0x01 != 0,
            })
        }
        other => Packet::Other(other),
    };
    Ok((packet, start + len))
}

#[cfg(test)]
mod sys_tests {
    use super::*;

    /// What mosquitto 2.0 sends for `$SYS/broker/version`: a retained QoS 0
    /// PUBLISH.
    fn version_publish() -> Vec<u8> {
        let topic = b"$SYS/broker/version";
        let payload = b"mosquitto version 2.0.11";
        let mut body = vec![0x00, topic.len() as u8];
        body.extend_from_slice(topic);
        body.extend_from_slice(payload);
        let mut out = vec![0x31, body.len() as u8];
        out.extend(body);
        out
    }

    #[test]
    fn subscribe_is_well_formed() {
        let s = encode_subscribe(1, "$SYS/broker/version");
        assert_eq!(s[0], 0x82);
        assert_eq!(usize::from(s[1]), s.len() - 2);
        assert_eq!(&s[2..4], &[0, 1]);
        assert_eq!(*s.last().unwrap(), 0);
    }

    #[test]
    fn decodes_a_retained_sys_publish() {
        let p = version_publish();
        let (packet, used) = decode_packet(&p).unwrap();
        assert_eq!(used, p.len());
        assert_eq!(
            packet,
            Packet::Publish(Publish {
                topic: "$SYS/broker/version".into(),
                payload: b"mosquitto version 2.0.11".to_vec(),
                retain: true
            })
        );
    }

    #[test]
    fn suback_then_publish_in_one_buffer() {
        let mut buf = vec![0x90, 0x03, 0x00, 0x01, 0x00];
        buf.extend(version_publish());
        let (first, used) = decode_packet(&buf).unwrap();
        assert_eq!(first, Packet::SubAck);
        assert!(matches!(
            decode_packet(&buf[used..]).unwrap().0,
            Packet::Publish(_)
        ));
    }

    #[test]
    fn truncated_and_lying_packets_are_errors_not_panics() {
        let p = version_publish();
        for cut in 0..p.len() {
            assert_eq!(
                decode_packet(&p[..cut]),
                Err(ParseError::Incomplete),
                "cut {cut}"
            );
        }
        // A topic length that runs past the packet.
        assert!(decode_packet(&[0x30, 0x03, 0x00, 0x09, b'a']).is_err());
        // A remaining length beyond the limit.
        assert!(matches!(
            decode_packet(&[0x30, 0xff, 0xff, 0x7f]),
            Err(ParseError::TooLarge { .. })
        ));
        assert!(decode_packet(&[0x36, 0x02, 0x00, 0x00]).is_err(), "QoS 3");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz;

    /// mosquitto_sub -V mqttv311 -i test -k 60
    const CONNECT_311: &[u8] = b"\x10\x10\x00\x04MQTT\x04\x02\x00\x3c\x00\x04test";
    const CONNECT_MQISDP: &[u8] = b"\x10\x12\x00\x06MQIsdp\x03\x02\x00\x3c\x00\x04test";
    /// Level 5 with a session-expiry property (0x11, 4 bytes) before the payload.
    const CONNECT_V5: &[u8] =
        b"\x10\x16\x00\x04MQTT\x05\x02\x00\x3c\x05\x11\x00\x00\x00\x3c\x00\x04test";
    /// mosquitto with allow_anonymous false.
    const CONNACK_NOT_AUTHORIZED: &[u8] = b"\x20\x02\x00\x05";
    /// mosquitto 2 answering a level 5 CONNECT: topic-alias-maximum and receive-maximum.
    const CONNACK_V5: &[u8] = b"\x20\x09\x00\x00\x06\x22\x00\x0a\x21\x00\x14";

    fn admin() -> Connect {
        Connect {
            protocol_level: 4,
            client_id: "stadscan-1".into(),
            username: Some("admin".into()),
            password: Some(b"public".to_vec()),
            keep_alive: 30,
            clean_session: true,
        }
    }

    #[test]
    fn encodes_mosquitto_sub_connect_byte_for_byte() {
        let c = Connect {
            protocol_level: 4,
            client_id: "test".into(),
            username: None,
            password: None,
            keep_alive: 60,
            clean_session: true,
        };
        assert_eq!(encode_connect(&c), CONNECT_311);
        assert_eq!(decode_connect(CONNECT_311).unwrap(), (c, CONNECT_311.len()));
    }

    #[test]
    fn connect_with_credentials_round_trips() {
        for level in [3, 4, 5] {
            let c = Connect {
                protocol_level: level,
                ..admin()
            };
            let raw = encode_connect(&c);
            assert_eq!(raw[0], 0x10);
            assert_eq!(decode_connect(&raw).unwrap(), (c, raw.len()));
        }
        let raw = encode_connect(&admin());
        assert_eq!(raw[1] as usize, raw.len() - 2);
        assert_eq!(raw[9], FLAG_USERNAME | FLAG_PASSWORD | FLAG_CLEAN_SESSION);
    }

    #[test]
    fn decodes_mqisdp_level_3_and_level_5_with_properties() {
        let (c, n) = decode_connect(CONNECT_MQISDP).unwrap();
        assert_eq!(
            (c.protocol_level, c.client_id.as_str(), n),
            (3, "test", CONNECT_MQISDP.len())
        );
        let (c, n) = decode_connect(CONNECT_V5).unwrap();
        assert_eq!(
            (c.protocol_level, c.client_id.as_str(), n),
            (5, "test", CONNECT_V5.len())
        );
    }

    #[test]
    fn skips_will_topic_and_message() {
        let mut body = b"\x00\x04MQTT\x04\xc6\x00\x0a\x00\x01c".to_vec();
        body.extend_from_slice(b"\x00\x0bcity/status\x00\x07offline\x00\x01u\x00\x01p");
        let mut raw = vec![0x10, body.len() as u8];
        raw.extend(body);
        let (c, _) = decode_connect(&raw).unwrap();
        assert_eq!(
            (c.username.as_deref(), c.password.as_deref()),
            (Some("u"), Some(&b"p"[..]))
        );
    }

    #[test]
    fn truncated_connect_is_incomplete() {
        for end in 0..CONNECT_V5.len() {
            assert_eq!(
                decode_connect(&CONNECT_V5[..end]),
                Err(ParseError::Incomplete),
                "{end}"
            );
        }
    }

    #[test]
    fn rejects_connect_whose_fields_overrun_the_remaining_length() {
        let mut lying = CONNECT_311.to_vec();
        lying[13] = 0x09; // client id claims 9 bytes, 4 remain
        assert!(matches!(
            decode_connect(&lying),
            Err(ParseError::Malformed {
                field: "client id",
                ..
            })
        ));
        let mut extra = CONNECT_311.to_vec();
        extra[1] += 1;
        extra.push(0);
        assert!(matches!(
            decode_connect(&extra),
            Err(ParseError::Malformed { .. })
        ));
    }

    #[test]
    fn rejects_connect_with_wrong_type_name_or_flags() {
        let cases: [(usize, u8); 4] = [(0, 0x12), (4, b'X'), (9, 0x03), (9, 0x12)];
        for (i, v) in cases {
            let mut bad = CONNECT_311.to_vec();
            bad[i] = v;
            assert!(
                matches!(decode_connect(&bad), Err(ParseError::Malformed { .. })),
                "byte {i} = {v:#x}"
            );
        }
    }

    #[test]
    fn huge_connect_length_is_too_large_without_waiting() {
        let raw = [0x10, 0xff, 0xff, 0xff, 0x7f];
        assert!(matches!(
            decode_connect(&raw),
            Err(ParseError::TooLarge { .. })
        ));
    }

    #[test]
    fn decodes_mosquitto_not_authorized_connack() {
        let (ack, n) = decode_connack(CONNACK_NOT_AUTHORIZED).unwrap();
        assert_eq!((ack.session_present, ack.return_code, n), (false, 5, 4));
        assert_eq!(connack_meaning(ack.return_code), "not authorized");
        assert_eq!(encode_connack(ack), CONNACK_NOT_AUTHORIZED);
    }

    #[test]
    fn accepts_level_5_connack_and_ignores_properties() {
        let mut buf = CONNACK_V5.to_vec();
        buf.extend_from_slice(&encode_disconnect());
        let (ack, n) = decode_connack(&buf).unwrap();
        assert_eq!((ack.return_code, n), (0, CONNACK_V5.len()));
        assert_eq!(connack_meaning(0x86), "bad user name or password");
        assert_eq!(connack_meaning(0x42), "unknown");
    }

    #[test]
    fn truncated_connack_is_incomplete() {
        for end in 0..CONNACK_V5.len() {
            assert_eq!(
                decode_connack(&CONNACK_V5[..end]),
                Err(ParseError::Incomplete),
                "{end}"
            );
        }
    }

    #[test]
    fn rejects_connack_with_lying_remaining_length() {
        assert!(matches!(
            decode_connack(b"\x20\x01\x00"),
            Err(ParseError::Malformed { .. })
        ));
        assert!(matches!(
            decode_connack(b"\x20\x00"),
            Err(ParseError::Malformed { .. })
        ));
        assert!(matches!(
            decode_connack(b"\x20\xff\xff\xff\xff\x01"),
            Err(ParseError::Malformed { .. })
        ));
        assert_eq!(
            decode_connack(b"\x20\x82\x02"),
            Err(ParseError::TooLarge {
                field: "connack",
                limit: MAX_CONNACK
            })
        );
        assert!(matches!(
            decode_connack(b"\x30\x02\x00\x00"),
            Err(ParseError::Malformed { .. })
        ));
    }

    #[test]
    fn remaining_length_round_trips_at_every_width_boundary() {
        for (len, width) in [
            (0, 1),
            (127, 1),
            (128, 2),
            (16_383, 2),
            (16_384, 3),
            (2_097_151, 3),
            (2_097_152, 4),
            (MAX_REMAINING_LENGTH, 4),
        ] {
            let mut out = Vec::new();
            encode_remaining_length(len, &mut out);
            assert_eq!(out.len(), width, "{len}");
            assert_eq!(decode_remaining_length(&out), Ok((len, width)));
        }
        let mut out = Vec::new();
        encode_remaining_length(usize::MAX, &mut out);
        assert_eq!(out, [0xff, 0xff, 0xff, 0x7f]);
        assert_eq!(
            decode_remaining_length(&[0x80, 0x80]),
            Err(ParseError::Incomplete)
        );
    }

    #[test]
    fn disconnect_is_two_bytes() {
        assert_eq!(encode_disconnect(), [0xE0, 0x00]);
    }

    #[test]
    fn decoders_never_panic_on_random_or_mutated_input() {
        let admin5 = encode_connect(&Connect {
            protocol_level: 5,
            ..admin()
        });
        for input in fuzz::mutations(&[CONNECT_311, CONNECT_V5, &admin5, CONNACK_V5]) {
            if let Ok((_, n)) = decode_connect(&input) {
                assert!(n <= input.len());
            }
            if let Ok((_, n)) = decode_connack(&input) {
                assert!(n <= input.len());
            }
            let _ = decode_remaining_length(&input);
        }
    }
}
