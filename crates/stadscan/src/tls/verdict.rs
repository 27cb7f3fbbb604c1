//! Judges a TLS profile and its certificate chain against a policy (the
//! NCSC-NL guidelines): every item gets its class, and the offending items
//! become facts (`tls.insufficient_suites`...) that the checks in
//! `checks/tls/` turn into findings naming exactly what offended.

use x509_parser::prelude::*;

use super::assess::TlsProfile;
use super::policy::{Class, Policy};
use crate::model::{FactValue, Facts};
use crate::proto::tls as wire;

/// SecP256r1MLKEM768, X25519MLKEM768, SecP384r1MLKEM1024.
const HYBRID_PQ_GROUPS: &[u16] = &[0x11EB, 0x11EC, 0x11ED];

/// Items of one class, by kind.
#[derive(Debug, Default)]
struct Offenders {
    versions: Vec<String>,
    suites: Vec<String>,
    groups: Vec<String>,
    features: Vec<String>,
}

fn push(
    classes: &mut [Offenders; 2],
    class: Class,
    f: impl Fn(&mut Offenders) -> &mut Vec<String>,
    item: String,
) {
    match class {
        Class::Insufficient => f(&mut classes[0]).push(item),
        Class::PhaseOut => f(&mut classes[1]).push(item),
        Class::Good | Class::Sufficient => {}
    }
}

/// Adds the policy's verdict on `profile` to `facts`.
pub fn judge(profile: &TlsProfile, policy: &Policy, facts: &mut Facts) {
    let mut worst = Class::Good;
    let mut off: [Offenders; 2] = Default::default();
    let mut note = |c: Class| worst = worst.max(c);

    let mut accepted_versions = Vec::new();
    let mut accepted_suites = Vec::new();
    for v in profile.versions.iter().filter(|v| !v.suites.is_empty()) {
        accepted_versions.push(v.version.clone());
        let vc = policy.version(v.wire);
        note(vc);
        push(&mut off, vc, |o| &mut o.versions, v.version.clone());
        for s in &v.suites {
            let name = wire::suite_name(*s);
            accepted_suites.push(format!("{} {}", v.version, name));
            let sc = policy.suite(*s);
            note(sc);
            if !off.iter().any(|o| o.suites.contains(&name)) {
                push(&mut off, sc, |o| &mut o.suites, name);
            }
        }
        // A phase-out suite preferred over better ones (server order).
        if v.server_order == Some(true)
            && let Some(first) = v.suites.first()
            && policy.suite(*first) >= Class::PhaseOut
            && v.suites
                .iter()
                .any(|s| policy.suite(*s) <= Class::Sufficient)
        {
            note(Class::PhaseOut);
            push(
                &mut off,
                Class::PhaseOut,
                |o| &mut o.features,
                format!(
                    "{} prefers {} over stronger suites",
                    v.version,
                    wire::suite_name(*first)
                ),
            );
        }
    }
    if !profile.sslv2_ciphers.is_empty() {
        let name = wire::version_name(wire::SSL2);
        accepted_versions.push(name.clone());
        let vc = policy.version(wire::SSL2);
        note(vc);
        push(&mut off, vc, |o| &mut o.versions, name.clone());
        // Every SSL 2.0 cipher is broken with the protocol (MD5 MACs, no
        // handshake integrity).
        for c in &profile.sslv2_ciphers {
            let cipher = wire::sslv2_cipher_name(*c);
            accepted_suites.push(format!("{name} {cipher}"));
            note(Class::Insufficient);
            push(&mut off, Class::Insufficient, |o| &mut o.suites, cipher);
        }
    }
    for g in &profile.groups {
        // A guideline older than the hybrid post-quantum groups does not
        // list them; offering them is no weakness under it.
        if HYBRID_PQ_GROUPS.contains(g) && !policy.groups.contains_key(g) {
            continue;
        }
        let gc = policy.group(*g);
        note(gc);
        push(&mut off, gc, |o| &mut o.groups, wire::group_name(*g));
    }
    if let Some(dh) = &profile.dh {
        let dc = policy.dh_group(dh.group.as_deref(), dh.bits);
        note(dc);
        let label = match &dh.group {
            Some(g) => format!("DHE {} ({} bits)", g, dh.bits),
            None => format!("DHE self-generated group ({} bits)", dh.bits),
        };
        push(&mut off, dc, |o| &mut o.groups, label);
    }
    let features = [
        (
            profile.compression == Some(true),
            policy.compression(),
            "TLS compression",
        ),
        (
            profile.secure_renegotiation == Some(false) && profile_has_pre13(profile),
            policy.insecure_renegotiation(),
            "insecure renegotiation (no RFC 5746)",
        ),
        (
            profile.extended_master_secret == Some(false) && profile.accepts(wire::TLS12),
            policy.missing_extended_master_secret(),
            "no Extended Master Secret (RFC 7627)",
        ),
        (
            profile.sha1_kex_signature == Some(true),
            policy.kex_hash("sha1"),
            "SHA-1 signature on the TLS 1.2 key exchange",
        ),
    ];
    for (present, class, label) in features {
        if present {
            note(class);
            push(&mut off, class, |o| &mut o.features, label.to_string());
        }
    }

    set(facts, "tls.policy", policy.id.clone());
    set(facts, "tls.versions", accepted_versions);
    set(facts, "tls.suites", accepted_suites);
    set(
        facts,
        "tls.groups",
        profile
            .groups
            .iter()
            .map(|g| wire::group_name(*g))
            .collect::<Vec<_>>(),
    );
    for (i, prefix) in ["tls.insufficient", "tls.phase_out"].iter().enumerate() {
        let o = &off[i];
        for (kind, list) in [
            ("versions", &o.versions),
            ("suites", &o.suites),
            ("groups", &o.groups),
            ("features", &o.features),
        ] {
            if !list.is_empty() {
                set(facts, &format!("{prefix}_{kind}"), list.clone());
            }
        }
    }
    set(facts, "tls.verdict", worst.as_str());
}

fn profile_has_pre13(p: &TlsProfile) -> bool {
    [wire::TLS12, wire::TLS11, wire::TLS10, wire::SSL3]
        .iter()
        .any(|v| p.accepts(*v))
}

/// Judges every certificate of the chain except a self-issued root: key
/// type and size, and signature hash. Adds `cert.weak_key` /
/// `cert.weak_signature` (with their class) for the worst offender.
pub fn judge_chain(chain: &[Vec<u8>], policy: &Policy, facts: &mut Facts) {
    let mut worst_key: Option<(Class, String)> = None;
    let mut worst_sig: Option<(Class, String)> = None;
    for (i, der) in chain.iter().enumerate() {
        let Ok((_, cert)) = X509Certificate::from_der(der) else {
            continue;
        };
        let self_issued = cert.subject().as_raw() == cert.issuer().as_raw();
        if i > 0 && self_issued {
            continue; // the root: trusted by presence, not by its own signature
        }
        let who = if i == 0 {
            "leaf".to_string()
        } else {
            format!("chain certificate {i}")
        };
        let spki = cert.public_key();
        let key = match spki.parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(k)) => {
                let bits = k.key_size();
                Some((policy.rsa_key(bits), format!("{who}: RSA {bits} bits")))
            }
            Ok(x509_parser::public_key::PublicKey::EC(_)) => {
                let curve = spki
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|o| o.to_id_string())
                    .unwrap_or_default();
                Some((policy.ec_curve(&curve), format!("{who}: EC curve {curve}")))
            }
            _ => match spki.algorithm.algorithm.to_id_string().as_str() {
                "1.3.101.112" => Some((policy.eddsa("Ed25519"), format!("{who}: Ed25519"))),
                "1.3.101.113" => Some((policy.eddsa("Ed448"), format!("{who}: Ed448"))),
                other => Some((Class::Insufficient, format!("{who}: key algorithm {other}"))),
            },
        };
        if let Some(k) = key
            && worst_key.as_ref().is_none_or(|w| k.0 > w.0)
        {
            worst_key = Some(k);
        }
        let sig_oid = cert.signature_algorithm.algorithm.to_id_string();
        if let Some(hash) = signature_hash(&sig_oid) {
            let c = policy.signature_hash(hash);
            if worst_sig.as_ref().is_none_or(|w| c > w.0) {
                worst_sig = Some((
                    c,
                    format!("{who}: {}", super::cert::signature_name(&sig_oid)),
                ));
            }
        }
    }
    for (fact, worst) in [
        ("cert.weak_key", worst_key),
        ("cert.weak_signature", worst_sig),
    ] {
        if let Some((class, what)) = worst
            && class >= Class::PhaseOut
        {
            set(facts, fact, what);
            set(facts, &format!("{fact}_class"), class.as_str());
        }
    }
}

/// The hash of a certificate signature algorithm, by OID.
fn signature_hash(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.2.840.113549.1.1.4" => "md5",
        "1.2.840.113549.1.1.5" | "1.2.840.10045.4.1" => "sha1",
        "1.2.840.113549.1.1.14" | "1.2.840.10045.4.3.1" => "sha224",
        "1.2.840.113549.1.1.11" | "1.2.840.10045.4.3.2" => "sha256",
        "1.2.840.113549.1.1.12" | "1.2.840.10045.4.3.3" => "sha384",
        "1.2.840.113549.1.1.13" | "1.2.840.10045.4.3.4" => "sha512",
        // EdDSA signs without a separate hash; judged by its key.
        _ => return None,
    })
}

fn set(facts: &mut Facts, name: &str, v: impl Into<FactValue>) {
    facts.insert(name.to_string(), v.into());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tls::assess::{DhParams, VersionProfile};
    use rustls::pki_types::pem::PemObject;

    fn policy(id: &str) -> Policy {
        Policy::embedded(id).unwrap()
    }

    fn list(f: &Facts, k: &str) -> Vec<String> {
        match f.get(k) {
            Some(FactValue::List(v)) => v.clone(),
            None => Vec::new(),
            other => panic!("{k}: {other:?}"),
        }
    }

    #[test]
    fn modern_profile_is_sufficient_with_no_offenders() {
        let p = TlsProfile {
            versions: vec![
                VersionProfile::new(wire::TLS13, &[0x1302, 0x1301], None),
                VersionProfile::new(wire::TLS12, &[0xC02F], None),
            ],
            groups: vec![0x001D, 0x0017],
            secure_renegotiation: Some(true),
            extended_master_secret: Some(true),
            compression: Some(false),
            sha1_kex_signature: Some(false),
            ..TlsProfile::default()
        };
        let mut f = Facts::new();
        judge(&p, &policy("ncsc-2025-05"), &mut f);
        assert_eq!(f["tls.verdict"], FactValue::Text("sufficient".into()));
        assert!(
            f.keys()
                .all(|k| !k.starts_with("tls.insufficient") && !k.starts_with("tls.phase_out")),
            "{f:?}"
        );
        assert_eq!(list(&f, "tls.versions"), vec!["TLSv1.3", "TLSv1.2"]);
    }

    #[test]
    fn the_same_profile_differs_between_guideline_versions() {
        let p = TlsProfile {
            versions: vec![
                VersionProfile::new(wire::TLS12, &[0xC02F], None),
                VersionProfile::new(wire::TLS10, &[0xC013], None),
            ],
            groups: vec![0x001D],
            dh: Some(DhParams {
                bits: 2048,
                group: Some("ffdhe2048".into()),
            }),
            secure_renegotiation: Some(true),
            extended_master_secret: Some(true),
            ..TlsProfile::default()
        };
        let mut new = Facts::new();
        judge(&p, &policy("ncsc-2025-05"), &mut new);
        assert_eq!(list(&new, "tls.insufficient_versions"), vec!["TLSv1.0"]);
        assert_eq!(
            list(&new, "tls.insufficient_groups"),
            vec!["DHE ffdhe2048 (2048 bits)"]
        );
        let mut old = Facts::new();
        judge(&p, &policy("ncsc-2.1"), &mut old);
        assert_eq!(list(&old, "tls.phase_out_versions"), vec!["TLSv1.0"]);
        assert_eq!(
            list(&old, "tls.phase_out_groups"),
            vec!["DHE ffdhe2048 (2048 bits)"]
        );
        assert!(list(&old, "tls.insufficient_versions").is_empty());
    }

    #[test]
    fn a_preferred_phase_out_suite_is_reported() {
        // Server order, CBC first although GCM is accepted.
        let p = TlsProfile {
            versions: vec![VersionProfile::new(
                wire::TLS12,
                &[0xC027, 0xC02F],
                Some(true),
            )],
            secure_renegotiation: Some(true),
            extended_master_secret: Some(true),
            ..TlsProfile::default()
        };
        let mut f = Facts::new();
        judge(&p, &policy("ncsc-2025-05"), &mut f);
        let feats = list(&f, "tls.phase_out_features");
        assert_eq!(feats.len(), 1, "{f:?}");
        assert!(
            feats[0].contains("prefers TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256"),
            "{feats:?}"
        );
    }

    #[test]
    fn session_features_are_judged() {
        let p = TlsProfile {
            versions: vec![VersionProfile::new(wire::TLS12, &[0xC02F], None)],
            compression: Some(true),
            secure_renegotiation: Some(false),
            extended_master_secret: Some(false),
            sha1_kex_signature: Some(true),
            ..TlsProfile::default()
        };
        let mut f = Facts::new();
        judge(&p, &policy("ncsc-2025-05"), &mut f);
        let bad = list(&f, "tls.insufficient_features");
        for needle in [
            "compression",
            "renegotiation",
            "Extended Master Secret",
            "SHA-1",
        ] {
            assert!(
                bad.iter().any(|b| b.contains(needle)),
                "{needle} missing from {bad:?}"
            );
        }
        assert_eq!(f["tls.verdict"], FactValue::Text("insufficient".into()));
    }

    #[test]
    fn hybrid_pq_groups_are_no_weakness_under_a_policy_that_predates_them() {
        let p = TlsProfile {
            versions: vec![VersionProfile::new(wire::TLS13, &[0x1302], None)],
            groups: vec![0x11EC, 0x001D],
            ..TlsProfile::default()
        };
        let mut old = Facts::new();
        judge(&p, &policy("ncsc-2.1"), &mut old);
        assert!(list(&old, "tls.insufficient_groups").is_empty(), "{old:?}");
        let mut new = Facts::new();
        judge(&p, &policy("ncsc-2025-05"), &mut new);
        assert!(list(&new, "tls.insufficient_groups").is_empty());
    }

    #[test]
    fn weak_chain_keys_and_hashes_are_named() {
        let der = rustls::pki_types::CertificateDer::from_pem_slice(
            include_str!("../../../stadscan-lab/src/lab-legacy-cert.pem").as_bytes(),
        )
        .unwrap();
        let mut f = Facts::new();
        judge_chain(&[der.to_vec()], &policy("ncsc-2025-05"), &mut f);
        assert_eq!(
            f["cert.weak_key"],
            FactValue::Text("leaf: RSA 1024 bits".into())
        );
        assert_eq!(
            f["cert.weak_key_class"],
            FactValue::Text("insufficient".into())
        );
        assert_eq!(
            f["cert.weak_signature"],
            FactValue::Text("leaf: sha1WithRSAEncryption".into())
        );
    }
}
