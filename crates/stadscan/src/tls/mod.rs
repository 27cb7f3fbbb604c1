//! TLS: a client that completes a handshake with any server (also one with a
//! broken certificate) and keeps the chain, and the trust store the chain is
//! judged against (public roots plus the scope's trust anchors). The
//! submodules enumerate what an endpoint accepts ([`assess`]), over STARTTLS
//! where needed ([`starttls`]), and judge it against the NCSC-NL guidelines
//! ([`policy`], [`verdict`]).

pub mod assess;
pub mod cert;
pub mod policy;
pub mod starttls;
pub mod verdict;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};

/// A trust-anchor file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A trust-anchor file that cannot be read, holds no PEM certificate,
    /// or holds one that is no usable CA certificate.
    #[error("{}: cannot read trust anchors: {detail}", path.display())]
    Anchor {
        /// The file named in the scope's `trust_anchors`.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// rustls refused the client configuration.
    #[error("TLS client configuration: {0}")]
    Config(#[source] rustls::Error),
}

/// Everything a probe needs to speak TLS and judge certificates.
#[derive(Debug, Clone)]
pub struct TlsContext {
    /// A client for every protocol version that accepts any certificate
    /// (trust is judged afterwards against `anchors`).
    pub client: Arc<rustls::ClientConfig>,
    /// The trust store certificates are judged against: the scope's
    /// anchors first, then the public roots.
    pub anchors: Arc<Vec<TrustAnchor<'static>>>,
    /// How many of `anchors` came from the scope (the rest are public roots).
    pub scope_anchors: usize,
}

impl TlsContext {
    /// Public roots plus the certificates in `extra` (PEM files).
    pub fn new(extra: &[PathBuf]) -> Result<TlsContext, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut anchors: Vec<TrustAnchor<'static>> = Vec::new();
        for path in extra {
            anchors.extend(load_anchors(path)?);
        }
        let scope_anchors = anchors.len();
        anchors.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let verifier = Arc::new(AcceptAnyServer {
            algs: provider.signature_verification_algorithms,
        });
        let client = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(rustls::ALL_VERSIONS)
            .map_err(TlsError::Config)?
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        Ok(TlsContext {
            client: Arc::new(client),
            anchors: Arc::new(anchors),
            scope_anchors,
        })
    }

    /// A connector that uses [`TlsContext::client`].
    pub fn connector(&self) -> tokio_rustls::TlsConnector {
        tokio_rustls::TlsConnector::from(self.client.clone())
    }
}

fn load_anchors(path: &Path) -> Result<Vec<TrustAnchor<'static>>, TlsError> {
    let err = |detail: String| TlsError::Anchor {
        path: path.to_path_buf(),
        detail,
    };
    let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    let mut out = Vec::new();
    let blocks = crate::proto::pem::certificates(&bytes).map_err(|e| err(e.to_string()))?;
    for block in blocks {
        let der = CertificateDer::from(block);
        let anchor = webpki::anchor_from_trusted_cert(&der)
            .map_err(|e| err(format!("not a usable CA certificate: {e:?}")))?;
        out.push(anchor.to_owned());
    }
    if out.is_empty() {
        return Err(err("no CERTIFICATE block found".into()));
    }
    Ok(out)
}

/// The name to send as SNI and to verify against: the scope's host name, or
/// the address (rustls sends no SNI for an address).
pub fn server_name(hostname: Option<&str>, addr: std::net::IpAddr) -> ServerName<'static> {
    hostname
        .and_then(|h| ServerName::try_from(h.to_string()).ok())
        .unwrap_or_else(|| ServerName::IpAddress(addr.into()))
}

/// Accepts every certificate: the scanner must see broken chains to report
/// them. Signatures of the handshake itself are still checked, so the
/// negotiated session is real. Trust is judged afterwards by [`cert`].
#[derive(Debug)]
struct AcceptAnyServer {
    algs: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyServer {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algs)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.algs.supported_schemes()
    }
}

/// The ring provider, for callers that build their own configs (the lab).
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn anchors_from(name: &str, text: &str) -> Result<Vec<TrustAnchor<'static>>, TlsError> {
        let dir = std::env::temp_dir().join(format!("stadscan-anchors-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let loaded = load_anchors(&path);
        std::fs::remove_file(&path).unwrap();
        loaded
    }

    /// A city's CA file loads with comments and other blocks around the
    /// certificate; a broken one names the file and the block's line.
    #[test]
    fn trust_anchor_files_load_or_name_the_line_at_fault() {
        let ca = include_str!("../../../stadscan-lab/src/lab-ca.pem");
        let file = format!("# the city's own CA\n{ca}");
        assert_eq!(anchors_from("ca.pem", &file).unwrap().len(), 1);

        let cut = ca.lines().take(3).collect::<Vec<_>>().join("\n");
        let broken = format!("# the city's own CA\n{cut}\n");
        let e = anchors_from("cut.pem", &broken).unwrap_err().to_string();
        assert!(e.contains("cut.pem"), "{e}");
        assert!(e.contains("line 2: the certificate block"), "{e}");

        let e = anchors_from("empty.pem", "nothing here\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("no CERTIFICATE block found"), "{e}");
    }

    /// Public data written elsewhere: Debian's bundle of the Mozilla root
    /// programme (`ca-certificates`, which `.ci/test` installs) loads whole,
    /// one trust anchor per certificate block.
    #[test]
    fn debians_root_bundle_loads_every_certificate() {
        let path = Path::new("/etc/ssl/certs/ca-certificates.crt");
        let bytes = std::fs::read(path).expect("the ca-certificates package is installed");
        let blocks = String::from_utf8_lossy(&bytes)
            .lines()
            .filter(|l| l.trim() == "-----BEGIN CERTIFICATE-----")
            .count();
        assert!(blocks > 100, "{blocks} certificates in {}", path.display());
        assert_eq!(load_anchors(path).unwrap().len(), blocks);
    }
}
