//! Follow-up HTTP requests a probe makes to the device it is already talking
//! to: a UPnP device description, an ONVIF device service, a device
//! information page, a favicon. Only ever to the target's own address: a
//! URL naming another host is not followed (the scope gate would refuse it
//! anyway; not asking keeps the audit trail clean).

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use super::{RESPONSE_LIMIT, USER_AGENT};
use crate::model::Target;
use crate::net::Net;
use crate::net::io::{read_until, write_all};
use crate::proto::http::{self, ResponseHead};

/// A complete HTTP response: the head, and the body with any chunked
/// framing removed.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status line and headers.
    pub head: ResponseHead,
    /// The body, chunked framing removed (the whole response is read up to
    /// 64 KiB).
    pub body: Vec<u8>,
}

/// One HTTP/1.1 request on a fresh connection to `target:port`, answered
/// before `deadline`. `None` when the connection fails, nothing parseable
/// comes back, or a chunked body is cut off.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn request(
    net: &Net,
    target: &Target,
    port: u16,
    label: &'static str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    deadline: Instant,
) -> Option<Response> {
    let conn = tokio::time::timeout_at(deadline, net.connect(target, port, label))
        .await
        .ok()?
        .ok()?;
    let mut stream = conn.stream;
    let host = super::authority(target, port);
    let length = body.len().to_string();
    let mut all: Vec<(&str, &str)> = vec![
        ("Host", &host),
        ("User-Agent", USER_AGENT),
        ("Accept", "*/*"),
        ("Connection", "close"),
    ];
    all.extend_from_slice(headers);
    if !body.is_empty() {
        all.push(("Content-Length", &length));
    }
    let mut req = http::encode_request(method, path, "HTTP/1.1", &all);
    req.extend_from_slice(body);
    let response = exchange(&mut stream, &req, deadline).await;
    drop(conn.permit);
    response
}

/// Writes one complete request on `io` (plain or TLS) and reads its
/// response to the end, within the response limit and before `deadline`.
pub(crate) async fn exchange<S>(io: &mut S, request: &[u8], deadline: Instant) -> Option<Response>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    write_all(io, request, deadline).await.ok()?;
    let mut buf = Vec::new();
    read_until(io, &mut buf, deadline, RESPONSE_LIMIT, message_complete).await;
    parse(&buf)
}

/// Splits a response read to its end (or to the limit) into head and body.
pub(crate) fn parse(buf: &[u8]) -> Option<Response> {
    let head = http::parse_response_head(buf).ok()?;
    if !head.protocol.starts_with("HTTP/") {
        return None;
    }
    let raw = &buf[head.head_len.min(buf.len())..];
    let body = if head.is_chunked() {
        http::decode_chunked(raw)?
    } else {
        match head.content_length() {
            Some(n) => raw[..n.min(raw.len())].to_vec(),
            None => raw.to_vec(),
        }
    };
    Some(Response { head, body })
}

/// The port and path of an `http://` URL that names `target` itself (its
/// address, or the scope host name that led to it). Anything else (another
/// host, https, a malformed URL) is `None`.
pub(crate) fn local_url(url: &str, target: &Target) -> Option<(u16, String)> {
    let rest = url.trim();
    let scheme_end = rest.find("://")?;
    if !rest[..scheme_end].eq_ignore_ascii_case("http") {
        return None;
    }
    let rest = &rest[scheme_end + 3..];
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.contains('@') {
        return None;
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => 80,
            None => return None,
        };
        (h, port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().ok()?),
            None => (authority, 80),
        }
    };
    let same = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip == target.addr(),
        Err(_) => target
            .hostname()
            .is_some_and(|h| h.trim_end_matches('.').eq_ignore_ascii_case(host)),
    };
    if !same || port == 0 || path.chars().any(char::is_whitespace) {
        return None;
    }
    Some((port, path.to_string()))
}

/// True once `buf` holds a whole HTTP or RTSP response (the head and as
/// much body as it announces, by length or chunks), or a head that cannot
/// be parsed, where reading on would not help.
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

    fn target() -> Target {
        Target::admitted(
            "127.42.0.21".parse().unwrap(),
            Some("cam.demo-city.test".into()),
            crate::model::Origin::Host(0),
        )
    }

    #[test]
    fn only_urls_naming_the_target_itself_are_followed() {
        let t = target();
        assert_eq!(
            local_url("http://127.42.0.21:49152/desc.xml", &t),
            Some((49152, "/desc.xml".into()))
        );
        assert_eq!(
            local_url("HTTP://127.42.0.21/onvif/device_service", &t),
            Some((80, "/onvif/device_service".into()))
        );
        assert_eq!(local_url("http://127.42.0.21", &t), Some((80, "/".into())));
        assert_eq!(
            local_url("http://CAM.demo-city.test:8080/x", &t),
            Some((8080, "/x".into()))
        );
        // Another host, another scheme, credentials, junk.
        assert_eq!(local_url("http://127.42.0.22:80/x", &t), None);
        assert_eq!(local_url("http://10.0.0.1/x", &t), None);
        assert_eq!(local_url("https://127.42.0.21/x", &t), None);
        assert_eq!(local_url("http://a@127.42.0.21/x", &t), None);
        assert_eq!(local_url("http://127.42.0.21:99999/x", &t), None);
        assert_eq!(local_url("http://127.42.0.21:0/x", &t), None);
        assert_eq!(local_url("127.42.0.21/x", &t), None);
        assert_eq!(local_url("http://127.42.0.21/a b", &t), None);
    }

    #[test]
    fn chunked_and_sized_bodies_are_unframed() {
        let r =
            parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
                .unwrap();
        assert_eq!(r.body, b"abc");
        let r = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabcdef").unwrap();
        assert_eq!(r.body, b"ab");
        assert!(parse(b"RTSP/1.0 200 OK\r\n\r\n").is_none());
        assert!(parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n9\r\nabc").is_none());
    }
}
