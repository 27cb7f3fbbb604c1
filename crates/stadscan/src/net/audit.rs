//! The audit trail (`--audit FILE`): one JSON line per connection, SYN or
//! datagram the scanner sent, with what it was for and how many bytes went
//! each way. What a device owner asks for after an incident ("what did your
//! scanner send to my controller at 02:13?").

use std::fs::File;
use std::io::{BufWriter, Write};
use std::net::IpAddr;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::model::{Transport, rfc3339};

/// One line of the trail.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct AuditEntry {
    /// When the connection or datagram started (RFC 3339, milliseconds).
    pub time: String,
    /// The device's address.
    pub target: IpAddr,
    /// 0 for ICMP.
    pub port: u16,
    /// `tcp`, `udp` or `icmp`.
    pub transport: &'static str,
    /// What it was for: `tcp-connect`, `tcp-syn`, `banner`, `tls-handshake`,
    /// `http-get`, `tls-enum`, `snmp-get`...
    pub probe: &'static str,
    /// `open`, `refused`, `timeout`, `sent`, `failed`.
    pub outcome: &'static str,
    /// Bytes the scanner sent: what went over a TCP stream, the UDP
    /// datagram, the 16-byte echo request; 0 for a SYN or a connect that
    /// failed.
    pub bytes_sent: u64,
    /// Bytes the device sent back, counted the same way.
    pub bytes_received: u64,
    /// How long the connection or attempt lasted, in milliseconds.
    pub duration_ms: u64,
}

/// The trail file. Lines are written as connections end; a failure to
/// write is reported once and never stops the scan.
#[derive(Debug)]
pub struct AuditLog {
    out: Mutex<BufWriter<File>>,
}

impl AuditLog {
    /// Creates (or truncates) `path`, readable by the owner only.
    pub fn create(path: &Path) -> std::io::Result<AuditLog> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        Ok(AuditLog {
            out: Mutex::new(BufWriter::new(opts.open(path)?)),
        })
    }

    /// Appends `entry` as one JSON line (buffered: see [`AuditLog::flush`]).
    pub fn record(&self, entry: &AuditEntry) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        let line = serde_json::to_string(entry).unwrap_or_default();
        if writeln!(out, "{line}").is_err() {
            tracing::error!("cannot write the audit trail");
        }
    }

    /// Writes the buffered lines to the file.
    pub fn flush(&self) {
        let mut out = self.out.lock().unwrap_or_else(|p| p.into_inner());
        if out.flush().is_err() {
            tracing::error!("cannot flush the audit trail");
        }
    }
}

/// Now as RFC 3339 with milliseconds.
pub fn now_millis() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let base = rfc3339(d.as_secs() as i64);
    format!("{}.{:03}Z", base.trim_end_matches('Z'), d.subsec_millis())
}

/// A stream that counts the bytes each way and, when dropped, writes its
/// line to the trail (when there is one).
#[derive(Debug)]
pub struct Audited<S> {
    inner: S,
    target: IpAddr,
    port: u16,
    probe: &'static str,
    time: String,
    started: Instant,
    sent: u64,
    received: u64,
    log: Option<Arc<AuditLog>>,
}

impl<S> Audited<S> {
    pub(crate) fn new(
        inner: S,
        target: IpAddr,
        port: u16,
        probe: &'static str,
        log: Option<Arc<AuditLog>>,
    ) -> Self {
        Audited {
            inner,
            target,
            port,
            probe,
            time: now_millis(),
            started: Instant::now(),
            sent: 0,
            received: 0,
            log,
        }
    }

    /// Names what the connection is used for from now on.
    pub fn set_probe(&mut self, probe: &'static str) {
        self.probe = probe;
    }

    /// The wrapped stream.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Bytes written to the stream so far.
    pub fn bytes_sent(&self) -> u64 {
        self.sent
    }
}

impl<S> Drop for Audited<S> {
    fn drop(&mut self) {
        if let Some(log) = &self.log {
            log.record(&AuditEntry {
                time: std::mem::take(&mut self.time),
                target: self.target,
                port: self.port,
                transport: Transport::Tcp.as_str(),
                probe: self.probe,
                outcome: "open",
                bytes_sent: self.sent,
                bytes_received: self.received,
                duration_ms: self.started.elapsed().as_millis() as u64,
            });
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Audited<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let r = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = r {
            this.received += (buf.filled().len() - before) as u64;
        }
        r
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Audited<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        let r = Pin::new(&mut this.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = r {
            this.sent += n as u64;
        }
        r
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn counts_both_ways_and_writes_one_line_on_drop() {
        let dir = std::env::temp_dir().join(format!("stadscan-audit-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("trail.jsonl");
        let log = Arc::new(AuditLog::create(&path).unwrap());
        let (a, mut b) = tokio::io::duplex(1024);
        let mut s = Audited::new(
            a,
            "127.0.0.9".parse().unwrap(),
            8080,
            "tcp-connect",
            Some(log.clone()),
        );
        s.set_probe("http-get");
        s.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        b.write_all(b"HTTP/1.1 200 OK\r\n\r\n").await.unwrap();
        let mut buf = [0u8; 64];
        let n = s.read(&mut buf).await.unwrap();
        drop(s);
        log.flush();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["probe"], "http-get");
        assert_eq!(lines[0]["bytes_sent"], 18);
        assert_eq!(lines[0]["bytes_received"], n as u64);
        assert_eq!(lines[0]["target"], "127.0.0.9");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
