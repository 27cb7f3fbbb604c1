//! Legacy TLS on real servers, all on a non-standard port (10561, which no
//! identification plan names): Debian's nginx and `openssl s_server` with
//! RSA-1024, RSA-512, DSA, SHA-1 and MD5 signed chains, TLS 1.0 only,
//! 1024-bit DHE and NULL suites, and vsftpd with FTP AUTH TLS. Every one
//! must come out as TLS (never as plain HTTP), with its versions, its chain
//! and its findings; a second scan with `--history` must find every result
//! `unchanged`.
//!
//! What Debian's OpenSSL 3 cannot be told to do, and so is not here: SSL 3.0
//! (built without it: `s_server` has no `-ssl3`), SSL 2.0 (removed in
//! OpenSSL 1.1.0; the probe's own test covers it with a hand-built server)
//! and export-grade suites (removed in OpenSSL 1.1.0).
//!
//! `.ci/test` installs nginx, vsftpd and openssl; without them this test
//! fails unless STADSCAN_SKIP_REAL_SERVERS=1 says to skip it.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::servers::{Server, available, key_and_cert, openssl, s_server, spawn};
use common::{TestDir, read_json, run};
use serde_json::Value;

const PORT: u16 = 10561;
const NET: &str = "127.71.17";

pub(crate) fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A DSA key (2048 bits) and its self-signed SHA-256 certificate.
fn dsa(dir: &TestDir) -> (PathBuf, PathBuf) {
    let (params, key, cert) = (
        dir.path("dsa-params.pem"),
        dir.path("dsa-key.pem"),
        dir.path("dsa-cert.pem"),
    );
    openssl(&[
        "genpkey",
        "-genparam",
        "-algorithm",
        "DSA",
        "-pkeyopt",
        "dsa_paramgen_bits:2048",
        "-out",
        p(&params),
    ]);
    openssl(&["genpkey", "-paramfile", p(&params), "-out", p(&key)]);
    openssl(&[
        "req",
        "-x509",
        "-key",
        p(&key),
        "-sha256",
        "-out",
        p(&cert),
        "-days",
        "30",
        "-subj",
        "/CN=dsa.city.test",
    ]);
    (key, cert)
}

/// A leaf with a new `key` (`rsa:2048`...) for `ip`, signed by `ca` with
/// `digest` (`-sha1`, `-md5`).
pub(crate) fn signed_leaf(
    dir: &TestDir,
    name: &str,
    key_kind: &str,
    ip: &str,
    ca: &(PathBuf, PathBuf),
    digest: &str,
) -> (PathBuf, PathBuf) {
    let (key, csr, cert, ext) = (
        dir.path(&format!("{name}-key.pem")),
        dir.path(&format!("{name}.csr")),
        dir.path(&format!("{name}-cert.pem")),
        dir.write(&format!("{name}.ext"), &format!("subjectAltName=IP:{ip}\n")),
    );
    openssl(&[
        "req",
        "-new",
        "-newkey",
        key_kind,
        "-nodes",
        "-keyout",
        p(&key),
        "-out",
        p(&csr),
        "-subj",
        &format!("/CN={name}.city.test"),
    ]);
    openssl(&[
        "x509",
        "-req",
        "-in",
        p(&csr),
        "-CA",
        p(&ca.1),
        "-CAkey",
        p(&ca.0),
        "-CAcreateserial",
        digest,
        "-days",
        "30",
        "-extfile",
        p(&ext),
        "-out",
        p(&cert),
    ]);
    (key, cert)
}

/// nginx in the foreground with TLS 1.0-1.2, static-RSA and 1024-bit DHE
/// suites, on `ip`.
fn nginx(dir: &TestDir, ip: &str, key: &Path, cert: &Path) -> Server {
    let dh = dir.path("dh1024.pem");
    openssl(&["dhparam", "-out", p(&dh), "1024"]);
    let d = dir.path("");
    let conf = dir.write(
        "nginx.conf",
        &format!(
            "daemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/nginx-error.log;\n\
             events {{ worker_connections 64; }}\nhttp {{\n  access_log off;\n\
             client_body_temp_path {d}/body;\n  proxy_temp_path {d}/proxy;\n\
             fastcgi_temp_path {d}/fcgi;\n  uwsgi_temp_path {d}/uwsgi;\n  scgi_temp_path {d}/scgi;\n\
             server {{\n    listen {ip}:{PORT} ssl;\n    ssl_certificate {cert};\n\
             ssl_certificate_key {key};\n    ssl_protocols TLSv1 TLSv1.1 TLSv1.2;\n\
             ssl_ciphers \"DHE-RSA-AES128-SHA:AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0\";\n\
             ssl_dhparam {dh};\n    location / {{ return 200 \"city portal\"; }}\n  }}\n}}\n",
            d = d.display(),
            cert = cert.display(),
            key = key.display(),
            dh = dh.display(),
        ),
    );
    spawn(
        Command::new("nginx")
            .arg("-e")
            .arg(dir.path("nginx-error.log"))
            .arg("-p")
            .arg(dir.path(""))
            .arg("-c")
            .arg(&conf),
        format!("{ip}:{PORT}").parse().unwrap(),
    )
}

/// vsftpd offering AUTH TLS (TLS 1.0-1.2) on `ip`.
fn vsftpd(dir: &TestDir, ip: &str, key: &Path, cert: &Path) -> Server {
    std::fs::create_dir_all(dir.path("ftp-empty")).unwrap();
    let conf = dir.write(
        "vsftpd.conf",
        &format!(
            "listen=YES\nlisten_ipv6=NO\nlisten_address={ip}\nlisten_port={PORT}\nbackground=NO\n\
             anonymous_enable=NO\nlocal_enable=YES\nuserlist_enable=YES\nuserlist_deny=NO\n\
             userlist_file={d}/ftp-users\nwrite_enable=NO\nsecure_chroot_dir={d}/ftp-empty\n\
             seccomp_sandbox=NO\nxferlog_enable=NO\nssl_enable=YES\nrsa_cert_file={cert}\n\
             rsa_private_key_file={key}\nssl_tlsv1=YES\nssl_sslv2=NO\nssl_sslv3=NO\n",
            d = dir.path("").display(),
            cert = cert.display(),
            key = key.display(),
        ),
    );
    dir.write("ftp-users", "");
    spawn(
        Command::new("vsftpd").arg(&conf),
        format!("{ip}:{PORT}").parse().unwrap(),
    )
}

/// Scans the matrix's /27 on PORT with `--history`; returns the JSON
/// report and the SARIF.
fn scan(dir: &TestDir, tag: &str) -> (Value, Value) {
    let scope = dir.write(
        "scope.toml",
        &format!(
            "name = \"tls matrix\"\ntrust_anchors = [\"city-ca-cert.pem\", \"old-ca-cert.pem\"]\n[[networks]]\ncidr = \"{NET}.0/27\"\n\
             [ports]\ntcp = [{PORT}]\nudp = []\n[rate]\ntimeout_ms = 3000\n"
        ),
    );
    scan_with_history(dir, &scope, tag)
}

/// Scans `scope` with `--history` (dir/history.db), writing `tag`.json and
/// `tag`.sarif; asserts exit 0 and a schema-valid SARIF; returns the JSON
/// report and the SARIF.
pub(crate) fn scan_with_history(dir: &TestDir, scope: &Path, tag: &str) -> (Value, Value) {
    let (json, sarif) = (
        dir.path(&format!("{tag}.json")),
        dir.path(&format!("{tag}.sarif")),
    );
    let (out, _) = run(&[
        "scan",
        "--scope",
        p(scope),
        "--json",
        p(&json),
        "--sarif",
        p(&sarif),
        "--history",
        p(&dir.path("history.db")),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sarif = read_json(&sarif);
    assert!(common::schema_errors(&sarif).is_empty());
    (read_json(&json), sarif)
}

/// No SARIF result message carries Rust debug text (a struct, a byte
/// list, an error variant's name).
pub(crate) fn assert_no_debug_text(sarif: &Value) {
    for r in sarif["runs"][0]["results"].as_array().unwrap() {
        let text = r["message"]["text"].as_str().unwrap();
        for debug in ["Context", "{", "[6,", "Unsupported", "Some(", "Err("] {
            assert!(!text.contains(debug), "debug text in a message: {text}");
        }
    }
}

/// Every result of a second scan with `--history` is `unchanged`.
pub(crate) fn assert_all_unchanged(sarif: &Value) {
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        assert_eq!(r["baselineState"], "unchanged", "{r}");
    }
}

/// The observation and the findings of one address.
pub(crate) fn asset<'a>(doc: &'a Value, ip: &str) -> (&'a Value, Vec<String>) {
    let a = doc["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["addr"] == ip)
        .unwrap_or_else(|| panic!("no asset {ip} in {doc}"));
    let o = &a["observations"][0];
    let ids = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["endpoint"]["addr"] == ip)
        .map(|f| f["check_id"].as_str().unwrap().to_string())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    (o, ids)
}

pub(crate) fn fact<'a>(o: &'a Value, name: &str) -> &'a Value {
    &o["facts"][name]
}

pub(crate) fn versions(o: &Value) -> Vec<String> {
    fact(o, "tls.versions")
        .as_array()
        .unwrap_or_else(|| panic!("no tls.versions in {o}"))
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn every_legacy_tls_server_is_tls_with_its_chain_and_findings() {
    if !available("openssl") || !available("nginx") || !available("vsftpd") {
        return;
    }
    let dir = TestDir::new("tls-matrix");
    let ip = |n: u8| format!("{NET}.{n}");
    // The city CA (trusted through the scope) that signs the SHA-1 and MD5 leaves.
    let ca = key_and_cert(&dir, "rsa:2048", "-sha256", "city-ca");

    let mut servers = Vec::new();
    // 1. nginx: RSA-1024 SHA-1 self-signed, TLS 1.0-1.2, static RSA, DHE-1024.
    let k = key_and_cert(&dir, "rsa:1024", "-sha1", "legacy");
    servers.push(nginx(&dir, &ip(1), &k.0, &k.1));
    // 2. RSA-512, TLS 1.2, allowed at security level 0 only.
    let k = key_and_cert(&dir, "rsa:512", "-sha256", "rsa512");
    let rsa512 = [
        "-tls1_2",
        "-cipher",
        "ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:@SECLEVEL=0",
    ];
    servers.push(s_server(&k.1, &k.0, &ip(2), PORT, &rsa512));
    // 3. DSA: the DSS suites of TLS 1.2, which no current client offers.
    let k = dsa(&dir);
    let dss = [
        "-tls1_2",
        "-cipher",
        "DHE-DSS-AES128-GCM-SHA256:DHE-DSS-AES128-SHA:@SECLEVEL=0",
    ];
    servers.push(s_server(&k.1, &k.0, &ip(3), PORT, &dss));
    // 4. and 5. Leaves signed by the trusted city CA with SHA-1 and MD5.
    let k = signed_leaf(&dir, "sha1", "rsa:2048", &ip(4), &ca, "-sha1");
    let modern = [
        "-tls1_2",
        "-cipher",
        "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
    ];
    servers.push(s_server(&k.1, &k.0, &ip(4), PORT, &modern));
    let k = signed_leaf(&dir, "md5", "rsa:2048", &ip(5), &ca, "-md5");
    servers.push(s_server(&k.1, &k.0, &ip(5), PORT, &modern));
    // 6. TLS 1.0 only.
    let k = key_and_cert(&dir, "rsa:2048", "-sha256", "tls10");
    let tls10 = [
        "-tls1",
        "-cipher",
        "AES128-SHA:ECDHE-RSA-AES128-SHA:@SECLEVEL=0",
    ];
    servers.push(s_server(&k.1, &k.0, &ip(6), PORT, &tls10));
    // 7. NULL suites (no encryption) next to a good one.
    let k = key_and_cert(&dir, "rsa:2048", "-sha256", "null");
    let null = [
        "-tls1_2",
        "-cipher",
        "NULL-SHA256:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
    ];
    servers.push(s_server(&k.1, &k.0, &ip(7), PORT, &null));
    // 8. FTP with AUTH TLS (vsftpd refuses keys under 2048 bits itself).
    let k = key_and_cert(&dir, "rsa:2048", "-sha256", "ftp");
    servers.push(vsftpd(&dir, &ip(8), &k.0, &k.1));
    // 9. A leaf signed by a trusted CA whose own key is RSA-1024.
    let old_ca = key_and_cert(&dir, "rsa:1024", "-sha256", "old-ca");
    let k = signed_leaf(&dir, "old-ca-leaf", "rsa:2048", &ip(9), &old_ca, "-sha256");
    servers.push(s_server(&k.1, &k.0, &ip(9), PORT, &modern));

    let (doc, sarif) = scan(&dir, "first");

    // Nothing is plain HTTP; every TLS endpoint has its chain and verdict.
    for n in 1..=9 {
        let (o, _) = asset(&doc, &ip(n));
        if n == 8 {
            assert_eq!(o["protocol"], "ftp", "{o}");
            assert_eq!(o["tls_profile"]["starttls"], "ftp", "{o}");
        } else {
            assert_eq!(o["tls"], true, "{n}: {o}");
            assert!(
                o["protocol"] == "tls" || o["protocol"] == "http",
                "{n}: {o}"
            );
            assert!(fact(o, "http.title").is_null(), "{n}: {o}");
        }
        assert!(fact(o, "cert.sha256").is_string(), "{n}: no chain in {o}");
        assert!(fact(o, "tls.verdict").is_string(), "{n}: not graded: {o}");
    }

    // 1. The nginx: TLS with its old versions, the RSA-1024 SHA-1
    //    chain and the 1024-bit DHE group.
    let (o, ids) = asset(&doc, &ip(1));
    assert_eq!(o["protocol"], "tls", "{o}");
    assert_eq!(versions(o), ["TLSv1.2", "TLSv1.1", "TLSv1.0"]);
    assert_eq!(fact(o, "tls.version"), "TLSv1.2");
    assert_eq!(fact(o, "cert.key_bits"), 1024);
    assert_eq!(fact(o, "cert.signature_algorithm"), "sha1WithRSAEncryption");
    assert_eq!(fact(o, "cert.weak_key"), "leaf: RSA 1024 bits");
    assert_eq!(o["tls_profile"]["dh"]["bits"], 1024);
    for id in [
        "cert-self-signed",
        "cert-weak-key",
        "cert-weak-signature",
        "tls-protocol-insufficient",
        "tls-key-exchange-insufficient",
    ] {
        assert!(
            ids.contains(&id.to_string()),
            "1: {id} missing from {ids:?}"
        );
    }

    // 2. RSA-512.
    let (o, ids) = asset(&doc, &ip(2));
    assert_eq!(versions(o), ["TLSv1.2"]);
    assert_eq!(fact(o, "cert.key_bits"), 512);
    assert_eq!(fact(o, "cert.weak_key"), "leaf: RSA 512 bits");
    assert!(ids.contains(&"cert-weak-key".to_string()), "{ids:?}");

    // 3. DSA.
    let (o, ids) = asset(&doc, &ip(3));
    assert_eq!(o["protocol"], "tls", "{o}");
    assert_eq!(versions(o), ["TLSv1.2"]);
    assert_eq!(fact(o, "cert.key_type"), "dsa");
    assert!(ids.contains(&"cert-self-signed".to_string()), "{ids:?}");

    // 4. and 5. The trust failure said for people, the detail in facts.
    for (n, alg) in [(4, "sha1WithRSAEncryption"), (5, "md5WithRSAEncryption")] {
        let (o, ids) = asset(&doc, &ip(n));
        assert_eq!(fact(o, "cert.trusted"), false, "{o}");
        assert_eq!(
            fact(o, "cert.trust_error"),
            &Value::from(format!(
                "a certificate in the chain is signed with {alg}, an algorithm no longer accepted for trust"
            ))
        );
        assert_eq!(
            fact(o, "cert.trust_error_code"),
            &Value::from(format!("UnsupportedSignatureAlgorithm {alg}"))
        );
        assert!(ids.contains(&"cert-untrusted-chain".to_string()), "{ids:?}");
        assert!(ids.contains(&"cert-weak-signature".to_string()), "{ids:?}");
    }
    assert_no_debug_text(&sarif);

    // 6. TLS 1.0 only.
    let (o, ids) = asset(&doc, &ip(6));
    assert_eq!(versions(o), ["TLSv1.0"]);
    assert_eq!(fact(o, "tls.version"), "TLSv1.0");
    assert!(
        ids.contains(&"tls-protocol-insufficient".to_string()),
        "{ids:?}"
    );

    // 7. NULL suites.
    let (o, _) = asset(&doc, &ip(7));
    let weak = fact(o, "tls.insufficient_suites").to_string();
    assert!(weak.contains("TLS_RSA_WITH_NULL_SHA256"), "{o}");

    // 8. vsftpd's AUTH TLS: its self-signed certificate is reported like
    //    any other (the certificate checks do not ask for direct TLS).
    let (o, ids) = asset(&doc, &ip(8));
    assert!(!versions(o).is_empty(), "{o}");
    assert!(
        fact(o, "cert.subject")
            .to_string()
            .contains("ftp.city.test"),
        "{o}"
    );
    assert!(ids.contains(&"cert-self-signed".to_string()), "{ids:?}");

    // 9. The short CA key said for people.
    let (o, ids) = asset(&doc, &ip(9));
    assert_eq!(
        fact(o, "cert.trust_error"),
        "a certificate in the chain is signed with a 1024-bit RSA key, too short to be trusted"
    );
    assert_eq!(
        fact(o, "cert.trust_error_code"),
        "InvalidSignatureForPublicKey RSA 1024"
    );
    assert!(ids.contains(&"cert-untrusted-chain".to_string()), "{ids:?}");

    // The same servers again: every result is unchanged.
    let (_, again) = scan(&dir, "second");
    assert_all_unchanged(&again);
    drop(servers);
}
