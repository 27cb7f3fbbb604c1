//! The lab's SSH gateways: a real SSH server (russh's server side) that
//! introduces itself as an old dropbear, checks one user name and password,
//! and opens nothing afterwards (every channel request is refused). The
//! host key is a fresh Ed25519 key for each lab.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use ring::rand::{SecureRandom, SystemRandom};
use russh::keys::PrivateKey;
use russh::keys::ssh_key::private::Ed25519Keypair;
use russh::server::{self, Auth};
use russh::{MethodKind, MethodSet, Preferred, SshId, cipher, kex, mac};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::{Instant, Sleep};

use super::{LabError, READ_TIMEOUT};

/// What the gateways say they run (the identification the banner probe and
/// the fingerprints read).
const SOFTWARE_ID: &str = "SSH-2.0-dropbear_2019.78";
/// The gateways' administrator account: an embedded Linux image that
/// leaves root's login on.
pub(crate) const USER: &str = "root";
/// gateway-01 still has the image's password (the generic list's
/// `generic-root-root`: nothing names this product, so that list applies).
pub(crate) const DEFAULT_PASSWORD: &str = "root";
/// gateway-02 is the same device with its password changed.
pub(crate) const CHANGED_PASSWORD: &str = "gw02-Kestrel-4418";
/// Longest a connection may last, whatever the client does.
const SESSION_LIFETIME: Duration = Duration::from_secs(60);
/// Bytes a client may send in one connection.
const SESSION_READ_LIMIT: usize = 1024 * 1024;
/// A refused login takes this long (dropbear delays refusals too).
const REJECTION_TIME: Duration = Duration::from_millis(100);

/// Roughly what dropbear 2019.78 offers, as far as russh implements it (no
/// strict key exchange, which dropbear gained in 2024.84).
const KEX: &[kex::Name] = &[
    kex::CURVE25519,
    kex::CURVE25519_PRE_RFC_8731,
    kex::ECDH_SHA2_NISTP521,
    kex::ECDH_SHA2_NISTP384,
    kex::ECDH_SHA2_NISTP256,
    kex::DH_G14_SHA256,
    kex::DH_G14_SHA1,
];
const CIPHERS: &[cipher::Name] = &[cipher::AES_128_CTR, cipher::AES_256_CTR];
const MACS: &[mac::Name] = &[mac::HMAC_SHA1, mac::HMAC_SHA256];

/// One gateway's server: its settings (with the host key) and its account.
pub(crate) struct Gateway {
    config: Arc<server::Config>,
    password: &'static str,
}

impl Gateway {
    /// A gateway whose `admin` account has `password`, with a new host key.
    pub(crate) fn new(password: &'static str) -> Result<Arc<Gateway>, LabError> {
        let mut seed = [0u8; 32];
        SystemRandom::new()
            .fill(&mut seed)
            .map_err(|_| LabError::HostKey)?;
        let key = PrivateKey::from(Ed25519Keypair::from_seed(&seed));
        let config = server::Config {
            server_id: SshId::Standard(Cow::Borrowed(SOFTWARE_ID)),
            methods: MethodSet::from(&[MethodKind::PublicKey, MethodKind::Password][..]),
            auth_rejection_time: REJECTION_TIME,
            auth_rejection_time_initial: Some(Duration::ZERO),
            keys: vec![key],
            preferred: Preferred {
                kex: Cow::Borrowed(KEX),
                key: Cow::Borrowed(&[russh::keys::Algorithm::Ed25519]),
                cipher: Cow::Borrowed(CIPHERS),
                mac: Cow::Borrowed(MACS),
                ..Preferred::DEFAULT
            },
            inactivity_timeout: Some(READ_TIMEOUT),
            ..server::Config::default()
        };
        Ok(Arc::new(Gateway {
            config: Arc::new(config),
            password,
        }))
    }
}

/// Serves one connection until the client leaves, idles for the read
/// timeout, or the session lifetime ends.
pub(crate) async fn serve_ssh(stream: TcpStream, gateway: Arc<Gateway>) {
    let io = Bounded::new(
        stream,
        tokio::time::Instant::now() + SESSION_LIFETIME,
        SESSION_READ_LIMIT,
    );
    let conversation = Conversation {
        password: gateway.password,
    };
    match server::run_stream(gateway.config.clone(), io, conversation).await {
        Ok(session) => {
            if let Err(e) = session.await {
                tracing::debug!(error = %e, "lab ssh: session ended");
            }
        }
        Err(e) => tracing::debug!(error = %e, "lab ssh: no session"),
    }
}

/// One client's session.
struct Conversation {
    password: &'static str,
}

impl server::Handler for Conversation {
    type Error = russh::Error;

    async fn auth_password(&mut self, user: &str, password: &str) -> Result<Auth, Self::Error> {
        Ok(if user == USER && password == self.password {
            Auth::Accept
        } else {
            Auth::reject()
        })
    }

    // Public keys, keyboard-interactive and every channel: the defaults
    // refuse them (a dropped channel-open reply is a refusal).
}

/// The gateway's side of a session bound: russh serves a session on a task
/// of its own, which nothing else stops, so the stream fails once the
/// session's lifetime is over or once it has read its share of bytes.
struct Bounded {
    inner: TcpStream,
    expiry: Pin<Box<Sleep>>,
    left: usize,
}

impl Bounded {
    fn new(inner: TcpStream, deadline: Instant, limit: usize) -> Self {
        Bounded {
            inner,
            expiry: Box::pin(tokio::time::sleep_until(deadline)),
            left: limit,
        }
    }

    /// An error once the lifetime is over, else `None`.
    fn over(&mut self, cx: &mut Context<'_>) -> Option<io::Error> {
        self.expiry
            .as_mut()
            .poll(cx)
            .is_ready()
            .then(|| io::Error::new(io::ErrorKind::TimedOut, "session lifetime over"))
    }
}

impl AsyncRead for Bounded {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if let Some(e) = this.over(cx) {
            return Poll::Ready(Err(e));
        }
        if this.left == 0 {
            return Poll::Ready(Err(io::Error::other("session read limit reached")));
        }
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            this.left = this.left.saturating_sub(buf.filled().len() - before);
        }
        polled
    }
}

impl AsyncWrite for Bounded {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        match this.over(cx) {
            Some(e) => Poll::Ready(Err(e)),
            None => Pin::new(&mut this.inner).poll_write(cx, buf),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
