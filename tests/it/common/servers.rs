//! Third-party servers (Debian's mosquitto, openssl s_server) for the
//! real-server suites: started on 127.x addresses, killed on drop.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A third-party server process, killed on drop.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn available(program: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found && std::env::var_os("STADSCAN_SKIP_REAL_SERVERS").is_none() {
        panic!(
            "`{program}` is not installed: run .ci/run (or apt-get install mosquitto openssl snmpd), \
             or set STADSCAN_SKIP_REAL_SERVERS=1 to skip the real-server tests"
        );
    }
    if !found {
        eprintln!("skipping: {program} is not installed and STADSCAN_SKIP_REAL_SERVERS is set");
    }
    found
}

pub fn free_port(ip: &str) -> u16 {
    TcpListener::bind(format!("{ip}:0"))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn wait_listening(addr: SocketAddr, child: &mut Child) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("server exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on {addr}");
}

pub fn spawn(cmd: &mut Command, addr: SocketAddr) -> Server {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"));
    wait_listening(addr, &mut child);
    Server(child)
}

/// Scans one address on the given ports (the scope's top-level keys in
/// `extra` come first); asserts exit 0 and a schema-valid SARIF, and
/// returns the JSON report.
pub fn scan_endpoint(
    dir: &super::TestDir,
    ip: &str,
    tcp: &[u16],
    udp: &[u16],
    extra: &str,
) -> serde_json::Value {
    scan_endpoint_rate(dir, ip, tcp, udp, extra, "")
}

/// [`scan_endpoint`] with extra lines in the scope's `[rate]` table
/// (`profile = "ot-safe"`...).
#[allow(dead_code)]
pub fn scan_endpoint_rate(
    dir: &super::TestDir,
    ip: &str,
    tcp: &[u16],
    udp: &[u16],
    extra: &str,
    rate: &str,
) -> serde_json::Value {
    let list = |ports: &[u16]| {
        ports
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let scope = dir.write(
        "scope.toml",
        &format!(
            "name = \"real servers\"\n{extra}[[networks]]\ncidr = \"{ip}/32\"\n[ports]\ntcp = [{}]\nudp = [{}]\n[rate]\ntimeout_ms = 3000\n{rate}",
            list(tcp),
            list(udp)
        ),
    );
    let (json, sarif) = (dir.path("out.json"), dir.path("out.sarif"));
    let (out, _) = super::run(&[
        "scan",
        "--scope",
        scope.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--sarif",
        sarif.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(super::schema_errors(&super::read_json(&sarif)).is_empty());
    super::read_json(&json)
}

/// `openssl s_server -www` on `ip:port` with `cert` and `key`, plus `extra`
/// arguments (versions, ciphers, groups...).
pub fn s_server(
    cert: &std::path::Path,
    key: &std::path::Path,
    ip: &str,
    port: u16,
    extra: &[&str],
) -> Server {
    let mut cmd = Command::new("openssl");
    cmd.arg("s_server")
        .arg("-accept")
        .arg(format!("{ip}:{port}"))
        .arg("-cert")
        .arg(cert)
        .arg("-key")
        .arg(key)
        .args(["-www", "-quiet"])
        .args(extra);
    spawn(&mut cmd, format!("{ip}:{port}").parse().unwrap())
}

/// The check ids of a JSON report's findings, sorted.
pub fn rules(doc: &serde_json::Value) -> Vec<String> {
    let mut r: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["check_id"].as_str().unwrap().to_string())
        .collect();
    r.sort();
    r
}

/// Runs `openssl` with `args`; panics with its error output when it fails.
pub fn openssl(args: &[&str]) {
    let out = Command::new("openssl").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A self-signed certificate (`{name}-cert.pem`, CN `{name}.city.test`)
/// with a fresh key of `kind` (`rsa:1024`...) signed with `sig` (`-sha1`...).
pub fn key_and_cert(
    dir: &super::TestDir,
    kind: &str,
    sig: &str,
    name: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let (k, c) = (
        dir.path(&format!("{name}-key.pem")),
        dir.path(&format!("{name}-cert.pem")),
    );
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        kind,
        sig,
        "-nodes",
        "-keyout",
        k.to_str().unwrap(),
        "-out",
        c.to_str().unwrap(),
        "-days",
        "30",
        "-subj",
        &format!("/CN={name}.city.test"),
    ]);
    (k, c)
}

/// tests/servers/NAME with @DIR@, @ADDR@, @PORT@ and `more` filled in,
/// written to the test's folder; returns its path.
pub fn config(
    dir: &super::TestDir,
    name: &str,
    ip: &str,
    port: u16,
    more: &[(&str, &str)],
) -> std::path::PathBuf {
    let template = std::fs::read_to_string(format!(
        "{}/tests/servers/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut text = template
        .replace("@DIR@", &dir.0.display().to_string())
        .replace("@ADDR@", ip)
        .replace("@PORT@", &port.to_string());
    for (key, value) in more {
        text = text.replace(&format!("@{key}@"), value);
    }
    assert!(
        !text.lines().any(|l| !l.starts_with('#') && l.contains('@')),
        "unfilled placeholder in {name}"
    );
    dir.write(name, &text)
}

pub fn addr(ip: &str, port: u16) -> SocketAddr {
    format!("{ip}:{port}").parse().unwrap()
}

/// The real-server suites skip (instead of failing) without a package or
/// root only when this is set.
pub const SKIP: &str = "STADSCAN_SKIP_REAL_SERVERS";

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// True when running as root; otherwise panics with `why`, unless the
/// real-server tests are skipped on purpose.
pub fn root_for(why: &str) -> bool {
    if is_root() {
        return true;
    }
    if std::env::var_os(SKIP).is_none() {
        panic!(
            "{why} needs root (CI runs as root): run the tests as root, or set {SKIP}=1 to skip \
             the real-server tests"
        );
    }
    eprintln!("skipping: {why} needs root and {SKIP} is set");
    false
}

/// Net-SNMP's snmpd on `ip`:161 with this sysDescr, answering the given
/// read-only communities (a wrong community gets no answer at all). 161,
/// because the SNMP port is how a silent agent is known.
pub fn snmpd(dir: &super::TestDir, ip: &str, sys_descr: &str, communities: &[&str]) -> Server {
    let mut conf = format!("agentAddress udp:{ip}:161\nsysDescr {sys_descr}\nsysName kade-gw\n");
    for c in communities {
        conf.push_str(&format!("rocommunity {c} 127.0.0.0/8\n"));
    }
    let conf = dir.write("snmpd.conf", &conf);
    let mut child = Command::new("snmpd")
        .args(["-f", "-Lf", "/dev/null", "-C", "-c"])
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("snmpd starts");
    super::wait_udp_bound(addr(ip, 161), &mut child);
    Server(child)
}
