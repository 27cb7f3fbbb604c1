//! SSL 2.0, only as far as telling that a server still speaks it: the
//! CLIENT-HELLO that offers SSL 2.0 alone, and the SERVER-HELLO that
//! accepts it (message layouts from the SSL 2.0 specification, Netscape
//! 1995). SSL 2.0 has no alerts; a server that refuses sends an ERROR
//! message or closes.

use super::{Reader, SSL2};
use crate::{ParseError, malformed};

pub(crate) const SSL2_MT_ERROR: u8 = 0;
pub(crate) const SSL2_MT_CLIENT_HELLO: u8 = 1;
pub(crate) const SSL2_MT_SERVER_HELLO: u8 = 4;
/// SERVER-HELLO certificate type of an X.509 certificate.
pub(crate) const SSL2_CT_X509_CERTIFICATE: u8 = 1;

/// The seven SSL 2.0 cipher kinds (3-byte codes), strongest first.
pub const SSL2_CIPHERS: &[u32] = &[
    0x0700C0, 0x050080, 0x030080, 0x010080, 0x060040, 0x040080, 0x020080,
];

/// What an SSL 2.0 server accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sslv2ServerHello {
    /// server_version (0x0002)
    pub version: u16,
    /// The X.509 certificate (DER), empty when the session id was a hit.
    pub certificate: Vec<u8>,
    /// The cipher kinds both sides support.
    pub ciphers: Vec<u32>,
}

/// The name of an SSL 2.0 cipher kind.
pub fn sslv2_cipher_name(code: u32) -> String {
    match code {
        0x010080 => "SSL2_RC4_128_WITH_MD5".into(),
        0x020080 => "SSL2_RC4_128_EXPORT40_WITH_MD5".into(),
        0x030080 => "SSL2_RC2_128_CBC_WITH_MD5".into(),
        0x040080 => "SSL2_RC2_128_CBC_EXPORT40_WITH_MD5".into(),
        0x050080 => "SSL2_IDEA_128_CBC_WITH_MD5".into(),
        0x060040 => "SSL2_DES_64_CBC_WITH_MD5".into(),
        0x0700C0 => "SSL2_DES_192_EDE3_CBC_WITH_MD5".into(),
        other => format!("SSL2_UNKNOWN_0x{other:06X}"),
    }
}

/// A 2-byte-header SSL 2.0 record around `message`.
fn record(message: &[u8]) -> Vec<u8> {
    // Messages here are far below the 32767-byte limit of the short header.
    let len = message.len().min(0x7fff) as u16;
    let mut out = Vec::with_capacity(message.len() + 2);
    out.extend_from_slice(&(len | 0x8000).to_be_bytes());
    out.extend_from_slice(&message[..usize::from(len)]);
    out
}

/// A CLIENT-HELLO offering SSL 2.0 only, with every SSL 2.0 cipher kind, no
/// session id and `challenge` (16 bytes: the shortest allowed).
pub fn encode_sslv2_client_hello(challenge: &[u8; 16]) -> Vec<u8> {
    let mut m = vec![SSL2_MT_CLIENT_HELLO];
    m.extend_from_slice(&SSL2.to_be_bytes());
    m.extend_from_slice(&((SSL2_CIPHERS.len() * 3) as u16).to_be_bytes());
    m.extend_from_slice(&0u16.to_be_bytes());
    m.extend_from_slice(&(challenge.len() as u16).to_be_bytes());
    for c in SSL2_CIPHERS {
        m.extend_from_slice(&c.to_be_bytes()[1..]);
    }
    m.extend_from_slice(challenge);
    record(&m)
}

/// A SERVER-HELLO (for the lab and the tests): `certificate` and `ciphers`,
/// a fixed 16-byte connection id.
pub fn encode_sslv2_server_hello(certificate: &[u8], ciphers: &[u32]) -> Vec<u8> {
    let mut m = vec![SSL2_MT_SERVER_HELLO, 0, SSL2_CT_X509_CERTIFICATE];
    m.extend_from_slice(&SSL2.to_be_bytes());
    m.extend_from_slice(&(certificate.len() as u16).to_be_bytes());
    m.extend_from_slice(&((ciphers.len() * 3) as u16).to_be_bytes());
    m.extend_from_slice(&16u16.to_be_bytes());
    m.extend_from_slice(certificate);
    for c in ciphers {
        m.extend_from_slice(&c.to_be_bytes()[1..]);
    }
    m.extend_from_slice(&[0x5a; 16]);
    record(&m)
}

/// Reads the payload of an SSL 2.0 record (`parse_records` gives it with
/// content type `CONTENT_SSLV2`) as a SERVER-HELLO. An ERROR message or
/// anything else is `Malformed`.
pub fn parse_sslv2_server_hello(payload: &[u8]) -> Result<Sslv2ServerHello, ParseError> {
    let mut r = Reader::new(payload);
    let typ = r.u8("sslv2 message type")?;
    if typ != SSL2_MT_SERVER_HELLO {
        return Err(malformed(
            "sslv2 message type",
            format!("{typ}, expected 4 (SERVER-HELLO)"),
        ));
    }
    let hit = r.u8("sslv2 session id hit")?;
    let cert_type = r.u8("sslv2 certificate type")?;
    let version = r.u16("sslv2 server version")?;
    if version != SSL2 {
        return Err(malformed(
            "sslv2 server version",
            format!("0x{version:04x}, expected 0x0002"),
        ));
    }
    let cert_len = r.u16("sslv2 certificate length")?;
    let specs_len = r.u16("sslv2 cipher specs length")?;
    let conn_id_len = r.u16("sslv2 connection id length")?;
    let certificate = r.take(usize::from(cert_len), "sslv2 certificate")?;
    let specs = r.take(usize::from(specs_len), "sslv2 cipher specs")?;
    let conn_id = r.take(usize::from(conn_id_len), "sslv2 connection id")?;
    r.finish("sslv2 server hello")?;
    if hit == 0 && (cert_type != SSL2_CT_X509_CERTIFICATE || certificate.is_empty()) {
        return Err(malformed(
            "sslv2 certificate",
            "a new session without an X.509 certificate",
        ));
    }
    if !specs.len().is_multiple_of(3) || specs.is_empty() {
        return Err(malformed(
            "sslv2 cipher specs",
            format!("{} bytes, a non-empty multiple of 3", specs.len()),
        ));
    }
    if !(16..=32).contains(&conn_id.len()) {
        return Err(malformed(
            "sslv2 connection id",
            format!("{} bytes, 16 to 32", conn_id.len()),
        ));
    }
    Ok(Sslv2ServerHello {
        version,
        certificate: certificate.to_vec(),
        ciphers: specs
            .chunks_exact(3)
            .map(|c| u32::from_be_bytes([0, c[0], c[1], c[2]]))
            .collect(),
    })
}

/// True when an SSL 2.0 record's payload is an ERROR message (type 0 and a
/// 2-byte error code): a server that speaks SSL 2.0 refused.
pub fn is_sslv2_error(payload: &[u8]) -> bool {
    matches!(payload, [SSL2_MT_ERROR, 0, 1..=6])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::{CONTENT_SSLV2, parse_records};

    #[test]
    fn client_hello_is_one_sslv2_record_offering_every_cipher_kind() {
        let hello = encode_sslv2_client_hello(&[7; 16]);
        let (records, used) = parse_records(&hello).unwrap();
        assert_eq!(used, hello.len());
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].content_type, CONTENT_SSLV2);
        let m = &records[0].payload;
        assert_eq!(m[0], SSL2_MT_CLIENT_HELLO);
        assert_eq!(&m[1..3], &[0, 2]);
        assert_eq!(u16::from_be_bytes([m[3], m[4]]), 21);
        assert_eq!(m.len(), 9 + 21 + 16);
        assert_eq!(&m[m.len() - 16..], &[7; 16]);
    }

    #[test]
    fn server_hello_round_trips() {
        let bytes = encode_sslv2_server_hello(b"\x30\x03\x02\x01\x01", &[0x010080, 0x0700C0]);
        let (records, _) = parse_records(&bytes).unwrap();
        let h = parse_sslv2_server_hello(&records[0].payload).unwrap();
        assert_eq!(h.version, SSL2);
        assert_eq!(h.certificate, b"\x30\x03\x02\x01\x01");
        assert_eq!(h.ciphers, vec![0x010080, 0x0700C0]);
        assert_eq!(
            sslv2_cipher_name(h.ciphers[1]),
            "SSL2_DES_192_EDE3_CBC_WITH_MD5"
        );
    }

    #[test]
    fn errors_and_lies_are_not_a_server_hello() {
        assert!(is_sslv2_error(&[0, 0, 1]));
        assert!(parse_sslv2_server_hello(&[0, 0, 1]).is_err());
        let good = encode_sslv2_server_hello(b"\x30\x00", &[0x010080]);
        let payload = &good[2..];
        // Every truncation is refused, never a panic.
        for n in 0..payload.len() {
            assert!(parse_sslv2_server_hello(&payload[..n]).is_err(), "{n}");
        }
        // A certificate length past the end.
        let mut long = payload.to_vec();
        long[6] = 0xff;
        assert!(parse_sslv2_server_hello(&long).is_err());
        // SSL 3.0 in an SSL 2.0 SERVER-HELLO is not SSL 2.0.
        let mut v3 = payload.to_vec();
        v3[3..5].copy_from_slice(&[3, 0]);
        assert!(parse_sslv2_server_hello(&v3).is_err());
    }
}
