//! Throughput of the pure parsers in `src/proto/` on what real devices and
//! servers send. The inputs are the captures the unit tests of `src/proto/*.rs`
//! check against (bacpypes3, libcoap, pymodbus, python WSDiscovery, ipycam,
//! async-upnp-client, OpenSSL, OpenSSH, nginx...), copied here because those
//! test modules are private to the crate; where a test builds its input, the
//! same message is built here with the crate's public encoders.
//!
//!   cargo bench --bench parsers            (all)
//!   cargo bench --bench parsers -- tls     (one group)

mod common;

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use stadscan::proto::{
    bacnet, coap, dns, ftp, http, modbus, mqtt, onvif, snmp, ssdp, ssh, telnet, tls, xml,
};

fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect()
}

/// One parser over a set of inputs: the time is per message, the throughput
/// in bytes of input.
fn bench_set<T>(
    c: &mut Criterion,
    group: &str,
    name: &str,
    inputs: &[Vec<u8>],
    parse: impl Fn(&[u8]) -> T,
) {
    let bytes: usize = inputs.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group(group);
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function(format!("{name} ({} messages)", inputs.len()), |b| {
        b.iter(|| {
            for input in inputs {
                black_box(parse(black_box(input)));
            }
        })
    });
    g.finish();
}

// ---------------------------------------------------------------------------
// Captures (see the unit tests of each module for where they come from)

/// nginx 1.18 and a Hikvision-like camera answering GET / (src/proto/http/tests.rs).
const HTTP_NGINX: &[u8] = b"HTTP/1.1 401 Unauthorized\r\nServer: nginx/1.18.0\r\nContent-Type: text/html\r\nContent-Length: 179\r\nWWW-Authenticate: Basic realm=\"Restricted\"\r\n\r\n<html>";
const HTTP_HIKVISION: &[u8] = b"HTTP/1.1 401 Unauthorized\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\nServer: webserver\r\nWWW-Authenticate: Digest realm=\"IP Camera(12345)\", nonce=\"4e6a4d784d7a6b305a6a5a69\", qop=\"auth\", stale=\"FALSE\"\r\nContent-Length: 0\r\n\r\n";
const RTSP_OPTIONS: &[u8] = b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER\r\n\r\n";

const SNMP_SYSDESCR: &[u8] = b"\x30\x51\x02\x01\x01\x04\x06public\xa2\x44\x02\x04\x1a\x2b\x3c\x4d\x02\x01\x00\x02\x01\x00\x30\x36\x30\x34\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00\x04\x28Linux cam01 4.9.37 #1 SMP PREEMPT armv7l";

const MQTT_CONNECT_311: &[u8] = b"\x10\x10\x00\x04MQTT\x04\x02\x00\x3c\x00\x04test";
const MQTT_CONNECT_MQISDP: &[u8] = b"\x10\x12\x00\x06MQIsdp\x03\x02\x00\x3c\x00\x04test";
const MQTT_CONNACK_NOT_AUTHORIZED: &[u8] = b"\x20\x02\x00\x05";
const MQTT_CONNACK_V5: &[u8] = b"\x20\x09\x00\x00\x06\x22\x00\x0a\x21\x00\x14";

const SSH_OPENSSH: &[u8] = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";
const TELNET_BUSYBOX: &[u8] = b"\xff\xfb\x01\xff\xfb\x03\xff\xfd\x1f\r\nstreetlight-ctl login: ";
const FTP_VSFTPD_BANNER: &[u8] = b"220-#########################################\r\n220-# Gemeente parkeerautomaat 17 - FTP       #\r\n220-#########################################\r\n220 (vsFTPd 3.0.3)\r\n";
const FTP_PROFTPD_FEAT: &[u8] = b"211-Features:\r\n MDTM\r\n SIZE\r\n UTF8\r\n211 End\r\n";
const DNS_DIG_QUERY: &[u8] = b"\x7b\x3a\x01\x00\x00\x01\x00\x00\x00\x00\x00\x01\x08Camera01\x04Stad\x03Lab\x00\x00\x01\x00\x01\x00\x00\x29\x04\xd0\x00\x00\x00\x00\x00\x00";

/// bacpypes3 0.0.110 answering ReadProperty and Who-Is (src/proto/bacnet.rs).
const BACNET: &[&str] = &[
    "810a001401001000c40200025722040091002169",
    "810a001a010030010c0c0200025719793e75060050726976613f",
    "810a0021010030020c0c0200025719463e750d00436f6d7072692048582038453f",
    "810a001d010030030c0c02000257192c3e75090048582d342e322e373f",
    "810a001a010030040c0c02000257190c3e750600342e322e373f",
    "810a0014010030060c0c0200025719783e21693f",
    "810a0014010030070c0c02000257196b3e91003f",
    "810a0017010030080c0c02000257194b3ec4020002573f",
    "810a0021010030090c0c02000257193a3e750d00436166c3a9206b656c6465723f",
    "810a00270100300a0c0c02000257191c3e751304004c00fc006600740075006e0067002020ac3f",
    "810a000d0100500b0c91029120",
];

/// libcoap 4.3.1 coap-server answers (src/proto/coap.rs).
const COAP_CORE: &str = "6145a1db01c128ff3c2f3e3b7469746c653d2247656e6572616c20496e666f223b63743d302c3c2f74696d653e3b69663d22636c6f636b223b72743d227469636b73223b7469746c653d22496e7465726e616c20436c6f636b223b63743d303b6f62732c3c2f6173796e633e3b63743d302c3c2f6578616d706c655f646174613e3b7469746c653d224578616d706c652044617461223b63743d303b6f6273";
const COAP_CORE_BLOCK0: &str = "6145f5910141018128b10a5197ff3c2f3e3b7469746c653d2247656e6572616c20496e666f223b63743d302c3c2f74696d653e3b69663d22636c6f636b223b72743d227469636b73223b7469746c";
const COAP_TIME: &str = "6145ad6f01d1010190ff4e6f762032392030363a31383a3430";
const COAP_NOT_FOUND: &str = "6184ce0901ff4e6f7420466f756e64";
const COAP_LINKS: &str = r#"</>;title="General Info";ct=0,</time>;if="clock";rt="ticks";title="Internal Clock";ct=0;obs,</async>;ct=0,</example_data>;title="Example Data";ct=0;obs"#;

/// pymodbus 3.16.1 Read Device Identification answers and exceptions (src/proto/modbus.rs).
const MODBUS: &[&str] = &[
    "123400000031002b0e018300000300125363686e656964657220456c656374726963010c424d58205033342032303230020576322e3730",
    "123500000037002b0e02830000030311687474703a2f2f7777772e73652e636f6d040c4d6f6469636f6e204d333430050c424d58205033342032303230",
    "000200000060002b0e028300000600125363686e656964657220456c656374726963010c424d58205033342032303230020576322e37300311687474703a2f2f7777772e73652e636f6d040c4d6f6469636f6e204d333430050c424d58205033342032303230",
    "12380000000300ab03",
    "123900000003008001",
];

/// python WSDiscovery 2.1.2 ProbeMatches (src/proto/onvif.rs).
const ONVIF_PROBE_MATCHES: &str =
    include_str!("../tests/data/captures/onvif-probe-matches-wsdiscovery.xml");
const ONVIF_PROBE_ID: &str = "urn:uuid:9b75624a-17c6-4944-81fd-90775e47fb42";

/// ipycam 1.3.0 answering GetDeviceInformation (src/proto/onvif.rs).
const ONVIF_GDI_RESPONSE: &str =
    include_str!("../tests/data/captures/onvif-gdi-response-ipycam.xml");

/// async-upnp-client 0.49.0: an M-SEARCH answer and a NOTIFY (src/proto/ssdp.rs).
const SSDP_RESPONSE: &str = include_str!("../tests/data/captures/ssdp-response-rootdevice.txt");
const SSDP_NOTIFY: &str = include_str!("../tests/data/captures/ssdp-notify-alive.txt");
/// Its device description (GET /device.xml).
const UPNP_DESCRIPTION: &str = include_str!("../tests/data/captures/upnp-description.xml");

/// `openssl s_server -tls1_2` with a P-256 certificate: the whole first flight
/// (ServerHello, Certificate, ServerKeyExchange, ServerHelloDone; src/proto/tls/tests.rs).
const TLS12_ECDSA_FLIGHT: &str = include_str!("../tests/data/captures/tls12-ecdsa-flight.hex");

/// `openssl s_server -tls1 -cipher 'ALL:@SECLEVEL=0'` choosing DH_anon with its
/// 1024-bit group: ServerHello, ServerKeyExchange, ServerHelloDone.
const TLS10_DH_ANON_FLIGHT: &str = include_str!("../tests/data/captures/tls10-dh-anon-flight.hex");

/// `openssl s_server -tls1_3` answering with an x25519 share (ServerHello record only).
const TLS13_SERVER_HELLO: &str = include_str!("../tests/data/captures/tls13-server-hello.hex");

/// The lab's legacy camera certificate (RSA-1024, SHA-1), as a server sends it
/// in a TLS 1.0 Certificate message.
const LEGACY_CERT_PEM: &str = include_str!("../crates/stadscan-lab/src/lab-legacy-cert.pem");

fn pem_der(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    http::base64_decode(&b64).expect("the lab certificate is valid base64")
}

/// A legacy TLS 1.0 first flight built with the lab's own encoders: ServerHello
/// (AES128-SHA, renegotiation_info), the RSA-1024 certificate, ServerHelloDone.
fn legacy_flight() -> Vec<u8> {
    let hello = tls::encode_server_hello(
        tls::TLS10,
        [0x42; 32],
        &[0x5e; 32],
        0x002F,
        0,
        &[(tls::EXT_RENEGOTIATION_INFO, vec![0])],
    );
    tls::encode_flight(
        tls::TLS10,
        &[
            hello,
            tls::encode_certificate(&[pem_der(LEGACY_CERT_PEM)]),
            tls::encode_server_hello_done(),
        ],
    )
}

/// The scanner's side of a whole flight: records, handshake messages, and the
/// ServerKeyExchange parsed once the suite is known.
fn read_flight(bytes: &[u8]) -> usize {
    let Ok((records, _)) = tls::parse_records(bytes) else {
        return 0;
    };
    let mut reader = tls::HandshakeReader::new();
    let mut n = 0;
    let mut hello = None;
    for r in records
        .iter()
        .filter(|r| r.content_type == tls::CONTENT_HANDSHAKE)
    {
        let Ok(msgs) = reader.push(&r.payload) else {
            return n;
        };
        for m in msgs {
            n += 1;
            match m {
                tls::Handshake::ServerHello(sh) => hello = Some(sh),
                tls::Handshake::ServerKeyExchange(body) => {
                    if let Some(sh) = &hello {
                        let kex = tls::suite_kex(sh.suite);
                        let v = sh.negotiated_version();
                        black_box(tls::parse_server_key_exchange(&body, kex, v).is_ok());
                    }
                }
                other => {
                    black_box(other);
                }
            }
        }
    }
    n
}

fn bench_tls(c: &mut Criterion) {
    let flights = vec![
        hex(TLS12_ECDSA_FLIGHT),
        hex(TLS10_DH_ANON_FLIGHT),
        hex(TLS13_SERVER_HELLO),
        legacy_flight(),
    ];
    assert!(flights.iter().all(|f| read_flight(f) >= 1));
    bench_set(c, "tls", "server first flights", &flights, read_flight);

    // The other direction (the lab's legacy responder): a ClientHello the
    // scanner builds, parsed back.
    let hello = tls::ClientHello {
        version: tls::TLS12,
        record_version: tls::TLS10,
        random: [0xA5; 32],
        session_id: vec![0x11; 32],
        suites: tls::ALL_SUITES.to_vec(),
        compression: vec![0],
        server_name: Some("camera-17.stad.example".to_string()),
        supported_versions: vec![tls::TLS13, tls::TLS12, tls::TLS11, tls::TLS10],
        groups: tls::ALL_GROUPS.to_vec(),
        key_shares: vec![(0x001D, vec![0x77; 32])],
        signature_algorithms: vec![0x0804, 0x0403, 0x0401, 0x0201],
        ec_point_formats: true,
        renegotiation_info: true,
        extended_master_secret: true,
        status_request: true,
        alpn: vec!["h2".to_string(), "http/1.1".to_string()],
        session_ticket: true,
    };
    let encoded = tls::encode_client_hello(&hello);
    assert_eq!(
        tls::parse_client_hello(&encoded)
            .as_ref()
            .map(|h| h.suites.len()),
        Ok(hello.suites.len())
    );
    bench_set(
        c,
        "tls",
        "client hello, every suite and group",
        &[encoded],
        |b| tls::parse_client_hello(b).is_ok(),
    );
    let mut g = c.benchmark_group("tls");
    g.bench_function("encode client hello, every suite and group", |b| {
        b.iter(|| black_box(tls::encode_client_hello(black_box(&hello))))
    });
    g.finish();
}

fn bench_text_protocols(c: &mut Criterion) {
    let heads = vec![
        HTTP_NGINX.to_vec(),
        HTTP_HIKVISION.to_vec(),
        RTSP_OPTIONS.to_vec(),
    ];
    bench_set(c, "http", "response heads", &heads, |b| {
        http::parse_response_head(b).is_ok()
    });
    let challenges = vec![
        b"Basic realm=\"Restricted\"".to_vec(),
        b"Digest realm=\"IP Camera(12345)\", nonce=\"4e6a4d784d7a6b305a6a5a69\", qop=\"auth\", stale=\"FALSE\"".to_vec(),
    ];
    bench_set(c, "http", "WWW-Authenticate", &challenges, |b| {
        http::parse_www_authenticate(std::str::from_utf8(b).unwrap()).len()
    });
    let page = [
        &b"<!DOCTYPE html><html><head><meta charset=\"utf-8\">"[..],
        &b"<link rel=\"stylesheet\" href=\"/css/app.css\">"[..].repeat(20),
        b"<title>Verkeersregelinstallatie K12 &amp; K13 - Login</title></head><body>",
        &b"<div class=\"row\"><span>status</span></div>"[..].repeat(50),
        b"</body></html>",
    ]
    .concat();
    bench_set(
        c,
        "http",
        "html title (3 KB page)",
        &[page],
        http::html_title,
    );

    bench_set(
        c,
        "banners",
        "ssh identification",
        &[SSH_OPENSSH.to_vec()],
        |b| ssh::parse_identification(b).is_ok(),
    );
    bench_set(
        c,
        "banners",
        "telnet split + prompt",
        &[TELNET_BUSYBOX.to_vec()],
        |b| telnet::find_prompt(&telnet::split(b).data),
    );
    let ftp = vec![FTP_VSFTPD_BANNER.to_vec(), FTP_PROFTPD_FEAT.to_vec()];
    bench_set(c, "banners", "ftp replies", &ftp, |b| {
        ftp::parse_reply(b).is_ok()
    });
}

fn bench_binary_protocols(c: &mut Criterion) {
    bench_set(
        c,
        "snmp",
        "GetResponse sysDescr",
        &[SNMP_SYSDESCR.to_vec()],
        |b| snmp::decode(b).is_ok(),
    );
    let connects = vec![MQTT_CONNECT_311.to_vec(), MQTT_CONNECT_MQISDP.to_vec()];
    bench_set(c, "mqtt", "CONNECT", &connects, |b| {
        mqtt::decode_connect(b).is_ok()
    });
    let connacks = vec![
        MQTT_CONNACK_NOT_AUTHORIZED.to_vec(),
        MQTT_CONNACK_V5.to_vec(),
    ];
    bench_set(c, "mqtt", "CONNACK", &connacks, |b| {
        mqtt::decode_connack(b).is_ok()
    });
    bench_set(c, "dns", "query (dig)", &[DNS_DIG_QUERY.to_vec()], |b| {
        dns::parse_query(b).is_ok()
    });

    let bacnet: Vec<Vec<u8>> = BACNET.iter().map(|h| hex(h)).collect();
    assert!(bacnet.iter().all(|f| bacnet::decode_frame(f).is_ok()));
    bench_set(c, "bacnet", "bacpypes3 frames", &bacnet, |b| {
        bacnet::decode_frame(b).is_ok()
    });

    let modbus: Vec<Vec<u8>> = MODBUS.iter().map(|h| hex(h)).collect();
    bench_set(c, "modbus", "pymodbus device id answers", &modbus, |b| {
        modbus::decode_frame(b)
            .ok()
            .map(|(f, _)| modbus::decode_response(&f.pdu).is_ok())
    });

    let coap: Vec<Vec<u8>> = [COAP_CORE, COAP_CORE_BLOCK0, COAP_TIME, COAP_NOT_FOUND]
        .iter()
        .map(|h| hex(h))
        .collect();
    assert!(coap.iter().all(|m| coap::decode(m).is_ok()));
    bench_set(c, "coap", "libcoap answers", &coap, |b| {
        coap::decode(b).is_ok()
    });
    bench_set(
        c,
        "coap",
        "link format",
        &[COAP_LINKS.as_bytes().to_vec()],
        |b| coap::parse_link_format(b).map(|l| l.len()).unwrap_or(0),
    );
}

fn bench_xml_protocols(c: &mut Criterion) {
    let matches = ONVIF_PROBE_MATCHES.as_bytes().to_vec();
    assert_eq!(
        onvif::parse_probe_matches(&matches, ONVIF_PROBE_ID).map(|m| m.len()),
        Ok(1)
    );
    bench_set(c, "xml", "onvif ProbeMatches", &[matches], |b| {
        onvif::parse_probe_matches(b, ONVIF_PROBE_ID).is_ok()
    });
    let gdi = ONVIF_GDI_RESPONSE.as_bytes().to_vec();
    assert!(onvif::parse_device_information(&gdi).is_ok());
    bench_set(c, "xml", "onvif GetDeviceInformation", &[gdi], |b| {
        onvif::parse_device_information(b).is_ok()
    });
    let desc = UPNP_DESCRIPTION.as_bytes().to_vec();
    assert!(ssdp::parse_description(&desc).is_ok());
    bench_set(
        c,
        "xml",
        "upnp device description",
        std::slice::from_ref(&desc),
        |b| ssdp::parse_description(b).is_ok(),
    );
    bench_set(c, "xml", "generic parse (upnp description)", &[desc], |b| {
        xml::parse(b).is_ok()
    });
    let ssdp = vec![
        SSDP_RESPONSE.as_bytes().to_vec(),
        SSDP_NOTIFY.as_bytes().to_vec(),
    ];
    assert!(ssdp.iter().all(|m| ssdp::parse_announcement(m).is_ok()));
    bench_set(c, "ssdp", "announcements", &ssdp, |b| {
        ssdp::parse_announcement(b).is_ok()
    });
}

criterion_group! {
    name = parsers;
    config = common::config();
    targets = bench_tls, bench_text_protocols, bench_binary_protocols, bench_xml_protocols
}
criterion_main!(parsers);
