//! RTSP: OPTIONS for the server and its methods, then DESCRIBE to learn
//! whether a stream is handed out without credentials: first of `/`, then,
//! when the root describes nothing, of the stream paths vendors document
//! (`checks/rtsp-streams/`, at most [`crate::streams::MAX_TRIED`]), on the
//! same connection. Never SETUP or PLAY: no video flows.

use tokio::io::{AsyncRead, AsyncWrite};

use super::{Cx, RESPONSE_LIMIT, Step, USER_AGENT};
use crate::model::{Evidence, Observation, clean_text};
use crate::net::io::{ReadEnd, read_until, write_all};
use crate::proto::http;

pub(crate) async fn probe<S>(io: &mut S, cx: &Cx<'_>, obs: &mut Observation) -> Step
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let url = |path: &str| format!("rtsp://{}{path}", cx.authority);
    let options = http::encode_request(
        "OPTIONS",
        &url("/"),
        "RTSP/1.0",
        &[("CSeq", "1"), ("User-Agent", USER_AGENT)],
    );
    if write_all(io, &options, cx.deadline).await.is_err() {
        return Step::Closed;
    }
    let (buf, end) = read_rtsp(io, cx).await;
    if buf.is_empty() {
        return if end == ReadEnd::Timeout {
            Step::Silent
        } else {
            Step::Closed
        };
    }
    let head = match http::parse_response_head(&buf) {
        Ok(h) if h.protocol.starts_with("RTSP/") => h,
        _ => return Step::Other(buf),
    };
    obs.evidence
        .push(Evidence::from_bytes("rtsp-options", &buf));
    obs.protocol = "rtsp".into();
    let server = head.header("Server").map(|s| clean_text(s.as_bytes(), 200));
    if let Some(s) = &server {
        obs.set("rtsp.server", s.clone());
    }
    if let Some(p) = head.header("Public") {
        let methods: Vec<String> = p
            .split(',')
            .map(|m| clean_text(m.trim().as_bytes(), 30))
            .filter(|m| !m.is_empty())
            .take(20)
            .collect();
        obs.set("rtsp.public", methods);
    }

    let mut cseq = 2;
    let Some(root) = describe(io, cx, &url("/"), cseq).await else {
        return Step::Identified;
    };
    obs.evidence
        .push(Evidence::from_bytes("rtsp-describe", &root.raw));
    obs.set("rtsp.describe_status", i64::from(root.status));
    obs.set("rtsp.auth_required", root.status == 401);
    if let Some(s) = &root.auth_scheme {
        obs.set("rtsp.auth_scheme", s.clone());
    }
    if root.sdp {
        obs.set("rtsp.stream_path", "/");
        return Step::Identified;
    }
    // The root describes no stream: ask where the vendors put theirs.
    let mut tried: i64 = 0;
    for path in cx.streams.for_server(server.as_deref()) {
        cseq += 1;
        tried += 1;
        let Some(d) = describe(io, cx, &url(path), cseq).await else {
            // Closed, or out of time: the rest stays unasked.
            break;
        };
        if d.sdp {
            obs.evidence
                .push(Evidence::from_bytes("rtsp-describe-path", &d.raw));
            obs.set("rtsp.stream_path", path);
            break;
        }
    }
    obs.set("rtsp.paths_tried", tried);
    Step::Identified
}

/// What one DESCRIBE brought back.
struct Described {
    status: u16,
    /// 200 with a session description (the stream is open to the asker).
    sdp: bool,
    auth_scheme: Option<String>,
    raw: Vec<u8>,
}

/// DESCRIBE of `url`; `None` when no RTSP answer came (closed, silent,
/// garbage).
async fn describe<S>(io: &mut S, cx: &Cx<'_>, url: &str, cseq: u32) -> Option<Described>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let cseq = cseq.to_string();
    let request = http::encode_request(
        "DESCRIBE",
        url,
        "RTSP/1.0",
        &[
            ("CSeq", cseq.as_str()),
            ("User-Agent", USER_AGENT),
            ("Accept", "application/sdp"),
        ],
    );
    write_all(io, &request, cx.deadline).await.ok()?;
    let (raw, _) = read_rtsp(io, cx).await;
    let head = http::parse_response_head(&raw).ok()?;
    if !head.protocol.starts_with("RTSP/") {
        return None;
    }
    let body = raw.get(head.head_len..).unwrap_or_default();
    let sdp = head.status == 200
        && (head
            .header("Content-Type")
            .is_some_and(|t| t.trim().to_ascii_lowercase().starts_with("application/sdp"))
            || body.starts_with(b"v=0"));
    let auth_scheme = head
        .headers_named("WWW-Authenticate")
        .flat_map(http::parse_www_authenticate)
        .next()
        .map(|c| clean_text(c.scheme.as_bytes(), 40));
    Some(Described {
        status: head.status,
        sdp,
        auth_scheme,
        raw,
    })
}

/// Reads one RTSP response: its head, and its body when Content-Length
/// announces one (RFC 2326 12.14: none means no body).
async fn read_rtsp<S>(io: &mut S, cx: &Cx<'_>) -> (Vec<u8>, ReadEnd)
where
    S: AsyncRead + Unpin,
{
    let mut buf = Vec::new();
    let end = read_until(io, &mut buf, cx.deadline, RESPONSE_LIMIT, |b| {
        match http::parse_response_head(b) {
            Ok(head) if head.protocol.starts_with("RTSP/") => {
                b.len()
                    >= head
                        .head_len
                        .saturating_add(head.content_length().unwrap_or(0))
            }
            // Not RTSP: another protocol's rules.
            Ok(_) => super::fetch::message_complete(b),
            Err(crate::proto::ParseError::Incomplete) => false,
            Err(_) => true,
        }
    })
    .await;
    (buf, end)
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::time::Instant;

    use super::*;
    use crate::model::{Endpoint, FactValue, Origin, Target};
    use crate::streams::StreamPaths;

    const PATHS: &str = r#"
[[group]]
id = "generic"
paths = ["/live", "/stream1"]
source = "test"

[[group]]
id = "hik"
vendor = "Hikvision"
paths = ["/Streaming/Channels/101"]
source = "test"
"#;

    /// A server answering OPTIONS, 404 for every DESCRIBE except of
    /// `open` (an SDP), on one connection; returns every request line.
    async fn camera(
        client: tokio::io::DuplexStream,
        open: &'static str,
        log: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    ) {
        let mut s = client;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                match s.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buf.extend_from_slice(&chunk[..n]),
                }
                continue;
            };
            let request: Vec<u8> = buf.drain(..end + 4).collect();
            let text = String::from_utf8_lossy(&request).to_string();
            let line = text.lines().next().unwrap_or_default().to_string();
            log.lock().unwrap().push(line.clone());
            let cseq = text
                .lines()
                .find_map(|l| l.strip_prefix("CSeq: "))
                .unwrap_or("0")
                .to_string();
            let reply = if line.starts_with("OPTIONS") {
                format!(
                    "RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nServer: test camera\r\nPublic: OPTIONS, DESCRIBE, SETUP, PLAY\r\n\r\n"
                )
            } else if line.contains(&format!(":554{open} ")) {
                let sdp = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=test\r\nm=video 0 RTP/AVP 96\r\n";
                format!(
                    "RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nContent-Type: application/sdp\r\nContent-Length: {}\r\n\r\n{sdp}",
                    sdp.len()
                )
            } else {
                format!("RTSP/1.0 404 Not Found\r\nCSeq: {cseq}\r\n\r\n")
            };
            if s.write_all(reply.as_bytes()).await.is_err() {
                return;
            }
        }
    }

    async fn run(open: &'static str) -> (Observation, Vec<String>) {
        let streams = StreamPaths::parse(&[("t.toml", PATHS)]).unwrap();
        let (mut client, server) = tokio::io::duplex(64 * 1024);
        let log = std::sync::Arc::default();
        tokio::spawn(camera(server, open, std::sync::Arc::clone(&log)));
        let t = Target::admitted("127.0.0.90".parse().unwrap(), None, Origin::Network(0));
        let cx = Cx {
            deadline: Instant::now() + std::time::Duration::from_secs(10),
            target: &t,
            port: 554,
            authority: "127.0.0.90:554".into(),
            streams: &streams,
        };
        let mut obs = Observation::new(Endpoint::tcp(t.addr(), 554), None);
        assert!(matches!(
            probe(&mut client, &cx, &mut obs).await,
            Step::Identified
        ));
        let lines = log.lock().unwrap().clone();
        (obs, lines)
    }

    #[tokio::test]
    async fn a_stream_on_a_vendor_path_is_found_with_describe_only() {
        let (obs, lines) = run("/Streaming/Channels/101").await;
        assert_eq!(obs.protocol, "rtsp");
        assert_eq!(obs.fact("rtsp.describe_status"), Some(&FactValue::Int(404)));
        assert_eq!(
            obs.fact("rtsp.stream_path")
                .map(FactValue::render)
                .as_deref(),
            Some("/Streaming/Channels/101")
        );
        assert_eq!(obs.fact("rtsp.paths_tried"), Some(&FactValue::Int(3)));
        let methods: Vec<&str> = lines.iter().map(|l| l.split(' ').next().unwrap()).collect();
        assert_eq!(
            methods,
            ["OPTIONS", "DESCRIBE", "DESCRIBE", "DESCRIBE", "DESCRIBE"]
        );
        assert!(lines[4].starts_with("DESCRIBE rtsp://127.0.0.90:554/Streaming/Channels/101 "));
    }

    #[tokio::test]
    async fn a_closed_camera_is_asked_every_path_and_reports_none() {
        let (obs, lines) = run("/nowhere").await;
        assert!(obs.fact("rtsp.stream_path").is_none());
        assert_eq!(obs.fact("rtsp.paths_tried"), Some(&FactValue::Int(3)));
        assert!(
            lines
                .iter()
                .all(|l| !l.starts_with("SETUP") && !l.starts_with("PLAY"))
        );
    }

    #[tokio::test]
    async fn a_stream_at_the_root_needs_no_further_path() {
        let (obs, lines) = run("/").await;
        assert_eq!(
            obs.fact("rtsp.stream_path")
                .map(FactValue::render)
                .as_deref(),
            Some("/")
        );
        assert_eq!(lines.len(), 2);
    }
}
