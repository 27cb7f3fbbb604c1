//! Login testers: one conversation per protocol that tries one user name
//! and password and says whether the service let it in. They know nothing
//! of budgets, control attempts or findings (that is [`super`]); they only
//! log in, over `net`, before a deadline, and never change anything on the
//! device.
//!
//! A tester answers [`Outcome::Accepted`] only on the protocol's own proof
//! of success (HTTP 2xx after a challenge, FTP 230, CONNACK 0, an SSH
//! userauth success, an SNMP response, a shell prompt after the password),
//! [`Outcome::Refused`] only on its proof of refusal, and
//! [`Outcome::Inconclusive`] on everything else (timeouts, garbage, resets):
//! an inconclusive answer is never a finding.

pub use crate::proto::digest;
pub mod ftp;
pub mod http;
pub mod mqtt;
pub mod onvif;
pub mod rtsp;
pub mod snmp;
pub mod ssh;
pub mod telnet;
#[cfg(test)]
pub(crate) mod testkit;

use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;

use crate::model::Secret;
use crate::model::Target;
use crate::net::{HostPermit, Net};
use crate::tls::TlsContext;

/// What one login attempt showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The service let the client in.
    Accepted,
    /// The service said no.
    Refused,
    /// Neither (timeout, reset, an answer the tester does not know); the
    /// reason is for the report, and never holds the password.
    Inconclusive(String),
}

/// How to log in to one service: the protocol's own login, with the details
/// the credential data gives.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "method", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Method {
    /// HTTP authentication on `path`: Basic or Digest, as the challenge asks.
    HttpAuth {
        /// The path the challenge is answered on (default `/`).
        #[serde(default = "root_path")]
        path: String,
    },
    /// A form login described in the data.
    HttpForm(Box<FormLogin>),
    /// RTSP DESCRIBE on `path` with Basic or Digest, as the challenge asks.
    Rtsp {
        /// The stream's path (default `/`).
        #[serde(default = "root_path")]
        path: String,
    },
    /// ONVIF GetDeviceInformation with a WS-Security UsernameToken
    /// (PasswordDigest) on the device service at `path`.
    Onvif {
        /// The device service's path (default `/onvif/device_service`).
        #[serde(default = "onvif_path")]
        path: String,
    },
    /// The login prompt, then the password; a shell prompt is success.
    Telnet,
    /// One SSH user authentication (password, or keyboard-interactive with one
    /// password prompt); no channel is opened.
    Ssh,
    /// USER and PASS; reply 230 is success, 530 refusal.
    Ftp,
    /// One MQTT 3.1.1 CONNECT; CONNACK 0 is success.
    Mqtt,
    /// SNMP v1/v2c: the password is the community; a GET of sysDescr.0
    /// (never a SET). A wrong community gets no answer at all.
    Snmp,
}

fn root_path() -> String {
    "/".into()
}

fn onvif_path() -> String {
    "/onvif/device_service".into()
}

impl Method {
    /// The name in the audit trail (every login label starts `login-`).
    pub fn label(&self) -> &'static str {
        match self {
            Method::HttpAuth { .. } => "login-http",
            Method::HttpForm(_) => "login-http-form",
            Method::Rtsp { .. } => "login-rtsp",
            Method::Onvif { .. } => "login-onvif",
            Method::Telnet => "login-telnet",
            Method::Ssh => "login-ssh",
            Method::Ftp => "login-ftp",
            Method::Mqtt => "login-mqtt",
            Method::Snmp => "login-snmp",
        }
    }

    /// The protocol (as in `Observation::protocol`) this method logs in to.
    pub fn protocol(&self) -> &'static str {
        match self {
            Method::HttpAuth { .. } | Method::HttpForm(_) | Method::Onvif { .. } => "http",
            Method::Rtsp { .. } => "rtsp",
            Method::Telnet => "telnet",
            Method::Ssh => "ssh",
            Method::Ftp => "ftp",
            Method::Mqtt => "mqtt",
            Method::Snmp => "snmp",
        }
    }

    /// True when this login puts the password itself on the wire (Basic,
    /// forms, Telnet, FTP, MQTT, SNMP communities); Digest, WS-Security
    /// digests and SSH do not.
    pub fn sends_password(&self) -> bool {
        matches!(
            self,
            Method::HttpForm(_) | Method::Telnet | Method::Ftp | Method::Mqtt | Method::Snmp
        )
    }
}

/// An HTTP form login.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormLogin {
    /// Where the form is posted.
    pub path: String,
    /// A page to GET first, for a CSRF token and the session cookie.
    #[serde(default)]
    pub page: Option<String>,
    /// The CSRF token on `page`.
    #[serde(default)]
    pub csrf: Option<Csrf>,
    /// Form fields in order; values may hold `{username}` and `{password}`.
    pub fields: Vec<Field>,
    /// What a successful login answers.
    pub success: Matcher,
    /// What a refused login answers.
    pub failure: Matcher,
}

/// One form field.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// The field's name.
    pub name: String,
    /// The field's value; `{username}` and `{password}` are filled in.
    pub value: String,
}

/// A CSRF token: posted as `field`, found on the page by `pattern` (a
/// regular expression whose first group is the token).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Csrf {
    /// The form field the token is posted as.
    pub field: String,
    /// The regular expression whose first group is the token.
    pub pattern: String,
}

/// How an HTTP answer is recognised; every given part must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matcher {
    /// Any of these status codes.
    #[serde(default)]
    pub status: Vec<u16>,
    /// A header (name, case-insensitive) whose value matches a regex.
    #[serde(default)]
    pub header: Option<HeaderMatch>,
    /// A regular expression the body matches.
    #[serde(default)]
    pub body: Option<String>,
}

/// A header name and a regular expression its value matches.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderMatch {
    /// The header's name (case-insensitive).
    pub name: String,
    /// The regular expression its value must match.
    pub pattern: String,
}

/// One login attempt: where, with what, by when.
pub struct Attempt<'a> {
    /// The network layer the connection goes through.
    pub net: &'a Net,
    /// Trust and client settings when the service runs inside TLS.
    pub tls: &'a TlsContext,
    /// The device.
    pub target: &'a Target,
    /// The service's port.
    pub port: u16,
    /// The service runs inside TLS (HTTPS, RTSPS, MQTT on 8883, FTPS).
    pub in_tls: bool,
    /// When the attempt gives up (inconclusive).
    pub deadline: Instant,
    /// The user name (empty for an SNMP community).
    pub username: &'a str,
    /// The password or community.
    pub password: &'a Secret,
    /// How to log in.
    pub method: &'a Method,
}

impl std::fmt::Debug for Attempt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attempt")
            .field("target", &self.target.addr())
            .field("port", &self.port)
            .field("in_tls", &self.in_tls)
            .field("username", &self.username)
            .field("method", &self.method.label())
            .finish_non_exhaustive()
    }
}

/// An inconclusive outcome with `reason`.
pub(crate) fn inconclusive(reason: &str) -> Outcome {
    Outcome::Inconclusive(reason.to_string())
}

/// Tries one login.
pub async fn try_login(a: &Attempt<'_>) -> Outcome {
    match a.method {
        Method::HttpAuth { path } => http::basic_or_digest(a, path).await,
        Method::HttpForm(form) => http::form(a, form).await,
        Method::Rtsp { path } => rtsp::login(a, path).await,
        Method::Onvif { path } => onvif::login(a, path).await,
        Method::Telnet => telnet::login(a).await,
        Method::Ssh => ssh::login(a).await,
        Method::Ftp => ftp::login(a).await,
        Method::Mqtt => mqtt::login(a).await,
        Method::Snmp => snmp::login(a).await,
    }
}

/// A byte stream to a device, plain or inside TLS.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// An open conversation: the stream and the per-host slot it holds.
pub struct Session {
    /// The connection, plain or inside TLS.
    pub io: Box<dyn Stream>,
    /// The slot on the device the connection holds; freed on drop.
    pub permit: HostPermit,
}

/// Opens a connection for `a` (inside TLS when the service runs there),
/// labelled with the method's audit name. `None` when it fails.
pub async fn open(a: &Attempt<'_>) -> Option<Session> {
    let conn = tokio::time::timeout_at(
        a.deadline,
        a.net.connect(a.target, a.port, a.method.label()),
    )
    .await
    .ok()?
    .ok()?;
    let crate::net::Conn { stream, permit } = conn;
    let io: Box<dyn Stream> = if a.in_tls {
        let name = crate::tls::server_name(a.target.hostname(), a.target.addr());
        let tls = tokio::time::timeout_at(a.deadline, a.tls.connector().connect(name, stream))
            .await
            .ok()?
            .ok()?;
        Box::new(tls)
    } else {
        Box::new(stream)
    };
    Some(Session { io, permit })
}
