//! Modbus/TCP framing (MBAP header) and Read Device Identification
//! (function 0x2B, MEI type 0x0E), after the Modbus Application Protocol
//! v1.1b3 and the Modbus Messaging on TCP/IP guide. Read functions only:
//! this module has no encoder for any function that writes to a device.

use super::{ParseError, malformed};

/// MBAP header: transaction id, protocol id, length, unit id.
pub const MBAP_LEN: usize = 7;
/// Largest Modbus/TCP ADU (MBAP + 253-byte PDU).
pub const MAX_ADU: usize = 260;
/// Largest PDU (function code + data).
pub const MAX_PDU: usize = 253;
/// The only protocol identifier: Modbus.
pub const PROTOCOL_ID: u16 = 0;
/// Encapsulated Interface Transport.
pub const FUNCTION_MEI: u8 = 0x2B;
/// MEI type of Read Device Identification.
pub const MEI_READ_DEVICE_ID: u8 = 0x0E;
/// Bytes before the first object in a Read Device Identification response.
const DEVICE_ID_HEADER: usize = 7;

/// Exception codes (Application Protocol 7).
pub const ILLEGAL_FUNCTION: u8 = 0x01;
/// The register or coil address is not valid on the device.
pub const ILLEGAL_DATA_ADDRESS: u8 = 0x02;
/// A value in the request is not acceptable to the device.
pub const ILLEGAL_DATA_VALUE: u8 = 0x03;

/// Named device identification objects (Application Protocol 6.21).
pub mod object {
    /// Object 0x00, VendorName (basic, mandatory).
    pub const VENDOR_NAME: u8 = 0x00;
    /// Object 0x01, ProductCode (basic, mandatory).
    pub const PRODUCT_CODE: u8 = 0x01;
    /// Object 0x02, MajorMinorRevision (basic, mandatory).
    pub const MAJOR_MINOR_REVISION: u8 = 0x02;
    /// Object 0x03, VendorUrl (regular, optional).
    pub const VENDOR_URL: u8 = 0x03;
    /// Object 0x04, ProductName (regular, optional).
    pub const PRODUCT_NAME: u8 = 0x04;
    /// Object 0x05, ModelName (regular, optional).
    pub const MODEL_NAME: u8 = 0x05;
    /// Object 0x06, UserApplicationName (regular, optional).
    pub const USER_APPLICATION_NAME: u8 = 0x06;
}

/// The MBAP header of a Modbus/TCP frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mbap {
    /// Chosen by the client; the server copies it into its response.
    pub transaction_id: u16,
    /// Always 0 for Modbus ([`PROTOCOL_ID`]).
    pub protocol_id: u16,
    /// Bytes that follow the length field: the unit id and the PDU.
    pub length: u16,
    /// Unit identifier: the device behind a gateway (0xFF or 0 when there is none).
    pub unit_id: u8,
}

impl Mbap {
    /// The seven header bytes, big-endian.
    pub fn encode(&self) -> [u8; MBAP_LEN] {
        let t = self.transaction_id.to_be_bytes();
        let p = self.protocol_id.to_be_bytes();
        let l = self.length.to_be_bytes();
        [t[0], t[1], p[0], p[1], l[0], l[1], self.unit_id]
    }
}

/// Reads an MBAP header. `Incomplete` under seven bytes; a protocol id other
/// than 0 or a length below 2 (unit id and function code) is `Malformed`; a
/// length making the ADU longer than 260 bytes is `TooLarge`.
pub fn decode_mbap(buf: &[u8]) -> Result<Mbap, ParseError> {
    let Some(h) = buf.get(..MBAP_LEN) else {
        return Err(ParseError::Incomplete);
    };
    let mbap = Mbap {
        transaction_id: u16::from_be_bytes([h[0], h[1]]),
        protocol_id: u16::from_be_bytes([h[2], h[3]]),
        length: u16::from_be_bytes([h[4], h[5]]),
        unit_id: h[6],
    };
    if mbap.protocol_id != PROTOCOL_ID {
        return Err(malformed(
            "protocol id",
            format!("{:#06x}, expected 0", mbap.protocol_id),
        ));
    }
    if mbap.length < 2 {
        return Err(malformed(
            "mbap length",
            format!("{} leaves no room for a function code", mbap.length),
        ));
    }
    if usize::from(mbap.length) + 6 > MAX_ADU {
        return Err(ParseError::TooLarge {
            field: "modbus adu",
            limit: MAX_ADU,
        });
    }
    Ok(mbap)
}

/// One Modbus/TCP frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Chosen by the client; the server copies it into its response.
    pub transaction_id: u16,
    /// Unit identifier: the device behind a gateway.
    pub unit_id: u8,
    /// Function code and data.
    pub pdu: Vec<u8>,
}

/// The ADU for `pdu` (cut to `MAX_PDU` bytes).
pub fn encode_frame(transaction_id: u16, unit_id: u8, pdu: &[u8]) -> Vec<u8> {
    let pdu = &pdu[..pdu.len().min(MAX_PDU)];
    let mbap = Mbap {
        transaction_id,
        protocol_id: PROTOCOL_ID,
        length: (pdu.len() + 1) as u16,
        unit_id,
    };
    let mut out = mbap.encode().to_vec();
    out.extend_from_slice(pdu);
    out
}

/// Decodes the frame at the start of `buf`; the `usize` is the bytes it used.
pub fn decode_frame(buf: &[u8]) -> Result<(Frame, usize), ParseError> {
    let mbap = decode_mbap(buf)?;
    let end = 6 + usize::from(mbap.length);
    let pdu = buf.get(MBAP_LEN..end).ok_or(ParseError::Incomplete)?;
    let frame = Frame {
        transaction_id: mbap.transaction_id,
        unit_id: mbap.unit_id,
        pdu: pdu.to_vec(),
    };
    Ok((frame, end))
}

/// Read Device ID codes: which category of objects a request streams.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadDeviceIdCode {
    /// Objects 0x00..=0x02 (mandatory).
    Basic,
    /// Objects 0x03..=0x06 (optional), streamed from 0x00.
    Regular,
    /// Private objects 0x80..=0xFF.
    Extended,
    /// One object by id.
    Individual,
}

impl ReadDeviceIdCode {
    /// The code for a Read Device ID code byte (1 basic, 2 regular, 3 extended, 4 individual).
    pub fn from_byte(b: u8) -> Option<Self> {
        match b {
            1 => Some(ReadDeviceIdCode::Basic),
            2 => Some(ReadDeviceIdCode::Regular),
            3 => Some(ReadDeviceIdCode::Extended),
            4 => Some(ReadDeviceIdCode::Individual),
            _ => None,
        }
    }
    /// The Read Device ID code byte of this code.
    pub fn byte(self) -> u8 {
        match self {
            ReadDeviceIdCode::Basic => 1,
            ReadDeviceIdCode::Regular => 2,
            ReadDeviceIdCode::Extended => 3,
            ReadDeviceIdCode::Individual => 4,
        }
    }
}

/// A Read Device Identification request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceIdRequest {
    /// Which objects are asked for.
    pub code: ReadDeviceIdCode,
    /// The object to start from (or the one object, for `Individual`).
    pub object_id: u8,
}

/// The request PDU: 2B 0E code object.
pub fn encode_device_id_request(req: DeviceIdRequest) -> Vec<u8> {
    vec![
        FUNCTION_MEI,
        MEI_READ_DEVICE_ID,
        req.code.byte(),
        req.object_id,
    ]
}

/// Server side: the request in a PDU. An unknown Read Device ID code is
/// `Malformed` with field "read device id code" (the server answers it with
/// exception 03).
pub fn decode_device_id_request(pdu: &[u8]) -> Result<DeviceIdRequest, ParseError> {
    let Some(&[function, mei, code, object_id]) = pdu.first_chunk::<4>() else {
        return Err(malformed(
            "device id request",
            format!("{} bytes, expected 4", pdu.len()),
        ));
    };
    if function != FUNCTION_MEI || mei != MEI_READ_DEVICE_ID {
        return Err(malformed(
            "device id request",
            format!("function {function:#04x} MEI {mei:#04x}"),
        ));
    }
    if pdu.len() != 4 {
        return Err(malformed("device id request", "trailing bytes"));
    }
    let code = ReadDeviceIdCode::from_byte(code)
        .ok_or_else(|| malformed("read device id code", format!("{code}")))?;
    Ok(DeviceIdRequest { code, object_id })
}

/// A Read Device Identification response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceIdResponse {
    /// The Read Device ID code echoed from the request.
    pub code: u8,
    /// 0x01/0x02/0x03 (stream access), | 0x80 when individual access works too.
    pub conformity_level: u8,
    /// The device has more objects than fit in this response.
    pub more_follows: bool,
    /// Where the next request starts when `more_follows`.
    pub next_object_id: u8,
    /// The objects in this response as (id, value) pairs, in the order sent; values are raw bytes, usually ASCII.
    pub objects: Vec<(u8, Vec<u8>)>,
}

impl DeviceIdResponse {
    /// The value of object `id`, when this response carries it.
    pub fn object(&self, id: u8) -> Option<&[u8]> {
        self.objects
            .iter()
            .find(|(i, _)| *i == id)
            .map(|(_, v)| v.as_slice())
    }
}

/// What a device answered, as far as this module reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    /// The device answered a Read Device Identification request.
    DeviceId(DeviceIdResponse),
    /// `function` is the request's function code (without the 0x80 bit).
    Exception {
        /// The request's function code, without the 0x80 bit.
        function: u8,
        /// The exception code; see [`exception_meaning`].
        code: u8,
    },
    /// A normal response to some other function.
    Other {
        /// The function code of the response.
        function: u8,
    },
}

/// Reads a response PDU: a Read Device Identification answer, an exception
/// (function | 0x80 and one code byte), or another function's answer. Objects
/// that overrun the PDU, a more-follows byte other than 00/FF or bytes after
/// the last object are `Malformed`; the PDU is a whole frame's, so nothing is
/// `Incomplete` here.
pub fn decode_response(pdu: &[u8]) -> Result<Response, ParseError> {
    let Some(&function) = pdu.first() else {
        return Err(malformed("pdu", "empty"));
    };
    if function & 0x80 != 0 {
        return match pdu {
            [_, code] => Ok(Response::Exception {
                function: function & 0x7f,
                code: *code,
            }),
            _ => Err(malformed(
                "exception",
                format!("{} bytes, expected 2", pdu.len()),
            )),
        };
    }
    if function != FUNCTION_MEI || pdu.get(1) != Some(&MEI_READ_DEVICE_ID) {
        return Ok(Response::Other { function });
    }
    let Some(h) = pdu.get(..DEVICE_ID_HEADER) else {
        return Err(malformed("device id response", "shorter than its header"));
    };
    let more_follows = match h[4] {
        0x00 => false,
        0xff => true,
        other => return Err(malformed("more follows", format!("{other:#04x}"))),
    };
    let count = usize::from(h[6]);
    let mut objects = Vec::with_capacity(count);
    let mut pos = DEVICE_ID_HEADER;
    for _ in 0..count {
        let (id, len) = match pdu.get(pos..pos + 2) {
            Some(&[id, len]) => (id, usize::from(len)),
            _ => return Err(malformed("device id object", "header past the end")),
        };
        let value = pdu
            .get(pos + 2..pos + 2 + len)
            .ok_or_else(|| malformed("device id object", format!("object {id:#04x} overruns")))?;
        objects.push((id, value.to_vec()));
        pos += 2 + len;
    }
    if pos != pdu.len() {
        return Err(malformed(
            "device id response",
            format!("{} bytes after the last object", pdu.len() - pos),
        ));
    }
    Ok(Response::DeviceId(DeviceIdResponse {
        code: h[2],
        conformity_level: h[3],
        more_follows,
        next_object_id: h[5],
        objects,
    }))
}

/// The response PDU. Values are cut to 245 bytes (what one PDU can hold)
/// and objects that would overflow the PDU are left out: `serve_device_id`
/// never builds such a response.
pub fn encode_device_id_response(r: &DeviceIdResponse) -> Vec<u8> {
    let mut body = Vec::new();
    let mut count = 0u8;
    for (id, value) in &r.objects {
        let value = &value[..value.len().min(MAX_PDU - DEVICE_ID_HEADER - 2)];
        if DEVICE_ID_HEADER + body.len() + 2 + value.len() > MAX_PDU || count == u8::MAX {
            break;
        }
        body.push(*id);
        body.push(value.len() as u8);
        body.extend_from_slice(value);
        count += 1;
    }
    let mut out = vec![
        FUNCTION_MEI,
        MEI_READ_DEVICE_ID,
        r.code,
        r.conformity_level,
        if r.more_follows { 0xff } else { 0x00 },
        r.next_object_id,
        count,
    ];
    out.extend(body);
    out
}

/// An exception PDU for `function`.
pub fn encode_exception(function: u8, code: u8) -> Vec<u8> {
    vec![function | 0x80, code]
}

/// A short English meaning of a Modbus exception code.
pub fn exception_meaning(code: u8) -> &'static str {
    match code {
        0x01 => "illegal function",
        0x02 => "illegal data address",
        0x03 => "illegal data value",
        0x04 => "server device failure",
        0x05 => "acknowledge",
        0x06 => "server device busy",
        0x08 => "memory parity error",
        0x0a => "gateway path unavailable",
        0x0b => "gateway target device failed to respond",
        _ => "unknown exception",
    }
}

/// The name Application Protocol 6.21 gives object `id`; "reserved" or "private" for ids without one.
pub fn object_name(id: u8) -> &'static str {
    match id {
        object::VENDOR_NAME => "VendorName",
        object::PRODUCT_CODE => "ProductCode",
        object::MAJOR_MINOR_REVISION => "MajorMinorRevision",
        object::VENDOR_URL => "VendorUrl",
        object::PRODUCT_NAME => "ProductName",
        object::MODEL_NAME => "ModelName",
        object::USER_APPLICATION_NAME => "UserApplicationName",
        0x07..=0x7f => "reserved",
        _ => "private",
    }
}

/// Server side: the answer to `req` from the device's `objects` (sorted by
/// id), as Application Protocol 6.21 streams them: basic is objects 0..=2,
/// regular adds 3..=0x7F, extended adds the private 0x80..=0xFF (a device
/// without them answers at its own level); from the asked id, or from the
/// first object when the id is not one of them; as many as fit one PDU, with
/// more-follows and the next id when they do not. An individual request for
/// a missing object is exception 02.
pub fn serve_device_id(
    req: DeviceIdRequest,
    objects: &[(u8, Vec<u8>)],
    conformity_level: u8,
) -> Result<DeviceIdResponse, u8> {
    let range = match req.code {
        ReadDeviceIdCode::Basic => 0x00..=0x02,
        ReadDeviceIdCode::Regular => 0x00..=0x7f,
        ReadDeviceIdCode::Extended => 0x00..=0xff,
        ReadDeviceIdCode::Individual => req.object_id..=req.object_id,
    };
    let in_category: Vec<&(u8, Vec<u8>)> = objects
        .iter()
        .filter(|(id, _)| range.contains(id))
        .collect();
    if in_category.is_empty() {
        return Err(ILLEGAL_DATA_ADDRESS);
    }
    let start = if in_category.iter().any(|(id, _)| *id == req.object_id) {
        req.object_id
    } else {
        in_category[0].0
    };
    let mut out = DeviceIdResponse {
        code: req.code.byte(),
        conformity_level,
        more_follows: false,
        next_object_id: 0,
        objects: Vec::new(),
    };
    let mut used = DEVICE_ID_HEADER;
    for (id, value) in in_category.into_iter().filter(|(id, _)| *id >= start) {
        let value = &value[..value.len().min(MAX_PDU - DEVICE_ID_HEADER - 2)];
        if used + 2 + value.len() > MAX_PDU {
            out.more_follows = true;
            out.next_object_id = *id;
            break;
        }
        used += 2 + value.len();
        out.objects.push((*id, value.to_vec()));
    }
    Ok(out)
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

    // Real captures: a pymodbus 3.16.1 `StartTcpServer` on 127.0.0.78:5020 with a
    // ModbusDeviceIdentification (VendorName "Schneider Electric", ProductCode and
    // ModelName "BMX P34 2020", MajorMinorRevision "v2.70", VendorUrl
    // "http://www.se.com", ProductName "Modicon M340"), through a logging TCP relay.

    /// Basic request, unit 0, transaction 0x1234 (sent by a test script).
    const REQ_BASIC_UNIT0: &str = "123400000005002b0e0100";
    const RSP_BASIC_UNIT0: &str = "123400000031002b0e018300000300125363686e656964657220456c656374726963010c424d58205033342032303230020576322e3730";
    /// Regular request from object 3: pymodbus streams objects 3..=5.
    const RSP_REGULAR_FROM3: &str = "123500000037002b0e02830000030311687474703a2f2f7777772e73652e636f6d040c4d6f6469636f6e204d333430050c424d58205033342032303230";
    /// pymodbus's own `client.read_device_information()` (unit 1) and
    /// `read_device_information(read_code=2, device_id=0)`.
    const PYMODBUS_CLIENT_BASIC: &str = "000100000005012b0e0100";
    const PYMODBUS_CLIENT_REGULAR: &str = "000200000005002b0e0200";
    const RSP_REGULAR_ALL: &str = "000200000060002b0e028300000600125363686e656964657220456c656374726963010c424d58205033342032303230020576322e37300311687474703a2f2f7777772e73652e636f6d040c4d6f6469636f6e204d333430050c424d58205033342032303230";
    /// Read Device ID code 5 (no such code): exception 03.
    const RSP_BAD_CODE: &str = "12380000000300ab03";
    /// Function 0x41 (unassigned): exception 01.
    const RSP_ILLEGAL_FUNCTION: &str = "123900000003008001";
    /// Read Holding Registers at 10000: exception 02.
    const RSP_ILLEGAL_ADDRESS: &str = "123b00000003008302";
    /// Read Holding Registers 0..2: a normal answer of another function.
    const RSP_HOLDING: &str = "123a0000000700030400000000";

    fn device_id(raw: &str) -> (Frame, DeviceIdResponse) {
        let raw = hex(raw);
        let (frame, used) = decode_frame(&raw).unwrap();
        assert_eq!(used, raw.len());
        match decode_response(&frame.pdu).unwrap() {
            Response::DeviceId(r) => (frame, r),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn request_matches_the_captured_bytes() {
        let pdu = encode_device_id_request(DeviceIdRequest {
            code: ReadDeviceIdCode::Basic,
            object_id: 0,
        });
        assert_eq!(encode_frame(0x1234, 0, &pdu), hex(REQ_BASIC_UNIT0));
        assert_eq!(encode_frame(1, 1, &pdu), hex(PYMODBUS_CLIENT_BASIC));
    }

    #[test]
    fn decodes_pymodbus_client_requests() {
        for (raw, unit, code) in [
            (PYMODBUS_CLIENT_BASIC, 1, ReadDeviceIdCode::Basic),
            (PYMODBUS_CLIENT_REGULAR, 0, ReadDeviceIdCode::Regular),
        ] {
            let (frame, _) = decode_frame(&hex(raw)).unwrap();
            assert_eq!(frame.unit_id, unit);
            let req = decode_device_id_request(&frame.pdu).unwrap();
            assert_eq!(req, DeviceIdRequest { code, object_id: 0 });
        }
    }

    #[test]
    fn decodes_pymodbus_basic_identification() {
        let (frame, r) = device_id(RSP_BASIC_UNIT0);
        assert_eq!((frame.transaction_id, frame.unit_id), (0x1234, 0));
        assert_eq!((r.code, r.conformity_level), (1, 0x83));
        assert!(!r.more_follows);
        assert_eq!(
            r.object(object::VENDOR_NAME),
            Some(&b"Schneider Electric"[..])
        );
        assert_eq!(r.object(object::PRODUCT_CODE), Some(&b"BMX P34 2020"[..]));
        assert_eq!(r.object(object::MAJOR_MINOR_REVISION), Some(&b"v2.70"[..]));
        assert_eq!(r.object(object::VENDOR_URL), None);
        assert_eq!(encode_device_id_response(&r), frame.pdu);
    }

    #[test]
    fn decodes_pymodbus_regular_identification() {
        let (_, r) = device_id(RSP_REGULAR_FROM3);
        let ids: Vec<u8> = r.objects.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [3, 4, 5]);
        assert_eq!(
            r.object(object::VENDOR_URL),
            Some(&b"http://www.se.com"[..])
        );
        assert_eq!(r.object(object::PRODUCT_NAME), Some(&b"Modicon M340"[..]));
        assert_eq!(r.object(object::MODEL_NAME), Some(&b"BMX P34 2020"[..]));
        let (_, all) = device_id(RSP_REGULAR_ALL);
        assert_eq!(all.objects.len(), 6);
    }

    #[test]
    fn decodes_pymodbus_exceptions_and_other_functions() {
        for (raw, function, code, meaning) in [
            (RSP_BAD_CODE, 0x2b, 3, "illegal data value"),
            (RSP_ILLEGAL_FUNCTION, 0x00, 1, "illegal function"),
            (RSP_ILLEGAL_ADDRESS, 0x03, 2, "illegal data address"),
        ] {
            let (frame, _) = decode_frame(&hex(raw)).unwrap();
            assert_eq!(
                decode_response(&frame.pdu),
                Ok(Response::Exception { function, code })
            );
            assert_eq!(exception_meaning(code), meaning);
            assert_eq!(encode_exception(function, code), frame.pdu);
        }
        let (frame, _) = decode_frame(&hex(RSP_HOLDING)).unwrap();
        assert_eq!(
            decode_response(&frame.pdu),
            Ok(Response::Other { function: 3 })
        );
    }

    #[test]
    fn truncated_frames_are_incomplete() {
        let raw = hex(RSP_BASIC_UNIT0);
        for cut in 0..raw.len() {
            assert_eq!(
                decode_frame(&raw[..cut]),
                Err(ParseError::Incomplete),
                "cut {cut}"
            );
        }
        // Two frames in one read: the first one's length is used.
        let mut two = hex(RSP_ILLEGAL_FUNCTION);
        two.extend(hex(RSP_BASIC_UNIT0));
        let (frame, used) = decode_frame(&two).unwrap();
        assert_eq!((frame.pdu.as_slice(), used), (&[0x80u8, 0x01][..], 9));
    }

    #[test]
    fn rejects_wrong_protocol_id_and_lengths() {
        assert!(matches!(
            decode_mbap(&hex("12340001000500")),
            Err(ParseError::Malformed {
                field: "protocol id",
                ..
            })
        ));
        assert!(matches!(
            decode_mbap(&hex("12340000000100")),
            Err(ParseError::Malformed {
                field: "mbap length",
                ..
            })
        ));
        assert!(matches!(
            decode_mbap(&hex("1234000000ff00")),
            Err(ParseError::TooLarge { .. })
        ));
        // 254 is the largest length: a 260-byte ADU.
        assert_eq!(decode_mbap(&hex("1234000000fe00")).unwrap().length, 254);
        // HTTP is not Modbus.
        assert!(decode_mbap(b"HTTP/1.1 400 Bad Request\r\n").is_err());
    }

    #[test]
    fn rejects_malformed_identification_responses() {
        let good = hex(RSP_BASIC_UNIT0)[MBAP_LEN..].to_vec();
        let mut bad_more = good.clone();
        bad_more[4] = 0x01;
        let mut overrun = good.clone();
        overrun[8] = 0x40; // first object's length
        let mut extra = good.clone();
        extra.push(0);
        let mut too_many = good.clone();
        too_many[6] = 4; // object count
        for (pdu, why) in [
            (bad_more, "more-follows 01"),
            (overrun, "object overruns"),
            (extra, "trailing byte"),
            (too_many, "count beyond the objects"),
            (good[..5].to_vec(), "short header"),
            (vec![0xab], "exception without a code"),
            (vec![0xab, 1, 2], "exception with extra bytes"),
            (vec![], "empty"),
        ] {
            assert!(
                matches!(decode_response(&pdu), Err(ParseError::Malformed { .. })),
                "{why}"
            );
        }
    }

    #[test]
    fn request_decoder_checks_function_code_and_length() {
        assert!(decode_device_id_request(&[0x2b, 0x0e, 0x01]).is_err());
        assert!(decode_device_id_request(&[0x2b, 0x0d, 0x01, 0x00]).is_err());
        assert!(decode_device_id_request(&[0x2b, 0x0e, 0x01, 0x00, 0x00]).is_err());
        assert!(matches!(
            decode_device_id_request(&[0x2b, 0x0e, 0x05, 0x00]),
            Err(ParseError::Malformed {
                field: "read device id code",
                ..
            })
        ));
    }

    fn plc_objects() -> Vec<(u8, Vec<u8>)> {
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

    #[test]
    fn server_streams_like_pymodbus() {
        let objects = plc_objects();
        let basic = serve_device_id(
            DeviceIdRequest {
                code: ReadDeviceIdCode::Basic,
                object_id: 0,
            },
            &objects,
            0x83,
        )
        .unwrap();
        assert_eq!(
            encode_frame(0x1234, 0, &encode_device_id_response(&basic)),
            hex(RSP_BASIC_UNIT0)
        );
        let regular = serve_device_id(
            DeviceIdRequest {
                code: ReadDeviceIdCode::Regular,
                object_id: 3,
            },
            &objects,
            0x83,
        )
        .unwrap();
        assert_eq!(
            encode_frame(0x1235, 0, &encode_device_id_response(&regular)),
            hex(RSP_REGULAR_FROM3)
        );
        let individual = DeviceIdRequest {
            code: ReadDeviceIdCode::Individual,
            object_id: 6,
        };
        assert_eq!(
            serve_device_id(individual, &objects, 0x83),
            Err(ILLEGAL_DATA_ADDRESS)
        );
        // An id outside the category restarts at its first object.
        let restart = serve_device_id(
            DeviceIdRequest {
                code: ReadDeviceIdCode::Basic,
                object_id: 9,
            },
            &objects,
            0x83,
        )
        .unwrap();
        assert_eq!(restart.objects.len(), 3);
    }

    #[test]
    fn server_splits_long_identification_with_more_follows() {
        let objects: Vec<(u8, Vec<u8>)> = (0..7u8).map(|i| (i, vec![b'a' + i; 100])).collect();
        let mut req = DeviceIdRequest {
            code: ReadDeviceIdCode::Regular,
            object_id: 0,
        };
        let mut seen = Vec::new();
        for _ in 0..4 {
            let r = serve_device_id(req, &objects, 0x82).unwrap();
            let pdu = encode_device_id_response(&r);
            assert!(pdu.len() <= MAX_PDU);
            assert_eq!(decode_response(&pdu), Ok(Response::DeviceId(r.clone())));
            seen.extend(r.objects.iter().map(|(id, _)| *id));
            if !r.more_follows {
                break;
            }
            req.object_id = r.next_object_id;
        }
        assert_eq!(seen, [0, 1, 2, 3, 4, 5, 6]);
    }

    #[test]
    fn names_of_objects() {
        assert_eq!(object_name(0), "VendorName");
        assert_eq!(object_name(6), "UserApplicationName");
        assert_eq!(object_name(0x42), "reserved");
        assert_eq!(object_name(0x80), "private");
        assert_eq!(
            exception_meaning(0x0b),
            "gateway target device failed to respond"
        );
        assert_eq!(exception_meaning(0x7f), "unknown exception");
    }

    #[test]
    fn decoders_never_panic_on_random_or_mutated_input() {
        let valid: Vec<Vec<u8>> = [
            RSP_BASIC_UNIT0,
            RSP_REGULAR_FROM3,
            RSP_ILLEGAL_FUNCTION,
            PYMODBUS_CLIENT_BASIC,
        ]
        .iter()
        .map(|h| hex(h))
        .collect();
        let refs: Vec<&[u8]> = valid.iter().map(Vec::as_slice).collect();
        for input in fuzz::mutations(&refs) {
            if let Ok((frame, used)) = decode_frame(&input) {
                assert!(used <= input.len() && used <= MAX_ADU);
                let _ = decode_response(&frame.pdu);
                if let Ok(req) = decode_device_id_request(&frame.pdu) {
                    let _ = serve_device_id(req, &plc_objects(), 0x83);
                }
            }
            let _ = decode_response(&input);
            let _ = decode_device_id_request(&input);
        }
    }
}
