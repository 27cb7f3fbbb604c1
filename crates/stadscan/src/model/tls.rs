//! What a TLS assessment learned about one endpoint (filled in by
//! `tls::assess`, judged by `tls::policy`, carried on the observation).

use serde::{Deserialize, Serialize};

use crate::proto::tls as wire;

/// What one version accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionProfile {
    /// The version's name in reports (`SSLv3`, `TLSv1.0` ... `TLSv1.3`).
    pub version: String,
    /// The version's code on the wire (`0x0303`, 771, for TLS 1.2).
    pub wire: u16,
    /// Accepted suites, in the order the server picked them.
    pub suites: Vec<u16>,
    /// `Some(true)` when the server chose the same suite whatever the
    /// client's order; `None` when fewer than two suites are accepted.
    pub server_order: Option<bool>,
}

impl VersionProfile {
    /// The profile of protocol version `wire` (named as the reports name it).
    pub fn new(wire: u16, suites: &[u16], server_order: Option<bool>) -> VersionProfile {
        VersionProfile {
            version: wire::version_name(wire),
            wire,
            suites: suites.to_vec(),
            server_order,
        }
    }
}

/// Diffie-Hellman parameters of a DHE suite.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DhParams {
    /// Size of the server's DH prime in bits.
    pub bits: usize,
    /// RFC 7919 / RFC 3526 group recognised by its prime.
    pub group: Option<String>,
}

/// Everything the enumeration learned about one endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsProfile {
    /// One entry per protocol version tried (a refused version has no
    /// suites).
    pub versions: Vec<VersionProfile>,
    /// Named groups accepted (ECDHE in TLS 1.2, key shares in TLS 1.3).
    pub groups: Vec<u16>,
    /// The server's own DH parameters for DHE suites; `None` when no DHE
    /// suite was accepted or its key exchange could not be read.
    pub dh: Option<DhParams>,
    /// The server announced secure renegotiation (RFC 5746) at the best
    /// version below TLS 1.3; `None` when not measured.
    pub secure_renegotiation: Option<bool>,
    /// The server agreed to the extended master secret (RFC 7627) at the
    /// best version below TLS 1.3; `None` when not measured.
    pub extended_master_secret: Option<bool>,
    /// The server chose DEFLATE when the client offered it; `None` when not
    /// measured.
    pub compression: Option<bool>,
    /// The server answered a certificate status request (OCSP stapling);
    /// `None` when not measured.
    pub ocsp_stapling: Option<bool>,
    /// The TLS 1.2 key exchange is still signed when only SHA-1 is offered.
    pub sha1_kex_signature: Option<bool>,
    /// SSL 2.0 cipher kinds accepted (empty: no SSL 2.0).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sslv2_ciphers: Vec<u32>,
    /// DER certificates of a TLS <= 1.2 handshake (leaf first).
    #[serde(skip)]
    pub chain: Vec<Vec<u8>>,
    /// Connections the enumeration opened to the endpoint.
    pub connections: u32,
    /// Wall-clock time the enumeration took, in milliseconds.
    pub elapsed_ms: u64,
    /// True when the deadline cut the enumeration short, or a question got
    /// no connection even when asked again (what it asks stays unknown).
    pub incomplete: bool,
    /// The STARTTLS upgrade each connection began with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starttls: Option<Starttls>,
}

impl TlsProfile {
    /// True when the endpoint accepted at least one suite at protocol
    /// version `wire` (for SSL 2.0: at least one SSL 2.0 cipher kind).
    pub fn accepts(&self, wire: u16) -> bool {
        if wire == wire::SSL2 {
            return !self.sslv2_ciphers.is_empty();
        }
        self.versions
            .iter()
            .any(|v| v.wire == wire && !v.suites.is_empty())
    }
}

/// Which upgrade a service needs before TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Starttls {
    /// SMTP `STARTTLS`.
    Smtp,
    /// FTP `AUTH TLS`.
    Ftp,
    /// IMAP `STARTTLS`.
    Imap,
    /// POP3 `STLS`.
    Pop3,
    /// LDAP's StartTLS extended operation.
    Ldap,
}

impl Starttls {
    /// The upgrade for an identified cleartext protocol, if it has one.
    pub fn for_protocol(protocol: &str) -> Option<Starttls> {
        match protocol {
            "smtp" => Some(Starttls::Smtp),
            "ftp" => Some(Starttls::Ftp),
            "imap" => Some(Starttls::Imap),
            "pop3" => Some(Starttls::Pop3),
            "ldap" => Some(Starttls::Ldap),
            _ => None,
        }
    }
}
