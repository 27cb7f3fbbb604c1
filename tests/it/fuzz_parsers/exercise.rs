//! One function per `stadscan-proto` module that feeds arbitrary bytes to every
//! decoder of that module and checks what must hold for any input: no panic,
//! reported lengths inside the buffer, limits kept, and a decoded value that
//! survives its own encoder. Shared by `tests/fuzz_parsers.rs` (proptest, on
//! stable) and the cargo-fuzz targets under `fuzz/` (libFuzzer, on nightly),
//! so both run exactly the same checks.

use stadscan::proto::{
    ParseError, bacnet, coap, dns, ftp, http, icmp, modbus, mqtt, onvif, pem, snmp, ssdp, ssh, tcp,
    telnet, tls, xml,
};

/// A string view of fuzz bytes for the decoders that take `&str`.
fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Two numbers taken from the head of the input, so that parameters vary too.
fn u16_at(data: &[u8], at: usize) -> u16 {
    let b = |i: usize| data.get(i).copied().unwrap_or(0);
    u16::from_be_bytes([b(at), b(at + 1)])
}

/// An IPv4 packet called incomplete is shorter than its header or than the
/// total length the header states.
fn ipv4_incomplete(data: &[u8]) {
    let total = usize::from(u16_at(data, 2));
    assert!(
        data.len() < tcp::IPV4_HEADER || data.len() < total,
        "{} bytes called incomplete",
        data.len()
    );
}

pub fn bacnet(data: &[u8]) {
    if let Ok((tag, used)) = bacnet::decode_tag(data) {
        assert!(used <= data.len(), "{tag:?} header {used} > {}", data.len());
    }
    let _ = bacnet::decode_apdu(data);
    let _ = bacnet::decode_npdu(data);
    if let Ok(frame) = bacnet::decode_frame(data) {
        let _ = frame.apdu();
        let _ = frame.npdu();
        if let Some(bacnet::Apdu::ReadPropertyAck { ack, .. }) = frame.apdu()
            && let bacnet::Value::CharacterString(s) = &ack.value
        {
            let _ = s.text();
        }
        if let Some(npdu) = frame.npdu() {
            let _ = bacnet::Npdu::reply_to(npdu);
        }
    }
    let _ = bacnet::error_name(u32::from(u16_at(data, 0)), u32::from(u16_at(data, 2)));
    for charset in 0..=5 {
        let s = bacnet::CharString {
            charset,
            bytes: data.to_vec(),
        };
        let _ = s.text();
    }
}

pub fn coap(data: &[u8]) {
    if let Ok(m) = coap::decode(data) {
        assert!(m.token.len() <= coap::MAX_TOKEN);
        let again = coap::decode(&m.encode());
        assert_eq!(again.as_ref(), Ok(&m), "decode(encode(decode(x))) differs");
        let _ = m.uri_path();
        let _ = m.content_format();
        let _ = m.block2();
        for o in &m.options {
            let _ = coap::decode_uint(&o.value);
            let _ = coap::Block::decode(&o.value);
        }
        let _ = coap::lwm2m::resource_value(m.content_format(), &m.payload);
        let _ = coap::Code(m.code.0).name();
    }
    if let Ok(req) = coap::decode_request(data) {
        assert!(req.code.is_request());
        for max_szx in [0, 2, 6, 7, 255] {
            let body = data.repeat(3);
            let r = coap::response(&req, coap::Code(0x45), Some(0), &body, max_szx);
            assert_eq!(r.message_id, req.message_id);
            assert!(r.payload.len() <= 1024, "a block is at most 1024 bytes");
            let _ = coap::decode(&r.encode());
        }
    }
    if let Ok(links) = coap::parse_link_format(data) {
        assert!(links.len() <= coap::MAX_LINKS);
        for l in &links {
            assert!(l.attributes.len() <= coap::MAX_LINK_ATTRIBUTES);
            assert!(l.target.chars().count() <= coap::MAX_LINK_VALUE);
            let _ = l.resource_types().count();
        }
        let _ = coap::lwm2m::lists_device_object(&links);
        let again = coap::parse_link_format(coap::encode_link_format(&links).as_bytes());
        assert_eq!(again.as_ref(), Ok(&links), "links do not survive encoding");
    }
    for cf in [
        None,
        Some(coap::content_format::LWM2M_TLV),
        Some(coap::content_format::LWM2M_TLV_OLD),
    ] {
        if let Some(v) = coap::lwm2m::resource_value(cf, data) {
            assert!(v.len() <= data.len());
        }
    }
    if let Some(v) = coap::decode_uint(data) {
        assert_eq!(coap::decode_uint(&coap::encode_uint(v)), Some(v));
    }
}

pub fn dns(data: &[u8]) {
    if let Ok(q) = dns::parse_query(data) {
        assert!(q.question_end <= data.len());
        assert!(q.name.len() <= dns::MAX_NAME);
        let addrs: Vec<std::net::IpAddr> = data
            .chunks(4)
            .take(200)
            .map(|c| {
                let mut a = [0u8; 4];
                a[..c.len()].copy_from_slice(c);
                std::net::IpAddr::from(a)
            })
            .chain(std::iter::repeat_n(
                std::net::Ipv6Addr::LOCALHOST.into(),
                40,
            ))
            .collect();
        let answer = dns::encode_answer(&q, &addrs, 60);
        assert!(answer.len() <= dns::MAX_UDP_MESSAGE, "{}", answer.len());
        assert_eq!(answer[..2], q.id.to_be_bytes());
        let nx = dns::encode_nxdomain(&q);
        assert_eq!(nx[..2], q.id.to_be_bytes());
    }
}

pub fn ftp(data: &[u8]) {
    if let Ok(r) = ftp::parse_reply(data) {
        assert!(r.len <= data.len());
        assert!((100..=699).contains(&r.code), "{}", r.code);
        let _ = r.text();
    }
    if let Ok(c) = ftp::parse_command(data) {
        assert!(c.len <= data.len());
        let again = ftp::parse_command(&ftp::encode_command(&c.verb, c.arg.as_deref()));
        // The encoder drops CR and LF (no command injection), so a bare CR in
        // the argument does not come back.
        let arg = c.arg.map(|a| a.replace('\r', "")).filter(|a| !a.is_empty());
        assert_eq!(again.map(|a| (a.verb, a.arg)), Ok((c.verb, arg)));
    }
}

pub fn http(data: &[u8]) {
    if let Ok(h) = http::parse_response_head(data) {
        assert!(h.head_len <= data.len());
        assert!(h.head_len <= http::MAX_HEAD);
        assert!(h.headers.len() <= http::MAX_HEADERS);
        let _ = h.content_length();
        let _ = h.is_chunked();
        let _ = h
            .header("www-authenticate")
            .map(http::parse_www_authenticate);
        let _ = h.headers_named("set-cookie").count();
        let _ = http::html_title(&data[h.head_len..]);
        let _ = http::decode_chunked(&data[h.head_len..]);
    }
    if let Ok(h) = http::parse_request_head(data) {
        assert!(h.head_len <= data.len());
        assert!(h.headers.len() <= http::MAX_HEADERS);
        let _ = h.header("authorization").map(http::decode_basic_auth);
    }
    if let Some(t) = http::html_title(data) {
        assert!(!t.is_empty() && t.chars().count() <= 200, "{t:?}");
    }
    let s = text(data);
    for c in http::parse_www_authenticate(&s) {
        assert_eq!(c.scheme, c.scheme.to_lowercase());
        let _ = c.param("nonce");
    }
    if let Some(bytes) = http::base64_decode(&s) {
        assert_eq!(
            http::base64_decode(&http::base64_encode(&bytes)),
            Some(bytes)
        );
    }
    let _ = http::decode_basic_auth(&s);
    if let Some(body) = http::decode_chunked(data) {
        assert!(body.len() <= data.len());
    }
}

pub fn modbus(data: &[u8]) {
    let _ = modbus::decode_mbap(data);
    if let Ok((f, used)) = modbus::decode_frame(data) {
        assert!(used <= data.len() && used <= modbus::MAX_ADU);
        assert_eq!(
            modbus::encode_frame(f.transaction_id, f.unit_id, &f.pdu),
            data[..used]
        );
        let _ = modbus::decode_response(&f.pdu);
    }
    if let Ok(req) = modbus::decode_device_id_request(data) {
        assert_eq!(modbus::encode_device_id_request(req), data);
    }
    if let Ok(modbus::Response::DeviceId(r)) = modbus::decode_response(data) {
        if data.len() <= modbus::MAX_PDU {
            assert_eq!(modbus::encode_device_id_response(&r), data);
        }
        let _ = r.object(0);
        let mut objects = r.objects.clone();
        objects.sort_by_key(|(id, _)| *id);
        for code in [
            modbus::ReadDeviceIdCode::Basic,
            modbus::ReadDeviceIdCode::Regular,
            modbus::ReadDeviceIdCode::Extended,
            modbus::ReadDeviceIdCode::Individual,
        ] {
            let req = modbus::DeviceIdRequest {
                code,
                object_id: r.next_object_id,
            };
            if let Ok(answer) = modbus::serve_device_id(req, &objects, r.conformity_level) {
                let pdu = modbus::encode_device_id_response(&answer);
                assert!(pdu.len() <= modbus::MAX_PDU);
                assert_eq!(
                    modbus::decode_response(&pdu),
                    Ok(modbus::Response::DeviceId(answer))
                );
            }
        }
    }
    for b in data.iter().take(8) {
        let _ = modbus::exception_meaning(*b);
        let _ = modbus::object_name(*b);
    }
}

pub fn mqtt(data: &[u8]) {
    if let Ok((value, used)) = mqtt::decode_remaining_length(data) {
        assert!((1..=4).contains(&used));
        let mut out = Vec::new();
        mqtt::encode_remaining_length(value, &mut out);
        assert_eq!(mqtt::decode_remaining_length(&out), Ok((value, out.len())));
    }
    if let Ok((c, used)) = mqtt::decode_connect(data) {
        assert!(used <= data.len());
        let wire = mqtt::encode_connect(&c);
        assert_eq!(mqtt::decode_connect(&wire), Ok((c, wire.len())));
    }
    if let Ok((ack, used)) = mqtt::decode_connack(data) {
        assert!(used <= data.len());
        let _ = mqtt::connack_meaning(ack.return_code);
        assert_eq!(
            mqtt::decode_connack(&mqtt::encode_connack(ack)),
            Ok((ack, 4))
        );
    }
    if let Ok((_, used)) = mqtt::decode_packet(data) {
        assert!(used <= data.len());
    }
}

pub fn onvif(data: &[u8]) {
    if let Ok(p) = onvif::parse_probe(data) {
        assert!(p.types.len() <= onvif::MAX_ITEMS);
        let _ = onvif::parse_probe_matches(data, &p.message_id);
    }
    let relates = xml::first_text(data, "RelatesTo").ok().flatten();
    if let Ok(matches) = onvif::parse_probe_matches(data, relates.as_deref().unwrap_or("")) {
        assert!(!matches.is_empty());
        for m in &matches {
            assert!(m.scopes.len() <= onvif::MAX_ITEMS);
            for category in ["name", "hardware", "location"] {
                let _ = onvif::scope_values(&m.scopes, category);
            }
        }
    }
    let _ = onvif::request_operation(data);
    let _ = onvif::parse_device_information(data);
    let s = text(data);
    let _ = onvif::percent_decode(&s);
    let scopes: Vec<String> = s.split_whitespace().map(str::to_string).collect();
    let _ = onvif::scope_values(&scopes, "name");
}

pub fn snmp(data: &[u8]) {
    if let Ok(m) = snmp::decode(data) {
        let again = snmp::decode(&snmp::encode(&m));
        assert_eq!(again.as_ref(), Ok(&m), "decode(encode(decode(x))) differs");
        for (oid, _) in &m.pdu.varbinds {
            let shown = oid.to_string();
            assert_eq!(shown.parse::<snmp::Oid>().as_ref(), Ok(oid), "{shown}");
        }
    }
    let _ = text(data).parse::<snmp::Oid>();
}

pub fn ssdp(data: &[u8]) {
    let _ = ssdp::parse_msearch(data);
    let _ = ssdp::parse_announcement(data);
    if let Ok(d) = ssdp::parse_description(data) {
        let again = ssdp::parse_description(&ssdp::encode_description(&d));
        assert!(again.is_ok(), "{again:?}");
    }
}

pub fn icmp(data: &[u8]) {
    match icmp::decode(data) {
        Ok(e) => {
            // What decode accepted is an echo message whose checksum adds
            // up, and the fields it read are that message's.
            let ihl = usize::from(data[0] & 0x0f) * 4;
            let message = &data[ihl..usize::from(u16_at(data, 2))];
            assert!(message.len() >= icmp::ECHO_HEADER);
            assert_eq!(tcp::checksum(message), 0);
            assert!(e.kind == icmp::ECHO_REPLY || e.kind == icmp::ECHO_REQUEST);
            assert_eq!((e.id, e.seq), (u16_at(message, 4), u16_at(message, 6)));
        }
        Err(ParseError::Incomplete) => ipv4_incomplete(data),
        Err(_) => {}
    }
}

pub fn ssh(data: &[u8]) {
    if let Ok(id) = ssh::parse_identification(data) {
        assert!(id.len <= data.len());
        let _ = ssh::encode_identification(&id.software, id.comments.as_deref());
    }
}

pub fn tcp(data: &[u8]) {
    match tcp::decode(data) {
        Ok(s) => {
            // Everything decode keeps, encode writes back (with checksums
            // that verify).
            let wire = s.encode();
            assert_eq!(
                tcp::decode(&wire),
                Ok(s),
                "decode(encode(decode(x))) differs"
            );
            assert_eq!(tcp::checksum(&wire[..tcp::IPV4_HEADER]), 0);
            assert_eq!(
                tcp::tcp_checksum(*s.src.ip(), *s.dst.ip(), &wire[tcp::IPV4_HEADER..]),
                0
            );
            let _ = s.answer(u32::from(u16_at(data, 4)) << 16 | u32::from(u16_at(data, 6)));
            let _ = tcp::SeqKey::new(data).answer(&s);
        }
        Err(ParseError::Incomplete) => ipv4_incomplete(data),
        Err(_) => {}
    }
    let _ = tcp::checksum(data);
}

pub fn telnet(data: &[u8]) {
    let s = telnet::split(data);
    assert!(s.consumed <= data.len());
    assert!(s.data.len() <= s.consumed);
    for c in &s.commands {
        let _ = telnet::refusal(c);
        let wire = telnet::encode(c);
        if let telnet::Command::Subnegotiation(_, payload) = c {
            assert!(payload.len() <= telnet::MAX_SUBNEGOTIATION);
        }
        let back = telnet::split(&wire);
        assert_eq!(back.consumed, wire.len());
        assert_eq!(back.commands, std::slice::from_ref(c));
    }
    let again = telnet::split(&telnet::escape_data(&s.data));
    assert_eq!(again.data, s.data);
    if let Some((_, line)) = telnet::find_prompt(data) {
        assert!(line.chars().count() <= telnet::MAX_PROMPT_CHARS);
    }
    if let Some(&b) = data.first() {
        let _ = telnet::option_name(b);
    }
}

const EVERY_KEX: [tls::Kex; 8] = [
    tls::Kex::Rsa,
    tls::Kex::Dhe,
    tls::Kex::Ecdhe,
    tls::Kex::StaticDh,
    tls::Kex::StaticEcdh,
    tls::Kex::Anon,
    tls::Kex::Psk,
    tls::Kex::Other,
];

pub fn tls(data: &[u8]) {
    let _ = tls::parse_alert(data);
    if let Ok(h) = tls::parse_client_hello(data) {
        // The encoder normalises what a client must not send (an IP literal or a
        // trailing dot in SNI), so the second round is the fixed point.
        let once =
            tls::parse_client_hello(&tls::encode_client_hello(&h)).expect("re-encoded hello");
        let twice = tls::parse_client_hello(&tls::encode_client_hello(&once));
        assert_eq!(twice.as_ref(), Ok(&once), "encoding is not stable");
        assert_eq!((once.suites, once.random), (h.suites, h.random));
    }
    let mut direct = tls::HandshakeReader::new();
    let first = direct.push(data);
    let second = direct.push(data);
    if let Err(e) = first {
        assert_eq!(second, Err(e), "a failed reader repeats its error");
    }
    if let Ok((records, used)) = tls::parse_records(data) {
        assert!(used <= data.len());
        let mut reader = tls::HandshakeReader::new();
        for r in &records {
            assert!(r.payload.len() <= tls::MAX_RECORD_PAYLOAD);
            let _ = tls::parse_alert(&r.payload);
            if r.content_type == tls::CONTENT_HANDSHAKE {
                let _ = reader.push(&r.payload);
            }
        }
        for m in reader.messages() {
            match m {
                tls::Handshake::ServerHello(sh) => {
                    let _ = sh.negotiated_version();
                    let _ = sh.downgrade_sentinel();
                    let _ = tls::suite_name(sh.suite);
                    let _ = tls::version_name(sh.negotiated_version());
                }
                tls::Handshake::Certificate(chain) => {
                    assert!(chain.len() <= tls::MAX_CERTIFICATES);
                }
                tls::Handshake::ServerKeyExchange(body) => {
                    for kex in EVERY_KEX {
                        let _ = tls::parse_server_key_exchange(body, kex, tls::TLS12);
                    }
                }
                _ => {}
            }
        }
    }
    for kex in EVERY_KEX {
        for version in [tls::SSL3, tls::TLS10, tls::TLS12, tls::TLS13] {
            if let Ok(tls::KeyExchange::Dhe {
                prime, generator, ..
            }) = tls::parse_server_key_exchange(data, kex, version)
            {
                let _ = tls::dh_prime_bits(&prime);
                let _ = tls::known_dh_group(&prime);
                let _ = tls::dh_prime_bits(&generator);
            }
        }
    }
    let code = u16_at(data, 0);
    let _ = (
        tls::suite_name(code),
        tls::suite_kex(code),
        tls::group_name(code),
    );
    let _ = (tls::version_name(code), tls::signature_hash(code));
    let _ = tls::alert_name(data.first().copied().unwrap_or(0));
    let _ = (tls::dh_prime_bits(data), tls::known_dh_group(data));
}

pub fn xml(data: &[u8]) {
    match xml::parse(data) {
        Ok(d) => {
            let root = d.root();
            let _ = d.name(root);
            let _ = d.text(root);
            let _ = d.first_child(root);
            // The names along the chain of first children, then every lookup on them.
            let mut names = vec![d.name(root).to_string()];
            let mut e = root;
            while let Some(c) = d.first_child(e) {
                names.push(d.name(c).to_string());
                e = c;
            }
            assert!(names.len() <= xml::MAX_DEPTH);
            for n in &names {
                let _ = d.descendants(root, n).count();
                let _ = d.children(root, n).count();
                let _ = d.child_text(root, n);
                if let Some(e) = d.named(n).next() {
                    let _ = d.child(e, n);
                    let _ = d.text(e);
                }
            }
            let texts = xml::texts(data, &names[0]).expect("parsed once already");
            assert!(!texts.is_empty(), "the root is named {:?}", names[0]);
            let _ = xml::first_text(data, &names[0]);
        }
        Err(ParseError::TooLarge { limit, .. }) => assert!(data.len() > limit),
        Err(_) => {}
    }
}

/// Every module's checks on the same bytes, for the "one target for all" corpus runs.
pub fn all(data: &[u8]) {
    bacnet(data);
    coap(data);
    dns(data);
    ftp(data);
    http(data);
    icmp(data);
    modbus(data);
    mqtt(data);
    onvif(data);
    snmp(data);
    ssdp(data);
    ssh(data);
    tcp(data);
    telnet(data);
    tls(data);
    xml(data);
}

pub fn pem(data: &[u8]) {
    match pem::certificates(data) {
        Ok(ders) => {
            // Every block found is a certificate block with a body, and
            // writing them out again reads back the same bytes.
            let blocks = String::from_utf8_lossy(data)
                .lines()
                .filter(|l| l.trim() == "-----BEGIN CERTIFICATE-----")
                .count();
            assert_eq!(ders.len(), blocks);
            assert!(ders.iter().all(|d| !d.is_empty()));
            let again: String = ders.iter().map(|d| pem::encode_certificate(d)).collect();
            assert_eq!(pem::certificates(again.as_bytes()), Ok(ders));
        }
        Err(pem::PemError::Unterminated { line } | pem::PemError::Base64 { line }) => {
            // The line named is a block's first line.
            let text = String::from_utf8_lossy(data);
            let named = text.lines().nth(line - 1).expect("a line of the input");
            assert_eq!(named.trim(), "-----BEGIN CERTIFICATE-----");
        }
    }
}
