//! HTTP: `GET /` and what the answer tells: status, Server, title, and the
//! authentication a web UI asks for (Basic over plain HTTP sends the
//! password in cleartext).

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use super::fetch::message_complete;
use super::{Cx, RESPONSE_LIMIT, Step, USER_AGENT, fetch};
use crate::devinfo::Endpoints;
use crate::model::{Evidence, Observation, Target, clean_text};
use crate::net::Net;
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

/// Largest favicon hashed (bigger ones are pictures, not icons).
const FAVICON_LIMIT: usize = 64 * 1024;

/// Requests after `GET /` identified a plain-HTTP service: the favicon
/// (its hash names many products whose pages say nothing), then the
/// device-information endpoints whose conditions the first answer met,
/// each distinct request asked once. Read requests only; the device's own
/// address only.
pub(crate) async fn follow_up(
    net: &Net,
    target: &Target,
    port: u16,
    endpoints: &Endpoints,
    obs: &mut Observation,
    deadline: Instant,
) {
    if let Some(icon) = fetch::request(
        net,
        target,
        port,
        "http-favicon",
        "GET",
        "/favicon.ico",
        &[],
        &[],
        deadline,
    )
    .await
        && icon.head.status == 200
        && !icon.body.is_empty()
        && icon.body.len() <= FAVICON_LIMIT
        && !icon
            .head
            .header("Content-Type")
            .is_some_and(|t| t.to_ascii_lowercase().contains("text/"))
    {
        obs.set("http.favicon_mmh3", i64::from(favicon_hash(&icon.body)));
    }
    let applicable: Vec<_> = endpoints
        .applicable(&obs.facts)
        .filter(|e| !e.login)
        .cloned()
        .collect();
    // (method, path, body) -> the answer, so a request is asked once.
    type Asked<'a> = Vec<((&'a str, String, String), Option<fetch::Response>)>;
    let mut asked: Asked<'_> = Vec::new();
    for ep in &applicable {
        if tokio::time::Instant::now() >= deadline {
            break;
        }
        let key = (ep.method.as_str(), ep.path.clone(), ep.body.clone());
        let response = match asked.iter().find(|(k, _)| *k == key) {
            Some((_, r)) => r.clone(),
            None => {
                let headers: Vec<(&str, &str)> = ep
                    .headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let r = fetch::request(
                    net,
                    target,
                    port,
                    "http-device-info",
                    ep.method.as_str(),
                    &ep.path,
                    &headers,
                    ep.body.as_bytes(),
                    deadline,
                )
                .await;
                asked.push((key, r.clone()));
                r
            }
        };
        if let Some(r) = response.filter(|r| (200..300).contains(&r.head.status)) {
            ep.apply(&r.body, obs, true);
        }
    }
}

/// The favicon hash public fingerprint lists use: MurmurHash3 (x86,
/// 32-bit, seed 0, as a signed number) of the icon's base64 text with a
/// line break after every 76 characters and at the end.
pub(crate) fn favicon_hash(icon: &[u8]) -> i32 {
    let b64 = crate::proto::http::base64_encode(icon);
    let mut text = Vec::with_capacity(b64.len() + b64.len() / 76 + 1);
    for line in b64.as_bytes().chunks(76) {
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    murmur3_32(&text, 0) as i32
}

fn murmur3_32(data: &[u8], seed: u32) -> u32 {
    const C1: u32 = 0xcc9e_2d51;
    const C2: u32 = 0x1b87_3593;
    let mut h = seed;
    let mut blocks = data.chunks_exact(4);
    for b in blocks.by_ref() {
        let mut k = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        k = k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
        h ^= k;
        h = h.rotate_left(13).wrapping_mul(5).wrapping_add(0xe654_6b64);
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let mut k = 0u32;
        for (i, byte) in tail.iter().enumerate() {
            k |= u32::from(*byte) << (8 * i);
        }
        h ^= k.wrapping_mul(C1).rotate_left(15).wrapping_mul(C2);
    }
    h ^= data.len() as u32;
    h ^= h >> 16;
    h = h.wrapping_mul(0x85eb_ca6b);
    h ^= h >> 13;
    h = h.wrapping_mul(0xc2b2_ae35);
    h ^= h >> 16;
    h
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_anonymous_follow_up_never_asks_a_login_only_endpoint() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let l = tokio::net::TcpListener::bind("127.88.3.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let log = asked.clone();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let mut buf = vec![0u8; 4096];
                let n = s.read(&mut buf).await.unwrap_or(0);
                if let Ok(h) = http::parse_request_head(&buf[..n]) {
                    log.lock().unwrap().push(h.target);
                }
                let _ = s
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 17\r\n\r\n{\"model\":\"M-1\"}")
                    .await;
            }
        });
        let text = r#"
[[endpoint]]
id = "needs-login"
description = "x"
login = true
when = [{ fact = "http.title", regex = 'Box' }]
path = "/private"
extract = [{ fact = "device_info.model", regex = '"model":"([^"]+)"' }]
examples = [{ body = '{"model":"A"}', facts = { "device_info.model" = "A" } }]
"#;
        let endpoints = Endpoints::parse(&[("x.toml", text)]).unwrap();
        let (net, target) = crate::probe::test_net("127.88.3.0/24", "127.88.3.1");
        let mut obs = Observation::new(crate::model::Endpoint::tcp(target.addr(), port), None);
        obs.set("http.title", "Box");
        let deadline = Instant::now() + std::time::Duration::from_secs(5);
        follow_up(&net, &target, port, &endpoints, &mut obs, deadline).await;
        assert_eq!(*asked.lock().unwrap(), ["/favicon.ico"]);
        assert!(obs.fact("device_info.model").is_none());
    }

    #[test]
    fn message_with_content_length_completes_at_the_body_end() {
        let msg = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel";
        assert!(!message_complete(msg));
        assert!(message_complete(
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"
        ));
    }

    #[test]
    fn favicon_hash_is_the_murmur3_of_the_wrapped_base64() {
        // Reference values from Python's mmh3 4.x (`mmh3.hash`), with
        // `base64.encodebytes` for the wrapping.
        assert_eq!(murmur3_32(b"foo", 0) as i32, -156_908_512);
        assert_eq!(favicon_hash(b""), 0);
        assert_eq!(favicon_hash(b"ab"), -1_337_734_885);
        let icon: Vec<u8> = (0..3).flat_map(|_| 0..=255u8).collect();
        assert_eq!(favicon_hash(&icon), 1_836_528_006);
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
