//! Service identification on ports without a hint: a service that greets
//! late is still heard, and one that waits for the client is not kept
//! waiting for a greeting that never comes. On a port where the server
//! speaks first (FTP's), the greeting is waited for longer than the
//! identification timeout: after two lost handshake packets a server
//! greets 3 s late.

use crate::common;

use std::time::Duration;

use common::{TestDir, scan_json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

async fn listener(addr: &str) -> (TcpListener, u16) {
    let l = TcpListener::bind(format!("{addr}:0")).await.unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

#[tokio::test(flavor = "multi_thread")]
async fn late_ssh_greeting_on_an_unusual_port_is_heard() {
    let (l, port) = listener("127.63.4.1").await;
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            tokio::spawn(async move {
                // Later than the 200 ms the scanner listens first: the
                // greeting then reaches one of the active probes.
                tokio::time::sleep(Duration::from_millis(400)).await;
                let _ = s.write_all(b"SSH-2.0-SlowSSH_1.0\r\n").await;
                tokio::time::sleep(Duration::from_secs(3)).await;
            });
        }
    });
    let dir = TestDir::new("late-ssh");
    let scope = dir.write(
        "scope.toml",
        &format!("name = \"late\"\n[[networks]]\ncidr = \"127.63.4.1/32\"\n[ports]\ntcp = [{port}]\nudp = []\n[rate]\ntimeout_ms = 3000\n"),
    );
    let (doc, _) = scan_json(&dir, &scope).await;
    let o = &doc["assets"][0]["observations"][0];
    assert_eq!(o["protocol"], "ssh", "{o}");
    assert_eq!(o["facts"]["ssh.software"], "SlowSSH_1.0");
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_on_an_unusual_port_does_not_wait_for_a_banner() {
    crate::common::fixed_addresses();
    let lab = stadscan_lab::Lab::start(stadscan_lab::LabConfig {
        prefix: [127, 63, 5],
        fixed_ports: false,
        hostile: false,
    })
    .await
    .unwrap();
    // The lab's legacy TLS controller, on an OS-chosen (unhinted) port.
    let bms = lab.device("bms-01").unwrap().clone();
    let dir = TestDir::new("unhinted-tls");
    let scope = dir.write(
        "scope.toml",
        &format!(
            "name = \"unhinted\"\n[[networks]]\ncidr = \"{}/32\"\n[ports]\ntcp = [{}]\nudp = []\n[rate]\ntimeout_ms = 3000\n",
            bms.addr, bms.port
        ),
    );
    let (doc, _) = scan_json(&dir, &scope).await;
    let o = &doc["assets"][0]["observations"][0];
    assert_eq!(o["protocol"], "tls", "{o}");
    // Listening 200 ms first, then one short TLS attempt.
    assert!(
        o["elapsed_ms"].as_u64().unwrap() < 600,
        "identification took {} ms",
        o["elapsed_ms"]
    );
    lab.shutdown().await;
}

/// An FTP server on `ip`:2121 that greets `delay` after accepting,
/// then answers a login attempt as a server without anonymous access.
async fn slow_ftp(ip: &str, delay: Duration) -> tokio::task::JoinHandle<()> {
    let l = TcpListener::bind(format!("{ip}:2121")).await.unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                let (r, mut w) = s.into_split();
                if w.write_all(b"220 Slow FTP server ready.\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let mut lines = BufReader::new(r).lines();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "USER" => b"331 Password required.\r\n",
                        "PASS" => b"530 Login incorrect.\r\n",
                        "QUIT" => b"221 Bye.\r\n",
                        _ => b"502 Command not implemented.\r\n",
                    };
                    if w.write_all(reply).await.is_err() || verb == "QUIT" {
                        return;
                    }
                }
            });
        }
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn ftp_greeting_later_than_the_timeout_is_heard_on_a_server_first_port() {
    crate::common::fixed_addresses();
    // Greets 2 s after the connect, twice the identification timeout, as
    // a server does whose handshake TCP had to repeat. The greeting wait
    // (`greeting_ms`, by default at least 4.5 s) still hears it; a scope
    // that sets it shorter than the greeting does not. Each case leaves
    // seconds between the greeting and the end of the wait either way, so
    // a slow machine does not turn one into the other.
    let late = slow_ftp("127.63.7.1", Duration::from_secs(2)).await;
    let later = slow_ftp("127.63.7.2", Duration::from_secs(4)).await;
    let dir = TestDir::new("late-ftp");
    let scope_with = |ip: &str, extra: &str| {
        format!(
            "name = \"late-ftp\"\n[[networks]]\ncidr = \"{ip}/32\"\n[ports]\ntcp = [2121]\nudp = []\n\
             [rate]\ntimeout_ms = 1000\n{extra}"
        )
    };
    let scope = dir.write("default.toml", &scope_with("127.63.7.1", ""));
    let (doc, _) = scan_json(&dir, &scope).await;
    let o = &doc["assets"][0]["observations"][0];
    assert_eq!(o["protocol"], "ftp", "{o}");
    assert_eq!(o["facts"]["ftp.banner"], "Slow FTP server ready.", "{o}");
    assert_eq!(o["facts"]["ftp.anonymous"], false, "{o}");

    let scope = dir.write(
        "short.toml",
        &scope_with("127.63.7.2", "greeting_ms = 500\n"),
    );
    let (doc, _) = scan_json(&dir, &scope).await;
    let o = &doc["assets"][0]["observations"][0];
    assert_eq!(o["protocol"], "unknown", "{o}");
    assert_eq!(o["status"], "timeout", "{o}");
    late.abort();
    later.abort();
}
