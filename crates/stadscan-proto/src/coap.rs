//! CoAP over UDP (RFC 7252) with block-wise responses (RFC 7959 Block2), the
//! CoRE link format of `/.well-known/core` (RFC 6690), and the few OMA LwM2M
//! Device object paths a scanner reads. The probe (client) and the lab sensor
//! (server) share this code.

use std::fmt;

use super::{ParseError, excerpt, malformed};

/// The only version RFC 7252 defines; other versions are not CoAP we know.
pub const VERSION: u8 = 1;
/// Longest token (token lengths 9..=15 are reserved).
pub const MAX_TOKEN: usize = 8;
/// Largest message decoded: the most one UDP datagram carries.
pub const MAX_MESSAGE: usize = 65_507;
/// Links kept from one link-format document; the rest is ignored.
pub const MAX_LINKS: usize = 256;
/// Characters kept of a link target or attribute value.
pub const MAX_LINK_VALUE: usize = 256;
/// Attributes kept per link.
pub const MAX_LINK_ATTRIBUTES: usize = 32;

const PAYLOAD_MARKER: u8 = 0xff;
/// Longest option value the extended length forms can express.
const MAX_OPTION_VALUE: usize = 269 + 0xffff;

/// Option numbers (RFC 7252 5.10, RFC 7959 2.1, RFC 7641).
pub mod option {
    /// If-Match (1): perform the request only if the resource's ETag matches.
    pub const IF_MATCH: u16 = 1;
    /// Uri-Host (3): the host the request is for, when it differs from the destination address.
    pub const URI_HOST: u16 = 3;
    /// ETag (4): an opaque tag of one representation of a resource.
    pub const ETAG: u16 = 4;
    /// If-None-Match (5, empty): perform the request only if the resource does not exist.
    pub const IF_NONE_MATCH: u16 = 5;
    /// Observe (6, RFC 7641): register for notifications, or a notification's sequence number.
    pub const OBSERVE: u16 = 6;
    /// Uri-Port (7): the port the request is for, when it differs from the destination port.
    pub const URI_PORT: u16 = 7;
    /// Location-Path (8): one path segment of a resource a POST created.
    pub const LOCATION_PATH: u16 = 8;
    /// Uri-Path (11): one segment of the request path, repeated per segment.
    pub const URI_PATH: u16 = 11;
    /// Content-Format (12): the payload's media type as a [`content_format`](super::content_format) number.
    pub const CONTENT_FORMAT: u16 = 12;
    /// Max-Age (14): seconds a response may be cached; 60 when absent.
    pub const MAX_AGE: u16 = 14;
    /// Uri-Query (15): one `name=value` argument of the request, repeated per argument.
    pub const URI_QUERY: u16 = 15;
    /// Accept (17): the [`content_format`](super::content_format) number the client wants back.
    pub const ACCEPT: u16 = 17;
    /// Location-Query (20): one query argument of a resource a POST created.
    pub const LOCATION_QUERY: u16 = 20;
    /// Block2 (23, RFC 7959): which block of a response body, see [`Block`](super::Block).
    pub const BLOCK2: u16 = 23;
    /// Block1 (27, RFC 7959): which block of a request body.
    pub const BLOCK1: u16 = 27;
    /// Size2 (28, RFC 7959): the whole response body's size, or a request for it.
    pub const SIZE2: u16 = 28;
    /// Proxy-Uri (35): an absolute URI a forward proxy should request.
    pub const PROXY_URI: u16 = 35;
    /// Proxy-Scheme (39): the scheme a proxy should use to build the URI from the Uri-* options.
    pub const PROXY_SCHEME: u16 = 39;
    /// Size1 (60): the request body's size, or the largest one the server accepts.
    pub const SIZE1: u16 = 60;
}

/// Content-Format numbers from the IANA registry that devices commonly send.
pub mod content_format {
    /// `text/plain; charset=utf-8`.
    pub const TEXT_PLAIN: u16 = 0;
    /// `application/link-format` (RFC 6690), as `/.well-known/core` answers.
    pub const LINK_FORMAT: u16 = 40;
    /// `application/xml`.
    pub const XML: u16 = 41;
    /// `application/octet-stream`.
    pub const OCTET_STREAM: u16 = 42;
    /// `application/json`.
    pub const JSON: u16 = 50;
    /// `application/cbor`.
    pub const CBOR: u16 = 60;
    /// `application/senml+json` (RFC 8428 sensor measurement lists).
    pub const SENML_JSON: u16 = 110;
    /// `application/senml+cbor`.
    pub const SENML_CBOR: u16 = 112;
    /// The pre-registration LwM2M 1.0 TLV number some clients still send.
    pub const LWM2M_TLV_OLD: u16 = 1542;
    /// `application/vnd.oma.lwm2m+tlv`, the LwM2M binary TLV format.
    pub const LWM2M_TLV: u16 = 11542;
    /// `application/vnd.oma.lwm2m+json`.
    pub const LWM2M_JSON: u16 = 11543;
}

/// The two-bit message type in the header (RFC 7252 4.2, 4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    /// CON (0): the receiver must acknowledge or reset it; resent until it does.
    Confirmable,
    /// NON (1): needs no acknowledgement.
    NonConfirmable,
    /// ACK (2): acknowledges a Confirmable message, possibly carrying the response.
    Acknowledgement,
    /// RST (3): the receiver could not process a message, or does not know its context.
    Reset,
}

impl MessageType {
    fn from_bits(bits: u8) -> Self {
        match bits & 0x03 {
            0 => MessageType::Confirmable,
            1 => MessageType::NonConfirmable,
            2 => MessageType::Acknowledgement,
            _ => MessageType::Reset,
        }
    }

    fn bits(self) -> u8 {
        match self {
            MessageType::Confirmable => 0,
            MessageType::NonConfirmable => 1,
            MessageType::Acknowledgement => 2,
            MessageType::Reset => 3,
        }
    }

    /// "CON", "NON", "ACK" or "RST".
    pub fn abbreviation(self) -> &'static str {
        match self {
            MessageType::Confirmable => "CON",
            MessageType::NonConfirmable => "NON",
            MessageType::Acknowledgement => "ACK",
            MessageType::Reset => "RST",
        }
    }
}

/// A method or response code: a 3-bit class and a 5-bit detail, shown as
/// "2.05".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Code(pub u8);

impl Code {
    /// 0.00: an empty message, as a bare ACK or RST or a ping.
    pub const EMPTY: Code = Code::new(0, 0);
    /// 0.01 GET: read a resource.
    pub const GET: Code = Code::new(0, 1);
    /// 0.02 POST: process the payload, often to create a resource.
    pub const POST: Code = Code::new(0, 2);
    /// 0.03 PUT: create or replace a resource.
    pub const PUT: Code = Code::new(0, 3);
    /// 0.04 DELETE: remove a resource.
    pub const DELETE: Code = Code::new(0, 4);
    /// 2.01 Created: a POST or PUT made a new resource.
    pub const CREATED: Code = Code::new(2, 1);
    /// 2.02 Deleted: the resource is gone, or a POST's action succeeded.
    pub const DELETED: Code = Code::new(2, 2);
    /// 2.03 Valid: the cached representation with the given ETag is still current.
    pub const VALID: Code = Code::new(2, 3);
    /// 2.04 Changed: a POST or PUT modified the resource.
    pub const CHANGED: Code = Code::new(2, 4);
    /// 2.05 Content: the payload is the requested representation.
    pub const CONTENT: Code = Code::new(2, 5);
    /// 4.00 Bad Request: the server could not make sense of the request.
    pub const BAD_REQUEST: Code = Code::new(4, 0);
    /// 4.01 Unauthorized: the client lacks the required authorization.
    pub const UNAUTHORIZED: Code = Code::new(4, 1);
    /// 4.02 Bad Option: an unrecognized critical option.
    pub const BAD_OPTION: Code = Code::new(4, 2);
    /// 4.03 Forbidden: the client is not allowed to do this.
    pub const FORBIDDEN: Code = Code::new(4, 3);
    /// 4.04 Not Found: no resource at that path.
    pub const NOT_FOUND: Code = Code::new(4, 4);
    /// 4.05 Method Not Allowed: the resource does not take this method.
    pub const METHOD_NOT_ALLOWED: Code = Code::new(4, 5);
    /// 4.06 Not Acceptable: no representation in the format the Accept option asked for.
    pub const NOT_ACCEPTABLE: Code = Code::new(4, 6);
    /// 4.08 Request Entity Incomplete (RFC 7959): a Block1 transfer is missing blocks.
    pub const REQUEST_ENTITY_INCOMPLETE: Code = Code::new(4, 8);
    /// 5.00 Internal Server Error: the server failed while handling the request.
    pub const INTERNAL_SERVER_ERROR: Code = Code::new(5, 0);
    /// 5.01 Not Implemented: the server does not support the method.
    pub const NOT_IMPLEMENTED: Code = Code::new(5, 1);
    /// 5.03 Service Unavailable; Max-Age says when to try again.
    pub const SERVICE_UNAVAILABLE: Code = Code::new(5, 3);

    /// The code "class.detail"; class is cut to 3 bits and detail to 5.
    pub const fn new(class: u8, detail: u8) -> Code {
        Code(((class & 0x07) << 5) | (detail & 0x1f))
    }
    /// The class: 0 request, 2 success, 4 client error, 5 server error.
    pub fn class(self) -> u8 {
        self.0 >> 5
    }
    /// The detail within the class, 0 to 31.
    pub fn detail(self) -> u8 {
        self.0 & 0x1f
    }
    /// True for 0.00, which only empty messages carry.
    pub fn is_empty(self) -> bool {
        self == Code::EMPTY
    }
    /// 0.01..0.31: a method.
    pub fn is_request(self) -> bool {
        self.class() == 0 && self.detail() != 0
    }
    /// Classes 2, 4 and 5 (1, 3, 6 and 7 are reserved).
    pub fn is_response(self) -> bool {
        matches!(self.class(), 2 | 4 | 5)
    }
    /// True for class 2.
    pub fn is_success(self) -> bool {
        self.class() == 2
    }
    /// The registry's name ("Content", "Not Found"); "" for unassigned codes.
    pub fn name(self) -> &'static str {
        match (self.class(), self.detail()) {
            (0, 0) => "Empty",
            (0, 1) => "GET",
            (0, 2) => "POST",
            (0, 3) => "PUT",
            (0, 4) => "DELETE",
            (0, 5) => "FETCH",
            (0, 6) => "PATCH",
            (0, 7) => "iPATCH",
            (2, 1) => "Created",
            (2, 2) => "Deleted",
            (2, 3) => "Valid",
            (2, 4) => "Changed",
            (2, 5) => "Content",
            (2, 31) => "Continue",
            (4, 0) => "Bad Request",
            (4, 1) => "Unauthorized",
            (4, 2) => "Bad Option",
            (4, 3) => "Forbidden",
            (4, 4) => "Not Found",
            (4, 5) => "Method Not Allowed",
            (4, 6) => "Not Acceptable",
            (4, 8) => "Request Entity Incomplete",
            (4, 9) => "Conflict",
            (4, 12) => "Precondition Failed",
            (4, 13) => "Request Entity Too Large",
            (4, 15) => "Unsupported Content-Format",
            (4, 22) => "Unprocessable Entity",
            (4, 29) => "Too Many Requests",
            (5, 0) => "Internal Server Error",
            (5, 1) => "Not Implemented",
            (5, 2) => "Bad Gateway",
            (5, 3) => "Service Unavailable",
            (5, 4) => "Gateway Timeout",
            (5, 5) => "Proxying Not Supported",
            _ => "",
        }
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.class(), self.detail())
    }
}

/// One option as on the wire, the delta encoding undone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoapOption {
    /// Option number, such as [`option::URI_PATH`].
    pub number: u16,
    /// Raw value; its format (empty, opaque, uint or string) depends on the number.
    pub value: Vec<u8>,
}

/// A CoAP message: header, token, options and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Always 1 after `decode`; `encode` writes the low two bits as given.
    pub version: u8,
    /// Message type from the header.
    pub kind: MessageType,
    /// Method or response code.
    pub code: Code,
    /// Message ID: matches an ACK or RST to its message and detects duplicates.
    pub message_id: u16,
    /// At most `MAX_TOKEN` bytes; `encode` sends only the first eight.
    pub token: Vec<u8>,
    /// In the order they were decoded or added; `encode` sorts them by number
    /// (stable, so repeated options such as Uri-Path keep their order).
    pub options: Vec<CoapOption>,
    /// Payload after the 0xFF marker; empty when there is none.
    pub payload: Vec<u8>,
}

/// A Block1/Block2 value (RFC 7959 2.2): block number, more flag, size exponent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// Block number, counted from 0 in units of the block size.
    pub num: u32,
    /// More blocks follow this one.
    pub more: bool,
    /// Block size is 2^(szx + 4): 0 = 16 bytes ... 6 = 1024 bytes.
    pub szx: u8,
}

impl Block {
    /// Largest block number the 3-byte option holds.
    pub const MAX_NUM: u32 = (1 << 20) - 1;
    /// Largest size exponent (7 is reserved for BERT over TCP).
    pub const MAX_SZX: u8 = 6;

    /// Block size in bytes, 16 to 1024.
    pub fn size(self) -> usize {
        16 << self.szx.min(Self::MAX_SZX)
    }

    /// `None` for values longer than three bytes and for the reserved SZX 7.
    pub fn decode(value: &[u8]) -> Option<Block> {
        if value.len() > 3 {
            return None;
        }
        let v = decode_uint(value)?;
        let szx = (v & 0x07) as u8;
        (szx <= Self::MAX_SZX).then_some(Block {
            num: v >> 4,
            more: v & 0x08 != 0,
            szx,
        })
    }

    /// The shortest option value for this block (num and szx cut to their largest values).
    pub fn encode(self) -> Vec<u8> {
        let v = (self.num.min(Self::MAX_NUM) << 4)
            | (u32::from(self.more) << 3)
            | u32::from(self.szx.min(Self::MAX_SZX));
        encode_uint(v)
    }
}

/// A uint option value (RFC 7252 3.2): big-endian, leading zero bytes
/// allowed, empty is 0. `None` beyond four bytes.
pub fn decode_uint(value: &[u8]) -> Option<u32> {
    if value.len() > 4 {
        return None;
    }
    Some(value.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

/// The shortest uint encoding (0 is empty).
pub fn encode_uint(v: u32) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    bytes[skip..].to_vec()
}

impl Message {
    /// An empty-payload, option-less message.
    pub fn new(kind: MessageType, code: Code, message_id: u16, token: &[u8]) -> Message {
        Message {
            version: VERSION,
            kind,
            code,
            message_id,
            token: token[..token.len().min(MAX_TOKEN)].to_vec(),
            options: Vec::new(),
            payload: Vec::new(),
        }
    }

    /// Adds an option at the end of the list.
    pub fn add_option(&mut self, number: u16, value: impl Into<Vec<u8>>) {
        self.options.push(CoapOption {
            number,
            value: value.into(),
        });
    }

    /// The first value of option `number`.
    pub fn option(&self, number: u16) -> Option<&[u8]> {
        self.options_numbered(number).next()
    }

    /// Every value of option `number`, in order.
    pub fn options_numbered(&self, number: u16) -> impl Iterator<Item = &[u8]> + '_ {
        self.options
            .iter()
            .filter(move |o| o.number == number)
            .map(|o| o.value.as_slice())
    }

    /// The value of the first option `number` read as a uint; `None` when absent or longer than four bytes.
    pub fn uint_option(&self, number: u16) -> Option<u32> {
        self.option(number).and_then(decode_uint)
    }

    /// The Content-Format option's number; `None` when absent or not a 16-bit value.
    pub fn content_format(&self) -> Option<u16> {
        self.uint_option(option::CONTENT_FORMAT)
            .and_then(|v| u16::try_from(v).ok())
    }

    /// The Block2 option, if present and valid.
    pub fn block2(&self) -> Option<Block> {
        self.option(option::BLOCK2).and_then(Block::decode)
    }

    /// The Uri-Path options as "/a/b" ("/" when there are none).
    pub fn uri_path(&self) -> String {
        let mut out = String::new();
        for segment in self.options_numbered(option::URI_PATH) {
            out.push('/');
            out.push_str(&String::from_utf8_lossy(segment));
        }
        if out.is_empty() {
            out.push('/');
        }
        out
    }

    /// The wire form, options sorted by number and delta-encoded.
    pub fn encode(&self) -> Vec<u8> {
        let token = &self.token[..self.token.len().min(MAX_TOKEN)];
        let mut out = Vec::with_capacity(4 + token.len() + self.payload.len() + 32);
        out.push(((self.version & 0x03) << 6) | (self.kind.bits() << 4) | token.len() as u8);
        out.push(self.code.0);
        out.extend_from_slice(&self.message_id.to_be_bytes());
        out.extend_from_slice(token);
        let mut sorted: Vec<&CoapOption> = self.options.iter().collect();
        sorted.sort_by_key(|o| o.number);
        let mut previous = 0u16;
        for o in sorted {
            let value = &o.value[..o.value.len().min(MAX_OPTION_VALUE)];
            let (delta_nibble, delta_ext) = option_nibble(usize::from(o.number - previous));
            let (len_nibble, len_ext) = option_nibble(value.len());
            out.push((delta_nibble << 4) | len_nibble);
            out.extend_from_slice(&delta_ext);
            out.extend_from_slice(&len_ext);
            out.extend_from_slice(value);
            previous = o.number;
        }
        if !self.payload.is_empty() {
            out.push(PAYLOAD_MARKER);
            out.extend_from_slice(&self.payload);
        }
        out
    }
}

/// The 4-bit field and the extended bytes for an option delta or length.
fn option_nibble(v: usize) -> (u8, Vec<u8>) {
    match v {
        0..=12 => (v as u8, Vec::new()),
        13..=268 => (13, vec![(v - 13) as u8]),
        _ => (14, ((v - 269).min(0xffff) as u16).to_be_bytes().to_vec()),
    }
}

/// Reads the extended form of an option delta or length nibble at `*pos`.
fn extended(
    buf: &[u8],
    pos: &mut usize,
    nibble: u8,
    field: &'static str,
) -> Result<usize, ParseError> {
    match nibble {
        0..=12 => Ok(usize::from(nibble)),
        13 => {
            let b = *buf.get(*pos).ok_or(ParseError::Incomplete)?;
            *pos += 1;
            Ok(13 + usize::from(b))
        }
        14 => {
            let b = buf.get(*pos..*pos + 2).ok_or(ParseError::Incomplete)?;
            *pos += 2;
            Ok(269 + usize::from(u16::from_be_bytes([b[0], b[1]])))
        }
        _ => Err(malformed(field, "reserved value 15")),
    }
}

/// Decodes one datagram. A buffer that ends inside the header, the token or
/// an option is `Incomplete` (over UDP: a truncated datagram); reserved
/// token lengths, the reserved nibble 15, an option number beyond 65535, a
/// payload marker with no payload and a non-empty Empty message are
/// `Malformed`, as RFC 7252 3 calls them message format errors.
pub fn decode(buf: &[u8]) -> Result<Message, ParseError> {
    if buf.len() > MAX_MESSAGE {
        return Err(ParseError::TooLarge {
            field: "coap message",
            limit: MAX_MESSAGE,
        });
    }
    let Some(header) = buf.get(..4) else {
        return Err(ParseError::Incomplete);
    };
    let version = header[0] >> 6;
    if version != VERSION {
        return Err(malformed("version", format!("{version}, expected 1")));
    }
    let kind = MessageType::from_bits(header[0] >> 4);
    let token_len = usize::from(header[0] & 0x0f);
    if token_len > MAX_TOKEN {
        return Err(malformed("token length", format!("{token_len} > 8")));
    }
    let code = Code(header[1]);
    let message_id = u16::from_be_bytes([header[2], header[3]]);
    if code.is_empty() && buf.len() > 4 + token_len {
        return Err(malformed("empty message", "carries options or a payload"));
    }
    if code.is_empty() && token_len != 0 {
        return Err(malformed("empty message", "carries a token"));
    }
    let token = buf.get(4..4 + token_len).ok_or(ParseError::Incomplete)?;
    let mut pos = 4 + token_len;
    let mut options = Vec::new();
    let mut number = 0usize;
    let mut payload = Vec::new();
    while let Some(&first) = buf.get(pos) {
        pos += 1;
        if first == PAYLOAD_MARKER {
            if pos == buf.len() {
                return Err(malformed("payload", "marker without a payload"));
            }
            payload = buf[pos..].to_vec();
            break;
        }
        let delta = extended(buf, &mut pos, first >> 4, "option delta")?;
        let len = extended(buf, &mut pos, first & 0x0f, "option length")?;
        number += delta;
        let number16 = u16::try_from(number)
            .map_err(|_| malformed("option number", format!("{number} > 65535")))?;
        let value = buf.get(pos..pos + len).ok_or(ParseError::Incomplete)?;
        pos += len;
        options.push(CoapOption {
            number: number16,
            value: value.to_vec(),
        });
    }
    Ok(Message {
        version,
        kind,
        code,
        message_id,
        token: token.to_vec(),
        options,
        payload,
    })
}

/// A confirmable GET of `path` ("/a/b" or "a/b"; empty segments are
/// dropped), optionally asking for block `num` of size 2^(szx+4).
pub fn get_request(
    message_id: u16,
    token: &[u8],
    path: &str,
    block2: Option<(u32, u8)>,
) -> Message {
    let mut m = Message::new(MessageType::Confirmable, Code::GET, message_id, token);
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        m.add_option(option::URI_PATH, segment.as_bytes());
    }
    if let Some((num, szx)) = block2 {
        let block = Block {
            num,
            more: false,
            szx,
        };
        m.add_option(option::BLOCK2, block.encode());
    }
    m
}

/// Server side: decodes a datagram that must be a request (a method code in
/// a CON or NON message).
pub fn decode_request(buf: &[u8]) -> Result<Message, ParseError> {
    let m = decode(buf)?;
    if !m.code.is_request() {
        return Err(malformed(
            "request",
            format!("code {} is not a method", m.code),
        ));
    }
    if !matches!(
        m.kind,
        MessageType::Confirmable | MessageType::NonConfirmable
    ) {
        return Err(malformed(
            "request",
            format!("{} cannot carry a request", m.kind.abbreviation()),
        ));
    }
    Ok(m)
}

/// Server side: the Reset a receiver sends for a message it will not process
/// (also the answer to a CoAP ping, an Empty CON).
pub fn reset_for(message_id: u16) -> Message {
    Message::new(MessageType::Reset, Code::EMPTY, message_id, &[])
}

/// Server side: the response to `request` carrying `body`, piggybacked on the
/// ACK of a CON, a NON for a NON (same message id and token).
///
/// When the request asks for a block, or `body` is longer than one block of
/// 2^(`max_szx`+4) bytes, the answer is that block with Block2 and Size2
/// (RFC 7959 2.2/4): the block size is the smaller of the client's and
/// `max_szx`, and a smaller size than asked serves the start of the asked
/// block. A block past the end is 4.02 Bad Option.
pub fn response(
    request: &Message,
    code: Code,
    content_format: Option<u16>,
    body: &[u8],
    max_szx: u8,
) -> Message {
    let kind = match request.kind {
        MessageType::NonConfirmable => MessageType::NonConfirmable,
        _ => MessageType::Acknowledgement,
    };
    let mut m = Message::new(kind, code, request.message_id, &request.token);
    let max_szx = max_szx.min(Block::MAX_SZX);
    let asked = request.block2();
    let szx = asked.map_or(max_szx, |b| b.szx.min(max_szx));
    let size = 16usize << szx;
    if asked.is_none() && body.len() <= size {
        if let Some(cf) = content_format {
            m.add_option(option::CONTENT_FORMAT, encode_uint(u32::from(cf)));
        }
        m.payload = body.to_vec();
        return m;
    }
    let offset = asked.map_or(0, |b| b.num as usize * b.size());
    if offset > 0 && offset >= body.len() {
        m.code = Code::BAD_OPTION;
        m.payload = b"Block2 out of range".to_vec();
        return m;
    }
    let num = (offset / size) as u32;
    let start = num as usize * size;
    let end = (start + size).min(body.len());
    if let Some(cf) = content_format {
        m.add_option(option::CONTENT_FORMAT, encode_uint(u32::from(cf)));
    }
    let block = Block {
        num,
        more: end < body.len(),
        szx,
    };
    m.add_option(option::BLOCK2, block.encode());
    m.add_option(
        option::SIZE2,
        encode_uint(u32::try_from(body.len()).unwrap_or(u32::MAX)),
    );
    m.payload = body[start..end].to_vec();
    m
}

/// One link of a CoRE link-format document: `</sensors/temp>;rt="x";ct=0`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The link target between `<` and `>`: a path or URI.
    pub target: String,
    /// (name, value); a flag such as `obs` has no value.
    pub attributes: Vec<(String, Option<String>)>,
}

impl Link {
    /// The first value of attribute `name` (names compare case-insensitively).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| v.as_deref())
    }

    /// True when the link has attribute `name`, with or without a value (names compare case-insensitively).
    pub fn has_attr(&self, name: &str) -> bool {
        self.attributes
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(name))
    }

    /// The resource types: every `rt` value, split at spaces (RFC 6690 3.1).
    pub fn resource_types(&self) -> impl Iterator<Item = &str> + '_ {
        self.attributes
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case("rt"))
            .filter_map(|(_, v)| v.as_deref())
            .flat_map(str::split_whitespace)
    }
}

/// Cuts a string to `MAX_LINK_VALUE` characters.
fn bounded(s: &str) -> String {
    s.chars().take(MAX_LINK_VALUE).collect()
}

struct LinkCursor<'a> {
    text: &'a str,
    pos: usize,
}

impl LinkCursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }
    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }
    /// Bytes up to (not including) any of `stops` or the end.
    fn until(&mut self, stops: &[u8]) -> &str {
        let start = self.pos;
        while self.peek().is_some_and(|b| !stops.contains(&b)) {
            self.pos += 1;
        }
        // The stops are ASCII, so both ends are character boundaries.
        &self.text[start..self.pos]
    }
    /// A quoted string starting at the opening quote; `\x` stands for `x`.
    fn quoted(&mut self) -> Result<String, ParseError> {
        let mut out = String::new();
        let mut kept = 0usize;
        let mut escaped = false;
        for (i, c) in self.text[self.pos + 1..].char_indices() {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
                continue;
            } else if c == '"' {
                self.pos += 1 + i + 1;
                return Ok(out);
            }
            if kept < MAX_LINK_VALUE {
                out.push(c);
                kept += 1;
            }
        }
        Err(malformed("link parameter", "unterminated quoted string"))
    }
}

/// Parses a CoRE link-format document (RFC 6690 2): links separated by
/// commas, each `<target>` followed by `;name=value`, `;name="quoted"` or
/// `;flag` parameters. Whitespace around the separators is allowed, quoted
/// values may hold commas and semicolons. At most `MAX_LINKS` links and
/// `MAX_LINK_ATTRIBUTES` attributes per link are kept, targets and values are
/// cut to `MAX_LINK_VALUE` characters. Not UTF-8, a link not starting with
/// `<`, a target without `>` or an unterminated quote is `Malformed`.
pub fn parse_link_format(payload: &[u8]) -> Result<Vec<Link>, ParseError> {
    let text = std::str::from_utf8(payload).map_err(|_| malformed("link format", "not UTF-8"))?;
    let mut cur = LinkCursor { text, pos: 0 };
    let mut links = Vec::new();
    loop {
        cur.skip_ws();
        if cur.peek().is_none() || links.len() == MAX_LINKS {
            return Ok(links);
        }
        if cur.peek() != Some(b'<') {
            return Err(malformed(
                "link",
                format!("expected '<' at {}", excerpt(&text[cur.pos..])),
            ));
        }
        cur.pos += 1;
        let target = bounded(cur.until(b">"));
        if cur.peek() != Some(b'>') {
            return Err(malformed("link target", "no closing '>'"));
        }
        cur.pos += 1;
        let mut attributes = Vec::new();
        loop {
            cur.skip_ws();
            match cur.peek() {
                None => break,
                Some(b',') => {
                    cur.pos += 1;
                    break;
                }
                Some(b';') => {
                    cur.pos += 1;
                    cur.skip_ws();
                    let name = bounded(cur.until(b"=;, \t\r\n\""));
                    cur.skip_ws();
                    let value = if cur.peek() == Some(b'=') {
                        if name.is_empty() {
                            return Err(malformed("link parameter", "value without a name"));
                        }
                        cur.pos += 1;
                        cur.skip_ws();
                        Some(if cur.peek() == Some(b'"') {
                            cur.quoted()?
                        } else {
                            bounded(cur.until(b";,").trim_end())
                        })
                    } else {
                        None
                    };
                    // An empty parameter (";;" or a trailing ";") says nothing: skipped.
                    if !name.is_empty() && attributes.len() < MAX_LINK_ATTRIBUTES {
                        attributes.push((name, value));
                    }
                }
                Some(b'"') => {
                    return Err(malformed("link parameter", "quoted string without a name"));
                }
                Some(_) => {
                    return Err(malformed(
                        "link",
                        format!("unexpected {} after a link", excerpt(&text[cur.pos..])),
                    ));
                }
            }
        }
        links.push(Link { target, attributes });
    }
}

/// Renders links back to link format (the lab serves its list from this).
pub fn encode_link_format(links: &[Link]) -> String {
    let mut out = String::new();
    for (i, link) in links.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('<');
        out.extend(link.target.chars().filter(|&c| c != '>'));
        out.push('>');
        for (name, value) in &link.attributes {
            out.push(';');
            out.push_str(name);
            match value {
                None => {}
                Some(v) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => {
                    out.push('=');
                    out.push_str(v);
                }
                Some(v) => {
                    out.push_str("=\"");
                    for c in v.chars() {
                        if c == '"' || c == '\\' {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                    out.push('"');
                }
            }
        }
    }
    out
}

/// OMA LwM2M: a device exposes the Device object, instance 0, at `/3/0`, and
/// its identification in resources 0 (Manufacturer), 1 (Model Number),
/// 2 (Serial Number) and 3 (Firmware Version), readable one by one.
pub mod lwm2m {
    use super::{Link, content_format};

    /// Path of the Device object (3), instance 0.
    pub const DEVICE_OBJECT: &str = "/3/0";
    /// Device resource 0, Manufacturer.
    pub const MANUFACTURER: &str = "/3/0/0";
    /// Device resource 1, Model Number.
    pub const MODEL_NUMBER: &str = "/3/0/1";
    /// Device resource 2, Serial Number.
    pub const SERIAL_NUMBER: &str = "/3/0/2";
    /// Device resource 3, Firmware Version.
    pub const FIRMWARE_VERSION: &str = "/3/0/3";

    /// True when a link names the Device object (`/3` or `/3/0`, with or
    /// without the leading slash).
    pub fn lists_device_object(links: &[Link]) -> bool {
        links.iter().any(|l| {
            let t = l
                .target
                .trim()
                .trim_start_matches('/')
                .trim_end_matches('/');
            t == "3" || t == "3/0"
        })
    }

    /// The value of a single-resource read: the payload itself for text/plain
    /// (or no Content-Format), the value of the one resource TLV for LwM2M
    /// TLV; `None` for other formats.
    pub fn resource_value(content_format: Option<u16>, payload: &[u8]) -> Option<&[u8]> {
        match content_format {
            None | Some(content_format::TEXT_PLAIN) | Some(content_format::OCTET_STREAM) => {
                Some(payload)
            }
            Some(content_format::LWM2M_TLV | content_format::LWM2M_TLV_OLD) => single_tlv(payload),
            Some(_) => None,
        }
    }

    /// The value of a TLV holding one resource (type 11) or resource instance
    /// (type 01) that spans the whole payload.
    fn single_tlv(buf: &[u8]) -> Option<&[u8]> {
        let &kind = buf.first()?;
        if !matches!(kind >> 6, 0b11 | 0b01) {
            return None;
        }
        let id_len = if kind & 0x20 != 0 { 2 } else { 1 };
        let len_len = usize::from((kind >> 3) & 0x03);
        let mut pos = 1 + id_len;
        let len = if len_len == 0 {
            usize::from(kind & 0x07)
        } else {
            let b = buf.get(pos..pos + len_len)?;
            pos += len_len;
            b.iter().fold(0usize, |acc, &x| (acc << 8) | usize::from(x))
        };
        let value = buf.get(pos..pos + len)?;
        (pos + len == buf.len()).then_some(value)
    }

    /// One resource TLV (the lab does not use it; tests build replies with it).
    pub fn encode_tlv_resource(id: u16, value: &[u8]) -> Vec<u8> {
        let value = &value[..value.len().min(0xff_ffff)];
        let mut kind = 0b1100_0000u8;
        let id_bytes = if id > 0xff {
            kind |= 0x20;
            id.to_be_bytes().to_vec()
        } else {
            vec![id as u8]
        };
        let len = value.len();
        let len_bytes = match len {
            0..=7 => {
                kind |= len as u8;
                Vec::new()
            }
            8..=0xff => {
                kind |= 0x08;
                vec![len as u8]
            }
            0x100..=0xffff => {
                kind |= 0x10;
                (len as u16).to_be_bytes().to_vec()
            }
            _ => {
                kind |= 0x18;
                (len as u32).to_be_bytes()[1..].to_vec()
            }
        };
        let mut out = vec![kind];
        out.extend(id_bytes);
        out.extend(len_bytes);
        out.extend_from_slice(value);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // Real captures: libcoap 4.3.1 (Debian libcoap3-bin 4.3.1-1),
    // `coap-server-notls -A 127.0.0.77 -p 5683` and `coap-client-notls`, through a
    // logging UDP relay on 127.0.0.79.

    /// `coap-client-notls -m get coap://127.0.0.79/.well-known/core`
    const LIBCOAP_GET_CORE: &str = "4101a1db01bb2e77656c6c2d6b6e6f776e04636f7265";
    /// coap-server's piggybacked 2.05 answer, link format (ct 40), one block.
    const LIBCOAP_CORE: &str = "6145a1db01c128ff3c2f3e3b7469746c653d2247656e6572616c20496e666f223b63743d302c3c2f74696d653e3b69663d22636c6f636b223b72743d227469636b73223b7469746c653d22496e7465726e616c20436c6f636b223b63743d303b6f62732c3c2f6173796e633e3b63743d302c3c2f6578616d706c655f646174613e3b7469746c653d224578616d706c652044617461223b63743d303b6f6273";
    /// `coap-client-notls -m get -b 64 ...`: Block2 0/0/64 in the first request.
    const LIBCOAP_GET_CORE_B64: &str = "4101f59101bb2e77656c6c2d6b6e6f776e04636f7265c102";
    /// coap-server: block 0 (more), with Size2 151.
    const LIBCOAP_CORE_BLOCK0: &str = "6145f5910141018128b10a5197ff3c2f3e3b7469746c653d2247656e6572616c20496e666f223b63743d302c3c2f74696d653e3b69663d22636c6f636b223b72743d227469636b73223b7469746c";
    /// coap-client asking for block 1 with a 7-byte token.
    const LIBCOAP_GET_CORE_BLOCK1: &str =
        "4701f59202000000000002bb2e77656c6c2d6b6e6f776e04636f7265c112";
    const LIBCOAP_CORE_BLOCK1: &str = "6745f5920200000000000241018128b11a5197ff653d22496e7465726e616c20436c6f636b223b63743d303b6f62732c3c2f6173796e633e3b63743d302c3c2f6578616d706c655f646174613e3b7469746c653d";
    const LIBCOAP_CORE_BLOCK2: &str =
        "6745f5930300000000000241018128b1225197ff224578616d706c652044617461223b63743d303b6f6273";
    /// GET /nothing/here and its 4.04 with the diagnostic payload "Not Found".
    const LIBCOAP_GET_MISSING: &str = "4101ce0901b76e6f7468696e670468657265";
    const LIBCOAP_NOT_FOUND: &str = "6184ce0901ff4e6f7420466f756e64";
    /// `-b 16`: GET /time with an empty Block2 value (block 0 of 16 bytes), and
    /// the answer, Max-Age 1 and the zero-length Block2 (15 bytes fit one block).
    const LIBCOAP_GET_TIME_B16: &str = "4101ad6f01b474696d65c0";
    const LIBCOAP_TIME: &str = "6145ad6f01d1010190ff4e6f762032392030363a31383a3430";
    /// `-N`: the NON answer to a NON GET of "/": Max-Age 0x2ffff, whose option
    /// delta 14 uses the one-byte extended form (nibble 13).
    const LIBCOAP_NON_ROOT_REPLY: &str = "5145c67201d30102ffffff546869732069732061207465737420736572766572206d6164652077697468206c6962636f617020287365652068747470733a2f2f6c6962636f61702e6e6574290a436f707972696768742028432920323031302d2d32303232204f6c616620426572676d616e6e203c626572676d616e6e40747a692e6f72673e20616e64206f74686572730a0a";

    const LIBCOAP_LINKS: &str = r#"</>;title="General Info";ct=0,</time>;if="clock";rt="ticks";title="Internal Clock";ct=0;obs,</async>;ct=0,</example_data>;title="Example Data";ct=0;obs"#;

    #[test]
    fn get_request_matches_libcoap_client_byte_for_byte() {
        let req = get_request(0xa1db, &[0x01], "/.well-known/core", None);
        assert_eq!(req.encode(), hex(LIBCOAP_GET_CORE));
        let req = get_request(0xf591, &[0x01], ".well-known/core/", Some((0, 2)));
        assert_eq!(req.encode(), hex(LIBCOAP_GET_CORE_B64));
        let token = hex("02000000000002");
        let req = get_request(0xf592, &token, "/.well-known/core", Some((1, 2)));
        assert_eq!(req.encode(), hex(LIBCOAP_GET_CORE_BLOCK1));
    }

    #[test]
    fn decodes_libcoap_requests_as_the_server_sees_them() {
        let req = decode_request(&hex(LIBCOAP_GET_CORE_BLOCK1)).unwrap();
        assert_eq!(req.kind, MessageType::Confirmable);
        assert_eq!(req.code, Code::GET);
        assert_eq!(req.uri_path(), "/.well-known/core");
        assert_eq!(req.token.len(), 7);
        assert_eq!(
            req.block2(),
            Some(Block {
                num: 1,
                more: false,
                szx: 2
            })
        );
        let req = decode_request(&hex(LIBCOAP_GET_MISSING)).unwrap();
        assert_eq!(req.uri_path(), "/nothing/here");
        assert!(decode_request(&hex(LIBCOAP_CORE)).is_err(), "a response");
    }

    #[test]
    fn decodes_libcoap_well_known_core() {
        let m = decode(&hex(LIBCOAP_CORE)).unwrap();
        assert_eq!(m.kind, MessageType::Acknowledgement);
        assert_eq!(m.message_id, 0xa1db);
        assert_eq!(m.token, [0x01]);
        assert_eq!(m.code, Code::CONTENT);
        assert_eq!(m.code.to_string(), "2.05");
        assert_eq!(m.code.name(), "Content");
        assert_eq!(m.content_format(), Some(content_format::LINK_FORMAT));
        assert_eq!(m.block2(), None);
        assert_eq!(m.payload, LIBCOAP_LINKS.as_bytes());
        assert_eq!(m.encode(), hex(LIBCOAP_CORE));
    }

    #[test]
    fn libcoap_blocks_reassemble_to_the_whole_document() {
        let mut body = Vec::new();
        for (i, raw) in [
            LIBCOAP_CORE_BLOCK0,
            LIBCOAP_CORE_BLOCK1,
            LIBCOAP_CORE_BLOCK2,
        ]
        .iter()
        .enumerate()
        {
            let m = decode(&hex(raw)).unwrap();
            let b = m.block2().unwrap();
            assert_eq!((b.num, b.more, b.size()), (i as u32, i < 2, 64));
            assert_eq!(m.uint_option(option::SIZE2), Some(151));
            body.extend_from_slice(&m.payload);
            assert_eq!(m.encode(), hex(raw), "re-encodes block {i}");
        }
        assert_eq!(body, LIBCOAP_LINKS.as_bytes());
    }

    #[test]
    fn decodes_not_found_and_one_byte_extended_delta() {
        let m = decode(&hex(LIBCOAP_NOT_FOUND)).unwrap();
        assert_eq!(
            (m.code, m.code.to_string()),
            (Code::NOT_FOUND, "4.04".into())
        );
        assert_eq!(m.code.name(), "Not Found");
        assert_eq!(m.payload, b"Not Found");
        let m = decode(&hex(LIBCOAP_NON_ROOT_REPLY)).unwrap();
        assert_eq!(m.kind, MessageType::NonConfirmable);
        assert_eq!(m.content_format(), None);
        assert_eq!(m.uint_option(option::MAX_AGE), Some(0x2_ffff));
        assert!(
            m.payload
                .starts_with(b"This is a test server made with libcoap")
        );
        assert_eq!(m.encode(), hex(LIBCOAP_NON_ROOT_REPLY));
    }

    #[test]
    fn two_byte_extended_option_length_round_trips() {
        let mut m = Message::new(MessageType::Confirmable, Code::GET, 7, b"tk");
        m.add_option(option::PROXY_URI, vec![b'x'; 300]);
        m.add_option(option::URI_PATH, "a");
        m.add_option(option::SIZE1, encode_uint(0));
        m.payload = b"p".to_vec();
        let raw = m.encode();
        // Uri-Path (11) first; Proxy-Uri delta 24 -> nibble 13; length 300 -> nibble 14.
        assert_eq!(raw[6], 0xb1);
        assert_eq!(&raw[8..11], &[0xde, 24 - 13, 0x00]);
        assert_eq!(raw[11], (300 - 269) as u8);
        let back = decode(&raw).unwrap();
        assert_eq!(back.option(option::PROXY_URI).unwrap().len(), 300);
        assert_eq!(back.uri_path(), "/a");
        assert_eq!(back.uint_option(option::SIZE1), Some(0));
    }

    #[test]
    fn zero_length_block2_is_block_zero_of_sixteen_bytes() {
        let req = decode_request(&hex(LIBCOAP_GET_TIME_B16)).unwrap();
        assert_eq!(req.option(option::BLOCK2), Some(&[][..]));
        assert_eq!(req.block2().map(|b| (b.num, b.size())), Some((0, 16)));
        assert_eq!(
            get_request(0xad6f, &[1], "/time", Some((0, 0))).encode(),
            hex(LIBCOAP_GET_TIME_B16)
        );
        let m = decode(&hex(LIBCOAP_TIME)).unwrap();
        assert_eq!(m.uint_option(option::MAX_AGE), Some(1));
        assert_eq!(
            m.block2(),
            Some(Block {
                num: 0,
                more: false,
                szx: 0
            })
        );
        assert_eq!(m.payload, b"Nov 29 06:18:40");
    }

    #[test]
    fn truncated_datagrams_are_incomplete() {
        let raw = hex(LIBCOAP_CORE_BLOCK1);
        // Inside the header and the 7-byte token.
        for cut in 0..11 {
            assert_eq!(
                decode(&raw[..cut]),
                Err(ParseError::Incomplete),
                "cut {cut}"
            );
        }
        // Inside an option (a cut between two options leaves a shorter, valid
        // message: UDP has no framing to tell).
        for cut in [12, 14, 16, 18] {
            assert_eq!(
                decode(&raw[..cut]),
                Err(ParseError::Incomplete),
                "cut {cut}"
            );
        }
        assert_eq!(decode(&raw[..19]).unwrap().options.len(), 4);
        // Cut inside an extended length.
        assert_eq!(decode(&hex("40010001d0")), Err(ParseError::Incomplete));
        assert_eq!(decode(&hex("40010001e000")), Err(ParseError::Incomplete));
    }

    #[test]
    fn rejects_format_errors() {
        let cases = [
            ("80010001", "version 2"),
            ("49010001", "token length 9"),
            ("40010001f1", "option delta nibble 15"),
            ("400100011f", "option length nibble 15"),
            ("40010001ff", "payload marker without payload"),
            ("41000001aa", "empty message with a token"),
            ("40000001ff00", "empty message with a payload"),
        ];
        for (raw, why) in cases {
            assert!(
                matches!(decode(&hex(raw)), Err(ParseError::Malformed { .. })),
                "{why}"
            );
        }
        // Option numbers summing past 65535.
        let mut raw = hex("40010001");
        for _ in 0..2 {
            raw.extend_from_slice(&[0xe0, 0x7f, 0xff]);
        }
        assert!(matches!(
            decode(&raw),
            Err(ParseError::Malformed {
                field: "option number",
                ..
            })
        ));
        assert!(matches!(
            decode(&vec![0x40; MAX_MESSAGE + 1]),
            Err(ParseError::TooLarge { .. })
        ));
    }

    #[test]
    fn empty_ack_and_reset_decode() {
        let ack = decode(&hex("6000abcd")).unwrap();
        assert_eq!(
            (ack.kind, ack.code.is_empty()),
            (MessageType::Acknowledgement, true)
        );
        assert_eq!(reset_for(0xabcd).encode(), hex("7000abcd"));
        assert!(
            decode_request(&hex("4000abcd")).is_err(),
            "a ping is no request"
        );
    }

    #[test]
    fn block_values_follow_rfc_7959() {
        assert_eq!(
            Block::decode(&[]),
            Some(Block {
                num: 0,
                more: false,
                szx: 0
            })
        );
        assert_eq!(
            Block::decode(&[0x0a]).map(|b| (b.num, b.more, b.size())),
            Some((0, true, 64))
        );
        assert_eq!(
            Block::decode(&[0x01, 0x2e]).map(|b| (b.num, b.more, b.szx)),
            Some((0x12, true, 6))
        );
        assert_eq!(Block::decode(&[0x07]), None, "szx 7 is reserved");
        assert_eq!(Block::decode(&[1, 2, 3, 4]), None, "four bytes");
        let b = Block {
            num: Block::MAX_NUM,
            more: true,
            szx: 6,
        };
        assert_eq!(Block::decode(&b.encode()), Some(b));
        assert_eq!(encode_uint(0), Vec::<u8>::new());
        assert_eq!(encode_uint(0x0100), vec![1, 0]);
        assert_eq!(decode_uint(&[0, 0, 1]), Some(1));
        assert_eq!(decode_uint(&[0; 5]), None);
    }

    #[test]
    fn codes_render_class_dot_detail() {
        assert_eq!(Code::UNAUTHORIZED.to_string(), "4.01");
        assert_eq!(Code::SERVICE_UNAVAILABLE.to_string(), "5.03");
        assert_eq!(Code::GET.to_string(), "0.01");
        assert!(Code::GET.is_request() && !Code::EMPTY.is_request());
        assert!(Code::FORBIDDEN.is_response() && !Code::FORBIDDEN.is_success());
        assert!(!Code::new(3, 1).is_response());
        assert_eq!(Code::new(4, 30).name(), "");
    }

    fn small_body() -> Vec<u8> {
        (0..150u8).collect()
    }

    #[test]
    fn response_is_piggybacked_and_unblocked_when_it_fits() {
        let req = decode_request(&hex(LIBCOAP_GET_CORE)).unwrap();
        let resp = response(&req, Code::CONTENT, Some(40), b"</a>", 2);
        assert_eq!(resp.kind, MessageType::Acknowledgement);
        assert_eq!(
            (resp.message_id, resp.token.as_slice()),
            (0xa1db, &[1u8][..])
        );
        assert_eq!(resp.content_format(), Some(40));
        assert_eq!(resp.block2(), None);
        let mut non = req.clone();
        non.kind = MessageType::NonConfirmable;
        let resp = response(&non, Code::NOT_FOUND, None, b"", 2);
        assert_eq!(
            (resp.kind, resp.options.len()),
            (MessageType::NonConfirmable, 0)
        );
    }

    #[test]
    fn response_serves_blocks_like_libcoap() {
        let body = small_body();
        let req = get_request(1, b"t", "/x", None);
        let first = response(&req, Code::CONTENT, Some(0), &body, 2);
        assert_eq!(
            first.block2(),
            Some(Block {
                num: 0,
                more: true,
                szx: 2
            })
        );
        assert_eq!(first.uint_option(option::SIZE2), Some(150));
        assert_eq!(first.payload, &body[..64]);
        let last = response(
            &get_request(2, b"t", "/x", Some((2, 2))),
            Code::CONTENT,
            None,
            &body,
            2,
        );
        assert_eq!(
            last.block2(),
            Some(Block {
                num: 2,
                more: false,
                szx: 2
            })
        );
        assert_eq!(last.payload, &body[128..]);
        // The client asks for 1024-byte blocks: the server keeps to 64.
        let big = response(
            &get_request(3, b"t", "/x", Some((0, 6))),
            Code::CONTENT,
            None,
            &body,
            2,
        );
        assert_eq!(big.block2().map(|b| (b.num, b.szx)), Some((0, 2)));
        // The client asks for 32-byte block 3: that block, at the smaller size.
        let small = response(
            &get_request(4, b"t", "/x", Some((3, 1))),
            Code::CONTENT,
            None,
            &body,
            2,
        );
        assert_eq!(
            small.block2(),
            Some(Block {
                num: 3,
                more: true,
                szx: 1
            })
        );
        assert_eq!(small.payload, &body[96..128]);
        // A server limit below the client's: block 1 of 128 bytes is block 2 of 64.
        let scaled = response(
            &get_request(5, b"t", "/x", Some((1, 3))),
            Code::CONTENT,
            None,
            &body,
            2,
        );
        assert_eq!(scaled.block2().map(|b| b.num), Some(2));
        let beyond = response(
            &get_request(6, b"t", "/x", Some((3, 2))),
            Code::CONTENT,
            None,
            &body,
            2,
        );
        assert_eq!(beyond.code, Code::BAD_OPTION);
    }

    #[test]
    fn parses_libcoap_link_list() {
        let links = parse_link_format(LIBCOAP_LINKS.as_bytes()).unwrap();
        let targets: Vec<&str> = links.iter().map(|l| l.target.as_str()).collect();
        assert_eq!(targets, ["/", "/time", "/async", "/example_data"]);
        assert_eq!(links[1].attr("if"), Some("clock"));
        assert_eq!(links[1].attr("title"), Some("Internal Clock"));
        assert_eq!(links[1].resource_types().collect::<Vec<_>>(), ["ticks"]);
        assert_eq!(links[1].attr("ct"), Some("0"));
        assert!(links[1].has_attr("obs") && links[1].attr("obs").is_none());
        assert!(!links[2].has_attr("obs"));
    }

    #[test]
    fn link_format_tolerates_whitespace_quotes_and_flags() {
        let text = " </sensors/temp> ; rt=\"temperature-c  oma.x\" ; if=\"sensor\";ct=0 ,\n\t</3/0>;title=\"a, \\\"b\\\"; c\";obs;;, </1>;sz = 12 ,";
        let links = parse_link_format(text.as_bytes()).unwrap();
        assert_eq!(links.len(), 3);
        assert_eq!(
            links[0].resource_types().collect::<Vec<_>>(),
            ["temperature-c", "oma.x"]
        );
        assert_eq!(links[0].attr("CT"), Some("0"));
        assert_eq!(links[1].target, "/3/0");
        assert_eq!(links[1].attr("title"), Some("a, \"b\"; c"));
        assert!(links[1].has_attr("obs"));
        assert_eq!(links[2].attr("sz"), Some("12"));
        assert!(lwm2m::lists_device_object(&links));
        assert_eq!(parse_link_format(b"").unwrap(), vec![]);
        assert_eq!(parse_link_format(b" \r\n ").unwrap(), vec![]);
    }

    #[test]
    fn link_format_rejects_broken_syntax() {
        for bad in [
            &b"/sensors"[..],
            b"</a",
            b"</a>;title=\"open",
            b"</a> junk",
            b"</a>;=3",
            b"</a>;\"x\"",
            b"</\xff>",
        ] {
            assert!(
                matches!(parse_link_format(bad), Err(ParseError::Malformed { .. })),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn link_format_is_bounded() {
        let many: String = (0..1000).map(|i| format!("</r{i}>;rt=\"x\",")).collect();
        let links = parse_link_format(many.as_bytes()).unwrap();
        assert_eq!(links.len(), MAX_LINKS);
        let long = format!(
            "<{}>;title=\"{}\";rt={}",
            "t".repeat(5000),
            "v".repeat(5000),
            "w".repeat(900)
        );
        let links = parse_link_format(long.as_bytes()).unwrap();
        assert_eq!(links[0].target.len(), MAX_LINK_VALUE);
        assert_eq!(links[0].attr("title").unwrap().len(), MAX_LINK_VALUE);
        assert_eq!(links[0].attr("rt").unwrap().len(), MAX_LINK_VALUE);
        let attrs: String = (0..100).map(|i| format!(";a{i}=1")).collect();
        let links = parse_link_format(format!("</x>{attrs}").as_bytes()).unwrap();
        assert_eq!(links[0].attributes.len(), MAX_LINK_ATTRIBUTES);
    }

    #[test]
    fn link_format_round_trips_through_the_encoder() {
        let links = parse_link_format(LIBCOAP_LINKS.as_bytes()).unwrap();
        assert_eq!(encode_link_format(&links), LIBCOAP_LINKS);
        let odd = vec![Link {
            target: "/q".into(),
            attributes: vec![("title".into(), Some("say \"hi\", \\ ok".into()))],
        }];
        assert_eq!(
            parse_link_format(encode_link_format(&odd).as_bytes()).unwrap(),
            odd
        );
    }

    #[test]
    fn lwm2m_values_from_text_and_tlv() {
        assert_eq!(
            lwm2m::resource_value(Some(0), b"Luchtmeet"),
            Some(&b"Luchtmeet"[..])
        );
        assert_eq!(lwm2m::resource_value(None, b"x"), Some(&b"x"[..]));
        for value in [&b"2.4.1"[..], &[b'v'; 200][..], &[b'w'; 300][..], b""] {
            let tlv = lwm2m::encode_tlv_resource(3, value);
            assert_eq!(lwm2m::resource_value(Some(11542), &tlv), Some(value));
        }
        // LwM2M 1.0 TLV of resource 0 "Open Mobile Alliance" (spec example).
        let mut tlv = vec![0xc8, 0x00, 0x14];
        tlv.extend_from_slice(b"Open Mobile Alliance");
        assert_eq!(
            lwm2m::resource_value(Some(1542), &tlv),
            Some(&b"Open Mobile Alliance"[..])
        );
        assert_eq!(
            lwm2m::resource_value(Some(11542), &tlv[..10]),
            None,
            "truncated"
        );
        assert_eq!(
            lwm2m::resource_value(Some(11542), &[0x08, 0x00, 0x01, 0x41]),
            None,
            "object instance"
        );
        assert_eq!(lwm2m::resource_value(Some(50), b"{}"), None);
        let links = parse_link_format(b"</1/0>,</3>;ver=1.0").unwrap();
        assert!(lwm2m::lists_device_object(&links));
        let links = parse_link_format(b"</3/0/1>,</30/0>").unwrap();
        assert!(!lwm2m::lists_device_object(&links));
    }

    #[test]
    fn decoders_never_panic_on_random_or_mutated_input() {
        let valid: Vec<Vec<u8>> = [
            LIBCOAP_GET_CORE,
            LIBCOAP_CORE_BLOCK1,
            LIBCOAP_NOT_FOUND,
            LIBCOAP_NON_ROOT_REPLY,
        ]
        .iter()
        .map(|h| hex(h))
        .collect();
        let refs: Vec<&[u8]> = valid.iter().map(Vec::as_slice).collect();
        for input in fuzz::mutations(&refs) {
            if let Ok(m) = decode(&input) {
                let _ = m.block2();
                let _ = m.content_format();
                let _ = m.uri_path();
                let _ = m.encode();
                let _ = response(&m, Code::CONTENT, Some(40), &input, 2);
            }
            let _ = decode_request(&input);
            let _ = lwm2m::resource_value(Some(11542), &input);
        }
        let texts: [&[u8]; 2] = [LIBCOAP_LINKS.as_bytes(), b"</a>;b=\"c\\\"d\";e,</f>"];
        for input in fuzz::mutations(&texts) {
            if let Ok(links) = parse_link_format(&input) {
                assert!(links.len() <= MAX_LINKS);
            }
        }
    }
}
