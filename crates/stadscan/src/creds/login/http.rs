//! HTTP logins: Basic or Digest as the challenge asks, form logins described
//! in the data, and the reads a working credential allows (device
//! information that a web UI shows only after a login).
//!
//! Every request goes on a fresh connection from [`super::open`] (inside
//! TLS when the service runs there), with `Connection: close`; redirects
//! are never followed (a login's redirect is its answer).

use regex::Regex;
use tokio::time::Instant;

use super::digest::{self, DigestInput, Scheme};
use super::{Attempt, FormLogin, Matcher, Method, Outcome};
use crate::devinfo::Endpoints;
use crate::model::Observation;
use crate::probe::USER_AGENT;
use crate::probe::fetch::{self, Response};
use crate::proto::http;

/// Cookies kept from one login conversation (a device sets a handful).
const MAX_COOKIES: usize = 16;
/// Longest cookie (name=value) kept.
const MAX_COOKIE_LEN: usize = 4096;

/// HTTP Basic or Digest login on `path`: an anonymous GET must be refused
/// with a challenge, then the credential answers it (Digest preferred).
pub async fn basic_or_digest(a: &Attempt<'_>, path: &str) -> Outcome {
    let Some(first) = send(a, "GET", path, &[], b"").await else {
        return Outcome::Inconclusive(format!("no HTTP answer from {path}"));
    };
    match first.head.status {
        200..=299 => return Outcome::Inconclusive(format!("no login required at {path}")),
        401 => {}
        s => return Outcome::Inconclusive(format!("HTTP {s} without a challenge at {path}")),
    }
    let Some(scheme) = digest::choose(first.head.headers_named("www-authenticate")) else {
        return Outcome::Inconclusive(format!(
            "HTTP 401 at {path} without a Basic or Digest challenge this client can answer"
        ));
    };
    let Some(auth) = authorization(a, &scheme, "GET", path) else {
        return Outcome::Inconclusive("no random client nonce available".into());
    };
    let Some(second) = send(a, "GET", path, &[("Authorization", &auth)], b"").await else {
        return Outcome::Inconclusive(format!("no HTTP answer to the {} login", scheme.name()));
    };
    match second.head.status {
        200..=399 => Outcome::Accepted,
        401 if stale_nonce(&second) => {
            Outcome::Inconclusive("the server called the Digest nonce stale".into())
        }
        401 | 403 => Outcome::Refused,
        s => Outcome::Inconclusive(format!(
            "HTTP {s} after the {} login at {path}",
            scheme.name()
        )),
    }
}

/// A form login: the page first (CSRF token, session cookie) when the data
/// names one, then the POST, judged by the data's success and failure
/// matchers.
pub async fn form(a: &Attempt<'_>, form: &FormLogin) -> Outcome {
    form_session(a, form).await.0
}

/// A GET of `path` with the credential of `a`: answering a Basic or Digest
/// challenge, or, for a form login, with the session cookie of a fresh
/// login. `None` when no answer came, or the method is not an HTTP one.
#[cfg(any(test, feature = "test-support"))]
pub async fn get_with_login(a: &Attempt<'_>, path: &str) -> Option<Response> {
    let session = Session::start(a).await?;
    session.request(a, "GET", path, &[], b"").await
}

/// Asks every `login = true` device-information endpoint whose conditions
/// the observation meets, with the credential of `a` (a credential the
/// tests showed to work), and records what the answers give as the
/// unauthenticated follow-up does. Returns how many endpoints answered
/// (with a 2xx).
pub async fn authenticated_reads(
    a: &Attempt<'_>,
    endpoints: &Endpoints,
    obs: &mut Observation,
) -> usize {
    let wanted: Vec<_> = endpoints
        .applicable(&obs.facts)
        .filter(|e| e.login)
        .cloned()
        .collect();
    if wanted.is_empty() {
        return 0;
    }
    let Some(session) = Session::start(a).await else {
        return 0;
    };
    let mut answered = 0;
    for ep in &wanted {
        if Instant::now() >= a.deadline {
            break;
        }
        let headers: Vec<(&str, &str)> = ep
            .headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let Some(r) = session
            .request(
                a,
                ep.method.as_str(),
                &ep.path,
                &headers,
                ep.body.as_bytes(),
            )
            .await
            .filter(|r| (200..300).contains(&r.head.status))
        else {
            continue;
        };
        answered += 1;
        ep.apply(&redact(&r.body, a.password.expose()), obs, false);
    }
    answered
}

/// How requests carry the credential once it is known to work.
enum Session {
    /// Each request answers the challenge its anonymous twin gets.
    Challenge,
    /// The cookies a form login set.
    Cookie(String),
}

impl Session {
    async fn start(a: &Attempt<'_>) -> Option<Session> {
        match a.method {
            Method::HttpAuth { .. } | Method::Onvif { .. } => Some(Session::Challenge),
            Method::HttpForm(form) => match form_session(a, form).await {
                (Outcome::Accepted, jar) => Some(Session::Cookie(jar.header())),
                _ => None,
            },
            _ => None,
        }
    }

    async fn request(
        &self,
        a: &Attempt<'_>,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Option<Response> {
        match self {
            Session::Cookie(cookie) => {
                let mut all = headers.to_vec();
                if !cookie.is_empty() {
                    all.push(("Cookie", cookie));
                }
                send(a, method, path, &all, body).await
            }
            Session::Challenge => {
                let first = send(a, method, path, headers, body).await?;
                if first.head.status != 401 {
                    return Some(first);
                }
                let scheme = digest::choose(first.head.headers_named("www-authenticate"))?;
                let auth = authorization(a, &scheme, method, path)?;
                let mut all = headers.to_vec();
                all.push(("Authorization", &auth));
                send(a, method, path, &all, body).await
            }
        }
    }
}

/// The form login itself, and the cookies it collected.
async fn form_session(a: &Attempt<'_>, form: &FormLogin) -> (Outcome, CookieJar) {
    let mut jar = CookieJar::default();
    let inconclusive = |why: String, jar| (Outcome::Inconclusive(why), jar);
    let page = form
        .page
        .as_deref()
        .or(form.csrf.as_ref().map(|_| form.path.as_str()));
    let mut token = None;
    if let Some(page) = page {
        let Some(r) = send(a, "GET", page, &[], b"").await else {
            return inconclusive(format!("no HTTP answer from the login page {page}"), jar);
        };
        jar.take(&r);
        if let Some(csrf) = &form.csrf {
            let Ok(re) = Regex::new(&csrf.pattern) else {
                return inconclusive("the CSRF pattern is not a valid regex".into(), jar);
            };
            let text = String::from_utf8_lossy(&r.body);
            let Some(t) = re.captures(&text).and_then(|c| c.get(1)) else {
                return inconclusive(format!("no CSRF token on {page}"), jar);
            };
            token = Some((csrf.field.as_str(), t.as_str().to_string()));
        }
    }
    let mut pairs: Vec<(&str, String)> = form
        .fields
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                fill(&f.value, a.username, a.password.expose()),
            )
        })
        .collect();
    if let Some((field, t)) = token {
        pairs.push((field, t));
    }
    let body = urlencoded(&pairs);
    let cookie = jar.header();
    let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
    if !cookie.is_empty() {
        headers.push(("Cookie", &cookie));
    }
    let Some(r) = send(a, "POST", &form.path, &headers, body.as_bytes()).await else {
        return inconclusive(
            format!("no HTTP answer to the form post on {}", form.path),
            jar,
        );
    };
    jar.take(&r);
    let outcome = match (matches(&form.success, &r), matches(&form.failure, &r)) {
        (Some(true), Some(false)) => Outcome::Accepted,
        (Some(false), Some(true)) => Outcome::Refused,
        (None, _) | (_, None) => {
            Outcome::Inconclusive("a pattern in the form description is not a valid regex".into())
        }
        (Some(true), Some(true)) => Outcome::Inconclusive(format!(
            "HTTP {} matched both the success and the failure description",
            r.head.status
        )),
        (Some(false), Some(false)) => Outcome::Inconclusive(format!(
            "HTTP {} matched neither the success nor the failure description",
            r.head.status
        )),
    };
    (outcome, jar)
}

/// Whether `r` fits the matcher: every given part must match, and a
/// matcher with no part matches nothing. `None`: a regex does not compile.
fn matches(m: &Matcher, r: &Response) -> Option<bool> {
    if m.status.is_empty() && m.header.is_none() && m.body.is_none() {
        return Some(false);
    }
    let mut ok = m.status.is_empty() || m.status.contains(&r.head.status);
    if let Some(h) = &m.header {
        let re = Regex::new(&h.pattern).ok()?;
        ok &= r.head.headers_named(&h.name).any(|v| re.is_match(v));
    }
    if let Some(b) = &m.body {
        let re = Regex::new(b).ok()?;
        ok &= re.is_match(&String::from_utf8_lossy(&r.body));
    }
    Some(ok)
}

/// `Set-Cookie` name=value pairs, sent back as one `Cookie` header.
#[derive(Debug, Default)]
struct CookieJar {
    cookies: Vec<(String, String)>,
}

impl CookieJar {
    fn take(&mut self, r: &Response) {
        for v in r.head.headers_named("set-cookie") {
            let pair = v.split(';').next().unwrap_or("");
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            let (name, value) = (name.trim(), value.trim());
            if name.is_empty() || name.len() + value.len() > MAX_COOKIE_LEN {
                continue;
            }
            if let Some(slot) = self.cookies.iter_mut().find(|(n, _)| n == name) {
                slot.1 = value.to_string();
            } else if self.cookies.len() < MAX_COOKIES {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
    }

    fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// `{username}` and `{password}` replaced in one pass (a user name holding
/// `{password}` stays as it is).
fn fill(template: &str, username: &str, password: &str) -> String {
    let mut out = String::with_capacity(template.len() + password.len());
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{username}") {
            out.push_str(username);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("{password}") {
            out.push_str(password);
            rest = after;
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

/// `application/x-www-form-urlencoded` (WHATWG URL: alphanumerics and
/// `*-._` kept, space as `+`, everything else percent-encoded as UTF-8).
fn urlencoded(pairs: &[(&str, String)]) -> String {
    let enc = |s: &str| -> String {
        let mut out = String::with_capacity(s.len());
        for b in s.bytes() {
            match b {
                b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                    out.push(b as char)
                }
                b' ' => out.push('+'),
                _ => out.push_str(&format!("%{b:02X}")),
            }
        }
        out
    };
    pairs
        .iter()
        .map(|(n, v)| format!("{}={}", enc(n), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The `Authorization` value answering `scheme` for this request.
fn authorization(a: &Attempt<'_>, scheme: &Scheme, method: &str, uri: &str) -> Option<String> {
    let password = a.password.expose();
    match scheme {
        Scheme::Basic => Some(digest::basic(a.username, password)),
        Scheme::Digest(ch) => {
            let cnonce = digest::new_cnonce()?;
            Some(digest::authorization(
                ch,
                &DigestInput {
                    method,
                    uri,
                    username: a.username,
                    password,
                    cnonce: &cnonce,
                    nc: 1,
                },
            ))
        }
    }
}

/// A 401 whose Digest challenge says `stale=true`: the nonce expired, the
/// credential was not judged (RFC 7616 3.3).
fn stale_nonce(r: &Response) -> bool {
    r.head
        .headers_named("www-authenticate")
        .flat_map(http::parse_www_authenticate)
        .any(|c| {
            c.scheme == "digest"
                && c.param("stale")
                    .is_some_and(|s| s.eq_ignore_ascii_case("true"))
        })
}

/// `body` with every occurrence of the password replaced, so an answer
/// that echoes it never becomes a fact or evidence.
fn redact(body: &[u8], password: &str) -> Vec<u8> {
    let p = password.as_bytes();
    if p.is_empty() || body.len() < p.len() {
        return body.to_vec();
    }
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if body[i..].starts_with(p) {
            out.extend_from_slice(b"<redacted>");
            i += p.len();
        } else {
            out.push(body[i]);
            i += 1;
        }
    }
    out
}

/// One HTTP/1.1 request on a fresh connection for `a`.
async fn send(
    a: &Attempt<'_>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Option<Response> {
    let mut session = super::open(a).await?;
    let host = host_header(a);
    let length = body.len().to_string();
    let mut all: Vec<(&str, &str)> = vec![
        ("Host", &host),
        ("User-Agent", USER_AGENT),
        ("Accept", "*/*"),
        ("Connection", "close"),
    ];
    all.extend_from_slice(headers);
    if !body.is_empty() || method.eq_ignore_ascii_case("POST") {
        all.push(("Content-Length", &length));
    }
    let mut req = http::encode_request(method, path, "HTTP/1.1", &all);
    req.extend_from_slice(body);
    fetch::exchange(&mut session.io, &req, a.deadline).await
}

/// The Host header: the scope's host name when one led to the target, else
/// the address (IPv6 in brackets), with the port.
pub(crate) fn host_header(a: &Attempt<'_>) -> String {
    match (a.target.hostname(), a.target.addr()) {
        (Some(h), _) => format!("{h}:{}", a.port),
        (None, std::net::IpAddr::V6(ip)) => format!("[{ip}]:{}", a.port),
        (None, ip) => format!("{ip}:{}", a.port),
    }
}

#[cfg(test)]
mod tests;
