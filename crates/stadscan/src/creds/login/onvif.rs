//! ONVIF login: GetDeviceInformation (a read) with a WS-Security
//! UsernameToken, as the ONVIF Core specification asks of clients. The
//! password never travels: the token carries
//! PasswordDigest = Base64(SHA-1(nonce + created + password)) (OASIS WSS
//! UsernameToken Profile 1.0), with a fresh random nonce and the UTC time.
//!
//! The encoding and the token check are pure functions in
//! `stadscan_proto::wsse`, shared with the lab's ONVIF camera.

use std::time::{SystemTime, UNIX_EPOCH};

use super::{Attempt, Outcome};
use crate::probe::USER_AGENT;
use crate::probe::fetch;
use crate::proto::http;
use crate::proto::onvif::{self, DeviceInfoReply, Fault};
use crate::proto::wsse::encode_request;

const ACTION: &str = "http://www.onvif.org/ver10/device/wsdl/GetDeviceInformation";

/// GetDeviceInformation with the credential on the device service `path`.
pub async fn login(a: &Attempt<'_>, path: &str) -> Outcome {
    let Some(nonce) = random_nonce() else {
        return Outcome::Inconclusive("no random nonce available".into());
    };
    let created = crate::model::rfc3339(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    );
    let body = encode_request(a.username, a.password.expose(), &nonce, &created);
    let Some(mut session) = super::open(a).await else {
        return Outcome::Inconclusive("no connection to the ONVIF service".into());
    };
    let host = super::http::host_header(a);
    let content_type = format!("application/soap+xml; charset=utf-8; action=\"{ACTION}\"");
    let length = body.len().to_string();
    let mut req = http::encode_request(
        "POST",
        path,
        "HTTP/1.1",
        &[
            ("Host", &host),
            ("User-Agent", USER_AGENT),
            ("Content-Type", &content_type),
            ("Content-Length", &length),
            ("Connection", "close"),
        ],
    );
    req.extend_from_slice(&body);
    let Some(r) = fetch::exchange(&mut session.io, &req, a.deadline).await else {
        return Outcome::Inconclusive("no HTTP answer from the ONVIF service".into());
    };
    judge(r.head.status, &r.body)
}

/// What an answer to the authenticated GetDeviceInformation says.
fn judge(status: u16, body: &[u8]) -> Outcome {
    match onvif::parse_device_information(body) {
        Ok(DeviceInfoReply::Info(_)) if status == 200 => Outcome::Accepted,
        Ok(DeviceInfoReply::Fault(f)) if is_auth_fault(&f) => Outcome::Refused,
        Ok(DeviceInfoReply::Fault(f)) => Outcome::Inconclusive(format!(
            "HTTP {status} with a SOAP fault that does not concern authentication ({})",
            f.subcode.as_deref().unwrap_or(&f.code)
        )),
        Ok(DeviceInfoReply::Info(_)) => {
            Outcome::Inconclusive(format!("HTTP {status} with device information"))
        }
        Err(_) if status == 401 => Outcome::Inconclusive(
            "HTTP 401 without a SOAP fault: the service wants HTTP authentication".into(),
        ),
        Err(_) => Outcome::Inconclusive(format!("HTTP {status} without a SOAP answer")),
    }
}

/// `ter:NotAuthorized` (ONVIF Core) or `wsse:FailedAuthentication` (WSS),
/// as the innermost subcode or, in SOAP 1.1 faults, the fault code.
fn is_auth_fault(f: &Fault) -> bool {
    [f.subcode.as_deref(), Some(f.code.as_str())]
        .into_iter()
        .flatten()
        .map(|q| q.rsplit(':').next().unwrap_or(q))
        .any(|local| {
            local.eq_ignore_ascii_case("NotAuthorized")
                || local.eq_ignore_ascii_case("FailedAuthentication")
        })
}

/// 16 random bytes.
fn random_nonce() -> Option<[u8; 16]> {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 16];
    ring::rand::SystemRandom::new().fill(&mut b).ok()?;
    Some(b)
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    use crate::creds::login::Method;
    use crate::proto::onvif::DeviceInformation;
    use crate::proto::wsse::parse_username_token;

    fn fault(code: &str, subcode: Option<&str>) -> Vec<u8> {
        onvif::encode_fault(&Fault {
            code: code.into(),
            subcode: subcode.map(str::to_string),
            reason: Some("r".into()),
        })
    }

    #[test]
    fn answers_are_judged_by_their_proof() {
        let info = onvif::encode_device_information(&DeviceInformation::default());
        assert_eq!(judge(200, &info), Outcome::Accepted);
        assert_eq!(
            judge(400, &fault("s:Sender", Some("ter:NotAuthorized"))),
            Outcome::Refused
        );
        assert_eq!(
            judge(401, &fault("s:Sender", Some("wsse:FailedAuthentication"))),
            Outcome::Refused
        );
        let soap11 = b"<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body>\
            <e:Fault><faultcode>wsse:FailedAuthentication</faultcode><faultstring>x</faultstring>\
            </e:Fault></e:Body></e:Envelope>";
        assert_eq!(judge(500, soap11), Outcome::Refused);
        for (status, body) in [
            (400, fault("s:Receiver", Some("ter:ActionNotSupported"))),
            (401, b"<html>401</html>".to_vec()),
            (500, b"garbage".to_vec()),
            (302, info.clone()),
        ] {
            assert!(
                matches!(judge(status, &body), Outcome::Inconclusive(_)),
                "{status}"
            );
        }
    }

    /// A fake device service: checks the token for admin/secret.
    async fn fake(ip: &str, mode: u8) -> SocketAddr {
        let l = TcpListener::bind(format!("{ip}:0")).await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = l.accept().await {
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let head = loop {
                        if let Ok(h) = http::parse_request_head(&buf) {
                            let n = h.content_length_hint();
                            if buf.len() >= h.head_len + n {
                                break h;
                            }
                        }
                        match s.read(&mut chunk).await {
                            Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                            _ => return,
                        }
                    };
                    let body = &buf[head.head_len..];
                    let reply = match mode {
                        0 => {
                            let ok = parse_username_token(body)
                                .is_some_and(|t| t.username == "admin" && t.verifies("secret"));
                            if ok {
                                http::encode_response(
                                    "HTTP/1.1",
                                    200,
                                    "OK",
                                    &[],
                                    &onvif::encode_device_information(&DeviceInformation::default()),
                                )
                            } else {
                                http::encode_response(
                                    "HTTP/1.1",
                                    400,
                                    "Bad Request",
                                    &[],
                                    &fault("s:Sender", Some("ter:NotAuthorized")),
                                )
                            }
                        }
                        1 => b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nxyz".to_vec(),
                        _ => {
                            tokio::time::sleep(Duration::from_secs(30)).await;
                            return;
                        }
                    };
                    let _ = s.write_all(&reply).await;
                    let _ = s.shutdown().await;
                });
            }
        });
        addr
    }

    trait Hint {
        fn content_length_hint(&self) -> usize;
    }
    impl Hint for http::RequestHead {
        fn content_length_hint(&self) -> usize {
            self.header("content-length")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        }
    }

    async fn try_with(addr: SocketAddr, password: &str, secs: u64) -> Outcome {
        let method = Method::Onvif {
            path: "/onvif/device_service".into(),
        };
        let wait = Duration::from_secs(secs);
        crate::creds::login::testkit::attempt_at(method, addr, "admin", password, wait).await
    }

    #[tokio::test]
    async fn a_device_service_accepts_the_right_token_and_refuses_others() {
        let addr = fake("127.95.3.1", 0).await;
        assert_eq!(try_with(addr, "secret", 5).await, Outcome::Accepted);
        assert_eq!(try_with(addr, "wrong", 5).await, Outcome::Refused);
    }

    #[tokio::test(start_paused = true)]
    async fn garbage_silence_and_closed_ports_are_inconclusive() {
        let garbage = fake("127.95.3.2", 1).await;
        let silent = fake("127.95.3.2", 2).await;
        for addr in [garbage, silent, "127.95.3.2:1".parse().unwrap()] {
            assert!(
                matches!(try_with(addr, "secret", 3).await, Outcome::Inconclusive(_)),
                "{addr}"
            );
        }
    }
}
