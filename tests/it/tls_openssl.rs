//! The TLS assessment against real OpenSSL servers (Debian's `openssl
//! s_server`): the exact accepted (version, suite) sets and their NCSC-NL
//! classes, and agreement with what `openssl s_client` can negotiate with
//! the same servers, suite by suite.
//!
//! `.ci/run` installs openssl; without it these tests fail unless
//! STADSCAN_SKIP_REAL_SERVERS=1 says to skip them.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};

use common::TestDir;
use common::servers::{
    available, free_port, key_and_cert, openssl, rules, s_server, scan_endpoint,
};
use serde_json::Value;

/// OpenSSL's cipher names by IANA code point (TLS 1.2 and below), with the
/// oldest protocol each can run on.
fn openssl_ciphers() -> BTreeMap<u16, (String, String)> {
    let out = Command::new("openssl")
        .args(["ciphers", "-V", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut parts = l.split_whitespace();
            let code = parts.next()?;
            let (hi, lo) = code.split_once(',')?;
            let hi = u8::from_str_radix(hi.trim_start_matches("0x"), 16).ok()?;
            let lo = u8::from_str_radix(lo.trim_start_matches("0x"), 16).ok()?;
            let _dash = parts.next()?;
            let name = parts.next()?.to_string();
            let version = parts.next()?;
            (version != "TLSv1.3")
                .then_some((u16::from_be_bytes([hi, lo]), (name, version.to_string())))
        })
        .collect()
}

/// True when `openssl s_client` completes a handshake with `flag` and `cipher`.
fn s_client_accepts(addr: &str, flag: &str, cipher: &str) -> bool {
    let mut cmd = Command::new("openssl");
    cmd.args(["s_client", "-connect", addr, flag]);
    if flag == "-tls1_3" {
        cmd.args(["-ciphersuites", cipher]);
    } else {
        cmd.args(["-cipher", &format!("{cipher}:@SECLEVEL=0")]);
    }
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Scans one endpoint; returns the JSON report.
fn scan(dir: &TestDir, ip: &str, port: u16, extra: &str) -> Value {
    scan_endpoint(dir, ip, &[port], &[], extra)
}

fn observation(doc: &Value) -> &Value {
    &doc["assets"][0]["observations"][0]
}

/// (version, suite code) pairs the scan found.
fn accepted(doc: &Value) -> BTreeSet<(String, u16)> {
    let profile = &observation(doc)["tls_profile"];
    profile["versions"]
        .as_array()
        .unwrap_or_else(|| panic!("no TLS profile in {}", observation(doc)))
        .iter()
        .flat_map(|v| {
            let name = v["version"].as_str().unwrap().to_string();
            v["suites"]
                .as_array()
                .unwrap()
                .iter()
                .map(move |s| (name.clone(), s.as_u64().unwrap() as u16))
        })
        .collect()
}

fn list(doc: &Value, fact: &str) -> Vec<String> {
    observation(doc)["facts"][fact]
        .as_array()
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// What s_client negotiates with the server, over every OpenSSL suite and
/// the TLS 1.0-1.2 versions.
fn s_client_view(addr: &str) -> BTreeSet<(String, u16)> {
    let ciphers = openssl_ciphers();
    let mut tries = Vec::new();
    for (flag, version) in [
        ("-tls1", "TLSv1.0"),
        ("-tls1_1", "TLSv1.1"),
        ("-tls1_2", "TLSv1.2"),
    ] {
        for (code, (name, oldest)) in &ciphers {
            // s_client itself refuses a TLS 1.2 suite under -tls1: no need to ask.
            if oldest == "TLSv1.2" && version != "TLSv1.2" {
                continue;
            }
            tries.push((flag, version, *code, name.clone()));
        }
    }
    let chunks: Vec<_> = tries.chunks(tries.len().div_ceil(4).max(1)).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .filter(|(flag, _, _, name)| s_client_accepts(addr, flag, name))
                        .map(|(_, version, code, _)| (version.to_string(), *code))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

#[test]
fn legacy_server_tls10_tls11_cbc_sha_static_rsa_rsa1024_sha1() {
    if !available("openssl") {
        return;
    }
    let ip = "127.65.0.1";
    let port = free_port(ip);
    let dir = TestDir::new("tls-legacy");
    let (key, cert) = key_and_cert(&dir, "rsa:1024", "-sha1", "legacy");
    let _server = s_server(
        &cert,
        &key,
        ip,
        port,
        &[
            "-no_tls1_3",
            "-no_tls1_2",
            "-cipher",
            "AES128-SHA:AES256-SHA:ECDHE-RSA-AES128-SHA:DES-CBC3-SHA:@SECLEVEL=0",
        ],
    );
    let doc = scan(&dir, ip, port, "");
    let ours = accepted(&doc);
    let want: BTreeSet<(String, u16)> = ["TLSv1.0", "TLSv1.1"]
        .iter()
        .flat_map(|v| [0x002F, 0x0035, 0xC013].map(|s| (v.to_string(), s)))
        .collect();
    // Debian's OpenSSL 3 has no 3DES; the scan must not invent it.
    assert_eq!(ours, want);
    assert_eq!(
        ours,
        s_client_view(&format!("{ip}:{port}")),
        "stadscan and s_client disagree"
    );

    assert_eq!(
        list(&doc, "tls.insufficient_versions"),
        vec!["TLSv1.1", "TLSv1.0"]
    );
    let mut weak = list(&doc, "tls.insufficient_suites");
    weak.sort();
    assert_eq!(
        weak,
        vec![
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_RSA_WITH_AES_256_CBC_SHA"
        ]
    );
    assert_eq!(observation(&doc)["facts"]["tls.verdict"], "insufficient");
    assert_eq!(
        observation(&doc)["facts"]["cert.weak_key"],
        "leaf: RSA 1024 bits"
    );
    assert_eq!(
        rules(&doc),
        vec![
            "cert-self-signed",
            "cert-weak-key",
            "cert-weak-signature",
            "tls-cipher-insufficient",
            "tls-protocol-insufficient"
        ]
    );
    // Under the 2.1 guidelines TLS 1.0/1.1 are phase-out, not insufficient.
    let old = scan(&dir, ip, port, "tls_policy = \"ncsc-2.1\"\n");
    assert_eq!(
        list(&old, "tls.phase_out_versions"),
        vec!["TLSv1.1", "TLSv1.0"]
    );
    assert!(rules(&old).contains(&"tls-protocol-phase-out".to_string()));
    assert!(!rules(&old).contains(&"tls-protocol-insufficient".to_string()));
}

#[test]
fn dhe_server_with_ffdhe2048() {
    if !available("openssl") {
        return;
    }
    let ip = "127.65.0.2";
    let port = free_port(ip);
    let dir = TestDir::new("tls-ffdhe");
    let (key, cert) = key_and_cert(&dir, "rsa:3072", "-sha256", "dhe");
    let dh = dir.path("ffdhe2048.pem");
    openssl(&[
        "genpkey",
        "-genparam",
        "-algorithm",
        "DH",
        "-pkeyopt",
        "group:ffdhe2048",
        "-out",
        dh.to_str().unwrap(),
    ]);
    let _server = s_server(
        &cert,
        &key,
        ip,
        port,
        &[
            "-tls1_2",
            "-cipher",
            "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384",
            "-dhparam",
            dh.to_str().unwrap(),
        ],
    );
    let doc = scan(&dir, ip, port, "");
    let ours = accepted(&doc);
    let want: BTreeSet<(String, u16)> = [0x009E, 0x009F].map(|s| ("TLSv1.2".to_string(), s)).into();
    assert_eq!(ours, want);
    assert_eq!(
        ours,
        s_client_view(&format!("{ip}:{port}")),
        "stadscan and s_client disagree"
    );
    let profile = &observation(&doc)["tls_profile"];
    assert_eq!(profile["dh"]["group"], "ffdhe2048");
    assert_eq!(profile["dh"]["bits"], 2048);
    assert_eq!(
        list(&doc, "tls.insufficient_groups"),
        vec!["DHE ffdhe2048 (2048 bits)"]
    );
    let mut phase_out = list(&doc, "tls.phase_out_suites");
    phase_out.sort();
    assert_eq!(
        phase_out,
        vec![
            "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"
        ]
    );
    assert_eq!(profile["secure_renegotiation"], true);
    assert_eq!(profile["extended_master_secret"], true);
    assert_eq!(profile["sha1_kex_signature"], false);
    assert_eq!(
        rules(&doc),
        vec![
            "cert-self-signed",
            "tls-cipher-phase-out",
            "tls-key-exchange-insufficient"
        ]
    );
}

#[test]
fn modern_tls13_only_server_is_clean_when_its_ca_is_trusted() {
    if !available("openssl") {
        return;
    }
    let ip = "127.65.0.3";
    let port = free_port(ip);
    let dir = TestDir::new("tls-modern");
    // A city CA and a P-256 leaf for the server's address.
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "Test City CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let leaf_key = rcgen::KeyPair::generate().unwrap();
    let mut leaf = rcgen::CertificateParams::new(vec![ip.to_string()]).unwrap();
    leaf.distinguished_name
        .push(rcgen::DnType::CommonName, "modern.city.test");
    let issuer = rcgen::Issuer::from_params(&ca, &ca_key);
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).unwrap();
    dir.write("city-ca.pem", &ca_cert.pem());
    let cert = dir.write("leaf.pem", &leaf_cert.pem());
    let key = dir.write("leaf-key.pem", &leaf_key.serialize_pem());
    let _server = s_server(
        &cert,
        &key,
        ip,
        port,
        &["-tls1_3", "-groups", "X25519:P-256:P-384"],
    );
    let doc = scan(&dir, ip, port, "trust_anchors = [\"city-ca.pem\"]\n");
    let ours = accepted(&doc);
    let want: BTreeSet<(String, u16)> = [0x1301, 0x1302, 0x1303]
        .map(|s| ("TLSv1.3".to_string(), s))
        .into();
    assert_eq!(ours, want);
    let addr = format!("{ip}:{port}");
    let s_client: BTreeSet<(String, u16)> = [
        ("TLS_AES_128_GCM_SHA256", 0x1301),
        ("TLS_AES_256_GCM_SHA384", 0x1302),
        ("TLS_CHACHA20_POLY1305_SHA256", 0x1303),
        ("TLS_AES_128_CCM_SHA256", 0x1304),
        ("TLS_AES_128_CCM_8_SHA256", 0x1305),
    ]
    .into_iter()
    .filter(|(name, _)| s_client_accepts(&addr, "-tls1_3", name))
    .map(|(_, code)| ("TLSv1.3".to_string(), code))
    .collect();
    assert_eq!(ours, s_client, "stadscan and s_client disagree");
    assert!(s_client_view(&addr).is_empty(), "no TLS 1.2 or below");
    let mut groups = list(&doc, "tls.groups");
    groups.sort();
    assert_eq!(groups, vec!["secp256r1", "secp384r1", "x25519"]);
    assert_eq!(observation(&doc)["facts"]["cert.trusted"], true);
    assert!(rules(&doc).is_empty(), "{:?}", rules(&doc));
    assert_eq!(observation(&doc)["facts"]["tls.verdict"], "sufficient");
}
