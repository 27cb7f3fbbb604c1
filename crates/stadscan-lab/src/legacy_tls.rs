//! A building-management controller's TLS as old firmware ships it: TLS 1.0
//! and 1.1 only, static-RSA CBC suites, an RSA-1024 certificate signed with
//! SHA-1, and no secure renegotiation (RFC 5746). It answers a ClientHello
//! with its first flight (ServerHello, Certificate, ServerHelloDone), which
//! is all the scanner's enumeration reads; built on `proto::tls`.

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::{READ_TIMEOUT, read_more};
use crate::proto::ParseError;
use crate::proto::tls::{
    self as wire, encode_alert, encode_certificate, encode_flight, encode_server_hello,
    encode_server_hello_done,
};

/// Lab-only certificate: `openssl req -x509 -newkey rsa:1024 -sha1` (no key
/// is needed: the responder never completes a handshake).
const CERT_PEM: &str = include_str!("lab-legacy-cert.pem");

/// The server's preference: static RSA with AES-CBC-SHA first, then 3DES.
pub(crate) const SUITES: &[u16] = &[0x002F, 0x0035, 0x000A];
/// Highest version the firmware speaks.
const MAX_VERSION: u16 = wire::TLS11;
const HELLO_LIMIT: usize = 64 * 1024;

pub(crate) async fn serve_legacy_tls(mut stream: TcpStream) {
    let mut buf = Vec::with_capacity(1024);
    let hello = loop {
        if !read_more(&mut stream, &mut buf, HELLO_LIMIT, READ_TIMEOUT).await {
            return;
        }
        match wire::parse_client_hello(&buf) {
            Ok(h) => break h,
            Err(ParseError::Incomplete) => {}
            Err(_) => {
                let _ = stream.write_all(&encode_alert(wire::TLS10, 50)).await;
                return;
            }
        }
    };
    let reply = answer(&hello);
    if stream.write_all(&reply).await.is_err() {
        return;
    }
    // Wait for the client to give up (bounded), as a real server would.
    let mut rest = Vec::new();
    while read_more(&mut stream, &mut rest, 16 * 1024, READ_TIMEOUT).await {}
    let _ = stream.shutdown().await;
}

/// The bytes the controller sends back to `hello`.
pub(crate) fn answer(hello: &wire::ClientHello) -> Vec<u8> {
    // TLS 1.3 clients put 0x0303 here and the real wish in supported_versions;
    // this firmware knows nothing of that and answers the legacy field.
    if hello.version < wire::TLS10 {
        return encode_alert(wire::TLS10, 70); // protocol_version
    }
    let version = hello.version.min(MAX_VERSION);
    let Some(suite) = SUITES.iter().copied().find(|s| hello.suites.contains(s)) else {
        return encode_alert(version, 40); // handshake_failure
    };
    let cert = CertificateDer::from_pem_slice(CERT_PEM.as_bytes())
        .map(|c| c.to_vec())
        .unwrap_or_default();
    let mut random = [0u8; 32];
    for (i, b) in random.iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37) ^ 0x5a;
    }
    encode_flight(
        version,
        &[
            encode_server_hello(version, random, &[], suite, 0, &[]),
            encode_certificate(&[cert]),
            encode_server_hello_done(),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::tls::{ClientHello, Handshake, HandshakeReader, parse_records};

    fn hello(version: u16, suites: &[u16]) -> ClientHello {
        ClientHello {
            version,
            record_version: wire::TLS10,
            suites: suites.to_vec(),
            compression: vec![0],
            ..ClientHello::default()
        }
    }

    fn server_hello(bytes: &[u8]) -> Option<wire::ServerHello> {
        let (records, _) = parse_records(bytes).ok()?;
        let mut reader = HandshakeReader::default();
        for r in records {
            for m in reader.push(&r.payload).ok()? {
                if let Handshake::ServerHello(h) = m {
                    return Some(h);
                }
            }
        }
        None
    }

    #[test]
    fn answers_tls12_clients_with_tls11_and_its_own_preference() {
        let h = server_hello(&answer(&hello(wire::TLS12, &[0x000A, 0x002F]))).unwrap();
        assert_eq!(h.version, wire::TLS11);
        assert_eq!(h.suite, 0x002F);
        assert!(!h.renegotiation_info);
    }

    #[test]
    fn refuses_modern_suites_and_ssl3() {
        assert!(server_hello(&answer(&hello(wire::TLS12, &[0xC02F]))).is_none());
        assert!(server_hello(&answer(&hello(wire::SSL3, &[0x002F]))).is_none());
    }

    #[test]
    fn its_certificate_is_rsa_1024_with_sha1() {
        let der = CertificateDer::from_pem_slice(CERT_PEM.as_bytes()).unwrap();
        let (_, c) = x509_parser::parse_x509_certificate(&der).unwrap();
        assert_eq!(
            c.signature_algorithm.algorithm.to_id_string(),
            "1.2.840.113549.1.1.5"
        );
        match c.public_key().parsed().unwrap() {
            x509_parser::public_key::PublicKey::RSA(k) => assert_eq!(k.key_size(), 1024),
            other => panic!("{other:?}"),
        }
    }
}
