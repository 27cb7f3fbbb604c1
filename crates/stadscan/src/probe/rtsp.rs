//! RTSP: OPTIONS for the server and its methods, then DESCRIBE to learn
//! whether the stream is handed out without credentials.

use tokio::io::{AsyncRead, AsyncWrite};

use super::http::read_message;
use super::{Cx, Step, USER_AGENT};
use crate::model::{Evidence, Observation, clean_text};
use crate::net::io::{ReadEnd, write_all};
use crate::proto::http;

pub(crate) async fn probe<S>(io: &mut S, cx: &Cx<'_>, obs: &mut Observation) -> Step
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let url = format!("rtsp://{}/", cx.authority);
    let options = http::encode_request(
        "OPTIONS",
        &url,
        "RTSP/1.0",
        &[("CSeq", "1"), ("User-Agent", USER_AGENT)],
    );
    if write_all(io, &options, cx.deadline).await.is_err() {
        return Step::Closed;
    }
    let (buf, end) = read_message(io, cx).await;
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
    if let Some(s) = head.header("Server") {
        obs.set("rtsp.server", clean_text(s.as_bytes(), 200));
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

    let describe = http::encode_request(
        "DESCRIBE",
        &url,
        "RTSP/1.0",
        &[
            ("CSeq", "2"),
            ("User-Agent", USER_AGENT),
            ("Accept", "application/sdp"),
        ],
    );
    if write_all(io, &describe, cx.deadline).await.is_ok() {
        let (buf, _) = read_message(io, cx).await;
        if let Ok(d) = http::parse_response_head(&buf) {
            obs.evidence
                .push(Evidence::from_bytes("rtsp-describe", &buf));
            obs.set("rtsp.describe_status", d.status);
            obs.set("rtsp.auth_required", d.status == 401);
            let scheme = d
                .headers_named("WWW-Authenticate")
                .flat_map(http::parse_www_authenticate)
                .next()
                .map(|c| c.scheme);
            if let Some(s) = scheme {
                obs.set("rtsp.auth_scheme", clean_text(s.as_bytes(), 40));
            }
        }
    }
    Step::Identified
}
