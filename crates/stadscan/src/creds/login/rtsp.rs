//! RTSP login: DESCRIBE the stream anonymously, and when the camera asks
//! for credentials (401 with a challenge), DESCRIBE again answering it
//! with Basic or Digest. DESCRIBE only reads the stream description; no
//! SETUP or PLAY is ever sent.

use tokio::io::{AsyncRead, AsyncWrite};

use super::digest::{self, DigestInput, Scheme};
use super::{Attempt, Outcome};
use crate::net::io::{read_until, write_all};
use crate::probe::USER_AGENT;
use crate::proto::ParseError;
use crate::proto::http::{self, ResponseHead};

/// Bytes read of one RTSP answer (head and SDP).
const RESPONSE_LIMIT: usize = 64 * 1024;

/// RTSP DESCRIBE of `rtsp://host:port{path}`, anonymously, then with the
/// credential as the challenge asks.
pub async fn login(a: &Attempt<'_>, path: &str) -> Outcome {
    let url = format!("rtsp://{}{}", super::http::host_header(a), path);
    let Some(mut session) = super::open(a).await else {
        return Outcome::Inconclusive("no RTSP connection".into());
    };
    let Some(first) = describe(&mut session.io, a, &url, 1, None).await else {
        return Outcome::Inconclusive("no RTSP answer to DESCRIBE".into());
    };
    match first.status {
        200 => return Outcome::Inconclusive("stream open without login".into()),
        401 => {}
        s => return Outcome::Inconclusive(format!("RTSP {s} to an anonymous DESCRIBE")),
    }
    let Some(scheme) = digest::choose(first.headers_named("www-authenticate")) else {
        return Outcome::Inconclusive(
            "RTSP 401 without a Basic or Digest challenge this client can answer".into(),
        );
    };
    let password = a.password.expose();
    let auth = match &scheme {
        Scheme::Basic => digest::basic(a.username, password),
        Scheme::Digest(ch) => {
            let Some(cnonce) = digest::new_cnonce() else {
                return Outcome::Inconclusive("no random client nonce available".into());
            };
            digest::authorization(
                ch,
                &DigestInput {
                    method: "DESCRIBE",
                    uri: &url,
                    username: a.username,
                    password,
                    cnonce: &cnonce,
                    nc: 1,
                },
            )
        }
    };
    // The same connection when the camera kept it open, else a new one.
    let mut second = describe(&mut session.io, a, &url, 2, Some(&auth)).await;
    if second.is_none() {
        drop(session);
        if let Some(mut again) = super::open(a).await {
            second = describe(&mut again.io, a, &url, 2, Some(&auth)).await;
        }
    }
    let Some(second) = second else {
        return Outcome::Inconclusive(format!("no RTSP answer to the {} login", scheme.name()));
    };
    match second.status {
        200 => Outcome::Accepted,
        401 | 403 => Outcome::Refused,
        s => Outcome::Inconclusive(format!("RTSP {s} after the {} login", scheme.name())),
    }
}

/// One DESCRIBE and the head of its answer (the SDP is read, not kept).
async fn describe<S>(
    io: &mut S,
    a: &Attempt<'_>,
    url: &str,
    cseq: u32,
    authorization: Option<&str>,
) -> Option<ResponseHead>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let cseq = cseq.to_string();
    let mut headers = vec![
        ("CSeq", cseq.as_str()),
        ("User-Agent", USER_AGENT),
        ("Accept", "application/sdp"),
    ];
    if let Some(v) = authorization {
        headers.push(("Authorization", v));
    }
    let req = http::encode_request("DESCRIBE", url, "RTSP/1.0", &headers);
    write_all(io, &req, a.deadline).await.ok()?;
    let mut buf = Vec::new();
    read_until(io, &mut buf, a.deadline, RESPONSE_LIMIT, answer_complete).await;
    parse_answer(&buf)
}

/// An RTSP head whose protocol is RTSP (an HTTP server on the port is not
/// an RTSP answer).
fn parse_answer(buf: &[u8]) -> Option<ResponseHead> {
    http::parse_response_head(buf)
        .ok()
        .filter(|h| h.protocol.starts_with("RTSP/"))
}

/// RTSP answers without Content-Length have no body (RFC 2326 12.14), and
/// the connection stays open: the head alone completes them.
fn answer_complete(buf: &[u8]) -> bool {
    match http::parse_response_head(buf) {
        Ok(h) => buf.len() >= h.head_len.saturating_add(h.content_length().unwrap_or(0)),
        Err(ParseError::Incomplete) => false,
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    use crate::creds::login::Method;

    type Seen = Arc<Mutex<Vec<http::RequestHead>>>;

    /// A fake RTSP server answering each request on one connection with
    /// `answer` (`None`: silence), keeping the connection open.
    async fn fake<F>(ip: &str, answer: F) -> (SocketAddr, Seen)
    where
        F: Fn(&http::RequestHead) -> Option<Vec<u8>> + Send + Sync + 'static,
    {
        let l = TcpListener::bind(format!("{ip}:0")).await.unwrap();
        let addr = l.local_addr().unwrap();
        let seen: Seen = Arc::default();
        let log = seen.clone();
        let answer = Arc::new(answer);
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                let log = log.clone();
                let answer = answer.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        match http::parse_request_head(&buf) {
                            Ok(h) => {
                                buf.drain(..h.head_len);
                                let reply = answer(&h);
                                log.lock().unwrap().push(h);
                                match reply {
                                    Some(r) => {
                                        if s.write_all(&r).await.is_err() {
                                            return;
                                        }
                                    }
                                    None => {
                                        tokio::time::sleep(Duration::from_secs(30)).await;
                                        return;
                                    }
                                }
                                continue;
                            }
                            Err(ParseError::Incomplete) => {}
                            Err(_) => return,
                        }
                        match s.read(&mut chunk).await {
                            Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                            _ => return,
                        }
                    }
                });
            }
        });
        (addr, seen)
    }

    fn rtsp(status: u16, h: &http::RequestHead, extra: &[(&str, &str)], body: &str) -> Vec<u8> {
        let mut headers = vec![("CSeq", h.header("cseq").unwrap_or("0"))];
        headers.extend_from_slice(extra);
        http::encode_response("RTSP/1.0", status, "X", &headers, body.as_bytes())
    }

    const CHALLENGE: &str = "Digest realm=\"cam\", nonce=\"0123abcd\"";

    /// A camera wanting Digest (no qop, as many do) for admin/secret.
    fn digest_camera(h: &http::RequestHead) -> Option<Vec<u8>> {
        let Some(c) = h
            .header("authorization")
            .and_then(digest::parse_authorization)
        else {
            return Some(rtsp(401, h, &[("WWW-Authenticate", CHALLENGE)], ""));
        };
        let Some(Scheme::Digest(ch)) = digest::choose([CHALLENGE]) else {
            unreachable!()
        };
        let want = digest::response(
            &ch,
            &DigestInput {
                method: &h.method,
                uri: &c.uri,
                username: "admin",
                password: "secret",
                cnonce: "",
                nc: 0,
            },
        );
        if c.response == want && c.uri == h.target {
            Some(rtsp(
                200,
                h,
                &[("Content-Type", "application/sdp")],
                "v=0\r\n",
            ))
        } else {
            Some(rtsp(401, h, &[("WWW-Authenticate", CHALLENGE)], ""))
        }
    }

    async fn try_with(addr: SocketAddr, password: &str, secs: u64) -> Outcome {
        let method = Method::Rtsp {
            path: "/live".into(),
        };
        let wait = Duration::from_secs(secs);
        crate::creds::login::testkit::attempt_at(method, addr, "admin", password, wait).await
    }

    #[tokio::test]
    async fn digest_describe_is_accepted_and_a_wrong_password_refused() {
        let (addr, seen) = fake("127.95.2.1", digest_camera).await;
        assert_eq!(try_with(addr, "secret", 5).await, Outcome::Accepted);
        assert_eq!(try_with(addr, "other", 5).await, Outcome::Refused);
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].method, "DESCRIBE");
        assert_eq!(seen[0].target, format!("rtsp://{addr}/live"));
        assert_eq!(seen[0].header("cseq"), Some("1"));
        assert_eq!(seen[1].header("cseq"), Some("2"));
        assert_eq!(seen[1].header("user-agent"), Some(USER_AGENT));
        assert!(
            seen[1]
                .header("authorization")
                .unwrap()
                .starts_with("Digest ")
        );
        assert!(seen.iter().all(|h| h.method == "DESCRIBE"));
    }

    #[tokio::test]
    async fn basic_is_answered_when_asked() {
        let (addr, _) = fake("127.95.2.2", |h| {
            let ok = h
                .header("authorization")
                .and_then(http::decode_basic_auth)
                .is_some_and(|(u, p)| u == "admin" && p == "secret");
            Some(if ok {
                rtsp(200, h, &[], "")
            } else {
                rtsp(401, h, &[("WWW-Authenticate", "Basic realm=\"cam\"")], "")
            })
        })
        .await;
        assert_eq!(try_with(addr, "secret", 5).await, Outcome::Accepted);
        assert_eq!(try_with(addr, "nope", 5).await, Outcome::Refused);
    }

    #[tokio::test]
    async fn open_streams_and_odd_answers_are_inconclusive() {
        let (open, _) = fake("127.95.2.3", |h| Some(rtsp(200, h, &[], "v=0\r\n"))).await;
        let (http_server, _) = fake("127.95.2.3", |_| {
            Some(http::encode_response("HTTP/1.1", 401, "X", &[], b""))
        })
        .await;
        let (garbage, _) = fake("127.95.2.3", |_| Some(b"\x00\x01\x02\r\n\r\n".to_vec())).await;
        let (no_challenge, _) = fake("127.95.2.3", |h| Some(rtsp(401, h, &[], ""))).await;
        let (not_found, _) = fake("127.95.2.3", |h| Some(rtsp(404, h, &[], ""))).await;
        let (error_after, _) = fake("127.95.2.3", |h| {
            Some(if h.header("authorization").is_some() {
                rtsp(500, h, &[], "")
            } else {
                rtsp(401, h, &[("WWW-Authenticate", CHALLENGE)], "")
            })
        })
        .await;
        for (addr, why) in [
            (open, "stream open without login"),
            (http_server, "no RTSP answer"),
            (garbage, "no RTSP answer"),
            (no_challenge, "without a Basic or Digest challenge"),
            (not_found, "RTSP 404"),
            (error_after, "RTSP 500 after the Digest login"),
        ] {
            match try_with(addr, "secret", 5).await {
                Outcome::Inconclusive(r) => assert!(r.contains(why), "{r} / {why}"),
                other => panic!("{why}: {other:?}"),
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn silence_and_resets_are_inconclusive() {
        let (silent, _) = fake("127.95.2.4", |_| None).await;
        assert!(matches!(
            try_with(silent, "secret", 3).await,
            Outcome::Inconclusive(_)
        ));
        let l = TcpListener::bind("127.95.2.4:0").await.unwrap();
        let reset = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((s, _)) = l.accept().await {
                let _ = s.set_zero_linger();
                drop(s);
            }
        });
        assert!(matches!(
            try_with(reset, "secret", 3).await,
            Outcome::Inconclusive(_)
        ));
    }

    #[test]
    fn answers_complete_at_the_head_or_the_sized_body() {
        assert!(answer_complete(b"RTSP/1.0 401 X\r\nCSeq: 1\r\n\r\n"));
        assert!(!answer_complete(
            b"RTSP/1.0 200 OK\r\nContent-Length: 5\r\n\r\nv="
        ));
        assert!(answer_complete(
            b"RTSP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nv="
        ));
        assert!(!answer_complete(b"RTSP/1.0 200 OK\r\nCSeq"));
        assert!(answer_complete(b"\x00garbage\r\n\r\n"));
        assert!(parse_answer(b"HTTP/1.1 200 OK\r\n\r\n").is_none());
        for input in crate::proto::fuzz::random_inputs(0x575, 200, 120) {
            let _ = answer_complete(&input);
            let _ = parse_answer(&input);
        }
    }
}
