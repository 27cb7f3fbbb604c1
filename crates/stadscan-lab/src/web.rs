//! The lab's HTTP-syntax devices: the camera web UI (HTTP and HTTPS), the
//! services portal (HTTPS) and the RTSP camera, all on `proto::http`.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::login_web::{CAMERA_DENIED, CAMERA_FAVICON, CAMERA_LIVE, DigestGuard};
use super::{READ_TIMEOUT, read_more};
use crate::proto::ParseError;
use crate::proto::http::{self, RequestHead};

/// Largest request head the devices read (more: 400 and close).
const MAX_REQUEST_HEAD: usize = 8 * 1024;
/// Largest request body the devices skip over (more: close).
const MAX_BODY: usize = 64 * 1024;
/// Requests served on one connection before it is closed.
const MAX_REQUESTS: usize = 100;

const CAMERA_USER: &str = "admin";
const CAMERA_PASSWORD: &str = "lab-cam-pass";
const CAMERA_SERVER: &str = "lab-cam-httpd/2.4";
const CAMERA_REALM: &str = "Basic realm=\"IP Camera\"";
const PORTAL_SERVER: &str = "lab-portal";
const RTSP_SERVER: &str = "lab-rtspd/1.2";
const RTSP_PUBLIC: &str = "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN";

const PORTAL_PAGE: &str = "<!DOCTYPE html>\n<html lang=\"en\"><head><title>Demo City services portal</title>\
</head><body><h1>Demo City services portal</h1><p>Permits, parking and waste collection.</p>\
</body></html>\n";
const BAD_REQUEST: &str = "<!DOCTYPE html>\n<html><head><title>400 Bad Request</title></head>\
<body><h1>400 Bad Request</h1></body></html>\n";

const RELAY_SERVER: &str = "lab-relay";
/// A relay in the town hall's lighting, speaking like a Shelly Plus 1 with
/// old firmware: its device-information endpoint needs no login.
const RELAY_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Shelly Plus 1</title></head>\
<body><div id=\"app\"></div></body></html>\n";
const RELAY_INFO: &str = "{\"name\":\"stadhuis-verlichting-2\",\"id\":\"shellyplus1-a8032ab10001\",\
\"mac\":\"A8032AB10001\",\"slot\":1,\"model\":\"SNSW-001X16EU\",\"gen\":2,\
\"fw_id\":\"20220527-091739/0.10.2-beta4-gecc3a61\",\"ver\":\"0.10.2-beta4\",\"app\":\"Plus1\",\
\"auth_en\":false,\"auth_domain\":null}";
const NOT_FOUND: &str = "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head>\
<body><h1>404 Not Found</h1></body></html>\n";

/// Which web application a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum App {
    Camera,
    Portal,
    Relay,
}

/// What reading a request head gave.
enum Head {
    Request(RequestHead),
    /// Not a valid request (or too large): answer 400, then close.
    Bad,
    /// End of stream, timeout or error: just close.
    Closed,
}

async fn read_head<S: AsyncRead + Unpin>(stream: &mut S, buf: &mut Vec<u8>) -> Head {
    loop {
        if !buf.is_empty() {
            match http::parse_request_head(buf) {
                Ok(head) if head.head_len <= MAX_REQUEST_HEAD => return Head::Request(head),
                Ok(_) => return Head::Bad,
                Err(ParseError::Incomplete) => {}
                Err(_) => return Head::Bad,
            }
        }
        if buf.len() >= MAX_REQUEST_HEAD {
            return Head::Bad;
        }
        if !read_more(stream, buf, MAX_REQUEST_HEAD, READ_TIMEOUT).await {
            return Head::Closed;
        }
    }
}

/// Drops the request head and its body (Content-Length) from `buf`, reading
/// the rest of the body when needed. False when the connection must close.
async fn consume_request<S: AsyncRead + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    head: &RequestHead,
) -> bool {
    if head.header("transfer-encoding").is_some() {
        return false;
    }
    let body = match head.header("content-length") {
        None => 0,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n <= MAX_BODY => n,
            _ => return false,
        },
    };
    let mut remaining = head.head_len.saturating_add(body);
    loop {
        let take = remaining.min(buf.len());
        buf.drain(..take);
        remaining -= take;
        if remaining == 0 {
            return true;
        }
        if !read_more(stream, buf, MAX_REQUEST_HEAD, READ_TIMEOUT).await {
            return false;
        }
    }
}

fn keep_alive(head: &RequestHead) -> bool {
    let connection = head.header("connection").unwrap_or("").to_ascii_lowercase();
    if connection.split(',').any(|t| t.trim() == "close") {
        return false;
    }
    if head.protocol.eq_ignore_ascii_case("HTTP/1.0") {
        return connection.split(',').any(|t| t.trim() == "keep-alive");
    }
    true
}

/// Serves HTTP/1.x requests of `app` on one connection (plain or TLS).
pub(crate) async fn serve_http<S: AsyncRead + AsyncWrite + Unpin>(mut stream: S, app: App) {
    let mut buf = Vec::with_capacity(1024);
    for _ in 0..MAX_REQUESTS {
        let head = match read_head(&mut stream, &mut buf).await {
            Head::Request(h) => h,
            Head::Bad => {
                let reply = http::encode_response(
                    "HTTP/1.1",
                    400,
                    "Bad Request",
                    &[
                        ("Server", server_of(app)),
                        ("Content-Type", "text/html"),
                        ("Connection", "close"),
                    ],
                    BAD_REQUEST.as_bytes(),
                );
                let _ = stream.write_all(&reply).await;
                break;
            }
            Head::Closed => break,
        };
        // A body that cannot be skipped still gets its answer, then the close.
        let open = consume_request(&mut stream, &mut buf, &head).await && keep_alive(&head);
        let reply = http_response(app, &head, open);
        if stream.write_all(&reply).await.is_err() || !open {
            break;
        }
    }
    let _ = stream.shutdown().await;
}

fn server_of(app: App) -> &'static str {
    match app {
        App::Camera => CAMERA_SERVER,
        App::Portal => PORTAL_SERVER,
        App::Relay => RELAY_SERVER,
    }
}

/// The response of `app` to one request.
fn http_response(app: App, head: &RequestHead, keep_alive: bool) -> Vec<u8> {
    let connection = if keep_alive { "keep-alive" } else { "close" };
    let html = "text/html; charset=utf-8";
    let path = head.target.split('?').next().unwrap_or("");
    let mut content_type = html;
    let (status, reason, mut headers, body): (u16, &str, Vec<(&str, &str)>, &[u8]) = match app {
        App::Camera if path == "/favicon.ico" => {
            content_type = "image/x-icon";
            (200, "OK", vec![("Server", CAMERA_SERVER)], CAMERA_FAVICON)
        }
        App::Relay => match path {
            "/" => (
                200,
                "OK",
                vec![("Server", RELAY_SERVER)],
                RELAY_PAGE.as_bytes(),
            ),
            "/shelly" => {
                content_type = "application/json";
                (
                    200,
                    "OK",
                    vec![("Server", RELAY_SERVER)],
                    RELAY_INFO.as_bytes(),
                )
            }
            _ => (
                404,
                "Not Found",
                vec![("Server", RELAY_SERVER)],
                NOT_FOUND.as_bytes(),
            ),
        },
        App::Camera => {
            let authorized = head
                .header("authorization")
                .and_then(http::decode_basic_auth)
                .is_some_and(|(u, p)| u == CAMERA_USER && p == CAMERA_PASSWORD);
            if authorized {
                (
                    200,
                    "OK",
                    vec![("Server", CAMERA_SERVER)],
                    CAMERA_LIVE.as_bytes(),
                )
            } else {
                (
                    401,
                    "Unauthorized",
                    vec![
                        ("Server", CAMERA_SERVER),
                        ("WWW-Authenticate", CAMERA_REALM),
                    ],
                    CAMERA_DENIED.as_bytes(),
                )
            }
        }
        App::Portal => (
            200,
            "OK",
            vec![
                ("Server", PORTAL_SERVER),
                ("Strict-Transport-Security", "max-age=31536000"),
                ("X-Content-Type-Options", "nosniff"),
            ],
            PORTAL_PAGE.as_bytes(),
        ),
    };
    headers.push(("Content-Type", content_type));
    headers.push(("Connection", connection));
    let body: &[u8] = if head.method.eq_ignore_ascii_case("HEAD") {
        b""
    } else {
        body
    };
    http::encode_response("HTTP/1.1", status, reason, &headers, body)
}

/// Serves RTSP/1.0 requests on one connection: OPTIONS answers anyone;
/// DESCRIBE too, unless a `guard` wants credentials for it; every response
/// echoes the request's CSeq.
pub(crate) async fn serve_rtsp(mut stream: TcpStream, guard: Option<Arc<DigestGuard>>) {
    let local = stream.local_addr().ok();
    let mut buf = Vec::with_capacity(1024);
    for _ in 0..MAX_REQUESTS {
        let head = match read_head(&mut stream, &mut buf).await {
            Head::Request(h) => h,
            Head::Bad => {
                let reply = http::encode_response(
                    "RTSP/1.0",
                    400,
                    "Bad Request",
                    &[("Server", RTSP_SERVER)],
                    b"",
                );
                let _ = stream.write_all(&reply).await;
                break;
            }
            Head::Closed => break,
        };
        let open = consume_request(&mut stream, &mut buf, &head).await;
        let (reply, keep) = rtsp_response(&head, local, guard.as_deref());
        if stream.write_all(&reply).await.is_err() || !open || !keep {
            break;
        }
    }
    let _ = stream.shutdown().await;
}

/// The RTSP answer to one request, and whether the connection stays open.
fn rtsp_response(
    head: &RequestHead,
    local: Option<SocketAddr>,
    guard: Option<&DigestGuard>,
) -> (Vec<u8>, bool) {
    let cseq = head.header("cseq").map(str::trim).unwrap_or("0");
    let mut headers: Vec<(&str, &str)> = vec![("CSeq", cseq), ("Server", RTSP_SERVER)];
    if !head.protocol.eq_ignore_ascii_case("RTSP/1.0") {
        let reply =
            http::encode_response("RTSP/1.0", 505, "RTSP Version Not Supported", &headers, b"");
        return (reply, false);
    }
    let ip = local
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "0.0.0.0".to_string());
    let base = match local {
        Some(a) => format!("rtsp://{a}/live/"),
        None => "rtsp://0.0.0.0/live/".to_string(),
    };
    let sdp;
    let challenge;
    let method = head.method.to_ascii_uppercase();
    if method == "DESCRIBE"
        && let Some(g) = guard
        && !g.admits(head)
    {
        challenge = g.challenge();
        headers.push(("WWW-Authenticate", &challenge));
        let reply = http::encode_response("RTSP/1.0", 401, "Unauthorized", &headers, b"");
        return (reply, true);
    }
    let (status, reason, body): (u16, &str, &[u8]) = match method.as_str() {
        "OPTIONS" => {
            headers.push(("Public", RTSP_PUBLIC));
            (200, "OK", b"")
        }
        "DESCRIBE" => {
            sdp = format!(
                "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=Lab camera stream\r\nc=IN IP4 0.0.0.0\r\n\
                 t=0 0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n\
                 a=control:trackID=1\r\n"
            );
            headers.push(("Content-Type", "application/sdp"));
            headers.push(("Content-Base", &base));
            (200, "OK", sdp.as_bytes())
        }
        "SETUP" => (461, "Unsupported Transport", b""),
        "PLAY" => (454, "Session Not Found", b""),
        "TEARDOWN" => (200, "OK", b""),
        _ => {
            headers.push(("Public", RTSP_PUBLIC));
            (501, "Not Implemented", b"")
        }
    };
    (
        http::encode_response("RTSP/1.0", status, reason, &headers, body),
        true,
    )
}
