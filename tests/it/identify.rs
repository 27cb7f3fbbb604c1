//! Service identification on ports without a hint: a service that greets
//! late is still heard, and one that waits for the client is not kept
//! waiting for a greeting that never comes.

use crate::common;

use std::time::Duration;

use common::{TestDir, scan_json};
use tokio::io::AsyncWriteExt;
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
