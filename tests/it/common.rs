//! Helpers shared by the integration tests: temporary folders, running the
//! real binary, starting a lab on a test's own 127.x.y.0/24.
#![allow(dead_code, reason = "each test binary uses a different subset")]

pub mod servers;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use serde_json::Value;
use stadscan_lab::{LAB_CA_PEM, Lab, LabConfig};

/// A folder under the system temp dir, removed on drop.
pub struct TestDir(pub PathBuf);

impl TestDir {
    pub fn new(name: &str) -> TestDir {
        let p = std::env::temp_dir().join(format!("stadscan-it-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TestDir(p)
    }
    pub fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
    pub fn write(&self, rel: &str, text: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::write(&p, text).unwrap();
        p
    }
}

impl Drop for TestDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_stadscan")
}

/// Runs the binary with `args` (blocking); returns its output and wall time.
pub fn run(args: &[&str]) -> (Output, Duration) {
    // `stadscan demo` binds the demo city's fixed addresses: the tests that
    // run it (in any module of this binary) take turns.
    let _demo = (args.first() == Some(&"demo")).then(|| {
        fixed_addresses();
        DEMO.lock().unwrap_or_else(|e| e.into_inner())
    });
    let start = Instant::now();
    let out = std::process::Command::new(bin())
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("the stadscan binary runs");
    (out, start.elapsed())
}

static DEMO: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Labs and the demo bind fixed loopback addresses (the demo's are in the
/// snapshots). Two checkouts running these tests on one machine at the same
/// moment would take them from each other (`AddrInUse`), so the first test
/// of this process that binds one waits for a machine-wide lock and keeps
/// it until the process ends: a second test run waits instead of failing.
/// Within this process the tests keep running side by side (their labs use
/// different addresses).
pub fn fixed_addresses() {
    static HELD: std::sync::OnceLock<std::fs::File> = std::sync::OnceLock::new();
    HELD.get_or_init(|| {
        let path = std::env::temp_dir().join("stadscan-it-fixed-addresses.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if file.try_lock().is_err() {
            eprintln!(
                "another test run on this machine holds the lab addresses; waiting for it ({})",
                path.display()
            );
            file.lock()
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        file
    });
}
/// [`run`], asserting exit code 0 (the message is the command's stderr).
pub fn run_succeeds(args: &[&str]) -> Output {
    let (out, _) = run(args);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Same as [`run`], off the async runtime (the lab keeps serving meanwhile).
pub async fn run_async(args: Vec<String>) -> (Output, Duration) {
    tokio::task::spawn_blocking(move || {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&refs)
    })
    .await
    .unwrap()
}

/// Scans whose timeouts and rates are asserted run one at a time: a scan
/// competing for the cores with another one could see timeouts that are
/// not its own.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Runs the binary (as [`run_async`]), asserts exit 0 (the message names
/// the run and carries its stderr) and logs the wall time.
pub async fn run_ok(name: &str, args: Vec<String>) {
    let (out, wall) = run_async(args).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{name}: {wall:?}");
}

/// Scans `scope` with `--json`; asserts exit 0; returns the report and the wall time.
pub async fn scan_json(dir: &TestDir, scope: &Path) -> (Value, Duration) {
    let json = dir.path("out.json");
    let (out, wall) = run_async(vec![
        "scan".into(),
        "--scope".into(),
        scope.display().to_string(),
        "--json".into(),
        json.display().to_string(),
    ])
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (read_json(&json), wall)
}

pub fn read_json(p: &Path) -> Value {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// A lab on `127.a.b.0/24` with OS-chosen ports, and a scope file for it.
pub struct LabSetup {
    pub lab: Lab,
    pub dir: TestDir,
    pub scope: PathBuf,
}

pub async fn lab(name: &str, a: u8, b: u8, hostile: bool, timeout_ms: u64) -> LabSetup {
    fixed_addresses();
    let lab = Lab::start(LabConfig {
        prefix: [127, a, b],
        fixed_ports: false,
        hostile,
    })
    .await
    .expect("lab starts");
    let dir = TestDir::new(name);
    dir.write("lab-ca.pem", LAB_CA_PEM);
    let text = lab
        .scope_toml(name, "lab-ca.pem", timeout_ms)
        .replace("[rate]\n", "[rate]\nper_second = 20000\n");
    let scope = dir.write("scope.toml", &text);
    LabSetup { lab, dir, scope }
}

impl LabSetup {
    /// Scans the lab; returns (output, sarif, json).
    pub async fn scan(&self, extra: &[&str]) -> (Output, Value, Value) {
        let sarif = self.dir.path("out.sarif");
        let json = self.dir.path("out.json");
        let mut args: Vec<String> = vec![
            "scan".into(),
            "--scope".into(),
            self.scope.display().to_string(),
            "--sarif".into(),
            sarif.display().to_string(),
            "--json".into(),
            json.display().to_string(),
            "--source-root".into(),
            self.dir.0.display().to_string(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let (out, _) = run_async(args).await;
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "scan failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out, read_json(&sarif), read_json(&json))
    }
}

/// (rule id, host, port) of every SARIF result.
pub fn result_keys(sarif: &Value) -> Vec<(String, String, u64)> {
    let mut v: Vec<_> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_string(),
                r["properties"]["host"].as_str().unwrap().to_string(),
                r["properties"]["port"].as_u64().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// The OASIS SARIF 2.1.0 schema, kept unchanged in the repository (a clone
/// anywhere validates; `SARIF_SCHEMA` names another copy).
pub fn sarif_schema() -> Value {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sarif/sarif-schema-2.1.0.json");
    let p = std::env::var_os("SARIF_SCHEMA")
        .map(PathBuf::from)
        .unwrap_or(p);
    read_json(&p)
}

/// Validates `doc` against the OASIS SARIF 2.1.0 schema; returns the errors.
pub fn schema_errors(doc: &Value) -> Vec<String> {
    let schema = sarif_schema();
    let validator = jsonschema::draft7::new(&schema).expect("the SARIF schema compiles");
    validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect()
}

/// Compares `actual` with tests/snapshots/NAME; UPDATE_SNAPSHOTS=1 rewrites it.
#[allow(dead_code)]
pub fn snapshot(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(name);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {}: run with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    assert_eq!(
        actual, expected,
        "{name} changed; if intended, rerun with UPDATE_SNAPSHOTS=1"
    );
}

/// The endpoints of a JSON report's observations, as "addr:port".
pub fn open_ports(report: &Value) -> std::collections::BTreeSet<String> {
    report["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .flat_map(|a| a["observations"].as_array().expect("observations").iter())
        .map(|o| {
            format!(
                "{}:{}",
                o["endpoint"]["addr"].as_str().unwrap(),
                o["endpoint"]["port"]
            )
        })
        .collect()
}

/// The messages of a JSON report's notes.
pub fn notes(report: &Value) -> Vec<String> {
    report["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["message"].as_str().unwrap().to_string())
        .collect()
}

/// A listener on `addr` that the test holds. A silent one has a backlog of
/// one, filled by two connections kept in `queued`, so the kernel drops
/// every further SYN (as for an address behind a firewall that drops).
pub fn listener(
    addr: std::net::SocketAddr,
    silent: bool,
    queued: &mut Vec<std::net::TcpStream>,
) -> std::net::TcpListener {
    let s = socket2::Socket::new(
        socket2::Domain::for_address(addr),
        socket2::Type::STREAM,
        None,
    )
    .expect("socket");
    s.bind(&addr.into()).expect("bind on loopback");
    s.listen(if silent { 1 } else { 64 }).expect("listen");
    if silent {
        for _ in 0..2 {
            queued.push(std::net::TcpStream::connect(addr).expect("fill the backlog"));
        }
    }
    s.into()
}

/// A JSON-lines file (the audit trail), one value per line.
pub fn read_jsonl(p: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{}: {e}: {l}", p.display())))
        .collect()
}

/// Waits until a UDP server holds `addr` (binding it ourselves fails), or
/// panics when `child` exits first or nothing binds within five seconds.
pub fn wait_udp_bound(addr: std::net::SocketAddr, child: &mut std::process::Child) {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        match std::net::UdpSocket::bind(addr) {
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => return,
            Err(e) => panic!("cannot check udp {addr}: {e}"),
            Ok(_) => {}
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("server exited early with {status}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("nothing bound udp {addr}");
}

/// util-linux's `setpriv`, which runs a program with fewer capabilities.
pub fn setpriv() -> bool {
    std::process::Command::new("setpriv")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs the scanner with CAP_NET_RAW dropped (put before its arguments).
pub const WITHOUT_RAW: &[&str] = &[
    "setpriv",
    "--bounding-set=-net_raw",
    "--inh-caps=-net_raw",
    "--",
];

/// A scan's JSON report and audit trail.
pub struct Scanned {
    pub report: Value,
    pub audit: Vec<Value>,
}

/// Runs `scan -q --scope scope --json .. --audit ..` plus `extra`, behind
/// `wrapper` (a command that runs the scanner, such as [`WITHOUT_RAW`], or
/// nothing); asserts exit 0 (the message names `name` and carries stderr).
pub async fn scan_audited(
    dir: &TestDir,
    name: &str,
    scope: &Path,
    extra: &[&str],
    wrapper: &[&str],
) -> Scanned {
    let json = dir.path(&format!("{name}.json"));
    let audit = dir.path(&format!("{name}.audit"));
    let mut cmd = match wrapper.split_first() {
        Some((program, args)) => {
            let mut c = std::process::Command::new(program);
            c.args(args).arg(bin());
            c
        }
        None => std::process::Command::new(bin()),
    };
    cmd.args(["scan", "-q", "--scope"])
        .arg(scope)
        .arg("--json")
        .arg(&json)
        .arg("--audit")
        .arg(&audit)
        .args(extra)
        .env_remove("RUST_LOG");
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("the scanner runs"))
        .await
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Scanned {
        report: read_json(&json),
        audit: read_jsonl(&audit),
    }
}
