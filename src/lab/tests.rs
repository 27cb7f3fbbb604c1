//! Tests of the lab devices, each lab on its own `127.77.N.0/24` with
//! OS-chosen ports; answers are read with the same proto functions as a scan.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio_rustls::TlsConnector;

use super::*;
use crate::proto::{dns, ftp, http, mqtt, snmp, ssh, telnet};

const WAIT: Duration = Duration::from_secs(5);

async fn lab(n: u8) -> Lab {
    Lab::start(LabConfig {
        prefix: [127, 77, n],
        fixed_ports: false,
        hostile: true,
    })
    .await
    .expect("lab starts")
}

fn endpoint(lab: &Lab, name: &str, service: &str) -> SocketAddr {
    let d = lab
        .device_service(name, service)
        .unwrap_or_else(|| panic!("{name}/{service} in the lab"));
    SocketAddr::new(d.addr, d.port)
}

async fn connect(lab: &Lab, name: &str, service: &str) -> TcpStream {
    TcpStream::connect(endpoint(lab, name, service))
        .await
        .expect("connect")
}

/// Reads until `done` says the bytes are enough, the peer closes, or 5 s pass.
async fn read_until<S, F>(s: &mut S, done: F) -> Vec<u8>
where
    S: AsyncRead + Unpin,
    F: Fn(&[u8]) -> bool,
{
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let _ = tokio::time::timeout(WAIT, async {
        while !done(&buf) {
            match s.read(&mut chunk).await {
                Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                _ => break,
            }
        }
    })
    .await;
    buf
}

/// True when the peer closes (EOF or reset) within 5 s, discarding data.
async fn closes<S: AsyncRead + Unpin>(s: &mut S) -> bool {
    let mut chunk = [0u8; 4096];
    tokio::time::timeout(WAIT, async {
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return true,
                Ok(_) => {}
            }
        }
    })
    .await
    .unwrap_or(false)
}

/// One HTTP or RTSP exchange: the parsed head and the body.
async fn exchange<S>(s: &mut S, request: &[u8]) -> (http::ResponseHead, Vec<u8>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    s.write_all(request).await.unwrap();
    let complete = |b: &[u8]| match http::parse_response_head(b) {
        Ok(h) => b.len() >= h.head_len + h.content_length().unwrap_or(0),
        Err(_) => false,
    };
    let buf = read_until(s, complete).await;
    let head = http::parse_response_head(&buf).expect("a response head");
    let body = buf[head.head_len..].to_vec();
    (head, body)
}

fn get(host: &str, auth: Option<&str>) -> Vec<u8> {
    let mut headers = vec![("Host", host), ("User-Agent", "lab-test")];
    if let Some(a) = auth {
        headers.push(("Authorization", a));
    }
    http::encode_request("GET", "/", "HTTP/1.1", &headers)
}

#[tokio::test]
async fn camera_http_requires_basic_auth_and_accepts_the_default_password() {
    let lab = lab(1).await;
    let mut s = connect(&lab, "camera-01", "http").await;
    let (head, body) = exchange(&mut s, &get("camera-01.demo-city.test", None)).await;
    assert_eq!(head.status, 401);
    assert_eq!(head.header("server"), Some("lab-cam-httpd/2.4"));
    let challenges = http::parse_www_authenticate(head.header("www-authenticate").unwrap());
    assert_eq!(challenges[0].scheme, "basic");
    assert_eq!(challenges[0].realm.as_deref(), Some("IP Camera"));
    assert_ne!(http::html_title(&body).as_deref(), Some("Camera Live View"));

    // Same connection (keep-alive): a wrong password, then the right one.
    let wrong = http::encode_basic_auth("admin", "admin");
    let (head, _) = exchange(&mut s, &get("x", Some(&wrong))).await;
    assert_eq!(head.status, 401);
    let right = http::encode_basic_auth("admin", "lab-cam-pass");
    let (head, body) = exchange(&mut s, &get("x", Some(&right))).await;
    assert_eq!(head.status, 200);
    assert_eq!(http::html_title(&body).as_deref(), Some("Camera Live View"));

    // Many clients at once are all served.
    let addr = endpoint(&lab, "camera-01", "http");
    let clients: Vec<_> = (0..40)
        .map(|_| {
            tokio::spawn(async move {
                let mut s = TcpStream::connect(addr).await.unwrap();
                exchange(&mut s, &get("x", None)).await.0.status
            })
        })
        .collect();
    for c in clients {
        assert_eq!(c.await.unwrap(), 401);
    }
    lab.shutdown().await;
}

#[tokio::test]
async fn http_garbage_gets_400_and_a_close() {
    let lab = lab(2).await;
    let mut s = connect(&lab, "camera-01", "http").await;
    let (head, _) = exchange(&mut s, b"\x16\x03\x01\x00\xa5garbage\r\n\r\n").await;
    assert_eq!(head.status, 400);
    assert!(closes(&mut s).await);
    // An oversized head is refused too, and the device still serves.
    let mut s = connect(&lab, "camera-01", "http").await;
    let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
    big.resize(20_000, b'a');
    let _ = s.write_all(&big).await;
    assert!(closes(&mut s).await);
    let mut s = connect(&lab, "camera-01", "http").await;
    assert_eq!(exchange(&mut s, &get("x", None)).await.0.status, 401);
    lab.shutdown().await;
}

/// Accepts any certificate: the test inspects what the server presents.
#[derive(Debug)]
struct AcceptAny(Arc<CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn unix_now() -> i64 {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
    i64::try_from(secs).unwrap()
}

#[tokio::test]
async fn camera_https_presents_an_expired_self_signed_certificate() {
    let lab = lab(3).await;
    let config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny(provider())))
        .with_no_client_auth();
    let tcp = connect(&lab, "camera-01", "https").await;
    let name = ServerName::try_from("camera-01.demo-city.test").unwrap();
    let mut tls = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await
        .expect("handshake");
    let der = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
    let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
    let cn = cert.subject().iter_common_name().next().unwrap();
    assert_eq!(cn.as_str().unwrap(), "IPC");
    assert_eq!(cert.subject().as_raw(), cert.issuer().as_raw(), "self-signed");
    assert!(cert.subject_alternative_name().unwrap().is_none());
    let now = unix_now();
    let day = 86_400;
    let not_after = cert.validity().not_after.timestamp();
    let not_before = cert.validity().not_before.timestamp();
    assert!((now - not_after - 30 * day).abs() < day, "expired 30 days ago");
    assert!(now - not_before > 600 * day, "issued about two years ago");
    // The same web application answers inside TLS.
    let (head, _) = exchange(&mut tls, &get("camera-01.demo-city.test", None)).await;
    assert_eq!(head.status, 401);
    lab.shutdown().await;
}

#[tokio::test]
async fn portal_certificate_chains_to_the_lab_ca_on_tls12_and_tls13() {
    let lab = lab(4).await;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(LAB_CA_PEM.as_bytes()).unwrap())
        .unwrap();
    for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
        let config = rustls::ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&[version])
            .unwrap()
            .with_root_certificates(roots.clone())
            .with_no_client_auth();
        let tcp = connect(&lab, "portal", "https").await;
        let name = ServerName::try_from("portal.demo-city.test").unwrap();
        let mut tls = TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .expect("verified handshake");
        assert_eq!(tls.get_ref().1.protocol_version(), Some(version.version));
        let (head, body) = exchange(&mut tls, &get("portal.demo-city.test", None)).await;
        assert_eq!(head.status, 200);
        assert_eq!(head.header("server"), Some("lab-portal"));
        assert_eq!(
            http::html_title(&body).as_deref(),
            Some("Demo City services portal")
        );
    }
    lab.shutdown().await;
}

#[test]
fn portal_certificate_names_the_lab_ca_as_issuer() {
    let (der, _) = certs::portal_cert().unwrap();
    let (_, leaf) = x509_parser::parse_x509_certificate(&der).unwrap();
    let ca_der = CertificateDer::from_pem_slice(LAB_CA_PEM.as_bytes()).unwrap();
    let (_, ca) = x509_parser::parse_x509_certificate(&ca_der).unwrap();
    assert_eq!(leaf.issuer().as_raw(), ca.subject().as_raw());
    let key_id = |c: &x509_parser::certificate::X509Certificate<'_>, subject: bool| {
        c.extensions().iter().find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) if subject => {
                Some(k.0.to_vec())
            }
            x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(a) if !subject => {
                a.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        })
    };
    assert_eq!(key_id(&leaf, false), key_id(&ca, true));
    let now = unix_now();
    assert!(leaf.validity().not_before.timestamp() < now - 3600);
    assert!(leaf.validity().not_after.timestamp() > now + 89 * 86_400);
}

#[tokio::test]
async fn mqtt_broker_accepts_anonymous_clients_and_answers_pings() {
    let lab = lab(5).await;
    let mut s = connect(&lab, "broker-01", "mqtt").await;
    let connect_packet = mqtt::encode_connect(&mqtt::Connect {
        protocol_level: 4,
        client_id: "lab-test".into(),
        username: None,
        password: None,
        keep_alive: 30,
        clean_session: true,
    });
    s.write_all(&connect_packet).await.unwrap();
    let buf = read_until(&mut s, |b| mqtt::decode_connack(b).is_ok()).await;
    let (ack, _) = mqtt::decode_connack(&buf).unwrap();
    assert_eq!(ack.return_code, 0);
    s.write_all(&[0xC0, 0x00]).await.unwrap();
    assert_eq!(read_until(&mut s, |b| b.len() >= 2).await, [0xD0, 0x00]);
    s.write_all(&mqtt::encode_disconnect()).await.unwrap();
    assert!(closes(&mut s).await);

    // Garbage instead of CONNECT: closed without an answer.
    let mut s = connect(&lab, "broker-01", "mqtt").await;
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").await.unwrap();
    assert!(closes(&mut s).await);
    lab.shutdown().await;
}

async fn snmp_get(lab: &Lab, version: snmp::Version, community: &[u8], oids: &[snmp::Oid]) -> Option<snmp::Message> {
    let agent = endpoint(lab, "streetlight-01", "snmp");
    let sock = UdpSocket::bind((agent.ip(), 0)).await.unwrap();
    let req = snmp::get_request(version, community, 4242, oids);
    sock.send_to(&snmp::encode(&req), agent).await.unwrap();
    let mut buf = vec![0u8; 65536];
    let (n, _) = tokio::time::timeout(Duration::from_millis(300), sock.recv_from(&mut buf))
        .await
        .ok()?
        .ok()?;
    Some(snmp::decode(&buf[..n]).expect("a decodable response"))
}

#[tokio::test]
async fn snmp_agent_answers_public_and_ignores_other_communities() {
    let lab = lab(6).await;
    for version in [snmp::Version::V1, snmp::Version::V2c] {
        let resp = snmp_get(&lab, version, b"public", &snmp::oids::system_group())
            .await
            .expect("an answer for public");
        assert_eq!(resp.pdu.kind, snmp::PduType::GetResponse);
        assert_eq!(resp.pdu.request_id, 4242);
        assert_eq!(resp.pdu.error_status, 0);
        assert_eq!(resp.pdu.varbinds.len(), 6);
        assert_eq!(
            resp.pdu.varbinds[0],
            (
                snmp::oids::sys_descr(),
                snmp::Value::OctetString(SYS_DESCR_FOR_TEST.as_bytes().to_vec())
            )
        );
        let name = &resp.pdu.varbinds[4];
        assert_eq!(name.1, snmp::Value::OctetString(b"slc-200-kade".to_vec()));
    }
    let unknown: snmp::Oid = "1.3.6.1.2.1.2.1.0".parse().unwrap();
    let resp = snmp_get(&lab, snmp::Version::V2c, b"public", &[unknown.clone()])
        .await
        .unwrap();
    assert_eq!(resp.pdu.varbinds, vec![(unknown.clone(), snmp::Value::NoSuchObject)]);
    let resp = snmp_get(&lab, snmp::Version::V1, b"public", &[unknown])
        .await
        .unwrap();
    assert_eq!((resp.pdu.error_status, resp.pdu.error_index), (2, 1));

    let silent = snmp_get(&lab, snmp::Version::V2c, b"private", &snmp::oids::system_group()).await;
    assert!(silent.is_none(), "no answer for another community");
    lab.shutdown().await;
}

const SYS_DESCR_FOR_TEST: &str = "LightLink SLC-200 streetlight controller, firmware 3.2.1";

#[test]
fn snmp_agent_never_answers_set_and_walks_the_system_group() {
    let set = snmp::Message {
        version: snmp::Version::V2c,
        community: b"public".to_vec(),
        pdu: snmp::Pdu {
            kind: snmp::PduType::SetRequest,
            request_id: 1,
            error_status: 0,
            error_index: 0,
            varbinds: vec![(snmp::oids::sys_name(), snmp::Value::OctetString(b"x".to_vec()))],
        },
    };
    assert!(udp::snmp_reply(&snmp::encode(&set), Duration::ZERO).is_none());
    let mut next = set.clone();
    next.pdu.kind = snmp::PduType::GetNextRequest;
    next.pdu.varbinds = vec![("1.3.6.1.2.1.1".parse().unwrap(), snmp::Value::Null)];
    let reply = udp::snmp_reply(&snmp::encode(&next), Duration::from_secs(5)).unwrap();
    let reply = snmp::decode(&reply).unwrap();
    assert_eq!(reply.pdu.varbinds[0].0, snmp::oids::sys_descr());
    let mut state = 0x1234_5678_9abc_def1_u64;
    for len in 0..600 {
        let bytes: Vec<u8> = (0..len % 97)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        let _ = udp::snmp_reply(&bytes, Duration::ZERO);
        let _ = udp::dns_reply(&bytes, &RwLock::new(HashMap::new()));
    }
}

#[tokio::test]
async fn telnet_asks_for_login_and_password_then_gives_up() {
    let lab = lab(7).await;
    let mut s = connect(&lab, "trafficctl-01", "telnet").await;
    let has_prompt = |b: &[u8]| telnet::find_prompt(&telnet::split(b).data).is_some();
    let buf = read_until(&mut s, has_prompt).await;
    let split = telnet::split(&buf);
    assert_eq!(
        split.commands,
        vec![
            telnet::Command::Will(telnet::OPT_ECHO),
            telnet::Command::Will(telnet::OPT_SUPPRESS_GO_AHEAD)
        ]
    );
    let text = String::from_utf8_lossy(&split.data).to_string();
    assert!(text.contains("TRAFCON-5 Intersection Controller v4.1"), "{text}");
    let (kind, _) = telnet::find_prompt(&split.data).unwrap();
    assert_eq!(kind, telnet::PromptKind::Username);

    // A negotiation request is refused, and the login goes on.
    let mut out = telnet::encode(&telnet::Command::Do(telnet::OPT_NAWS));
    out.extend_from_slice(b"admin\r\n");
    s.write_all(&out).await.unwrap();
    let buf = read_until(&mut s, |b| b.ends_with(b"Password: ")).await;
    assert!(buf.starts_with(&[telnet::IAC, telnet::WONT, telnet::OPT_NAWS]));
    let split = telnet::split(&buf);
    assert_eq!(
        telnet::find_prompt(&split.data).map(|p| p.0),
        Some(telnet::PromptKind::Password)
    );
    for attempt in 1..=3 {
        s.write_all(b"secret\r\n").await.unwrap();
        if attempt < 3 {
            let buf = read_until(&mut s, |b| b.ends_with(b"login: ")).await;
            assert!(String::from_utf8_lossy(&buf).contains("Login incorrect"));
            s.write_all(b"admin\r\n").await.unwrap();
            read_until(&mut s, |b| b.ends_with(b"Password: ")).await;
        }
    }
    let rest = read_until(&mut s, |_| false).await;
    assert!(String::from_utf8_lossy(&rest).contains("Login incorrect"));
    assert!(closes(&mut s).await);
    lab.shutdown().await;
}

async fn ftp_say(s: &mut TcpStream, verb: &str, arg: Option<&str>) -> ftp::Reply {
    s.write_all(&ftp::encode_command(verb, arg)).await.unwrap();
    let buf = read_until(s, |b| ftp::parse_reply(b).is_ok()).await;
    ftp::parse_reply(&buf).expect("a reply")
}

#[tokio::test]
async fn ftp_allows_anonymous_and_refuses_other_users() {
    let lab = lab(8).await;
    let mut s = connect(&lab, "ftp-01", "ftp").await;
    let buf = read_until(&mut s, |b| ftp::parse_reply(b).is_ok()).await;
    let banner = ftp::parse_reply(&buf).unwrap();
    assert_eq!(banner.code, 220);
    assert!(banner.text().contains("lab-ftpd 1.0"));
    assert_eq!(ftp_say(&mut s, "USER", Some("anonymous")).await.code, 331);
    assert_eq!(ftp_say(&mut s, "PASS", Some("probe@")).await.code, 230);
    let syst = ftp_say(&mut s, "SYST", None).await;
    assert_eq!((syst.code, syst.text().as_str()), (215, "UNIX Type: L8"));
    assert_eq!(ftp_say(&mut s, "FEAT", None).await.code, 502);
    assert_eq!(ftp_say(&mut s, "USER", Some("admin")).await.code, 331);
    assert_eq!(ftp_say(&mut s, "PASS", Some("admin")).await.code, 530);
    assert_eq!(ftp_say(&mut s, "QUIT", None).await.code, 221);
    assert!(closes(&mut s).await);
    lab.shutdown().await;
}

#[tokio::test]
async fn rtsp_describes_its_stream_without_authentication() {
    let lab = lab(9).await;
    let mut s = connect(&lab, "rtsp-cam-01", "rtsp").await;
    let url = format!("rtsp://{}/live", endpoint(&lab, "rtsp-cam-01", "rtsp"));
    let options = http::encode_request("OPTIONS", &url, "RTSP/1.0", &[("CSeq", "1")]);
    let (head, _) = exchange(&mut s, &options).await;
    assert_eq!((head.protocol.as_str(), head.status), ("RTSP/1.0", 200));
    assert_eq!(head.header("cseq"), Some("1"));
    assert_eq!(head.header("public"), Some("OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN"));
    assert_eq!(head.header("server"), Some("lab-rtspd/1.2"));
    let describe = http::encode_request(
        "DESCRIBE",
        &url,
        "RTSP/1.0",
        &[("CSeq", "2"), ("Accept", "application/sdp")],
    );
    let (head, body) = exchange(&mut s, &describe).await;
    assert_eq!(head.status, 200);
    assert_eq!(head.header("cseq"), Some("2"));
    assert_eq!(head.header("content-type"), Some("application/sdp"));
    assert!(body.starts_with(b"v=0\r\n"));
    lab.shutdown().await;
}

#[tokio::test]
async fn ssh_sends_an_old_dropbear_banner_and_closes_on_garbage() {
    let lab = lab(10).await;
    let mut s = connect(&lab, "gateway-01", "ssh").await;
    let buf = read_until(&mut s, |b| ssh::parse_identification(b).is_ok()).await;
    let id = ssh::parse_identification(&buf).unwrap();
    assert_eq!((id.proto_version.as_str(), id.software.as_str()), ("2.0", "dropbear_2019.78"));
    let _ = s.write_all(&[0u8; 3000]).await;
    assert!(closes(&mut s).await);
    lab.shutdown().await;
}

fn dns_query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    let mut q = Vec::new();
    q.extend_from_slice(&id.to_be_bytes());
    q.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
    for label in name.split('.') {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&1u16.to_be_bytes());
    q
}

/// (rcode, answer count, last four bytes) of a DNS response.
async fn dns_ask(lab: &Lab, name: &str, qtype: u16) -> (u8, u16, [u8; 4]) {
    let sock = UdpSocket::bind((lab.dns_addr().ip(), 0)).await.unwrap();
    sock.send_to(&dns_query(7, name, qtype), lab.dns_addr()).await.unwrap();
    let mut buf = [0u8; 512];
    let (n, _) = tokio::time::timeout(WAIT, sock.recv_from(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(n >= 16 && buf[..2] == [0, 7]);
    let tail = [buf[n - 4], buf[n - 3], buf[n - 2], buf[n - 1]];
    (buf[3] & 0x0f, u16::from_be_bytes([buf[6], buf[7]]), tail)
}

#[tokio::test]
async fn dns_answers_lab_names_and_added_records() {
    let lab = lab(11).await;
    assert_eq!(lab.dns_addr().ip(), IpAddr::V4(Ipv4Addr::new(127, 77, 11, 53)));
    assert_eq!(
        dns_ask(&lab, "portal.demo-city.test", dns::TYPE_A).await,
        (0, 1, [127, 77, 11, 16])
    );
    assert_eq!(
        dns_ask(&lab, "CAMERA-01.demo-city.test", dns::TYPE_A).await,
        (0, 1, [127, 77, 11, 11])
    );
    let (rcode, answers, _) = dns_ask(&lab, "portal.demo-city.test", dns::TYPE_AAAA).await;
    assert_eq!((rcode, answers), (0, 0), "AAAA: NOERROR without answers");
    assert_eq!(dns_ask(&lab, "nowhere.demo-city.test", dns::TYPE_A).await.0, 3);
    lab.add_dns_record("Elsewhere.demo-city.test.", IpAddr::V4(Ipv4Addr::new(127, 99, 0, 1)));
    assert_eq!(
        dns_ask(&lab, "elsewhere.demo-city.test", dns::TYPE_A).await,
        (0, 1, [127, 99, 0, 1])
    );
    lab.shutdown().await;
}

#[tokio::test]
async fn hostile_devices_stall_and_spew() {
    let lab = lab(12).await;
    let mut tarpit = connect(&lab, "tarpit", "unknown").await;
    tarpit.write_all(b"hello?\r\n").await.unwrap();
    let mut one = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_millis(300), tarpit.read(&mut one)).await;
    assert!(read.is_err(), "the tarpit neither answers nor closes");
    let device = lab.device("garbage").unwrap().clone();
    let mut garbage = TcpStream::connect((device.addr, device.port)).await.unwrap();
    let mut all = Vec::new();
    tokio::time::timeout(WAIT, garbage.read_to_end(&mut all))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(all.len(), 4096);
    lab.shutdown().await;
    // Shutdown also ends the tarpit's open connection.
    assert!(closes(&mut tarpit).await);
}

#[tokio::test]
async fn scope_toml_lists_exactly_the_lab() {
    let lab = lab(13).await;
    let text = lab.scope_toml("lab \"test\"", "ca/lab-ca.pem", 750);
    let table: toml::Table = toml::from_str(&text).expect("valid TOML");
    let ports = |t: &str| -> Vec<u16> {
        table["ports"][t]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| u16::try_from(v.as_integer().unwrap()).unwrap())
            .collect()
    };
    for transport in [Transport::Tcp, Transport::Udp] {
        let mut want: Vec<u16> = lab
            .devices()
            .iter()
            .filter(|d| d.transport == transport)
            .map(|d| d.port)
            .collect();
        want.sort_unstable();
        want.dedup();
        assert_eq!(ports(transport.as_str()), want);
    }
    assert_eq!(table["name"].as_str(), Some("lab \"test\""));
    assert_eq!(table["networks"][0]["cidr"].as_str(), Some("127.77.13.0/24"));
    assert_eq!(table["rate"]["timeout_ms"].as_integer(), Some(750));
    assert_eq!(
        table["dns"]["nameservers"][0].as_str(),
        Some(lab.dns_addr().to_string().as_str())
    );
    assert_eq!(table["trust_anchors"][0].as_str(), Some("ca/lab-ca.pem"));
    let scope = crate::scope::Scope::parse(&text, std::path::Path::new("scope.toml")).unwrap();
    let hosts: Vec<&str> = scope.hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(hosts, ["portal.demo-city.test", "camera-01.demo-city.test"]);
    assert_eq!(scope.nameservers, vec![lab.dns_addr()]);
    lab.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_every_listener() {
    let lab = lab(14).await;
    let tcp: Vec<SocketAddr> = lab
        .devices()
        .iter()
        .filter(|d| d.transport == Transport::Tcp)
        .map(|d| SocketAddr::new(d.addr, d.port))
        .collect();
    assert_eq!(tcp.len(), 10);
    for addr in &tcp {
        TcpStream::connect(addr).await.expect("listening before shutdown");
    }
    lab.shutdown().await;
    for addr in &tcp {
        let err = TcpStream::connect(addr).await.expect_err("refused after shutdown");
        assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused, "{addr}");
    }
}

#[tokio::test]
async fn dropping_a_lab_stops_it_too() {
    let lab = lab(15).await;
    let addr = endpoint(&lab, "camera-01", "http");
    drop(lab);
    let mut refused = false;
    for _ in 0..50 {
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused);
}

#[tokio::test]
async fn device_table_and_config() {
    let demo = LabConfig::demo();
    assert_eq!((demo.prefix, demo.fixed_ports, demo.hostile), ([127, 42, 0], true, false));
    let err = Lab::start(LabConfig {
        prefix: [10, 0, 0],
        fixed_ports: false,
        hostile: false,
    })
    .await
    .err()
    .expect("only 127/8");
    assert!(matches!(err, LabError::Bind { .. }));

    let lab = Lab::start(LabConfig {
        prefix: [127, 77, 16],
        fixed_ports: false,
        hostile: false,
    })
    .await
    .unwrap();
    assert!(lab.device("tarpit").is_none() && lab.device("garbage").is_none());
    assert_eq!(lab.network(), "127.77.16.0/24");
    let camera = lab.device("camera-01").unwrap();
    assert_eq!(camera.service, "http");
    assert_eq!(camera.hostname.as_deref(), Some("camera-01.demo-city.test"));
    for d in lab.devices() {
        assert!(d.port != 0);
        match d.addr {
            IpAddr::V4(v4) => assert_eq!(v4.octets()[..3], [127, 77, 16]),
            IpAddr::V6(_) => panic!("lab addresses are IPv4 loopback"),
        }
    }
    lab.shutdown().await;
}
