use super::*;
use crate::fuzz;

// ---------------------------------------------------------------------------------
// Fixture helpers

fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

fn record(content_type: u8, version: u16, payload: &[u8]) -> Vec<u8> {
    let mut out = vec![content_type];
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

fn handshake(typ: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![typ];
    out.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

fn ext(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut out = typ.to_be_bytes().to_vec();
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
    out
}

fn server_hello(version: u16, random: [u8; 32], suite: u16, exts: &[Vec<u8>]) -> Vec<u8> {
    let mut body = version.to_be_bytes().to_vec();
    body.extend_from_slice(&random);
    body.push(32);
    body.extend_from_slice(&[0x5e; 32]);
    body.extend_from_slice(&suite.to_be_bytes());
    body.push(0);
    let block: Vec<u8> = exts.concat();
    body.extend_from_slice(&(block.len() as u16).to_be_bytes());
    body.extend_from_slice(&block);
    handshake(HS_SERVER_HELLO, &body)
}

/// Every handshake message in `bytes` (records), checking nothing is left over.
fn read_flight(bytes: &[u8]) -> Result<Vec<Handshake>, ParseError> {
    let (records, used) = parse_records(bytes)?;
    assert_eq!(used, bytes.len(), "trailing partial record");
    let mut reader = HandshakeReader::new();
    let mut out = Vec::new();
    for r in records {
        assert_eq!(r.content_type, CONTENT_HANDSHAKE);
        out.extend(reader.push(&r.payload)?);
    }
    assert_eq!(reader.buffered(), 0);
    assert_eq!(reader.messages(), &out[..]);
    Ok(out)
}

fn only_server_hello(msgs: &[Handshake]) -> &ServerHello {
    match msgs {
        [Handshake::ServerHello(sh), ..] => sh,
        other => panic!("expected a ServerHello first, got {other:?}"),
    }
}

const RANDOM: [u8; 32] = [0x42; 32];
const FAKE_CERT_1: &[u8] = &[0x30, 0x03, 0x02, 0x01, 0x01];
const FAKE_CERT_2: &[u8] = &[0x30, 0x04, 0x02, 0x02, 0x01, 0x02];

/// A TLS 1.2 ServerHello as OpenSSL sends it when the hello asked for everything.
fn tls12_server_hello(suite: u16) -> Vec<u8> {
    let mut alpn = vec![0x00, 0x09, 0x08];
    alpn.extend_from_slice(b"http/1.1");
    server_hello(
        TLS12,
        RANDOM,
        suite,
        &[
            ext(EXT_RENEGOTIATION_INFO, &[0]),
            ext(EXT_EC_POINT_FORMATS, &[1, 0]),
            ext(EXT_SESSION_TICKET, &[]),
            ext(EXT_STATUS_REQUEST, &[]),
            ext(EXT_ALPN, &alpn),
            ext(EXT_EXTENDED_MASTER_SECRET, &[]),
        ],
    )
}

fn certificate(certs: &[&[u8]]) -> Vec<u8> {
    let mut list = Vec::new();
    for c in certs {
        list.extend_from_slice(&(c.len() as u32).to_be_bytes()[1..]);
        list.extend_from_slice(c);
    }
    let mut body = (list.len() as u32).to_be_bytes()[1..].to_vec();
    body.extend_from_slice(&list);
    handshake(HS_CERTIFICATE, &body)
}

/// ECDHE ServerKeyExchange body: named curve, public key, then (TLS 1.2) the
/// signature algorithm, then the signature.
fn ecdhe_ske(group: u16, public_len: u8, sig_alg: Option<u16>) -> Vec<u8> {
    let mut b = vec![3];
    b.extend_from_slice(&group.to_be_bytes());
    b.push(public_len);
    b.extend(std::iter::repeat_n(0x04, usize::from(public_len)));
    if let Some(alg) = sig_alg {
        b.extend_from_slice(&alg.to_be_bytes());
    }
    b.extend_from_slice(&[0x00, 0x08, 1, 2, 3, 4, 5, 6, 7, 8]);
    b
}

fn dhe_params(p: &[u8], g: &[u8], ys_len: usize) -> Vec<u8> {
    let mut b = Vec::new();
    for v in [p, g, &vec![0x33; ys_len][..]] {
        b.extend_from_slice(&(v.len() as u16).to_be_bytes());
        b.extend_from_slice(v);
    }
    b
}

fn dhe_ske(p: &[u8], sig_alg: Option<u16>) -> Vec<u8> {
    let mut b = dhe_params(p, &[2], p.len());
    if let Some(alg) = sig_alg {
        b.extend_from_slice(&alg.to_be_bytes());
    }
    b.extend_from_slice(&[0x00, 0x04, 9, 9, 9, 9]);
    b
}

fn ocsp_status(der: &[u8]) -> Vec<u8> {
    let mut body = vec![1];
    body.extend_from_slice(&(der.len() as u32).to_be_bytes()[1..]);
    body.extend_from_slice(der);
    handshake(HS_CERTIFICATE_STATUS, &body)
}

/// A full TLS 1.2 first flight, one message per record.
fn tls12_flight() -> Vec<u8> {
    let ffdhe = hex(FFDHE2048_HEX);
    [
        tls12_server_hello(0x009E),
        certificate(&[FAKE_CERT_1, FAKE_CERT_2]),
        ocsp_status(&[0x30, 0x03, 0x0a, 0x01, 0x00]),
        handshake(HS_SERVER_KEY_EXCHANGE, &dhe_ske(&ffdhe, Some(0x0601))),
        handshake(HS_SERVER_HELLO_DONE, &[]),
    ]
    .iter()
    .flat_map(|m| record(CONTENT_HANDSHAKE, TLS12, m))
    .collect()
}

/// A TLS 1.2 ClientHello record carrying exactly the given extensions.
fn raw_client_hello(exts: &[Vec<u8>]) -> Vec<u8> {
    let mut body = hex("0303");
    body.extend_from_slice(&[0; 32]);
    body.extend(hex("00  0002 c02f  01 00"));
    let block = exts.concat();
    body.extend_from_slice(&(block.len() as u16).to_be_bytes());
    body.extend_from_slice(&block);
    record(CONTENT_HANDSHAKE, TLS10, &handshake(HS_CLIENT_HELLO, &body))
}

fn full_client_hello() -> ClientHello {
    ClientHello {
        version: TLS12,
        record_version: TLS10,
        random: [0xA5; 32],
        session_id: vec![0x11; 32],
        suites: [
            TLS13_SUITES,
            &[0xC02F, 0xC02B, 0x009E, SCSV_EMPTY_RENEGOTIATION_INFO],
        ]
        .concat(),
        compression: vec![1, 0],
        server_name: Some("camera-17.stad.example".to_string()),
        supported_versions: vec![TLS13, TLS12, TLS11, TLS10],
        groups: vec![0x11EC, 0x001D, 0x0017, 0x0100],
        key_shares: vec![(0x001D, vec![0x77; 32]), (0x0017, vec![0x04; 65])],
        signature_algorithms: vec![0x0804, 0x0403, 0x0401, 0x0201],
        ec_point_formats: true,
        renegotiation_info: true,
        extended_master_secret: true,
        status_request: true,
        alpn: vec!["h2".to_string(), "http/1.1".to_string()],
        session_ticket: true,
    }
}

/// RFC 7919 ffdhe2048, derived from its formula and checked against OpenSSL when
/// `known_dh_group`'s table was generated.
const FFDHE2048_HEX: &str = "\
    ffffffffffffffffadf85458a2bb4a9aafdc5620273d3cf1d8b9c583ce2d3695a9e13641146433fbcc939dce\
    249b3ef97d2fe363630c75d8f681b202aec4617ad3df1ed5d5fd65612433f51f5f066ed0856365553ded1af3\
    b557135e7f57c935984f0c70e0e68b77e2a689daf3efe8721df158a136ade73530acca4f483a797abc0ab182\
    b324fb61d108a94bb2c8e3fbb96adab760d7f4681d4f42a3de394df4ae56ede76372bb190b07a7c8ee0a6d70\
    9e02fce1cdf7e2ecc03404cd28342f619172fe9ce98583ff8e4f1232eef28183c3fe3b1b4c6fad733bb5fcbc\
    2ec22005c58ef1837d1683b2c6f34a26c1b2effa886b423861285c97ffffffffffffffff";

/// `openssl s_server -tls1_3` answering a TLS 1.3 hello with an x25519 share: the
/// ServerHello record (the CCS and encrypted records after it are cut off).
const OPENSSL_TLS13: &str = include_str!("../../../../tests/data/captures/tls13-server-hello.hex");

/// The same server when the hello offered x25519 and P-256 but no key share: HRR.
const OPENSSL_TLS13_HRR: &str = "\
    1603030058020000540303cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c20\
    0505050505050505050505050505050505050505050505050505050505050505130100000c002b0002030400\
    330002001d";

/// `openssl s_server -tls1 -cipher 'ALL:@SECLEVEL=0'` choosing
/// TLS_ECDH_anon_WITH_AES_128_CBC_SHA: ServerHello, ServerKeyExchange, ServerHelloDone.
const OPENSSL_TLS10_ECDH_ANON: &str = "\
    16030100410200003d0301e32ca25c6314006c33d9745e841d0a1a9901139469e2cb8ab5f834f663e4ebbd00\
    c018000015ff01000100000b000403000102002300000017000016030100280c00002403001d20e2290d1816\
    3242471fc93cb34b0f20712f78108eb60cdc58a0d5cd781ec9da7c16030100040e000000";

/// The same server choosing TLS_DH_anon_WITH_AES_128_CBC_SHA (its 1024-bit group).
const OPENSSL_TLS10_ANON: &str =
    include_str!("../../../../tests/data/captures/tls10-dh-anon-flight.hex");

/// `openssl s_server -tls1_2` with a P-256 certificate choosing
/// TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: the whole first flight.
const OPENSSL_TLS12_ECDSA: &str =
    include_str!("../../../../tests/data/captures/tls12-ecdsa-flight.hex");

/// The TLS 1.0-only server refusing a TLS 1.3 hello.
const OPENSSL_TLS13_TO_TLS10: &str = "\
    15030300020246";

// ---------------------------------------------------------------------------------
// Names

#[test]
fn names_versions_suites_and_groups_as_auditors_read_them() {
    assert_eq!(version_name(SSL3), "SSLv3");
    assert_eq!(version_name(TLS10), "TLSv1.0");
    assert_eq!(version_name(TLS11), "TLSv1.1");
    assert_eq!(version_name(TLS12), "TLSv1.2");
    assert_eq!(version_name(TLS13), "TLSv1.3");
    assert_eq!(version_name(SSL2), "SSLv2");
    assert_eq!(version_name(0x7f1c), "0x7f1c");
    for (code, name) in [
        (0x000A, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"),
        (0xC013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
        (0x009F, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"),
        (0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
        (0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
        (0x1301, "TLS_AES_128_GCM_SHA256"),
        (0x00FF, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"),
        (0x5600, "TLS_FALLBACK_SCSV"),
        (0xC0AA, "TLS_PSK_DHE_WITH_AES_128_CCM_8"),
        (0xD005, "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256"),
        (0x001E, "TLS_KRB5_WITH_DES_CBC_SHA"),
    ] {
        assert_eq!(suite_name(code), name, "0x{code:04X}");
    }
    assert_eq!(suite_name(0xC0FF), "0xC0FF");
    assert_eq!(suite_name(0x0060), "0x0060"); // EXPORT1024 draft, never registered
    for (code, name) in [
        (0x0017, "secp256r1"),
        (0x0018, "secp384r1"),
        (0x0019, "secp521r1"),
        (0x001D, "x25519"),
        (0x001E, "x448"),
        (0x001A, "brainpoolP256r1"),
        (0x001B, "brainpoolP384r1"),
        (0x001C, "brainpoolP512r1"),
        (0x001F, "brainpoolP256r1tls13"),
        (0x0020, "brainpoolP384r1tls13"),
        (0x0021, "brainpoolP512r1tls13"),
        (0x0100, "ffdhe2048"),
        (0x0101, "ffdhe3072"),
        (0x0102, "ffdhe4096"),
        (0x0103, "ffdhe6144"),
        (0x0104, "ffdhe8192"),
        (0x0015, "secp224r1"),
        (0x0013, "secp192r1"),
        (0x0001, "sect163k1"),
        (0x000E, "sect571r1"),
        (0x11EB, "SecP256r1MLKEM768"),
        (0x11EC, "X25519MLKEM768"),
        (0x11ED, "SecP384r1MLKEM1024"),
    ] {
        assert_eq!(group_name(code), name, "0x{code:04X}");
        assert!(ALL_GROUPS.contains(&code), "{name} not offered");
    }
    assert_eq!(group_name(0x1234), "0x1234");
    assert_eq!(alert_name(40), "handshake_failure");
    assert_eq!(alert_name(70), "protocol_version");
    assert_eq!(alert_name(86), "inappropriate_fallback");
    assert_eq!(alert_name(200), "unknown");
}

#[test]
fn suite_lists_are_sorted_unique_and_separate() {
    assert!(ALL_SUITES.len() >= 300, "{} suites", ALL_SUITES.len());
    assert!(ALL_SUITES.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(TLS13_SUITES, &[0x1301, 0x1302, 0x1303, 0x1304, 0x1305]);
    for &code in ALL_SUITES {
        assert!(
            code >> 8 != 0x13,
            "TLS 1.3 suite 0x{code:04X} in ALL_SUITES"
        );
        assert!(![0x0000, SCSV_EMPTY_RENEGOTIATION_INFO, SCSV_FALLBACK].contains(&code));
        let name = suite_name(code);
        assert!(
            name.starts_with("TLS_") && name.contains("_WITH_"),
            "{name}"
        );
    }
    assert!(ALL_GROUPS.windows(2).all(|w| w[0] < w[1]));
    assert!(!ALL_GROUPS.contains(&0xFF01) && !ALL_GROUPS.contains(&0x6399));
}

/// Every suite the NCSC-NL table in shared/REFERENCE.md (section 1) names, with the
/// family it is listed under there.
#[test]
fn every_suite_of_the_reference_tables_is_offered_and_named() {
    let families: &[(&str, &[u16])] = &[
        (
            "TLS_ECDHE_ECDSA_",
            &[0xC02C, 0xC02B, 0xCCA9, 0xC0AD, 0xC0AC],
        ),
        ("TLS_ECDHE_RSA_", &[0xC030, 0xC02F, 0xCCA8]),
        (
            "TLS_ECDHE_ECDSA_",
            &[
                0xC024, 0xC023, 0xC087, 0xC086, 0xC073, 0xC072, 0xC05D, 0xC05C, 0xC049, 0xC048,
            ],
        ),
        (
            "TLS_ECDHE_RSA_",
            &[
                0xC028, 0xC027, 0xC08B, 0xC08A, 0xC077, 0xC076, 0xC061, 0xC060, 0xC04D, 0xC04C,
            ],
        ),
        (
            "TLS_DHE_RSA_",
            &[
                0x009F, 0x009E, 0xCCAA, 0xC09F, 0xC09E, 0x006B, 0x0067, 0xC07D, 0xC07C, 0x00C4,
                0x00BE, 0xC053, 0xC052, 0xC045, 0xC044, 0x0039, 0x0033, 0x0016,
            ],
        ),
        ("TLS_ECDHE_ECDSA_", &[0xC00A, 0xC009, 0xC008]),
        ("TLS_ECDHE_RSA_", &[0xC014, 0xC013, 0xC012]),
        (
            "TLS_RSA_WITH_",
            &[0x000A, 0x009D, 0x009C, 0x003D, 0x0035, 0x003C, 0x002F],
        ),
    ];
    for (prefix, codes) in families {
        for &code in *codes {
            assert!(ALL_SUITES.contains(&code), "0x{code:04X} not offered");
            let name = suite_name(code);
            assert!(name.starts_with(prefix), "0x{code:04X} is {name}");
        }
    }
    for (code, name) in [
        (0x1302, "TLS_AES_256_GCM_SHA384"),
        (0x1303, "TLS_CHACHA20_POLY1305_SHA256"),
        (0x1304, "TLS_AES_128_CCM_SHA256"),
        (0x1305, "TLS_AES_128_CCM_8_SHA256"),
        (0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"),
        (0xC087, "TLS_ECDHE_ECDSA_WITH_CAMELLIA_256_GCM_SHA384"),
        (0xC05D, "TLS_ECDHE_ECDSA_WITH_ARIA_256_GCM_SHA384"),
        (0xC049, "TLS_ECDHE_ECDSA_WITH_ARIA_256_CBC_SHA384"),
        (0xC077, "TLS_ECDHE_RSA_WITH_CAMELLIA_256_CBC_SHA384"),
        (0xCCAA, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
        (0xC09F, "TLS_DHE_RSA_WITH_AES_256_CCM"),
        (0xC07D, "TLS_DHE_RSA_WITH_CAMELLIA_256_GCM_SHA384"),
        (0x00C4, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA256"),
        (0xC045, "TLS_DHE_RSA_WITH_ARIA_256_CBC_SHA384"),
    ] {
        assert!(ALL_SUITES.contains(&code) || TLS13_SUITES.contains(&code));
        assert_eq!(suite_name(code), name);
    }
}

fn openssl(args: &[&str], stdin: Option<&[u8]>) -> Option<Vec<u8>> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("openssl")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut input = child.stdin.take()?;
    input.write_all(stdin.unwrap_or_default()).ok()?;
    drop(input);
    let out = child.wait_with_output().ok()?;
    out.status.success().then_some(out.stdout)
}

/// OpenSSL's IANA names ("-stdname") for everything it implements must be ours too.
#[test]
fn suite_names_agree_with_openssl_stdnames() {
    let spec = "ALL:COMPLEMENTOFALL:@SECLEVEL=0";
    let Some(out) = openssl(&["ciphers", "-stdname", "-V", spec], None) else {
        eprintln!("openssl not available: skipping the cross-check");
        return;
    };
    let text = String::from_utf8(out).unwrap();
    let mut checked = 0;
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [code, "-", name, ..] = fields[..] else {
            continue;
        };
        let (hi, lo) = code.split_once(',').unwrap();
        let parse = |s: &str| u8::from_str_radix(s.trim_start_matches("0x"), 16).unwrap();
        let code = u16::from_be_bytes([parse(hi), parse(lo)]);
        assert_eq!(suite_name(code), name, "0x{code:04X}");
        assert!(ALL_SUITES.contains(&code) || TLS13_SUITES.contains(&code));
        checked += 1;
    }
    assert!(checked >= 100, "only {checked} suites in openssl's list");
}

#[test]
fn suite_kex_follows_the_iana_name() {
    for (code, kex) in [
        (0x000A, Kex::Rsa),
        (0x0003, Kex::Rsa), // TLS_RSA_EXPORT_WITH_RC4_40_MD5
        (0x0033, Kex::Dhe),
        (0x0013, Kex::Dhe), // DHE_DSS
        (0x0014, Kex::Dhe), // DHE_RSA_EXPORT
        (0xC02F, Kex::Ecdhe),
        (0xCCA9, Kex::Ecdhe),
        (0x0031, Kex::StaticDh),
        (0x0030, Kex::StaticDh),
        (0xC00E, Kex::StaticEcdh),
        (0xC004, Kex::StaticEcdh),
        (0x0034, Kex::Anon),
        (0xC018, Kex::Anon),
        (0x0017, Kex::Anon), // DH_anon_EXPORT
        (0x008C, Kex::Psk),
        (0x0090, Kex::Psk),   // DHE_PSK
        (0xC035, Kex::Psk),   // ECDHE_PSK
        (0x0094, Kex::Psk),   // RSA_PSK
        (0xC0AA, Kex::Psk),   // PSK_DHE
        (0xC01D, Kex::Other), // SRP
        (0x001F, Kex::Other), // KRB5
        (0x1301, Kex::Other),
        (0x00FF, Kex::Other),
        (0xBEEF, Kex::Other),
    ] {
        assert_eq!(suite_kex(code), kex, "{}", suite_name(code));
    }
}

#[test]
fn signature_hash_reads_tls12_pairs_and_pss_schemes() {
    for (alg, hash) in [
        (0x0101, Some("md5")),
        (0x0201, Some("sha1")),
        (0x0202, Some("sha1")),
        (0x0203, Some("sha1")),
        (0x0303, Some("sha224")),
        (0x0401, Some("sha256")),
        (0x0403, Some("sha256")),
        (0x0503, Some("sha384")),
        (0x0601, Some("sha512")),
        (0x0804, Some("sha256")),
        (0x0805, Some("sha384")),
        (0x080B, Some("sha512")),
        (0x0807, None),
        (0x0808, None),
        (0x0404, None),
        (0x0701, None),
    ] {
        assert_eq!(signature_hash(alg), hash, "0x{alg:04X}");
    }
}

#[test]
fn hello_retry_magic_is_sha256_of_its_name() {
    let digest = ring::digest::digest(&ring::digest::SHA256, b"HelloRetryRequest");
    assert_eq!(digest.as_ref(), &HELLO_RETRY_REQUEST_RANDOM[..]);
}

// ---------------------------------------------------------------------------------
// DH groups

#[test]
fn known_dh_group_recognises_the_ffdhe2048_fixture_only() {
    let p = hex(FFDHE2048_HEX);
    assert_eq!(p.len(), 256);
    assert_eq!(known_dh_group(&p), Some("ffdhe2048"));
    let mut der_style = vec![0];
    der_style.extend_from_slice(&p);
    assert_eq!(known_dh_group(&der_style), Some("ffdhe2048"));
    let mut changed = p.clone();
    changed[100] ^= 0x01;
    assert_eq!(known_dh_group(&changed), None);
    assert_eq!(known_dh_group(&p[..255]), None);
    assert_eq!(known_dh_group(&[0xff; 256]), None);
    assert_eq!(known_dh_group(&[]), None);
    assert_eq!(dh_prime_bits(&p), 2048);
    assert_eq!(dh_prime_bits(&der_style), 2048);
    assert_eq!(dh_prime_bits(&[0x00, 0x01, 0xff]), 9);
    assert_eq!(dh_prime_bits(&[0, 0]), 0);
}

/// The first INTEGER of a DER SEQUENCE (DHParameter's prime).
fn der_first_integer(der: &[u8]) -> Vec<u8> {
    fn tlv(b: &[u8]) -> (u8, &[u8], &[u8]) {
        let (len, hdr) = match b[1] {
            n if n < 0x80 => (usize::from(n), 2),
            0x81 => (usize::from(b[2]), 3),
            0x82 => (usize::from(u16::from_be_bytes([b[2], b[3]])), 4),
            n => panic!("length form 0x{n:02x}"),
        };
        (b[0], &b[hdr..hdr + len], &b[hdr + len..])
    }
    let (tag, seq, _) = tlv(der);
    assert_eq!(tag, 0x30);
    let (tag, int, _) = tlv(seq);
    assert_eq!(tag, 0x02);
    int.to_vec()
}

/// Debian's OpenSSL knows these groups by name: whatever prime it prints must be
/// recognised (this is how the checksum table was made, repeated on every test run).
#[test]
fn known_dh_group_matches_the_primes_openssl_generates() {
    let groups = [
        ("ffdhe2048", "ffdhe2048"),
        ("ffdhe3072", "ffdhe3072"),
        ("ffdhe4096", "ffdhe4096"),
        ("ffdhe6144", "ffdhe6144"),
        ("ffdhe8192", "ffdhe8192"),
        ("modp_1536", "modp1536"),
        ("modp_2048", "modp2048"),
        ("modp_3072", "modp3072"),
        ("modp_4096", "modp4096"),
        ("modp_6144", "modp6144"),
        ("modp_8192", "modp8192"),
    ];
    for (openssl_name, ours) in groups {
        let group = format!("group:{openssl_name}");
        let args = [
            "genpkey",
            "-genparam",
            "-algorithm",
            "DH",
            "-pkeyopt",
            &group,
        ];
        let Some(pem) = openssl(&args, None) else {
            eprintln!("openssl not available: skipping {openssl_name}");
            continue;
        };
        let der = openssl(&["dhparam", "-outform", "DER"], Some(&pem)).unwrap();
        let prime = der_first_integer(&der);
        assert_eq!(known_dh_group(&prime), Some(ours), "{openssl_name}");
        assert_eq!(
            dh_prime_bits(&prime).to_string(),
            ours.trim_start_matches(char::is_alphabetic)
        );
        if ours == "ffdhe2048" {
            assert_eq!(prime[1..], hex(FFDHE2048_HEX)[..], "fixture differs");
        }
    }
}

// ---------------------------------------------------------------------------------
// Records and alerts

#[test]
fn splits_records_and_leaves_an_incomplete_tail() {
    let mut buf = record(CONTENT_HANDSHAKE, TLS12, b"abc");
    buf.extend(record(CONTENT_ALERT, TLS12, &[2, 40]));
    let whole = buf.len();
    buf.extend_from_slice(&[CONTENT_HANDSHAKE, 3, 3, 0, 9, 1, 2]);
    let (records, used) = parse_records(&buf).unwrap();
    assert_eq!(used, whole);
    assert_eq!(
        records,
        vec![
            Record {
                content_type: CONTENT_HANDSHAKE,
                version: TLS12,
                payload: b"abc".to_vec()
            },
            Record {
                content_type: CONTENT_ALERT,
                version: TLS12,
                payload: vec![2, 40]
            },
        ]
    );
    for end in 0..5 {
        assert_eq!(parse_records(&buf[..end]).unwrap(), (vec![], 0));
    }
}

#[test]
fn reports_an_sslv2_record() {
    // An SSLv2 ERROR message: no cipher.
    let (records, used) = parse_records(&[0x80, 0x03, 0x00, 0x00, 0x01]).unwrap();
    assert_eq!(used, 5);
    assert_eq!(records[0].content_type, CONTENT_SSLV2);
    assert_eq!(records[0].version, SSL2);
    assert_eq!(records[0].payload, vec![0, 0, 1]);
    assert_eq!(parse_records(&[0x80, 0x03, 0x00]).unwrap(), (vec![], 0));
}

#[test]
fn rejects_banners_and_oversized_records_without_waiting() {
    for banner in [
        &b"HTTP/1.1 400 Bad Request"[..],
        b"SSH-2.0-dropbear",
        b"\x00",
    ] {
        assert!(matches!(
            parse_records(banner),
            Err(ParseError::Malformed {
                field: "record content type",
                ..
            })
        ));
    }
    let too_long = (MAX_RECORD_PAYLOAD as u16 + 1).to_be_bytes();
    let header = [CONTENT_HANDSHAKE, 3, 1, too_long[0], too_long[1]];
    assert!(matches!(
        parse_records(&header),
        Err(ParseError::Malformed {
            field: "record length",
            ..
        })
    ));
    let longest = record(
        CONTENT_APPLICATION_DATA,
        TLS12,
        &vec![0; MAX_RECORD_PAYLOAD],
    );
    assert_eq!(parse_records(&longest).unwrap().1, longest.len());
}

#[test]
fn parses_alerts() {
    assert_eq!(
        parse_alert(&[2, 40]),
        Ok(Alert {
            level: 2,
            description: 40
        })
    );
    assert_eq!(parse_alert(&[1, 0, 2, 70]).unwrap().description, 0);
    assert_eq!(parse_alert(&[2]), Err(ParseError::Incomplete));
    assert_eq!(parse_alert(&[]), Err(ParseError::Incomplete));
    assert!(matches!(
        parse_alert(&[3, 40]),
        Err(ParseError::Malformed { .. })
    ));
    assert!(matches!(
        parse_alert(&[2, 40, 0]),
        Err(ParseError::Malformed { .. })
    ));
}

// ---------------------------------------------------------------------------------
// ClientHello

#[test]
fn encodes_an_extensionless_ssl3_hello_byte_for_byte() {
    let h = ClientHello {
        version: SSL3,
        record_version: SSL3,
        random: [0x01; 32],
        suites: vec![0x000A, 0x0005],
        compression: vec![0],
        ..ClientHello::default()
    };
    let mut expected = hex("16 0300 002f  01 00002b  0300");
    expected.extend_from_slice(&[0x01; 32]);
    expected.extend(hex("00  0004 000a 0005  01 00"));
    assert_eq!(encode_client_hello(&h), expected);
}

#[test]
fn encodes_a_tls13_hello_byte_for_byte() {
    let h = ClientHello {
        version: TLS12,
        record_version: TLS10,
        random: [0x02; 32],
        suites: vec![0x1301],
        compression: vec![0],
        server_name: Some("a.example.".to_string()),
        supported_versions: vec![TLS13],
        groups: vec![0x001D],
        key_shares: vec![(0x001D, vec![0x09; 32])],
        ..ClientHello::default()
    };
    let mut expected = hex("16 0301 007a  01 000076  0303");
    expected.extend_from_slice(&[0x02; 32]);
    expected.extend(hex("00  0002 1301  01 00  004b"));
    expected.extend(hex("0000 000e 000c 00 0009 612e6578616d706c65")); // SNI "a.example"
    expected.extend(hex("000a 0004 0002 001d")); // supported_groups
    expected.extend(hex("002b 0003 02 0304")); // supported_versions
    expected.extend(hex("0033 0026 0024 001d 0020")); // key_share
    expected.extend_from_slice(&[0x09; 32]);
    assert_eq!(encode_client_hello(&h), expected);
}

#[test]
fn sni_is_left_out_for_ip_literals() {
    for target in [
        "192.0.2.7",
        "2001:db8::1",
        "[2001:db8::1]",
        "fe80::1%eth0",
        "",
        ".",
    ] {
        let h = ClientHello {
            server_name: Some(target.to_string()),
            suites: vec![0xC02F],
            compression: vec![0],
            renegotiation_info: true,
            ..ClientHello::default()
        };
        let parsed = parse_client_hello(&encode_client_hello(&h)).unwrap();
        assert_eq!(parsed.server_name, None, "{target:?}");
        assert!(parsed.renegotiation_info);
    }
    let h = ClientHello {
        server_name: Some("lamp-3.city.example.".to_string()),
        suites: vec![0xC02F],
        compression: vec![0],
        ..ClientHello::default()
    };
    let parsed = parse_client_hello(&encode_client_hello(&h)).unwrap();
    assert_eq!(parsed.server_name.as_deref(), Some("lamp-3.city.example"));
}

#[test]
fn tls13_hello_without_shares_still_sends_key_share() {
    let h = ClientHello {
        version: TLS12,
        suites: vec![0x1301],
        compression: vec![0],
        supported_versions: vec![TLS13],
        groups: vec![0x001D, 0x0017],
        ..ClientHello::default()
    };
    let wire = encode_client_hello(&h);
    assert!(
        wire.ends_with(&hex("0033 0002 0000")),
        "empty key_share missing"
    );
    assert_eq!(parse_client_hello(&wire).unwrap(), h);
}

#[test]
fn client_hello_round_trips_every_field() {
    let h = full_client_hello();
    let wire = encode_client_hello(&h);
    assert_eq!(parse_client_hello(&wire), Ok(h.clone()));
    for end in 0..wire.len() {
        assert_eq!(
            parse_client_hello(&wire[..end]),
            Err(ParseError::Incomplete)
        );
    }
    let bare = ClientHello {
        suites: vec![0x0004],
        compression: vec![0],
        ..ClientHello::default()
    };
    assert_eq!(parse_client_hello(&encode_client_hello(&bare)), Ok(bare));
}

#[test]
fn long_client_hello_is_split_into_records_and_reassembled() {
    let h = ClientHello {
        key_shares: vec![(0x11EC, vec![0x5a; 30_000])],
        ..full_client_hello()
    };
    let wire = encode_client_hello(&h);
    let (records, used) = parse_records(&wire).unwrap();
    assert_eq!(used, wire.len());
    assert_eq!(records.len(), 2);
    assert!(records.iter().all(|r| r.payload.len() <= 1 << 14));
    assert!(records.iter().all(|r| r.version == TLS10));
    assert_eq!(parse_client_hello(&wire), Ok(h));
    let first_record = records[0].payload.len() + 5;
    assert_eq!(
        parse_client_hello(&wire[..first_record]),
        Err(ParseError::Incomplete)
    );
}

#[test]
fn encoder_cuts_what_the_wire_cannot_carry() {
    let h = ClientHello {
        session_id: vec![7; 40],
        suites: vec![0x002F; 40_000],
        compression: vec![0; 300],
        groups: vec![0x0017; 20_000],
        signature_algorithms: vec![0x0401; 20_000],
        supported_versions: vec![TLS12; 200],
        alpn: vec![String::new(), "x".repeat(300), "h2".to_string()],
        key_shares: vec![(0x001D, vec![1; 70_000]), (0x0017, vec![2; 65])],
        ..full_client_hello()
    };
    let wire = encode_client_hello(&h);
    let parsed = parse_client_hello(&wire).unwrap();
    assert_eq!(parsed.session_id, vec![7; 32]);
    assert_eq!(parsed.suites.len(), 32767);
    assert_eq!(parsed.compression.len(), 255);
    assert_eq!(parsed.supported_versions.len(), 127);
    assert_eq!(parsed.alpn, vec!["h2".to_string()]);
    assert_eq!(parsed.key_shares, vec![(0x0017, vec![2; 65])]);
    // supported_groups takes 40 KB of the 64 KiB extensions block: the 40 KB of
    // signature_algorithms no longer fit and are left out, the rest still fits.
    assert_eq!(parsed.groups.len(), 20_000);
    assert!(parsed.signature_algorithms.is_empty());
    assert!(parsed.renegotiation_info && parsed.status_request);
    assert_eq!(parsed.server_name, h.server_name);
}

#[test]
fn parse_client_hello_refuses_what_is_not_a_client_hello() {
    let server = record(CONTENT_HANDSHAKE, TLS12, &tls12_server_hello(0xC02F));
    assert!(matches!(
        parse_client_hello(&server),
        Err(ParseError::Malformed {
            field: "handshake type",
            ..
        })
    ));
    let alert = record(CONTENT_ALERT, TLS12, &[2, 40]);
    assert!(matches!(
        parse_client_hello(&alert),
        Err(ParseError::Malformed { .. })
    ));
    // The start of an SSLv2-format CLIENT-HELLO, as very old clients send it.
    let sslv2 = [0x80, 0x05, 0x01, 0x00, 0x02, 0x00, 0x15];
    assert!(matches!(
        parse_client_hello(&sslv2),
        Err(ParseError::Malformed { .. })
    ));
    let huge = [
        CONTENT_HANDSHAKE,
        3,
        1,
        0,
        4,
        HS_CLIENT_HELLO,
        0x03,
        0x00,
        0x00,
    ];
    assert!(matches!(
        parse_client_hello(&huge),
        Err(ParseError::TooLarge { .. })
    ));
    let twice = raw_client_hello(&[ext(23, &[]), ext(10, &[0, 2, 0, 0x1d]), ext(23, &[])]);
    assert!(matches!(
        parse_client_hello(&twice),
        Err(ParseError::Malformed {
            field: "extensions",
            ..
        })
    ));
    let once = raw_client_hello(&[ext(23, &[]), ext(0x1234, b"unknown")]);
    assert!(parse_client_hello(&once).unwrap().extended_master_secret);
    let lying = raw_client_hello(&[ext(10, &[0, 9, 0, 0x1d])]);
    assert!(matches!(
        parse_client_hello(&lying),
        Err(ParseError::Malformed { .. })
    ));
}

// ---------------------------------------------------------------------------------
// Server flight

#[test]
fn reads_a_tls12_first_flight() {
    let msgs = read_flight(&tls12_flight()).unwrap();
    let [
        Handshake::ServerHello(sh),
        Handshake::Certificate(certs),
        Handshake::CertificateStatus(ocsp),
        Handshake::ServerKeyExchange(ske),
        Handshake::ServerHelloDone,
    ] = &msgs[..]
    else {
        panic!("unexpected flight {msgs:?}");
    };
    assert_eq!(sh.version, TLS12);
    assert_eq!(sh.negotiated_version(), TLS12);
    assert_eq!(sh.random, RANDOM);
    assert_eq!(sh.session_id, vec![0x5e; 32]);
    assert_eq!(sh.suite, 0x009E);
    assert_eq!(sh.compression, 0);
    assert!(!sh.is_hello_retry);
    assert_eq!(sh.selected_version, None);
    assert_eq!(sh.key_share_group, None);
    assert!(sh.renegotiation_info && sh.extended_master_secret && sh.status_request);
    assert_eq!(sh.alpn.as_deref(), Some("http/1.1"));
    assert_eq!(sh.extensions, vec![0xff01, 11, 35, 5, 16, 23]);
    assert_eq!(sh.downgrade_sentinel(), None);
    assert_eq!(certs, &vec![FAKE_CERT_1.to_vec(), FAKE_CERT_2.to_vec()]);
    assert_eq!(ocsp, &vec![0x30, 0x03, 0x0a, 0x01, 0x00]);
    let ke = parse_server_key_exchange(ske, suite_kex(sh.suite), sh.negotiated_version());
    let Ok(KeyExchange::Dhe {
        prime,
        generator,
        public_len,
        sig_alg,
    }) = ke
    else {
        panic!("{ke:?}");
    };
    assert_eq!(known_dh_group(&prime), Some("ffdhe2048"));
    assert_eq!(
        (generator, public_len, sig_alg),
        (vec![2], 256, Some(0x0601))
    );
}

#[test]
fn reads_tls13_server_hello_and_hello_retry_request() {
    let mut share = vec![0x00, 0x1d, 0x00, 0x20];
    share.extend_from_slice(&[0x99; 32]);
    let sh = server_hello(
        TLS12,
        RANDOM,
        0x1302,
        &[
            ext(EXT_SUPPORTED_VERSIONS, &[3, 4]),
            ext(EXT_KEY_SHARE, &share),
        ],
    );
    let msgs = read_flight(&record(CONTENT_HANDSHAKE, TLS12, &sh)).unwrap();
    let hello = only_server_hello(&msgs);
    assert_eq!(hello.version, TLS12);
    assert_eq!(hello.negotiated_version(), TLS13);
    assert_eq!(hello.key_share_group, Some(0x001D));
    assert!(!hello.is_hello_retry);

    let hrr = server_hello(
        TLS12,
        HELLO_RETRY_REQUEST_RANDOM,
        0x1301,
        &[
            ext(EXT_SUPPORTED_VERSIONS, &[3, 4]),
            ext(EXT_KEY_SHARE, &[0, 0x17]),
        ],
    );
    let msgs = read_flight(&record(CONTENT_HANDSHAKE, TLS12, &hrr)).unwrap();
    let hello = only_server_hello(&msgs);
    assert!(hello.is_hello_retry);
    assert_eq!(hello.key_share_group, Some(0x0017));
    assert_eq!(hello.negotiated_version(), TLS13);

    // A ServerHello's key_share needs a key; an HRR's has none.
    let keyless = server_hello(TLS12, RANDOM, 0x1301, &[ext(EXT_KEY_SHARE, &[0, 0x17])]);
    let with_key = server_hello(
        TLS12,
        HELLO_RETRY_REQUEST_RANDOM,
        0x1301,
        &[ext(51, &share)],
    );
    for bad in [keyless, with_key] {
        assert!(matches!(
            HandshakeReader::new().push(&bad),
            Err(ParseError::Malformed { .. })
        ));
    }
}

#[test]
fn downgrade_sentinel_is_recognised() {
    for (last, expected) in [(1, Some(1)), (0, Some(0)), (2, None)] {
        let mut random = RANDOM;
        random[24..31].copy_from_slice(b"DOWNGRD");
        random[31] = last;
        let sh = server_hello(TLS12, random, 0xC02F, &[]);
        let msgs = HandshakeReader::new().push(&sh).unwrap();
        assert_eq!(only_server_hello(&msgs).downgrade_sentinel(), expected);
    }
}

#[test]
fn server_hello_without_extensions_and_with_duplicates() {
    // SSL 3.0 servers end the ServerHello after the compression method.
    let mut body = SSL3.to_be_bytes().to_vec();
    body.extend_from_slice(&RANDOM);
    body.extend_from_slice(&[0, 0x00, 0x0a, 0]);
    let msgs = HandshakeReader::new()
        .push(&handshake(HS_SERVER_HELLO, &body))
        .unwrap();
    let sh = only_server_hello(&msgs);
    assert_eq!((sh.version, sh.suite), (SSL3, 0x000A));
    assert!(sh.extensions.is_empty() && sh.session_id.is_empty());

    let twice = server_hello(TLS12, RANDOM, 0xC02F, &[ext(23, &[]), ext(23, &[])]);
    assert!(matches!(
        HandshakeReader::new().push(&twice),
        Err(ParseError::Malformed {
            field: "extensions",
            ..
        })
    ));
    let mut long_id = tls12_server_hello(0xC02F);
    long_id[4 + 2 + 32] = 33;
    assert!(matches!(
        HandshakeReader::new().push(&long_id),
        Err(ParseError::Malformed {
            field: "session id",
            ..
        })
    ));
}

/// The same flight cut into records at every possible place, all in one record, and
/// one byte per record: the reader must not care.
#[test]
fn messages_span_records_and_share_records() {
    let stream: Vec<u8> = parse_records(&tls12_flight())
        .unwrap()
        .0
        .into_iter()
        .flat_map(|r| r.payload)
        .collect();
    let expected = read_flight(&tls12_flight()).unwrap();
    assert_eq!(
        read_flight(&record(CONTENT_HANDSHAKE, TLS12, &stream)).unwrap(),
        expected
    );
    for cut in 0..=stream.len() {
        let mut two = record(CONTENT_HANDSHAKE, TLS12, &stream[..cut]);
        two.extend(record(CONTENT_HANDSHAKE, TLS12, &stream[cut..]));
        assert_eq!(read_flight(&two).unwrap(), expected, "cut at {cut}");
    }
    let mut reader = HandshakeReader::new();
    let mut got = Vec::new();
    for b in &stream {
        got.extend(reader.push(std::slice::from_ref(b)).unwrap());
    }
    assert_eq!(got, expected);
}

#[test]
fn certificate_messages_are_capped() {
    // The header alone is enough to refuse an oversized message.
    assert_eq!(
        HandshakeReader::new().push(&[HS_CERTIFICATE, 0x04, 0x00, 0x01]),
        Err(ParseError::TooLarge {
            field: "certificate message",
            limit: MAX_CERTIFICATE_MESSAGE
        })
    );
    assert_eq!(
        HandshakeReader::new().push(&[HS_SERVER_KEY_EXCHANGE, 0x01, 0x00, 0x01]),
        Err(ParseError::TooLarge {
            field: "handshake message",
            limit: MAX_HANDSHAKE_MESSAGE
        })
    );
    // A 200 KiB chain in 16 KiB records is fine.
    let big = vec![0x30; 50_000];
    let chain = certificate(&[&big, &big, &big, &big]);
    let mut reader = HandshakeReader::new();
    let mut got = Vec::new();
    for chunk in chain.chunks(1 << 14) {
        got.extend(reader.push(chunk).unwrap());
    }
    assert!(matches!(&got[..], [Handshake::Certificate(c)] if c.len() == 4));
    // Twelve certificates: ten are kept.
    let twelve: Vec<&[u8]> = vec![FAKE_CERT_1; 12];
    let msgs = HandshakeReader::new().push(&certificate(&twelve)).unwrap();
    assert!(matches!(&msgs[..], [Handshake::Certificate(c)] if c.len() == MAX_CERTIFICATES));
    let msgs = HandshakeReader::new().push(&certificate(&[])).unwrap();
    assert_eq!(msgs, vec![Handshake::Certificate(vec![])]);
    for bad in [
        certificate(&[&[]]),
        handshake(HS_CERTIFICATE, &[0, 0, 9, 0, 0, 1, 0x30]),
        handshake(HS_CERTIFICATE_STATUS, &[2, 0, 0, 1, 0x30]),
        handshake(HS_SERVER_HELLO_DONE, &[0]),
    ] {
        assert!(matches!(
            HandshakeReader::new().push(&bad),
            Err(ParseError::Malformed { .. })
        ));
    }
}

#[test]
fn a_hostile_flight_is_bounded() {
    let mut reader = HandshakeReader::new();
    let hello_requests = [0u8; 4 * (MAX_FLIGHT_MESSAGES + 1)];
    assert!(matches!(
        reader.push(&hello_requests),
        Err(ParseError::Malformed {
            field: "handshake",
            ..
        })
    ));
    assert_eq!(reader.messages().len(), MAX_FLIGHT_MESSAGES);
    assert_eq!(reader.messages()[0], Handshake::Other(0, 0));

    let mut reader = HandshakeReader::new();
    let chunk = vec![0x30; 1 << 14];
    let mut sent = 0;
    let result = loop {
        // One endless Certificate message would be refused at 256 KiB; many
        // certificate messages are refused once the flight passes 512 KiB.
        let msg = certificate(&[&chunk[..]]);
        match reader.push(&msg) {
            Ok(_) => sent += msg.len(),
            Err(e) => break e,
        }
    };
    assert!(sent <= MAX_FLIGHT_BYTES);
    assert_eq!(
        result,
        ParseError::TooLarge {
            field: "handshake flight",
            limit: MAX_FLIGHT_BYTES
        }
    );
}

#[test]
fn reader_keeps_earlier_messages_and_repeats_its_error() {
    let mut payload = tls12_server_hello(0xC02F);
    payload.extend(handshake(HS_SERVER_HELLO_DONE, &[1, 2]));
    let mut reader = HandshakeReader::new();
    let err = reader.push(&payload).unwrap_err();
    assert!(matches!(err, ParseError::Malformed { .. }));
    assert!(matches!(reader.messages(), [Handshake::ServerHello(_)]));
    assert_eq!(reader.push(&handshake(HS_SERVER_HELLO_DONE, &[])), Err(err));
}

// ---------------------------------------------------------------------------------
// ServerKeyExchange

#[test]
fn parses_ecdhe_and_dhe_key_exchange_for_tls12_and_tls10() {
    assert_eq!(
        parse_server_key_exchange(&ecdhe_ske(0x001D, 32, Some(0x0403)), Kex::Ecdhe, TLS12),
        Ok(KeyExchange::Ecdhe {
            group: 0x001D,
            public_len: 32,
            sig_alg: Some(0x0403)
        })
    );
    assert_eq!(
        parse_server_key_exchange(&ecdhe_ske(0x0017, 65, None), Kex::Ecdhe, TLS10),
        Ok(KeyExchange::Ecdhe {
            group: 0x0017,
            public_len: 65,
            sig_alg: None
        })
    );
    let p = [0xd5; 128];
    assert_eq!(
        parse_server_key_exchange(&dhe_ske(&p, Some(0x0201)), Kex::Dhe, TLS12),
        Ok(KeyExchange::Dhe {
            prime: p.to_vec(),
            generator: vec![2],
            public_len: 128,
            sig_alg: Some(0x0201)
        })
    );
    assert_eq!(
        parse_server_key_exchange(&dhe_ske(&p, None), Kex::Dhe, SSL3),
        Ok(KeyExchange::Dhe {
            prime: p.to_vec(),
            generator: vec![2],
            public_len: 128,
            sig_alg: None
        })
    );
    // Read with the wrong version, the signature lengths no longer add up.
    assert!(
        parse_server_key_exchange(&ecdhe_ske(0x1D, 32, Some(0x0403)), Kex::Ecdhe, TLS10).is_err()
    );
    assert!(parse_server_key_exchange(&dhe_ske(&p, None), Kex::Dhe, TLS12).is_err());
    let mut trailing = ecdhe_ske(0x001D, 32, Some(0x0403));
    trailing.push(0);
    assert!(parse_server_key_exchange(&trailing, Kex::Ecdhe, TLS12).is_err());
    let mut explicit = ecdhe_ske(0x001D, 32, Some(0x0403));
    explicit[0] = 1;
    let Err(ParseError::Malformed { field, detail }) =
        parse_server_key_exchange(&explicit, Kex::Ecdhe, TLS12)
    else {
        panic!("explicit curve accepted");
    };
    assert_eq!(field, "curve type");
    assert!(detail.contains("named_curve"), "{detail}");
    assert!(parse_server_key_exchange(&ecdhe_ske(0x1D, 0, None), Kex::Ecdhe, TLS10).is_err());
    assert!(parse_server_key_exchange(&dhe_params(&[], &[2], 8), Kex::Anon, TLS10).is_err());
}

#[test]
fn anon_and_psk_key_exchange_tell_dh_from_ecdh() {
    let ecdh = ecdhe_ske(0x001D, 32, None);
    let ecdh = &ecdh[..ecdh.len() - 10]; // no signature
    assert_eq!(
        parse_server_key_exchange(ecdh, Kex::Anon, TLS12),
        Ok(KeyExchange::Ecdhe {
            group: 0x001D,
            public_len: 32,
            sig_alg: None
        })
    );
    // A 768-byte prime's length starts with 0x03, like named_curve.
    let p = vec![0xc5; 768];
    assert_eq!(
        parse_server_key_exchange(&dhe_params(&p, &[5], 768), Kex::Anon, TLS10),
        Ok(KeyExchange::Dhe {
            prime: p.clone(),
            generator: vec![5],
            public_len: 768,
            sig_alg: None
        })
    );
    let hint = hex("0004 6c616d70"); // "lamp"
    assert_eq!(
        parse_server_key_exchange(&hint, Kex::Psk, TLS12),
        Ok(KeyExchange::Other)
    );
    let dhe_psk = [&hint[..], &dhe_params(&p, &[2], 768)].concat();
    assert!(matches!(
        parse_server_key_exchange(&dhe_psk, Kex::Psk, TLS12),
        Ok(KeyExchange::Dhe { .. })
    ));
    let ecdhe_psk = [&hint[..], ecdh].concat();
    assert!(matches!(
        parse_server_key_exchange(&ecdhe_psk, Kex::Psk, TLS12),
        Ok(KeyExchange::Ecdhe { group: 0x001D, .. })
    ));
    for kex in [Kex::Rsa, Kex::StaticDh, Kex::StaticEcdh, Kex::Other] {
        assert_eq!(
            parse_server_key_exchange(ecdh, kex, TLS12),
            Ok(KeyExchange::Other)
        );
    }
}

// ---------------------------------------------------------------------------------
// Real servers

#[test]
fn reads_openssl_tls13_server_hello_hrr_and_alert() {
    let msgs = read_flight(&hex(OPENSSL_TLS13)).unwrap();
    let sh = only_server_hello(&msgs);
    assert_eq!(
        (sh.version, sh.negotiated_version(), sh.suite),
        (TLS12, TLS13, 0x1301)
    );
    assert_eq!(sh.key_share_group, Some(0x001D));
    assert_eq!(sh.extensions, vec![EXT_SUPPORTED_VERSIONS, EXT_KEY_SHARE]);
    assert_eq!(sh.session_id, vec![5; 32], "session id echoed");
    assert!(!sh.is_hello_retry);

    let msgs = read_flight(&hex(OPENSSL_TLS13_HRR)).unwrap();
    let hrr = only_server_hello(&msgs);
    assert!(hrr.is_hello_retry);
    assert_eq!(hrr.key_share_group, Some(0x001D));
    assert_eq!(hrr.negotiated_version(), TLS13);

    let (records, _) = parse_records(&hex(OPENSSL_TLS13_TO_TLS10)).unwrap();
    assert_eq!(records[0].content_type, CONTENT_ALERT);
    let alert = parse_alert(&records[0].payload).unwrap();
    assert_eq!(
        (alert.level, alert_name(alert.description)),
        (2, "protocol_version")
    );
}

#[test]
fn reads_openssl_tls10_anon_flights() {
    let msgs = read_flight(&hex(OPENSSL_TLS10_ECDH_ANON)).unwrap();
    let [
        Handshake::ServerHello(sh),
        Handshake::ServerKeyExchange(ske),
        Handshake::ServerHelloDone,
    ] = &msgs[..]
    else {
        panic!("{msgs:?}");
    };
    assert_eq!((sh.version, sh.suite), (TLS10, 0xC018));
    assert_eq!(
        parse_server_key_exchange(ske, suite_kex(sh.suite), sh.negotiated_version()),
        Ok(KeyExchange::Ecdhe {
            group: 0x001D,
            public_len: 32,
            sig_alg: None
        })
    );

    let msgs = read_flight(&hex(OPENSSL_TLS10_ANON)).unwrap();
    let [
        Handshake::ServerHello(sh),
        Handshake::ServerKeyExchange(ske),
        Handshake::ServerHelloDone,
    ] = &msgs[..]
    else {
        panic!("{msgs:?}");
    };
    assert_eq!(suite_name(sh.suite), "TLS_DH_anon_WITH_AES_128_CBC_SHA");
    let Ok(KeyExchange::Dhe { prime, .. }) = parse_server_key_exchange(ske, Kex::Anon, TLS10)
    else {
        panic!("no DH parameters");
    };
    assert_eq!(dh_prime_bits(&prime), 1024);
    assert_eq!(known_dh_group(&prime), Some("modp1024"));
}

#[test]
fn reads_openssl_tls12_ecdsa_flight() {
    let msgs = read_flight(&hex(OPENSSL_TLS12_ECDSA)).unwrap();
    let [
        Handshake::ServerHello(sh),
        Handshake::Certificate(certs),
        Handshake::ServerKeyExchange(ske),
        Handshake::ServerHelloDone,
    ] = &msgs[..]
    else {
        panic!("{msgs:?}");
    };
    assert_eq!(
        suite_name(sh.suite),
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"
    );
    assert_eq!(sh.extensions, vec![0xff01, 11, 35, 23]);
    assert!(sh.renegotiation_info && sh.extended_master_secret && !sh.status_request);
    assert_eq!(certs.len(), 1);
    assert_eq!(certs[0][..2], [0x30, 0x82]);
    let ke = parse_server_key_exchange(ske, suite_kex(sh.suite), sh.negotiated_version());
    assert_eq!(
        ke,
        Ok(KeyExchange::Ecdhe {
            group: 0x001D,
            public_len: 32,
            sig_alg: Some(0x0403)
        })
    );
    assert_eq!(signature_hash(0x0403), Some("sha256"));
}

// ---------------------------------------------------------------------------------
// Never panic

fn every_kex() -> [Kex; 8] {
    [
        Kex::Rsa,
        Kex::Dhe,
        Kex::Ecdhe,
        Kex::StaticDh,
        Kex::StaticEcdh,
        Kex::Anon,
        Kex::Psk,
        Kex::Other,
    ]
}

fn exercise_flight_parsers(input: &[u8]) {
    let _ = parse_alert(input);
    let _ = parse_client_hello(input);
    let mut direct = HandshakeReader::new();
    let _ = direct.push(input);
    let _ = direct.push(input);
    if let Ok((records, used)) = parse_records(input) {
        assert!(used <= input.len());
        let mut reader = HandshakeReader::new();
        for r in records {
            let _ = parse_alert(&r.payload);
            if r.content_type == CONTENT_HANDSHAKE {
                let _ = reader.push(&r.payload);
            }
        }
        assert!(reader.buffered() <= MAX_CERTIFICATE_MESSAGE + 4 + MAX_RECORD_PAYLOAD);
    }
}

#[test]
fn flight_parsers_never_panic() {
    let alert = record(CONTENT_ALERT, TLS12, &[2, 40]);
    let hello = encode_client_hello(&full_client_hello());
    let fixtures = [
        tls12_flight(),
        hex(OPENSSL_TLS13),
        hex(OPENSSL_TLS13_HRR),
        hex(OPENSSL_TLS10_ECDH_ANON),
        hex(OPENSSL_TLS12_ECDSA),
        alert,
        hello,
    ];
    let valid: Vec<&[u8]> = fixtures.iter().map(Vec::as_slice).collect();
    for input in fuzz::mutations(&valid) {
        exercise_flight_parsers(&input);
    }
    for input in fuzz::random_inputs(0x5eed_7150, 3000, 700) {
        exercise_flight_parsers(&input);
    }
}

/// Random bodies behind valid headers reach the message parsers directly.
#[test]
fn message_parsers_never_panic_on_random_bodies() {
    for body in fuzz::random_inputs(0x7e57_ab1e, 4000, 400) {
        for typ in [
            HS_SERVER_HELLO,
            HS_CERTIFICATE,
            HS_SERVER_KEY_EXCHANGE,
            HS_CERTIFICATE_STATUS,
            HS_SERVER_HELLO_DONE,
            99,
        ] {
            let _ = parse_handshake(typ, &body);
        }
        let _ = client_hello::parse_client_hello_body(&body);
        for kex in every_kex() {
            let _ = parse_server_key_exchange(&body, kex, TLS12);
        }
        let _ = known_dh_group(&body);
        let _ = dh_prime_bits(&body);
    }
}

#[test]
fn server_key_exchange_never_panics() {
    let ffdhe = hex(FFDHE2048_HEX);
    let ecdh_anon = ecdhe_ske(0x1D, 32, None);
    let fixtures = [
        ecdhe_ske(0x001D, 32, Some(0x0403)),
        ecdhe_ske(0x0017, 65, None),
        dhe_ske(&[0xd5; 64], Some(0x0601)),
        dhe_ske(&[0xd5; 64], None),
        ecdh_anon[..ecdh_anon.len() - 10].to_vec(),
        [&hex("0004 6c616d70")[..], &dhe_params(&[7; 16], &[2], 16)].concat(),
    ];
    let valid: Vec<&[u8]> = fixtures.iter().map(Vec::as_slice).collect();
    for input in fuzz::mutations(&valid) {
        for kex in every_kex() {
            for version in [SSL3, TLS10, TLS12] {
                let _ = parse_server_key_exchange(&input, kex, version);
            }
        }
    }
    for input in fuzz::mutations(&[&ffdhe]) {
        assert!(input == ffdhe || known_dh_group(&input).is_none());
        let _ = dh_prime_bits(&input);
    }
}
