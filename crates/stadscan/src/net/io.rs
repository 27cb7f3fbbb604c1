//! Bounded reads and writes on any stream (plain TCP or TLS): every read has a
//! deadline and a byte limit, so a tarpit or a firehose costs at most that.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

/// Why a bounded read stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadEnd {
    /// The `done` predicate accepted the bytes.
    Complete,
    /// The peer closed the connection.
    Closed,
    /// The deadline passed.
    Timeout,
    /// The byte limit was reached.
    Limit,
    /// The connection failed (reset...).
    Failed,
}

/// Appends to `buf` until `done(buf)` is true, the peer closes, `max` bytes
/// are buffered, or `deadline` passes.
pub async fn read_until<S, F>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    deadline: Instant,
    max: usize,
    mut done: F,
) -> ReadEnd
where
    S: AsyncRead + Unpin,
    F: FnMut(&[u8]) -> bool,
{
    if done(buf) {
        return ReadEnd::Complete;
    }
    let mut chunk = [0u8; 4096];
    loop {
        if buf.len() >= max {
            return ReadEnd::Limit;
        }
        let room = (max - buf.len()).min(chunk.len());
        match tokio::time::timeout_at(deadline, stream.read(&mut chunk[..room])).await {
            Err(_) => return ReadEnd::Timeout,
            Ok(Ok(0)) => return ReadEnd::Closed,
            Ok(Ok(n)) => {
                buf.extend_from_slice(&chunk[..n]);
                if done(buf) {
                    return ReadEnd::Complete;
                }
            }
            Ok(Err(_)) => return ReadEnd::Failed,
        }
    }
}

/// Reads whatever arrives next (at most `max` bytes) before `deadline`.
/// `None` on timeout, close or failure.
pub async fn read_some<S>(stream: &mut S, deadline: Instant, max: usize) -> Option<Vec<u8>>
where
    S: AsyncRead + Unpin,
{
    let mut buf = vec![0u8; max.clamp(1, 65_536)];
    match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
        Ok(Ok(n)) if n > 0 => {
            buf.truncate(n);
            Some(buf)
        }
        _ => None,
    }
}

/// Writes all of `bytes` before `deadline`. A peer that does not read (a full
/// window) counts as a timeout.
pub async fn write_all<S>(stream: &mut S, bytes: &[u8], deadline: Instant) -> Result<(), ReadEnd>
where
    S: AsyncWrite + Unpin,
{
    match tokio::time::timeout_at(deadline, async {
        stream.write_all(bytes).await?;
        stream.flush().await
    })
    .await
    {
        Err(_) => Err(ReadEnd::Timeout),
        Ok(Err(_)) => Err(ReadEnd::Failed),
        Ok(Ok(())) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn stops_at_the_byte_limit() {
        let (mut a, mut b) = tokio::io::duplex(64 * 1024);
        tokio::spawn(async move {
            let _ = b.write_all(&[7u8; 50_000]).await;
        });
        let mut buf = Vec::new();
        let end = read_until(
            &mut a,
            &mut buf,
            Instant::now() + Duration::from_secs(5),
            10_000,
            |_| false,
        )
        .await;
        assert_eq!(end, ReadEnd::Limit);
        assert_eq!(buf.len(), 10_000);
    }

    #[tokio::test(start_paused = true)]
    async fn silent_peer_costs_the_deadline() {
        let (mut a, _b) = tokio::io::duplex(1024);
        let mut buf = Vec::new();
        let start = Instant::now();
        let end = read_until(
            &mut a,
            &mut buf,
            start + Duration::from_secs(3),
            100,
            |_| false,
        )
        .await;
        assert_eq!(end, ReadEnd::Timeout);
        assert_eq!(start.elapsed(), Duration::from_secs(3));
    }

    #[tokio::test]
    async fn completes_when_the_predicate_is_met() {
        let (mut a, mut b) = tokio::io::duplex(1024);
        b.write_all(b"220 ready\r\nmore").await.unwrap();
        let mut buf = Vec::new();
        let end = read_until(
            &mut a,
            &mut buf,
            Instant::now() + Duration::from_secs(5),
            100,
            |b| b.windows(2).any(|w| w == b"\r\n"),
        )
        .await;
        assert_eq!(end, ReadEnd::Complete);
    }
}
