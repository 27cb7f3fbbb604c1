//! Tests for `proto::http`: byte-level fixtures from nginx, a Hikvision-like camera and an RTSP server.

use super::*;
use crate::fuzz;

const NGINX: &[u8] = b"HTTP/1.1 401 Unauthorized\r\nServer: nginx/1.18.0\r\nContent-Type: text/html\r\nContent-Length: 179\r\nWWW-Authenticate: Basic realm=\"Restricted\"\r\n\r\n<html>";
const HIKVISION: &[u8] = b"HTTP/1.1 401 Unauthorized\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\nServer: webserver\r\nWWW-Authenticate: Digest realm=\"IP Camera(12345)\", nonce=\"4e6a4d784d7a6b305a6a5a69\", qop=\"auth\", stale=\"FALSE\"\r\nContent-Length: 0\r\n\r\n";
const RTSP_OPTIONS: &[u8] = b"RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE, SETUP, TEARDOWN, PLAY, PAUSE, GET_PARAMETER\r\n\r\n";

#[test]
fn parses_nginx_401_head_and_stops_before_body() {
    let h = parse_response_head(NGINX).unwrap();
    assert_eq!(
        (h.protocol.as_str(), h.status, h.reason.as_str()),
        ("HTTP/1.1", 401, "Unauthorized")
    );
    assert_eq!(h.head_len, NGINX.len() - b"<html>".len());
    assert_eq!(h.header("SERVER"), Some("nginx/1.18.0"));
    assert_eq!(h.headers[0].0, "Server", "names keep their original case");
    assert_eq!(h.content_length(), Some(179));
    assert!(!h.is_chunked());
}

#[test]
fn parses_rtsp_response_with_public_methods() {
    let h = parse_response_head(RTSP_OPTIONS).unwrap();
    assert_eq!(h.protocol, "RTSP/1.0");
    assert_eq!(h.header("public").unwrap().split(", ").count(), 7);
    assert_eq!(h.header("cseq"), Some("1"));
}

#[test]
fn response_head_is_incomplete_until_blank_line() {
    for end in 0..RTSP_OPTIONS.len() {
        assert_eq!(
            parse_response_head(&RTSP_OPTIONS[..end]),
            Err(ParseError::Incomplete),
            "{end}"
        );
    }
}

#[test]
fn accepts_bare_lf_line_ends_and_missing_reason() {
    let h = parse_response_head(b"HTTP/1.0 204\nX-A: 1\n\n").unwrap();
    assert_eq!((h.status, h.reason.as_str(), h.head_len), (204, "", 21));
}

#[test]
fn head_without_blank_line_beyond_max_head_is_too_large() {
    let mut buf = b"HTTP/1.1 200 OK\r\nX-Pad: ".to_vec();
    buf.resize(MAX_HEAD + 1, b'a');
    let err = parse_response_head(&buf).unwrap_err();
    assert_eq!(
        err,
        ParseError::TooLarge {
            field: "head",
            limit: MAX_HEAD
        }
    );
    assert_eq!(
        parse_response_head(&buf[..MAX_HEAD - 1]),
        Err(ParseError::Incomplete)
    );
}

#[test]
fn more_than_max_headers_is_too_large() {
    let mut buf = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..=MAX_HEADERS {
        buf.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    buf.extend_from_slice(b"\r\n");
    assert!(matches!(
        parse_response_head(&buf),
        Err(ParseError::TooLarge {
            field: "headers",
            ..
        })
    ));
}

#[test]
fn rejects_header_line_without_colon() {
    let err = parse_response_head(b"HTTP/1.1 200 OK\r\nbogus line\r\n\r\n").unwrap_err();
    assert!(matches!(
        err,
        ParseError::Malformed {
            field: "header",
            ..
        }
    ));
}

#[test]
fn rejects_non_http_status_line_as_soon_as_it_is_complete() {
    let ssh = b"SSH-2.0-OpenSSH_9.2p1\r\n";
    assert!(matches!(
        parse_response_head(ssh),
        Err(ParseError::Malformed { .. })
    ));
    for bad in [
        &b"HTTP/1.1 20 OK\r\n"[..],
        b"HTTP/11 200 OK\r\n",
        b"HTTP/1.1 2x0 OK\r\n",
        b"\r\n",
    ] {
        assert!(
            matches!(parse_response_head(bad), Err(ParseError::Malformed { .. })),
            "{bad:?}"
        );
    }
}

#[test]
fn appends_obs_fold_to_previous_value() {
    let h = parse_response_head(b"HTTP/1.1 200 OK\r\nX-Long: first\r\n \t second\r\n\r\n").unwrap();
    assert_eq!(h.header("x-long"), Some("first second"));
    let err = parse_response_head(b"HTTP/1.1 200 OK\r\n folded\r\n\r\n").unwrap_err();
    assert!(matches!(err, ParseError::Malformed { .. }));
}

#[test]
fn content_length_rejects_signs_and_garbage() {
    for (v, want) in [
        ("12", Some(12)),
        ("-1", None),
        ("+5", None),
        ("1e3", None),
        ("", None),
    ] {
        let raw = format!("HTTP/1.1 200 OK\r\nContent-Length: {v}\r\n\r\n");
        assert_eq!(
            parse_response_head(raw.as_bytes())
                .unwrap()
                .content_length(),
            want,
            "{v}"
        );
    }
}

#[test]
fn chunked_only_when_last_coding() {
    let h = parse_response_head(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\ntransfer-encoding: Chunked\r\n\r\n",
    )
    .unwrap();
    assert!(h.is_chunked());
    assert_eq!(
        h.headers_named("TRANSFER-ENCODING").collect::<Vec<_>>(),
        ["gzip", "Chunked"]
    );
    let h = parse_response_head(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n")
        .unwrap();
    assert!(!h.is_chunked());
}

#[test]
fn request_round_trips_and_strips_injected_newlines() {
    let raw = encode_request(
        "GET",
        "/ISAPI/System/deviceInfo",
        "HTTP/1.1",
        &[("Host", "10.0.0.5"), ("X-Evil", "a\r\nInjected: 1")],
    );
    let r = parse_request_head(&raw).unwrap();
    assert_eq!(
        (r.method.as_str(), r.target.as_str(), r.protocol.as_str()),
        ("GET", "/ISAPI/System/deviceInfo", "HTTP/1.1")
    );
    assert_eq!(r.header("host"), Some("10.0.0.5"));
    assert_eq!(r.header("x-evil"), Some("aInjected: 1"));
    assert_eq!(r.header("injected"), None);
    assert_eq!(r.head_len, raw.len());
}

#[test]
fn rejects_malformed_request_lines() {
    for bad in [
        &b"GET /\r\n\r\n"[..],
        b"GET / HTTP/1.1 extra\r\n\r\n",
        b"G(T / HTTP/1.1\r\n\r\n",
        b"GET / FTP\r\n\r\n",
    ] {
        assert!(
            matches!(parse_request_head(bad), Err(ParseError::Malformed { .. })),
            "{bad:?}"
        );
    }
    assert_eq!(
        parse_request_head(b"OPTIONS rtsp://cam/ RTSP/1.0\r\nCSeq: 2\r\n"),
        Err(ParseError::Incomplete)
    );
}

#[test]
fn response_round_trips_with_single_content_length() {
    let raw = encode_response(
        "RTSP/1.0",
        200,
        "OK",
        &[("CSeq", "3"), ("content-length", "999")],
        b"v=0\r\n",
    );
    let h = parse_response_head(&raw).unwrap();
    assert_eq!((h.status, h.content_length()), (200, Some(5)));
    assert_eq!(h.headers_named("content-length").count(), 1);
    assert_eq!(&raw[h.head_len..], b"v=0\r\n");
}

#[test]
fn html_title_decodes_entities_and_collapses_whitespace() {
    let body = b"<html><head><TITLE id=\"t\">\n  Web &amp; Video   &lt;Client&gt; &#39;v2&#39; &amp;lt;</TITLE></head>";
    assert_eq!(
        html_title(body).as_deref(),
        Some("Web & Video <Client> 'v2' &lt;")
    );
    assert_eq!(
        html_title(b"<titlebar>x</titlebar><title>Real</title>").as_deref(),
        Some("Real")
    );
    assert_eq!(html_title(b"<title>never closed"), None);
    assert_eq!(html_title(b"<title>   </title>"), None);
    assert_eq!(
        html_title(b"<title>AT&T &bogus; &</title>").as_deref(),
        Some("AT&T &bogus; &")
    );
    let long = format!("<title>{}</title>", "\u{e9}".repeat(300));
    assert_eq!(
        html_title(long.as_bytes()).unwrap().chars().count(),
        MAX_TITLE_CHARS
    );
}

#[test]
fn parses_hikvision_digest_challenge() {
    let h = parse_response_head(HIKVISION).unwrap();
    let c = parse_www_authenticate(h.header("www-authenticate").unwrap());
    assert_eq!(c.len(), 1);
    assert_eq!(c[0].scheme, "digest");
    assert_eq!(c[0].realm.as_deref(), Some("IP Camera(12345)"));
    assert_eq!(c[0].param("nonce"), Some("4e6a4d784d7a6b305a6a5a69"));
    assert_eq!(c[0].param("QOP"), Some("auth"));
    assert_eq!(c[0].params.len(), 4);
}

#[test]
fn parses_several_challenges_in_one_value() {
    let c = parse_www_authenticate(
        "Negotiate YIIGhgYGKwYBBQUCoIIGejCC==, Basic realm=\"Axis \\\"cam\\\"\", Digest realm=x, nonce=abc, Bearer",
    );
    let schemes: Vec<_> = c.iter().map(|c| c.scheme.as_str()).collect();
    assert_eq!(schemes, ["negotiate", "basic", "digest", "bearer"]);
    assert_eq!(c[0].param(TOKEN68), Some("YIIGhgYGKwYBBQUCoIIGejCC=="));
    assert_eq!(c[1].realm.as_deref(), Some("Axis \"cam\""));
    assert_eq!(c[2].param("nonce"), Some("abc"));
    assert!(c[3].params.is_empty());
    assert!(parse_www_authenticate("  ,, ").is_empty());
}

#[test]
fn basic_auth_round_trips_with_colon_in_password() {
    assert_eq!(encode_basic_auth("user", "pass"), "Basic dXNlcjpwYXNz");
    assert_eq!(
        encode_basic_auth("admin", "12345"),
        "Basic YWRtaW46MTIzNDU="
    );
    let v = encode_basic_auth("root", "a:b\u{e9}");
    assert_eq!(
        decode_basic_auth(&v),
        Some(("root".into(), "a:b\u{e9}".into()))
    );
    assert_eq!(
        decode_basic_auth("basic YWRtaW46MTIzNDU"),
        Some(("admin".into(), "12345".into()))
    );
    assert_eq!(decode_basic_auth("Digest YWRtaW46MTIzNDU="), None);
    assert_eq!(decode_basic_auth("Basic !!!!"), None);
    assert_eq!(decode_basic_auth("Basic YWRtaW4="), None, "no colon");
}

#[test]
fn base64_matches_rfc4648_vectors() {
    let v = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (plain, enc) in v {
        assert_eq!(base64_encode(plain.as_bytes()), enc);
        assert_eq!(base64_decode(enc).unwrap(), plain.as_bytes());
    }
    assert_eq!(base64_decode("Z"), None);
}

#[test]
fn parsers_never_panic_on_random_or_mutated_input() {
    let reqs = encode_request("DESCRIBE", "rtsp://cam/", "RTSP/1.0", &[("CSeq", "2")]);
    for input in fuzz::mutations(&[NGINX, HIKVISION, RTSP_OPTIONS, &reqs]) {
        let _ = parse_response_head(&input);
        let _ = parse_request_head(&input);
        let _ = html_title(&input);
        let s = String::from_utf8_lossy(&input);
        let _ = parse_www_authenticate(&s);
        let _ = decode_basic_auth(&s);
    }
}

#[test]
fn chunked_bodies_are_joined_and_broken_framing_refused() {
    let body = b"4\r\nWiki\r\n6;ext=1\r\npedia \r\nE\r\nin \r\n\r\nchunks.\r\n0\r\n\r\n";
    assert_eq!(
        decode_chunked(body).unwrap(),
        b"Wikipedia in \r\n\r\nchunks.".to_vec()
    );
    // Truncated inside a chunk, a size that is not hex, a missing CRLF.
    assert_eq!(decode_chunked(b"a\r\nabc"), None);
    assert_eq!(decode_chunked(b"zz\r\nabc\r\n0\r\n\r\n"), None);
    assert_eq!(decode_chunked(b"3\r\nabcX0\r\n\r\n"), None);
    // A size that would overflow.
    assert_eq!(decode_chunked(b"ffffffffffffffffff\r\n"), None);
}
