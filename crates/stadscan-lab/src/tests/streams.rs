//! Stream devices: camera HTTP, MQTT, Telnet, FTP, RTSP, SSH and the hostile
//! tarpit and garbage servers, talked to the way a scan would.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{WAIT, closes, connect, endpoint, exchange, get, lab, read_until};
use crate::proto::{ftp, http, mqtt, ssh, telnet};

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
    assert!(
        text.contains("TRAFCON-5 Intersection Controller v4.1"),
        "{text}"
    );
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
    assert_eq!(
        head.header("public"),
        Some("OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN")
    );
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
    assert_eq!(
        (id.proto_version.as_str(), id.software.as_str()),
        ("2.0", "dropbear_2019.78")
    );
    let _ = s.write_all(&[0u8; 3000]).await;
    assert!(closes(&mut s).await);
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
    let mut garbage = TcpStream::connect((device.addr, device.port))
        .await
        .unwrap();
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
async fn every_stream_device_survives_garbage_and_keeps_serving() {
    let lab = lab(17).await;
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let targets: Vec<_> = lab
        .devices()
        .iter()
        .filter(|d| d.transport == crate::Transport::Tcp)
        .map(|d| (d.name.clone(), d.service.clone(), (d.addr, d.port)))
        .collect();
    for round in 0..8 {
        for (name, service, addr) in &targets {
            let len = 1 + round * 700;
            let junk: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 24) as u8
                })
                .collect();
            let mut s = TcpStream::connect(*addr).await.unwrap();
            let _ = s.write_all(&junk).await;
            let _ = s.shutdown().await;
            assert!(
                closes(&mut s).await,
                "{name}/{service} closes after garbage"
            );
        }
    }
    // Everything still answers afterwards.
    let mut s = connect(&lab, "camera-01", "http").await;
    assert_eq!(exchange(&mut s, &get("x", None)).await.0.status, 401);
    let mut s = connect(&lab, "gateway-01", "ssh").await;
    let banner = read_until(&mut s, |b| ssh::parse_identification(b).is_ok()).await;
    assert!(ssh::parse_identification(&banner).is_ok());
    lab.shutdown().await;
}
