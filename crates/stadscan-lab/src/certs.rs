//! The lab's TLS identities: an expired self-signed camera certificate and a
//! portal certificate issued by the lab CA, both generated at start with rcgen.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
    KeyIdMethod, KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::{LAB_CA_KEY_PEM, LAB_DOMAIN, LabError};

const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Subject of the lab CA certificate (`LAB_CA_PEM`), attribute for attribute:
/// certificate paths are built by comparing the issuer name with it.
const CA_ORGANIZATION: &str = "stadscan lab";
const CA_COMMON_NAME: &str = "stadscan Demo City Lab CA";

/// Fixed device keys (lab-only, like the CA key): a real device keeps its
/// key across reboots, and the scanner names a device by its certificate
/// key, so the lab's identities must survive a restart too.
const CAMERA_KEY_PEM: &str = include_str!("lab-camera-key.pem");
const PORTAL_KEY_PEM: &str = include_str!("lab-portal-key.pem");

fn cert_error(context: &'static str) -> impl Fn(rcgen::Error) -> LabError {
    move |source| LabError::Certificate { context, source }
}

/// Seconds since the Unix epoch as a duration (zero if the clock is before it).
fn since_epoch() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
}

/// The portal's host name.
pub(crate) fn portal_name() -> String {
    format!("portal.{LAB_DOMAIN}")
}

/// The camera's HTTPS identity: self-signed, CN "IPC", no subject alternative
/// names, valid from 2023-01-01 until 2025-01-01: expired, on fixed dates so
/// its finding reads the same in every run (a history shows it unchanged).
pub(crate) fn expired_camera_cert() -> Result<(CertificateDer<'static>, KeyPair), LabError> {
    let key = KeyPair::from_pem(CAMERA_KEY_PEM).map_err(cert_error("camera key"))?;
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "IPC");
    params.distinguished_name = dn;
    params.not_before = rcgen::date_time_ymd(2023, 1, 1);
    params.not_after = rcgen::date_time_ymd(2025, 1, 1);
    let cert = params
        .self_signed(&key)
        .map_err(cert_error("camera certificate"))?;
    Ok((cert.der().clone(), key))
}

/// The portal's identity: SAN `portal.demo-city.test`, issued by the lab CA,
/// valid from one day ago for 90 days.
pub(crate) fn portal_cert() -> Result<(CertificateDer<'static>, KeyPair), LabError> {
    let ca_key = KeyPair::from_pem(LAB_CA_KEY_PEM).map_err(cert_error("lab CA key"))?;
    let mut ca_params = CertificateParams::default();
    let mut ca_dn = DistinguishedName::new();
    ca_dn.push(DnType::OrganizationName, CA_ORGANIZATION);
    ca_dn.push(DnType::CommonName, CA_COMMON_NAME);
    ca_params.distinguished_name = ca_dn;
    ca_params.is_ca = IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    // The CA's subject key identifier is the SHA-1 of its public key (RFC 5280
    // method 1); the portal's authority key identifier must repeat it.
    let ski = ring::digest::digest(
        &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
        ca_key.public_key_raw(),
    );
    ca_params.key_identifier_method = KeyIdMethod::PreSpecified(ski.as_ref().to_vec());
    let issuer = Issuer::new(ca_params, ca_key);

    let name = portal_name();
    let key = KeyPair::from_pem(PORTAL_KEY_PEM).map_err(cert_error("portal key"))?;
    let mut params =
        CertificateParams::new(vec![name.clone()]).map_err(cert_error("portal name"))?;
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "Demo City");
    dn.push(DnType::CommonName, name);
    params.distinguished_name = dn;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let epoch = rcgen::date_time_ymd(1970, 1, 1);
    let now = since_epoch();
    params.not_before = epoch + now.saturating_sub(DAY);
    params.not_after = epoch + now + DAY * 90;
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(cert_error("portal certificate"))?;
    Ok((cert.der().clone(), key))
}

/// A rustls server configuration (TLS 1.2 and 1.3, ring provider).
fn server_config(
    cert: CertificateDer<'static>,
    key: &KeyPair,
) -> Result<Arc<ServerConfig>, LabError> {
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(vec![cert], key)?;
    Ok(Arc::new(config))
}

/// The camera's TLS configuration (expired self-signed certificate).
pub(crate) fn expired_camera_config() -> Result<Arc<ServerConfig>, LabError> {
    let (cert, key) = expired_camera_cert()?;
    server_config(cert, &key)
}

/// The portal's TLS configuration (certificate from the lab CA).
pub(crate) fn portal_config() -> Result<Arc<ServerConfig>, LabError> {
    let (cert, key) = portal_cert()?;
    server_config(cert, &key)
}
