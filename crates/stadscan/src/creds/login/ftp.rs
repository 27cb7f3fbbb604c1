//! FTP login: the greeting, USER, PASS when the server asks for it (331),
//! and the reply code as the verdict: 230 in, 530 out. QUIT at the end.
//! Implicit FTPS when the attempt runs inside TLS (through [`super::open`]).

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

use super::{Attempt, Outcome, inconclusive};
use crate::net::io::{ReadEnd, read_until, write_all};
use crate::proto::ParseError;
use crate::proto::ftp::{self, Reply};

/// Bytes buffered for one reply (a long multi-line welcome fits).
const LIMIT: usize = ftp::MAX_REPLY;
/// How long the tester waits for the answer to its QUIT.
const QUIT_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// Tries one FTP login; see the module text for what counts as in and out.
pub async fn login(a: &Attempt<'_>) -> Outcome {
    if a.username.is_empty() {
        return inconclusive("FTP needs a user name");
    }
    let Some(mut session) = super::open(a).await else {
        return inconclusive("no connection to the FTP server");
    };
    let mut control = Control {
        io: &mut session.io,
        buf: Vec::new(),
        deadline: a.deadline,
    };
    let outcome = converse(&mut control, a).await;
    // A polite end, bounded: the verdict is already in.
    control.deadline = (Instant::now() + QUIT_WAIT).min(a.deadline);
    let _bye = control.say("QUIT", None).await;
    let _closed = tokio::time::timeout_at(a.deadline, control.io.shutdown()).await;
    outcome
}

/// What the tester does after the answer to USER.
#[derive(Debug, PartialEq, Eq)]
enum AfterUser {
    SendPassword,
    Done(Outcome),
}

async fn converse<S>(c: &mut Control<'_, S>, a: &Attempt<'_>) -> Outcome
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    // ExpectGreeting: 120 ("ready in n minutes") may come before the 220.
    let greeting = loop {
        match c.reply().await {
            Ok(r) if r.code == 120 => continue,
            Ok(r) => break r,
            Err(why) => return Outcome::Inconclusive(why.to_string()),
        }
    };
    if greeting.code != 220 {
        return Outcome::Inconclusive(format!("greeting {} instead of 220", greeting.code));
    }
    // ExpectUserReply.
    let user = match c.say("USER", Some(a.username)).await {
        Ok(r) => r,
        Err(why) => return Outcome::Inconclusive(why.to_string()),
    };
    match after_user(&user) {
        AfterUser::Done(outcome) => return outcome,
        AfterUser::SendPassword => {}
    }
    // ExpectPassReply.
    match c.say("PASS", Some(a.password.expose())).await {
        Ok(r) => after_password(r.code),
        Err(why) => Outcome::Inconclusive(why.to_string()),
    }
}

/// The verdict on the reply to USER (the user name is never empty here).
fn after_user(r: &Reply) -> AfterUser {
    match r.code {
        331 => AfterUser::SendPassword,
        // In without a password: the orchestrator's control attempt (a
        // wrong password) gets the same, and so it is told apart.
        230 => AfterUser::Done(Outcome::Accepted),
        // vsftpd and ProFTPD refuse a user before its password when the
        // session must be encrypted first: not an answer about the account.
        c if c / 100 == 5 && asks_for_tls(r) => AfterUser::Done(inconclusive(
            "the server wants TLS (AUTH TLS) before a login",
        )),
        530 => AfterUser::Done(Outcome::Refused),
        c => AfterUser::Done(Outcome::Inconclusive(format!("USER answered {c}"))),
    }
}

/// The verdict on the reply to PASS.
fn after_password(code: u16) -> Outcome {
    match code {
        230 => Outcome::Accepted,
        c if c / 100 == 5 => Outcome::Refused,
        // 332 (an account is needed too), 421 (closing), 4xx, anything else.
        c => Outcome::Inconclusive(format!("PASS answered {c}")),
    }
}

fn asks_for_tls(r: &Reply) -> bool {
    let text = r.text().to_ascii_lowercase();
    ["tls", "ssl", "encrypt", "secure"]
        .iter()
        .any(|w| text.contains(w))
}

/// Why the conversation on the control connection ended early: a reason
/// for [`Outcome::Inconclusive`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
enum ControlError {
    #[error("the server did not take {0}")]
    NotTaken(&'static str),
    #[error("the server closed the session (421)")]
    Closing,
    #[error("no complete reply before the deadline")]
    Timeout,
    #[error("the server closed the connection")]
    Closed,
    #[error("an over-long reply")]
    TooLong,
    #[error("the connection failed")]
    Failed,
    #[error("an answer that is not an FTP reply")]
    NotFtp,
}

/// The control connection: replies are read from one buffer, so a server
/// that sends two at once loses neither.
struct Control<'a, S> {
    io: &'a mut S,
    buf: Vec<u8>,
    deadline: Instant,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Control<'_, S> {
    /// Sends one command and reads its reply. The error is a reason for
    /// [`Outcome::Inconclusive`]; it never holds the argument.
    async fn say(&mut self, verb: &'static str, arg: Option<&str>) -> Result<Reply, ControlError> {
        write_all(self.io, &ftp::encode_command(verb, arg), self.deadline)
            .await
            .map_err(|_| ControlError::NotTaken(verb))?;
        self.reply().await
    }

    async fn reply(&mut self) -> Result<Reply, ControlError> {
        let end = read_until(self.io, &mut self.buf, self.deadline, LIMIT, |b| {
            !matches!(ftp::parse_reply(b), Err(ParseError::Incomplete))
        })
        .await;
        match ftp::parse_reply(&self.buf) {
            Ok(r) => {
                self.buf.drain(..r.len.min(self.buf.len()));
                if r.code == 421 {
                    return Err(ControlError::Closing);
                }
                Ok(r)
            }
            Err(ParseError::Incomplete) => Err(match end {
                ReadEnd::Timeout => ControlError::Timeout,
                ReadEnd::Closed => ControlError::Closed,
                ReadEnd::Limit => ControlError::TooLong,
                _ => ControlError::Failed,
            }),
            Err(_) => Err(ControlError::NotFtp),
        }
    }
}

#[cfg(test)]
mod tests {

    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::*;

    use crate::creds::login::Method;

    const PASSWORD: &str = "ftp-Secret-42";

    use crate::creds::login::testkit::fake;

    async fn attempt(port: u16, user: &str, password: &str, wait: Duration) -> Outcome {
        crate::creds::login::testkit::attempt(Method::Ftp, port, user, password, wait).await
    }

    /// A scripted server: the greeting, then for each command line it
    /// receives the next canned reply; the verbs it saw are recorded.
    async fn scripted(
        greeting: &'static str,
        replies: Vec<&'static str>,
    ) -> (u16, Arc<Mutex<Vec<String>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let port = fake(move |mut s| async move {
            let _ = s.write_all(greeting.as_bytes()).await;
            let mut buf = Vec::new();
            for reply in replies {
                let cmd = loop {
                    match ftp::parse_command(&buf) {
                        Ok(cmd) => break cmd,
                        Err(ParseError::Incomplete) => {
                            if !stadscan_lab::read_more(
                                &mut s,
                                &mut buf,
                                4096,
                                Duration::from_secs(3),
                            )
                            .await
                            {
                                return;
                            }
                        }
                        Err(_) => return,
                    }
                };
                buf.drain(..cmd.len);
                let arg = if cmd.verb == "PASS" {
                    "<pass>".into()
                } else {
                    cmd.arg.clone().unwrap_or_default()
                };
                log.lock().unwrap().push(format!("{} {arg}", cmd.verb));
                if cmd.verb == "PASS"
                    && cmd.arg.as_deref() != Some(PASSWORD)
                    && reply.starts_with("230")
                {
                    let _ = s.write_all(b"530 Login incorrect.\r\n").await;
                    continue;
                }
                if s.write_all(reply.as_bytes()).await.is_err() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_secs(3)).await;
        })
        .await;
        (port, seen)
    }

    const VSFTPD: &str = "220 (vsFTPd 3.0.3)\r\n";

    #[tokio::test]
    async fn user_pass_230_is_accepted_and_the_session_quits() {
        let (port, seen) = scripted(
            VSFTPD,
            vec![
                "331 Please specify the password.\r\n",
                "230-Welcome to the sensor drop.\r\n230 Login successful.\r\n",
                "221 Goodbye.\r\n",
            ],
        )
        .await;
        let got = attempt(port, "ftpuser", PASSWORD, Duration::from_secs(3)).await;
        assert_eq!(got, Outcome::Accepted);
        assert_eq!(
            *seen.lock().unwrap(),
            ["USER ftpuser", "PASS <pass>", "QUIT "],
            "only the login and QUIT"
        );
    }

    #[tokio::test]
    async fn wrong_password_530_is_refused() {
        let (port, seen) = scripted(
            "220-lab\r\n220 ready\r\n",
            vec!["331 Password required\r\n", "230 never\r\n", "221 Bye\r\n"],
        )
        .await;
        let got = attempt(port, "ftpuser", "wrong", Duration::from_secs(3)).await;
        assert_eq!(got, Outcome::Refused);
        assert_eq!(seen.lock().unwrap().last().unwrap(), "QUIT ");
    }

    #[tokio::test]
    async fn other_5xx_after_pass_is_refused_and_4xx_inconclusive() {
        let (port, _) = scripted(VSFTPD, vec!["331 ok\r\n", "550 No.\r\n"]).await;
        assert_eq!(
            attempt(port, "u", PASSWORD, Duration::from_secs(3)).await,
            Outcome::Refused
        );
        let (port, _) = scripted(VSFTPD, vec!["331 ok\r\n", "430 try later\r\n"]).await;
        assert_eq!(
            attempt(port, "u", PASSWORD, Duration::from_secs(3)).await,
            Outcome::Inconclusive("PASS answered 430".into())
        );
        let (port, _) = scripted(VSFTPD, vec!["331 ok\r\n", "421 Too many users\r\n"]).await;
        assert!(matches!(
            attempt(port, "u", PASSWORD, Duration::from_secs(3)).await,
            Outcome::Inconclusive(_)
        ));
    }

    #[tokio::test]
    async fn in_without_a_password_is_accepted() {
        let (port, seen) = scripted(
            VSFTPD,
            vec!["230 Anonymous access granted.\r\n", "221 Bye\r\n"],
        )
        .await;
        let got = attempt(port, "anonymous", PASSWORD, Duration::from_secs(3)).await;
        assert_eq!(got, Outcome::Accepted);
        assert_eq!(
            *seen.lock().unwrap(),
            ["USER anonymous", "QUIT "],
            "no PASS sent"
        );
    }

    #[tokio::test]
    async fn a_server_demanding_tls_first_is_inconclusive_not_refused() {
        let (port, seen) = scripted(
            VSFTPD,
            vec!["530 Non-anonymous sessions must use encryption.\r\n"],
        )
        .await;
        let got = attempt(port, "ftpuser", PASSWORD, Duration::from_secs(3)).await;
        assert!(
            matches!(got, Outcome::Inconclusive(ref r) if r.contains("TLS")),
            "{got:?}"
        );
        assert_eq!(
            *seen.lock().unwrap(),
            ["USER ftpuser"],
            "the password never went out"
        );
        let (port, _) = scripted(VSFTPD, vec!["530 Permission denied.\r\n", "221 Bye\r\n"]).await;
        assert_eq!(
            attempt(port, "root", PASSWORD, Duration::from_secs(3)).await,
            Outcome::Refused
        );
    }

    #[tokio::test]
    async fn greeting_120_then_220_is_waited_for_and_421_is_inconclusive() {
        let (port, _) = scripted(
            "120 ready in 1 minute\r\n220 ready\r\n",
            vec!["331 ok\r\n", "230 ok\r\n", "221 Bye\r\n"],
        )
        .await;
        assert_eq!(
            attempt(port, "u", PASSWORD, Duration::from_secs(3)).await,
            Outcome::Accepted
        );
        let (port, _) = scripted("421 Too many connections\r\n", vec![]).await;
        assert!(matches!(
            attempt(port, "u", PASSWORD, Duration::from_secs(3)).await,
            Outcome::Inconclusive(_)
        ));
    }

    #[tokio::test]
    async fn garbage_reset_and_silence_are_inconclusive() {
        let garbage = fake(|mut s| async move {
            let _ = s.write_all(b"SSH-2.0-OpenSSH_9.2\r\n").await;
        })
        .await;
        let reset = fake(|s| async move {
            let _ = s.set_zero_linger();
            drop(s);
        })
        .await;
        let silent = fake(|_s| async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
        })
        .await;
        let (mute_after_user, _) = scripted(VSFTPD, vec![]).await;
        for (port, name) in [
            (garbage, "garbage"),
            (reset, "reset"),
            (silent, "silent"),
            (mute_after_user, "mute after USER"),
        ] {
            let got = attempt(port, "u", PASSWORD, Duration::from_millis(700)).await;
            assert!(matches!(got, Outcome::Inconclusive(_)), "{name}: {got:?}");
            assert!(!format!("{got:?}").contains(PASSWORD));
        }
    }

    #[tokio::test]
    async fn no_user_name_is_inconclusive_without_connecting() {
        assert!(matches!(
            attempt(9, "", PASSWORD, Duration::from_millis(200)).await,
            Outcome::Inconclusive(_)
        ));
    }

    #[test]
    fn reply_codes_map_to_outcomes() {
        let reply = |code, text: &str| Reply {
            code,
            lines: vec![text.into()],
            len: 0,
        };
        assert_eq!(after_user(&reply(331, "")), AfterUser::SendPassword);
        assert_eq!(
            after_user(&reply(230, "")),
            AfterUser::Done(Outcome::Accepted)
        );
        assert_eq!(
            after_user(&reply(530, "denied")),
            AfterUser::Done(Outcome::Refused)
        );
        assert!(matches!(
            after_user(&reply(550, "SSL/TLS required on the control channel")),
            AfterUser::Done(Outcome::Inconclusive(_))
        ));
        assert!(matches!(
            after_user(&reply(332, "")),
            AfterUser::Done(Outcome::Inconclusive(_))
        ));
        assert!(matches!(
            after_user(&reply(500, "what")),
            AfterUser::Done(Outcome::Inconclusive(_))
        ));
        assert_eq!(after_password(230), Outcome::Accepted);
        assert_eq!(after_password(530), Outcome::Refused);
        assert_eq!(after_password(501), Outcome::Refused);
        assert!(matches!(after_password(332), Outcome::Inconclusive(_)));
        assert!(matches!(after_password(202), Outcome::Inconclusive(_)));
    }
}
