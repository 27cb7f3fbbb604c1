//! TLS devices: the camera's expired self-signed certificate and the portal's
//! certificate from the lab CA (verified with rustls against `LAB_CA_PEM`).

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::TlsConnector;

use super::{connect, exchange, get, lab, provider, unix_now};
use crate::proto::http;
use crate::{LAB_CA_PEM, certs};

#[tokio::test]
async fn camera_https_presents_an_expired_self_signed_certificate() {
    let lab = lab(3).await;
    // The scanner's own client: it accepts any certificate and keeps it.
    let connector = stadscan::tls::TlsContext::new(&[]).unwrap().connector();
    let tcp = connect(&lab, "camera-01", "https").await;
    let name = ServerName::try_from("camera-01.demo-city.test").unwrap();
    let mut tls = connector.connect(name, tcp).await.expect("handshake");
    let der = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
    let (_, cert) = x509_parser::parse_x509_certificate(&der).unwrap();
    let cn = cert.subject().iter_common_name().next().unwrap();
    assert_eq!(cn.as_str().unwrap(), "IPC");
    assert_eq!(
        cert.subject().as_raw(),
        cert.issuer().as_raw(),
        "self-signed"
    );
    assert!(cert.subject_alternative_name().unwrap().is_none());
    let now = unix_now();
    let not_after = cert.validity().not_after.timestamp();
    let not_before = cert.validity().not_before.timestamp();
    // Fixed dates: 2023-01-01 to 2025-01-01, expired.
    assert_eq!((not_before, not_after), (1_672_531_200, 1_735_689_600));
    assert!(now > not_after, "expired");
    // The same web application answers inside TLS.
    let (head, _) = exchange(&mut tls, &get("camera-01.demo-city.test", None)).await;
    assert_eq!(head.status, 401);
    lab.shutdown().await;
}

#[tokio::test]
async fn portal_certificate_chains_to_the_lab_ca_on_tls12_and_tls13() {
    let lab = lab(4).await;
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_slice(LAB_CA_PEM.as_bytes()).unwrap())
        .unwrap();
    for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
        let config = rustls::ClientConfig::builder_with_provider(provider())
            .with_protocol_versions(&[version])
            .unwrap()
            .with_root_certificates(roots.clone())
            .with_no_client_auth();
        let tcp = connect(&lab, "portal", "https").await;
        let name = ServerName::try_from("portal.demo-city.test").unwrap();
        let mut tls = TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await
            .expect("verified handshake");
        assert_eq!(tls.get_ref().1.protocol_version(), Some(version.version));
        let (head, body) = exchange(&mut tls, &get("portal.demo-city.test", None)).await;
        assert_eq!(head.status, 200);
        assert_eq!(head.header("server"), Some("lab-portal"));
        assert_eq!(
            http::html_title(&body).as_deref(),
            Some("Demo City services portal")
        );
    }
    lab.shutdown().await;
}

#[test]
fn portal_certificate_names_the_lab_ca_as_issuer() {
    let (der, _) = certs::portal_cert().unwrap();
    let (_, leaf) = x509_parser::parse_x509_certificate(&der).unwrap();
    let ca_der = CertificateDer::from_pem_slice(LAB_CA_PEM.as_bytes()).unwrap();
    let (_, ca) = x509_parser::parse_x509_certificate(&ca_der).unwrap();
    assert_eq!(leaf.issuer().as_raw(), ca.subject().as_raw());
    let key_id = |c: &x509_parser::certificate::X509Certificate<'_>, subject: bool| {
        c.extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                x509_parser::extensions::ParsedExtension::SubjectKeyIdentifier(k) if subject => {
                    Some(k.0.to_vec())
                }
                x509_parser::extensions::ParsedExtension::AuthorityKeyIdentifier(a) if !subject => {
                    a.key_identifier.as_ref().map(|k| k.0.to_vec())
                }
                _ => None,
            })
    };
    assert_eq!(key_id(&leaf, false), key_id(&ca, true));
    let now = unix_now();
    assert!(leaf.validity().not_before.timestamp() < now - 3600);
    assert!(leaf.validity().not_after.timestamp() > now + 89 * 86_400);
}
