//! HTTP: `GET /` and what the answer tells: status, Server, title, and the
//! authentication a web UI asks for (Basic over plain HTTP sends the
//! password in cleartext).

use tokio::io::{AsyncRead, AsyncWrite};

use super::{Cx, RESPONSE_LIMIT, Step, USER_AGENT};
use crate::model::{Evidence, Observation, clean_text};
use crate::net::io::{ReadEnd, read_until, write_all};
use crate::proto::http::{self, ResponseHead};

pub(crate) async fn probe<S>(io: &mut S, cx: &Cx<'_>, obs: &mut Observation) -> Step
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let req = http::encode_request(
        "GET",
        "/",
        "HTTP/1.1",
        &[
            ("Host", &cx.authority),
            ("User-Agent", USER_AGENT),
            ("Accept", "*/*"),
            ("Connection", "close"),
        ],
    );
    if write_all(io, &req, cx.deadline).await.is_err() {
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
        Ok(h) if h.protocol.starts_with("HTTP/") => h,
        Err(crate::proto::ParseError::TooLarge { .. }) if buf.starts_with(b"HTTP/") => {
            // HTTP, but a head that never ends (a header flood).
            obs.evidence.push(Evidence::from_bytes("http-get", &buf));
            obs.protocol = "http".into();
            obs.status = crate::model::ProbeStatus::ProtocolError;
            obs.set(
                "service.note",
                "HTTP response head larger than the limit (header flood)",
            );
            return Step::Identified;
        }
        _ => return Step::Other(buf),
    };
    obs.evidence.push(Evidence::from_bytes("http-get", &buf));
    obs.protocol = "http".into();
    record(&head, &buf[head.head_len.min(buf.len())..], obs);
    Step::Identified
}

fn record(head: &ResponseHead, body: &[u8], obs: &mut Observation) {
    obs.set("http.status", head.status);
    if let Some(v) = head.header("Server") {
        obs.set("http.server", clean_text(v.as_bytes(), 200));
    }
    if let Some(v) = head.header("X-Powered-By") {
        obs.set("http.powered_by", clean_text(v.as_bytes(), 200));
    }
    if (300..400).contains(&head.status)
        && let Some(v) = head.header("Location")
    {
        obs.set("http.location", clean_text(v.as_bytes(), 300));
    }
    if let Some(t) = http::html_title(body) {
        obs.set("http.title", clean_text(t.as_bytes(), 200));
    }
    let challenges: Vec<_> = head
        .headers_named("WWW-Authenticate")
        .flat_map(http::parse_www_authenticate)
        .collect();
    if let Some(c) = challenges.first() {
        obs.set("http.auth_scheme", clean_text(c.scheme.as_bytes(), 40));
        if let Some(r) = &c.realm {
            obs.set("http.auth_realm", clean_text(r.as_bytes(), 200));
        }
    }
}

/// Reads one HTTP/RTSP message: the head, then the body as far as its
/// length says (or until close), within the response limit.
pub(crate) async fn read_message<S>(io: &mut S, cx: &Cx<'_>) -> (Vec<u8>, ReadEnd)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = Vec::new();
    let end = read_until(io, &mut buf, cx.deadline, RESPONSE_LIMIT, message_complete).await;
    (buf, end)
}

pub(crate) fn message_complete(buf: &[u8]) -> bool {
    match http::parse_response_head(buf) {
        Ok(head) => {
            if let Some(len) = head.content_length() {
                buf.len() >= head.head_len.saturating_add(len)
            } else if head.is_chunked() {
                buf.ends_with(b"0\r\n\r\n")
            } else {
                // 1xx, 204 and 304 carry no body; others run to the close.
                head.status < 200 || head.status == 204 || head.status == 304
            }
        }
        Err(crate::proto::ParseError::Incomplete) => false,
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_with_content_length_completes_at_the_body_end() {
        let msg = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel";
        assert!(!message_complete(msg));
        assert!(message_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
        ));
    }

    #[test]
    fn garbage_ends_the_read_at_once() {
        assert!(message_complete(b"\x00\x01\x02 not http at all\r\n\r\n"));
    }

    #[test]
    fn basic_realm_and_title_become_facts() {
        let raw = b"HTTP/1.1 401 Unauthorized\r\nServer: cam\r\nWWW-Authenticate: Basic realm=\"IP Camera\"\r\nContent-Length: 27\r\n\r\n<title>Login\x07 page</title>";
        let head = http::parse_response_head(raw).unwrap();
        let mut obs = Observation::new(
            crate::model::Endpoint::tcp("127.0.0.1".parse().unwrap(), 80),
            None,
        );
        record(&head, &raw[head.head_len..], &mut obs);
        assert_eq!(obs.fact("http.auth_scheme").unwrap().render(), "basic");
        assert_eq!(obs.fact("http.auth_realm").unwrap().render(), "IP Camera");
        assert_eq!(obs.fact("http.status").unwrap().render(), "401");
        assert_eq!(obs.fact("http.title").unwrap().render(), "Login page");
    }
}
