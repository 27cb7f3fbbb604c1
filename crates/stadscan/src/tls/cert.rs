//! Certificate analysis: validity window, self-signature, chain trust against
//! the trust store, host-name match, key and signature algorithm. Produces
//! `cert.*` facts; checks in `checks/` turn them into findings.

use std::net::IpAddr;

use rustls::pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use x509_parser::prelude::*;

use crate::model::{FactValue, Facts, rfc3339};

/// Analyses the chain a server sent (leaf first) at `now` (Unix seconds).
/// `hostname` is the scope's name for the target; without one, no name check
/// is made (an address-only target says nothing about which name it serves).
pub fn analyse(
    chain: &[CertificateDer<'_>],
    hostname: Option<&str>,
    anchors: &[TrustAnchor<'_>],
    now: i64,
) -> Facts {
    let mut facts = Facts::new();
    let Some(leaf_der) = chain.first() else {
        return facts;
    };
    set(&mut facts, "cert.chain_length", chain.len() as i64);
    set(&mut facts, "cert.sha256", hex(&sha256(leaf_der)));
    let leaf = match X509Certificate::from_der(leaf_der) {
        Ok((_, c)) => c,
        Err(e) => {
            set(&mut facts, "cert.trusted", false);
            set(
                &mut facts,
                "cert.trust_error",
                "the server's certificate cannot be read (bad encoding)",
            );
            set(
                &mut facts,
                "cert.trust_error_code",
                format!("Unparsable {e}"),
            );
            return facts;
        }
    };
    set(&mut facts, "cert.subject", leaf.subject().to_string());
    set(&mut facts, "cert.issuer", leaf.issuer().to_string());
    set(&mut facts, "cert.serial", leaf.raw_serial_as_string());
    let not_before = leaf.validity().not_before.timestamp();
    let not_after = leaf.validity().not_after.timestamp();
    set(&mut facts, "cert.not_before", rfc3339(not_before));
    set(&mut facts, "cert.not_after", rfc3339(not_after));
    set(
        &mut facts,
        "cert.days_left",
        (not_after - now).div_euclid(86_400),
    );
    set(&mut facts, "cert.expired", now > not_after);
    set(&mut facts, "cert.not_yet_valid", now < not_before);
    set(
        &mut facts,
        "cert.self_signed",
        leaf.subject().as_raw() == leaf.issuer().as_raw(),
    );
    let spki = leaf.public_key();
    set(&mut facts, "cert.spki_sha256", hex(&sha256(spki.raw)));
    let (key_type, bits) = match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(k)) => ("rsa", k.key_size()),
        Ok(x509_parser::public_key::PublicKey::EC(k)) => ("ec", k.key_size()),
        Ok(x509_parser::public_key::PublicKey::DSA(k)) => ("dsa", k.len() * 8),
        _ => (key_algorithm(&spki.algorithm.algorithm.to_id_string()), 0),
    };
    set(&mut facts, "cert.key_type", key_type);
    if bits > 0 {
        set(&mut facts, "cert.key_bits", bits as i64);
    }
    set(
        &mut facts,
        "cert.signature_algorithm",
        signature_name(&leaf.signature_algorithm.algorithm.to_id_string()),
    );
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = leaf.subject_alternative_name() {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(d) => sans.push(format!("DNS:{d}")),
                GeneralName::IPAddress(b) => {
                    if let Some(ip) = ip_from_bytes(b) {
                        sans.push(format!("IP:{ip}"));
                    }
                }
                _ => {}
            }
        }
    }
    if !sans.is_empty() {
        set(&mut facts, "cert.san", sans);
    }

    // Trust, judged inside the leaf's validity window so that an expired but
    // otherwise trusted certificate is reported as expired, not untrusted.
    let at = if (not_before..=not_after).contains(&now) {
        now
    } else {
        not_before + (not_after - not_before) / 2
    };
    let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(at.max(0) as u64));
    match webpki::EndEntityCert::try_from(leaf_der) {
        Err(e) => {
            set(&mut facts, "cert.trusted", false);
            set_trust_error(&mut facts, &e, chain, anchors);
        }
        Ok(ee) => {
            let verified = ee.verify_for_usage(
                webpki::ALL_VERIFICATION_ALGS,
                anchors,
                &chain[1..],
                at,
                webpki::KeyUsage::server_auth(),
                None,
                None,
            );
            set(&mut facts, "cert.trusted", verified.is_ok());
            if let Err(e) = verified {
                set_trust_error(&mut facts, &e, chain, anchors);
            }
            if let Some(name) = hostname {
                set(&mut facts, "cert.name_checked", name);
                let matches = ServerName::try_from(name)
                    .map(|sn| ee.verify_is_valid_for_subject_name(&sn).is_ok())
                    .unwrap_or(false);
                set(&mut facts, "cert.name_match", matches);
            }
        }
    }
    facts
}

fn set(facts: &mut Facts, name: &str, v: impl Into<FactValue>) {
    facts.insert(name.to_string(), v.into());
}

/// Why the chain did not verify: `cert.trust_error` says it for people (it
/// goes into finding messages), `cert.trust_error_code` names the verifier's
/// error and the algorithm it concerns, for machines.
fn set_trust_error(
    facts: &mut Facts,
    e: &webpki::Error,
    chain: &[CertificateDer<'_>],
    anchors: &[TrustAnchor<'_>],
) {
    let (text, detail) = trust_error(e, chain, anchors);
    set(facts, "cert.trust_error", text);
    let name = format!("{e:?}");
    let name = name
        .split(['(', ' ', '{'])
        .next()
        .unwrap_or_default()
        .trim_end_matches("Context");
    let code = match detail {
        Some(d) => format!("{name} {d}"),
        None => name.to_string(),
    };
    set(facts, "cert.trust_error_code", code);
}

/// A sentence for people, and the OID or name it concerns.
fn trust_error(
    e: &webpki::Error,
    chain: &[CertificateDer<'_>],
    anchors: &[TrustAnchor<'_>],
) -> (String, Option<String>) {
    use webpki::Error as E;
    let plain = |s: &str| (s.to_string(), None);
    match e {
        E::UnknownIssuer => plain("issuer not in the trust store"),
        E::InvalidSignatureForPublicKey => match shortest_rsa_issuer(chain, anchors) {
            Some(bits) if bits < 2048 => (
                format!(
                    "a certificate in the chain is signed with a {bits}-bit RSA key, too short to be trusted"
                ),
                Some(format!("RSA {bits}")),
            ),
            _ => plain("a signature in the chain does not verify"),
        },
        E::UnsupportedSignatureAlgorithmContext(c) => {
            let name = signature_name(&algorithm_oid(&c.signature_algorithm_id));
            (
                format!(
                    "a certificate in the chain is signed with {name}, an algorithm no longer accepted for trust"
                ),
                Some(name),
            )
        }
        E::UnsupportedSignatureAlgorithmForPublicKeyContext(c) => {
            let key = algorithm_oid(&c.public_key_algorithm_id);
            let label = match key.as_str() {
                "1.2.840.10040.4.1" => "DSA".to_string(),
                "1.2.840.10045.2.1" => "EC key on a curve".to_string(),
                other => format!("key type {other}"),
            };
            (
                format!(
                    "a certificate in the chain is signed with a {label} that is not accepted for trust"
                ),
                Some(key),
            )
        }
        E::CertExpired { .. } => plain("a certificate in the chain has expired"),
        E::CertNotValidYet { .. } => plain("a certificate in the chain is not valid yet"),
        E::CertRevoked => plain("a certificate in the chain is revoked"),
        E::CertDistrusted => plain("the chain's key is explicitly distrusted"),
        E::NameConstraintViolation => {
            plain("the certificate names a host its CA may not issue for (name constraints)")
        }
        E::PathLenConstraintViolated => {
            plain("the chain is longer than its CA allows (path length constraint)")
        }
        E::CaUsedAsEndEntity => plain("a CA certificate is used as server certificate"),
        E::EndEntityUsedAsCa => plain("a server certificate is used to sign other certificates"),
        E::RequiredEkuNotFoundContext(_) | E::EmptyEkuExtension => {
            plain("certificate not valid for server authentication")
        }
        E::UnsupportedCertVersion => plain("a certificate in the chain is not X.509 version 3"),
        E::UnsupportedCriticalExtension => {
            plain("a certificate in the chain has a critical extension that verifiers do not know")
        }
        E::InvalidCertValidity => plain("a certificate in the chain ends before it begins"),
        E::SignatureAlgorithmMismatch => {
            plain("a certificate in the chain names two different signature algorithms")
        }
        E::MaximumPathDepthExceeded => plain("the chain is too long to verify"),
        E::MaximumSignatureChecksExceeded
        | E::MaximumPathBuildCallsExceeded
        | E::MaximumNameConstraintComparisonsExceeded => {
            plain("the chain is too complex to verify")
        }
        E::BadDer
        | E::BadDerTime
        | E::TrailingData(_)
        | E::MalformedExtensions
        | E::ExtensionValueInvalid
        | E::InvalidSerialNumber
        | E::MalformedDnsIdentifier
        | E::MalformedNameConstraint
        | E::InvalidNetworkMaskConstraint => plain("a certificate in the chain is badly encoded"),
        _ => plain("the chain does not verify"),
    }
}

/// The dotted OID at the start of an AlgorithmIdentifier's contents.
fn algorithm_oid(id: &[u8]) -> String {
    match id {
        [6, len, rest @ ..] if rest.len() >= usize::from(*len) => {
            let oid = x509_parser::asn1_rs::Oid::new(rest[..usize::from(*len)].into());
            oid.to_id_string()
        }
        _ => "unknown".to_string(),
    }
}

/// The smallest RSA key among the chain's issuers: every certificate but
/// the leaf (the leaf too when it signs itself), and the trust anchors that
/// issued one of them.
fn shortest_rsa_issuer(chain: &[CertificateDer<'_>], anchors: &[TrustAnchor<'_>]) -> Option<usize> {
    let rsa_bits = |spki: &SubjectPublicKeyInfo<'_>| match spki.parsed().ok()? {
        x509_parser::public_key::PublicKey::RSA(k) => Some(k.key_size()),
        _ => None,
    };
    let certs: Vec<X509Certificate<'_>> = chain
        .iter()
        .filter_map(|der| X509Certificate::from_der(der).ok().map(|(_, c)| c))
        .collect();
    let in_chain = certs.iter().enumerate().filter_map(|(i, c)| {
        let self_issued = c.subject().as_raw() == c.issuer().as_raw();
        (i > 0 || self_issued)
            .then(|| rsa_bits(c.public_key()))
            .flatten()
    });
    // An anchor keeps its subject and key without their outer DER header.
    let issued_by = |a: &TrustAnchor<'_>| {
        certs.iter().any(|c| {
            let raw = c.issuer().as_raw();
            raw.ends_with(a.subject.as_ref()) && raw.len() - a.subject.len() <= 4
        })
    };
    let from_anchors = anchors.iter().filter(|a| issued_by(a)).filter_map(|a| {
        let spki = a.subject_public_key_info.as_ref();
        let mut der = vec![0x30];
        der.extend(der_length(spki.len()));
        der.extend_from_slice(spki);
        let (_, parsed) = SubjectPublicKeyInfo::from_der(&der).ok()?;
        rsa_bits(&parsed)
    });
    in_chain.chain(from_anchors).min()
}

/// A DER length field.
fn der_length(len: usize) -> Vec<u8> {
    match len {
        0..=0x7f => vec![len as u8],
        0x80..=0xff => vec![0x81, len as u8],
        _ => vec![0x82, (len >> 8) as u8, len as u8],
    }
}

fn ip_from_bytes(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(b).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(b).ok()?)),
        _ => None,
    }
}

fn key_algorithm(oid: &str) -> &'static str {
    match oid {
        "1.3.101.112" => "ed25519",
        "1.3.101.113" => "ed448",
        "1.2.840.113549.1.1.1" => "rsa",
        "1.2.840.10045.2.1" => "ec",
        _ => "unknown",
    }
}

/// Names of the signature algorithms REFERENCE.md section 1 lists.
pub fn signature_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        other => return other.to_string(),
    }
    .to_string()
}

/// The SHA-256 digest of `bytes` (32 bytes).
pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    ring::digest::digest(&ring::digest::SHA256, bytes)
        .as_ref()
        .to_vec()
}

/// `bytes` as lower-case hex, two digits per byte (`cert.sha256` and
/// `cert.spki_sha256` are written this way).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};

    const DAY: i64 = 86_400;

    fn now() -> i64 {
        crate::model::unix_now()
    }

    fn ts(secs: i64) -> ::time::OffsetDateTime {
        ::time::OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    fn ca() -> (rcgen::Certificate, KeyPair, CertificateParams) {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.distinguished_name
            .push(DnType::CommonName, "Test City CA");
        p.not_before = ts(now() - 10 * DAY);
        p.not_after = ts(now() + 1000 * DAY);
        let cert = p.self_signed(&key).unwrap();
        (cert, key, p)
    }

    fn leaf(
        names: &[&str],
        from: i64,
        to: i64,
        issuer: Option<(&CertificateParams, &KeyPair)>,
    ) -> CertificateDer<'static> {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .unwrap();
        p.distinguished_name.push(DnType::CommonName, "device");
        p.not_before = ts(from);
        p.not_after = ts(to);
        let cert = match issuer {
            Some((ip, ik)) => {
                let issuer = rcgen::Issuer::from_params(ip, ik);
                p.signed_by(&key, &issuer).unwrap()
            }
            None => p.self_signed(&key).unwrap(),
        };
        cert.der().clone()
    }

    fn anchor(ca: &rcgen::Certificate) -> TrustAnchor<'static> {
        webpki::anchor_from_trusted_cert(ca.der())
            .unwrap()
            .to_owned()
    }

    fn b(f: &Facts, k: &str) -> Option<bool> {
        f.get(k).and_then(|v| v.as_bool())
    }

    #[test]
    fn valid_chain_from_a_trusted_ca_is_clean() {
        let (ca, ca_key, ca_params) = ca();
        let der = leaf(
            &["portal.city.test"],
            now() - DAY,
            now() + 90 * DAY,
            Some((&ca_params, &ca_key)),
        );
        let f = analyse(&[der], Some("portal.city.test"), &[anchor(&ca)], now());
        assert_eq!(b(&f, "cert.trusted"), Some(true), "{f:?}");
        assert_eq!(b(&f, "cert.expired"), Some(false));
        assert_eq!(b(&f, "cert.self_signed"), Some(false));
        assert_eq!(b(&f, "cert.name_match"), Some(true));
        let days = f.get("cert.days_left").and_then(|v| v.as_int()).unwrap();
        assert!((89..=90).contains(&days), "{days}");
        assert_eq!(f["cert.key_type"], FactValue::Text("ec".into()));
        assert_eq!(
            f["cert.signature_algorithm"],
            FactValue::Text("ecdsa-with-SHA256".into())
        );
    }

    #[test]
    fn expired_self_signed_certificate_is_expired_and_untrusted() {
        let (ca, _, _) = ca();
        let der = leaf(&["IPC"], now() - 700 * DAY, now() - 30 * DAY, None);
        let f = analyse(&[der], None, &[anchor(&ca)], now());
        assert_eq!(b(&f, "cert.expired"), Some(true));
        assert_eq!(b(&f, "cert.self_signed"), Some(true));
        assert_eq!(b(&f, "cert.trusted"), Some(false));
        assert!(f.get("cert.days_left").and_then(|v| v.as_int()).unwrap() <= -30);
        assert!(
            !f.contains_key("cert.name_match"),
            "no host name, no name check"
        );
    }

    #[test]
    fn expired_but_trusted_certificate_is_not_called_untrusted() {
        let (ca, ca_key, ca_params) = ca();
        let der = leaf(
            &["a.city.test"],
            now() - 9 * DAY,
            now() - DAY,
            Some((&ca_params, &ca_key)),
        );
        let f = analyse(&[der], Some("a.city.test"), &[anchor(&ca)], now());
        assert_eq!(b(&f, "cert.expired"), Some(true));
        assert_eq!(b(&f, "cert.trusted"), Some(true), "{f:?}");
    }

    #[test]
    fn not_yet_valid_is_reported() {
        let der = leaf(&["x"], now() + 5 * DAY, now() + 50 * DAY, None);
        let f = analyse(&[der], None, &[], now());
        assert_eq!(b(&f, "cert.not_yet_valid"), Some(true));
        assert_eq!(b(&f, "cert.expired"), Some(false));
    }

    #[test]
    fn name_mismatch_against_the_scope_name() {
        let (ca, ca_key, ca_params) = ca();
        let der = leaf(
            &["other.city.test"],
            now() - DAY,
            now() + DAY * 30,
            Some((&ca_params, &ca_key)),
        );
        let f = analyse(&[der], Some("portal.city.test"), &[anchor(&ca)], now());
        assert_eq!(b(&f, "cert.trusted"), Some(true));
        assert_eq!(b(&f, "cert.name_match"), Some(false));
        assert_eq!(
            f["cert.name_checked"],
            FactValue::Text("portal.city.test".into())
        );
    }

    #[test]
    fn garbage_certificate_is_untrusted_not_a_panic() {
        let der = CertificateDer::from(vec![0x30, 0x03, 0x02, 0x01]);
        let f = analyse(&[der], Some("x.test"), &[], now());
        assert_eq!(b(&f, "cert.trusted"), Some(false));
        assert_eq!(
            f["cert.trust_error"],
            FactValue::Text("the server's certificate cannot be read (bad encoding)".into())
        );
    }

    #[test]
    fn trust_errors_are_sentences_with_the_code_beside_them() {
        // The AlgorithmIdentifier of sha1WithRSAEncryption (OID and NULL
        // parameters), as the verifier hands it over.
        let sha1 = [6, 9, 42, 134, 72, 134, 247, 13, 1, 1, 5, 5, 0];
        assert_eq!(algorithm_oid(&sha1), "1.2.840.113549.1.1.5");
        assert_eq!(algorithm_oid(&[6, 9, 42]), "unknown");
        let (ca, ca_key, ca_params) = ca();
        let der = leaf(
            &["a.city.test"],
            now() - DAY,
            now() + DAY,
            Some((&ca_params, &ca_key)),
        );
        // The CA is not an anchor: unknown issuer.
        let f = analyse(std::slice::from_ref(&der), None, &[], now());
        assert_eq!(
            f["cert.trust_error"],
            FactValue::Text("issuer not in the trust store".into())
        );
        assert_eq!(
            f["cert.trust_error_code"],
            FactValue::Text("UnknownIssuer".into())
        );
        // The CA's own certificate served as the leaf.
        let f = analyse(&[ca.der().clone()], None, &[anchor(&ca)], now());
        let text = f["cert.trust_error"].render();
        assert!(!text.contains('(') && !text.contains('{'), "{text}");
    }
}
