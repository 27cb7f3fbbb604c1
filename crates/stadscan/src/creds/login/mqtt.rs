//! MQTT login: one CONNECT (3.1.1) carrying the user name and password; the
//! CONNACK return code is the broker's verdict. Never subscribes, never
//! publishes: after a CONNACK 0 the tester only says DISCONNECT.

use tokio::io::AsyncWriteExt;

use super::{Attempt, Outcome, inconclusive};
use crate::net::io::{ReadEnd, read_until, write_all};
use crate::proto::ParseError;
use crate::proto::mqtt::{self, Connect};

/// Bytes read while waiting for the CONNACK (a 3.1.1 CONNACK is 4).
const LIMIT: usize = 512;
/// Keep-alive announced in the CONNECT, in seconds.
const KEEP_ALIVE: u16 = 10;

/// Tries one MQTT login; see the module text for what counts as in and out.
pub async fn login(a: &Attempt<'_>) -> Outcome {
    let Some(mut session) = super::open(a).await else {
        return inconclusive("no connection to the broker");
    };
    let io = &mut session.io;
    let connect = mqtt::encode_connect(&Connect {
        protocol_level: 4,
        client_id: crate::probe::mqtt_client_id(),
        // 3.1.1 forbids a password without a user name (3.1.2.9), so an
        // empty user name is sent as one.
        username: Some(a.username.to_string()),
        password: Some(a.password.expose().as_bytes().to_vec()),
        keep_alive: KEEP_ALIVE,
        clean_session: true,
    });
    if write_all(io, &connect, a.deadline).await.is_err() {
        return inconclusive("the broker did not take the CONNECT");
    }
    let mut buf = Vec::new();
    let end = read_until(io, &mut buf, a.deadline, LIMIT, |b| {
        !matches!(mqtt::decode_connack(b), Err(ParseError::Incomplete))
    })
    .await;
    let outcome = judge(&buf, end);
    if outcome == Outcome::Accepted {
        // Best effort: the verdict is already in.
        let _sent = write_all(io, &mqtt::encode_disconnect(), a.deadline).await;
    }
    let _closed = tokio::time::timeout_at(a.deadline, io.shutdown()).await;
    outcome
}

/// The verdict on what the broker sent after the CONNECT.
fn judge(buf: &[u8], end: ReadEnd) -> Outcome {
    match mqtt::decode_connack(buf) {
        Ok((ack, _)) => match ack.return_code {
            0 => Outcome::Accepted,
            // 4: bad user name or password; 5: not authorised (what
            // mosquitto answers to a wrong password).
            4 | 5 => Outcome::Refused,
            code => {
                Outcome::Inconclusive(format!("CONNACK {code} ({})", mqtt::connack_meaning(code)))
            }
        },
        Err(ParseError::Incomplete) if buf.is_empty() => match end {
            ReadEnd::Timeout => inconclusive("no CONNACK before the deadline"),
            ReadEnd::Closed => inconclusive("the broker closed without a CONNACK"),
            _ => inconclusive("the connection failed before a CONNACK"),
        },
        Err(ParseError::Incomplete) => inconclusive("a truncated CONNACK"),
        Err(_) => inconclusive("an answer that is not a CONNACK"),
    }
}

#[cfg(test)]
mod tests {

    use std::time::Duration;

    use tokio::io::AsyncReadExt;
    use tokio::net::{TcpListener, TcpStream};

    use super::*;

    use crate::creds::login::Method;
    use crate::proto::fuzz;

    const PASSWORD: &str = "mqtt-Secret-77";

    use crate::creds::login::testkit::fake;

    /// Reads one CONNECT (or gives up after 2 s).
    async fn read_connect(s: &mut TcpStream) -> Option<Connect> {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        tokio::time::timeout(Duration::from_secs(2), async {
            loop {
                match mqtt::decode_connect(&buf) {
                    Ok((c, _)) => return Some(c),
                    Err(ParseError::Incomplete) => {}
                    Err(_) => return None,
                }
                match s.read(&mut chunk).await {
                    Ok(n) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                    _ => return None,
                }
            }
        })
        .await
        .ok()
        .flatten()
    }

    async fn attempt(port: u16, user: &str, password: &str, wait: Duration) -> Outcome {
        crate::creds::login::testkit::attempt(Method::Mqtt, port, user, password, wait).await
    }

    /// A broker that wants `iot` / PASSWORD, answering `refusal` otherwise,
    /// and reporting what the client sent after the CONNACK.
    async fn broker(refusal: u8) -> (u16, tokio::sync::oneshot::Receiver<(Connect, Vec<u8>)>) {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let port = fake(move |mut s| async move {
            let Some(c) = read_connect(&mut s).await else {
                return;
            };
            let ok = c.username.as_deref() == Some("iot")
                && c.password.as_deref() == Some(PASSWORD.as_bytes());
            let code = if ok { 0 } else { refusal };
            let ack = mqtt::encode_connack(mqtt::ConnAck {
                session_present: false,
                return_code: code,
            });
            let _ = s.write_all(&ack).await;
            let mut after = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(2), s.read_to_end(&mut after)).await;
            let _ = tx.send((c, after));
        })
        .await;
        (port, rx)
    }

    #[tokio::test]
    async fn connack_0_is_accepted_and_the_tester_only_disconnects() {
        let (port, rx) = broker(5).await;
        let got = attempt(port, "iot", PASSWORD, Duration::from_secs(3)).await;
        assert_eq!(got, Outcome::Accepted);
        let (c, after) = rx.await.unwrap();
        assert_eq!(after, mqtt::encode_disconnect(), "no SUBSCRIBE, no PUBLISH");
        assert_eq!((c.protocol_level, c.keep_alive), (4, KEEP_ALIVE));
        assert!(c.clean_session);
        assert_eq!(c.client_id.len(), "stadscan-".len() + 8, "{}", c.client_id);
        assert!(c.client_id.starts_with("stadscan-"));
        assert!(c.client_id[9..].chars().all(|ch| ch.is_ascii_hexdigit()));
    }

    #[tokio::test]
    async fn connack_5_and_4_are_refusals() {
        for code in [5, 4] {
            let (port, rx) = broker(code).await;
            let got = attempt(port, "iot", "wrong", Duration::from_secs(3)).await;
            assert_eq!(got, Outcome::Refused, "CONNACK {code}");
            let (_, after) = rx.await.unwrap();
            assert!(after.is_empty(), "nothing is sent after a refusal");
        }
    }

    #[tokio::test]
    async fn other_connack_codes_are_inconclusive() {
        let (port, _rx) = broker(3).await;
        let got = attempt(port, "iot", "wrong", Duration::from_secs(3)).await;
        assert_eq!(
            got,
            Outcome::Inconclusive("CONNACK 3 (server unavailable)".into())
        );
    }

    #[tokio::test]
    async fn garbage_reset_and_silence_are_inconclusive() {
        let garbage = fake(|mut s| async move {
            let _ = read_connect(&mut s).await;
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        })
        .await;
        let reset = fake(|s| async move {
            let _ = s.set_zero_linger();
            drop(s);
        })
        .await;
        let closed = fake(|mut s| async move {
            let _ = read_connect(&mut s).await;
        })
        .await;
        let silent = fake(|mut s| async move {
            let _ = read_connect(&mut s).await;
            tokio::time::sleep(Duration::from_secs(5)).await;
        })
        .await;
        for (port, name) in [
            (garbage, "garbage"),
            (reset, "reset"),
            (closed, "closed"),
            (silent, "silent"),
        ] {
            let got = attempt(port, "iot", PASSWORD, Duration::from_millis(800)).await;
            assert!(matches!(got, Outcome::Inconclusive(_)), "{name}: {got:?}");
        }
    }

    #[tokio::test]
    async fn nothing_listening_is_inconclusive() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let got = attempt(port, "iot", PASSWORD, Duration::from_secs(1)).await;
        assert!(matches!(got, Outcome::Inconclusive(_)));
    }

    #[test]
    fn judge_reads_truncated_and_malformed_answers_as_inconclusive() {
        assert_eq!(
            judge(&[0x20, 0x02, 0x00, 0x00], ReadEnd::Complete),
            Outcome::Accepted
        );
        assert_eq!(
            judge(&[0x20, 0x02, 0x00, 0x05], ReadEnd::Complete),
            Outcome::Refused
        );
        for (buf, end) in [
            (&[0x20, 0x02, 0x00][..], ReadEnd::Closed),
            (&[][..], ReadEnd::Timeout),
            (&[][..], ReadEnd::Failed),
            (&[0x20, 0x01, 0x00][..], ReadEnd::Complete),
            (&[0x30, 0x02, 0x00, 0x00][..], ReadEnd::Complete),
        ] {
            assert!(
                matches!(judge(buf, end), Outcome::Inconclusive(_)),
                "{buf:?}"
            );
        }
        for input in fuzz::random_inputs(11, 300, 64) {
            let _ = judge(&input, ReadEnd::Closed);
        }
    }

    #[tokio::test]
    async fn the_password_never_appears_in_an_outcome() {
        let garbage = fake(|mut s| async move {
            let _ = read_connect(&mut s).await;
            let _ = s.write_all(&[0x20, 0x02, 0x00, 0x02]).await;
        })
        .await;
        let got = attempt(garbage, "iot", PASSWORD, Duration::from_secs(2)).await;
        assert!(!format!("{got:?}").contains(PASSWORD));
    }
}
