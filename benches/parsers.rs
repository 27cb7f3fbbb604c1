//! Throughput of the pure parsers in `src/proto/` on what real devices and
//! servers send. The inputs are the captures the unit tests of `src/proto/*.rs`
//! check against (bacpypes3, libcoap, pymodbus, python WSDiscovery, ipycam,
//! async-upnp-client, OpenSSL, OpenSSH, nginx...), copied here because those
//! test modules are private to the crate; where a test builds its input, the
//! same message is built here with the crate's public encoders.
//!
//!   cargo bench --bench parsers            (all)
//!   cargo bench --bench parsers -- tls     (one group)

use std::hint::black_box;
use std::time::Duration;

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
const ONVIF_PROBE_MATCHES: &str = concat!(
    "<?xml version=\"1.0\" ?>\n",
    "<s:Envelope xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" xmlns:d=\"http://schemas.xmlsoap.org/ws/2005/04/discovery\" xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" xmlns:dn=\"http://www.onvif.org/ver10/network/wsdl\">\n",
    "\t<s:Header>\n",
    "\t\t<a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action>\n",
    "\t\t<a:MessageID>urn:uuid:be3618aa-7cf0-4169-afdb-d32d3406063f</a:MessageID>\n",
    "\t\t<a:RelatesTo>urn:uuid:9b75624a-17c6-4944-81fd-90775e47fb42</a:RelatesTo>\n",
    "\t\t<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To>\n",
    "\t\t<d:AppSequence InstanceId=\"1584638561\" MessageNumber=\"1\"/>\n",
    "\t</s:Header>\n",
    "\t<s:Body>\n",
    "\t\t<d:ProbeMatches>\n",
    "\t\t\t<d:ProbeMatch>\n",
    "\t\t\t\t<a:EndpointReference>\n",
    "\t\t\t\t\t<a:Address>urn:uuid:3aea33bc-3b56-42df-a7dd-60e6267fe8d9</a:Address>\n",
    "\t\t\t\t</a:EndpointReference>\n",
    "\t\t\t\t<d:Types>dn:NetworkVideoTransmitter</d:Types>\n",
    "\t\t\t\t<d:Scopes>onvif://www.onvif.org/name/Kade%2012%20Noord onvif://www.onvif.org/hardware/IPC-HFW2431S onvif://www.onvif.org/location/city/Demo%20City onvif://www.onvif.org/type/video_encoder</d:Scopes>\n",
    "\t\t\t\t<d:XAddrs>http://127.0.0.1:8080/onvif/device_service</d:XAddrs>\n",
    "\t\t\t\t<d:MetadataVersion>1</d:MetadataVersion>\n",
    "\t\t\t</d:ProbeMatch>\n",
    "\t\t</d:ProbeMatches>\n",
    "\t</s:Body>\n",
    "</s:Envelope>\n",
);
const ONVIF_PROBE_ID: &str = "urn:uuid:9b75624a-17c6-4944-81fd-90775e47fb42";

/// ipycam 1.3.0 answering GetDeviceInformation (src/proto/onvif.rs).
const ONVIF_GDI_RESPONSE: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
    "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" \n",
    "            xmlns:tds=\"http://www.onvif.org/ver10/device/wsdl\" \n",
    "            xmlns:tt=\"http://www.onvif.org/ver10/schema\" \n",
    "            xmlns:trt=\"http://www.onvif.org/ver10/media/wsdl\">\n",
    "    <s:Body>\n",
    "        <tds:GetDeviceInformationResponse>\n",
    "    <tds:Manufacturer>PythonCam</tds:Manufacturer>\n",
    "    <tds:Model>VirtualCam-1</tds:Model>\n",
    "    <tds:FirmwareVersion>1.3.0</tds:FirmwareVersion>\n",
    "    <tds:SerialNumber>PY-000001</tds:SerialNumber>\n",
    "    <tds:HardwareId>PY-HW-01</tds:HardwareId>\n",
    "</tds:GetDeviceInformationResponse>\n",
    "\n",
    "    </s:Body>\n",
    "</s:Envelope>\n",
);

/// async-upnp-client 0.49.0: an M-SEARCH answer and a NOTIFY (src/proto/ssdp.rs).
const SSDP_RESPONSE: &str = concat!(
    "HTTP/1.1 200 OK\r\n",
    "CACHE-CONTROL:max-age=1800\r\n",
    "DATE:Sun, 29 Nov 2026 06:19:33 GMT\r\n",
    "SERVER:async-upnp-client/0.49.0 UPnP/2.0 Server/1.0\r\n",
    "ST:upnp:rootdevice\r\n",
    "USN:uuid:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee::upnp:rootdevice\r\n",
    "EXT:\r\n",
    "LOCATION:http://127.0.0.1:8200/device.xml\r\n",
    "BOOTID.UPNP.ORG:1\r\n",
    "CONFIGID.UPNP.ORG:1\r\n",
    "\r\n",
);
const SSDP_NOTIFY: &str = concat!(
    "NOTIFY * HTTP/1.1\n",
    "NTS:ssdp:alive\n",
    "HOST:239.255.255.250:1900\n",
    "CACHE-CONTROL:max-age=1800\n",
    "SERVER:async-upnp-client/0.49.0 UPnP/2.0 Server/1.0\n",
    "BOOTID.UPNP.ORG:1\n",
    "CONFIGID.UPNP.ORG:1\n",
    "LOCATION:http://127.0.0.1:8200/device.xml\n",
    "NT:upnp:rootdevice\n",
    "USN:uuid:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee::upnp:rootdevice\n",
    "\n",
);
/// Its device description (GET /device.xml).
const UPNP_DESCRIPTION: &str = concat!(
    "<?xml version='1.0' encoding='utf-8'?>\n",
    "<root xmlns=\"urn:schemas-upnp-org:device-1-0\"><specVersion><major>1</major>",
    "<minor>0</minor></specVersion><device xmlns=\"urn:schemas-upnp-org:device-1-0\">",
    "<deviceType>urn:schemas-upnp-org:device:Basic:1</deviceType>",
    "<friendlyName>Kade &lt;12&gt; camera &amp; NVR</friendlyName>",
    "<manufacturer>Demo Vision</manufacturer>",
    "<manufacturerURL>http://www.example.com/</manufacturerURL>",
    "<modelDescription>Network video recorder</modelDescription>",
    "<modelName>DV-NVR 8</modelName><modelNumber>4.1.7</modelNumber><modelURL />",
    "<serialNumber>DV8-0042</serialNumber><UDN>uuid:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee</UDN>",
    "<UPC /><presentationURL>http://127.0.0.1:8200/</presentationURL><iconList />",
    "<serviceList /><deviceList><device xmlns=\"urn:schemas-upnp-org:device-1-0\">",
    "<deviceType>urn:schemas-upnp-org:device:MediaServer:1</deviceType>",
    "<friendlyName>Recorder storage</friendlyName>",
    "<manufacturer>Embedded &amp; Co</manufacturer><manufacturerURL /><modelDescription />",
    "<modelName>Storage node</modelName><modelNumber>2</modelNumber><modelURL />",
    "<serialNumber /><UDN>uuid:11111111-2222-3333-4444-555555555555</UDN><UPC />",
    "<presentationURL /><iconList /><serviceList /><deviceList /></device></deviceList>",
    "</device></root>",
);

/// `openssl s_server -tls1_2` with a P-256 certificate: the whole first flight
/// (ServerHello, Certificate, ServerKeyExchange, ServerHelloDone; src/proto/tls/tests.rs).
const TLS12_ECDSA_FLIGHT: &str = "\
    16030300410200003d030337e6849f69f665ba2a3fe14397c5a66d30c5218470d9ed490efa924a8cd36cae00\
    c02b000015ff01000100000b0004030001020023000000170000160303017a0b000176000173000170308201\
    6c30820113a00302010202142d88cc2ca5335847b5c6ffff7f36af019d1c79e9300a06082a8648ce3d040302\
    300c310a300806035504030c0165301e170d3236313132393034333133375a170d3236313230313034333133\
    375a300c310a300806035504030c01653059301306072a8648ce3d020106082a8648ce3d030107034200043b\
    71c080ebd97a0e96b2d8edf10e7596d919b952a751ee36d5cc8d6ea04a496244c4ffd68b58e87270bd1f1b4a\
    238fff1abb4757bd57f4ba4e4d1ae7c288c582a3533051301d0603551d0e04160414a1486a175ff37fbd50af\
    b4e90189cb132d3b3006301f0603551d23041830168014a1486a175ff37fbd50afb4e90189cb132d3b300630\
    0f0603551d130101ff040530030101ff300a06082a8648ce3d040302034700304402207d67050caac3a44077\
    956af6189e9cedac462e81506e1da7e25b60eb1d22fcb4022030d360037857cc7f649b91af4d0bc489610609\
    a9802364e9578fc9b217b2f01d16030300730c00006f03001d208316ef43223b27d5e6f67c561ee7a75c2e57\
    a580683d9da38711ad0e4712aa4004030047304502202ce68b2a194b8255eb903cf1de1f38e27aed01276304\
    14a3c2db7e1b6d286e66022100b2e804c485ad21b04ca98e613160650caf822bec4763b88de0cddf6fd3019a\
    ae16030300040e000000";

/// `openssl s_server -tls1 -cipher 'ALL:@SECLEVEL=0'` choosing DH_anon with its
/// 1024-bit group: ServerHello, ServerKeyExchange, ServerHelloDone.
const TLS10_DH_ANON_FLIGHT: &str = "\
    1603010039020000350301757516a17989236c0c854a5df8c2d48299ea6e0e251ea892c04775ce883c005700\
    003400000dff010001000023000000170000160301010b0c0001070080ffffffffffffffffc90fdaa22168c2\
    34c4c6628b80dc1cd129024e088a67cc74020bbea63b139b22514a08798e3404ddef9519b3cd3a431b302b0a\
    6df25f14374fe1356d6d51c245e485b576625e7ec6f44c42e9a637ed6b0bff5cb6f406b7edee386bfb5a899f\
    a5ae9f24117c4b1fe649286651ece65381ffffffffffffffff000102008086c46b331c5b9d2ee6f5487fc9bf\
    9490c21f227d255ba3ff9be3896ae904dd5ab2bbe6d0ed4b55a428714d7fc69263c7202c41aaee604943b5ae\
    f038a838f84407dceadb453f2c030000d43178c06864ee05dbf782da11e0e9eff14dfedf2f80581ee8a971c9\
    02ec4ec040bd3f116018e4c5f4c272beb26ad26c349296032b6916030100040e000000";

/// `openssl s_server -tls1_3` answering with an x25519 share (ServerHello record only).
const TLS13_SERVER_HELLO: &str = "\
    160303007a020000760303092d3c4107177e9700b081c5f4a2cb1f54fed91651ed854d0edea95a8a8a844420\
    0505050505050505050505050505050505050505050505050505050505050505130100002e002b0002030400\
    330024001d002018b63f7c2a95b55bd219a6194f578a637656e1c2079275f73bafe74f4fb8dd1e";

/// The lab's legacy camera certificate (RSA-1024, SHA-1), as a server sends it
/// in a TLS 1.0 Certificate message.
const LEGACY_CERT_PEM: &str = include_str!("../src/lab/lab-legacy-cert.pem");

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

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(30)
}

criterion_group! {
    name = parsers;
    config = config();
    targets = bench_tls, bench_text_protocols, bench_binary_protocols, bench_xml_protocols
}
criterion_main!(parsers);
