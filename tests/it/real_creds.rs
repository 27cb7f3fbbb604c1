//! Default-credential testing against real third-party servers on
//! 127.0.0.150–199: Debian's mosquitto, lighttpd (Basic and Digest),
//! vsftpd, busybox telnetd, Net-SNMP's snmpd and OpenSSH's sshd. Each is
//! started once with a default account (a finding) and once with the
//! account changed (none), and the scan's JSON, SARIF and audit trail are
//! read back. They check passwords their own way, not through our codecs.
//!
//! `.ci/test` installs the packages; the SNMP tests bind udp/161 and the SSH
//! test makes a throw-away account `stadscan-ci`, so those need root. Without
//! a package or root the tests fail, unless STADSCAN_SKIP_REAL_SERVERS=1
//! says to skip them on purpose.

use crate::common;

use std::process::{Command, Stdio};

use common::servers::{
    SKIP, Server, addr, available, config, free_port, root_for, rules, snmpd, spawn,
};
use common::{TestDir, read_json, read_jsonl, run, schema_errors};
use serde_json::Value;

/// What one scan wrote.
struct Scan {
    json: Value,
    sarif: Value,
    audit: Vec<Value>,
    /// Every byte the run wrote (reports, trail, terminal), for the checks
    /// that a password never leaves the scope file.
    written: String,
}

/// A `[credentials]` section: on, `attempts` per account, a short pause,
/// the budget in `budget` beside the scope file; `extra` follows as is.
fn credentials(attempts: u32, budget: &str, extra: &str) -> String {
    format!(
        "[credentials]\nenabled = true\nattempts = {attempts}\nwindow_hours = 24\ndelay_ms = 200\n\
         budget_file = \"{budget}\"\n{extra}"
    )
}

/// One `[[credentials.extra]]` entry for SSH.
fn ssh_account(id: &str, username: &str, password: &str) -> String {
    format!(
        "[[credentials.extra]]\nid = \"{id}\"\nusername = \"{username}\"\npassword = \"{password}\"\n\
         methods = [\"ssh\"]\n"
    )
}

/// Scans `ip` on the given ports with `creds` as the scope's credentials
/// section (empty: none); the outputs are named after `run_name`, so that two
/// runs share one folder (and one budget file).
fn scan(dir: &TestDir, run_name: &str, ip: &str, tcp: &[u16], udp: &[u16], creds: &str) -> Scan {
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
            "name = \"real credentials\"\n[[networks]]\ncidr = \"{ip}/32\"\n[ports]\ntcp = [{}]\n\
             udp = [{}]\n[rate]\ntimeout_ms = 3000\n{creds}",
            list(tcp),
            list(udp)
        ),
    );
    let json = dir.path(&format!("{run_name}.json"));
    let sarif = dir.path(&format!("{run_name}.sarif"));
    let audit = dir.path(&format!("{run_name}.audit.jsonl"));
    let (out, _) = run(&[
        "scan",
        "--scope",
        scope.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--sarif",
        sarif.to_str().unwrap(),
        "--audit",
        audit.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sarif_doc = read_json(&sarif);
    let errors = schema_errors(&sarif_doc);
    assert!(errors.is_empty(), "{errors:?}");
    let mut written = String::new();
    for p in [&json, &sarif, &audit] {
        written.push_str(&std::fs::read_to_string(p).unwrap());
    }
    written.push_str(&String::from_utf8_lossy(&out.stdout));
    written.push_str(&String::from_utf8_lossy(&out.stderr));
    Scan {
        json: read_json(&json),
        sarif: sarif_doc,
        audit: read_jsonl(&audit),
        written,
    }
}

/// [`scan`] once, with the default credentials section (three attempts).
fn scan_with_defaults(dir: &TestDir, ip: &str, tcp: &[u16], udp: &[u16]) -> Scan {
    scan(
        dir,
        "run",
        ip,
        tcp,
        udp,
        &credentials(3, "budget.sqlite", ""),
    )
}

impl Scan {
    fn rules(&self) -> Vec<String> {
        rules(&self.json)
    }

    /// The finding `check` on `port`.
    fn finding(&self, check: &str, port: u16) -> Option<&Value> {
        self.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["check_id"] == check && f["endpoint"]["port"] == port)
    }

    /// The SARIF result `rule` on `port`.
    fn sarif_result(&self, rule: &str, port: u16) -> Option<&Value> {
        self.sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == rule && r["properties"]["port"] == port)
    }

    /// The facts of the service on `port`.
    fn facts(&self, port: u16) -> &Value {
        self.json["assets"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|a| a["observations"].as_array().unwrap())
            .find(|o| o["endpoint"]["port"] == port)
            .map(|o| &o["facts"])
            .unwrap_or_else(|| panic!("no service on port {port}: {}", self.json["assets"]))
    }

    /// The login attempts on `port` in the audit trail.
    fn logins(&self, port: u16) -> Vec<&Value> {
        self.audit
            .iter()
            .filter(|l| {
                l["port"] == port && l["probe"].as_str().is_some_and(|p| p.starts_with("login-"))
            })
            .collect()
    }

    /// Asserts the default-credentials finding on `ip:port` for entry `id`
    /// and `account` (none for SNMP, whose community is the password) by
    /// `method` (audit label `label`), verified in this run; returns the
    /// service's facts.
    fn assert_default_credential(
        &self,
        ip: &str,
        port: u16,
        id: &str,
        account: Option<&str>,
        method: &str,
        label: &str,
    ) -> &Value {
        let f = self
            .finding("default-credentials", port)
            .unwrap_or_else(|| {
                panic!(
                    "no default-credentials finding on port {port}: {:?}\n{}",
                    self.rules(),
                    self.facts(port)
                )
            });
        assert_eq!(f["category"], "default-credentials", "{f}");
        assert_eq!(f["endpoint"]["addr"], ip, "{f}");
        let message = f["message"].as_str().unwrap();
        assert!(message.contains(id), "{message}");
        match account {
            Some(account) => assert!(
                message.contains(&format!("for the account `{account}`")),
                "{message}"
            ),
            // A community string: no empty account in the sentence.
            None => assert!(
                message.contains("as a community string") && !message.contains("account"),
                "{message}"
            ),
        }
        let r = self
            .sarif_result("default-credentials", port)
            .expect("the finding is in the SARIF");
        assert_eq!(r["properties"]["host"], ip, "{r}");
        assert!(r["message"]["text"].as_str().unwrap().contains(id), "{r}");

        let facts = self.facts(port);
        assert_eq!(facts["cred.default_id"], id, "{facts}");
        if let Some(account) = account {
            assert_eq!(facts["cred.account"], account, "{facts}");
        }
        assert_eq!(facts["cred.method"], method, "{facts}");
        assert_eq!(facts["cred.retested"], true, "{facts}");
        assert!(facts["cred.verified_at"].is_string(), "{facts}");
        // At least the control login with a wrong password and the one
        // that got in.
        let attempts = facts["cred.attempts"].as_u64().unwrap();
        assert!(attempts >= 2, "{facts}");

        let logins = self.logins(port);
        assert!(logins.len() as u64 >= attempts, "{logins:?} for {facts}");
        for l in &logins {
            assert_eq!(l["probe"], label, "{l}");
            assert_eq!(l["target"], ip, "{l}");
        }
        facts
    }

    /// Asserts that `port` was tried with `label` logins and gave no
    /// default-credentials finding.
    fn assert_tried_without_default_credential(&self, port: u16, label: &str) {
        assert!(
            self.finding("default-credentials", port).is_none(),
            "{:?}",
            self.rules()
        );
        assert!(self.sarif_result("default-credentials", port).is_none());
        assert!(self.facts(port).get("cred.default_id").is_none());
        let logins = self.logins(port);
        assert!(!logins.is_empty(), "no {label} line in the audit trail");
        assert!(logins.iter().all(|l| l["probe"] == label), "{logins:?}");
    }

    fn assert_never_wrote(&self, secret: &str) {
        assert!(
            !self.written.contains(secret),
            "a password from the scope file is in the scan's output"
        );
    }
}

/// Sixteen random hex digits and a suffix: a password no default list has.
fn random_password() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 8];
    ring::rand::SystemRandom::new().fill(&mut bytes).unwrap();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}-Kq7")
}

/// The full path of `program` (sshd re-executes itself and wants one).
fn program_path(program: &str) -> String {
    let out = Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn run_ok(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

// --- mosquitto ---------------------------------------------------------

/// mosquitto on `ip`: with a password file holding `account`, anonymous
/// access off; without one, anyone in.
fn mosquitto(dir: &TestDir, ip: &str, account: Option<(&str, &str)>) -> (Server, u16) {
    let port = free_port(ip);
    let mut conf = format!("user root\npersistence false\nlistener {port} {ip}\n");
    match account {
        Some((user, password)) => {
            let file = dir.path("mosquitto.passwd");
            run_ok(
                Command::new("mosquitto_passwd")
                    .args(["-c", "-b"])
                    .arg(&file)
                    .args([user, password]),
            );
            conf.push_str(&format!(
                "allow_anonymous false\npassword_file {}\n",
                file.display()
            ));
        }
        None => conf.push_str("allow_anonymous true\n"),
    }
    let conf = dir.write("mosquitto.conf", &conf);
    let server = spawn(
        Command::new("mosquitto").arg("-c").arg(&conf),
        addr(ip, port),
    );
    (server, port)
}

fn mosquitto_installed() -> bool {
    available("mosquitto") && available("mosquitto_passwd")
}

#[test]
fn mosquitto_with_admin_admin_is_reported() {
    if !mosquitto_installed() {
        return;
    }
    let (ip, dir) = ("127.0.0.160", TestDir::new("creds-mqtt-default"));
    let (_server, port) = mosquitto(&dir, ip, Some(("admin", "admin")));
    let s = scan_with_defaults(&dir, ip, &[port], &[]);
    s.assert_default_credential(
        ip,
        port,
        "generic-admin-admin",
        Some("admin"),
        "mqtt",
        "login-mqtt",
    );
    // The anonymous CONNECT is still refused (5), so no anonymous finding.
    assert!(!s.rules().contains(&"mqtt-anonymous-access".to_string()));
}

#[test]
fn mosquitto_with_a_changed_password_is_not_reported() {
    if !mosquitto_installed() {
        return;
    }
    let (ip, dir) = ("127.0.0.161", TestDir::new("creds-mqtt-changed"));
    let password = random_password();
    let (_server, port) = mosquitto(&dir, ip, Some(("admin", &password)));
    let s = scan_with_defaults(&dir, ip, &[port], &[]);
    s.assert_tried_without_default_credential(port, "login-mqtt");
    assert!(s.rules().is_empty(), "{:?}", s.rules());
}

/// A broker that admits anonymous clients also lets any password in: it
/// is reported as open to anyone, and no login is spent on it.
#[test]
fn mosquitto_letting_anyone_in_gets_no_default_credential_finding() {
    if !available("mosquitto") {
        return;
    }
    let (ip, dir) = ("127.0.0.162", TestDir::new("creds-mqtt-anyone"));
    let (_server, port) = mosquitto(&dir, ip, None);
    let s = scan_with_defaults(&dir, ip, &[port], &[]);
    assert!(
        s.finding("default-credentials", port).is_none(),
        "{:?}",
        s.rules()
    );
    let open = s
        .finding("mqtt-anonymous-access", port)
        .unwrap_or_else(|| panic!("{:?}", s.rules()));
    assert_eq!(open["category"], "unauthenticated-access", "{open}");
    assert!(s.logins(port).is_empty(), "{:?}", s.logins(port));
    assert!(
        s.facts(port)["cred.skipped"]
            .as_str()
            .is_some_and(|r| r.contains("anonymous")),
        "{}",
        s.facts(port)
    );
}

/// A console that lets `admin` in with any password: the control login
/// (a random wrong password) gets in, so admin/admin proves nothing about a
/// default account; the finding is that it checks no password at all.
#[test]
fn telnet_console_letting_any_password_in_gets_no_default_credential_finding() {
    if !telnetd_installed() {
        return;
    }
    let (ip, dir) = ("127.0.0.173", TestDir::new("creds-telnet-anyone"));
    let (_server, port) = telnetd(&dir, ip, "admin", "*");
    let s = scan_with_defaults(&dir, ip, &[port], &[]);
    s.assert_tried_without_default_credential(port, "login-telnet");
    let any = s
        .finding("login-accepts-any-password", port)
        .unwrap_or_else(|| panic!("{:?}", s.rules()));
    assert_eq!(any["category"], "unauthenticated-access", "{any}");
    assert_eq!(s.facts(port)["cred.accepts_any"], true);
}

// --- lighttpd ----------------------------------------------------------

/// lighttpd on `ip` with "/" behind Basic (or Digest) for one account.
fn lighttpd(dir: &TestDir, ip: &str, digest: bool, user: &str, password: &str) -> (Server, u16) {
    let port = free_port(ip);
    std::fs::create_dir_all(dir.path("www")).unwrap();
    dir.write("www/index.html", "<title>kade-gw</title>\n");
    let realm = "kade-gw";
    let (backend, method, line) = if digest {
        // htdigest's format: user:realm:MD5(user:realm:password).
        let ha1 = md5_hex(&format!("{user}:{realm}:{password}"));
        ("htdigest", "digest", format!("{user}:{realm}:{ha1}\n"))
    } else {
        ("plain", "basic", format!("{user}:{password}\n"))
    };
    dir.write("users", &line);
    let conf = config(
        dir,
        "lighttpd-auth.conf",
        ip,
        port,
        &[("BACKEND", backend), ("METHOD", method)],
    );
    let server = spawn(
        Command::new("lighttpd").arg("-D").arg("-f").arg(&conf),
        addr(ip, port),
    );
    (server, port)
}

/// MD5 in hex, by coreutils' md5sum (the test crate has no MD5 of its own).
fn md5_hex(text: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("md5sum")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("md5sum runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    String::from_utf8(out.stdout).unwrap()[..32].to_string()
}

#[test]
fn lighttpd_basic_with_admin_admin_is_reported() {
    if !available("lighttpd") {
        return;
    }
    let (ip, dir) = ("127.0.0.150", TestDir::new("creds-basic-default"));
    let (_server, port) = lighttpd(&dir, ip, false, "admin", "admin");
    let s = scan_with_defaults(&dir, ip, &[port], &[]);
    assert_eq!(s.facts(port)["http.auth_scheme"], "basic");
    s.assert_default_credential(
        ip,
        port,
        "generic-admin-admin",
        Some("admin"),
        "http-auth",
        "login-http",
    );
    assert!(s.rules().contains(&"http-basic-auth-cleartext".to_string()));
}

#[test]
fn lighttpd_basic_with_a_changed_password_is_not_reported() {
    if !available("lighttpd") {
        return;
    }
    let (ip, dir) = ("127.0.0.151", TestDir::new("creds-basic-changed"));
    let (_server, port) = lighttpd(&dir, ip, false, "admin", &random_password());
    let s = scan_with_defaults(&dir, ip, &[port], &[]);
    s.assert_tried_without_default_credential(port, "login-http");
    assert_eq!(s.rules(), vec!["http-basic-auth-cleartext"]);
}

#[test]
fn lighttpd_digest_with_admin_admin_is_reported() {
    if !available("lighttpd") || !available("md5sum") {
        return;
    }
    let (ip, dir) = ("127.0.0.152", TestDir::new("creds-digest-default"));
    let (_server, port) = lighttpd(&dir, ip, true, "admin", "admin");
    let s = scan_with_defaults(&dir, ip, &[port], &[]);
    assert_eq!(s.facts(port)["http.auth_scheme"], "digest");
    s.assert_default_credential(
        ip,
        port,
        "generic-admin-admin",
        Some("admin"),
        "http-auth",
        "login-http",
    );
}

#[test]
fn lighttpd_digest_with_a_changed_password_is_not_reported() {
    if !available("lighttpd") || !available("md5sum") {
        return;
    }
    let (ip, dir) = ("127.0.0.153", TestDir::new("creds-digest-changed"));
    let (_server, port) = lighttpd(&dir, ip, true, "admin", &random_password());
    let s = scan_with_defaults(&dir, ip, &[port], &[]);
    s.assert_tried_without_default_credential(port, "login-http");
    assert!(s.rules().is_empty(), "{:?}", s.rules());
}

#[test]
fn without_a_credentials_section_no_login_is_tried() {
    if !available("lighttpd") {
        return;
    }
    let (ip, dir) = ("127.0.0.154", TestDir::new("creds-off"));
    let (_server, port) = lighttpd(&dir, ip, false, "admin", "admin");
    let s = scan(&dir, "run", ip, &[port], &[], "");
    assert!(s.logins(port).is_empty(), "{:?}", s.logins(port));
    assert_eq!(s.rules(), vec!["http-basic-auth-cleartext"]);
    assert!(s.facts(port).get("cred.default_id").is_none());
}

#[test]
fn the_attempt_budget_holds_across_runs_and_keeps_the_old_verification() {
    if !available("lighttpd") {
        return;
    }
    let (ip, dir) = ("127.0.0.155", TestDir::new("creds-budget"));
    let (_server, port) = lighttpd(&dir, ip, false, "admin", "admin");
    let creds = credentials(2, "budget.sqlite", "");

    // Run 1: the control login and admin/admin use both attempts of the
    // account admin.
    let first = scan(&dir, "run1", ip, &[port], &[], &creds);
    let facts = first
        .assert_default_credential(
            ip,
            port,
            "generic-admin-admin",
            Some("admin"),
            "http-auth",
            "login-http",
        )
        .clone();
    assert_eq!(facts["cred.attempts"], 2, "{facts}");
    assert!(dir.path("budget.sqlite").exists(), "the budget is on disk");
    // The two logins are `delay_ms` (200) apart at least: the second starts
    // no sooner than 200 ms after the first ended.
    let mut spans: Vec<(i64, i64)> = first
        .logins(port)
        .iter()
        .map(|l| {
            let t = l["time"].as_str().unwrap();
            let ms = |a: usize, b: usize| t[a..b].parse::<i64>().unwrap();
            let start = ((ms(11, 13) * 60 + ms(14, 16)) * 60 + ms(17, 19)) * 1000 + ms(20, 23);
            (start, start + l["duration_ms"].as_i64().unwrap())
        })
        .collect();
    spans.sort();
    // A Digest or Basic login may use two connections; the delay is
    // between attempts, so look at the largest gap.
    let gap = spans.windows(2).map(|w| w[1].0 - w[0].1).max().unwrap();
    assert!(gap >= 195, "logins {gap} ms apart: {spans:?}");

    // Run 2, right after: not one login, and the finding from run 1 stands.
    let second = scan(&dir, "run2", ip, &[port], &[], &creds);
    assert!(second.logins(port).is_empty(), "{:?}", second.logins(port));
    let f = second
        .finding("default-credentials", port)
        .unwrap_or_else(|| panic!("{:?}", second.rules()));
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("generic-admin-admin")
    );
    let again = second.facts(port);
    assert_eq!(again["cred.default_id"], "generic-admin-admin", "{again}");
    assert_eq!(again["cred.account"], "admin", "{again}");
    assert_eq!(again["cred.retested"], false, "{again}");
    assert_eq!(again["cred.verified_at"], facts["cred.verified_at"]);
    assert_eq!(again["cred.attempts"], 0, "{again}");
}

// --- vsftpd ------------------------------------------------------------

/// vsftpd on `ip`, anonymous login on or off; every named account is
/// refused (a user list with only the anonymous names, or none).
fn vsftpd(dir: &TestDir, ip: &str, anonymous: bool) -> (Server, u16) {
    let port = free_port(ip);
    for d in ["ftp-root", "ftp-empty"] {
        std::fs::create_dir_all(dir.path(d)).unwrap();
    }
    dir.write("ftp-root/README", "kade-gw firmware notes\n");
    let (anonymous, users) = if anonymous {
        ("YES", "anonymous\nftp\n")
    } else {
        ("NO", "")
    };
    dir.write("ftp-users", users);
    let conf = config(dir, "vsftpd.conf", ip, port, &[("ANONYMOUS", anonymous)]);
    let server = spawn(Command::new("vsftpd").arg(&conf), addr(ip, port));
    (server, port)
}

#[test]
fn vsftpd_with_anonymous_login_is_reported_and_no_account_is_guessed() {
    if !available("vsftpd") {
        return;
    }
    let (ip, dir) = ("127.0.0.165", TestDir::new("creds-ftp-anon"));
    let (_server, port) = vsftpd(&dir, ip, true);
    let s = scan_with_defaults(&dir, ip, &[port], &[]);
    assert_eq!(s.facts(port)["ftp.anonymous"], true);
    assert!(
        s.finding("ftp-anonymous-login", port).is_some(),
        "{:?}",
        s.rules()
    );
    // admin and root get "530 Permission denied" (not in the user list).
    s.assert_tried_without_default_credential(port, "login-ftp");
    assert!(s.finding("login-accepts-any-password", port).is_none());
}

#[test]
fn vsftpd_without_anonymous_login_is_not_reported() {
    if !available("vsftpd") {
        return;
    }
    let (ip, dir) = ("127.0.0.166", TestDir::new("creds-ftp-closed"));
    let (_server, port) = vsftpd(&dir, ip, false);
    let s = scan_with_defaults(&dir, ip, &[port], &[]);
    assert_eq!(s.facts(port)["ftp.anonymous"], false);
    s.assert_tried_without_default_credential(port, "login-ftp");
    assert_eq!(s.rules(), vec!["ftp-cleartext-login"]);
}

// --- busybox telnetd ---------------------------------------------------

/// Debian's `busybox` has no telnetd applet; `busybox-static` has.
fn telnetd_installed() -> bool {
    if !available("busybox") {
        return false;
    }
    let list = Command::new("busybox").arg("--list").output().unwrap();
    if String::from_utf8_lossy(&list.stdout)
        .lines()
        .any(|l| l == "telnetd")
    {
        return true;
    }
    if std::env::var_os(SKIP).is_none() {
        panic!(
            "this busybox has no telnetd: install busybox-static (.ci/test does), or set {SKIP}=1 \
             to skip the real-server tests"
        );
    }
    eprintln!("skipping: busybox has no telnetd and {SKIP} is set");
    false
}

/// busybox telnetd on `ip` running tests/servers/telnet_login.sh, which
/// lets in `user` with `password` only.
fn telnetd(dir: &TestDir, ip: &str, user: &str, password: &str) -> (Server, u16) {
    let port = free_port(ip);
    let login = dir.path("telnet_login.sh");
    std::fs::copy(
        format!(
            "{}/tests/servers/telnet_login.sh",
            env!("CARGO_MANIFEST_DIR")
        ),
        &login,
    )
    .unwrap();
    let mut perms = std::fs::metadata(&login).unwrap().permissions();
    std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
    std::fs::set_permissions(&login, perms).unwrap();
    let issue = dir.write("issue", "kade-gw 2.1 console\n");
    let server = spawn(
        Command::new("busybox")
            .arg("telnetd")
            .arg("-F")
            .args(["-p", &port.to_string(), "-b", ip])
            .arg("-f")
            .arg(&issue)
            .arg("-l")
            .arg(&login)
            .env("STADSCAN_LOGIN_USER", user)
            .env("STADSCAN_LOGIN_PASSWORD", password),
        addr(ip, port),
    );
    (server, port)
}

#[test]
fn telnet_console_with_admin_admin_is_reported() {
    if !telnetd_installed() {
        return;
    }
    let (ip, dir) = ("127.0.0.170", TestDir::new("creds-telnet-admin"));
    let (_server, port) = telnetd(&dir, ip, "admin", "admin");
    let s = scan_with_defaults(&dir, ip, &[port], &[]);
    s.assert_default_credential(
        ip,
        port,
        "generic-admin-admin",
        Some("admin"),
        "telnet",
        "login-telnet",
    );
}

#[test]
fn telnet_console_with_root_root_is_reported() {
    if !telnetd_installed() {
        return;
    }
    let (ip, dir) = ("127.0.0.171", TestDir::new("creds-telnet-root"));
    let (_server, port) = telnetd(&dir, ip, "root", "root");
    let s = scan_with_defaults(&dir, ip, &[port], &[]);
    s.assert_default_credential(
        ip,
        port,
        "generic-root-root",
        Some("root"),
        "telnet",
        "login-telnet",
    );
}

#[test]
fn telnet_console_with_a_changed_password_is_not_reported() {
    if !telnetd_installed() {
        return;
    }
    let (ip, dir) = ("127.0.0.172", TestDir::new("creds-telnet-changed"));
    let (_server, port) = telnetd(&dir, ip, "admin", &random_password());
    let s = scan_with_defaults(&dir, ip, &[port], &[]);
    s.assert_tried_without_default_credential(port, "login-telnet");
    assert_eq!(s.rules(), vec!["telnet-cleartext-login"]);
}

// --- snmpd -------------------------------------------------------------

fn snmpd_usable() -> bool {
    available("snmpd") && root_for("snmpd on udp/161")
}

#[test]
fn snmpd_answering_public_and_private_gets_both_findings() {
    if !snmpd_usable() {
        return;
    }
    let (ip, dir) = ("127.0.0.176", TestDir::new("creds-snmp-both"));
    let _server = snmpd(&dir, ip, "kade-gw 2.1 (Net-SNMP)", &["public", "private"]);
    let s = scan_with_defaults(&dir, ip, &[], &[161]);
    assert_eq!(s.facts(161)["snmp.sys_name"], "kade-gw");
    assert!(
        s.finding("snmp-public-community", 161).is_some(),
        "{:?}",
        s.rules()
    );
    s.assert_default_credential(ip, 161, "generic-snmp-private", None, "snmp", "login-snmp");
}

/// An agent that answers no community stadscan knows is invisible to a
/// scan (SNMP is found by asking with `public`; communities are not sprayed
/// at every address). So the "changed" case is an agent that still answers
/// `public` (reported as such) but whose second community is no longer the
/// default `private`: it is tried, refused, and not reported.
#[test]
fn snmpd_with_a_changed_community_is_not_reported() {
    if !snmpd_usable() {
        return;
    }
    let (ip, dir) = ("127.0.0.177", TestDir::new("creds-snmp-changed"));
    let community = random_password();
    let _server = snmpd(&dir, ip, "kade-gw 2.1 (Net-SNMP)", &["public", &community]);
    let s = scan_with_defaults(&dir, ip, &[], &[161]);
    assert!(
        s.finding("default-credentials", 161).is_none(),
        "{:?}",
        s.rules()
    );
    assert!(
        s.rules().iter().any(|r| r == "snmp-public-community"),
        "{:?}",
        s.rules()
    );
    let logins = s.logins(161);
    assert!(!logins.is_empty(), "no login-snmp line in the audit trail");
    assert!(
        logins.iter().all(|l| l["probe"] == "login-snmp"),
        "{logins:?}"
    );
}

// --- OpenSSH -----------------------------------------------------------

const SSH_ACCOUNT: &str = "stadscan-ci";

/// The throw-away account `stadscan-ci` (no home, /bin/false) with
/// `password`; locked again on drop.
struct SshAccount;

impl SshAccount {
    fn with_password(password: &str) -> SshAccount {
        let exists = Command::new("id")
            .arg(SSH_ACCOUNT)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !exists {
            run_ok(Command::new("useradd").args(["-M", "-s", "/bin/false", SSH_ACCOUNT]));
        }
        if let Err(e) = set_password(password) {
            panic!("chpasswd for {SSH_ACCOUNT}: {e}");
        }
        SshAccount
    }
}

/// Sets the account's password with chpasswd; returns chpasswd's error.
fn set_password(password: &str) -> Result<(), String> {
    use std::io::Write;
    let mut child = Command::new("chpasswd")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let mut stdin = child.stdin.take().unwrap();
    let written = stdin.write_all(format!("{SSH_ACCOUNT}:{password}\n").as_bytes());
    drop(stdin);
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    written.map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

impl Drop for SshAccount {
    fn drop(&mut self) {
        // A fresh random password nobody knows: the account is useless
        // until the next run sets its own. Nothing to do if that fails
        // (panicking in a drop would abort the test run).
        if let Err(e) = set_password(&random_password()) {
            eprintln!("could not reset the password of {SSH_ACCOUNT}: {e}");
        }
    }
}

/// sshd on `ip` with its own host key and tests/servers/sshd_config.
fn sshd(dir: &TestDir, ip: &str) -> (Server, u16) {
    std::fs::create_dir_all("/run/sshd").expect("sshd's privilege separation folder /run/sshd");
    let key = dir.path("ssh_host_ed25519_key");
    run_ok(
        Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(&key),
    );
    let port = free_port(ip);
    let conf = config(dir, "sshd_config", ip, port, &[]);
    let server = spawn(
        Command::new(program_path("sshd"))
            .arg("-f")
            .arg(&conf)
            .args(["-D", "-e"]),
        addr(ip, port),
    );
    (server, port)
}

#[test]
fn sshd_with_the_citys_own_account_is_reported_without_its_password() {
    if !available("sshd")
        || !available("ssh-keygen")
        || !available("useradd")
        || !available("chpasswd")
        || !root_for("the SSH test (it makes the account stadscan-ci with useradd and chpasswd)")
    {
        return;
    }
    let (ip, dir) = ("127.0.0.180", TestDir::new("creds-ssh"));
    let password = random_password();
    let _account = SshAccount::with_password(&password);
    let (_server, port) = sshd(&dir, ip);

    // The right password, in the scope's own entry.
    let right = credentials(
        3,
        "budget-right.sqlite",
        &ssh_account("ci-ssh-account", SSH_ACCOUNT, &password),
    );
    let s = scan(&dir, "right", ip, &[port], &[], &right);
    s.assert_default_credential(
        ip,
        port,
        "ci-ssh-account",
        Some(SSH_ACCOUNT),
        "ssh",
        "login-ssh",
    );
    s.assert_never_wrote(&password);

    // A wrong one: the account is tried, and nothing is found.
    let wrong_password = random_password();
    let wrong = credentials(
        3,
        "budget-wrong.sqlite",
        &ssh_account("ci-ssh-account", SSH_ACCOUNT, &wrong_password),
    );
    let s = scan(&dir, "wrong", ip, &[port], &[], &wrong);
    s.assert_tried_without_default_credential(port, "login-ssh");
    s.assert_never_wrote(&password);
    s.assert_never_wrote(&wrong_password);
}
