//! The lab's devices behind a login, for the default-credential tests:
//! - `camera-03`: a camera web UI with HTTP Digest (MD5, qop=auth) and its
//!   ONVIF device service (WS-Security UsernameToken) on the same port,
//!   whose owner CHANGED the password: the product default is refused;
//! - `rtsp-cam-02`: an RTSP camera asking for Digest (the RFC 2069 form,
//!   no qop, as many cameras do), still on its default credentials (the
//!   guard is here, the RTSP server is `web::serve_rtsp`);
//! - `lightctl-01`: a streetlight controller with a form login and a CSRF
//!   token, default credentials, that shows vendor, model and firmware only
//!   after the login.
//!
//! Each request is read whole (bounded) and answered on a connection that
//! then closes. Tokens and sessions are stateless (HMAC under a key drawn
//! when the device starts), so no table grows with the number of clients.

use std::sync::Arc;

use ring::hmac;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::upnp::read_request;
use crate::proto::digest::{self, Algorithm, DigestChallenge, DigestInput};
use crate::proto::http::{self, RequestHead};
use crate::proto::onvif::{self, DeviceInformation, Fault};
use crate::proto::wsse::parse_username_token;

/// The user name every device here knows.
pub(crate) const USER: &str = "admin";
/// The camera product's default password (camera-01 and rtsp-cam-02 still use it).
pub(crate) const CAMERA_DEFAULT_PASSWORD: &str = "lab-cam-pass";
/// camera-03's owner replaced the default with this.
pub(crate) const CAMERA03_PASSWORD: &str = "q7Vr-Lk2m-9Xe4-Tz8w-Hc3n-Bf5p";
/// The streetlight controller's default password.
pub(crate) const LIGHT_PASSWORD: &str = "lab-light-pass";

/// camera-03 speaks like camera-01's product, a newer firmware.
pub(crate) const CAMERA03_SERVER: &str = "lab-cam-httpd/3.1";
const CAMERA_REALM: &str = "IP Camera";
const RTSP_REALM: &str = "Lab RTSP camera";
const ONVIF_PATH: &str = "/onvif/device_service";

pub(crate) const LIGHT_VENDOR: &str = "Lumenlab";
pub(crate) const LIGHT_MODEL: &str = "LSC-200";
pub(crate) const LIGHT_FIRMWARE: &str = "1.4.2";
pub(crate) const LIGHT_TITLE: &str = "LSC Streetlight Controller";
const PRE_COOKIE: &str = "lsc_pre";
const SESSION_COOKIE: &str = "lsc_session";

/// The camera's live view, behind its login (here and in [`super::web`]).
pub(super) const CAMERA_LIVE: &str = "<!DOCTYPE html>\n<html><head><title>Camera Live View</title></head>\
<body><h1>Live view</h1><img src=\"/snapshot.jpg\" alt=\"live\"></body></html>\n";
/// The camera's page for a login that failed.
pub(super) const CAMERA_DENIED: &str = "<!DOCTYPE html>\n<html><head><title>401 Unauthorized</title></head>\
<body><h1>401 Unauthorized</h1></body></html>\n";

/// The camera's icon, served without a login as most cameras do (its
/// favicon hash identifies the model when nothing else on the page does).
pub(super) const CAMERA_FAVICON: &[u8] = include_bytes!("lab-favicon.ico");

/// Checks Digest answers for one account (HTTP or RTSP): the nonce is
/// drawn when the device starts and never expires in the lab.
#[derive(Debug)]
pub(crate) struct DigestGuard {
    challenge: DigestChallenge,
    password: &'static str,
}

impl DigestGuard {
    fn new(realm: &str, qop: bool, password: &'static str) -> DigestGuard {
        let nonce = digest::new_cnonce().unwrap_or_else(|| "6c61622d6e6f6e6365".into());
        DigestGuard {
            challenge: DigestChallenge {
                realm: realm.into(),
                nonce,
                opaque: qop.then(|| "5ccc069c403ebaf9".to_string()),
                algorithm: Algorithm::Md5,
                qop_auth: qop,
            },
            password,
        }
    }

    /// The `WWW-Authenticate` value.
    pub(crate) fn challenge(&self) -> String {
        let c = &self.challenge;
        let mut out = format!("Digest realm=\"{}\", nonce=\"{}\"", c.realm, c.nonce);
        if c.qop_auth {
            out.push_str(", qop=\"auth\"");
        }
        out.push_str(", algorithm=MD5");
        if let Some(o) = &c.opaque {
            out.push_str(&format!(", opaque=\"{o}\""));
        }
        out
    }

    /// True when the request's Authorization answers this challenge for
    /// `admin` and the guarded password, on this very request target.
    pub(crate) fn admits(&self, head: &RequestHead) -> bool {
        let Some(c) = head
            .header("authorization")
            .and_then(digest::parse_authorization)
        else {
            return false;
        };
        let ch = &self.challenge;
        if c.username != USER || c.realm != ch.realm || c.nonce != ch.nonce || c.uri != head.target
        {
            return false;
        }
        if ch.qop_auth && (c.qop.as_deref() != Some("auth") || c.cnonce.is_none() || c.nc.is_none())
        {
            return false;
        }
        let want = digest::response(
            ch,
            &DigestInput {
                method: &head.method,
                uri: &c.uri,
                username: USER,
                password: self.password,
                cnonce: c.cnonce.as_deref().unwrap_or(""),
                nc: c.nc.unwrap_or(0),
            },
        );
        c.response == want
    }
}

/// rtsp-cam-02's guard: Digest without qop, default credentials.
pub(crate) fn rtsp_guard() -> DigestGuard {
    DigestGuard::new(RTSP_REALM, false, CAMERA_DEFAULT_PASSWORD)
}

/// camera-03's guard: Digest with qop=auth, the changed password.
pub(crate) fn camera03_guard() -> DigestGuard {
    DigestGuard::new(CAMERA_REALM, true, CAMERA03_PASSWORD)
}

/// Writes `reply` (or a 400 when the request could not be read) and closes.
async fn answer(mut stream: TcpStream, reply: Option<Vec<u8>>, server: Option<&str>) {
    let reply = reply.unwrap_or_else(|| {
        let mut h = vec![("Connection", "close")];
        if let Some(s) = server {
            h.push(("Server", s));
        }
        http::encode_response("HTTP/1.1", 400, "Bad Request", &h, b"")
    });
    let _ = stream.write_all(&reply).await;
    let _ = stream.shutdown().await;
}

/// Serves one request to camera-03.
pub(crate) async fn serve_camera03(mut stream: TcpStream, guard: Arc<DigestGuard>) {
    let reply = read_request(&mut stream)
        .await
        .map(|(head, body)| camera03_response(&head, &body, &guard));
    answer(stream, reply, Some(CAMERA03_SERVER)).await;
}

fn camera03_response(head: &RequestHead, body: &[u8], guard: &DigestGuard) -> Vec<u8> {
    let path = head.target.split('?').next().unwrap_or("");
    let reply = |status: u16, reason: &str, extra: &[(&str, &str)], ct: &str, body: &[u8]| {
        let mut h = vec![
            ("Server", CAMERA03_SERVER),
            ("Content-Type", ct),
            ("Connection", "close"),
        ];
        h.extend_from_slice(extra);
        let body = if head.method.eq_ignore_ascii_case("HEAD") {
            &b""[..]
        } else {
            body
        };
        http::encode_response("HTTP/1.1", status, reason, &h, body)
    };
    let html = "text/html; charset=utf-8";
    if path == "/favicon.ico" {
        return reply(200, "OK", &[], "image/x-icon", CAMERA_FAVICON);
    }
    if path == ONVIF_PATH {
        if !head.method.eq_ignore_ascii_case("POST") {
            return reply(
                405,
                "Method Not Allowed",
                &[("Allow", "POST")],
                "text/plain",
                b"",
            );
        }
        let (status, reason, doc) = onvif_answer(body);
        return reply(
            status,
            reason,
            &[],
            "application/soap+xml; charset=utf-8",
            &doc,
        );
    }
    if guard.admits(head) {
        reply(200, "OK", &[], html, CAMERA_LIVE.as_bytes())
    } else {
        let challenge = guard.challenge();
        reply(
            401,
            "Unauthorized",
            &[("WWW-Authenticate", &challenge)],
            html,
            CAMERA_DENIED.as_bytes(),
        )
    }
}

/// camera-03's device service: GetDeviceInformation needs a UsernameToken
/// whose digest the changed password gives (ONVIF Core: a refused token
/// is `env:Sender` / `ter:NotAuthorized` with HTTP 400). The token's age
/// is not checked in the lab.
fn onvif_answer(body: &[u8]) -> (u16, &'static str, Vec<u8>) {
    let fault = |code: &str, subcode: &str, reason: &str| {
        onvif::encode_fault(&Fault {
            code: code.into(),
            subcode: Some(subcode.into()),
            reason: Some(reason.into()),
        })
    };
    match onvif::request_operation(body) {
        Ok(op) if op == "GetDeviceInformation" => {
            let ok = parse_username_token(body)
                .is_some_and(|t| t.username == USER && t.verifies(CAMERA03_PASSWORD));
            if ok {
                let info = DeviceInformation {
                    manufacturer: Some("stadscan lab".into()),
                    model: Some("lab-cam".into()),
                    firmware_version: Some("3.1".into()),
                    serial_number: Some("LAB-CAM-0003".into()),
                    hardware_id: Some("1.0".into()),
                };
                (200, "OK", onvif::encode_device_information(&info))
            } else {
                (
                    400,
                    "Bad Request",
                    fault("s:Sender", "ter:NotAuthorized", "Sender not Authorized"),
                )
            }
        }
        Ok(_) => (
            400,
            "Bad Request",
            fault(
                "s:Receiver",
                "ter:ActionNotSupported",
                "Optional Action Not Implemented",
            ),
        ),
        Err(_) => (
            400,
            "Bad Request",
            fault("s:Sender", "ter:WellFormed", "Well-formed Error"),
        ),
    }
}

/// The streetlight controller's signing key (CSRF tokens and sessions).
pub(crate) struct LightKey(hmac::Key);

impl LightKey {
    pub(crate) fn new() -> LightKey {
        use ring::rand::SecureRandom;
        let mut k = [0u8; 32];
        // A failed RNG leaves a fixed key: the lab still works, only its
        // tokens become guessable.
        let _ = ring::rand::SystemRandom::new().fill(&mut k);
        LightKey(hmac::Key::new(hmac::HMAC_SHA256, &k))
    }

    fn tag(&self, purpose: &str, id: &str) -> String {
        let t = hmac::sign(&self.0, format!("{purpose}:{id}").as_bytes());
        digest::to_hex(&t.as_ref()[..16])
    }

    /// `id.tag` for a fresh random id.
    fn issue(&self, purpose: &str) -> String {
        let id = digest::new_cnonce().unwrap_or_else(|| "0".into());
        format!("{id}.{}", self.tag(purpose, &id))
    }

    fn valid(&self, purpose: &str, value: &str) -> bool {
        value
            .split_once('.')
            .is_some_and(|(id, tag)| !id.is_empty() && self.tag(purpose, id) == tag)
    }
}

/// Serves one request to lightctl-01.
pub(crate) async fn serve_lightctl(mut stream: TcpStream, key: Arc<LightKey>) {
    let reply = read_request(&mut stream)
        .await
        .map(|(head, body)| lightctl_response(&head, &body, &key));
    answer(stream, reply, None).await;
}

fn login_page(token: &str, message: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html><head><title>{LIGHT_TITLE}</title></head><body>\
         <h1>Sign in</h1>{message}<form method=\"post\" action=\"/login\">\
         <input type=\"hidden\" name=\"csrf_token\" value=\"{token}\">\
         <input name=\"username\"><input name=\"password\" type=\"password\">\
         <button>Sign in</button></form></body></html>\n"
    )
}

fn lightctl_response(head: &RequestHead, body: &[u8], key: &LightKey) -> Vec<u8> {
    let path = head.target.split('?').next().unwrap_or("");
    let method = head.method.to_ascii_uppercase();
    let reply = |status: u16, reason: &str, extra: &[(&str, &str)], ct: &str, body: &[u8]| {
        let mut h = vec![("Content-Type", ct), ("Connection", "close")];
        h.extend_from_slice(extra);
        http::encode_response("HTTP/1.1", status, reason, &h, body)
    };
    let html = "text/html; charset=utf-8";
    let session_ok = cookie(head, SESSION_COOKIE).is_some_and(|s| key.valid("session", &s));
    // A fresh pre-login id and the CSRF token bound to it.
    let fresh_form = |message: &str| {
        let pre = key.issue("pre");
        let token = key.tag("csrf", &pre);
        let set = format!("{PRE_COOKIE}={pre}; Path=/; HttpOnly");
        reply(
            200,
            "OK",
            &[("Set-Cookie", &set), ("Cache-Control", "no-store")],
            html,
            login_page(&token, message).as_bytes(),
        )
    };
    let to_login = || reply(302, "Found", &[("Location", "/login")], html, b"");
    match (method.as_str(), path) {
        ("GET" | "HEAD", "/" | "/login") => fresh_form(""),
        ("POST", "/login") => {
            let text = String::from_utf8_lossy(body);
            let pre = cookie(head, PRE_COOKIE).filter(|p| key.valid("pre", p));
            let token_ok = pre
                .as_deref()
                .zip(form_value(&text, "csrf_token"))
                .is_some_and(|(p, t)| key.tag("csrf", p) == t);
            let creds_ok = form_value(&text, "username").as_deref() == Some(USER)
                && form_value(&text, "password").as_deref() == Some(LIGHT_PASSWORD);
            if token_ok && creds_ok {
                let set = format!(
                    "{SESSION_COOKIE}={}; Path=/; HttpOnly",
                    key.issue("session")
                );
                reply(
                    302,
                    "Found",
                    &[("Location", "/dashboard"), ("Set-Cookie", &set)],
                    html,
                    b"",
                )
            } else {
                fresh_form("<p class=\"error\">Invalid user name or password</p>")
            }
        }
        ("GET", "/dashboard") if session_ok => reply(
            200,
            "OK",
            &[],
            html,
            format!(
                "<!DOCTYPE html>\n<html><head><title>{LIGHT_TITLE}</title></head>\
                 <body><h1>Dashboard</h1><p>{LIGHT_VENDOR} {LIGHT_MODEL}, firmware \
                 {LIGHT_FIRMWARE}</p><p>Circuits: 12 on, 0 faulted</p></body></html>\n"
            )
            .as_bytes(),
        ),
        ("GET", "/api/device") if session_ok => reply(
            200,
            "OK",
            &[],
            "application/json",
            format!(
                "{{\"vendor\":\"{LIGHT_VENDOR}\",\"model\":\"{LIGHT_MODEL}\",\
                 \"firmware\":\"{LIGHT_FIRMWARE}\",\"circuits\":12}}"
            )
            .as_bytes(),
        ),
        ("GET", "/dashboard") => to_login(),
        ("GET", "/api/device") => reply(
            401,
            "Unauthorized",
            &[],
            "application/json",
            b"{\"error\":\"login required\"}",
        ),
        _ => reply(404, "Not Found", &[], "text/plain", b"not found"),
    }
}

/// The value of cookie `name` in the request's Cookie headers.
fn cookie(head: &RequestHead, name: &str) -> Option<String> {
    head.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_string())
}

/// The decoded value of field `name` in an urlencoded form body.
fn form_value(body: &str, name: &str) -> Option<String> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(n, _)| url_decode(n).as_deref() == Some(name))
        .and_then(|(_, v)| url_decode(v))
}

fn url_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(raw: &str) -> RequestHead {
        http::parse_request_head(raw.as_bytes()).unwrap()
    }

    fn status(raw: &[u8]) -> u16 {
        http::parse_response_head(raw).unwrap().status
    }

    #[test]
    fn camera03_wants_digest_and_serves_its_icon_to_anyone() {
        let g = camera03_guard();
        let r = camera03_response(&request("GET / HTTP/1.1\r\n\r\n"), b"", &g);
        let head = http::parse_response_head(&r).unwrap();
        assert_eq!(head.status, 401);
        assert_eq!(head.header("server"), Some(CAMERA03_SERVER));
        let c = head.header("www-authenticate").unwrap();
        assert!(
            c.contains("qop=\"auth\"") && c.contains("algorithm=MD5"),
            "{c}"
        );
        let r = camera03_response(&request("GET /favicon.ico HTTP/1.1\r\n\r\n"), b"", &g);
        assert_eq!(status(&r), 200);
    }

    #[test]
    fn lightctl_form_needs_the_token_the_cookie_and_the_password() {
        let key = LightKey::new();
        let page = lightctl_response(&request("GET / HTTP/1.1\r\n\r\n"), b"", &key);
        let head = http::parse_response_head(&page).unwrap();
        let text = String::from_utf8_lossy(&page[head.head_len..]).into_owned();
        assert_eq!(
            http::html_title(text.as_bytes()).as_deref(),
            Some(LIGHT_TITLE)
        );
        assert!(!text.contains(LIGHT_MODEL) && !text.contains(LIGHT_VENDOR));
        let pre = head
            .header("set-cookie")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        let token = text
            .split("name=\"csrf_token\" value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let post = |cookie: &str, body: &str| {
            let raw = format!(
                "POST /login HTTP/1.1\r\nCookie: {cookie}\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            lightctl_response(&request(&raw), body.as_bytes(), &key)
        };
        let good = format!("username=admin&password=lab-light-pass&csrf_token={token}");
        let ok = post(&pre, &good);
        let head = http::parse_response_head(&ok).unwrap();
        assert_eq!(head.status, 302);
        assert_eq!(head.header("location"), Some("/dashboard"));
        let session = head
            .header("set-cookie")
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_string();
        // Wrong password, missing cookie, forged token: the form again.
        for (cookie, body) in [
            (pre.as_str(), good.replace("lab-light-pass", "lab-cam-pass")),
            ("x=y", good.clone()),
            (pre.as_str(), good.replace(&token, "00")),
        ] {
            let r = post(cookie, &body);
            assert_eq!(status(&r), 200);
            assert!(String::from_utf8_lossy(&r).contains("Invalid"));
        }
        let api = |cookie: &str| {
            lightctl_response(
                &request(&format!(
                    "GET /api/device HTTP/1.1\r\nCookie: {cookie}\r\n\r\n"
                )),
                b"",
                &key,
            )
        };
        let r = api(&session);
        assert_eq!(status(&r), 200);
        assert!(String::from_utf8_lossy(&r).contains("\"model\":\"LSC-200\""));
        assert_eq!(status(&api("lsc_session=1.2")), 401);
        assert_eq!(status(&api(&pre.replace(PRE_COOKIE, SESSION_COOKIE))), 401);
    }

    /// The testers against the running lab: what each device accepts.
    #[tokio::test(flavor = "multi_thread")]
    async fn the_testers_get_from_each_lab_device_what_it_accepts() {
        use stadscan::creds::login::{self, Attempt, Method, Outcome};
        use stadscan::model::Secret;
        use std::time::Duration;

        let lab = super::super::Lab::start(super::super::LabConfig {
            prefix: [127, 95, 40],
            fixed_ports: false,
            hostile: false,
        })
        .await
        .unwrap();
        let tls = stadscan::tls::TlsContext::new(&[]).unwrap();
        let try_login =
            |name: &'static str, service: &'static str, method: Method, password: &'static str| {
                let d = lab.device_service(name, service).unwrap().clone();
                let tls = &tls;
                async move {
                    let (net, target) =
                        stadscan::probe::test_net("127.95.40.0/24", &d.addr.to_string());
                    let password = Secret::new(password);
                    let a = Attempt {
                        net: &net,
                        tls,
                        target: &target,
                        port: d.port,
                        in_tls: false,
                        deadline: tokio::time::Instant::now() + Duration::from_secs(5),
                        username: USER,
                        password: &password,
                        method: &method,
                    };
                    login::try_login(&a).await
                }
            };
        let web = || Method::HttpAuth { path: "/".into() };
        let rtsp = || Method::Rtsp {
            path: "/live".into(),
        };
        let onvif = || Method::Onvif {
            path: ONVIF_PATH.into(),
        };
        let form = || Method::HttpForm(Box::new(lab_form()));
        let cases = [
            (
                "camera-01",
                "http",
                web(),
                CAMERA_DEFAULT_PASSWORD,
                Outcome::Accepted,
            ),
            ("camera-01", "http", web(), "wrong", Outcome::Refused),
            (
                "camera-03",
                "http",
                web(),
                CAMERA_DEFAULT_PASSWORD,
                Outcome::Refused,
            ),
            (
                "camera-03",
                "http",
                web(),
                CAMERA03_PASSWORD,
                Outcome::Accepted,
            ),
            (
                "camera-03",
                "http",
                onvif(),
                CAMERA_DEFAULT_PASSWORD,
                Outcome::Refused,
            ),
            (
                "camera-03",
                "http",
                onvif(),
                CAMERA03_PASSWORD,
                Outcome::Accepted,
            ),
            (
                "rtsp-cam-02",
                "rtsp",
                rtsp(),
                CAMERA_DEFAULT_PASSWORD,
                Outcome::Accepted,
            ),
            ("rtsp-cam-02", "rtsp", rtsp(), "wrong", Outcome::Refused),
            (
                "rtsp-cam-01",
                "rtsp",
                rtsp(),
                CAMERA_DEFAULT_PASSWORD,
                Outcome::Inconclusive("stream open without login".into()),
            ),
            (
                "lightctl-01",
                "http",
                form(),
                LIGHT_PASSWORD,
                Outcome::Accepted,
            ),
            (
                "lightctl-01",
                "http",
                form(),
                CAMERA_DEFAULT_PASSWORD,
                Outcome::Refused,
            ),
            (
                "relay-01",
                "http",
                web(),
                "x",
                Outcome::Inconclusive("no login required at /".into()),
            ),
        ];
        for (name, service, method, password, want) in cases {
            let label = method.label();
            assert_eq!(
                try_login(name, service, method, password).await,
                want,
                "{name} {label}"
            );
        }

        // After the login, the controller tells what it is.
        let d = lab.device("lightctl-01").unwrap();
        let (net, target) = stadscan::probe::test_net("127.95.40.0/24", &d.addr.to_string());
        let password = Secret::new(LIGHT_PASSWORD);
        let method = form();
        let a = Attempt {
            net: &net,
            tls: &tls,
            target: &target,
            port: d.port,
            in_tls: false,
            deadline: tokio::time::Instant::now() + Duration::from_secs(5),
            username: USER,
            password: &password,
            method: &method,
        };
        let mut obs =
            stadscan::model::Observation::new(stadscan::model::Endpoint::tcp(d.addr, d.port), None);
        obs.set("http.title", LIGHT_TITLE);
        let endpoints = stadscan::devinfo::Endpoints::embedded().unwrap();
        assert_eq!(
            login::http::authenticated_reads(&a, &endpoints, &mut obs).await,
            1
        );
        let fact = |n: &str| obs.fact(n).map(|v| v.render()).unwrap_or_default();
        assert_eq!(fact("device_info.vendor"), LIGHT_VENDOR);
        assert_eq!(fact("device_info.model"), LIGHT_MODEL);
        assert_eq!(fact("device_info.firmware"), LIGHT_FIRMWARE);
        assert_eq!(fact("device_info.endpoint"), "lab-lumenlab-lsc-device");
        assert_eq!(fact("device_info.unauthenticated"), "false");
        let r = login::http::get_with_login(&a, "/dashboard").await.unwrap();
        assert_eq!(r.head.status, 200);
        lab.shutdown().await;
    }

    /// The form description the credential data gives for lightctl-01.
    fn lab_form() -> stadscan::creds::login::FormLogin {
        toml::from_str(
            r#"
            path = "/login"
            page = "/login"
            csrf = { field = "csrf_token", pattern = 'name="csrf_token" value="([0-9a-f.]+)"' }
            fields = [
              { name = "username", value = "{username}" },
              { name = "password", value = "{password}" },
            ]
            success = { status = [302], header = { name = "Location", pattern = '^/dashboard$' } }
            failure = { status = [200], body = 'Invalid user name or password' }
            "#,
        )
        .unwrap()
    }

    #[test]
    fn form_values_decode_and_bad_escapes_are_none() {
        assert_eq!(form_value("a=1&b=x+y%21", "b").as_deref(), Some("x y!"));
        assert_eq!(form_value("a=%zz", "a"), None);
        assert_eq!(form_value("a=%4", "a"), None);
        assert_eq!(form_value("a", "a"), None);
    }
}
