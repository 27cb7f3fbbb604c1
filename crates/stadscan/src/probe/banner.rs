//! Server-first banners: listen, then tell SSH, Telnet, FTP and SMTP apart by
//! what the server says; hands over to the Telnet or FTP conversation.

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use super::{BANNER_LIMIT, Cx, Step, ftp, telnet};
use crate::model::{Evidence, Observation, ProbeStatus, clean_text};
use crate::net::io::read_some;
use crate::proto::{ssh, telnet as tproto};

/// Waits until `wait` for the server to speak, then classifies.
pub(crate) async fn listen<S>(io: &mut S, wait: Instant, cx: &Cx<'_>, obs: &mut Observation) -> Step
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match read_some(io, wait, BANNER_LIMIT).await {
        Some(bytes) => classify(io, bytes, cx, obs, true).await,
        None => Step::Silent,
    }
}

/// Listens on an OT port without sending anything.
pub(crate) async fn passive<S>(io: &mut S, cx: &Cx<'_>, obs: &mut Observation) -> Step
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let wait = (Instant::now() + std::time::Duration::from_millis(500)).min(cx.deadline);
    if let Some(bytes) = read_some(io, wait, BANNER_LIMIT).await {
        obs.evidence.push(Evidence::from_bytes("banner", &bytes));
        obs.set("banner.text", clean_text(&bytes, 200));
    }
    obs.set(
        "service.note",
        "OT protocol port: listened only, no probe sent (well-formed OT probes come with device identification)",
    );
    Step::Identified
}

/// Decides what sent `bytes`. `passive` is true when the server spoke first;
/// then unknown text ends the plan (the service talks its own protocol).
pub(crate) async fn classify<S>(
    io: &mut S,
    mut bytes: Vec<u8>,
    cx: &Cx<'_>,
    obs: &mut Observation,
    passive: bool,
) -> Step
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if bytes.starts_with(b"SSH-") || (passive && contains(&bytes, b"\nSSH-")) {
        return ssh_banner(io, bytes, cx, obs).await;
    }
    if starts_with_negotiation(&bytes) {
        return telnet::converse(io, bytes, cx, obs).await;
    }
    if bytes.starts_with(b"220") || bytes.starts_with(b"120") {
        let upper = String::from_utf8_lossy(&bytes).to_ascii_uppercase();
        if upper.contains("SMTP") || (upper.contains("MAIL") && !upper.contains("FTP")) {
            obs.evidence.push(Evidence::from_bytes("banner", &bytes));
            obs.protocol = "smtp".into();
            obs.set("banner.text", clean_text(&bytes, 200));
            return Step::Identified;
        }
        return ftp::converse(io, bytes, cx, obs).await;
    }
    // Mail servers that offer STARTTLS, told apart by their greeting.
    for (prefix, protocol) in [(&b"* OK"[..], "imap"), (&b"+OK"[..], "pop3")] {
        if bytes.starts_with(prefix) {
            obs.evidence.push(Evidence::from_bytes("banner", &bytes));
            obs.protocol = protocol.into();
            obs.set("banner.text", clean_text(&bytes, 200));
            return Step::Identified;
        }
    }
    if tproto::find_prompt(&bytes).is_some() {
        return telnet::converse(io, bytes, cx, obs).await;
    }
    if bytes.starts_with(b"HTTP/") || bytes.starts_with(b"RTSP/") || looks_like_tls(&bytes) {
        return Step::Other(bytes);
    }
    // Give a slow talker a moment to finish its line before judging.
    if passive && !bytes.contains(&b'\n') && bytes.len() < 64 {
        let wait = (Instant::now() + std::time::Duration::from_millis(300)).min(cx.deadline);
        if let Some(more) = read_some(io, wait, BANNER_LIMIT).await {
            bytes.extend(more);
        }
    }
    obs.evidence.push(Evidence::from_bytes("banner", &bytes));
    obs.set("banner.text", clean_text(&bytes, 200));
    if passive {
        obs.protocol = "unknown".into();
        if !telnet::mostly_text(&bytes) {
            obs.status = ProbeStatus::ProtocolError;
        }
        return Step::Identified;
    }
    Step::Other(bytes)
}

async fn ssh_banner<S>(io: &mut S, mut bytes: Vec<u8>, cx: &Cx<'_>, obs: &mut Observation) -> Step
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        match ssh::parse_identification(&bytes) {
            Ok(id) => {
                obs.evidence.push(Evidence::from_bytes(
                    "banner",
                    &bytes[..id.len.min(bytes.len())],
                ));
                obs.protocol = "ssh".into();
                let line = clean_text(&bytes[..id.len.min(bytes.len())], 255);
                obs.set("ssh.banner", line);
                obs.set(
                    "ssh.protocol_version",
                    clean_text(id.proto_version.as_bytes(), 20),
                );
                obs.set("ssh.software", clean_text(id.software.as_bytes(), 120));
                return Step::Identified;
            }
            Err(crate::proto::ParseError::Incomplete) if bytes.len() < BANNER_LIMIT => {
                match read_some(io, cx.deadline, BANNER_LIMIT - bytes.len()).await {
                    Some(more) => bytes.extend(more),
                    None => break,
                }
            }
            Err(_) => break,
        }
    }
    obs.evidence.push(Evidence::from_bytes("banner", &bytes));
    obs.protocol = "ssh".into();
    obs.status = ProbeStatus::ProtocolError;
    obs.set("ssh.banner", clean_text(&bytes, 255));
    Step::Identified
}

/// Telnet servers open with option negotiation: IAC followed by WILL, WONT,
/// DO, DONT or SB. (A stray 0xFF in binary noise is not enough.)
fn starts_with_negotiation(b: &[u8]) -> bool {
    b.len() >= 3 && b[0] == tproto::IAC && (tproto::SB..=tproto::DONT).contains(&b[1])
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A TLS record header: content type 20-23, major version 3.
fn looks_like_tls(b: &[u8]) -> bool {
    b.len() >= 3 && (20..=23).contains(&b[0]) && b[1] == 3 && b[2] <= 4
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_alert_is_recognised_as_tls_not_telnet() {
        assert!(looks_like_tls(&[0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46]));
        assert!(!looks_like_tls(&[0xff, 0xfb, 0x01]));
    }

    #[test]
    fn only_a_leading_negotiation_means_telnet() {
        assert!(starts_with_negotiation(&[
            0xff, 0xfb, 0x01, 0xff, 0xfb, 0x03
        ]));
        assert!(!starts_with_negotiation(&[0x41, 0xff, 0xfb, 0x01]));
        assert!(!starts_with_negotiation(&[0xff, 0x10, 0x01]));
    }

    #[test]
    fn random_bytes_are_not_text() {
        assert!(!telnet::mostly_text(&[0x00, 0x9c, 0xff, 0x13, 0x80, 0x01]));
        assert!(telnet::mostly_text(b"+OK ready\r\n"));
    }
}
