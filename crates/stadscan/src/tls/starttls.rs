//! STARTTLS: the cleartext exchange that turns a plain connection into one
//! ready for a ClientHello (SMTP, FTP `AUTH TLS`, IMAP, POP3, LDAP). The
//! TLS assessment runs it on every connection before its handshake.

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use crate::net::io::{read_until, write_all};

pub use crate::model::tls::Starttls;

/// LDAPv3 ExtendedRequest for StartTLS (RFC 4511 4.14, OID 1.3.6.1.4.1.1466.20037),
/// message id 1.
pub(crate) const LDAP_STARTTLS: &[u8] = &[
    0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16, b'1', b'.', b'3', b'.', b'6', b'.', b'1',
    b'.', b'4', b'.', b'1', b'.', b'1', b'4', b'6', b'6', b'.', b'2', b'0', b'0', b'3', b'7',
];

const LIMIT: usize = 8192;

/// Runs the upgrade on `io`. True when the server agreed to start TLS.
pub async fn upgrade<S>(io: &mut S, kind: Starttls, deadline: Instant) -> bool
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match kind {
        Starttls::Smtp => {
            // The whole greeting first: Postfix's postscreen sends `220-`,
            // waits seconds for `220 `, and drops (or marks as a bot) a
            // client that speaks before it ends (RFC 5321 4.2.1, 4.3.1).
            smtp_final(io, deadline, b"220").await
                && send(io, b"EHLO stadscan.invalid\r\n", deadline).await
                && smtp_final(io, deadline, b"250").await
                && send(io, b"STARTTLS\r\n", deadline).await
                && line_reply(io, deadline, b"220").await
        }
        Starttls::Ftp => {
            smtp_final(io, deadline, b"220").await
                && send(io, b"AUTH TLS\r\n", deadline).await
                && line_reply(io, deadline, b"234").await
        }
        Starttls::Imap => {
            line_reply(io, deadline, b"* OK").await
                && send(io, b"a1 STARTTLS\r\n", deadline).await
                && tagged_ok(io, deadline).await
        }
        Starttls::Pop3 => {
            line_reply(io, deadline, b"+OK").await
                && send(io, b"STLS\r\n", deadline).await
                && line_reply(io, deadline, b"+OK").await
        }
        Starttls::Ldap => {
            send(io, LDAP_STARTTLS, deadline).await && ldap_success(io, deadline).await
        }
    }
}

async fn send<S: AsyncWrite + Unpin>(io: &mut S, bytes: &[u8], deadline: Instant) -> bool {
    write_all(io, bytes, deadline).await.is_ok()
}

/// Reads one line; true when it starts with `prefix`.
async fn line_reply<S: AsyncRead + Unpin>(io: &mut S, deadline: Instant, prefix: &[u8]) -> bool {
    let mut buf = Vec::new();
    read_until(io, &mut buf, deadline, LIMIT, |b| b.contains(&b'\n')).await;
    buf.starts_with(prefix)
}

/// Reads a possibly multi-line reply (`250-...` lines, then `250 ...`);
/// true when its final line has `code`.
async fn smtp_final<S: AsyncRead + Unpin>(io: &mut S, deadline: Instant, code: &[u8]) -> bool {
    let mut buf = Vec::new();
    read_until(io, &mut buf, deadline, LIMIT, |b| final_line(b).is_some()).await;
    final_line(&buf).is_some_and(|l| l.starts_with(code))
}

/// The last line of a multi-line reply once it is complete: `250 ...`
/// (a space after the code), not `250-...`.
fn final_line(buf: &[u8]) -> Option<&[u8]> {
    let body = buf.strip_suffix(b"\n")?;
    let last = body.rsplit(|b| *b == b'\n').next()?;
    (last.len() >= 4 && last[3] == b' ').then_some(last)
}

async fn tagged_ok<S: AsyncRead + Unpin>(io: &mut S, deadline: Instant) -> bool {
    let mut buf = Vec::new();
    read_until(io, &mut buf, deadline, LIMIT, |b| {
        b.split(|c| *c == b'\n').any(|l| l.starts_with(b"a1 "))
    })
    .await;
    buf.split(|c| *c == b'\n').any(|l| l.starts_with(b"a1 OK"))
}

/// An ExtendedResponse with resultCode success (0). Real servers answer
/// `30 0c 02 01 01 78 07 0a 01 00 04 00 04 00` (or with more fields).
async fn ldap_success<S: AsyncRead + Unpin>(io: &mut S, deadline: Instant) -> bool {
    ldap_result(io, deadline).await == Some(0)
}

/// The resultCode of the LDAP ExtendedResponse the server sends next, if
/// it is one (short-form lengths, as servers send for this reply).
pub(crate) async fn ldap_result<S: AsyncRead + Unpin>(io: &mut S, deadline: Instant) -> Option<u8> {
    let mut buf = Vec::new();
    read_until(io, &mut buf, deadline, LIMIT, |b| {
        b.len() >= 2 && b.len() >= 2 + usize::from(b[1] & 0x7f)
    })
    .await;
    parse_ldap_result(&buf)
}

/// SEQUENCE { INTEGER id, [APPLICATION 24] { ENUMERATED resultCode, ... } }
fn parse_ldap_result(buf: &[u8]) -> Option<u8> {
    if buf.first() != Some(&0x30) || buf.get(2) != Some(&0x02) {
        return None;
    }
    let op = 4 + usize::from(*buf.get(3)?);
    if buf.get(op) != Some(&0x78)
        || buf.get(op + 2) != Some(&0x0a)
        || buf.get(op + 3) != Some(&0x01)
    {
        return None;
    }
    buf.get(op + 4).copied()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A scripted server: sends `greeting`, then for each step reads what
    /// the client must send and answers.
    async fn converse(
        kind: Starttls,
        greeting: &'static [u8],
        steps: &'static [(&'static [u8], &'static [u8])],
    ) -> bool {
        let (mut client, mut server) = tokio::io::duplex(4096);
        let srv = tokio::spawn(async move {
            server.write_all(greeting).await.unwrap();
            for (expect, reply) in steps {
                let mut got = vec![0u8; expect.len()];
                if server.read_exact(&mut got).await.is_err() {
                    return;
                }
                assert_eq!(&got, expect);
                server.write_all(reply).await.unwrap();
            }
        });
        let ok = upgrade(
            &mut client,
            kind,
            Instant::now() + std::time::Duration::from_secs(2),
        )
        .await;
        drop(client);
        srv.await.unwrap();
        ok
    }

    #[tokio::test]
    async fn ftp_auth_tls() {
        assert!(
            converse(
                Starttls::Ftp,
                b"220-Welcome\r\n220 ready\r\n",
                &[(b"AUTH TLS\r\n", b"234 AUTH TLS ok\r\n")]
            )
            .await
        );
    }

    #[tokio::test]
    async fn smtp_starttls_after_a_multiline_ehlo() {
        let steps: &[(&[u8], &[u8])] = &[
            (
                b"EHLO stadscan.invalid\r\n",
                b"250-mx\r\n250-STARTTLS\r\n250 8BITMIME\r\n",
            ),
            (b"STARTTLS\r\n", b"220 2.0.0 Ready to start TLS\r\n"),
        ];
        assert!(converse(Starttls::Smtp, b"220 mx ESMTP\r\n", steps).await);
    }

    /// Postfix's postscreen: the first line of a multi-line greeting, then
    /// a wait (6 s by default) during which a client that speaks is taken
    /// for a bot ("PREGREET") and dropped. Time is paused: the runtime
    /// moves the clock on only once the client is idle.
    #[tokio::test(start_paused = true)]
    async fn smtp_waits_for_the_end_of_a_multiline_greeting() {
        let (mut client, mut server) = tokio::io::duplex(4096);
        let srv = tokio::spawn(async move {
            server
                .write_all(b"220-mx.city.test ESMTP\r\n")
                .await
                .unwrap();
            let mut early = [0u8; 64];
            let wait = std::time::Duration::from_secs(6);
            let spoke = tokio::time::timeout(wait, server.read(&mut early)).await;
            assert!(spoke.is_err(), "the client spoke before the greeting ended");
            server
                .write_all(b"220 mx.city.test ESMTP\r\n")
                .await
                .unwrap();
            for (expect, reply) in [
                (
                    &b"EHLO stadscan.invalid\r\n"[..],
                    &b"250-mx\r\n250 STARTTLS\r\n"[..],
                ),
                (b"STARTTLS\r\n", b"220 2.0.0 Ready to start TLS\r\n"),
            ] {
                let mut got = vec![0u8; expect.len()];
                server.read_exact(&mut got).await.unwrap();
                assert_eq!(got, expect);
                server.write_all(reply).await.unwrap();
            }
        });
        let deadline = Instant::now() + std::time::Duration::from_secs(30);
        let ok = upgrade(&mut client, Starttls::Smtp, deadline).await;
        srv.await.unwrap();
        assert!(ok);
    }

    #[tokio::test]
    async fn pop3_refusal_is_not_an_upgrade() {
        assert!(
            !converse(
                Starttls::Pop3,
                b"+OK ready\r\n",
                &[(b"STLS\r\n", b"-ERR no TLS\r\n")]
            )
            .await
        );
    }

    #[tokio::test]
    async fn imap_tagged_ok() {
        assert!(
            converse(
                Starttls::Imap,
                b"* OK IMAP ready\r\n",
                &[(b"a1 STARTTLS\r\n", b"a1 OK Begin TLS\r\n")]
            )
            .await
        );
    }

    #[tokio::test]
    async fn ldap_success_response() {
        const OK: &[u8] = &[
            0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
        ];
        assert!(converse(Starttls::Ldap, b"", &[(LDAP_STARTTLS, OK)]).await);
    }

    #[test]
    fn ldap_result_codes_are_read_and_garbage_is_not_ldap() {
        let ok = [
            0x30, 0x0c, 0x02, 0x01, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00,
        ];
        assert_eq!(parse_ldap_result(&ok), Some(0));
        // unavailable (52), two-byte message id
        let refused = [
            0x30, 0x0d, 0x02, 0x02, 0x00, 0x01, 0x78, 0x07, 0x0a, 0x01, 0x34, 0x04, 0x00, 0x04,
            0x00,
        ];
        assert_eq!(parse_ldap_result(&refused), Some(52));
        assert_eq!(parse_ldap_result(b"HTTP/1.1 400 Bad Request\r\n"), None);
        assert_eq!(parse_ldap_result(&[0x30, 0x03, 0x02, 0x09]), None);
        assert_eq!(parse_ldap_result(&[]), None);
    }

    #[test]
    fn ldap_request_is_well_formed_ber() {
        assert_eq!(LDAP_STARTTLS.len(), 2 + LDAP_STARTTLS[1] as usize);
        assert_eq!(LDAP_STARTTLS[6] as usize, LDAP_STARTTLS.len() - 7);
        assert_eq!(LDAP_STARTTLS[8] as usize, LDAP_STARTTLS.len() - 9);
    }
}
