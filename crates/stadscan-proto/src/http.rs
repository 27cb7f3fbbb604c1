//! HTTP/1.x and RTSP/1.0 message heads, authentication challenges and page titles.
//! Both protocols share the message syntax, so one parser serves cameras' web and RTSP ports.

use super::{ParseError, excerpt, malformed, next_line, one_line};

/// Largest message head (start line and headers) accepted, in bytes.
pub const MAX_HEAD: usize = 32 * 1024;
/// Most header lines accepted in one head.
pub const MAX_HEADERS: usize = 100;
/// Longest title `html_title` returns, in characters.
pub const MAX_TITLE_CHARS: usize = 200;

/// The status line and headers of an HTTP or RTSP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    /// Protocol and version from the status line, such as "HTTP/1.1" or "RTSP/1.0".
    pub protocol: String,
    /// Status code, such as 200 or 401.
    pub status: u16,
    /// Reason phrase after the code, trimmed; may be empty.
    pub reason: String,
    /// Headers in order as (name, value), names as sent, values trimmed, folded lines joined.
    pub headers: Vec<(String, String)>,
    /// Bytes of the head in the input, the blank line that ends it included; the body starts here.
    pub head_len: usize,
}

impl ResponseHead {
    /// The first value of header `name`, compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        first(&self.headers, name)
    }

    /// Every value of header `name`, compared without regard to case, in order.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        named(&self.headers, name)
    }

    /// `None` when absent or not a plain decimal number (a lying or signed length
    /// must not be trusted as a body size).
    pub fn content_length(&self) -> Option<usize> {
        let v = self.header("content-length")?;
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        v.parse().ok()
    }

    /// Chunked only counts when it is the final transfer coding (RFC 9112 6.1).
    pub fn is_chunked(&self) -> bool {
        self.headers_named("transfer-encoding")
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .last()
            .is_some_and(|c| c.eq_ignore_ascii_case("chunked"))
    }
}

/// The request line and headers of an HTTP or RTSP request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestHead {
    /// Method, such as "GET", "DESCRIBE" or "M-SEARCH", as sent.
    pub method: String,
    /// Request target: a path, an absolute URL, or "*".
    pub target: String,
    /// Protocol and version, such as "HTTP/1.1" or "RTSP/1.0".
    pub protocol: String,
    /// Headers in order as (name, value), names as sent, values trimmed, folded lines joined.
    pub headers: Vec<(String, String)>,
    /// Bytes of the head in the input, the blank line that ends it included.
    pub head_len: usize,
}

impl RequestHead {
    /// The first value of header `name`, compared without regard to case.
    pub fn header(&self, name: &str) -> Option<&str> {
        first(&self.headers, name)
    }
}

fn first<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn named<'a>(headers: &'a [(String, String)], name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    headers
        .iter()
        .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// "XXXX/d.d": HTTP/1.0, HTTP/1.1, RTSP/1.0 and their odd cousins.
fn is_protocol(p: &str) -> bool {
    let Some((name, ver)) = p.split_once('/') else {
        return false;
    };
    let v = ver.as_bytes();
    (1..=8).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphabetic())
        && v.len() == 3
        && v[0].is_ascii_digit()
        && v[1] == b'.'
        && v[2].is_ascii_digit()
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_graphic() && !b"\"(),/:;<=>?@[\\]{}".contains(&b))
}

fn parse_status_line(line: &str) -> Result<(String, u16, String), ParseError> {
    let (protocol, rest) = line.split_once(' ').unwrap_or((line, ""));
    if !is_protocol(protocol) {
        return Err(malformed(
            "status line",
            format!("bad protocol {}", excerpt(protocol)),
        ));
    }
    let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
    if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(malformed(
            "status",
            format!("not three digits: {}", excerpt(code)),
        ));
    }
    let status = code
        .parse()
        .map_err(|_| malformed("status", "not a number"))?;
    Ok((protocol.to_string(), status, reason.trim().to_string()))
}

fn parse_request_line(line: &str) -> Result<(String, String, String), ParseError> {
    let mut parts = line.split(' ').filter(|p| !p.is_empty());
    let (Some(method), Some(target), Some(protocol), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(malformed("request line", "expected METHOD TARGET PROTOCOL"));
    };
    if !is_token(method) {
        return Err(malformed("method", excerpt(method)));
    }
    if !is_protocol(protocol) {
        return Err(malformed(
            "request line",
            format!("bad protocol {}", excerpt(protocol)),
        ));
    }
    Ok((method.to_string(), target.to_string(), protocol.to_string()))
}

/// Start line, headers in arrival order, and the head length.
type Head<T> = (T, Vec<(String, String)>, usize);

/// Finds the end of the head, validating the start line as soon as it is complete so
/// that a non-HTTP peer is rejected without waiting for a blank line that never comes.
fn split_head<T>(
    buf: &[u8],
    start_line: impl Fn(&str) -> Result<T, ParseError>,
) -> Result<Head<T>, ParseError> {
    let window = &buf[..buf.len().min(MAX_HEAD)];
    let Some((first, first_len)) = next_line(window) else {
        return Err(incomplete_or_too_large(buf));
    };
    let start = start_line(&String::from_utf8_lossy(first))?;
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut pos = first_len;
    loop {
        let Some((line, len)) = next_line(&window[pos..]) else {
            return Err(incomplete_or_too_large(buf));
        };
        pos += len;
        if line.is_empty() {
            return Ok((start, headers, pos));
        }
        let line = String::from_utf8_lossy(line);
        if line.starts_with([' ', '\t']) {
            // obs-fold (RFC 9112 5.2): the line continues the previous value.
            let Some((_, value)) = headers.last_mut() else {
                return Err(malformed("header", "continuation line before any header"));
            };
            let more = line.trim();
            if !more.is_empty() {
                if !value.is_empty() {
                    value.push(' ');
                }
                value.push_str(more);
            }
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(malformed(
                "header",
                format!("no colon in {}", excerpt(line.as_bytes())),
            ));
        };
        // Some device firmwares write "Server : x"; trailing blanks in the name are tolerated.
        let name = name.trim_end();
        if !is_token(name) {
            return Err(malformed("header", format!("bad name {}", excerpt(name))));
        }
        if headers.len() == MAX_HEADERS {
            return Err(ParseError::TooLarge {
                field: "headers",
                limit: MAX_HEADERS,
            });
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
}

fn incomplete_or_too_large(buf: &[u8]) -> ParseError {
    if buf.len() >= MAX_HEAD {
        ParseError::TooLarge {
            field: "head",
            limit: MAX_HEAD,
        }
    } else {
        ParseError::Incomplete
    }
}

/// Reads a response head from the start of `buf`; the body, if any, is left to the caller.
pub fn parse_response_head(buf: &[u8]) -> Result<ResponseHead, ParseError> {
    let ((protocol, status, reason), headers, head_len) = split_head(buf, parse_status_line)?;
    Ok(ResponseHead {
        protocol,
        status,
        reason,
        headers,
        head_len,
    })
}

/// Reads a request head from the start of `buf`; the body, if any, is left to the caller.
pub fn parse_request_head(buf: &[u8]) -> Result<RequestHead, ParseError> {
    let ((method, target, protocol), headers, head_len) = split_head(buf, parse_request_line)?;
    Ok(RequestHead {
        method,
        target,
        protocol,
        headers,
        head_len,
    })
}

fn push_headers(out: &mut String, headers: &[(&str, &str)]) {
    for (name, value) in headers {
        out.extend(one_line(name));
        out.push_str(": ");
        out.extend(one_line(value));
        out.push_str("\r\n");
    }
}

/// A request head ending in the blank line; CR and LF inside any part are removed so none can add a line.
pub fn encode_request(
    method: &str,
    target: &str,
    protocol: &str,
    headers: &[(&str, &str)],
) -> Vec<u8> {
    let mut out = String::new();
    out.extend(one_line(method));
    out.push(' ');
    out.extend(one_line(target));
    out.push(' ');
    out.extend(one_line(protocol));
    out.push_str("\r\n");
    push_headers(&mut out, headers);
    out.push_str("\r\n");
    out.into_bytes()
}

/// A caller's own Content-Length is dropped: two differing lengths would make the
/// response ambiguous (the classic smuggling ingredient).
pub fn encode_response(
    protocol: &str,
    status: u16,
    reason: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Vec<u8> {
    let mut out = String::new();
    out.extend(one_line(protocol));
    out.push_str(&format!(" {status:03} "));
    out.extend(one_line(reason));
    out.push_str("\r\n");
    let kept: Vec<(&str, &str)> = headers
        .iter()
        .copied()
        .filter(|(n, _)| !n.eq_ignore_ascii_case("content-length"))
        .collect();
    push_headers(&mut out, &kept);
    out.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    let mut out = out.into_bytes();
    out.extend_from_slice(body);
    out
}

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// `None` when there is no complete, non-empty `<title>` element.
pub fn html_title(body: &[u8]) -> Option<String> {
    let mut from = 0;
    let content_start = loop {
        let at = from + find_ci(&body[from..], b"<title")?;
        let after = at + b"<title".len();
        match body.get(after) {
            // "<titlebar>" is another element.
            Some(b'>' | b' ' | b'\t' | b'\r' | b'\n' | b'/') => {
                let close = after + body[after..].iter().position(|&b| b == b'>')?;
                break close + 1;
            }
            Some(_) => from = after,
            None => return None,
        }
    };
    let len = find_ci(&body[content_start..], b"</title")?;
    let raw = String::from_utf8_lossy(&body[content_start..content_start + len]);
    let decoded = decode_entities(&raw);
    let title: String = decoded
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_TITLE_CHARS)
        .collect();
    (!title.is_empty()).then_some(title)
}

/// Single pass, so "&amp;lt;" becomes "&lt;" and not "<".
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let entity = rest
            .get(1..rest.len().min(12))
            .and_then(|tail| tail.find(';'))
            .map(|semi| &rest[1..semi + 1]);
        let decoded = entity.and_then(|e| match e {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" | "#39" => Some('\''),
            "nbsp" => Some(' '),
            _ => {
                let num = e.strip_prefix('#')?;
                let code = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => num.parse().ok()?,
                };
                char::from_u32(code)
            }
        });
        match (entity, decoded) {
            (Some(e), Some(c)) => {
                out.push(c);
                rest = &rest[e.len() + 2..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// One challenge from a `WWW-Authenticate` (or `Proxy-Authenticate`) value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// Authentication scheme, lower-cased ("basic", "digest", "bearer", ...).
    pub scheme: String,
    /// The `realm` parameter, when the challenge has one.
    pub realm: Option<String>,
    /// Parameters as (lower-cased name, unquoted value), in order; a token68 appears under [`TOKEN68`].
    pub params: Vec<(String, String)>,
}

/// Name under which a token68 credential (`Negotiate YII...=`) appears in `params`.
pub const TOKEN68: &str = "token68";

impl Challenge {
    /// Parameter names are stored lowercase; `realm` stays in `params` as well.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.i += 1;
        }
    }
    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> String {
        let start = self.i;
        while self.peek().is_some_and(&f) {
            self.i += 1;
        }
        String::from_utf8_lossy(&self.s[start..self.i]).into_owned()
    }
    fn token(&mut self) -> String {
        self.take_while(|b| b.is_ascii_graphic() && !b"\"(),/:;<=>?@[\\]{}".contains(&b))
    }
    fn quoted(&mut self) -> String {
        let mut out = Vec::new();
        self.i += 1;
        while let Some(b) = self.peek() {
            self.i += 1;
            match b {
                b'"' => break,
                b'\\' => {
                    if let Some(e) = self.peek() {
                        out.push(e);
                        self.i += 1;
                    }
                }
                _ => out.push(b),
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}

fn is_token68(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
}

/// Commas separate both parameters and challenges (RFC 9110 11.6.1), so a name not
/// followed by "=" starts the next challenge.
pub fn parse_www_authenticate(value: &str) -> Vec<Challenge> {
    let mut c = Cursor {
        s: value.as_bytes(),
        i: 0,
    };
    let mut out = Vec::new();
    loop {
        while matches!(c.peek(), Some(b' ' | b'\t' | b',')) {
            c.i += 1;
        }
        if c.peek().is_none() {
            return out;
        }
        let scheme = c.token();
        if scheme.is_empty() {
            c.i += 1; // stray separator: skip it rather than loop forever
            continue;
        }
        let mut ch = Challenge {
            scheme: scheme.to_ascii_lowercase(),
            realm: None,
            params: Vec::new(),
        };
        c.skip_ws();
        if let Some(t) = try_token68(&mut c) {
            ch.params.push((TOKEN68.to_string(), t));
        } else {
            loop {
                let before = c.i;
                while matches!(c.peek(), Some(b' ' | b'\t' | b',')) {
                    c.i += 1;
                }
                let name = c.token();
                c.skip_ws();
                if name.is_empty() || c.peek() != Some(b'=') {
                    c.i = before;
                    break;
                }
                c.i += 1;
                c.skip_ws();
                let v = if c.peek() == Some(b'"') {
                    c.quoted()
                } else {
                    c.token()
                };
                ch.params.push((name.to_ascii_lowercase(), v));
            }
        }
        ch.realm = ch.param("realm").map(str::to_string);
        out.push(ch);
    }
}

fn try_token68(c: &mut Cursor<'_>) -> Option<String> {
    let start = c.i;
    let mut end = start;
    while c.s.get(end).is_some_and(|&b| is_token68(b)) {
        end += 1;
    }
    let body_end = end;
    while c.s.get(end) == Some(&b'=') {
        end += 1;
    }
    let mut after = end;
    while matches!(c.s.get(after), Some(b' ' | b'\t')) {
        after += 1;
    }
    let ends = matches!(c.s.get(after), None | Some(b','));
    if body_end > start && ends && !(end == body_end + 1 && c.s.get(after) == Some(&b',')) {
        // "name=," is an empty auth-param, not a credential.
        c.i = end;
        return Some(String::from_utf8_lossy(&c.s[start..end]).into_owned());
    }
    None
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard Base64 (RFC 4648 alphabet) with `=` padding.
pub fn base64_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * k)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Standard alphabet; padding optional, anything else outside the alphabet is `None`.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let s = s.trim_end_matches('=').as_bytes();
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 2);
    let mut acc = 0u32;
    let mut bits = 0;
    for &c in s {
        let v = B64.iter().position(|&x| x == c)? as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// An `Authorization` value "Basic base64(user:password)" (RFC 7617).
pub fn encode_basic_auth(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64_encode(format!("{user}:{password}").as_bytes())
    )
}

/// User and password from a "Basic ..." `Authorization` value; `None` when it is another scheme or not valid Base64 UTF-8 with a ':'.
pub fn decode_basic_auth(value: &str) -> Option<(String, String)> {
    let (scheme, creds) = value.trim().split_once([' ', '\t'])?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let raw = String::from_utf8(base64_decode(creds.trim())?).ok()?;
    let (user, password) = raw.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// Joins the chunks of a `Transfer-Encoding: chunked` body (extensions and
/// trailers ignored). `None` when the framing is broken or a chunk runs past
/// the end of `body` (a truncated read).
pub fn decode_chunked(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
        let line = std::str::from_utf8(&rest[..line_end]).ok()?;
        let size_text = line.split(';').next()?.trim();
        let size = usize::from_str_radix(size_text, 16).ok()?;
        rest = &rest[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        if rest.len() < size.checked_add(2)? || &rest[size..size + 2] != b"\r\n" {
            return None;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

#[cfg(test)]
mod tests;
