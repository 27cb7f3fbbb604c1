//! SNMP v1/v2c messages in BER (RFC 3416 PDUs, X.690 encoding), strict on lengths:
//! enough to ask a device for its system group and for the lab to answer.

use std::fmt;
use std::str::FromStr;

use super::{ParseError, excerpt, malformed};

/// Largest message accepted (a UDP datagram cannot be larger).
pub const MAX_MESSAGE: usize = 64 * 1024;
/// Most arcs in an OID (RFC 2578 7.1.3 allows 128).
pub const MAX_OID_ARCS: usize = 128;

const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const NULL: u8 = 0x05;
const OBJECT_ID: u8 = 0x06;
const SEQUENCE: u8 = 0x30;
const IP_ADDRESS: u8 = 0x40;
const COUNTER32: u8 = 0x41;
const GAUGE32: u8 = 0x42;
const TIME_TICKS: u8 = 0x43;
const COUNTER64: u8 = 0x46;
const NO_SUCH_OBJECT: u8 = 0x80;
const NO_SUCH_INSTANCE: u8 = 0x81;
const END_OF_MIB_VIEW: u8 = 0x82;

/// The SNMP version a message carries, which also selects the community-based security model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// SNMPv1 (RFC 1157), version field 0.
    V1,
    /// SNMPv2c (RFC 1901), version field 1.
    V2c,
}

/// An object identifier as its arcs, such as `[1, 3, 6, 1, 2, 1, 1, 1, 0]` for sysDescr.0.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Oid(pub Vec<u32>);

impl Oid {
    /// True when `prefix` is this OID or one of its ancestors in the tree.
    pub fn starts_with(&self, prefix: &Oid) -> bool {
        self.0.starts_with(&prefix.0)
    }
}

impl fmt::Display for Oid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arc) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            write!(f, "{arc}")?;
        }
        Ok(())
    }
}

/// Accepts "1.3.6.1.2.1.1.1.0" and Net-SNMP's leading-dot form ".1.3.6...".
impl FromStr for Oid {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let body = s.strip_prefix('.').unwrap_or(s);
        let arcs = body
            .split('.')
            .map(|a| {
                if a.is_empty() || !a.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(malformed("oid", format!("bad arc {}", excerpt(a))));
                }
                a.parse::<u32>()
                    .map_err(|_| malformed("oid", format!("arc {} exceeds u32", excerpt(a))))
            })
            .collect::<Result<Vec<_>, _>>()?;
        match arcs.as_slice() {
            [first, second, ..] if *first <= 2 && (*first == 2 || *second < 40) => {}
            _ => return Err(malformed("oid", format!("{} is not encodable", excerpt(s)))),
        }
        if arcs.len() > MAX_OID_ARCS {
            return Err(malformed("oid", "too many arcs"));
        }
        Ok(Oid(arcs))
    }
}

/// A varbind value: an ASN.1 universal type, an SMIv2 application type, or an exception.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// INTEGER (also Integer32 and enumerations).
    Integer(i64),
    /// OCTET STRING: raw bytes, often but not always text.
    OctetString(Vec<u8>),
    /// NULL, the placeholder value of a request's varbinds.
    Null,
    /// OBJECT IDENTIFIER, as in sysObjectID.
    ObjectId(Oid),
    /// IpAddress: an IPv4 address in network byte order.
    IpAddress([u8; 4]),
    /// Counter32: a count that only grows and wraps at 2^32.
    Counter32(u32),
    /// Gauge32 (also Unsigned32): a value that may go up and down, capped at 2^32 - 1.
    Gauge32(u32),
    /// TimeTicks: hundredths of a second, as in sysUpTime.
    TimeTicks(u32),
    /// Counter64: a count that only grows and wraps at 2^64 (SNMPv2c only).
    Counter64(u64),
    /// Exception noSuchObject: the agent implements no such object type (v2c).
    NoSuchObject,
    /// Exception noSuchInstance: the object type exists but not this instance (v2c).
    NoSuchInstance,
    /// Exception endOfMibView: a GetNext or GetBulk walked past the last object (v2c).
    EndOfMibView,
    /// Any other tag, with its raw content bytes.
    Other(u8, Vec<u8>),
}

/// `Trap` is the SNMPv2-Trap PDU (0xA7), which has the common PDU layout; the v1
/// Trap-PDU (0xA4) has another layout and fails to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PduType {
    /// GetRequest (0xA0): read the named objects.
    GetRequest,
    /// GetNextRequest (0xA1): read the objects that follow the named ones in OID order.
    GetNextRequest,
    /// Response (0xA2): an agent's answer to any request; named GetResponse in SNMPv1.
    GetResponse,
    /// SetRequest (0xA3): write the named objects.
    SetRequest,
    /// GetBulkRequest (0xA5, v2c only): repeated GetNext in one request.
    GetBulkRequest,
    /// SNMPv2-Trap (0xA7): an unconfirmed notification from an agent.
    Trap,
    /// Any other context tag, such as InformRequest (0xA6) or Report (0xA8).
    Other(u8),
}

impl PduType {
    /// The context-specific constructed tag of this PDU type on the wire.
    pub fn tag(self) -> u8 {
        match self {
            PduType::GetRequest => 0xa0,
            PduType::GetNextRequest => 0xa1,
            PduType::GetResponse => 0xa2,
            PduType::SetRequest => 0xa3,
            PduType::GetBulkRequest => 0xa5,
            PduType::Trap => 0xa7,
            PduType::Other(t) => t,
        }
    }

    /// The PDU type of a tag; unknown tags become [`PduType::Other`].
    pub fn from_tag(tag: u8) -> PduType {
        match tag {
            0xa0 => PduType::GetRequest,
            0xa1 => PduType::GetNextRequest,
            0xa2 => PduType::GetResponse,
            0xa3 => PduType::SetRequest,
            0xa5 => PduType::GetBulkRequest,
            0xa7 => PduType::Trap,
            t => PduType::Other(t),
        }
    }
}

/// For GetBulkRequest, `error_status` and `error_index` carry non-repeaters and
/// max-repetitions, as on the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdu {
    /// Which PDU this is.
    pub kind: PduType,
    /// Chosen by the requester; the response carries the same value so answers can be matched.
    pub request_id: i32,
    /// 0 (noError) in requests; in a response, why it failed: 1 tooBig, 2 noSuchName, 5 genErr, 6 noAccess and so on (RFC 3416).
    pub error_status: i64,
    /// In a response with an error, the 1-based position of the varbind that caused it; 0 otherwise.
    pub error_index: i64,
    /// Variable bindings as (name, value), in order.
    pub varbinds: Vec<(Oid, Value)>,
}

/// A whole community-based SNMP message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Protocol version.
    pub version: Version,
    /// Community string, the shared secret of v1 and v2c, sent in clear.
    pub community: Vec<u8>,
    /// The PDU the message carries.
    pub pdu: Pdu,
}

// ---- encoding ----

fn put_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = (len as u64).to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    out.push(0x80 | (8 - skip) as u8);
    out.extend_from_slice(&bytes[skip..]);
}

fn put_tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    put_len(out, content.len());
    out.extend_from_slice(content);
}

/// Minimal two's complement: drop leading bytes that only repeat the sign.
fn int_bytes(v: i64) -> Vec<u8> {
    let b = v.to_be_bytes();
    let mut start = 0;
    while start < 7
        && ((b[start] == 0 && b[start + 1] & 0x80 == 0)
            || (b[start] == 0xff && b[start + 1] & 0x80 != 0))
    {
        start += 1;
    }
    b[start..].to_vec()
}

/// Unsigned types are INTEGER-encoded, so a set top bit needs a 0x00 in front.
fn uint_bytes(v: u64) -> Vec<u8> {
    let b = v.to_be_bytes();
    let start = b.iter().take_while(|&&x| x == 0).count().min(7);
    let mut out = Vec::with_capacity(9);
    if b[start] & 0x80 != 0 {
        out.push(0);
    }
    out.extend_from_slice(&b[start..]);
    out
}

fn put_base128(out: &mut Vec<u8>, v: u64) {
    let groups = (64 - v.leading_zeros()).div_ceil(7).max(1);
    for g in (0..groups).rev() {
        let bits = ((v >> (7 * g)) & 0x7f) as u8;
        out.push(if g > 0 { bits | 0x80 } else { bits });
    }
}

/// OIDs with fewer than two arcs are padded with zeros; X.690 has no shorter form.
fn oid_bytes(oid: &Oid) -> Vec<u8> {
    let arc = |i: usize| u64::from(oid.0.get(i).copied().unwrap_or(0));
    let mut out = Vec::new();
    put_base128(&mut out, arc(0) * 40 + arc(1));
    for &a in oid.0.iter().skip(2) {
        put_base128(&mut out, u64::from(a));
    }
    out
}

fn put_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Integer(i) => put_tlv(out, INTEGER, &int_bytes(*i)),
        Value::OctetString(s) => put_tlv(out, OCTET_STRING, s),
        Value::Null => put_tlv(out, NULL, &[]),
        Value::ObjectId(o) => put_tlv(out, OBJECT_ID, &oid_bytes(o)),
        Value::IpAddress(a) => put_tlv(out, IP_ADDRESS, a),
        Value::Counter32(n) => put_tlv(out, COUNTER32, &uint_bytes(u64::from(*n))),
        Value::Gauge32(n) => put_tlv(out, GAUGE32, &uint_bytes(u64::from(*n))),
        Value::TimeTicks(n) => put_tlv(out, TIME_TICKS, &uint_bytes(u64::from(*n))),
        Value::Counter64(n) => put_tlv(out, COUNTER64, &uint_bytes(*n)),
        Value::NoSuchObject => put_tlv(out, NO_SUCH_OBJECT, &[]),
        Value::NoSuchInstance => put_tlv(out, NO_SUCH_INSTANCE, &[]),
        Value::EndOfMibView => put_tlv(out, END_OF_MIB_VIEW, &[]),
        Value::Other(tag, content) => put_tlv(out, *tag, content),
    }
}

/// The BER encoding of `msg`.
pub fn encode(msg: &Message) -> Vec<u8> {
    let mut list = Vec::new();
    for (oid, value) in &msg.pdu.varbinds {
        let mut vb = Vec::new();
        put_tlv(&mut vb, OBJECT_ID, &oid_bytes(oid));
        put_value(&mut vb, value);
        put_tlv(&mut list, SEQUENCE, &vb);
    }
    let mut pdu = Vec::new();
    put_tlv(&mut pdu, INTEGER, &int_bytes(i64::from(msg.pdu.request_id)));
    put_tlv(&mut pdu, INTEGER, &int_bytes(msg.pdu.error_status));
    put_tlv(&mut pdu, INTEGER, &int_bytes(msg.pdu.error_index));
    put_tlv(&mut pdu, SEQUENCE, &list);
    let mut body = Vec::new();
    let version = match msg.version {
        Version::V1 => 0,
        Version::V2c => 1,
    };
    put_tlv(&mut body, INTEGER, &int_bytes(version));
    put_tlv(&mut body, OCTET_STRING, &msg.community);
    put_tlv(&mut body, msg.pdu.kind.tag(), &pdu);
    let mut out = Vec::with_capacity(body.len() + 6);
    put_tlv(&mut out, SEQUENCE, &body);
    out
}

// ---- decoding ----

/// (tag, content length, header length). `Incomplete` only when the header itself
/// is cut short; whether the content fits is the caller's question.
fn read_header(buf: &[u8]) -> Result<(u8, usize, usize), ParseError> {
    let &tag = buf.first().ok_or(ParseError::Incomplete)?;
    if tag & 0x1f == 0x1f {
        return Err(malformed("tag", "high tag numbers are not used by SNMP"));
    }
    let &first = buf.get(1).ok_or(ParseError::Incomplete)?;
    if first < 0x80 {
        return Ok((tag, usize::from(first), 2));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 {
        return Err(malformed("length", "indefinite length"));
    }
    if n > 4 {
        return Err(malformed("length", format!("{n} length bytes")));
    }
    let bytes = buf.get(2..2 + n).ok_or(ParseError::Incomplete)?;
    let len = bytes.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
    let len = usize::try_from(len).map_err(|_| malformed("length", "does not fit in memory"))?;
    Ok((tag, len, 2 + n))
}

/// Reads TLVs inside a container whose bytes are all present, so a length past the
/// container's end is a lie (Malformed), never a reason to wait or to allocate.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }

    fn any(&mut self, field: &'static str) -> Result<(u8, &'a [u8]), ParseError> {
        let rest = &self.buf[self.pos..];
        let (tag, len, hl) = read_header(rest).map_err(|e| match e {
            ParseError::Incomplete => malformed(field, "truncated header"),
            e => e,
        })?;
        if len > rest.len() - hl {
            return Err(malformed(
                field,
                format!("length {len} exceeds the {} bytes left", rest.len() - hl),
            ));
        }
        self.pos += hl + len;
        Ok((tag, &rest[hl..hl + len]))
    }

    fn expect(&mut self, tag: u8, field: &'static str) -> Result<&'a [u8], ParseError> {
        let (got, content) = self.any(field)?;
        if got != tag {
            return Err(malformed(
                field,
                format!("tag 0x{got:02x}, expected 0x{tag:02x}"),
            ));
        }
        Ok(content)
    }

    fn finish(&self, field: &'static str) -> Result<(), ParseError> {
        if self.at_end() {
            Ok(())
        } else {
            Err(malformed(
                field,
                format!("{} trailing bytes", self.buf.len() - self.pos),
            ))
        }
    }
}

fn decode_int(b: &[u8], field: &'static str) -> Result<i64, ParseError> {
    let Some(&first) = b.first() else {
        return Err(malformed(field, "empty integer"));
    };
    if b.len() > 8 {
        return Err(malformed(field, format!("{}-byte integer", b.len())));
    }
    let init = if first & 0x80 != 0 { -1i64 } else { 0 };
    Ok(b.iter().fold(init, |acc, &x| acc << 8 | i64::from(x)))
}

/// Up to `width` value bytes plus one leading 0x00. A set top bit without that
/// 0x00 is read as unsigned anyway: some agents encode Counter32 that way.
fn decode_uint(b: &[u8], width: usize, field: &'static str) -> Result<u64, ParseError> {
    let digits = match b {
        [] => return Err(malformed(field, "empty integer")),
        [0, rest @ ..] if b.len() == width + 1 => rest,
        _ if b.len() > width => return Err(malformed(field, format!("{}-byte unsigned", b.len()))),
        _ => b,
    };
    Ok(digits.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x)))
}

fn decode_u32(b: &[u8], field: &'static str) -> Result<u32, ParseError> {
    decode_uint(b, 4, field).map(|v| v as u32)
}

fn decode_oid(b: &[u8]) -> Result<Oid, ParseError> {
    if b.is_empty() {
        return Err(malformed("oid", "empty"));
    }
    let mut arcs = Vec::new();
    let mut acc = 0u64;
    let mut first = true;
    for (i, &byte) in b.iter().enumerate() {
        acc = acc << 7 | u64::from(byte & 0x7f);
        // The first subidentifier carries two arcs (2.x adds 80).
        if acc > u64::from(u32::MAX) + 80 {
            return Err(malformed("oid", "arc exceeds u32"));
        }
        if byte & 0x80 != 0 {
            if i + 1 == b.len() {
                return Err(malformed("oid", "last subidentifier is cut"));
            }
            continue;
        }
        if first {
            let (a, rest) = match acc {
                0..40 => (0, acc),
                40..80 => (1, acc - 40),
                _ => (2, acc - 80),
            };
            arcs.push(a);
            arcs.push(u32::try_from(rest).map_err(|_| malformed("oid", "arc exceeds u32"))?);
            first = false;
        } else {
            arcs.push(u32::try_from(acc).map_err(|_| malformed("oid", "arc exceeds u32"))?);
        }
        if arcs.len() > MAX_OID_ARCS {
            return Err(malformed("oid", "too many arcs"));
        }
        acc = 0;
    }
    Ok(Oid(arcs))
}

fn decode_value(tag: u8, b: &[u8]) -> Result<Value, ParseError> {
    Ok(match tag {
        INTEGER => Value::Integer(decode_int(b, "integer value")?),
        OCTET_STRING => Value::OctetString(b.to_vec()),
        NULL if b.is_empty() => Value::Null,
        NULL => return Err(malformed("null", "non-empty NULL")),
        OBJECT_ID => Value::ObjectId(decode_oid(b)?),
        IP_ADDRESS => Value::IpAddress(
            b.try_into()
                .map_err(|_| malformed("ip address", format!("{} bytes", b.len())))?,
        ),
        COUNTER32 => Value::Counter32(decode_u32(b, "counter32")?),
        GAUGE32 => Value::Gauge32(decode_u32(b, "gauge32")?),
        TIME_TICKS => Value::TimeTicks(decode_u32(b, "timeticks")?),
        COUNTER64 => Value::Counter64(decode_uint(b, 8, "counter64")?),
        NO_SUCH_OBJECT => Value::NoSuchObject,
        NO_SUCH_INSTANCE => Value::NoSuchInstance,
        END_OF_MIB_VIEW => Value::EndOfMibView,
        other => Value::Other(other, b.to_vec()),
    })
}

/// Bytes after the outer SEQUENCE are ignored (padding seen from embedded stacks).
/// The schema is fixed (message, PDU, list, varbind), so nesting never exceeds 4.
pub fn decode(buf: &[u8]) -> Result<Message, ParseError> {
    let (tag, len, hl) = read_header(buf)?;
    if tag != SEQUENCE {
        return Err(malformed(
            "message",
            format!("tag 0x{tag:02x}, expected SEQUENCE"),
        ));
    }
    if len > MAX_MESSAGE {
        return Err(ParseError::TooLarge {
            field: "message",
            limit: MAX_MESSAGE,
        });
    }
    let body = buf.get(hl..hl + len).ok_or(ParseError::Incomplete)?;
    let mut m = Reader::new(body);
    let version = match decode_int(m.expect(INTEGER, "version")?, "version")? {
        0 => Version::V1,
        1 => Version::V2c,
        v => return Err(malformed("version", format!("{v} (only v1 and v2c)"))),
    };
    let community = m.expect(OCTET_STRING, "community")?.to_vec();
    let (pdu_tag, pdu_body) = m.any("pdu")?;
    if pdu_tag & 0xe0 != 0xa0 {
        return Err(malformed(
            "pdu",
            format!("tag 0x{pdu_tag:02x} is not a PDU"),
        ));
    }
    m.finish("message")?;

    let mut p = Reader::new(pdu_body);
    let request_id = decode_int(p.expect(INTEGER, "request id")?, "request id")?;
    let request_id =
        i32::try_from(request_id).map_err(|_| malformed("request id", "exceeds i32"))?;
    let error_status = decode_int(p.expect(INTEGER, "error status")?, "error status")?;
    let error_index = decode_int(p.expect(INTEGER, "error index")?, "error index")?;
    let mut list = Reader::new(p.expect(SEQUENCE, "varbind list")?);
    p.finish("pdu")?;

    let mut varbinds = Vec::new();
    while !list.at_end() {
        let mut vb = Reader::new(list.expect(SEQUENCE, "varbind")?);
        let oid = decode_oid(vb.expect(OBJECT_ID, "varbind name")?)?;
        let (vtag, vbytes) = vb.any("varbind value")?;
        vb.finish("varbind")?;
        varbinds.push((oid, decode_value(vtag, vbytes)?));
    }
    Ok(Message {
        version,
        community,
        pdu: Pdu {
            kind: PduType::from_tag(pdu_tag),
            request_id,
            error_status,
            error_index,
            varbinds,
        },
    })
}

/// A GetRequest for `oids`, each with a NULL value.
pub fn get_request(version: Version, community: &[u8], request_id: i32, oids: &[Oid]) -> Message {
    Message {
        version,
        community: community.to_vec(),
        pdu: Pdu {
            kind: PduType::GetRequest,
            request_id,
            error_status: 0,
            error_index: 0,
            varbinds: oids.iter().map(|o| (o.clone(), Value::Null)).collect(),
        },
    }
}

/// OIDs of the MIB-II system group (1.3.6.1.2.1.1), instance 0 of each.
pub mod oids {
    use super::Oid;

    fn system(n: u32) -> Oid {
        Oid(vec![1, 3, 6, 1, 2, 1, 1, n, 0])
    }

    /// sysDescr.0: a textual description of the device, usually its hardware and software.
    pub fn sys_descr() -> Oid {
        system(1)
    }
    /// sysObjectID.0: the vendor's OID for the kind of device, under the enterprises arc.
    pub fn sys_object_id() -> Oid {
        system(2)
    }
    /// sysUpTime.0: TimeTicks since the agent's network management part last started.
    pub fn sys_uptime() -> Oid {
        system(3)
    }
    /// sysContact.0: who is responsible for the device, as configured.
    pub fn sys_contact() -> Oid {
        system(4)
    }
    /// sysName.0: the device's administratively assigned name, often its host name.
    pub fn sys_name() -> Oid {
        system(5)
    }
    /// sysLocation.0: where the device is, as configured.
    pub fn sys_location() -> Oid {
        system(6)
    }
    /// All six above, in that order.
    pub fn system_group() -> Vec<Oid> {
        (1..=6).map(system).collect()
    }
}

#[cfg(test)]
mod tests;
