//! BACnet/IP (ASHRAE 135 Annex J): BVLC, NPDU, Who-Is/I-Am, ReadProperty.
//! Just enough to learn who a building controller is. The builders cover
//! Who-Is, ReadProperty and the lab's answers; nothing here encodes a service
//! that changes a device's state.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddrV4};

use super::{ParseError, malformed};

/// The UDP port BACnet/IP uses (0xBAC0).
pub const PORT: u16 = 47808;
/// Object type of the device object.
pub const DEVICE: u16 = 8;
/// The device instance every device answers to as its own (clause 15.5.2).
pub const WILDCARD_INSTANCE: u32 = 4_194_303;
/// Nesting of opening/closing tags accepted inside one property value.
pub const MAX_NESTING: usize = 16;

/// Confirmed service choice of ReadProperty.
pub const READ_PROPERTY: u8 = 12;
const I_AM: u8 = 0;
const WHO_IS: u8 = 8;

const BVLC_TYPE: u8 = 0x81;
const BVLC_RESULT: u8 = 0x00;
const BVLC_FORWARDED: u8 = 0x04;
const BVLC_DISTRIBUTE: u8 = 0x09;
const BVLC_UNICAST: u8 = 0x0a;
const BVLC_BROADCAST: u8 = 0x0b;

const TAG_NULL: u8 = 0;
const TAG_BOOLEAN: u8 = 1;
const TAG_UNSIGNED: u8 = 2;
const TAG_SIGNED: u8 = 3;
const TAG_OCTET_STRING: u8 = 6;
const TAG_CHARACTER_STRING: u8 = 7;
const TAG_ENUMERATED: u8 = 9;
const TAG_OBJECT_ID: u8 = 12;

/// Property identifiers of the device object that say what it is.
pub mod property {
    /// Application_Software_Version (12): version of the application program the device runs.
    pub const APPLICATION_SOFTWARE_VERSION: u32 = 12;
    /// Description (28): free text the integrator entered.
    pub const DESCRIPTION: u32 = 28;
    /// Firmware_Revision (44): the device's firmware version.
    pub const FIRMWARE_REVISION: u32 = 44;
    /// Location (58): where the device is, as configured.
    pub const LOCATION: u32 = 58;
    /// Max_APDU_Length_Accepted (62): the largest APDU in bytes the device takes.
    pub const MAX_APDU_LENGTH_ACCEPTED: u32 = 62;
    /// Model_Name (70): the vendor's model designation.
    pub const MODEL_NAME: u32 = 70;
    /// Object_Identifier (75): the object's own type and instance.
    pub const OBJECT_IDENTIFIER: u32 = 75;
    /// Object_Name (77): a name unique within the device, such as "AHU-3 controller".
    pub const OBJECT_NAME: u32 = 77;
    /// Object_Type (79): the object type, 8 for a device.
    pub const OBJECT_TYPE: u32 = 79;
    /// Protocol_Version (98): the BACnet protocol version, 1 for every current device.
    pub const PROTOCOL_VERSION: u32 = 98;
    /// Segmentation_Supported (107): one of [`segmentation`](super::segmentation).
    pub const SEGMENTATION_SUPPORTED: u32 = 107;
    /// System_Status (112): operational, non-operational, download in progress and so on.
    pub const SYSTEM_STATUS: u32 = 112;
    /// Vendor_Identifier (120): the vendor number ASHRAE assigned.
    pub const VENDOR_IDENTIFIER: u32 = 120;
    /// Vendor_Name (121): the manufacturer's name.
    pub const VENDOR_NAME: u32 = 121;
    /// Protocol_Revision (139): the revision of ASHRAE 135 the device implements.
    pub const PROTOCOL_REVISION: u32 = 139;
}

/// Character sets of a CharacterString (clause 20.2.9).
pub mod charset {
    /// ANSI X3.4 in old revisions, UTF-8 since 135-2008.
    pub const UTF8: u8 = 0;
    /// IBM/Microsoft DBCS (a double-byte code page).
    pub const IBM_DBCS: u8 = 1;
    /// JIS X 0208 (Japanese).
    pub const JIS_X0208: u8 = 2;
    /// ISO 10646 UCS-4: four bytes per character.
    pub const UCS4: u8 = 3;
    /// ISO 10646 UCS-2: two bytes per character.
    pub const UCS2: u8 = 4;
    /// ISO 8859-1 (Latin-1).
    pub const ISO_8859_1: u8 = 5;
}

/// BACnetSegmentation values.
pub mod segmentation {
    /// Segments both when sending and when receiving.
    pub const BOTH: u32 = 0;
    /// Segments only when sending.
    pub const TRANSMIT: u32 = 1;
    /// Segments only when receiving.
    pub const RECEIVE: u32 = 2;
    /// Does not segment at all.
    pub const NONE: u32 = 3;
}

/// Error classes and the error codes a ReadProperty can end in.
pub mod error {
    /// Error class device: the device as a whole cannot serve the request.
    pub const CLASS_DEVICE: u32 = 0;
    /// Error class object: a problem with the object named in the request.
    pub const CLASS_OBJECT: u32 = 1;
    /// Error class property: a problem with the property named in the request.
    pub const CLASS_PROPERTY: u32 = 2;
    /// Error class resources: the device lacks memory or another resource.
    pub const CLASS_RESOURCES: u32 = 3;
    /// Error class security: authentication or permission failed.
    pub const CLASS_SECURITY: u32 = 4;
    /// Error class services: a problem with the service request itself.
    pub const CLASS_SERVICES: u32 = 5;
    /// Error code other: none of the specific codes applies.
    pub const OTHER: u32 = 0;
    /// Error code read-access-denied: the property exists but may not be read.
    pub const READ_ACCESS_DENIED: u32 = 27;
    /// Error code service-request-denied: the device refuses this service from this client.
    pub const SERVICE_REQUEST_DENIED: u32 = 29;
    /// Error code unknown-object: the device has no such object.
    pub const UNKNOWN_OBJECT: u32 = 31;
    /// Error code unknown-property: the object has no such property.
    pub const UNKNOWN_PROPERTY: u32 = 32;
    /// Error code invalid-array-index: the array index is out of range.
    pub const INVALID_ARRAY_INDEX: u32 = 42;
    /// Error code property-is-not-an-array: an array index was given for a property that is not an array.
    pub const PROPERTY_IS_NOT_AN_ARRAY: u32 = 50;
}

/// Reject reasons (clause 18.8).
pub mod reject {
    /// Reason other: none of the specific reasons applies.
    pub const OTHER: u8 = 0;
    /// Reason invalid-tag: a tag in the request is wrong for its position.
    pub const INVALID_TAG: u8 = 4;
    /// Reason missing-required-parameter: the request lacks a parameter the service needs.
    pub const MISSING_REQUIRED_PARAMETER: u8 = 5;
    /// Reason unrecognized-service: the device does not know the confirmed service.
    pub const UNRECOGNIZED_SERVICE: u8 = 9;
}

/// Abort reasons (clause 18.9).
pub mod abort {
    /// Reason other: none of the specific reasons applies.
    pub const OTHER: u8 = 0;
    /// Reason segmentation-not-supported: the answer would need segmentation the other side cannot do.
    pub const SEGMENTATION_NOT_SUPPORTED: u8 = 4;
}

/// `(class, code)` of an Error PDU as words, for notes and reports.
pub fn error_name(class: u32, code: u32) -> String {
    let class = match class {
        error::CLASS_DEVICE => "device",
        error::CLASS_OBJECT => "object",
        error::CLASS_PROPERTY => "property",
        error::CLASS_RESOURCES => "resources",
        error::CLASS_SECURITY => "security",
        error::CLASS_SERVICES => "services",
        6 => "vt",
        7 => "communication",
        _ => return format!("class {class} code {code}"),
    };
    let code = match code {
        error::OTHER => "other".to_string(),
        error::READ_ACCESS_DENIED => "read-access-denied".to_string(),
        error::SERVICE_REQUEST_DENIED => "service-request-denied".to_string(),
        error::UNKNOWN_OBJECT => "unknown-object".to_string(),
        error::UNKNOWN_PROPERTY => "unknown-property".to_string(),
        error::INVALID_ARRAY_INDEX => "invalid-array-index".to_string(),
        error::PROPERTY_IS_NOT_AN_ARRAY => "property-is-not-an-array".to_string(),
        c => format!("code {c}"),
    };
    format!("{class}: {code}")
}

// ---- values ----

/// An object identifier: 10 bits of type, 22 bits of instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectId {
    /// Object type number (10 bits), such as [`DEVICE`].
    pub object_type: u16,
    /// Instance number (22 bits); [`WILDCARD_INSTANCE`] means "whichever device receives it".
    pub instance: u32,
}

impl ObjectId {
    /// The device object with this instance.
    pub const fn device(instance: u32) -> ObjectId {
        ObjectId {
            object_type: DEVICE,
            instance,
        }
    }

    /// Splits a 32-bit encoded object identifier into type and instance.
    pub fn from_u32(raw: u32) -> ObjectId {
        ObjectId {
            object_type: (raw >> 22) as u16,
            instance: raw & WILDCARD_INSTANCE,
        }
    }

    /// Bits that do not fit their field are dropped.
    pub fn to_u32(self) -> u32 {
        (u32::from(self.object_type) & 0x3ff) << 22 | (self.instance & WILDCARD_INSTANCE)
    }

    /// True for the device object type.
    pub fn is_device(self) -> bool {
        self.object_type == DEVICE
    }
}

/// "device,599" as bacpypes and the BACnet tools write it.
impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_device() {
            write!(f, "device,{}", self.instance)
        } else {
            write!(f, "{},{}", self.object_type, self.instance)
        }
    }
}

/// A CharacterString as sent: its character-set byte and the encoded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CharString {
    /// Character-set byte, one of [`charset`].
    pub charset: u8,
    /// The text in that character set, undecoded.
    pub bytes: Vec<u8>,
}

impl CharString {
    /// `text` as UTF-8 (character set 0).
    pub fn utf8(text: &str) -> CharString {
        CharString {
            charset: charset::UTF8,
            bytes: text.as_bytes().to_vec(),
        }
    }

    /// The text, for the character sets that map to Unicode without tables;
    /// `None` for the DBCS and JIS sets. Undecodable units become U+FFFD.
    pub fn text(&self) -> Option<String> {
        Some(match self.charset {
            charset::UTF8 => String::from_utf8_lossy(&self.bytes).into_owned(),
            charset::ISO_8859_1 => self.bytes.iter().map(|&b| char::from(b)).collect(),
            charset::UCS2 => {
                let units = self
                    .bytes
                    .chunks(2)
                    .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]));
                char::decode_utf16(units)
                    .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
                    .collect()
            }
            charset::UCS4 => self
                .bytes
                .chunks(4)
                .map(|c| {
                    let mut b = [0u8; 4];
                    b[..c.len()].copy_from_slice(c);
                    char::from_u32(u32::from_be_bytes(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
                })
                .collect(),
            _ => return None,
        })
    }
}

/// A property value. Application-tagged primitives are decoded; anything
/// with context tags (structures) is kept as its raw tagged bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Null (application tag 0).
    Null,
    /// Boolean (application tag 1).
    Boolean(bool),
    /// Unsigned Integer (application tag 2).
    Unsigned(u64),
    /// Signed Integer (application tag 3).
    Signed(i64),
    /// Octet String (application tag 6).
    OctetString(Vec<u8>),
    /// Character String (application tag 7).
    CharacterString(CharString),
    /// Enumerated (application tag 9), such as a [`segmentation`] value.
    Enumerated(u64),
    /// BACnetObjectIdentifier (application tag 12).
    ObjectId(ObjectId),
    /// Real, Double, BitString, Date, Time and reserved tags: tag number and content.
    Other {
        /// Application tag number, such as 4 for Real.
        tag: u8,
        /// Content bytes after the tag header, undecoded.
        data: Vec<u8>,
    },
    /// Several application-tagged values (an array or list).
    List(Vec<Value>),
    /// Constructed data with context tags, as on the wire.
    Constructed(Vec<u8>),
}

impl Value {
    /// A UTF-8 Character String.
    pub fn text(s: &str) -> Value {
        Value::CharacterString(CharString::utf8(s))
    }
}

// ---- messages ----

/// The BVLC function of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Function {
    /// Original-Unicast-NPDU (0x0A): sent straight to one device.
    OriginalUnicast,
    /// Original-Broadcast-NPDU (0x0B): sent to the local broadcast address.
    OriginalBroadcast,
    /// Re-sent by a BBMD; `origin` is the B/IP address of the original sender.
    Forwarded {
        /// B/IP address (IPv4 address and UDP port) of the original sender.
        origin: SocketAddrV4,
    },
    /// Distribute-Broadcast-To-Network (0x09): a foreign device asks a BBMD to broadcast for it.
    DistributeBroadcast,
    /// BVLC-Result with its result code (0 is success, others are NAKs).
    Result(u16),
    /// BBMD table management and other link-only functions.
    Other(u8),
}

/// A remote network address from the NPDU (DNET/DADR or SNET/SADR).
/// An empty `mac` in a destination means broadcast on that network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetAddress {
    /// Network number, 1 to 65534 (65535 addresses every network).
    pub network: u16,
    /// MAC address on that network (for B/IP six bytes: IPv4 address and port).
    pub mac: Vec<u8>,
}

/// The network-layer header (clause 6.2).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Npdu {
    /// The sender wants an answer (confirmed request, or a reply it awaits).
    pub expecting_reply: bool,
    /// Network priority 0 to 3: normal, urgent, critical equipment, life safety.
    pub priority: u8,
    /// DNET and DADR: the final destination behind a router; `None` for the local network.
    pub destination: Option<NetAddress>,
    /// SNET and SADR: where a router says the message came from; `None` for the local network.
    pub source: Option<NetAddress>,
    /// Present exactly when `destination` is.
    pub hop_count: Option<u8>,
}

impl Npdu {
    /// For a device on the same network: no routing information.
    pub fn local(expecting_reply: bool) -> Npdu {
        Npdu {
            expecting_reply,
            ..Npdu::default()
        }
    }

    /// For a device behind a router: DNET/DADR set, hop count 255.
    pub fn routed(destination: Option<NetAddress>, expecting_reply: bool) -> Npdu {
        Npdu {
            expecting_reply,
            hop_count: destination.as_ref().map(|_| 255),
            destination,
            ..Npdu::default()
        }
    }

    /// The header of an answer to `request`: back to its source network, if it
    /// came through a router.
    pub fn reply_to(request: &Npdu) -> Npdu {
        Npdu::routed(request.source.clone(), false)
    }
}

/// A Who-Is request: which devices should announce themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WhoIs {
    /// Device instance low and high limit; `None` asks every device.
    pub range: Option<(u32, u32)>,
}

/// An I-Am: a device announcing itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IAm {
    /// The device object; its instance is the device instance.
    pub device: ObjectId,
    /// Max_APDU_Length_Accepted in bytes.
    pub max_apdu: u32,
    /// One of [`segmentation`].
    pub segmentation: u32,
    /// Vendor identifier assigned by ASHRAE.
    pub vendor_id: u16,
}

/// A ReadProperty request: one property of one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadProperty {
    /// The object to read from.
    pub object: ObjectId,
    /// The property identifier, such as one of [`property`].
    pub property: u32,
    /// Element of an array property; 0 reads the array's length; `None` reads the whole property.
    pub array_index: Option<u32>,
}

impl ReadProperty {
    /// A request for `property` of device `instance`, with no array index.
    pub fn device(instance: u32, property: u32) -> ReadProperty {
        ReadProperty {
            object: ObjectId::device(instance),
            property,
            array_index: None,
        }
    }
}

/// The answer to a ReadProperty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadPropertyAck {
    /// The object read from.
    pub object: ObjectId,
    /// The property identifier read.
    pub property: u32,
    /// Array element read, as requested.
    pub array_index: Option<u32>,
    /// The property value; several values come as [`Value::List`].
    pub value: Value,
}

/// An application-layer PDU (clause 20.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Apdu {
    /// Who-Is, unconfirmed.
    WhoIs(WhoIs),
    /// I-Am, unconfirmed.
    IAm(IAm),
    /// A ReadProperty confirmed request.
    ReadProperty {
        /// Chosen by the requester; the answer carries the same value.
        invoke_id: u8,
        /// What is asked.
        request: ReadProperty,
    },
    /// A ReadProperty Complex-ACK.
    ReadPropertyAck {
        /// The invoke ID of the request answered.
        invoke_id: u8,
        /// What came back.
        ack: ReadPropertyAck,
    },
    /// An Error PDU: the service failed.
    Error {
        /// The invoke ID of the request answered.
        invoke_id: u8,
        /// Service choice of the request that failed.
        service: u8,
        /// Error class, one of the `CLASS_*` values in [`error`](mod@error).
        class: u32,
        /// Error code, such as [`error::UNKNOWN_PROPERTY`].
        code: u32,
    },
    /// A Reject PDU: the request is malformed or unknown to the device.
    Reject {
        /// The invoke ID of the request rejected.
        invoke_id: u8,
        /// Reject reason, such as one of [`reject`](mod@reject).
        reason: u8,
    },
    /// An Abort PDU: the transaction ends.
    Abort {
        /// The invoke ID of the transaction aborted.
        invoke_id: u8,
        /// Sent by the server (the device) rather than the client.
        server: bool,
        /// Abort reason, such as one of [`abort`](mod@abort).
        reason: u8,
    },
    /// A Simple-ACK: a confirmed service succeeded with nothing to return.
    SimpleAck {
        /// The invoke ID of the request answered.
        invoke_id: u8,
        /// Service choice of the request answered.
        service: u8,
    },
    /// A Segment-ACK: acknowledges segments of a segmented message.
    SegmentAck {
        /// The invoke ID of the segmented transaction.
        invoke_id: u8,
    },
    /// Another confirmed service, or a segmented request (not decoded).
    ConfirmedRequest {
        /// Chosen by the requester.
        invoke_id: u8,
        /// Confirmed service choice.
        service: u8,
        /// The request is one segment of several.
        segmented: bool,
    },
    /// Another service's Complex-ACK, or a segmented one (not decoded).
    ComplexAck {
        /// The invoke ID of the request answered.
        invoke_id: u8,
        /// Service choice of the request answered.
        service: u8,
        /// The answer is one segment of several.
        segmented: bool,
    },
    /// Another unconfirmed service (not decoded).
    UnconfirmedRequest {
        /// Unconfirmed service choice.
        service: u8,
    },
}

/// What a BVLC frame carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// A BVLC function that carries no NPDU.
    Link,
    /// A network-layer message (routers' business), skipped.
    Network {
        /// The network-layer header.
        npdu: Npdu,
        /// Network message type, such as 0x00 Who-Is-Router-To-Network.
        message_type: u8,
    },
    /// An application message.
    Application {
        /// The network-layer header, with any routing information.
        npdu: Npdu,
        /// The application PDU.
        apdu: Apdu,
    },
}

/// A BACnet/IP frame: the BVLC function and what it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The BVLC function.
    pub function: Function,
    /// The NPDU and APDU, if any.
    pub content: Content,
}

impl Frame {
    /// The APDU, for an application message.
    pub fn apdu(&self) -> Option<&Apdu> {
        match &self.content {
            Content::Application { apdu, .. } => Some(apdu),
            _ => None,
        }
    }

    /// The network-layer header, for a frame that has one.
    pub fn npdu(&self) -> Option<&Npdu> {
        match &self.content {
            Content::Application { npdu, .. } | Content::Network { npdu, .. } => Some(npdu),
            Content::Link => None,
        }
    }
}

// ---- tags ----

/// A tag header (clause 20.2.1). `len` is the content length that follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// Application Boolean: the value lives in the header, no content.
    Boolean(bool),
    /// An application tag: `number` is the data type, such as 7 for Character String.
    Application {
        /// Application tag number.
        number: u8,
        /// Content length in bytes.
        len: usize,
    },
    /// A context tag: `number` is the field's position in the service's structure.
    Context {
        /// Context tag number.
        number: u8,
        /// Content length in bytes.
        len: usize,
    },
    /// An opening tag with its context number: a constructed value follows.
    Opening(u8),
    /// A closing tag with its context number: the constructed value ends.
    Closing(u8),
}

impl Tag {
    fn content_len(self) -> usize {
        match self {
            Tag::Application { len, .. } | Tag::Context { len, .. } => len,
            _ => 0,
        }
    }
}

/// Reads one tag header: the tag and the header's length. `Incomplete` only
/// when the header itself is cut short; whether the content fits is the
/// caller's question.
pub fn decode_tag(buf: &[u8]) -> Result<(Tag, usize), ParseError> {
    let &first = buf.first().ok_or(ParseError::Incomplete)?;
    let mut used = 1;
    let mut number = first >> 4;
    if number == 0x0f {
        number = *buf.get(used).ok_or(ParseError::Incomplete)?;
        if number == 0xff {
            return Err(malformed("tag", "reserved tag number 255"));
        }
        used += 1;
    }
    let context = first & 0x08 != 0;
    let lvt = first & 0x07;
    if context && lvt == 6 {
        return Ok((Tag::Opening(number), used));
    }
    if context && lvt == 7 {
        return Ok((Tag::Closing(number), used));
    }
    if !context && number == TAG_BOOLEAN {
        return match lvt {
            0 | 1 => Ok((Tag::Boolean(lvt == 1), used)),
            v => Err(malformed("boolean", format!("value {v}"))),
        };
    }
    let len = match lvt {
        0..=4 => usize::from(lvt),
        5 => {
            let &ext = buf.get(used).ok_or(ParseError::Incomplete)?;
            used += 1;
            let width = match ext {
                0..=253 => 0,
                254 => 2,
                255 => 4,
            };
            if width == 0 {
                usize::from(ext)
            } else {
                let bytes = buf.get(used..used + width).ok_or(ParseError::Incomplete)?;
                used += width;
                let n = bytes.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b));
                usize::try_from(n).map_err(|_| malformed("tag", "length does not fit"))?
            }
        }
        v => {
            return Err(malformed(
                "tag",
                format!("application tag with length code {v}"),
            ));
        }
    };
    Ok((
        if context {
            Tag::Context { number, len }
        } else {
            Tag::Application { number, len }
        },
        used,
    ))
}

fn put_tag_header(out: &mut Vec<u8>, number: u8, context: bool, lvt: u8) {
    let class = if context { 0x08 } else { 0x00 };
    if number < 15 {
        out.push(number << 4 | class | lvt);
    } else {
        out.extend_from_slice(&[0xf0 | class | lvt, number]);
    }
}

/// A tag for `len` bytes of content, with the extended length forms.
fn put_tag(out: &mut Vec<u8>, number: u8, context: bool, len: usize) {
    if len < 5 {
        put_tag_header(out, number, context, len as u8);
        return;
    }
    put_tag_header(out, number, context, 5);
    if len <= 253 {
        out.push(len as u8);
    } else if let Ok(n) = u16::try_from(len) {
        out.push(254);
        out.extend_from_slice(&n.to_be_bytes());
    } else {
        out.push(255);
        let n = u32::try_from(len).unwrap_or(u32::MAX);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

fn put_opening(out: &mut Vec<u8>, number: u8) {
    put_tag_header(out, number, true, 6);
}

fn put_closing(out: &mut Vec<u8>, number: u8) {
    put_tag_header(out, number, true, 7);
}

fn minimal_unsigned(v: u64) -> Vec<u8> {
    let b = v.to_be_bytes();
    let skip = b.iter().take_while(|&&x| x == 0).count().min(7);
    b[skip..].to_vec()
}

fn minimal_signed(v: i64) -> Vec<u8> {
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

fn put_primitive(out: &mut Vec<u8>, number: u8, context: bool, content: &[u8]) {
    put_tag(out, number, context, content.len());
    out.extend_from_slice(content);
}

fn put_value(out: &mut Vec<u8>, v: &Value) {
    match v {
        Value::Null => put_primitive(out, TAG_NULL, false, &[]),
        Value::Boolean(b) => put_tag_header(out, TAG_BOOLEAN, false, u8::from(*b)),
        Value::Unsigned(n) => put_primitive(out, TAG_UNSIGNED, false, &minimal_unsigned(*n)),
        Value::Signed(n) => put_primitive(out, TAG_SIGNED, false, &minimal_signed(*n)),
        Value::OctetString(b) => put_primitive(out, TAG_OCTET_STRING, false, b),
        Value::CharacterString(s) => {
            put_tag(out, TAG_CHARACTER_STRING, false, s.bytes.len() + 1);
            out.push(s.charset);
            out.extend_from_slice(&s.bytes);
        }
        Value::Enumerated(n) => put_primitive(out, TAG_ENUMERATED, false, &minimal_unsigned(*n)),
        Value::ObjectId(o) => put_primitive(out, TAG_OBJECT_ID, false, &o.to_u32().to_be_bytes()),
        Value::Other { tag, data } => put_primitive(out, *tag, false, data),
        Value::List(items) => items.iter().for_each(|i| put_value(out, i)),
        Value::Constructed(raw) => out.extend_from_slice(raw),
    }
}

// ---- encoding ----

/// Wraps an APDU in an NPDU and a BVLC Original-Unicast-NPDU header: stadscan
/// never broadcasts. The builders below keep APDUs far below the 64 KiB the
/// BVLC length field can express.
pub fn encode_frame(npdu: &Npdu, apdu: &[u8]) -> Vec<u8> {
    let mut body = vec![0x01];
    let mut control = npdu.priority & 0x03;
    if npdu.expecting_reply {
        control |= 0x04;
    }
    if npdu.source.is_some() {
        control |= 0x08;
    }
    if npdu.destination.is_some() {
        control |= 0x20;
    }
    body.push(control);
    let put_address = |body: &mut Vec<u8>, a: &NetAddress| {
        body.extend_from_slice(&a.network.to_be_bytes());
        let mac = &a.mac[..a.mac.len().min(255)];
        body.push(mac.len() as u8);
        body.extend_from_slice(mac);
    };
    if let Some(d) = &npdu.destination {
        put_address(&mut body, d);
    }
    if let Some(s) = &npdu.source {
        put_address(&mut body, s);
    }
    if npdu.destination.is_some() {
        body.push(npdu.hop_count.unwrap_or(255));
    }
    body.extend_from_slice(apdu);
    let len = u16::try_from(body.len() + 4).unwrap_or(u16::MAX);
    let mut out = Vec::with_capacity(body.len() + 4);
    out.extend_from_slice(&[BVLC_TYPE, BVLC_UNICAST]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// Who-Is, optionally for a range of device instances.
pub fn who_is(range: Option<(u32, u32)>) -> Vec<u8> {
    let mut out = vec![0x10, WHO_IS];
    if let Some((low, high)) = range {
        put_primitive(&mut out, 0, true, &minimal_unsigned(u64::from(low)));
        put_primitive(&mut out, 1, true, &minimal_unsigned(u64::from(high)));
    }
    out
}

/// The I-Am APDU for `i` (unconfirmed request, service 0).
pub fn i_am(i: &IAm) -> Vec<u8> {
    let mut out = vec![0x10, I_AM];
    put_value(&mut out, &Value::ObjectId(i.device));
    put_value(&mut out, &Value::Unsigned(u64::from(i.max_apdu)));
    put_value(&mut out, &Value::Enumerated(u64::from(i.segmentation)));
    put_value(&mut out, &Value::Unsigned(u64::from(i.vendor_id)));
    out
}

fn put_read_property_params(
    out: &mut Vec<u8>,
    object: ObjectId,
    property: u32,
    index: Option<u32>,
) {
    put_primitive(out, 0, true, &object.to_u32().to_be_bytes());
    put_primitive(out, 1, true, &minimal_unsigned(u64::from(property)));
    if let Some(i) = index {
        put_primitive(out, 2, true, &minimal_unsigned(u64::from(i)));
    }
}

/// A ReadProperty request. Says it takes no segmented answer and APDUs of
/// up to 1476 bytes (the BACnet/IP maximum).
pub fn read_property(invoke_id: u8, req: &ReadProperty) -> Vec<u8> {
    let mut out = vec![0x00, 0x05, invoke_id, READ_PROPERTY];
    put_read_property_params(&mut out, req.object, req.property, req.array_index);
    out
}

/// The Complex-ACK APDU answering a ReadProperty.
pub fn read_property_ack(invoke_id: u8, ack: &ReadPropertyAck) -> Vec<u8> {
    let mut out = vec![0x30, invoke_id, READ_PROPERTY];
    put_read_property_params(&mut out, ack.object, ack.property, ack.array_index);
    put_opening(&mut out, 3);
    put_value(&mut out, &ack.value);
    put_closing(&mut out, 3);
    out
}

/// The Error APDU for a failed `service`.
pub fn error(invoke_id: u8, service: u8, class: u32, code: u32) -> Vec<u8> {
    let mut out = vec![0x50, invoke_id, service];
    put_value(&mut out, &Value::Enumerated(u64::from(class)));
    put_value(&mut out, &Value::Enumerated(u64::from(code)));
    out
}

/// The Reject APDU for request `invoke_id`.
pub fn reject(invoke_id: u8, reason: u8) -> Vec<u8> {
    vec![0x60, invoke_id, reason]
}

/// The Abort APDU; `server` says the device, not the client, aborts.
pub fn abort(invoke_id: u8, server: bool, reason: u8) -> Vec<u8> {
    vec![0x70 | u8::from(server), invoke_id, reason]
}

// ---- decoding ----

/// Reads tagged items inside an APDU whose bytes are all present, so a
/// length past its end is a lie (Malformed), never a reason to wait.
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

    fn rest(&self) -> &'a [u8] {
        self.buf.get(self.pos..).unwrap_or_default()
    }

    fn byte(&mut self, field: &'static str) -> Result<u8, ParseError> {
        let &b = self
            .buf
            .get(self.pos)
            .ok_or_else(|| malformed(field, "missing"))?;
        self.pos += 1;
        Ok(b)
    }

    fn bytes(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], ParseError> {
        let b = self
            .buf
            .get(self.pos..self.pos + n)
            .ok_or_else(|| malformed(field, format!("{n} bytes, {} left", self.rest().len())))?;
        self.pos += n;
        Ok(b)
    }

    fn peek(&self, field: &'static str) -> Result<Option<Tag>, ParseError> {
        if self.at_end() {
            return Ok(None);
        }
        decode_tag(self.rest())
            .map(|(t, _)| Some(t))
            .map_err(|e| truncated(e, field))
    }

    /// One tag and its content (empty for Boolean, opening and closing tags).
    fn next(&mut self, field: &'static str) -> Result<(Tag, &'a [u8]), ParseError> {
        let rest = self.rest();
        if rest.is_empty() {
            return Err(malformed(field, "missing"));
        }
        let (tag, hl) = decode_tag(rest).map_err(|e| truncated(e, field))?;
        let len = tag.content_len();
        if len > rest.len() - hl {
            return Err(malformed(
                field,
                format!("length {len} exceeds the {} bytes left", rest.len() - hl),
            ));
        }
        self.pos += hl + len;
        Ok((tag, &rest[hl..hl + len]))
    }

    fn context(&mut self, number: u8, field: &'static str) -> Result<&'a [u8], ParseError> {
        match self.next(field)? {
            (Tag::Context { number: n, .. }, content) if n == number => Ok(content),
            (t, _) => Err(malformed(
                field,
                format!("{t:?}, expected context tag {number}"),
            )),
        }
    }

    fn optional_context(
        &mut self,
        number: u8,
        field: &'static str,
    ) -> Result<Option<&'a [u8]>, ParseError> {
        match self.peek(field)? {
            Some(Tag::Context { number: n, .. }) if n == number => {
                self.context(number, field).map(Some)
            }
            _ => Ok(None),
        }
    }

    fn application(&mut self, number: u8, field: &'static str) -> Result<&'a [u8], ParseError> {
        match self.next(field)? {
            (Tag::Application { number: n, .. }, content) if n == number => Ok(content),
            (t, _) => Err(malformed(
                field,
                format!("{t:?}, expected application tag {number}"),
            )),
        }
    }

    fn expect(&mut self, want: Tag, field: &'static str) -> Result<(), ParseError> {
        match self.next(field)? {
            (t, _) if t == want => Ok(()),
            (t, _) => Err(malformed(field, format!("{t:?}, expected {want:?}"))),
        }
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

/// Inside a frame whose length covered everything, a cut-short tag is a lie.
fn truncated(e: ParseError, field: &'static str) -> ParseError {
    match e {
        ParseError::Incomplete => malformed(field, "truncated tag"),
        e => e,
    }
}

fn unsigned(b: &[u8], field: &'static str) -> Result<u64, ParseError> {
    if b.is_empty() || b.len() > 8 {
        return Err(malformed(field, format!("{}-byte unsigned", b.len())));
    }
    Ok(b.iter().fold(0u64, |acc, &x| acc << 8 | u64::from(x)))
}

fn unsigned32(b: &[u8], field: &'static str) -> Result<u32, ParseError> {
    u32::try_from(unsigned(b, field)?).map_err(|_| malformed(field, "exceeds 32 bits"))
}

fn signed(b: &[u8], field: &'static str) -> Result<i64, ParseError> {
    let Some(&first) = b.first() else {
        return Err(malformed(field, "empty signed"));
    };
    if b.len() > 8 {
        return Err(malformed(field, format!("{}-byte signed", b.len())));
    }
    let init = if first & 0x80 != 0 { -1i64 } else { 0 };
    Ok(b.iter().fold(init, |acc, &x| acc << 8 | i64::from(x)))
}

fn object_id(b: &[u8], field: &'static str) -> Result<ObjectId, ParseError> {
    let raw: [u8; 4] = b
        .try_into()
        .map_err(|_| malformed(field, format!("{} bytes, expected 4", b.len())))?;
    Ok(ObjectId::from_u32(u32::from_be_bytes(raw)))
}

fn application_value(tag: Tag, content: &[u8]) -> Result<Value, ParseError> {
    let (number, len) = match tag {
        Tag::Boolean(b) => return Ok(Value::Boolean(b)),
        Tag::Application { number, len } => (number, len),
        t => {
            return Err(malformed(
                "value",
                format!("{t:?} is not an application tag"),
            ));
        }
    };
    Ok(match number {
        TAG_NULL if len == 0 => Value::Null,
        TAG_NULL => return Err(malformed("null", "non-empty")),
        TAG_UNSIGNED => Value::Unsigned(unsigned(content, "unsigned")?),
        TAG_SIGNED => Value::Signed(signed(content, "signed")?),
        TAG_OCTET_STRING => Value::OctetString(content.to_vec()),
        TAG_CHARACTER_STRING => match content.split_first() {
            Some((&charset, bytes)) => Value::CharacterString(CharString {
                charset,
                bytes: bytes.to_vec(),
            }),
            None => return Err(malformed("character string", "no character set")),
        },
        TAG_ENUMERATED => Value::Enumerated(unsigned(content, "enumerated")?),
        TAG_OBJECT_ID => Value::ObjectId(object_id(content, "object identifier")?),
        other => Value::Other {
            tag: other,
            data: content.to_vec(),
        },
    })
}

/// The bytes between opening tag `number` (already read) and its closing
/// tag, which is consumed too.
fn enclosed<'a>(r: &mut Reader<'a>, number: u8) -> Result<&'a [u8], ParseError> {
    let start = r.pos;
    let mut depth = 0usize;
    loop {
        let before = r.pos;
        match r.next("property value")? {
            (Tag::Opening(_), _) => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(malformed("property value", "nested too deeply"));
                }
            }
            (Tag::Closing(n), _) if depth == 0 => {
                if n != number {
                    return Err(malformed(
                        "property value",
                        format!("closing tag {n}, expected {number}"),
                    ));
                }
                return Ok(&r.buf[start..before]);
            }
            (Tag::Closing(_), _) => depth -= 1,
            _ => {}
        }
    }
}

fn property_value(raw: &[u8]) -> Result<Value, ParseError> {
    let mut r = Reader::new(raw);
    let mut items = Vec::new();
    while !r.at_end() {
        match r.next("property value")? {
            (t @ (Tag::Boolean(_) | Tag::Application { .. }), content) => {
                items.push(application_value(t, content)?)
            }
            _ => return Ok(Value::Constructed(raw.to_vec())),
        }
    }
    Ok(if items.len() == 1 {
        items.remove(0)
    } else {
        Value::List(items)
    })
}

fn decode_who_is(r: &mut Reader<'_>) -> Result<WhoIs, ParseError> {
    let low = r.optional_context(0, "who-is low limit")?;
    let high = r.optional_context(1, "who-is high limit")?;
    r.finish("who-is")?;
    let limit = |b: &[u8], field| {
        let v = unsigned32(b, field)?;
        if v > WILDCARD_INSTANCE {
            return Err(malformed(field, format!("{v} is not a device instance")));
        }
        Ok(v)
    };
    let range = match (low, high) {
        (None, None) => None,
        (Some(l), Some(h)) => Some((
            limit(l, "who-is low limit")?,
            limit(h, "who-is high limit")?,
        )),
        _ => return Err(malformed("who-is", "only one limit of the range")),
    };
    Ok(WhoIs { range })
}

fn decode_i_am(r: &mut Reader<'_>) -> Result<IAm, ParseError> {
    let device = object_id(r.application(TAG_OBJECT_ID, "i-am device")?, "i-am device")?;
    if !device.is_device() {
        return Err(malformed(
            "i-am device",
            format!("{device} is not a device"),
        ));
    }
    let max_apdu = unsigned32(
        r.application(TAG_UNSIGNED, "i-am max apdu")?,
        "i-am max apdu",
    )?;
    let segmentation = unsigned32(
        r.application(TAG_ENUMERATED, "i-am segmentation")?,
        "i-am segmentation",
    )?;
    let vendor_id = unsigned(r.application(TAG_UNSIGNED, "i-am vendor")?, "i-am vendor")?;
    let vendor_id =
        u16::try_from(vendor_id).map_err(|_| malformed("i-am vendor", "exceeds 16 bits"))?;
    r.finish("i-am")?;
    Ok(IAm {
        device,
        max_apdu,
        segmentation,
        vendor_id,
    })
}

/// Object, property and optional array index: the head of a ReadProperty
/// request and of its acknowledgement.
fn decode_property_ref(r: &mut Reader<'_>) -> Result<(ObjectId, u32, Option<u32>), ParseError> {
    let object = object_id(r.context(0, "object identifier")?, "object identifier")?;
    let property = unsigned32(r.context(1, "property identifier")?, "property identifier")?;
    let index = r
        .optional_context(2, "array index")?
        .map(|b| unsigned32(b, "array index"))
        .transpose()?;
    Ok((object, property, index))
}

fn decode_error(r: &mut Reader<'_>) -> Result<(u32, u32), ParseError> {
    // Most services send the two enumerations bare; a few wrap them in [0].
    let wrapped = matches!(r.peek("error")?, Some(Tag::Opening(0)));
    if wrapped {
        r.next("error")?;
    }
    let class = unsigned32(r.application(TAG_ENUMERATED, "error class")?, "error class")?;
    let code = unsigned32(r.application(TAG_ENUMERATED, "error code")?, "error code")?;
    if wrapped {
        r.expect(Tag::Closing(0), "error")?;
    }
    Ok((class, code))
}

/// Decodes an APDU (everything after the NPDU).
pub fn decode_apdu(buf: &[u8]) -> Result<Apdu, ParseError> {
    let mut r = Reader::new(buf);
    let first = r.byte("pdu type")?;
    let segmented = first & 0x08 != 0;
    let apdu = match first >> 4 {
        0 => {
            let _max = r.byte("max apdu")?;
            let invoke_id = r.byte("invoke id")?;
            if segmented {
                r.bytes(2, "segment header")?;
            }
            let service = r.byte("service choice")?;
            if segmented || service != READ_PROPERTY {
                // Not decoded: only the header is read.
                return Ok(Apdu::ConfirmedRequest {
                    invoke_id,
                    service,
                    segmented,
                });
            }
            let (object, property, array_index) = decode_property_ref(&mut r)?;
            Apdu::ReadProperty {
                invoke_id,
                request: ReadProperty {
                    object,
                    property,
                    array_index,
                },
            }
        }
        1 => match r.byte("service choice")? {
            WHO_IS => Apdu::WhoIs(decode_who_is(&mut r)?),
            I_AM => Apdu::IAm(decode_i_am(&mut r)?),
            service => return Ok(Apdu::UnconfirmedRequest { service }),
        },
        2 => Apdu::SimpleAck {
            invoke_id: r.byte("invoke id")?,
            service: r.byte("service choice")?,
        },
        3 => {
            let invoke_id = r.byte("invoke id")?;
            if segmented {
                r.bytes(2, "segment header")?;
            }
            let service = r.byte("service choice")?;
            if segmented || service != READ_PROPERTY {
                return Ok(Apdu::ComplexAck {
                    invoke_id,
                    service,
                    segmented,
                });
            }
            let (object, property, array_index) = decode_property_ref(&mut r)?;
            r.expect(Tag::Opening(3), "property value")?;
            let value = property_value(enclosed(&mut r, 3)?)?;
            Apdu::ReadPropertyAck {
                invoke_id,
                ack: ReadPropertyAck {
                    object,
                    property,
                    array_index,
                    value,
                },
            }
        }
        4 => {
            let invoke_id = r.byte("invoke id")?;
            r.bytes(2, "segment ack")?;
            Apdu::SegmentAck { invoke_id }
        }
        5 => {
            let invoke_id = r.byte("invoke id")?;
            let service = r.byte("service choice")?;
            let (class, code) = decode_error(&mut r)?;
            Apdu::Error {
                invoke_id,
                service,
                class,
                code,
            }
        }
        6 => Apdu::Reject {
            invoke_id: r.byte("invoke id")?,
            reason: r.byte("reject reason")?,
        },
        7 => Apdu::Abort {
            server: first & 0x01 != 0,
            invoke_id: r.byte("invoke id")?,
            reason: r.byte("abort reason")?,
        },
        t => return Err(malformed("pdu type", format!("reserved type {t}"))),
    };
    r.finish("apdu")?;
    Ok(apdu)
}

fn decode_net_address(r: &mut Reader<'_>, which: &'static str) -> Result<NetAddress, ParseError> {
    let net = r.bytes(2, which)?;
    let network = u16::from_be_bytes([net[0], net[1]]);
    let len = usize::from(r.byte(which)?);
    let mac = r.bytes(len, which)?.to_vec();
    Ok(NetAddress { network, mac })
}

/// Decodes an NPDU and what it carries.
pub fn decode_npdu(buf: &[u8]) -> Result<Content, ParseError> {
    let mut r = Reader::new(buf);
    let version = r.byte("npdu version")?;
    if version != 1 {
        return Err(malformed("npdu version", format!("{version}, expected 1")));
    }
    let control = r.byte("npdu control")?;
    let destination = if control & 0x20 != 0 {
        Some(decode_net_address(&mut r, "destination")?)
    } else {
        None
    };
    let source = if control & 0x08 != 0 {
        let s = decode_net_address(&mut r, "source")?;
        if s.network == 0xffff || s.mac.is_empty() {
            return Err(malformed("source", "a source cannot be a broadcast"));
        }
        Some(s)
    } else {
        None
    };
    let hop_count = if destination.is_some() {
        Some(r.byte("hop count")?)
    } else {
        None
    };
    let npdu = Npdu {
        expecting_reply: control & 0x04 != 0,
        priority: control & 0x03,
        destination,
        source,
        hop_count,
    };
    if control & 0x80 != 0 {
        let message_type = r.byte("network message type")?;
        // The message's own parameters are the routers' business.
        return Ok(Content::Network { npdu, message_type });
    }
    let apdu = decode_apdu(r.rest())?;
    Ok(Content::Application { npdu, apdu })
}

/// Decodes one BACnet/IP datagram. Bytes after the BVLC length are ignored;
/// a BVLC length longer than `buf` is `Incomplete`.
pub fn decode_frame(buf: &[u8]) -> Result<Frame, ParseError> {
    let &kind = buf.first().ok_or(ParseError::Incomplete)?;
    if kind != BVLC_TYPE {
        return Err(malformed(
            "bvlc type",
            format!("0x{kind:02x}, expected 0x81 (BACnet/IP)"),
        ));
    }
    let header = buf.get(..4).ok_or(ParseError::Incomplete)?;
    let function = header[1];
    let len = usize::from(u16::from_be_bytes([header[2], header[3]]));
    if len < 4 {
        return Err(malformed(
            "bvlc length",
            format!("{len} is shorter than the header"),
        ));
    }
    let frame = buf.get(..len).ok_or(ParseError::Incomplete)?;
    let body = &frame[4..];
    let (function, npdu) = match function {
        BVLC_UNICAST => (Function::OriginalUnicast, body),
        BVLC_BROADCAST => (Function::OriginalBroadcast, body),
        BVLC_DISTRIBUTE => (Function::DistributeBroadcast, body),
        BVLC_FORWARDED => {
            if body.len() < 6 {
                return Err(malformed(
                    "forwarded origin",
                    format!("{} bytes", body.len()),
                ));
            }
            let ip = Ipv4Addr::new(body[0], body[1], body[2], body[3]);
            let port = u16::from_be_bytes([body[4], body[5]]);
            (
                Function::Forwarded {
                    origin: SocketAddrV4::new(ip, port),
                },
                &body[6..],
            )
        }
        BVLC_RESULT => {
            let code: [u8; 2] = body.try_into().map_err(|_| {
                malformed("bvlc result", format!("{} bytes, expected 2", body.len()))
            })?;
            return Ok(Frame {
                function: Function::Result(u16::from_be_bytes(code)),
                content: Content::Link,
            });
        }
        other => {
            return Ok(Frame {
                function: Function::Other(other),
                content: Content::Link,
            });
        }
    };
    Ok(Frame {
        function,
        content: decode_npdu(npdu)?,
    })
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

    fn apdu_of(frame: &[u8]) -> Apdu {
        decode_frame(frame)
            .expect("decodes")
            .apdu()
            .expect("carries an APDU")
            .clone()
    }

    fn ack_of(frame: &[u8]) -> ReadPropertyAck {
        match apdu_of(frame) {
            Apdu::ReadPropertyAck { ack, .. } => ack,
            other => panic!("not a ReadProperty ACK: {other:?}"),
        }
    }

    // Captured on 127.0.0.79:47808 from a bacpypes3 0.0.110 device (Python
    // 3.11; device,599, vendor-identifier 105) answering our hand-built requests.
    const BACPYPES_I_AM: &str = "810a001401001000c40200025722040091002169";
    const BACPYPES_VENDOR_NAME: &str = "810a001a010030010c0c0200025719793e75060050726976613f";
    const BACPYPES_MODEL_NAME: &str =
        "810a0021010030020c0c0200025719463e750d00436f6d7072692048582038453f";
    const BACPYPES_FIRMWARE: &str = "810a001d010030030c0c02000257192c3e75090048582d342e322e373f";
    const BACPYPES_APP_SOFTWARE: &str = "810a001a010030040c0c02000257190c3e750600342e322e373f";
    const BACPYPES_VENDOR_ID: &str = "810a0014010030060c0c0200025719783e21693f";
    const BACPYPES_SEGMENTATION: &str = "810a0014010030070c0c02000257196b3e91003f";
    const BACPYPES_OBJECT_ID: &str = "810a0017010030080c0c02000257194b3ec4020002573f";
    /// location "Café kelder" in UTF-8 (charset 0).
    const BACPYPES_UTF8: &str =
        "810a0021010030090c0c02000257193a3e750d00436166c3a9206b656c6465723f";
    /// location "Café kelder" in ISO-8859-1 (charset 5).
    const BACPYPES_LATIN1: &str =
        "810a0020010030090c0c02000257193a3e750c05436166e9206b656c6465723f";
    /// description "Lüftung €" in UCS-2 (charset 4).
    const BACPYPES_UCS2: &str =
        "810a00270100300a0c0c02000257191c3e751304004c00fc006600740075006e0067002020ac3f";
    const BACPYPES_UNKNOWN_PROPERTY: &str = "810a000d0100500b0c91029120";
    /// The answer to a ReadProperty of device,4194303: bacpypes3 does not
    /// resolve the wildcard instance.
    const BACPYPES_UNKNOWN_OBJECT: &str = "810a000d010050050c9101911f";
    /// A ReadProperty with an array index for a property that is no array.
    const BACPYPES_NOT_AN_ARRAY: &str = "810a000d010050140c91029132";
    /// Confirmed service choice 0x16 with a bogus parameter.
    const BACPYPES_REJECT: &str = "810a00090100601709";
    /// Its answer to the first segment of a segmented request.
    const BACPYPES_SEGMENT_ACK: &str = "810a000a010041190002";

    // Sent by a bacpypes3 0.0.110 client application (on 127.0.0.80) through
    // a logging relay: `app.who_is(599, 599, addr)`, `app.who_is(address=addr)`,
    // `app.read_property(addr, "device,599", "vendor-name")` and the same for
    // device,4194303 object-name.
    const BACPYPES_CLIENT_WHO_IS_RANGE: &str = "810a000e010010080a02571a0257";
    const BACPYPES_CLIENT_WHO_IS: &str = "810a000801001008";
    const BACPYPES_CLIENT_READ: &str = "810a001101040244000c0c020002571979";
    const BACPYPES_CLIENT_READ_WILDCARD: &str = "810a001101040244040c0c023fffff194d";

    fn captures() -> Vec<Vec<u8>> {
        [
            BACPYPES_I_AM,
            BACPYPES_VENDOR_NAME,
            BACPYPES_MODEL_NAME,
            BACPYPES_FIRMWARE,
            BACPYPES_APP_SOFTWARE,
            BACPYPES_VENDOR_ID,
            BACPYPES_SEGMENTATION,
            BACPYPES_OBJECT_ID,
            BACPYPES_UTF8,
            BACPYPES_LATIN1,
            BACPYPES_UCS2,
            BACPYPES_UNKNOWN_PROPERTY,
            BACPYPES_UNKNOWN_OBJECT,
            BACPYPES_NOT_AN_ARRAY,
            BACPYPES_REJECT,
            BACPYPES_SEGMENT_ACK,
            BACPYPES_CLIENT_WHO_IS_RANGE,
            BACPYPES_CLIENT_WHO_IS,
            BACPYPES_CLIENT_READ,
            BACPYPES_CLIENT_READ_WILDCARD,
        ]
        .iter()
        .map(|h| hex(h))
        .collect()
    }

    #[test]
    fn decodes_bacpypes3_i_am() {
        let frame = decode_frame(&hex(BACPYPES_I_AM)).unwrap();
        assert_eq!(frame.function, Function::OriginalUnicast);
        assert_eq!(frame.npdu(), Some(&Npdu::local(false)));
        assert_eq!(
            frame.apdu(),
            Some(&Apdu::IAm(IAm {
                device: ObjectId::device(599),
                max_apdu: 1024,
                segmentation: segmentation::BOTH,
                vendor_id: 105,
            }))
        );
    }

    #[test]
    fn decodes_bacpypes3_string_acks() {
        for (capture, invoke, property, text) in [
            (BACPYPES_VENDOR_NAME, 1, property::VENDOR_NAME, "Priva"),
            (BACPYPES_MODEL_NAME, 2, property::MODEL_NAME, "Compri HX 8E"),
            (
                BACPYPES_FIRMWARE,
                3,
                property::FIRMWARE_REVISION,
                "HX-4.2.7",
            ),
            (
                BACPYPES_APP_SOFTWARE,
                4,
                property::APPLICATION_SOFTWARE_VERSION,
                "4.2.7",
            ),
        ] {
            let Apdu::ReadPropertyAck { invoke_id, ack } = apdu_of(&hex(capture)) else {
                panic!("{capture}");
            };
            assert_eq!(invoke_id, invoke);
            assert_eq!(ack.object, ObjectId::device(599));
            assert_eq!(ack.property, property);
            assert_eq!(ack.array_index, None);
            assert_eq!(ack.value, Value::text(text));
        }
    }

    #[test]
    fn decodes_bacpypes3_unsigned_enumerated_and_object_id() {
        assert_eq!(ack_of(&hex(BACPYPES_VENDOR_ID)).value, Value::Unsigned(105));
        assert_eq!(
            ack_of(&hex(BACPYPES_SEGMENTATION)).value,
            Value::Enumerated(u64::from(segmentation::BOTH))
        );
        assert_eq!(
            ack_of(&hex(BACPYPES_OBJECT_ID)).value,
            Value::ObjectId(ObjectId::device(599))
        );
    }

    #[test]
    fn decodes_utf8_latin1_and_ucs2_strings() {
        for (capture, charset, text) in [
            (BACPYPES_UTF8, charset::UTF8, "Café kelder"),
            (BACPYPES_LATIN1, charset::ISO_8859_1, "Café kelder"),
            (BACPYPES_UCS2, charset::UCS2, "Lüftung €"),
        ] {
            let Value::CharacterString(s) = ack_of(&hex(capture)).value else {
                panic!("{capture}");
            };
            assert_eq!(s.charset, charset);
            assert_eq!(s.text().as_deref(), Some(text));
        }
        let jis = CharString {
            charset: charset::JIS_X0208,
            bytes: vec![0x30, 0x21],
        };
        assert_eq!(jis.text(), None);
        let odd_ucs2 = CharString {
            charset: charset::UCS2,
            bytes: vec![0x00, 0x41, 0xd8],
        };
        assert_eq!(odd_ucs2.text().as_deref(), Some("A\u{fffd}"));
    }

    #[test]
    fn decodes_a_string_with_the_two_byte_extended_length() {
        // bacpypes3 0.0.110, location of 303 ISO-8859-1 characters: 75 fe 01 30.
        let mut frame = hex("810a0146010030090c0c02000257193a3e75fe013005");
        let text = format!("{}kelder", "Stadhuis ".repeat(33));
        frame.extend_from_slice(text.as_bytes());
        frame.push(0x3f);
        let Value::CharacterString(s) = ack_of(&frame).value else {
            panic!("not a string");
        };
        assert_eq!(s.text(), Some(text));
    }

    #[test]
    fn decodes_bacpypes3_error_reject_and_segment_ack() {
        for (capture, invoke, class, code, name) in [
            (
                BACPYPES_UNKNOWN_PROPERTY,
                11,
                error::CLASS_PROPERTY,
                error::UNKNOWN_PROPERTY,
                "property: unknown-property",
            ),
            (
                BACPYPES_UNKNOWN_OBJECT,
                5,
                error::CLASS_OBJECT,
                error::UNKNOWN_OBJECT,
                "object: unknown-object",
            ),
            (
                BACPYPES_NOT_AN_ARRAY,
                20,
                error::CLASS_PROPERTY,
                error::PROPERTY_IS_NOT_AN_ARRAY,
                "property: property-is-not-an-array",
            ),
        ] {
            assert_eq!(
                apdu_of(&hex(capture)),
                Apdu::Error {
                    invoke_id: invoke,
                    service: READ_PROPERTY,
                    class,
                    code
                }
            );
            assert_eq!(error_name(class, code), name);
        }
        assert_eq!(
            apdu_of(&hex(BACPYPES_REJECT)),
            Apdu::Reject {
                invoke_id: 0x17,
                reason: reject::UNRECOGNIZED_SERVICE
            }
        );
        assert_eq!(
            apdu_of(&hex(BACPYPES_SEGMENT_ACK)),
            Apdu::SegmentAck { invoke_id: 0x19 }
        );
    }

    #[test]
    fn reads_bacpypes3_client_requests() {
        assert_eq!(
            apdu_of(&hex(BACPYPES_CLIENT_WHO_IS_RANGE)),
            Apdu::WhoIs(WhoIs {
                range: Some((599, 599))
            })
        );
        assert_eq!(
            apdu_of(&hex(BACPYPES_CLIENT_WHO_IS)),
            Apdu::WhoIs(WhoIs { range: None })
        );
        let frame = decode_frame(&hex(BACPYPES_CLIENT_READ)).unwrap();
        assert!(frame.npdu().unwrap().expecting_reply);
        // Header 02 44: segmented response accepted, 16 segments of 1024.
        assert_eq!(
            frame.apdu(),
            Some(&Apdu::ReadProperty {
                invoke_id: 0,
                request: ReadProperty::device(599, property::VENDOR_NAME),
            })
        );
        assert_eq!(
            apdu_of(&hex(BACPYPES_CLIENT_READ_WILDCARD)),
            Apdu::ReadProperty {
                invoke_id: 4,
                request: ReadProperty::device(WILDCARD_INSTANCE, property::OBJECT_NAME),
            }
        );
    }

    #[test]
    fn encoders_produce_the_bytes_bacpypes3_sends() {
        let local = Npdu::local(false);
        assert_eq!(
            encode_frame(&local, &who_is(Some((599, 599)))),
            hex(BACPYPES_CLIENT_WHO_IS_RANGE)
        );
        assert_eq!(
            encode_frame(&local, &who_is(None)),
            hex(BACPYPES_CLIENT_WHO_IS)
        );
        let i = IAm {
            device: ObjectId::device(599),
            max_apdu: 1024,
            segmentation: segmentation::BOTH,
            vendor_id: 105,
        };
        assert_eq!(encode_frame(&local, &i_am(&i)), hex(BACPYPES_I_AM));
        let ack = ReadPropertyAck {
            object: ObjectId::device(599),
            property: property::VENDOR_NAME,
            array_index: None,
            value: Value::text("Priva"),
        };
        assert_eq!(
            encode_frame(&local, &read_property_ack(1, &ack)),
            hex(BACPYPES_VENDOR_NAME)
        );
        let ucs2 = ReadPropertyAck {
            property: property::DESCRIPTION,
            value: Value::CharacterString(CharString {
                charset: charset::UCS2,
                bytes: hex("004c00fc006600740075006e0067002020ac"),
            }),
            ..ack.clone()
        };
        assert_eq!(
            encode_frame(&local, &read_property_ack(10, &ucs2)),
            hex(BACPYPES_UCS2)
        );
        assert_eq!(
            encode_frame(
                &local,
                &error(
                    11,
                    READ_PROPERTY,
                    error::CLASS_PROPERTY,
                    error::UNKNOWN_PROPERTY
                )
            ),
            hex(BACPYPES_UNKNOWN_PROPERTY)
        );
        assert_eq!(
            encode_frame(&local, &reject(0x17, reject::UNRECOGNIZED_SERVICE)),
            hex(BACPYPES_REJECT)
        );
        // Ours asks for unsegmented answers of up to 1476 bytes (00 05);
        // bacpypes3 sent 02 44. The parameters are the same.
        let ours = encode_frame(
            &Npdu::local(true),
            &read_property(0, &ReadProperty::device(599, property::VENDOR_NAME)),
        );
        let theirs = hex(BACPYPES_CLIENT_READ);
        assert_eq!(ours[..6], theirs[..6]);
        assert_eq!(ours[6..8], [0x00, 0x05]);
        assert_eq!(ours[8..], theirs[8..]);
    }

    #[test]
    fn abort_and_simple_ack_round_trip() {
        // No bacpypes3 capture of an Abort: this frame is checked the other
        // way round, bacpypes3 0.0.110 decodes it as AbortPDU (server, invoke
        // id 9, segmentation-not-supported).
        let local = Npdu::local(false);
        let frame = encode_frame(&local, &abort(9, true, abort::SEGMENTATION_NOT_SUPPORTED));
        assert_eq!(frame, hex("810a00090100710904"));
        assert_eq!(
            apdu_of(&frame),
            Apdu::Abort {
                invoke_id: 9,
                server: true,
                reason: abort::SEGMENTATION_NOT_SUPPORTED
            }
        );
        assert_eq!(
            apdu_of(&hex("810a0009010020070f")),
            Apdu::SimpleAck {
                invoke_id: 7,
                service: 15
            }
        );
    }

    #[test]
    fn routed_npdu_round_trips_and_reply_goes_back_to_the_source() {
        let npdu = Npdu {
            expecting_reply: true,
            priority: 0,
            destination: Some(NetAddress {
                network: 5,
                mac: vec![0x0a],
            }),
            source: Some(NetAddress {
                network: 7,
                mac: vec![127, 0, 0, 1, 0xba, 0xc0],
            }),
            hop_count: Some(255),
        };
        let frame = encode_frame(
            &npdu,
            &read_property(3, &ReadProperty::device(10, property::MODEL_NAME)),
        );
        assert_eq!(
            frame[4..24],
            hex("012c0005010a0007067f000001bac0ff0005030c")
        );
        let decoded = decode_frame(&frame).unwrap();
        assert_eq!(decoded.npdu(), Some(&npdu));
        let reply = Npdu::reply_to(&npdu);
        assert_eq!(reply.destination, npdu.source);
        assert_eq!(reply.hop_count, Some(255));
        assert!(reply.source.is_none());
    }

    #[test]
    fn forwarded_npdu_keeps_its_origin() {
        let mut frame = hex("8104000e7f000005bac0");
        frame.extend_from_slice(&hex("01001008"));
        let decoded = decode_frame(&frame).unwrap();
        assert_eq!(
            decoded.function,
            Function::Forwarded {
                origin: "127.0.0.5:47808".parse().unwrap()
            }
        );
        assert_eq!(decoded.apdu(), Some(&Apdu::WhoIs(WhoIs { range: None })));
    }

    #[test]
    fn network_messages_and_link_functions_carry_no_apdu() {
        // Who-Is-Router-To-Network, then I-Am-Router-To-Network (network 5).
        for (bytes, want) in [("810a0007018000", 0x00), ("810a0009018001 0005", 0x01)] {
            let frame = decode_frame(&hex(&bytes.replace(' ', ""))).unwrap();
            assert!(
                matches!(frame.content, Content::Network { message_type, .. } if message_type == want)
            );
            assert_eq!(frame.apdu(), None);
        }
        let nak = decode_frame(&hex("810000060030")).unwrap();
        assert_eq!(nak.function, Function::Result(0x30));
        assert_eq!(nak.content, Content::Link);
        let read_bdt = decode_frame(&hex("81020004")).unwrap();
        assert_eq!(read_bdt.function, Function::Other(0x02));
    }

    #[test]
    fn tags_use_extended_numbers_lengths_and_open_close_markers() {
        assert_eq!(decode_tag(&[0x3e]), Ok((Tag::Opening(3), 1)));
        assert_eq!(decode_tag(&[0x3f]), Ok((Tag::Closing(3), 1)));
        assert_eq!(decode_tag(&[0x11]), Ok((Tag::Boolean(true), 1)));
        assert_eq!(
            decode_tag(&[0xf9, 0x20, 0x01]),
            Ok((
                Tag::Context {
                    number: 0x20,
                    len: 1
                },
                2
            ))
        );
        assert_eq!(
            decode_tag(&[0x75, 0x20]),
            Ok((Tag::Application { number: 7, len: 32 }, 2))
        );
        assert_eq!(
            decode_tag(&[0x65, 0xfe, 0x01, 0x00]),
            Ok((
                Tag::Application {
                    number: 6,
                    len: 256
                },
                4
            ))
        );
        assert_eq!(
            decode_tag(&[0x65, 0xff, 0x00, 0x01, 0x00, 0x00]),
            Ok((
                Tag::Application {
                    number: 6,
                    len: 65536
                },
                6
            ))
        );
        assert_eq!(decode_tag(&[0x65, 0xff, 0x00]), Err(ParseError::Incomplete));
        assert!(matches!(
            decode_tag(&[0xf1, 0xff]),
            Err(ParseError::Malformed { .. })
        ));
        assert!(matches!(
            decode_tag(&[0x26]),
            Err(ParseError::Malformed { .. })
        ));
        assert!(matches!(
            decode_tag(&[0x12]),
            Err(ParseError::Malformed { .. })
        ));

        let mut out = Vec::new();
        put_tag(&mut out, 6, false, 300);
        put_tag(&mut out, 20, true, 2);
        put_opening(&mut out, 20);
        put_closing(&mut out, 3);
        put_tag(&mut out, 6, false, 70_000);
        assert_eq!(out, hex("65fe012cfa14fe143f65ff00011170"));
    }

    #[test]
    fn list_and_constructed_values_are_kept() {
        let list = ReadPropertyAck {
            object: ObjectId::device(1),
            property: 76,
            array_index: None,
            value: Value::List(vec![
                Value::ObjectId(ObjectId::device(1)),
                Value::ObjectId(ObjectId {
                    object_type: 0,
                    instance: 3,
                }),
            ]),
        };
        let frame = encode_frame(&Npdu::local(false), &read_property_ack(1, &list));
        assert_eq!(ack_of(&frame), list);

        let constructed = ReadPropertyAck {
            value: Value::Constructed(hex("0e1c020000011f2100")),
            array_index: Some(2),
            ..list
        };
        let frame = encode_frame(&Npdu::local(false), &read_property_ack(2, &constructed));
        assert_eq!(ack_of(&frame), constructed);
        let empty = ReadPropertyAck {
            value: Value::List(Vec::new()),
            ..constructed
        };
        let frame = encode_frame(&Npdu::local(false), &read_property_ack(3, &empty));
        assert_eq!(ack_of(&frame), empty);
        for v in [
            Value::Null,
            Value::Boolean(true),
            Value::Signed(-300),
            Value::OctetString(vec![1, 2]),
            Value::Other {
                tag: 4,
                data: hex("41a80000"),
            },
        ] {
            let ack = ReadPropertyAck {
                value: v,
                ..empty.clone()
            };
            let frame = encode_frame(&Npdu::local(false), &read_property_ack(4, &ack));
            assert_eq!(ack_of(&frame), ack);
        }
    }

    #[test]
    fn object_ids_pack_type_and_instance() {
        assert_eq!(ObjectId::device(599).to_u32(), 0x0200_0257);
        assert_eq!(ObjectId::device(WILDCARD_INSTANCE).to_u32(), 0x023f_ffff);
        assert_eq!(ObjectId::from_u32(0x0200_0257), ObjectId::device(599));
        assert_eq!(ObjectId::device(599).to_string(), "device,599");
        assert_eq!(ObjectId::from_u32(0x0000_0007).to_string(), "0,7");
    }

    #[test]
    fn truncated_frames_are_incomplete() {
        for capture in captures() {
            for end in 0..capture.len() {
                assert_eq!(
                    decode_frame(&capture[..end]),
                    Err(ParseError::Incomplete),
                    "{} cut at {end}",
                    capture.len()
                );
            }
        }
    }

    #[test]
    fn trailing_datagram_bytes_after_the_bvlc_length_are_ignored() {
        let mut frame = hex(BACPYPES_I_AM);
        frame.extend_from_slice(&[0, 0, 0]);
        assert!(matches!(apdu_of(&frame), Apdu::IAm(_)));
    }

    fn is_malformed(bytes: &[u8]) -> bool {
        matches!(decode_frame(bytes), Err(ParseError::Malformed { .. }))
    }

    #[test]
    fn rejects_wrong_magic_lengths_and_versions() {
        // Not BACnet/IP at all: an SNMP message and an HTTP answer.
        assert!(is_malformed(&hex("302602010104067075626c6963")));
        assert!(is_malformed(b"HTTP/1.1 200 OK\r\n\r\n"));
        // BVLC length shorter than its own header.
        assert!(is_malformed(&hex("810a0002")));
        // NPDU version 2.
        assert!(is_malformed(&hex("810a000802001008")));
        // Forwarded-NPDU without its 6-byte origin.
        assert!(is_malformed(&hex("8104000801001008")));
        // BVLC-Result with a 1-byte code.
        assert!(is_malformed(&hex("8100000500")));
        // DNET present but the frame ends before the hop count.
        assert!(is_malformed(&hex("810a00090120000500")));
        // Source network 0xffff is a broadcast, which no sender is.
        assert!(is_malformed(&hex("810a000c0108ffff010a1008")));
        // Reserved PDU type 8.
        assert!(is_malformed(&hex("810a0007010080")));
    }

    #[test]
    fn rejects_lying_apdus() {
        // I-Am for an analog-input object.
        assert!(is_malformed(&hex(
            "810a001401001000c40000025722040091002169"
        )));
        // I-Am without its vendor id.
        assert!(is_malformed(&hex("810a001201001000c4020002572204009100")));
        // I-Am with a 3-byte vendor id (exceeds 16 bits).
        assert!(is_malformed(&hex(
            "810a001501001000c4020002572204009100230100ff"
        )));
        // Who-Is with only a low limit.
        assert!(is_malformed(&hex("810a000b010010080a0257")));
        // Who-Is limit above the largest instance.
        assert!(is_malformed(&hex("810a0010010010080b4000001b400000")));
        // ACK whose string length runs past the frame.
        assert!(is_malformed(&hex(
            "810a001a010030010c0c0200025719793e75160050726976613f"
        )));
        // ACK without the closing tag 3.
        assert!(is_malformed(&hex(
            "810a0019010030010c0c0200025719793e750600507269766141"
        )));
        // ACK closed with tag 4 instead of 3.
        assert!(is_malformed(&hex(
            "810a001a010030010c0c0200025719793e75060050726976614f"
        )));
        // ACK with an empty CharacterString (no charset byte).
        assert!(is_malformed(&hex("810a0013010030010c0c0200025719793e703f")));
        // Error without its code.
        assert!(is_malformed(&hex("810a000b0100500b0c9102")));
        // Reject with a trailing byte.
        assert!(is_malformed(&hex("810a000a0100601709ff")));
        // ReadProperty whose object identifier has 3 bytes.
        assert!(is_malformed(&hex("810a001001040005010c0b0200021979")));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let mut apdu = hex("30010c0c0200025719793e");
        apdu.extend(std::iter::repeat_n(0x0e, MAX_NESTING + 1));
        apdu.extend(std::iter::repeat_n(0x0f, MAX_NESTING + 1));
        apdu.push(0x3f);
        assert!(matches!(
            decode_apdu(&apdu),
            Err(ParseError::Malformed { .. })
        ));
    }

    #[test]
    fn decoders_never_panic() {
        let captures = captures();
        let valid: Vec<&[u8]> = captures.iter().map(Vec::as_slice).collect();
        for input in fuzz::mutations(&valid) {
            let _ = decode_frame(&input);
            let _ = decode_tag(&input);
            let _ = decode_apdu(&input);
            let _ = decode_npdu(&input);
        }
        for input in fuzz::random_inputs(0xbac0, 3000, 64) {
            let mut framed = vec![0x81, 0x0a, 0x00, (input.len() + 4) as u8];
            framed.extend_from_slice(&input);
            let _ = decode_frame(&framed);
            let _ = decode_apdu(&input);
        }
    }
}
