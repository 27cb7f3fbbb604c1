//! STARTTLS on a real mail server: Debian's Postfix, started by the test
//! with its own configuration, queue and data folders (tests/servers/
//! postfix-*), its master in the foreground; the system's mail setup is
//! not touched. Three smtpd services on the non-standard port 10587 (named
//! in the scope; SMTP is told by its greeting, not by the port): an old
//! configuration (RSA-1024 SHA-1 self-signed certificate and 1024-bit DHE
//! on Postfix's defaults, which offer TLS 1.0 and up with static-RSA, CBC
//! and anonymous suites and sign the key exchange with SHA-1 when asked)
//! and a modern one (TLS 1.2/1.3, ECDHE with AEAD, no SHA-1, an RSA-3072
//! certificate from the trusted city CA), and the old one again behind
//! postscreen, which drops a client that speaks before the last line of its
//! multi-line greeting. Each must come out as SMTP with STARTTLS, with its
//! versions, its certificate and its findings, and the modern one with no
//! TLS or certificate finding; a second scan with `--history` must find
//! every result `unchanged`.
//!
//! `.ci/test` installs postfix (without configuring a system mailer); the
//! master must run as root (it starts smtpd as the postfix user). Without
//! either this test fails unless STADSCAN_SKIP_REAL_SERVERS=1 says to skip.

use crate::common;
use crate::tls_matrix::{
    assert_all_unchanged, assert_no_debug_text, asset, fact, p, scan_with_history, signed_leaf,
    versions,
};

use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::TestDir;
use common::servers::{addr, available, config, key_and_cert, openssl, root_for, wait_listening};
use serde_json::json;

const PORT: u16 = 10587;
const NET: &str = "127.71.25";

/// A Postfix master leading its own process group, so that stopping it
/// stops every smtpd it started; stopped on drop (also when the test
/// fails, and then its log is printed).
struct Postfix {
    master: Child,
    log: PathBuf,
}

impl Drop for Postfix {
    fn drop(&mut self) {
        if std::thread::panicking() {
            eprintln!(
                "Postfix's log ({}):\n{}",
                self.log.display(),
                std::fs::read_to_string(&self.log).unwrap_or_default()
            );
        }
        let pid = self.master.id();
        // On SIGTERM the master stops its children and exits.
        signal("-TERM", &pid.to_string());
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(10) && !exited(pid) {
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever of the group is left. The master is reaped only after
        // this, so its group id cannot name another group meanwhile.
        signal("-KILL", &format!("-{pid}"));
        let _ = self.master.wait();
    }
}

fn signal(sig: &str, target: &str) {
    let _ = Command::new("kill")
        .args([sig, "--", target])
        .stderr(Stdio::null())
        .status();
}

/// The process has exited (a zombie until reaped) or is gone.
fn exited(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(true)
}

/// The services' addresses.
struct Addrs {
    legacy: String,
    modern: String,
    screened: String,
}

impl Addrs {
    fn all(&self) -> [&str; 3] {
        [&self.legacy, &self.modern, &self.screened]
    }
}

/// Fills in the configuration for the services at `at`, makes the queue
/// and data folders (owned as Postfix wants them) and starts the master.
fn postfix(dir: &TestDir, at: &Addrs) -> Postfix {
    // A server left on these addresses would answer in place of this one
    // (the new master cannot bind, and exits).
    for ip in at.all() {
        let taken = TcpStream::connect_timeout(&addr(ip, PORT), Duration::from_secs(1)).is_ok();
        assert!(!taken, "something already listens on {ip}:{PORT}");
    }
    let conf = dir.path("postfix");
    std::fs::create_dir_all(&conf).unwrap();
    for (template, name) in [
        ("postfix-main.cf", "postfix/main.cf"),
        ("postfix-master.cf", "postfix/master.cf"),
        ("postfix-openssl.cnf", "postfix-openssl.cnf"),
    ] {
        let more = [("MODERN", &*at.modern), ("SCREENED", &at.screened)];
        let filled = config(dir, template, &at.legacy, PORT, &more);
        std::fs::rename(filled, dir.path(name)).unwrap();
    }
    // smtpd (as the postfix user) reaches anvil and tlsmgr through sockets
    // in private/, postlog's is in public/; tlsmgr keeps its state in the
    // data folder.
    for (folder, owner, mode) in [
        ("postfix-queue/pid", "root", "755"),
        ("postfix-queue/private", "postfix", "700"),
        ("postfix-queue/public", "postfix:postdrop", "710"),
        ("postfix-data", "postfix", "700"),
    ] {
        let path = dir.path(folder);
        std::fs::create_dir_all(&path).unwrap();
        for (cmd, arg) in [("chown", owner), ("chmod", mode)] {
            let ok = Command::new(cmd).arg(arg).arg(&path).status().unwrap();
            assert!(ok.success(), "{cmd} {arg} {}", path.display());
        }
    }
    // Where Debian keeps master (postconf reads only the test's main.cf).
    let daemons = Command::new("postconf")
        .arg("-c")
        .arg(&conf)
        .args(["-h", "daemon_directory"])
        .output()
        .unwrap();
    assert!(
        daemons.status.success(),
        "postconf: {}",
        String::from_utf8_lossy(&daemons.stderr)
    );
    let master = PathBuf::from(String::from_utf8(daemons.stdout).unwrap().trim()).join("master");
    // -d: in the foreground; -e: exits by itself after 20 minutes should
    // this test process die without dropping it.
    let child = Command::new(&master)
        .arg("-c")
        .arg(&conf)
        .args(["-d", "-e", "1200"])
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", master.display()));
    let mut server = Postfix {
        master: child,
        log: dir.path("postfix.log"),
    };
    for ip in at.all() {
        wait_listening(addr(ip, PORT), &mut server.master);
    }
    server
}

#[test]
fn postfix_starttls_is_smtp_with_its_versions_chain_and_findings() {
    if !available("openssl")
        || !available("postfix")
        || !available("postconf")
        || !root_for("Postfix's master (it starts smtpd as the postfix user)")
    {
        return;
    }
    let dir = TestDir::new("tls-postfix");
    let at = Addrs {
        legacy: format!("{NET}.1"),
        modern: format!("{NET}.2"),
        screened: format!("{NET}.3"),
    };
    key_and_cert(&dir, "rsa:1024", "-sha1", "legacy");
    openssl(&["dhparam", "-out", p(&dir.path("dh1024.pem")), "1024"]);
    let ca = key_and_cert(&dir, "rsa:2048", "-sha256", "city-ca");
    signed_leaf(&dir, "modern", "rsa:3072", &at.modern, &ca, "-sha256");
    let server = postfix(&dir, &at);

    let networks: String = at
        .all()
        .iter()
        .map(|ip| format!("[[networks]]\ncidr = \"{ip}/32\"\n"))
        .collect();
    let scope = dir.write(
        "scope.toml",
        &format!(
            "name = \"postfix\"\ntrust_anchors = [\"city-ca-cert.pem\"]\n{networks}\
             [ports]\ntcp = [{PORT}]\nudp = []\n[rate]\ntimeout_ms = 3000\n"
        ),
    );
    let (doc, sarif) = scan_with_history(&dir, &scope, "first");

    // All are SMTP with STARTTLS (not TLS, not unknown), Postfix by its
    // greeting, and graded with their certificate.
    for ip in at.all() {
        let (o, _) = asset(&doc, ip);
        assert_eq!(o["protocol"], "smtp", "{o}");
        assert_eq!(o["tls_profile"]["starttls"], "smtp", "{o}");
        let banner = fact(o, "banner.text").as_str().unwrap_or_default();
        assert!(banner.contains("ESMTP Postfix"), "{o}");
        assert!(fact(o, "tls.verdict").is_string(), "not graded: {o}");
        assert!(fact(o, "cert.sha256").is_string(), "no chain: {o}");
    }

    // The old configuration, also behind postscreen: every version from
    // TLS 1.0, the RSA-1024 SHA-1 self-signed certificate, static-RSA and
    // anonymous suites, the 1024-bit DH group and SHA-1 on the key exchange.
    for ip in [&at.legacy, &at.screened] {
        let (o, ids) = asset(&doc, ip);
        assert_eq!(versions(o), ["TLSv1.3", "TLSv1.2", "TLSv1.1", "TLSv1.0"]);
        assert_eq!(fact(o, "tls.verdict"), "insufficient");
        assert_eq!(
            fact(o, "tls.insufficient_versions"),
            &json!(["TLSv1.1", "TLSv1.0"])
        );
        assert_eq!(fact(o, "cert.key_bits"), 1024);
        assert_eq!(fact(o, "cert.signature_algorithm"), "sha1WithRSAEncryption");
        assert_eq!(fact(o, "cert.weak_key"), "leaf: RSA 1024 bits");
        assert_eq!(fact(o, "cert.self_signed"), true);
        assert_eq!(fact(o, "cert.subject"), "CN=legacy.city.test");
        let weak = fact(o, "tls.insufficient_suites").to_string();
        for suite in [
            "TLS_RSA_WITH_AES_128_CBC_SHA",
            "TLS_DH_anon_WITH_AES_128_CBC_SHA",
        ] {
            assert!(weak.contains(suite), "{ip}: {suite} not in {weak}");
        }
        assert_eq!(o["tls_profile"]["dh"]["bits"], 1024, "{o}");
        assert_eq!(o["tls_profile"]["sha1_kex_signature"], true, "{o}");
        for id in [
            "cert-self-signed",
            "cert-weak-key",
            "cert-weak-signature",
            "tls-protocol-insufficient",
            "tls-cipher-insufficient",
            "tls-key-exchange-insufficient",
        ] {
            assert!(
                ids.contains(&id.to_string()),
                "{ip}: {id} missing from {ids:?} in {o}"
            );
        }
    }
    // postscreen heard nothing before the end of its greeting.
    let log = std::fs::read_to_string(&server.log).unwrap_or_default();
    assert!(
        !log.contains("PREGREET"),
        "the scanner spoke too early:\n{log}"
    );

    // The modern one: TLS 1.2 and 1.3 only, a trusted RSA-3072 chain, and
    // no TLS or certificate finding at all.
    let (o, ids) = asset(&doc, &at.modern);
    assert_eq!(versions(o), ["TLSv1.3", "TLSv1.2"]);
    let verdict = fact(o, "tls.verdict");
    assert!(verdict == "good" || verdict == "sufficient", "{o}");
    assert_eq!(fact(o, "cert.key_bits"), 3072);
    assert_eq!(fact(o, "cert.trusted"), true, "{o}");
    assert_eq!(fact(o, "cert.subject"), "CN=modern.city.test");
    assert_eq!(o["tls_profile"]["sha1_kex_signature"], false, "{o}");
    let tls_findings: Vec<&String> = ids
        .iter()
        .filter(|id| id.starts_with("tls-") || id.starts_with("cert-"))
        .collect();
    assert!(tls_findings.is_empty(), "modern: {tls_findings:?} in {o}");

    assert_no_debug_text(&sarif);
    let (_, again) = scan_with_history(&dir, &scope, "second");
    assert_all_unchanged(&again);
    drop(server);
}
