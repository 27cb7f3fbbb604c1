//! Tests of the policy loader and of the two embedded guideline files.

use super::*;

fn p2025() -> Policy {
    Policy::embedded("ncsc-2025-05").unwrap_or_else(|e| panic!("{e}"))
}

fn p21() -> Policy {
    Policy::embedded("ncsc-2.1").unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn both_embedded_policies_load_and_are_listed() {
    let ids = ids();
    assert!(ids.contains(&"ncsc-2025-05".to_string()), "{ids:?}");
    assert!(ids.contains(&"ncsc-2.1".to_string()), "{ids:?}");
    assert_eq!(ids.len(), 2, "{ids:?}");
    let default = Policy::embedded(DEFAULT_POLICY).unwrap();
    assert_eq!(default.id, "ncsc-2025-05");
    assert_eq!(
        default.title,
        "NCSC-NL ICT-beveiligingsrichtlijnen voor TLS, version 2025-05"
    );
    assert_eq!(default.path, "baselines/ncsc-tls-2025-05.toml");
    assert_eq!(p21().path, "baselines/ncsc-tls-2.1.toml");
    let err = Policy::embedded("ncsc-9").unwrap_err().to_string();
    assert!(
        err.contains("ncsc-2025-05") && err.contains("ncsc-2.1"),
        "{err}"
    );
}

#[test]
fn the_policy_files_are_not_control_catalogues() {
    // src/baseline.rs skips files without `control`; a policy file with one
    // would be read as a catalogue and fail there.
    for (path, text) in crate::knowledge::embedded::BASELINE_FILES {
        let t: toml::Table = toml::from_str(text).unwrap();
        if t.get("kind").and_then(|k| k.as_str()) == Some("tls-policy") {
            assert!(!t.contains_key("control"), "{path}");
        }
    }
    assert!(crate::baseline::Baselines::embedded().is_ok());
}

#[test]
fn every_example_of_both_files_holds() {
    for p in [p2025(), p21()] {
        assert!(p.examples.len() >= 20, "{}: {}", p.id, p.examples.len());
        for ex in &p.examples {
            assert_eq!(p.judge(ex), Ok(ex.class), "{}: {ex:?}", p.id);
        }
        // Every table has at least one example.
        for item in [
            Item::Version,
            Item::Suite,
            Item::Group,
            Item::DhGroup,
            Item::Rsa,
            Item::EcCurve,
            Item::Eddsa,
            Item::SignatureHash,
            Item::KexHash,
            Item::Compression,
            Item::InsecureRenegotiation,
            Item::ZeroRtt,
            Item::ExtendedMasterSecret,
            Item::ClientRenegotiation,
        ] {
            assert!(
                p.examples.iter().any(|e| e.item == item),
                "{}: no example of {item:?}",
                p.id
            );
        }
    }
}

#[test]
fn the_differences_between_2_1_and_2025_05() {
    use Class::*;
    let (new, old) = (p2025(), p21());
    // (what, 2.1, 2025-05)
    let cases: &[(&str, Class, Class)] = &[
        ("TLS 1.0", old.version(0x0301), new.version(0x0301)),
        ("TLS 1.1", old.version(0x0302), new.version(0x0302)),
        ("TLS 1.3", old.version(0x0304), new.version(0x0304)),
        ("SSL 2.0", old.version(0x0002), new.version(0x0002)),
        ("ECDHE AES-CBC-SHA", old.suite(0xC013), new.suite(0xC013)),
        ("ECDHE AES-CBC-SHA256", old.suite(0xC027), new.suite(0xC027)),
        ("DHE_RSA AES-GCM", old.suite(0x009E), new.suite(0x009E)),
        ("DHE_RSA AES-CBC-SHA", old.suite(0x0033), new.suite(0x0033)),
        ("ECDHE 3DES", old.suite(0xC012), new.suite(0xC012)),
        ("RSA 3DES", old.suite(0x000A), new.suite(0x000A)),
        ("RSA-kex AES-CBC", old.suite(0x002F), new.suite(0x002F)),
        ("RSA-kex AES-GCM", old.suite(0x009C), new.suite(0x009C)),
        ("ECDHE AES-GCM", old.suite(0xC02F), new.suite(0xC02F)),
        ("RSA 2048", old.rsa_key(2048), new.rsa_key(2048)),
        ("RSA 3072", old.rsa_key(3072), new.rsa_key(3072)),
        ("RSA 1024", old.rsa_key(1024), new.rsa_key(1024)),
        ("ffdhe2048 group", old.group(0x0100), new.group(0x0100)),
        (
            "ffdhe2048 prime",
            old.dh_group(Some("ffdhe2048"), 2048),
            new.dh_group(Some("ffdhe2048"), 2048),
        ),
        ("ffdhe3072 group", old.group(0x0101), new.group(0x0101)),
        ("x25519", old.group(0x001D), new.group(0x001D)),
        ("brainpool group", old.group(0x001A), new.group(0x001A)),
        (
            "brainpool cert",
            old.ec_curve("brainpoolP256r1"),
            new.ec_curve("brainpoolP256r1"),
        ),
        ("X25519MLKEM768", old.group(0x11EC), new.group(0x11EC)),
        ("SecP384r1MLKEM1024", old.group(0x11ED), new.group(0x11ED)),
        ("P-256 cert", old.ec_curve("P-256"), new.ec_curve("P-256")),
        ("Ed25519 cert", old.eddsa("Ed25519"), new.eddsa("Ed25519")),
        (
            "SHA-224 signature",
            old.signature_hash("sha224"),
            new.signature_hash("sha224"),
        ),
        (
            "unlimited client renegotiation",
            old.client_renegotiation(11),
            new.client_renegotiation(11),
        ),
        (
            "no EMS",
            old.missing_extended_master_secret(),
            new.missing_extended_master_secret(),
        ),
    ];
    let expected: &[(Class, Class)] = &[
        (PhaseOut, Insufficient),
        (PhaseOut, Insufficient),
        (Good, Good),
        (Insufficient, Insufficient),
        (Sufficient, Insufficient),
        (Sufficient, PhaseOut),
        (Sufficient, PhaseOut),
        (Sufficient, Insufficient),
        (PhaseOut, Insufficient),
        (PhaseOut, Insufficient),
        (PhaseOut, Insufficient),
        (PhaseOut, Insufficient),
        (Good, Sufficient),
        (Sufficient, PhaseOut),
        (Good, Sufficient),
        (Insufficient, Insufficient),
        (PhaseOut, Insufficient),
        (PhaseOut, Insufficient),
        (Sufficient, PhaseOut),
        (Good, Sufficient),
        (Insufficient, Sufficient),
        (Insufficient, Sufficient),
        (Insufficient, Good),
        (Insufficient, Good),
        (Good, Sufficient),
        (Insufficient, Sufficient),
        (Good, PhaseOut),
        (Sufficient, PhaseOut),
        (Sufficient, Insufficient),
    ];
    assert_eq!(cases.len(), expected.len());
    for ((what, old, new), (want_old, want_new)) in cases.iter().zip(expected) {
        assert_eq!((old, new), (want_old, want_new), "{what} (2.1, 2025-05)");
    }
    // The hybrid groups are absent from 2.1, not listed as insufficient.
    assert!(!old.groups.contains_key(&0x11EC));
}

#[test]
fn anything_unlisted_is_insufficient() {
    for p in [p2025(), p21()] {
        for code in [0x0000, 0x0001, 0x0005, 0x00FF, 0x5600, 0xFFFF, 0xC0A3] {
            assert_eq!(
                p.suite(code),
                Class::Insufficient,
                "{} suite {code:04X}",
                p.id
            );
        }
        for code in [0x0016, 0x0001, 0xFFFF] {
            assert_eq!(
                p.group(code),
                Class::Insufficient,
                "{} group {code:04X}",
                p.id
            );
        }
        assert_eq!(p.version(0x7F1C), Class::Insufficient);
        assert_eq!(p.version(0x0200), Class::Insufficient);
        assert_eq!(p.ec_curve("secp256k1"), Class::Insufficient);
        assert_eq!(p.ec_curve("1.3.132.0.10"), Class::Insufficient);
        assert_eq!(p.eddsa("Ed999"), Class::Insufficient);
        assert_eq!(p.signature_hash("sha3-256"), Class::Insufficient);
        assert_eq!(p.kex_hash("md4"), Class::Insufficient);
        assert_eq!(p.dh_group(None, 8192), Class::Insufficient);
        assert_eq!(p.dh_group(Some("modp4096"), 4096), Class::Insufficient);
        assert_eq!(p.rsa_key(0), Class::Insufficient);
    }
}

#[test]
fn curves_are_found_by_every_name_and_oid() {
    let p = p2025();
    for names in [
        &[
            "secp256r1",
            "prime256v1",
            "P-256",
            "nistp256",
            "1.2.840.10045.3.1.7",
        ][..],
        &["secp384r1", "P-384", "1.3.132.0.34"],
        &["secp521r1", "P-521", "1.3.132.0.35"],
        &["brainpoolP256r1", "BRAINPOOLP256R1", "1.3.36.3.3.2.8.1.1.7"],
        &["brainpoolP384r1", "1.3.36.3.3.2.8.1.1.11"],
        &["brainpoolP512r1", "1.3.36.3.3.2.8.1.1.13"],
    ] {
        for n in names {
            assert_eq!(p.ec_curve(n), Class::Sufficient, "{n}");
        }
    }
    for n in ["secp224r1", "P-224", "nistp224", "1.3.132.0.33"] {
        assert_eq!(p.ec_curve(n), Class::PhaseOut, "{n}");
    }
    assert_eq!(p.eddsa("ed25519"), Class::Sufficient);
    assert_eq!(p.eddsa("1.3.101.112"), Class::Sufficient);
    assert_eq!(p.eddsa("Ed448"), Class::Sufficient);
    for h in ["sha256", "SHA-256", "SHA256", "sha_256"] {
        assert_eq!(p.signature_hash(h), Class::Good, "{h}");
    }
    assert_eq!(p.signature_hash("SHA-1"), Class::Insufficient);
    assert_eq!(p.dh_group(Some("FFDHE4096"), 4096), Class::PhaseOut);
}

/// IANA names of the suites a policy may rate good or sufficient, kept here
/// apart from the data files so a code point typo there shows up.
const AEAD_ECDHE_OR_TLS13: &[(u16, &str)] = &[
    (0x1301, "TLS_AES_128_GCM_SHA256"),
    (0x1302, "TLS_AES_256_GCM_SHA384"),
    (0x1303, "TLS_CHACHA20_POLY1305_SHA256"),
    (0x1304, "TLS_AES_128_CCM_SHA256"),
    (0xC02B, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
    (0xC02C, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
    (0xC02F, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
    (0xC030, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
    (0xCCA8, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0xCCA9, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
    (0xC0AC, "TLS_ECDHE_ECDSA_WITH_AES_128_CCM"),
    (0xC0AD, "TLS_ECDHE_ECDSA_WITH_AES_256_CCM"),
];

fn is_aead_with_ecdhe_or_tls13(code: u16, name: &str) -> bool {
    let tls13 = code >> 8 == 0x13 && !name.contains("_WITH_");
    let ecdhe = name.starts_with("TLS_ECDHE_");
    let aead = name.contains("_GCM_")
        || name.contains("_CHACHA20_POLY1305_")
        || (name.contains("_CCM") && !name.contains("CCM_8"));
    aead && (tls13 || ecdhe)
}

#[test]
fn every_passing_2025_05_suite_is_aead_with_ecdhe_or_tls13() {
    let p = p2025();
    let passing: Vec<_> = p.suites.iter().filter(|(_, e)| e.class.passes()).collect();
    assert_eq!(passing.len(), 12);
    for (code, e) in passing {
        let iana = AEAD_ECDHE_OR_TLS13
            .iter()
            .find(|(c, _)| c == code)
            .unwrap_or_else(|| panic!("0x{code:04X} {} is not a known AEAD suite", e.name));
        assert_eq!(iana.1, e.name, "0x{code:04X}");
        assert!(is_aead_with_ecdhe_or_tls13(*code, &e.name), "{}", e.name);
    }
    // The same holds for 2.1's good suites.
    for (code, e) in p21().suites.iter().filter(|(_, e)| e.class == Class::Good) {
        assert!(
            is_aead_with_ecdhe_or_tls13(*code, &e.name),
            "2.1 {}",
            e.name
        );
    }
}

#[test]
fn suite_names_look_like_iana_names() {
    for p in [p2025(), p21()] {
        for (code, e) in &p.suites {
            assert!(e.name.starts_with("TLS_"), "{} 0x{code:04X}", p.id);
            let tls13 = code >> 8 == 0x13;
            assert_eq!(tls13, !e.name.contains("_WITH_"), "{} {}", p.id, e.name);
        }
    }
}

#[test]
fn what_2025_05_phases_out_was_acceptable_under_2_1() {
    // Phase-out means "still allowed, on its way out": nothing 2025-05
    // phases out can have been insufficient under 2.1.
    let (new, old) = (p2025(), p21());
    for (code, e) in new
        .suites
        .iter()
        .filter(|(_, e)| e.class == Class::PhaseOut)
    {
        assert!(old.suite(*code) <= Class::PhaseOut, "suite {}", e.name);
    }
    for (code, e) in new
        .groups
        .iter()
        .filter(|(_, e)| e.class == Class::PhaseOut)
    {
        assert!(old.group(*code) <= Class::PhaseOut, "group {}", e.name);
    }
    assert!(old.rsa_key(2048) <= Class::PhaseOut);
    assert!(old.signature_hash("sha224") <= Class::PhaseOut);
}

#[test]
fn named_groups_and_their_primes_agree() {
    for p in [p2025(), p21()] {
        for (code, name) in [
            (0x0100, "ffdhe2048"),
            (0x0101, "ffdhe3072"),
            (0x0102, "ffdhe4096"),
            (0x0103, "ffdhe6144"),
            (0x0104, "ffdhe8192"),
        ] {
            let bits = name[5..].parse().unwrap();
            assert_eq!(
                p.group(code),
                p.dh_group(Some(name), bits),
                "{} {name}",
                p.id
            );
            assert_eq!(p.groups[&code].name, name);
        }
    }
}

#[test]
fn class_order_names_and_serde() {
    use Class::*;
    assert!(Good < Sufficient && Sufficient < PhaseOut && PhaseOut < Insufficient);
    assert_eq!(
        [Sufficient, Insufficient, Good].into_iter().max(),
        Some(Insufficient)
    );
    for c in Class::ALL {
        assert_eq!(
            serde_json::to_string(&c).unwrap(),
            format!("\"{}\"", c.as_str())
        );
        assert_eq!(c.as_str().parse::<Class>(), Ok(c));
        assert_eq!(c.to_string(), c.as_str());
    }
    assert_eq!(PhaseOut.as_str(), "phase-out");
    assert!(Sufficient.passes() && !PhaseOut.passes());
    assert!("phase_out".parse::<Class>().is_err());
}

#[test]
fn client_renegotiation_counts() {
    let p = p2025();
    assert_eq!(p.client_renegotiation_limit(), 10);
    assert_eq!(p.client_renegotiation(0), Class::Good);
    assert_eq!(p.client_renegotiation(1), Class::Sufficient);
    assert_eq!(p.client_renegotiation(10), Class::Sufficient);
    assert_eq!(p.client_renegotiation(u32::MAX), Class::PhaseOut);
    assert_eq!(p.compression(), Class::Insufficient);
    assert_eq!(p.insecure_renegotiation(), Class::Insufficient);
    assert_eq!(p.zero_rtt(), Class::Insufficient);
    assert_eq!(p.other.compression.off, Class::Good);
}

// ---- malformed files --------------------------------------------------------

/// A small valid policy; the tests below break one line of it.
const MINIMAL: &str = r#"kind = "tls-policy"
id = "t"
title = "t"
default_suite = "insufficient"
default_group = "insufficient"
version = [
  { code = 0x0304, name = "TLS 1.3", class = "good" },
]
suite = [
  { code = 0x1301, name = "TLS_AES_128_GCM_SHA256", class = "sufficient" },
]
group = []
dh_group = []
dh_other = []
rsa = [
  { min = 3072, class = "sufficient" },
  { min = 2048, max = 3071, class = "phase-out" },
]
ec_curve = []
eddsa = []
example = [
  { item = "suite", code = 0x1301, class = "sufficient" },
]

[signature_hash]
sha256 = "good"

[kex_hash]
sha256 = "good"

[other]
compression = { on = "insufficient", off = "good" }
insecure_renegotiation = { on = "insufficient", off = "good" }
zero_rtt = { on = "insufficient", off = "good" }
extended_master_secret = { on = "good", off = "insufficient" }
client_renegotiation = { none = "good", limited = "sufficient", unlimited = "phase-out", limit = 10 }
"#;

const SUITE_LINE: &str =
    r#"  { code = 0x1301, name = "TLS_AES_128_GCM_SHA256", class = "sufficient" },"#;

/// Parses MINIMAL with `from` replaced by `to`; returns the error.
fn broken(from: &str, to: &str) -> String {
    assert!(MINIMAL.contains(from), "{from}");
    let text = MINIMAL.replacen(from, to, 1);
    match Policy::parse("t.toml", &text) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

fn assert_names(err: &str, line: usize, field: &str, detail: &str) {
    assert!(err.starts_with(&format!("t.toml:{line}: ")), "{err}");
    assert!(err.contains(&format!("`{field}`")), "{err}");
    assert!(err.contains(detail), "{err}");
}

#[test]
fn the_minimal_file_loads() {
    let p = Policy::parse("t.toml", MINIMAL).unwrap();
    assert_eq!(p.suite(0x1301), Class::Sufficient);
    assert_eq!(p.rsa_key(1024), Class::Insufficient);
    assert_eq!(p.signature_hash("sha1"), Class::Insufficient);
}

#[test]
fn an_unknown_class_names_its_line_and_field() {
    let err = broken(
        SUITE_LINE,
        &SUITE_LINE.replace("\"sufficient\"", "\"okay\""),
    );
    assert_names(&err, 10, "class", "okay");
    let err = broken("off = \"good\" }\ninsecure", "off = \"fine\" }\ninsecure");
    assert_names(&err, 32, "off", "fine");
}

#[test]
fn a_duplicate_code_point_names_both_lines() {
    let err = broken(SUITE_LINE, &format!("{SUITE_LINE}\n{SUITE_LINE}"));
    assert_names(&err, 11, "suite", "0x1301 listed twice (first on line 10)");
    let err = broken(
        "ec_curve = []",
        "ec_curve = [{ name = \"P-256\", class = \"good\" }, { name = \"prime256v1\", class = \"good\" }]",
    );
    assert_names(
        &err,
        19,
        "ec_curve",
        "`secp256r1` listed twice (first on line 19)",
    );
}

#[test]
fn an_unknown_field_names_its_line() {
    let err = broken(
        SUITE_LINE,
        &SUITE_LINE.replace("class =", "colour = \"red\", class ="),
    );
    assert_names(&err, 10, "colour", "unknown field");
    let err = broken("title = \"t\"", "title = \"t\"\nowner = \"x\"");
    assert_names(&err, 4, "owner", "unknown field");
}

#[test]
fn overlapping_rsa_ranges_are_rejected() {
    let err = broken("max = 3071", "max = 3072");
    assert_names(&err, 17, "rsa", "overlaps");
    let err = broken("{ min = 2048, max = 3071", "{ min = 2048, max = 1024");
    assert_names(&err, 17, "rsa", "below min");
}

#[test]
fn examples_must_hold_and_fit_their_item() {
    let line = r#"  { item = "suite", code = 0x1301, class = "sufficient" },"#;
    let err = broken(line, &line.replace("sufficient", "good"));
    assert_names(
        &err,
        22,
        "example",
        "the tables give sufficient, the example says good",
    );
    let err = broken(line, r#"  { item = "rsa", class = "good" },"#);
    assert_names(&err, 22, "example", "needs `bits`");
    let err = broken(
        line,
        r#"  { item = "rsa", bits = 4096, code = 1, class = "sufficient" },"#,
    );
    assert_names(&err, 22, "example", "`code` does not apply");
    let err = broken(line, r#"  { item = "cipher", code = 1, class = "good" },"#);
    assert_names(&err, 22, "item", "cipher");
}

#[test]
fn unknown_names_and_wrong_kind_are_rejected() {
    let err = broken(
        "ec_curve = []",
        "ec_curve = [{ name = \"secp256k1\", class = \"good\" }]",
    );
    assert_names(&err, 19, "ec_curve", "unknown name `secp256k1`");
    let err = broken(
        "dh_group = []",
        "dh_group = [{ name = \"ffdhe3027\", class = \"good\" }]",
    );
    assert_names(&err, 13, "dh_group", "ffdhe3027");
    let err = broken("sha256 = \"good\"\n\n[kex", "sha3 = \"good\"\n\n[kex");
    assert_names(&err, 26, "sha3", "unknown field");
    let err = broken("kind = \"tls-policy\"", "kind = \"catalogue\"");
    assert_names(&err, 1, "kind", "tls-policy");
    let err = broken("code = 0x0304", "code = 0x10000");
    assert_names(&err, 7, "code", "");
}
