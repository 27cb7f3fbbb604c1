//! SSH login: russh's client on the connection `net` opened, one user
//! authentication (`password`, or `keyboard-interactive` answering a single
//! password prompt), then a polite disconnect. No channel is ever opened:
//! the proof is the server's USERAUTH_SUCCESS, not a shell.
//!
//! Any host key is accepted: the tester asks whether a password works, it
//! does not trust the server with anything. The password still travels
//! encrypted, but to whoever holds the key that answered: a machine in the
//! path could read the password tried. For published default credentials
//! that discloses nothing new; do not point this at secret passwords.

use std::borrow::Cow;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use russh::client::{self, AuthResult, KeyboardInteractiveAuthResponse, Prompt};
use russh::keys::PublicKeyOrCertificate;
use russh::{Disconnect, MethodKind, MethodSet, Preferred, SshId, cipher, compression, kex, mac};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

use super::{Attempt, Outcome, Session, Stream};

/// The identification the tester sends (RFC 4253 4.2): it says who asks.
const CLIENT_ID: &str = concat!("SSH-2.0-stadscan_", env!("CARGO_PKG_VERSION"));
/// Bytes the server may send in one attempt (key exchange and a few
/// authentication answers fit in a few KiB).
const READ_LIMIT: usize = 256 * 1024;
/// Keyboard-interactive rounds before the tester gives up (a password
/// prompt, then at most a few empty info requests).
const MAX_ROUNDS: usize = 4;
/// Longest wait for the session to end after the disconnect message.
const CLOSE_GRACE: Duration = Duration::from_millis(500);

/// Key exchanges in preference order: russh's safe list first, then the
/// SHA-1 and small groups old embedded servers still offer (the tester only
/// needs the server to listen, not secrecy that lasts).
const KEX: &[kex::Name] = &[
    kex::MLKEM768X25519_SHA256,
    kex::CURVE25519,
    kex::CURVE25519_PRE_RFC_8731,
    kex::ECDH_SHA2_NISTP256,
    kex::ECDH_SHA2_NISTP384,
    kex::ECDH_SHA2_NISTP521,
    kex::DH_GEX_SHA256,
    kex::DH_G16_SHA512,
    kex::DH_G18_SHA512,
    kex::DH_G14_SHA256,
    kex::DH_G14_SHA1,
    kex::DH_GEX_SHA1,
    kex::DH_G1_SHA1,
    kex::EXTENSION_SUPPORT_AS_CLIENT,
    kex::EXTENSION_OPENSSH_STRICT_KEX_AS_CLIENT,
];
const CIPHERS: &[cipher::Name] = &[
    cipher::CHACHA20_POLY1305,
    cipher::AES_256_GCM,
    cipher::AES_128_GCM,
    cipher::AES_256_CTR,
    cipher::AES_192_CTR,
    cipher::AES_128_CTR,
    cipher::AES_256_CBC,
    cipher::AES_192_CBC,
    cipher::AES_128_CBC,
];
const MACS: &[mac::Name] = &[
    mac::HMAC_SHA512_ETM,
    mac::HMAC_SHA256_ETM,
    mac::HMAC_SHA512,
    mac::HMAC_SHA256,
    mac::HMAC_SHA1_ETM,
    mac::HMAC_SHA1,
];
const COMPRESSION: &[compression::Name] = &[compression::NONE];

/// Tries `a.username` / `a.password` once.
///
/// A server that lets the user in without asking for a password (`none`
/// authentication succeeds) answers [`Outcome::Accepted`] too: the login
/// worked, and the orchestrator's control attempt shows that any password
/// would.
pub async fn login(a: &Attempt<'_>) -> Outcome {
    let Some(Session { io, permit }) = super::open(a).await else {
        return inconclusive("no connection");
    };
    let outcome = match tokio::time::timeout_at(a.deadline, converse(a, io)).await {
        Ok(outcome) => outcome,
        Err(_) => inconclusive("timed out"),
    };
    // The per-host slot is held until the conversation (and russh's task
    // with it: its stream fails at the deadline) is over.
    drop(permit);
    outcome
}

async fn converse(a: &Attempt<'_>, io: Box<dyn Stream>) -> Outcome {
    let io = Bounded::new(io, a.deadline, READ_LIMIT);
    let config = Arc::new(client_config(a.deadline));
    let handle = match client::connect_stream(config, io, AnyHostKey).await {
        Ok(handle) => handle,
        Err(e) => return inconclusive(&format!("no SSH session ({e})")),
    };
    let mut c = Client {
        handle,
        ended: false,
        deadline: a.deadline,
    };
    let outcome = authenticate(&mut c, a).await;
    if !c.ended {
        if let Err(e) = c
            .handle
            .disconnect(Disconnect::ByApplication, "", "en")
            .await
        {
            tracing::debug!(error = %e, "ssh login: disconnect");
        }
        let grace = a.deadline.min(Instant::now() + CLOSE_GRACE);
        match tokio::time::timeout_at(grace, c.handle).await {
            Ok(Ok(())) | Err(_) => {}
            Ok(Err(e)) => tracing::debug!(error = %e, "ssh login: session end"),
        }
    }
    outcome
}

/// russh's client settings for one attempt: our identification, the
/// widened algorithm lists, no keep-alives, and an idle limit no longer
/// than the attempt.
fn client_config(deadline: Instant) -> client::Config {
    let left = deadline.saturating_duration_since(Instant::now());
    client::Config {
        client_id: SshId::Standard(Cow::Borrowed(CLIENT_ID)),
        inactivity_timeout: Some(left.max(Duration::from_millis(1))),
        keepalive_interval: None,
        preferred: Preferred {
            kex: Cow::Borrowed(KEX),
            cipher: Cow::Borrowed(CIPHERS),
            mac: Cow::Borrowed(MACS),
            compression: Cow::Borrowed(COMPRESSION),
            ..Preferred::DEFAULT
        },
        nodelay: true,
        ..client::Config::default()
    }
}

/// Accepts every host key: see the module documentation.
struct AnyHostKey;

impl client::Handler for AnyHostKey {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        _key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        Ok(true)
    }
}

/// russh's handle on the session, and whether the session task is known
/// to have ended (its result was awaited: it cannot be awaited twice).
struct Client {
    handle: client::Handle<AnyHostKey>,
    ended: bool,
    deadline: Instant,
}

impl Client {
    /// After a USERAUTH_FAILURE with no methods left: true when the server
    /// sent that failure. russh reports a session that ended before any
    /// answer the same way, but it ends its session after a real empty
    /// failure with its own "no authentication method" error.
    async fn refused_with_nothing_left(&mut self) -> bool {
        let until = self.deadline.min(Instant::now() + CLOSE_GRACE);
        match tokio::time::timeout_at(until, &mut self.handle).await {
            Ok(result) => {
                self.ended = true;
                matches!(result, Err(russh::Error::NoAuthMethod))
            }
            Err(_) => false,
        }
    }

    /// What a USERAUTH_FAILURE after the password (or its prompt) means.
    async fn failure(&mut self, remaining: &MethodSet, partial_success: bool) -> Outcome {
        if partial_success {
            inconclusive("the password passed, but the server asks for another method as well")
        } else if remaining.is_empty() && !self.refused_with_nothing_left().await {
            closed()
        } else {
            Outcome::Refused
        }
    }
}

/// Asks which methods the server offers (`none` first, which is not a
/// password attempt), then logs in with the first that can carry a password.
async fn authenticate(c: &mut Client, a: &Attempt<'_>) -> Outcome {
    let methods = match c.handle.authenticate_none(a.username).await {
        Ok(AuthResult::Success) => return Outcome::Accepted,
        Ok(AuthResult::Failure {
            remaining_methods, ..
        }) => remaining_methods,
        Err(e) => return inconclusive(&format!("authentication failed ({e})")),
    };
    if methods.is_empty() && !c.refused_with_nothing_left().await {
        return closed();
    }
    if methods.contains(&MethodKind::Password) {
        password(c, a).await
    } else if methods.contains(&MethodKind::KeyboardInteractive) {
        keyboard_interactive(c, a).await
    } else {
        inconclusive("server does not offer password authentication")
    }
}

async fn password(c: &mut Client, a: &Attempt<'_>) -> Outcome {
    match c
        .handle
        .authenticate_password(a.username, a.password.expose())
        .await
    {
        Ok(AuthResult::Success) => Outcome::Accepted,
        Ok(AuthResult::Failure {
            remaining_methods,
            partial_success,
        }) => c.failure(&remaining_methods, partial_success).await,
        Err(e) => inconclusive(&format!("authentication failed ({e})")),
    }
}

/// Keyboard-interactive (RFC 4256), as PAM-backed servers offer it: the
/// password answers one prompt that asks for it; empty info requests (which
/// some servers send after the answer) get empty answers; any other prompt
/// ends the attempt unanswered (it may ask for a new password: the tester
/// never changes anything).
async fn keyboard_interactive(c: &mut Client, a: &Attempt<'_>) -> Outcome {
    let mut reply = c
        .handle
        .authenticate_keyboard_interactive_start(a.username, None)
        .await;
    let mut answered = false;
    for _ in 0..MAX_ROUNDS {
        let prompts = match reply {
            Ok(KeyboardInteractiveAuthResponse::Success) => return Outcome::Accepted,
            Ok(KeyboardInteractiveAuthResponse::Failure {
                remaining_methods,
                partial_success,
            }) => {
                return if answered || partial_success {
                    c.failure(&remaining_methods, partial_success).await
                } else {
                    inconclusive("keyboard-interactive refused before any password prompt")
                };
            }
            Ok(KeyboardInteractiveAuthResponse::InfoRequest { prompts, .. }) => prompts,
            Err(e) => return inconclusive(&format!("authentication failed ({e})")),
        };
        let answers = match (answered, prompts.as_slice()) {
            (_, []) => Vec::new(),
            (false, [prompt]) if asks_for_password(prompt) => {
                answered = true;
                vec![a.password.expose().to_string()]
            }
            _ => return inconclusive("keyboard-interactive asks for more than one password"),
        };
        reply = c
            .handle
            .authenticate_keyboard_interactive_respond(answers)
            .await;
    }
    inconclusive("too many keyboard-interactive rounds")
}

/// "Password:", "admin's password: "..., but not "New password:".
fn asks_for_password(prompt: &Prompt) -> bool {
    let text = prompt.prompt.to_ascii_lowercase();
    !prompt.echo && text.contains("assword") && !text.contains("new") && !text.contains("again")
}

fn closed() -> Outcome {
    inconclusive("the server closed the session during authentication")
}

fn inconclusive(reason: &str) -> Outcome {
    Outcome::Inconclusive(format!("ssh: {reason}"))
}

/// A stream that fails once `deadline` passes or once `limit` bytes have
/// been read (one read may overshoot by its buffer). russh runs a session on
/// its own task, which a dropped future does not stop: the stream ending is
/// what bounds it.
pub(crate) struct Bounded<S> {
    inner: S,
    expiry: Pin<Box<Sleep>>,
    left: usize,
}

impl<S> Bounded<S> {
    pub(crate) fn new(inner: S, deadline: Instant, limit: usize) -> Self {
        Bounded {
            inner,
            expiry: Box::pin(tokio::time::sleep_until(deadline)),
            left: limit,
        }
    }

    fn expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.expiry.as_mut().poll(cx).is_ready()
    }
}

fn timed_out() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "deadline passed")
}

impl<S: AsyncRead + Unpin> AsyncRead for Bounded<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.expired(cx) {
            return Poll::Ready(Err(timed_out()));
        }
        if this.left == 0 {
            return Poll::Ready(Err(io::Error::other("read limit reached")));
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            let read = buf.filled().len().saturating_sub(before);
            this.left = this.left.saturating_sub(read);
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Bounded<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.expired(cx) {
            return Poll::Ready(Err(timed_out()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.expired(cx) {
            return Poll::Ready(Err(timed_out()));
        }
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use russh::keys::PrivateKey;
    use russh::keys::ssh_key::private::Ed25519Keypair;
    use russh::server::{self, Auth, Response};
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    use super::*;
    use crate::creds::login::Method;
    use crate::model::Secret;
    use crate::probe::test_net;
    use crate::tls::TlsContext;

    const RIGHT: &str = "right-Pass-1";

    /// Logs in to `addr` as `user` / `password` within `budget`.
    async fn attempt(addr: SocketAddr, user: &str, password: &str, budget: Duration) -> Outcome {
        crate::creds::login::testkit::attempt_at(Method::Ssh, addr, user, password, budget).await
    }

    fn is_inconclusive(o: &Outcome) -> bool {
        matches!(o, Outcome::Inconclusive(_))
    }

    /// A russh server for one test: which methods it offers and how it
    /// answers them.
    #[derive(Clone, Copy)]
    struct Fake {
        methods: &'static [MethodKind],
        none_lets_in: bool,
        prompt: &'static str,
        partial: bool,
        /// The server's session ends (a handler error) instead of answering
        /// the password.
        dies_on_password: bool,
    }

    const PASSWORD_ONLY: Fake = Fake {
        methods: &[MethodKind::Password],
        none_lets_in: false,
        prompt: "Password: ",
        partial: false,
        dies_on_password: false,
    };

    impl server::Handler for Fake {
        type Error = russh::Error;

        async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
            Ok(if self.none_lets_in {
                Auth::Accept
            } else {
                Auth::reject()
            })
        }

        async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
            if self.dies_on_password {
                return Err(russh::Error::Inconsistent);
            }
            Ok(match (user == "admin" && password == RIGHT, self.partial) {
                (true, false) => Auth::Accept,
                (true, true) => Auth::Reject {
                    proceed_with_methods: Some(MethodSet::from(&[MethodKind::PublicKey][..])),
                    partial_success: true,
                },
                (false, _) => Auth::reject(),
            })
        }

        async fn auth_keyboard_interactive<'a>(
            &'a mut self,
            user: &str,
            _submethods: &str,
            response: Option<Response<'a>>,
        ) -> Result<Auth, Self::Error> {
            let Some(response) = response else {
                return Ok(Auth::Partial {
                    name: Cow::Borrowed(""),
                    instructions: Cow::Borrowed(""),
                    prompts: Cow::Owned(vec![(Cow::Borrowed(self.prompt), false)]),
                });
            };
            let answers: Vec<_> = response.collect();
            Ok(
                if user == "admin" && answers.len() == 1 && answers[0] == RIGHT.as_bytes() {
                    Auth::Accept
                } else {
                    Auth::reject()
                },
            )
        }
    }

    /// Serves `fake` on 127.0.0.1 (any port) until the test ends.
    async fn spawn_fake(fake: Fake) -> SocketAddr {
        let config = Arc::new(server::Config {
            methods: MethodSet::from(fake.methods),
            auth_rejection_time: Duration::from_millis(10),
            auth_rejection_time_initial: Some(Duration::ZERO),
            keys: vec![PrivateKey::from(Ed25519Keypair::from_seed(&[7; 32]))],
            inactivity_timeout: Some(Duration::from_secs(5)),
            ..server::Config::default()
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let config = config.clone();
                tokio::spawn(async move {
                    if let Ok(session) = server::run_stream(config, stream, fake).await {
                        let _ = session.await;
                    }
                });
            }
        });
        addr
    }

    /// A raw fake: runs `serve` on each connection.
    async fn spawn_raw<F, Fut>(serve: F) -> SocketAddr
    where
        F: Fn(tokio::net::TcpStream) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream));
            }
        });
        addr
    }

    const BUDGET: Duration = Duration::from_secs(5);

    #[tokio::test]
    async fn password_login_is_accepted_or_refused() {
        let addr = spawn_fake(PASSWORD_ONLY).await;
        assert_eq!(
            attempt(addr, "admin", RIGHT, BUDGET).await,
            Outcome::Accepted
        );
        assert_eq!(
            attempt(addr, "admin", "nope", BUDGET).await,
            Outcome::Refused
        );
    }

    #[tokio::test]
    async fn keyboard_interactive_password_prompt_is_answered() {
        let addr = spawn_fake(Fake {
            methods: &[MethodKind::PublicKey, MethodKind::KeyboardInteractive],
            ..PASSWORD_ONLY
        })
        .await;
        assert_eq!(
            attempt(addr, "admin", RIGHT, BUDGET).await,
            Outcome::Accepted
        );
        assert_eq!(
            attempt(addr, "admin", "nope", BUDGET).await,
            Outcome::Refused
        );
    }

    #[tokio::test]
    async fn a_new_password_prompt_is_never_answered() {
        let addr = spawn_fake(Fake {
            methods: &[MethodKind::KeyboardInteractive],
            prompt: "New password: ",
            ..PASSWORD_ONLY
        })
        .await;
        let got = attempt(addr, "admin", RIGHT, BUDGET).await;
        assert!(is_inconclusive(&got), "{got:?}");
    }

    #[tokio::test]
    async fn publickey_only_server_is_inconclusive() {
        let addr = spawn_fake(Fake {
            methods: &[MethodKind::PublicKey],
            ..PASSWORD_ONLY
        })
        .await;
        assert_eq!(
            attempt(addr, "admin", RIGHT, BUDGET).await,
            Outcome::Inconclusive("ssh: server does not offer password authentication".into())
        );
    }

    #[tokio::test]
    async fn partial_success_is_inconclusive() {
        let addr = spawn_fake(Fake {
            methods: &[MethodKind::Password, MethodKind::PublicKey],
            partial: true,
            ..PASSWORD_ONLY
        })
        .await;
        let got = attempt(addr, "admin", RIGHT, BUDGET).await;
        assert!(is_inconclusive(&got), "{got:?}");
    }

    #[tokio::test]
    async fn a_session_that_ends_instead_of_answering_is_no_refusal() {
        let addr = spawn_fake(Fake {
            dies_on_password: true,
            ..PASSWORD_ONLY
        })
        .await;
        assert_eq!(
            attempt(addr, "admin", "nope", BUDGET).await,
            Outcome::Inconclusive(
                "ssh: the server closed the session during authentication".into()
            )
        );
    }

    #[tokio::test]
    async fn none_authentication_success_is_accepted() {
        let addr = spawn_fake(Fake {
            none_lets_in: true,
            ..PASSWORD_ONLY
        })
        .await;
        assert_eq!(
            attempt(addr, "admin", "anything", BUDGET).await,
            Outcome::Accepted
        );
    }

    #[tokio::test]
    async fn garbage_after_the_banner_is_inconclusive() {
        let addr = spawn_raw(|mut s| async move {
            let mut junk = b"SSH-2.0-OpenSSH_9.2p1\r\n".to_vec();
            let mut x = 0x9e37_79b9_u32;
            junk.extend((0..4096).map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            }));
            let _ = s.write_all(&junk).await;
            tokio::time::sleep(Duration::from_secs(2)).await;
        })
        .await;
        let started = Instant::now();
        let got = attempt(addr, "admin", RIGHT, BUDGET).await;
        assert!(is_inconclusive(&got), "{got:?}");
        assert!(started.elapsed() < BUDGET + Duration::from_millis(500));
    }

    #[tokio::test]
    async fn a_server_that_closes_is_inconclusive() {
        let addr = spawn_raw(|s| async move { drop(s) }).await;
        let got = attempt(addr, "admin", RIGHT, BUDGET).await;
        assert!(is_inconclusive(&got), "{got:?}");
        let addr = spawn_raw(|mut s| async move {
            let _ = s.write_all(b"SSH-2.0-dropbear_2022.83\r\n").await;
        })
        .await;
        let got = attempt(addr, "admin", RIGHT, BUDGET).await;
        assert!(is_inconclusive(&got), "{got:?}");
    }

    #[tokio::test]
    async fn a_silent_server_is_inconclusive_within_the_deadline() {
        let addr = spawn_raw(|s| async move {
            tokio::time::sleep(Duration::from_secs(10)).await;
            drop(s);
        })
        .await;
        let budget = Duration::from_millis(400);
        let started = Instant::now();
        let got = attempt(addr, "admin", RIGHT, budget).await;
        assert!(is_inconclusive(&got), "{got:?}");
        assert!(started.elapsed() < budget + Duration::from_millis(300));
    }

    #[tokio::test]
    async fn an_address_outside_the_scope_is_never_contacted() {
        let addr = spawn_fake(PASSWORD_ONLY).await;
        let (net, target) = test_net("127.0.0.2/32", "127.0.0.1");
        let tls = TlsContext::new(&[]).unwrap();
        let method = Method::Ssh;
        let password = Secret::new(RIGHT);
        let a = Attempt {
            net: &net,
            tls: &tls,
            target: &target,
            port: addr.port(),
            in_tls: false,
            deadline: Instant::now() + BUDGET,
            username: "admin",
            password: &password,
            method: &method,
        };
        assert!(is_inconclusive(&login(&a).await));
    }

    #[test]
    fn only_a_plain_password_prompt_gets_the_password() {
        let p = |prompt: &str, echo: bool| Prompt {
            prompt: prompt.into(),
            echo,
        };
        assert!(asks_for_password(&p("Password: ", false)));
        assert!(asks_for_password(&p("admin@gw's password:", false)));
        assert!(!asks_for_password(&p("New password: ", false)));
        assert!(!asks_for_password(&p("Retype new password: ", false)));
        assert!(!asks_for_password(&p("Password again: ", false)));
        assert!(!asks_for_password(&p("Password: ", true)));
        assert!(!asks_for_password(&p("Verification code: ", false)));
    }

    /// Against a real server set up by hand (a throw-away account on an
    /// sshd bound to 127.0.0.x): `STADSCAN_SSH_ADDR=127.0.0.33:2200
    /// STADSCAN_SSH_USER=... STADSCAN_SSH_PASSWORD=... cargo test --lib
    /// real_sshd -- --ignored`. The right password must pass, a wrong one
    /// must be refused.
    #[tokio::test]
    #[ignore = "needs a real sshd on 127.0.0.x and a throw-away account"]
    async fn real_sshd_from_the_environment() {
        let var = |k: &str| std::env::var(k).unwrap_or_else(|_| panic!("{k} is not set"));
        let addr: SocketAddr = var("STADSCAN_SSH_ADDR").parse().unwrap();
        assert!(addr.ip().is_loopback(), "loopback only");
        let (user, password) = (var("STADSCAN_SSH_USER"), var("STADSCAN_SSH_PASSWORD"));
        let budget = Duration::from_secs(10);
        assert_eq!(
            attempt(addr, &user, &password, budget).await,
            Outcome::Accepted
        );
        assert_eq!(
            attempt(addr, &user, "not-the-password", budget).await,
            Outcome::Refused
        );
    }

    #[tokio::test(start_paused = true)]
    async fn bounded_stream_fails_at_the_deadline_and_past_the_limit() {
        use tokio::io::AsyncReadExt;
        let (near, mut far) = tokio::io::duplex(64);
        let mut silent = Bounded::new(near, Instant::now() + Duration::from_secs(3), 1024);
        let err = silent.read(&mut [0u8; 8]).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);

        let (near, mut far2) = tokio::io::duplex(64);
        let mut chatty = Bounded::new(near, Instant::now() + Duration::from_secs(3), 10);
        far2.write_all(&[1; 12]).await.unwrap();
        let mut buf = [0u8; 12];
        assert_eq!(chatty.read(&mut buf).await.unwrap(), 12);
        assert!(chatty.read(&mut buf).await.is_err());
        far.shutdown().await.unwrap();
    }
}
