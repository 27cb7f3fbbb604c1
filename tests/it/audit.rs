//! The audit trail: one line per connection or datagram, and the OT-safe
//! profile's limits checked from it (one connection per device at a time,
//! the global rate, and not one byte sent to an OT port).

use crate::common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{TestDir, read_json, run_async};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn trail(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Milliseconds since the epoch from the trail's RFC 3339 time.
fn millis(t: &str) -> i64 {
    // 2026-11-29T05:00:02.123Z: only differences matter, so the date's
    // seconds within the day and the milliseconds are enough for one run.
    let time = &t[11..23];
    let h: i64 = time[0..2].parse().unwrap();
    let m: i64 = time[3..5].parse().unwrap();
    let s: i64 = time[6..8].parse().unwrap();
    let ms: i64 = time[9..12].parse().unwrap();
    ((h * 60 + m) * 60 + s) * 1000 + ms
}

#[tokio::test(flavor = "multi_thread")]
async fn ot_safe_limits_hold_in_the_audit_trail() {
    // An OT device (DNP3 port 20000) that counts every byte it receives, and
    // a web UI on the same address.
    let ot = TcpListener::bind("127.63.6.1:20000").await.unwrap();
    let web = TcpListener::bind("127.63.6.1:0").await.unwrap();
    let web_port = web.local_addr().unwrap().port();
    let ot_bytes = Arc::new(AtomicUsize::new(0));
    let counter = ot_bytes.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = ot.accept().await {
            let counter = counter.clone();
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    counter.fetch_add(n, Ordering::SeqCst);
                }
            });
        }
    });
    tokio::spawn(async move {
        while let Ok((mut s, _)) = web.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 2048];
                let _ = s.read(&mut buf).await;
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\nServer: ot-hmi\r\nContent-Length: 0\r\n\r\n")
                    .await;
            });
        }
    });
    let dir = TestDir::new("audit-ot");
    let scope = dir.write(
        "scope.toml",
        &format!(
            "name = \"ot\"\n[[networks]]\ncidr = \"127.63.6.0/26\"\n[ports]\ntcp = [20000, {web_port}]\nudp = [161]\n\
             [rate]\nprofile = \"ot-safe\"\ntimeout_ms = 1500\n\
             [credentials]\nenabled = true\nbudget_file = \"budget.sqlite\"\n"
        ),
    );
    let (audit, json) = (dir.path("audit.jsonl"), dir.path("out.json"));
    let (out, _) = run_async(vec![
        "scan".into(),
        "--scope".into(),
        scope.display().to_string(),
        "--json".into(),
        json.display().to_string(),
        "--audit".into(),
        audit.display().to_string(),
    ])
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = trail(&audit);
    let doc = read_json(&json);

    // Every connection and datagram is in the trail, inside the scope.
    let net = &doc["stats"]["net"];
    let tcp_lines = lines.iter().filter(|l| l["transport"] == "tcp").count() as u64;
    assert_eq!(
        tcp_lines,
        net["connects"].as_u64().unwrap(),
        "one line per connection"
    );
    assert!(
        lines
            .iter()
            .all(|l| l["target"].as_str().unwrap().starts_with("127.63.6."))
    );
    assert!(
        lines
            .iter()
            .any(|l| l["probe"] == "http-get" && l["bytes_sent"].as_u64().unwrap() > 0)
    );
    assert!(
        lines
            .iter()
            .any(|l| l["transport"] == "udp" && l["probe"] == "snmp-get")
    );

    // Not one byte to the OT port, by the trail and by the device itself.
    for l in lines.iter().filter(|l| l["port"] == 20000) {
        assert_eq!(l["bytes_sent"], 0, "{l}");
        assert!(
            matches!(l["probe"].as_str().unwrap(), "tcp-connect" | "ot-listen"),
            "{l}"
        );
    }
    assert_eq!(ot_bytes.load(Ordering::SeqCst), 0);

    // Credential tests are on in the scope, but not one login reaches a
    // device that exposes an OT protocol (not even its web UI).
    assert!(
        lines
            .iter()
            .all(|l| !l["probe"].as_str().unwrap().starts_with("login-")),
        "a login was tried under ot-safe"
    );
    let web_obs = doc["assets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["observations"].as_array().unwrap())
        .find(|o| o["endpoint"]["port"] == web_port)
        .expect("the web UI was found");
    assert!(
        web_obs["facts"]["cred.skipped"]
            .as_str()
            .is_some_and(|s| s.contains("ot-safe")),
        "{web_obs}"
    );

    // One connection per device at a time.
    let mut by_host: BTreeMap<String, Vec<(i64, i64)>> = BTreeMap::new();
    for l in lines.iter().filter(|l| l["transport"] == "tcp") {
        let start = millis(l["time"].as_str().unwrap());
        let end = start + l["duration_ms"].as_i64().unwrap();
        by_host
            .entry(l["target"].as_str().unwrap().to_string())
            .or_default()
            .push((start, end));
    }
    for (host, mut spans) in by_host {
        spans.sort();
        for w in spans.windows(2) {
            // 2 ms for the rounding of start times and durations.
            assert!(
                w[1].0 + 2 >= w[0].1,
                "{host}: overlapping connections {:?} and {:?}",
                w[0],
                w[1]
            );
        }
    }

    // The global rate: at most 50 new connections or datagrams per second
    // (192 positions here, so an unlimited scan would break it).
    assert!(lines.len() > 150, "{} lines", lines.len());
    let mut starts: Vec<i64> = lines
        .iter()
        .map(|l| millis(l["time"].as_str().unwrap()))
        .collect();
    starts.sort();
    for (i, s) in starts.iter().enumerate() {
        let in_window = starts[i..].iter().take_while(|t| **t < s + 1000).count();
        assert!(in_window <= 51, "{in_window} sends within one second");
    }
}
