//! Tests of the lab devices, each lab on its own `127.77.N.0/24` with
//! OS-chosen ports; answers are read with the same proto functions as a scan.

mod datagrams;
mod lifecycle;
mod streams;
mod tls;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustls::crypto::CryptoProvider;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{Lab, LabConfig};
use crate::proto::http;

pub(super) const WAIT: Duration = Duration::from_secs(5);

pub(super) async fn lab(n: u8) -> Lab {
    Lab::start(LabConfig {
        prefix: [127, 77, n],
        fixed_ports: false,
        hostile: true,
    })
    .await
    .expect("lab starts")
}

pub(super) fn endpoint(lab: &Lab, name: &str, service: &str) -> SocketAddr {
    let d = lab
        .device_service(name, service)
        .unwrap_or_else(|| panic!("{name}/{service} in the lab"));
    SocketAddr::new(d.addr, d.port)
}

pub(super) async fn connect(lab: &Lab, name: &str, service: &str) -> TcpStream {
    TcpStream::connect(endpoint(lab, name, service))
        .await
        .expect("connect")
}

/// Reads until `done` says the bytes are enough, the peer closes, or 5 s pass.
pub(super) async fn read_until<S, F>(s: &mut S, done: F) -> Vec<u8>
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
pub(super) async fn closes<S: AsyncRead + Unpin>(s: &mut S) -> bool {
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
pub(super) async fn exchange<S>(s: &mut S, request: &[u8]) -> (http::ResponseHead, Vec<u8>)
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

pub(super) fn get(host: &str, auth: Option<&str>) -> Vec<u8> {
    let mut headers = vec![("Host", host), ("User-Agent", "lab-test")];
    if let Some(a) = auth {
        headers.push(("Authorization", a));
    }
    http::encode_request("GET", "/", "HTTP/1.1", &headers)
}

pub(super) fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

pub(super) fn unix_now() -> i64 {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    i64::try_from(secs).unwrap()
}
