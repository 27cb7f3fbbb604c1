//! The scanner against real third-party servers, not our own lab: Debian's
//! mosquitto and `openssl s_server`, started here on 127.64.0.x. The lab
//! shares our own reading of each protocol; these do not.
//!
//! `.ci/run` installs the packages. Without them the tests fail, unless
//! STADSCAN_SKIP_REAL_SERVERS=1 says to skip them on purpose.

use crate::common;

use std::process::Command;

use common::TestDir;
use common::servers::{Server, available, free_port, rules, s_server, scan_endpoint, spawn};

fn scan(dir: &TestDir, ip: &str, port: u16) -> serde_json::Value {
    scan_endpoint(dir, ip, &[port], &[], "")
}

fn observation(doc: &serde_json::Value) -> serde_json::Value {
    doc["assets"][0]["observations"][0].clone()
}

#[test]
fn mosquitto_with_anonymous_access_is_reported() {
    if !available("mosquitto") {
        return;
    }
    let ip = "127.64.0.1";
    let port = free_port(ip);
    let dir = TestDir::new("mosquitto-anon");
    let conf = dir.write(
        "mosquitto.conf",
        &format!("user root\npersistence false\nlistener {port} {ip}\nallow_anonymous true\n"),
    );
    let _server = spawn(
        Command::new("mosquitto").arg("-c").arg(&conf),
        format!("{ip}:{port}").parse().unwrap(),
    );
    let doc = scan(&dir, ip, port);
    let o = observation(&doc);
    assert_eq!(o["protocol"], "mqtt");
    assert_eq!(o["facts"]["mqtt.connack_code"], 0);
    // Let in anonymously, the broker names itself on $SYS/broker/version.
    let announced = o["facts"]["mqtt.broker_version"].as_str().unwrap();
    assert!(announced.starts_with("mosquitto version 2."), "{announced}");
    let asset = &doc["assets"][0];
    assert_eq!(asset["vendor"], "Eclipse");
    assert_eq!(asset["model"], "Mosquitto");
    assert_eq!(asset["class"], "mqtt-broker");
    assert_eq!(
        rules(&doc),
        vec!["mosquitto-cve-2023-28366", "mqtt-anonymous-access"]
    );
    // Debian patched CVE-2023-28366 into its 2.0.11 package, but the broker
    // announces only the upstream version: the finding must say it rests on
    // a banner and ask for verification, at medium confidence.
    let advisory = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == "mosquitto-cve-2023-28366")
        .unwrap();
    assert_eq!(advisory["confidence"], "medium");
    assert!(
        advisory["message"]
            .as_str()
            .unwrap()
            .contains("verify on the device")
    );
}

#[test]
fn mosquitto_requiring_a_password_is_not_reported() {
    if !available("mosquitto") || !available("mosquitto_passwd") {
        return;
    }
    let ip = "127.64.0.2";
    let port = free_port(ip);
    let dir = TestDir::new("mosquitto-auth");
    let pw = dir.path("passwd");
    let made = Command::new("mosquitto_passwd")
        .args(["-c", "-b"])
        .arg(&pw)
        .args(["sensor", "a-long-random-test-password"])
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let conf = dir.write(
        "mosquitto.conf",
        &format!(
            "user root\npersistence false\nlistener {port} {ip}\nallow_anonymous false\npassword_file {}\n",
            pw.display()
        ),
    );
    let _server = spawn(
        Command::new("mosquitto").arg("-c").arg(&conf),
        format!("{ip}:{port}").parse().unwrap(),
    );
    let doc = scan(&dir, ip, port);
    let o = observation(&doc);
    assert_eq!(o["protocol"], "mqtt");
    // mosquitto answers a missing password with 5 (not authorized).
    assert_eq!(o["facts"]["mqtt.connack_code"], 5);
    assert_eq!(o["facts"]["mqtt.anonymous"], false);
    assert!(rules(&doc).is_empty(), "{:?}", rules(&doc));
}

/// An expired self-signed certificate and key, as PEM files in `dir`.
fn expired_cert(dir: &TestDir) -> (std::path::PathBuf, std::path::PathBuf) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut p = rcgen::CertificateParams::new(vec!["expired.city.test".to_string()]).unwrap();
    p.distinguished_name
        .push(rcgen::DnType::CommonName, "expired.city.test");
    let now = time::OffsetDateTime::now_utc();
    p.not_before = now - time::Duration::days(400);
    p.not_after = now - time::Duration::days(10);
    let cert = p.self_signed(&key).unwrap();
    (
        dir.write("cert.pem", &cert.pem()),
        dir.write("key.pem", &key.serialize_pem()),
    )
}

#[test]
fn openssl_server_with_an_expired_certificate_is_reported() {
    if !available("openssl") {
        return;
    }
    let ip = "127.64.0.3";
    let port = free_port(ip);
    let dir = TestDir::new("openssl-expired");
    let (cert, key) = expired_cert(&dir);
    // Modern settings, so that the certificate is the only problem.
    let modern = [
        "-cipher",
        "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384",
        "-groups",
        "X25519:P-256",
    ];
    let _server = s_server(&cert, &key, ip, port, &modern);
    let doc = scan(&dir, ip, port);
    let o = observation(&doc);
    assert_eq!(o["protocol"], "http", "{o}");
    assert_eq!(o["tls"], true);
    assert_eq!(o["facts"]["cert.expired"], true);
    assert_eq!(o["facts"]["cert.subject"], "CN=expired.city.test");
    assert_eq!(rules(&doc), vec!["cert-expired", "cert-self-signed"]);
}

#[test]
fn openssl_server_speaking_only_tls_1_0_is_still_recognised_as_tls() {
    if !available("openssl") {
        return;
    }
    let ip = "127.64.0.4";
    let port = free_port(ip);
    let dir = TestDir::new("openssl-tls10");
    let (cert, key) = expired_cert(&dir);
    let _server = s_server(
        &cert,
        &key,
        ip,
        port,
        &["-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"],
    );
    let doc = scan(&dir, ip, port);
    let o = observation(&doc);
    assert_eq!(o["protocol"], "tls", "{o}");
    assert!(
        o["facts"]["tls.handshake_error"]
            .as_str()
            .unwrap()
            .contains("alert"),
        "{o}"
    );
}

/// A free UDP port on `ip`.
fn free_udp_port(ip: &str) -> u16 {
    std::net::UdpSocket::bind(format!("{ip}:0"))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn net_snmp_agent_answering_public_is_reported_with_its_sys_descr() {
    if !available("snmpd") {
        return;
    }
    let ip = "127.64.0.5";
    let port = free_udp_port(ip);
    let dir = TestDir::new("snmpd");
    let descr = "Linux gw-kade-01 6.1.0-28-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 x86_64";
    let conf = dir.write(
        "snmpd.conf",
        &format!(
            "agentAddress udp:{ip}:{port}\nrocommunity public 127.0.0.0/8\nsysDescr {descr}\nsysLocation Kade 12\nsysContact ops@city.test\nsysName gw-kade-01\n"
        ),
    );
    let mut child = Command::new("snmpd")
        .args(["-f", "-Lf", "/dev/null", "-C", "-c"])
        .arg(&conf)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("snmpd starts");
    // UDP has no connect to wait for: give the agent a moment to bind.
    std::thread::sleep(std::time::Duration::from_millis(700));
    assert!(child.try_wait().unwrap().is_none(), "snmpd exited at start");
    let _server = Server(child);
    let doc = scan_endpoint(&dir, ip, &[], &[port], "");
    let o = observation(&doc);
    assert_eq!(o["protocol"], "snmp", "{o}");
    assert_eq!(o["facts"]["snmp.sys_descr"], descr);
    assert_eq!(o["facts"]["snmp.sys_name"], "gw-kade-01");
    assert_eq!(o["facts"]["snmp.sys_location"], "Kade 12");
    assert!(
        o["facts"]["snmp.sys_object_id"]
            .as_str()
            .unwrap()
            .starts_with("1.3.6.1.4.1.8072."),
        "Net-SNMP's enterprise OID"
    );
    assert_eq!(rules(&doc), vec!["snmp-public-community"]);
}
