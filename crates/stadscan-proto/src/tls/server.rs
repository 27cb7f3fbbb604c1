//! Server-side encoders: the first flight of a TLS 1.0-1.2 server
//! (ServerHello, Certificate, ServerHelloDone) and alerts. The lab's legacy
//! TLS responder speaks with these; the scanner only ever parses them.

use super::{
    CONTENT_ALERT, CONTENT_HANDSHAKE, HS_CERTIFICATE, HS_SERVER_HELLO, HS_SERVER_HELLO_DONE,
};

/// Largest record payload a sender may use (RFC 5246 6.2.1).
const MAX_PLAINTEXT: usize = 1 << 14;

/// Records of `content_type` carrying `payload`, split at 2^14 bytes.
pub fn encode_records(content_type: u8, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + 5 * (payload.len() / MAX_PLAINTEXT + 1));
    for chunk in payload.chunks(MAX_PLAINTEXT) {
        out.push(content_type);
        out.extend_from_slice(&version.to_be_bytes());
        out.extend_from_slice(&(chunk.len() as u16).to_be_bytes());
        out.extend_from_slice(chunk);
    }
    out
}

/// A handshake message: type, 24-bit length, body.
pub fn encode_handshake(typ: u8, body: &[u8]) -> Vec<u8> {
    let len = body.len().min(0x00ff_ffff);
    let mut out = Vec::with_capacity(4 + len);
    out.push(typ);
    out.extend_from_slice(&(len as u32).to_be_bytes()[1..]);
    out.extend_from_slice(&body[..len]);
    out
}

/// A ServerHello handshake message. `extensions` are (type, data); none at
/// all omits the extensions block, as SSL 3.0 and old stacks do.
pub fn encode_server_hello(
    version: u16,
    random: [u8; 32],
    session_id: &[u8],
    suite: u16,
    compression: u8,
    extensions: &[(u16, Vec<u8>)],
) -> Vec<u8> {
    let mut body = Vec::with_capacity(80);
    body.extend_from_slice(&version.to_be_bytes());
    body.extend_from_slice(&random);
    let sid = &session_id[..session_id.len().min(32)];
    body.push(sid.len() as u8);
    body.extend_from_slice(sid);
    body.extend_from_slice(&suite.to_be_bytes());
    body.push(compression);
    if !extensions.is_empty() {
        let mut ext = Vec::new();
        for (typ, data) in extensions {
            let data = &data[..data.len().min(0xffff)];
            ext.extend_from_slice(&typ.to_be_bytes());
            ext.extend_from_slice(&(data.len() as u16).to_be_bytes());
            ext.extend_from_slice(data);
        }
        body.extend_from_slice(&(ext.len().min(0xffff) as u16).to_be_bytes());
        body.extend_from_slice(&ext);
    }
    encode_handshake(HS_SERVER_HELLO, &body)
}

/// A Certificate handshake message (TLS <= 1.2 layout), leaf first.
pub fn encode_certificate(chain: &[Vec<u8>]) -> Vec<u8> {
    let mut list = Vec::new();
    for der in chain {
        list.extend_from_slice(&(der.len() as u32).to_be_bytes()[1..]);
        list.extend_from_slice(der);
    }
    let mut body = Vec::with_capacity(3 + list.len());
    body.extend_from_slice(&(list.len() as u32).to_be_bytes()[1..]);
    body.extend_from_slice(&list);
    encode_handshake(HS_CERTIFICATE, &body)
}

/// The empty ServerHelloDone message.
pub fn encode_server_hello_done() -> Vec<u8> {
    encode_handshake(HS_SERVER_HELLO_DONE, &[])
}

/// A fatal alert record.
pub fn encode_alert(version: u16, description: u8) -> Vec<u8> {
    encode_records(CONTENT_ALERT, version, &[2, description])
}

/// Handshake messages in handshake records.
pub fn encode_flight(version: u16, messages: &[Vec<u8>]) -> Vec<u8> {
    encode_records(CONTENT_HANDSHAKE, version, &messages.concat())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::{Handshake, HandshakeReader, TLS10, parse_alert, parse_records};

    #[test]
    fn a_legacy_flight_parses_back() {
        let cert = vec![vec![0x30, 0x03, 0x02, 0x01, 0x01]];
        let flight = encode_flight(
            TLS10,
            &[
                encode_server_hello(TLS10, [7; 32], &[], 0x002F, 0, &[]),
                encode_certificate(&cert),
                encode_server_hello_done(),
            ],
        );
        let (records, used) = parse_records(&flight).unwrap();
        assert_eq!(used, flight.len());
        let mut reader = HandshakeReader::default();
        let mut msgs = Vec::new();
        for r in records {
            msgs.extend(reader.push(&r.payload).unwrap());
        }
        match &msgs[0] {
            Handshake::ServerHello(h) => {
                assert_eq!(
                    (h.version, h.suite, h.renegotiation_info),
                    (TLS10, 0x002F, false)
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(msgs[1], Handshake::Certificate(cert));
        assert_eq!(msgs[2], Handshake::ServerHelloDone);
    }

    #[test]
    fn large_payloads_split_into_records() {
        let big = vec![0u8; MAX_PLAINTEXT * 2 + 10];
        let out = encode_records(CONTENT_HANDSHAKE, TLS10, &big);
        let (records, _) = parse_records(&out).unwrap();
        assert_eq!(records.len(), 3);
    }

    #[test]
    fn alert_round_trips() {
        let (records, _) = parse_records(&encode_alert(TLS10, 70)).unwrap();
        let a = parse_alert(&records[0].payload).unwrap();
        assert_eq!((a.level, a.description), (2, 70));
    }
}
