//! The ClientHello: encoded by the probe with exactly the versions, suites and
//! extensions it wants to test, and parsed back by the lab's legacy TLS responder.

use super::{
    CONTENT_HANDSHAKE, ClientHello, EXT_ALPN, EXT_EC_POINT_FORMATS, EXT_EXTENDED_MASTER_SECRET,
    EXT_KEY_SHARE, EXT_RENEGOTIATION_INFO, EXT_SERVER_NAME, EXT_SESSION_TICKET,
    EXT_SIGNATURE_ALGORITHMS, EXT_STATUS_REQUEST, EXT_SUPPORTED_GROUPS, EXT_SUPPORTED_VERSIONS,
    HS_CLIENT_HELLO, MAX_CLIENT_HELLO, ParseError, Reader, TLS13, malformed, parse_records,
    read_extensions, u16_list, u24,
};

/// Most 16-bit values a list inside one extension can hold: 4 bytes of extension
/// header and 2 of list length leave 65529 bytes of the 64 KiB extensions block.
const MAX_EXTENSION_U16S: usize = 32764;
/// Largest plaintext fragment `encode_client_hello` puts in one record.
const MAX_FRAGMENT: usize = 1 << 14;

fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

fn put_u24(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&(v as u32).to_be_bytes()[1..]);
}

/// Callers cut `b` to 255 bytes first.
fn put_vec8(out: &mut Vec<u8>, b: &[u8]) {
    out.push(b.len() as u8);
    out.extend_from_slice(b);
}

/// Callers cut `b` to 65535 bytes first.
fn put_vec16(out: &mut Vec<u8>, b: &[u8]) {
    put_u16(out, b.len() as u16);
    out.extend_from_slice(b);
}

fn u16_bytes(list: &[u16], max_items: usize) -> Vec<u8> {
    list.iter()
        .take(max_items)
        .flat_map(|v| v.to_be_bytes())
        .collect()
}

/// The host name to put in SNI: `None` for IP literals (RFC 6066 forbids them) and for
/// names no DNS name can be. The trailing dot of an absolute name is dropped.
fn sni_host(name: &str) -> Option<&str> {
    let name = name.strip_suffix('.').unwrap_or(name);
    let bare = name.trim_start_matches('[').trim_end_matches(']');
    let is_ip = bare.parse::<std::net::IpAddr>().is_ok() || bare.contains(':');
    (!is_ip && !name.is_empty() && name.len() <= 255).then_some(name)
}

/// The extensions in the order they are sent. An empty extension is never last: some
/// old servers reject a hello that ends in one.
fn client_extensions(h: &ClientHello) -> Vec<(u16, Vec<u8>)> {
    let mut exts = Vec::new();
    if let Some(host) = h.server_name.as_deref().and_then(sni_host) {
        let mut entry = vec![0u8]; // host_name
        put_vec16(&mut entry, host.as_bytes());
        let mut data = Vec::new();
        put_vec16(&mut data, &entry);
        exts.push((EXT_SERVER_NAME, data));
    }
    if h.extended_master_secret {
        exts.push((EXT_EXTENDED_MASTER_SECRET, Vec::new()));
    }
    if h.renegotiation_info {
        exts.push((EXT_RENEGOTIATION_INFO, vec![0]));
    }
    if h.session_ticket {
        exts.push((EXT_SESSION_TICKET, Vec::new()));
    }
    if !h.groups.is_empty() {
        let mut data = Vec::new();
        put_vec16(&mut data, &u16_bytes(&h.groups, MAX_EXTENSION_U16S));
        exts.push((EXT_SUPPORTED_GROUPS, data));
    }
    if h.ec_point_formats {
        exts.push((EXT_EC_POINT_FORMATS, vec![1, 0]));
    }
    if h.status_request {
        // status_type ocsp, empty responder_id_list, empty request_extensions
        exts.push((EXT_STATUS_REQUEST, vec![1, 0, 0, 0, 0]));
    }
    let protocols: Vec<u8> = h
        .alpn
        .iter()
        .filter(|p| (1..=255).contains(&p.len()))
        .flat_map(|p| std::iter::once(p.len() as u8).chain(p.bytes()))
        .collect();
    if !protocols.is_empty() && protocols.len() <= 65533 {
        let mut data = Vec::new();
        put_vec16(&mut data, &protocols);
        exts.push((EXT_ALPN, data));
    }
    if !h.signature_algorithms.is_empty() {
        let mut data = Vec::new();
        put_vec16(
            &mut data,
            &u16_bytes(&h.signature_algorithms, MAX_EXTENSION_U16S),
        );
        exts.push((EXT_SIGNATURE_ALGORITHMS, data));
    }
    if !h.supported_versions.is_empty() {
        let mut data = Vec::new();
        put_vec8(&mut data, &u16_bytes(&h.supported_versions, 127));
        exts.push((EXT_SUPPORTED_VERSIONS, data));
    }
    if !h.key_shares.is_empty() || h.supported_versions.contains(&TLS13) {
        let mut shares = Vec::new();
        for (group, key) in &h.key_shares {
            if key.len() <= 65535 && shares.len() + 4 + key.len() <= 65533 {
                put_u16(&mut shares, *group);
                put_vec16(&mut shares, key);
            }
        }
        let mut data = Vec::new();
        put_vec16(&mut data, &shares);
        exts.push((EXT_KEY_SHARE, data));
    }
    exts
}

/// The whole ClientHello as record(s): header + handshake. Values the wire cannot
/// carry are cut (session id to 32 bytes, 32767 suites, 255 compression methods), an
/// extension that would overflow the 64 KiB extensions block is left out, and a
/// message longer than 2^14 bytes is split across records. Nothing else is checked:
/// the probe may want to send a hello a strict server refuses.
pub fn encode_client_hello(h: &ClientHello) -> Vec<u8> {
    let mut body = Vec::new();
    put_u16(&mut body, h.version);
    body.extend_from_slice(&h.random);
    put_vec8(&mut body, &h.session_id[..h.session_id.len().min(32)]);
    put_vec16(&mut body, &u16_bytes(&h.suites, 32767));
    put_vec8(&mut body, &h.compression[..h.compression.len().min(255)]);
    let mut block = Vec::new();
    for (t, data) in client_extensions(h) {
        if data.len() <= 65535 && block.len() + 4 + data.len() <= 65535 {
            put_u16(&mut block, t);
            put_vec16(&mut block, &data);
        }
    }
    // Without extensions the block is left out entirely, as SSL 3.0 servers expect.
    if !block.is_empty() {
        put_vec16(&mut body, &block);
    }
    let mut msg = vec![HS_CLIENT_HELLO];
    put_u24(&mut msg, body.len());
    msg.extend_from_slice(&body);
    let mut out = Vec::with_capacity(msg.len() + 5);
    for fragment in msg.chunks(MAX_FRAGMENT) {
        out.push(CONTENT_HANDSHAKE);
        put_u16(&mut out, h.record_version);
        put_vec16(&mut out, fragment);
    }
    out
}

/// The ClientHello in `buf`, which holds record(s) as a client sends them (for the
/// lab's legacy TLS responder). `Incomplete` until every record of the hello is there.
/// Extensions this crate does not model are skipped; SSLv2-format hellos are refused.
pub fn parse_client_hello(buf: &[u8]) -> Result<ClientHello, ParseError> {
    let (records, _) = parse_records(buf)?;
    let mut msg: Vec<u8> = Vec::new();
    let mut record_version = None;
    for rec in &records {
        if rec.content_type != CONTENT_HANDSHAKE {
            return Err(malformed(
                "record content type",
                format!("{} before the ClientHello", rec.content_type),
            ));
        }
        record_version.get_or_insert(rec.version);
        msg.extend_from_slice(&rec.payload);
        if msg.len() < 4 {
            continue;
        }
        if msg[0] != HS_CLIENT_HELLO {
            return Err(malformed(
                "handshake type",
                format!("{}, expected 1 (client_hello)", msg[0]),
            ));
        }
        let len = u24(&msg[1..4]);
        if len > MAX_CLIENT_HELLO {
            return Err(ParseError::TooLarge {
                field: "client hello",
                limit: MAX_CLIENT_HELLO,
            });
        }
        if let Some(body) = msg.get(4..4 + len) {
            let mut hello = parse_client_hello_body(body)?;
            hello.record_version = record_version.unwrap_or_default();
            return Ok(hello);
        }
    }
    Err(ParseError::Incomplete)
}

pub(super) fn parse_client_hello_body(body: &[u8]) -> Result<ClientHello, ParseError> {
    let mut r = Reader::new(body);
    let version = r.u16("client version")?;
    let random = r.random("client random")?;
    let session_id = r.session_id()?;
    let suites = u16_list(r.vec16("cipher suites")?, "cipher suites")?;
    if suites.is_empty() {
        return Err(malformed("cipher suites", "empty"));
    }
    let compression = r.vec8("compression methods")?.to_vec();
    if compression.is_empty() {
        return Err(malformed("compression methods", "empty"));
    }
    let mut hello = ClientHello {
        version,
        random,
        session_id,
        suites,
        compression,
        ..ClientHello::default()
    };
    for (t, data) in read_extensions(&mut r)? {
        let mut d = Reader::new(data);
        match t {
            EXT_SERVER_NAME => {
                let mut list = Reader::new(d.vec16("server_name")?);
                d.finish("server_name")?;
                while !list.is_empty() {
                    let name_type = list.u8("server_name type")?;
                    let name = list.vec16("server_name")?;
                    if name_type == 0 && hello.server_name.is_none() {
                        let name = String::from_utf8(name.to_vec())
                            .map_err(|_| malformed("server_name", "not UTF-8"))?;
                        hello.server_name = Some(name);
                    }
                }
                continue;
            }
            EXT_SUPPORTED_GROUPS => {
                hello.groups = u16_list(d.vec16("supported_groups")?, "supported_groups")?;
            }
            EXT_EC_POINT_FORMATS => {
                d.vec8("ec_point_formats")?;
                hello.ec_point_formats = true;
            }
            EXT_SIGNATURE_ALGORITHMS => {
                let list = d.vec16("signature_algorithms")?;
                hello.signature_algorithms = u16_list(list, "signature_algorithms")?;
            }
            EXT_ALPN => {
                let mut list = Reader::new(d.vec16("alpn")?);
                while !list.is_empty() {
                    let p = list.vec8("alpn protocol")?;
                    hello.alpn.push(String::from_utf8_lossy(p).into_owned());
                }
            }
            EXT_SUPPORTED_VERSIONS => {
                let list = d.vec8("supported_versions")?;
                hello.supported_versions = u16_list(list, "supported_versions")?;
            }
            EXT_KEY_SHARE => {
                let mut list = Reader::new(d.vec16("key_share")?);
                while !list.is_empty() {
                    let group = list.u16("key_share group")?;
                    let key = list.vec16("key_share key")?;
                    hello.key_shares.push((group, key.to_vec()));
                }
            }
            EXT_RENEGOTIATION_INFO => {
                d.vec8("renegotiation_info")?;
                hello.renegotiation_info = true;
            }
            EXT_EXTENDED_MASTER_SECRET => hello.extended_master_secret = true,
            EXT_SESSION_TICKET => {
                hello.session_ticket = true;
                continue; // may carry a ticket
            }
            EXT_STATUS_REQUEST => {
                hello.status_request = true;
                continue;
            }
            _ => continue,
        }
        d.finish("extension data")?;
    }
    Ok(hello)
}
