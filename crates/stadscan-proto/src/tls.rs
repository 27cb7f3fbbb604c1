//! TLS on the wire, written by hand for the protocol-version and cipher-suite
//! assessment: rustls cannot offer SSL 3.0, TLS 1.0/1.1 or weak suites, so the probe
//! builds its own ClientHello and reads the server's first flight (ServerHello,
//! Certificate, ServerKeyExchange, CertificateStatus, ServerHelloDone, alerts) here.
//! Pure code: bytes in, values or `ParseError` out; the lab's legacy responder and the
//! tests share it. Name tables live in `suites`, the ClientHello in `client_hello`,
//! ServerKeyExchange parameters in `key_exchange`.

use super::{ParseError, malformed};

mod client_hello;
mod key_exchange;
mod server;
mod sslv2;
mod suites;
#[cfg(test)]
mod tests;

pub use client_hello::{encode_client_hello, parse_client_hello};
pub use key_exchange::parse_server_key_exchange;
pub use server::{
    encode_alert, encode_certificate, encode_flight, encode_handshake, encode_records,
    encode_server_hello, encode_server_hello_done,
};
pub use sslv2::{
    SSL2_CIPHERS, Sslv2ServerHello, encode_sslv2_client_hello, encode_sslv2_server_hello,
    is_sslv2_error, parse_sslv2_server_hello, sslv2_cipher_name,
};
pub use suites::{
    ALL_GROUPS, ALL_SUITES, TLS13_SUITES, alert_name, dh_prime_bits, group_name, known_dh_group,
    signature_hash, suite_kex, suite_name, version_name,
};

/// SSL 3.0 (RFC 6101).
pub const SSL3: u16 = 0x0300;
/// TLS 1.0 (RFC 2246).
pub const TLS10: u16 = 0x0301;
/// TLS 1.1 (RFC 4346).
pub const TLS11: u16 = 0x0302;
/// TLS 1.2 (RFC 5246).
pub const TLS12: u16 = 0x0303;
/// TLS 1.3 (RFC 8446); only ever sent in supported_versions, never as legacy_version.
pub const TLS13: u16 = 0x0304;
/// The `version` of a record that `parse_records` recognised as SSL 2.0.
pub const SSL2: u16 = 0x0002;

/// Record content type change_cipher_spec.
pub const CONTENT_CCS: u8 = 20;
/// Record content type alert.
pub const CONTENT_ALERT: u8 = 21;
/// Record content type handshake.
pub const CONTENT_HANDSHAKE: u8 = 22;
/// Record content type application_data (encrypted in TLS 1.3 handshakes as well).
pub const CONTENT_APPLICATION_DATA: u8 = 23;
/// Pseudo content type of an SSL 2.0 record (2-byte header, first byte has bit 0x80):
/// the payload is the SSLv2 message, e.g. `[4, ...]` SERVER-HELLO or `[0, 0, 1]` ERROR.
pub const CONTENT_SSLV2: u8 = 0x80;

/// Signalling cipher suite values (RFC 5746, RFC 7507).
pub const SCSV_EMPTY_RENEGOTIATION_INFO: u16 = 0x00FF;
/// TLS_FALLBACK_SCSV (RFC 7507): the client retried with a lower version than it supports.
pub const SCSV_FALLBACK: u16 = 0x5600;

/// server_name (SNI, RFC 6066): the host name the client wants to reach.
pub const EXT_SERVER_NAME: u16 = 0;
/// status_request (RFC 6066): the client asks for a stapled OCSP response.
pub const EXT_STATUS_REQUEST: u16 = 5;
/// supported_groups (RFC 8422, formerly elliptic_curves): key exchange groups the client accepts.
pub const EXT_SUPPORTED_GROUPS: u16 = 10;
/// ec_point_formats (RFC 8422): elliptic-curve point encodings the client accepts.
pub const EXT_EC_POINT_FORMATS: u16 = 11;
/// signature_algorithms (RFC 5246 7.4.1.4.1, RFC 8446 4.2.3).
pub const EXT_SIGNATURE_ALGORITHMS: u16 = 13;
/// application_layer_protocol_negotiation (ALPN, RFC 7301).
pub const EXT_ALPN: u16 = 16;
/// extended_master_secret (RFC 7627): the master secret hashes in the whole handshake.
pub const EXT_EXTENDED_MASTER_SECRET: u16 = 23;
/// session_ticket (RFC 5077): stateless session resumption.
pub const EXT_SESSION_TICKET: u16 = 35;
/// supported_versions (RFC 8446): the versions offered, or the one the server selected.
pub const EXT_SUPPORTED_VERSIONS: u16 = 43;
/// key_share (RFC 8446): ephemeral key exchange values for TLS 1.3.
pub const EXT_KEY_SHARE: u16 = 51;
/// renegotiation_info (RFC 5746): secure renegotiation.
pub const EXT_RENEGOTIATION_INFO: u16 = 0xff01;

/// Handshake type client_hello.
pub const HS_CLIENT_HELLO: u8 = 1;
/// Handshake type server_hello (also the HelloRetryRequest of TLS 1.3).
pub const HS_SERVER_HELLO: u8 = 2;
/// Handshake type certificate.
pub const HS_CERTIFICATE: u8 = 11;
/// Handshake type server_key_exchange (TLS <= 1.2).
pub const HS_SERVER_KEY_EXCHANGE: u8 = 12;
/// Handshake type server_hello_done (TLS <= 1.2).
pub const HS_SERVER_HELLO_DONE: u8 = 14;
/// Handshake type certificate_status (RFC 6066): a stapled OCSP response.
pub const HS_CERTIFICATE_STATUS: u8 = 22;

/// Largest record payload accepted: 2^14 plaintext plus the 2048 bytes RFC 5246 allows
/// for compression and encryption overhead.
pub const MAX_RECORD_PAYLOAD: usize = (1 << 14) + 2048;
/// Largest handshake message other than Certificate.
pub const MAX_HANDSHAKE_MESSAGE: usize = 64 * 1024;
/// Largest ClientHello `parse_client_hello` accepts: the most its fields can hold
/// (version, random, session id, suites, compression methods, extensions), so that
/// anything `encode_client_hello` makes can be read back.
pub const MAX_CLIENT_HELLO: usize = 2 + 32 + (1 + 32) + (2 + 65534) + (1 + 255) + (2 + 65535);
/// Largest Certificate message (a long chain of large RSA certificates fits).
pub const MAX_CERTIFICATE_MESSAGE: usize = 256 * 1024;
/// Certificates kept from a Certificate message; the rest are checked, not stored.
pub const MAX_CERTIFICATES: usize = 10;
/// A server's first flight has fewer than ten messages; this bounds a hostile one.
pub const MAX_FLIGHT_MESSAGES: usize = 32;
/// Handshake bytes one `HandshakeReader` accepts in total.
pub const MAX_FLIGHT_BYTES: usize = 512 * 1024;

/// SHA-256("HelloRetryRequest"): the ServerHello.random of a HelloRetryRequest (RFC 8446).
pub const HELLO_RETRY_REQUEST_RANDOM: [u8; 32] = [
    0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
    0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
];

/// RFC 8446 4.1.3: a TLS 1.3 server that negotiates an older version ends its random
/// with these 7 bytes and then 0x01 (TLS 1.2) or 0x00 (TLS 1.1 or below).
const DOWNGRADE_PREFIX: &[u8; 7] = b"DOWNGRD";

/// Key exchange of a TLS <= 1.2 suite (for deciding which groups matter and what
/// ServerKeyExchange holds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kex {
    /// RSA key transport: no forward secrecy.
    Rsa,
    /// Ephemeral finite-field Diffie-Hellman, signed by the server.
    Dhe,
    /// Ephemeral elliptic-curve Diffie-Hellman, signed by the server.
    Ecdhe,
    /// Fixed Diffie-Hellman parameters from the server's certificate.
    StaticDh,
    /// Fixed elliptic-curve Diffie-Hellman key from the server's certificate.
    StaticEcdh,
    /// Anonymous Diffie-Hellman (finite-field or EC): no server authentication at all.
    Anon,
    /// Pre-shared key, possibly combined with another exchange.
    Psk,
    /// Anything else, including TLS 1.3 suites, which do not name a key exchange.
    Other,
}

/// What a ClientHello offers. `version` is the legacy_version field; for TLS 1.3 put
/// 0x0303 there and TLS13 in `supported_versions`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ClientHello {
    /// legacy_version in the ClientHello body
    pub version: u16,
    /// version in the record header (0x0301 is what browsers send)
    pub record_version: u16,
    /// Client random: 32 bytes, fresh per hello.
    pub random: [u8; 32],
    /// 32 bytes for TLS 1.3 middlebox compatibility
    pub session_id: Vec<u8>,
    /// Offered cipher suites, in preference order.
    pub suites: Vec<u16>,
    /// \[0\] normally; [1, 0] to test DEFLATE
    pub compression: Vec<u8>,
    /// SNI host_name (omitted for IP literals)
    pub server_name: Option<String>,
    /// extension 43; empty = omitted
    pub supported_versions: Vec<u16>,
    /// supported_groups (10); empty = omitted
    pub groups: Vec<u16>,
    /// key_share (51), TLS 1.3; an empty list is still sent when supported_versions
    /// has TLS13
    pub key_shares: Vec<(u16, Vec<u8>)>,
    /// 13; empty = omitted
    pub signature_algorithms: Vec<u16>,
    /// 11, \[uncompressed\]
    pub ec_point_formats: bool,
    /// 0xff01, empty
    pub renegotiation_info: bool,
    /// 23
    pub extended_master_secret: bool,
    /// 5, OCSP
    pub status_request: bool,
    /// 16
    pub alpn: Vec<String>,
    /// 35, empty
    pub session_ticket: bool,
}

/// One TLS record, or an SSL 2.0 record reported with content type `CONTENT_SSLV2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Content type, such as [`CONTENT_HANDSHAKE`].
    pub content_type: u8,
    /// Protocol version in the record header.
    pub version: u16,
    /// Record body, at most [`MAX_RECORD_PAYLOAD`] bytes.
    pub payload: Vec<u8>,
}

/// A TLS alert, read from an unencrypted alert record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// 1 warning, 2 fatal.
    pub level: u8,
    /// Alert description code; see [`alert_name`].
    pub description: u8,
}

/// One handshake message from a server's first flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handshake {
    /// A ServerHello (or a HelloRetryRequest, see [`ServerHello::is_hello_retry`]).
    ServerHello(ServerHello),
    /// DER certificates, leaf first (TLS <= 1.2 format only), at most `MAX_CERTIFICATES`
    Certificate(Vec<Vec<u8>>),
    /// raw body; parse with `parse_server_key_exchange` once the suite is known
    ServerKeyExchange(Vec<u8>),
    /// the DER OCSPResponse of a CertificateStatus of type ocsp
    CertificateStatus(Vec<u8>),
    /// ServerHelloDone: the end of a TLS <= 1.2 server's first flight.
    ServerHelloDone,
    /// type, length
    Other(u8, usize),
}

/// A ServerHello, with the extensions this scanner reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHello {
    /// legacy_version
    pub version: u16,
    /// Server random; it carries the TLS 1.3 downgrade sentinel, see [`ServerHello::downgrade_sentinel`].
    pub random: [u8; 32],
    /// Session ID the server assigned or echoed; may be empty.
    pub session_id: Vec<u8>,
    /// The cipher suite the server selected.
    pub suite: u16,
    /// The compression method the server selected: 0 none, 1 DEFLATE.
    pub compression: u8,
    /// random == the RFC 8446 HelloRetryRequest magic
    pub is_hello_retry: bool,
    /// supported_versions extension
    pub selected_version: Option<u16>,
    /// key_share (ServerHello: group + key; HRR: selected group)
    pub key_share_group: Option<u16>,
    /// extension 0xff01 present (secure renegotiation)
    pub renegotiation_info: bool,
    /// extension 23 present
    pub extended_master_secret: bool,
    /// extension 5 present (server will staple)
    pub status_request: bool,
    /// The protocol the server selected through ALPN.
    pub alpn: Option<String>,
    /// every extension type, in order
    pub extensions: Vec<u16>,
}

impl ServerHello {
    /// selected_version or version
    pub fn negotiated_version(&self) -> u16 {
        self.selected_version.unwrap_or(self.version)
    }

    /// The RFC 8446 downgrade sentinel's last byte: `Some(1)` when a TLS 1.3 capable
    /// server negotiated TLS 1.2, `Some(0)` when it negotiated TLS 1.1 or below.
    pub fn downgrade_sentinel(&self) -> Option<u8> {
        let (head, last) = self.random[24..].split_at(7);
        (head == DOWNGRADE_PREFIX && last[0] <= 1).then_some(last[0])
    }
}

/// Parameters of a ServerKeyExchange, as [`parse_server_key_exchange`] reads them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyExchange {
    /// sig_alg: TLS 1.2 SignatureAndHashAlgorithm (None below TLS 1.2 and for anon/PSK)
    Ecdhe {
        /// Named group (curve), such as 23 for secp256r1 or 29 for x25519; see [`group_name`].
        group: u16,
        /// Length of the server's ephemeral public key in bytes.
        public_len: usize,
        /// TLS 1.2 SignatureAndHashAlgorithm of the parameters (`None` below TLS 1.2).
        sig_alg: Option<u16>,
    },
    /// Ephemeral finite-field Diffie-Hellman parameters.
    Dhe {
        /// The prime modulus p, big-endian as sent; see [`dh_prime_bits`] and [`known_dh_group`].
        prime: Vec<u8>,
        /// The generator g, big-endian as sent.
        generator: Vec<u8>,
        /// Length of the server's public value in bytes.
        public_len: usize,
        /// TLS 1.2 SignatureAndHashAlgorithm of the parameters (`None` below TLS 1.2 and for anonymous or PSK suites).
        sig_alg: Option<u16>,
    },
    /// Any other key exchange, whose parameters are not read.
    Other,
}

// ---------------------------------------------------------------------------------
// Reading

/// Reads inside a message whose length is already known to be present, so running
/// short means the message lies about its contents: Malformed, not Incomplete.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }
    fn is_empty(&self) -> bool {
        self.pos >= self.buf.len()
    }
    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], ParseError> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.buf.len());
        let end = end.ok_or_else(|| malformed(field, "runs past the end of its message"))?;
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
    fn vec8(&mut self, field: &'static str) -> Result<&'a [u8], ParseError> {
        let n = self.u8(field)?;
        self.take(usize::from(n), field)
    }
    fn vec16(&mut self, field: &'static str) -> Result<&'a [u8], ParseError> {
        let n = self.u16(field)?;
        self.take(usize::from(n), field)
    }
    fn vec24(&mut self, field: &'static str) -> Result<&'a [u8], ParseError> {
        let b = self.take(3, field)?;
        self.take(u24(b), field)
    }
    fn random(&mut self, field: &'static str) -> Result<[u8; 32], ParseError> {
        let mut r = [0u8; 32];
        r.copy_from_slice(self.take(32, field)?);
        Ok(r)
    }
    fn session_id(&mut self) -> Result<Vec<u8>, ParseError> {
        let id = self.vec8("session id")?;
        if id.len() > 32 {
            return Err(malformed(
                "session id",
                format!("{} bytes, at most 32", id.len()),
            ));
        }
        Ok(id.to_vec())
    }
    /// Nothing may follow the fields read so far.
    fn finish(&self, field: &'static str) -> Result<(), ParseError> {
        match self.buf.len().saturating_sub(self.pos) {
            0 => Ok(()),
            n => Err(malformed(field, format!("{n} unexpected bytes at the end"))),
        }
    }
}

fn u24(b: &[u8]) -> usize {
    (usize::from(b[0]) << 16) | (usize::from(b[1]) << 8) | usize::from(b[2])
}

fn u16_list(bytes: &[u8], field: &'static str) -> Result<Vec<u16>, ParseError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(malformed(field, "odd length for a list of 16-bit values"));
    }
    Ok(bytes
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect())
}

/// The optional extensions block that ends a hello: (type, data) in order. Nothing may
/// follow it, and no type may appear twice (RFC 5246 7.4.1.4, RFC 8446 4.2).
fn read_extensions<'a>(r: &mut Reader<'a>) -> Result<Vec<(u16, &'a [u8])>, ParseError> {
    if r.is_empty() {
        return Ok(Vec::new());
    }
    let block = r.vec16("extensions")?;
    r.finish("extensions")?;
    let mut e = Reader::new(block);
    let mut out = Vec::new();
    while !e.is_empty() {
        let t = e.u16("extension type")?;
        out.push((t, e.vec16("extension data")?));
    }
    let mut types: Vec<u16> = out.iter().map(|&(t, _)| t).collect();
    types.sort_unstable();
    if let Some(w) = types.windows(2).find(|w| w[0] == w[1]) {
        return Err(malformed(
            "extensions",
            format!("extension {} appears twice", w[0]),
        ));
    }
    Ok(out)
}

/// Splits `buf` into complete records; returns them and the bytes they used. An
/// incomplete trailing record is left for the next call. A first byte with bit 0x80
/// starts an SSL 2.0 record (2-byte header), reported as `CONTENT_SSLV2` / `SSL2`.
pub fn parse_records(buf: &[u8]) -> Result<(Vec<Record>, usize), ParseError> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(&first) = buf.get(pos) {
        let rest = &buf[pos..];
        if first & 0x80 != 0 {
            let Some(&second) = rest.get(1) else { break };
            let len = usize::from(u16::from_be_bytes([first & 0x7f, second]));
            let Some(payload) = rest.get(2..2 + len) else {
                break;
            };
            out.push(Record {
                content_type: CONTENT_SSLV2,
                version: SSL2,
                payload: payload.to_vec(),
            });
            pos += 2 + len;
            continue;
        }
        // 20..=26: change_cipher_spec .. ack. Anything else is not TLS (an HTTP or
        // SSH banner), and waiting for more bytes would not change that.
        if !(20..=26).contains(&first) {
            return Err(malformed(
                "record content type",
                format!("0x{first:02x} is not a TLS record"),
            ));
        }
        if rest.len() < 5 {
            break;
        }
        let version = u16::from_be_bytes([rest[1], rest[2]]);
        let len = usize::from(u16::from_be_bytes([rest[3], rest[4]]));
        if len > MAX_RECORD_PAYLOAD {
            return Err(malformed(
                "record length",
                format!("{len} bytes, at most {MAX_RECORD_PAYLOAD}"),
            ));
        }
        let Some(payload) = rest.get(5..5 + len) else {
            break;
        };
        out.push(Record {
            content_type: first,
            version,
            payload: payload.to_vec(),
        });
        pos += 5 + len;
    }
    Ok((out, pos))
}

/// The first alert of an alert record's payload.
pub fn parse_alert(payload: &[u8]) -> Result<Alert, ParseError> {
    let &[level, description, ..] = payload else {
        return Err(ParseError::Incomplete);
    };
    if !payload.len().is_multiple_of(2) {
        return Err(malformed(
            "alert",
            format!("{} bytes (encrypted?)", payload.len()),
        ));
    }
    if !(1..=2).contains(&level) {
        return Err(malformed(
            "alert level",
            format!("{level}, expected 1 (warning) or 2 (fatal)"),
        ));
    }
    Ok(Alert { level, description })
}

/// Handshake messages reassembled across records (a message may span records; several
/// may share one). Feed every handshake-record payload in order; `push` returns the
/// messages it completed, `messages` all of them so far. After an error the reader
/// keeps returning that error; `messages` still holds what came before it.
#[derive(Debug, Default)]
pub struct HandshakeReader {
    buf: Vec<u8>,
    messages: Vec<Handshake>,
    total: usize,
    failed: Option<ParseError>,
}

impl HandshakeReader {
    /// A reader with nothing read yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Complete messages in this push.
    pub fn push(&mut self, payload: &[u8]) -> Result<Vec<Handshake>, ParseError> {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        let start = self.messages.len();
        match self.read(payload) {
            Ok(()) => Ok(self.messages[start..].to_vec()),
            Err(e) => {
                self.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Every message completed so far, in order.
    pub fn messages(&self) -> &[Handshake] {
        &self.messages
    }

    /// Bytes of a message still waiting for its remaining records (0 between messages).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    fn read(&mut self, payload: &[u8]) -> Result<(), ParseError> {
        self.total = self.total.saturating_add(payload.len());
        if self.total > MAX_FLIGHT_BYTES {
            return Err(ParseError::TooLarge {
                field: "handshake flight",
                limit: MAX_FLIGHT_BYTES,
            });
        }
        self.buf.extend_from_slice(payload);
        let mut pos = 0;
        let result = loop {
            let rest = &self.buf[pos..];
            if rest.len() < 4 {
                break Ok(());
            }
            let (typ, len) = (rest[0], u24(&rest[1..4]));
            let (field, limit) = if typ == HS_CERTIFICATE {
                ("certificate message", MAX_CERTIFICATE_MESSAGE)
            } else {
                ("handshake message", MAX_HANDSHAKE_MESSAGE)
            };
            if len > limit {
                break Err(ParseError::TooLarge { field, limit });
            }
            let Some(body) = rest.get(4..4 + len) else {
                break Ok(());
            };
            if self.messages.len() >= MAX_FLIGHT_MESSAGES {
                break Err(malformed(
                    "handshake",
                    format!("more than {MAX_FLIGHT_MESSAGES} messages in one flight"),
                ));
            }
            match parse_handshake(typ, body) {
                Ok(m) => self.messages.push(m),
                Err(e) => break Err(e),
            }
            pos += 4 + len;
        };
        self.buf.drain(..pos);
        result
    }
}

fn parse_handshake(typ: u8, body: &[u8]) -> Result<Handshake, ParseError> {
    Ok(match typ {
        HS_SERVER_HELLO => Handshake::ServerHello(parse_server_hello(body)?),
        HS_CERTIFICATE => Handshake::Certificate(parse_certificate(body)?),
        HS_SERVER_KEY_EXCHANGE => Handshake::ServerKeyExchange(body.to_vec()),
        HS_CERTIFICATE_STATUS => Handshake::CertificateStatus(parse_certificate_status(body)?),
        HS_SERVER_HELLO_DONE if body.is_empty() => Handshake::ServerHelloDone,
        HS_SERVER_HELLO_DONE => {
            return Err(malformed("server hello done", "has a body"));
        }
        _ => Handshake::Other(typ, body.len()),
    })
}

fn parse_server_hello(body: &[u8]) -> Result<ServerHello, ParseError> {
    let mut r = Reader::new(body);
    let version = r.u16("server version")?;
    let random = r.random("server random")?;
    let session_id = r.session_id()?;
    let suite = r.u16("cipher suite")?;
    let compression = r.u8("compression method")?;
    let exts = read_extensions(&mut r)?;
    let is_hello_retry = random == HELLO_RETRY_REQUEST_RANDOM;
    let mut hello = ServerHello {
        version,
        random,
        session_id,
        suite,
        compression,
        is_hello_retry,
        selected_version: None,
        key_share_group: None,
        renegotiation_info: false,
        extended_master_secret: false,
        status_request: false,
        alpn: None,
        extensions: exts.iter().map(|&(t, _)| t).collect(),
    };
    for (t, data) in exts {
        let mut d = Reader::new(data);
        match t {
            EXT_SUPPORTED_VERSIONS => {
                hello.selected_version = Some(d.u16("supported_versions")?);
                d.finish("supported_versions")?;
            }
            EXT_KEY_SHARE => {
                hello.key_share_group = Some(d.u16("key_share group")?);
                if !is_hello_retry && d.vec16("key_share key")?.is_empty() {
                    return Err(malformed("key_share key", "empty"));
                }
                d.finish("key_share")?;
            }
            EXT_RENEGOTIATION_INFO => {
                d.vec8("renegotiation_info")?;
                d.finish("renegotiation_info")?;
                hello.renegotiation_info = true;
            }
            EXT_EXTENDED_MASTER_SECRET => {
                d.finish("extended_master_secret")?;
                hello.extended_master_secret = true;
            }
            EXT_STATUS_REQUEST => hello.status_request = true,
            EXT_ALPN => {
                let mut list = Reader::new(d.vec16("alpn")?);
                d.finish("alpn")?;
                let name = list.vec8("alpn protocol")?;
                list.finish("alpn")?;
                if name.is_empty() {
                    return Err(malformed("alpn protocol", "empty"));
                }
                hello.alpn = Some(String::from_utf8_lossy(name).into_owned());
            }
            _ => {}
        }
    }
    Ok(hello)
}

fn parse_certificate(body: &[u8]) -> Result<Vec<Vec<u8>>, ParseError> {
    let mut r = Reader::new(body);
    let mut list = Reader::new(r.vec24("certificate list")?);
    r.finish("certificate list")?;
    let mut certs = Vec::new();
    while !list.is_empty() {
        let cert = list.vec24("certificate")?;
        if cert.is_empty() {
            return Err(malformed("certificate", "empty"));
        }
        if certs.len() < MAX_CERTIFICATES {
            certs.push(cert.to_vec());
        }
    }
    Ok(certs)
}

fn parse_certificate_status(body: &[u8]) -> Result<Vec<u8>, ParseError> {
    let mut r = Reader::new(body);
    let status_type = r.u8("certificate status type")?;
    if status_type != 1 {
        return Err(malformed(
            "certificate status type",
            format!("{status_type}, expected 1 (ocsp)"),
        ));
    }
    let response = r.vec24("ocsp response")?;
    r.finish("ocsp response")?;
    if response.is_empty() {
        return Err(malformed("ocsp response", "empty"));
    }
    Ok(response.to_vec())
}
