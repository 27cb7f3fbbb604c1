//! The HTTP testers against small fake web servers on 127.95.1.0/24.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::*;
use crate::creds::login::{Csrf, Field, HeaderMatch};
use crate::model::Secret;
use crate::model::{Endpoint as NetEndpoint, Target};
use crate::net::Net;
use crate::proto::http::RequestHead;
use crate::tls::TlsContext;

/// What a fake server saw: each request's head (and body as text).
type Seen = Arc<Mutex<Vec<(RequestHead, String)>>>;

/// A fake server on `ip`: `answer` gives the raw reply to each request
/// (`None`: say nothing and hold the connection until the test ends).
async fn fake<F>(ip: &str, answer: F) -> (SocketAddr, Seen)
where
    F: Fn(&RequestHead, &str) -> Option<Vec<u8>> + Send + Sync + 'static,
{
    let l = TcpListener::bind(format!("{ip}:0")).await.unwrap();
    let addr = l.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = l.accept().await else {
                return;
            };
            let log = log.clone();
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                let head = loop {
                    if let Ok(h) = http::parse_request_head(&buf) {
                        let len = h
                            .header("content-length")
                            .and_then(|v| v.parse::<usize>().ok())
                            .unwrap_or(0);
                        if buf.len() >= h.head_len + len {
                            break h;
                        }
                    }
                    match s.read(&mut chunk).await {
                        Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                        _ => return,
                    }
                };
                let body = String::from_utf8_lossy(&buf[head.head_len..]).into_owned();
                let reply = answer(&head, &body);
                log.lock().unwrap().push((head, body));
                match reply {
                    Some(r) => {
                        let _ = s.write_all(&r).await;
                        let _ = s.shutdown().await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    (addr, seen)
}

fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Option<Vec<u8>> {
    Some(http::encode_response(
        "HTTP/1.1",
        status,
        "X",
        headers,
        body.as_bytes(),
    ))
}

struct Setup {
    net: Net,
    target: Target,
    tls: TlsContext,
    password: Secret,
}

fn setup(ip: &str, password: &str) -> Setup {
    let (net, target) = crate::probe::test_net("127.95.1.0/24", ip);
    Setup {
        net,
        target,
        tls: TlsContext::new(&[]).unwrap(),
        password: Secret::new(password),
    }
}

impl Setup {
    fn attempt<'a>(&'a self, port: u16, method: &'a Method, secs: u64) -> Attempt<'a> {
        Attempt {
            net: &self.net,
            tls: &self.tls,
            target: &self.target,
            port,
            in_tls: false,
            deadline: Instant::now() + Duration::from_secs(secs),
            username: "admin",
            password: &self.password,
            method,
        }
    }
}

fn http_auth() -> Method {
    Method::HttpAuth { path: "/".into() }
}

/// A camera that wants Basic admin/secret on every path.
fn basic_camera(h: &RequestHead, _: &str) -> Option<Vec<u8>> {
    let ok = h
        .header("authorization")
        .and_then(http::decode_basic_auth)
        .is_some_and(|(u, p)| u == "admin" && p == "secret");
    if ok {
        reply(200, &[], "<title>Live</title>")
    } else {
        reply(401, &[("WWW-Authenticate", "Basic realm=\"cam\"")], "")
    }
}

/// A camera that offers Basic and Digest (MD5, qop=auth) and checks the
/// Digest answer for admin/secret; a Basic answer gets 403.
fn digest_camera(h: &RequestHead, _: &str) -> Option<Vec<u8>> {
    let challenge = "Digest realm=\"cam\", nonce=\"abc123\", qop=\"auth\", opaque=\"op\"";
    let Some(auth) = h.header("authorization") else {
        return reply(
            401,
            &[
                ("WWW-Authenticate", "Basic realm=\"cam\""),
                ("WWW-Authenticate", challenge),
            ],
            "",
        );
    };
    let Some(c) = digest::parse_authorization(auth) else {
        return reply(403, &[], "");
    };
    let Some(Scheme::Digest(ch)) = digest::choose([challenge]) else {
        unreachable!()
    };
    let want = digest::response(
        &ch,
        &DigestInput {
            method: &h.method,
            uri: &c.uri,
            username: "admin",
            password: "secret",
            cnonce: c.cnonce.as_deref().unwrap_or(""),
            nc: c.nc.unwrap_or(0),
        },
    );
    if c.username == "admin" && c.response == want && c.uri == h.target {
        reply(200, &[], "ok")
    } else {
        reply(401, &[("WWW-Authenticate", challenge)], "")
    }
}

#[tokio::test]
async fn basic_login_is_accepted_and_a_wrong_password_refused() {
    let (addr, seen) = fake("127.95.1.1", basic_camera).await;
    let m = http_auth();
    let good = setup("127.95.1.1", "secret");
    assert_eq!(
        basic_or_digest(&good.attempt(addr.port(), &m, 5), "/").await,
        Outcome::Accepted
    );
    let bad = setup("127.95.1.1", "wrong");
    assert_eq!(
        basic_or_digest(&bad.attempt(addr.port(), &m, 5), "/").await,
        Outcome::Refused
    );
    let seen = seen.lock().unwrap();
    // Anonymous first, then with the credential; never more.
    assert_eq!(seen.len(), 4);
    assert!(seen[0].0.header("authorization").is_none());
    assert!(
        seen[1]
            .0
            .header("authorization")
            .unwrap()
            .starts_with("Basic ")
    );
    assert_eq!(seen[1].0.header("user-agent"), Some(USER_AGENT));
}

#[tokio::test]
async fn digest_is_preferred_and_checked() {
    let (addr, seen) = fake("127.95.1.2", digest_camera).await;
    let m = http_auth();
    let good = setup("127.95.1.2", "secret");
    assert_eq!(
        basic_or_digest(&good.attempt(addr.port(), &m, 5), "/live?ch=1").await,
        Outcome::Accepted
    );
    let bad = setup("127.95.1.2", "secret2");
    assert_eq!(
        basic_or_digest(&bad.attempt(addr.port(), &m, 5), "/").await,
        Outcome::Refused
    );
    let seen = seen.lock().unwrap();
    let auth = seen[1].0.header("authorization").unwrap();
    assert!(auth.starts_with("Digest "), "{auth}");
    assert!(!auth.contains("secret"));
    assert!(auth.contains("uri=\"/live?ch=1\""));
}

#[tokio::test]
async fn open_pages_and_odd_answers_are_inconclusive() {
    let (open, _) = fake("127.95.1.3", |_, _| reply(200, &[], "hi")).await;
    let (bearer, _) = fake("127.95.1.3", |_, _| {
        reply(401, &[("WWW-Authenticate", "Bearer realm=\"api\"")], "")
    })
    .await;
    let (missing, _) = fake("127.95.1.3", |_, _| reply(404, &[], "")).await;
    let (garbage, _) = fake("127.95.1.3", |_, _| {
        Some(b"\x16\x03\x01garbage\r\n\r\n".to_vec())
    })
    .await;
    let (stale, _) = fake("127.95.1.3", |h, _| {
        let mut c = "Digest realm=\"r\", nonce=\"n\", qop=auth".to_string();
        if h.header("authorization").is_some() {
            c.push_str(", stale=true");
        }
        reply(401, &[("WWW-Authenticate", &c)], "")
    })
    .await;
    let (error, _) = fake("127.95.1.3", |h, _| {
        if h.header("authorization").is_some() {
            reply(500, &[], "")
        } else {
            reply(401, &[("WWW-Authenticate", "Basic realm=\"x\"")], "")
        }
    })
    .await;
    let m = http_auth();
    let s = setup("127.95.1.3", "secret");
    let run = |port: u16| {
        let a = s.attempt(port, &m, 5);
        async move { basic_or_digest(&a, "/admin").await }
    };
    let cases = [
        (open.port(), "no login required at /admin"),
        (bearer.port(), "without a Basic or Digest challenge"),
        (missing.port(), "HTTP 404 without a challenge"),
        (garbage.port(), "no HTTP answer"),
        (stale.port(), "stale"),
        (error.port(), "HTTP 500 after the Basic login"),
    ];
    for (port, why) in cases {
        match run(port).await {
            Outcome::Inconclusive(r) => {
                assert!(r.contains(why), "{r} / {why}");
                assert!(!r.contains("secret"));
            }
            other => panic!("{why}: {other:?}"),
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_silent_server_costs_the_deadline_and_is_inconclusive() {
    let (addr, _) = fake("127.95.1.4", |_, _| None).await;
    let m = http_auth();
    let s = setup("127.95.1.4", "secret");
    let a = s.attempt(addr.port(), &m, 3);
    assert!(matches!(
        basic_or_digest(&a, "/").await,
        Outcome::Inconclusive(_)
    ));
}

#[tokio::test]
async fn a_reset_or_closed_port_is_inconclusive() {
    let l = TcpListener::bind("127.95.1.5:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            // Linger 0: the close is a reset.
            let _ = s.set_zero_linger();
            drop(s);
        }
    });
    let m = http_auth();
    let s = setup("127.95.1.5", "secret");
    assert!(matches!(
        basic_or_digest(&s.attempt(port, &m, 5), "/").await,
        Outcome::Inconclusive(_)
    ));
    // Nothing listens on port 1.
    assert!(matches!(
        basic_or_digest(&s.attempt(1, &m, 5), "/").await,
        Outcome::Inconclusive(_)
    ));
}

/// A streetlight controller with a CSRF-protected form (as in the lab).
fn form_device(h: &RequestHead, body: &str) -> Option<Vec<u8>> {
    let path = h.target.split('?').next().unwrap_or("");
    match (h.method.as_str(), path) {
        ("GET", "/login") => reply(
            200,
            &[("Set-Cookie", "pre=abc; Path=/; HttpOnly")],
            "<form><input type=\"hidden\" name=\"token\" value=\"tok-77\"></form>",
        ),
        ("POST", "/login") => {
            let cookie_ok = h.header("cookie") == Some("pre=abc");
            let good = body == "user=admin&pass=p+%26%3D%C3%A9&token=tok-77";
            if cookie_ok && good {
                reply(
                    302,
                    &[
                        ("Location", "/dashboard"),
                        ("Set-Cookie", "sid=s3ss10n; Path=/"),
                    ],
                    "",
                )
            } else {
                reply(200, &[], "Invalid user name or password")
            }
        }
        ("GET", "/api/device") => {
            if h.header("cookie")
                .is_some_and(|c| c.contains("sid=s3ss10n"))
            {
                reply(
                    200,
                    &[("Content-Type", "application/json")],
                    "{\"vendor\":\"Lumenlab\",\"model\":\"LSC-200\",\"firmware\":\"1.4.2\",\"echo\":\"p &=é\"}",
                )
            } else {
                reply(302, &[("Location", "/login")], "")
            }
        }
        _ => reply(404, &[], ""),
    }
}

fn form_login() -> FormLogin {
    FormLogin {
        path: "/login".into(),
        page: Some("/login".into()),
        csrf: Some(Csrf {
            field: "token".into(),
            pattern: r#"name="token" value="([^"]+)""#.into(),
        }),
        fields: vec![
            Field {
                name: "user".into(),
                value: "{username}".into(),
            },
            Field {
                name: "pass".into(),
                value: "{password}".into(),
            },
        ],
        success: Matcher {
            status: vec![302],
            header: Some(HeaderMatch {
                name: "location".into(),
                pattern: "/dashboard".into(),
            }),
            body: None,
        },
        failure: Matcher {
            status: vec![200],
            header: None,
            body: Some("Invalid".into()),
        },
    }
}

#[tokio::test]
async fn form_login_posts_token_cookie_and_encoded_fields() {
    let (addr, seen) = fake("127.95.1.6", form_device).await;
    let f = form_login();
    let m = Method::HttpForm(Box::new(f.clone()));
    let good = setup("127.95.1.6", "p &=é");
    assert_eq!(
        form(&good.attempt(addr.port(), &m, 5), &f).await,
        Outcome::Accepted
    );
    let bad = setup("127.95.1.6", "nope");
    assert_eq!(
        form(&bad.attempt(addr.port(), &m, 5), &f).await,
        Outcome::Refused
    );
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen[1].0.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
}

#[tokio::test]
async fn form_answers_that_fit_neither_description_are_inconclusive() {
    let (odd, _) = fake("127.95.1.7", |h, _| {
        if h.method == "GET" {
            reply(200, &[], "name=\"token\" value=\"t\"")
        } else {
            reply(500, &[], "oops")
        }
    })
    .await;
    let (no_token, _) = fake("127.95.1.7", |_, _| reply(200, &[], "<form></form>")).await;
    let (both, _) = fake("127.95.1.7", |_, _| {
        reply(200, &[], "Invalid name=\"token\" value=\"t\"")
    })
    .await;
    let f = form_login();
    let m = Method::HttpForm(Box::new(f.clone()));
    let s = setup("127.95.1.7", "pw");
    let mut ambiguous = f.clone();
    ambiguous.success = Matcher {
        status: vec![200],
        ..Matcher::default()
    };
    for (port, form_def, why) in [
        (odd.port(), &f, "neither"),
        (no_token.port(), &f, "no CSRF token on /login"),
        (both.port(), &ambiguous, "both"),
    ] {
        match form(&s.attempt(port, &m, 5), form_def).await {
            Outcome::Inconclusive(r) => assert!(r.contains(why), "{r}"),
            other => panic!("{why}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn get_with_login_reuses_the_form_session_and_answers_challenges() {
    let (addr, _) = fake("127.95.1.8", form_device).await;
    let f = form_login();
    let m = Method::HttpForm(Box::new(f));
    let s = setup("127.95.1.8", "p &=é");
    let r = get_with_login(&s.attempt(addr.port(), &m, 5), "/api/device")
        .await
        .unwrap();
    assert_eq!(r.head.status, 200);
    assert!(String::from_utf8_lossy(&r.body).contains("LSC-200"));
    let wrong = setup("127.95.1.8", "nope");
    assert!(
        get_with_login(&wrong.attempt(addr.port(), &m, 5), "/api/device")
            .await
            .is_none()
    );

    let (cam, _) = fake("127.95.1.8", digest_camera).await;
    let m = http_auth();
    let s = setup("127.95.1.8", "secret");
    let r = get_with_login(&s.attempt(cam.port(), &m, 5), "/x")
        .await
        .unwrap();
    assert_eq!(r.head.status, 200);
    assert!(
        get_with_login(&s.attempt(cam.port(), &Method::Ssh, 5), "/x")
            .await
            .is_none()
    );
}

const LOGIN_ENDPOINT: &str = r#"
[[endpoint]]
id = "lsc-device"
description = "x"
login = true
when = [{ fact = "http.title", regex = 'LSC' }]
path = "/api/device"
extract = [
  { fact = "device_info.vendor", regex = '"vendor"\s*:\s*"([^"]+)"' },
  { fact = "device_info.model", regex = '"model"\s*:\s*"([^"]+)"' },
  { fact = "device_info.firmware", regex = '"firmware"\s*:\s*"([^"]+)"' },
  { fact = "device_info.product", regex = '"echo"\s*:\s*"([^"]+)"' },
]
examples = [{ body = '{"vendor":"V"}', facts = { "device_info.vendor" = "V" } }]

[[endpoint]]
id = "anonymous"
description = "asked without a login only"
when = [{ fact = "http.title", regex = 'LSC' }]
path = "/api/device"
extract = [{ fact = "device_info.serial", regex = '"vendor"\s*:\s*"([^"]+)"' }]
examples = [{ body = '{"vendor":"V"}', facts = { "device_info.serial" = "V" } }]
"#;

#[tokio::test]
async fn authenticated_reads_record_device_information_without_the_password() {
    let (addr, seen) = fake("127.95.1.9", form_device).await;
    let endpoints = Endpoints::parse(&[("x.toml", LOGIN_ENDPOINT)]).unwrap();
    let f = form_login();
    let m = Method::HttpForm(Box::new(f));
    let s = setup("127.95.1.9", "p &=é");
    let mut obs = Observation::new(
        NetEndpoint::tcp("127.95.1.9".parse().unwrap(), addr.port()),
        None,
    );
    // Conditions unmet: nothing is asked.
    assert_eq!(
        authenticated_reads(&s.attempt(addr.port(), &m, 5), &endpoints, &mut obs).await,
        0
    );
    assert!(seen.lock().unwrap().is_empty());
    obs.set("http.title", "LSC Streetlight Controller");
    assert_eq!(
        authenticated_reads(&s.attempt(addr.port(), &m, 5), &endpoints, &mut obs).await,
        1
    );
    let text = |n: &str| obs.fact(n).map(|v| v.render());
    assert_eq!(text("device_info.vendor").as_deref(), Some("Lumenlab"));
    assert_eq!(text("device_info.model").as_deref(), Some("LSC-200"));
    assert_eq!(text("device_info.firmware").as_deref(), Some("1.4.2"));
    assert_eq!(text("device_info.endpoint").as_deref(), Some("lsc-device"));
    assert_eq!(
        text("device_info.unauthenticated").as_deref(),
        Some("false")
    );
    // The login-only endpoint was not joined by the anonymous one, and the
    // echoed password reached neither a fact nor the evidence.
    assert!(obs.fact("device_info.serial").is_none());
    assert_eq!(text("device_info.product").as_deref(), Some("<redacted>"));
    let ev = obs.evidence.last().unwrap();
    assert_eq!(ev.probe, "http-device-info-login");
    assert!(!ev.received.contains("p &="));
}

#[test]
fn form_helpers_fill_encode_and_keep_cookies() {
    assert_eq!(
        fill("{username}:{password}", "u{password}", "p"),
        "u{password}:p"
    );
    assert_eq!(fill("{x} {password", "u", "p"), "{x} {password");
    assert_eq!(
        urlencoded(&[("a b", "x+y/é~".into()), ("t", String::new())]),
        "a+b=x%2By%2F%C3%A9%7E&t="
    );
    let r = fetch::parse(
        b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1; Path=/\r\nSet-Cookie: b=2\r\nSet-Cookie: a=3\r\nSet-Cookie: junk\r\nContent-Length: 0\r\n\r\n",
    )
    .unwrap();
    let mut jar = CookieJar::default();
    jar.take(&r);
    assert_eq!(jar.header(), "a=3; b=2");
    assert_eq!(redact(b"xxpwyypw", "pw"), b"xx<redacted>yy<redacted>");
    assert_eq!(redact(b"abc", ""), b"abc");
}

#[test]
fn an_empty_matcher_matches_nothing() {
    let r = fetch::parse(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").unwrap();
    assert_eq!(matches(&Matcher::default(), &r), Some(false));
    let m = Matcher {
        body: Some("(".into()),
        ..Matcher::default()
    };
    assert_eq!(matches(&m, &r), None);
}
