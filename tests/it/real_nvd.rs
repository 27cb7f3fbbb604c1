//! The two devices of the NVD issue, end to end against real third-party
//! servers on 127.0.0.231–234: an Econolite traffic controller announcing
//! its EOS version in Net-SNMP's snmpd sysDescr, and a Hikvision camera
//! (lighttpd with the `App-webs/` Server header, the factory account, and
//! ISAPI deviceInfo behind the login). Each is scanned with an NVD index
//! built by `stadscan nvd import` from the fixtures in tests/data/nvd.
//!
//! `.ci/test` installs snmpd and lighttpd; snmpd binds udp/161, so that
//! test needs root. Without them the tests fail, unless
//! STADSCAN_SKIP_REAL_SERVERS=1 says to skip them on purpose.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::servers::{addr, available, config, free_port, root_for, snmpd, spawn};
use common::{TestDir, read_json, run_succeeds, schema_errors};
use serde_json::Value;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/nvd")
        .join(name)
        .display()
        .to_string()
}

/// `stadscan nvd import` of `feeds` (and the KEV fixture) into `db`.
fn import(db: &Path, feeds: &[&str]) {
    let db = db.display().to_string();
    let kev = fixture("kev.json");
    let mut args = vec!["nvd", "import", "--db", &db, "--kev", &kev];
    args.extend_from_slice(feeds);
    run_succeeds(&args);
}

struct Scan {
    json: Value,
    sarif: Value,
}

impl Scan {
    fn findings(&self, rule: &str) -> Vec<&Value> {
        self.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["check_id"] == rule)
            .collect()
    }

    fn asset(&self, ip: &str) -> &Value {
        self.json["assets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["addr"] == ip)
            .unwrap_or_else(|| panic!("no asset {ip}: {}", self.json["assets"]))
    }

    fn fingerprint(&self, rule: &str) -> String {
        let r = self.sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == rule)
            .unwrap_or_else(|| panic!("no SARIF result of {rule}"));
        r["partialFingerprints"]["stadscanFinding/v1"]
            .as_str()
            .unwrap()
            .to_string()
    }
}

/// Scans with `scope` (TOML text) and `extra` arguments; asserts exit 0 and
/// a schema-valid SARIF.
fn scan(dir: &TestDir, name: &str, scope: &str, extra: &[&str]) -> Scan {
    let scope = dir.write(&format!("{name}.toml"), scope);
    let (json, sarif) = (
        dir.path(&format!("{name}.json")),
        dir.path(&format!("{name}.sarif")),
    );
    let mut args = vec![
        "scan",
        "--scope",
        scope.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
        "--sarif",
        sarif.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run_succeeds(&args);
    let sarif = read_json(&sarif);
    let errors = schema_errors(&sarif);
    assert!(errors.is_empty(), "{errors:?}");
    Scan {
        json: read_json(&json),
        sarif,
    }
}

fn evidence<'a>(f: &'a Value, key: &str) -> &'a str {
    f["evidence"][key]
        .as_str()
        .unwrap_or_else(|| panic!("no evidence {key}: {f}"))
}

/// The 2023 fixture feed with only CVE-2023-0451 in it (the NVD before the
/// second CVE was published).
fn first_eos_cve_only(dir: &TestDir) -> PathBuf {
    use std::io::Read;
    let bytes = std::fs::read(fixture("nvdcve-2.0-2023.json.gz")).unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&bytes[..])
        .read_to_string(&mut text)
        .unwrap();
    let mut feed: Value = serde_json::from_str(&text).unwrap();
    feed["vulnerabilities"]
        .as_array_mut()
        .unwrap()
        .retain(|v| v["cve"]["id"] == "CVE-2023-0451");
    dir.write("nvdcve-2.0-early.json", &feed.to_string())
}

#[test]
fn econolite_controller_announcing_eos_over_snmp_gets_its_cves_grouped() {
    if !available("snmpd") || !root_for("snmpd on udp/161") {
        return;
    }
    let dir = TestDir::new("nvd-econolite");
    let (old, fixed) = ("127.0.0.231", "127.0.0.232");
    let old_dir = TestDir::new("nvd-econolite-old");
    let fixed_dir = TestDir::new("nvd-econolite-fixed");
    let _old = snmpd(
        &old_dir,
        old,
        "Econolite Cobalt ATC controller, EOS v3.2.18",
        &["public"],
    );
    let _fixed = snmpd(
        &fixed_dir,
        fixed,
        "Econolite Cobalt ATC controller, EOS v3.2.23",
        &["public"],
    );
    let db = dir.path("nvd.sqlite");
    let scope = |floor: &str| {
        format!(
            "name = \"traffic\"\n[[networks]]\ncidr = \"{old}/32\"\n[[networks]]\ncidr = \"{fixed}/32\"\n\
             [ports]\ntcp = []\nudp = [161]\n[rate]\ntimeout_ms = 3000\n[knowledge]\n\
             nvd_db = \"nvd.sqlite\"\n{floor}"
        )
    };

    // The NVD as it was before CVE-2023-0452: one CVE.
    import(&db, &[first_eos_cve_only(&dir).to_str().unwrap()]);
    let early = scan(&dir, "early", &scope(""), &[]);
    let f = early.findings("nvd-known-vulnerabilities");
    assert_eq!(f.len(), 1, "{}", early.json["findings"]);
    assert_eq!(evidence(f[0], "cves"), "CVE-2023-0451");

    // Now with the full feed: both CVEs in the same one result.
    import(&db, &[&fixture("nvdcve-2.0-2023.json.gz")]);
    let s = scan(&dir, "full", &scope(""), &[]);
    let asset = s.asset(old);
    assert_eq!(
        (
            &asset["vendor"],
            &asset["model"],
            &asset["firmware"],
            &asset["class"]
        ),
        (
            &Value::from("Econolite"),
            &Value::from("Cobalt"),
            &Value::from("3.2.18"),
            &Value::from("traffic-controller")
        )
    );
    assert_eq!(
        asset["cpes"][0]["cpe"],
        "cpe:2.3:a:econolite:eos:3.2.18:*:*:*:*:*:*:*"
    );
    let f = s.findings("nvd-known-vulnerabilities");
    assert_eq!(
        f.len(),
        1,
        "one result for the device: {}",
        s.json["findings"]
    );
    let f = f[0];
    assert_eq!(f["endpoint"]["addr"], old);
    assert_eq!(f["category"], "outdated-firmware");
    assert_eq!(f["severity"], "critical", "CVSS 9.8");
    assert_eq!(evidence(f, "cves"), "CVE-2023-0452, CVE-2023-0451");
    assert_eq!(evidence(f, "max_cvss"), "9.8");
    assert!(
        evidence(f, "matched_cpe").contains("cpe:2.3:a:econolite:eos:*:*:*:*:*:*:*:* (< 3.2.23)")
    );
    assert!(
        evidence(f, "cvss")
            .contains("CVE-2023-0451 7.5 (CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N)")
    );
    let message = f["message"].as_str().unwrap();
    assert!(
        message.contains("Econolite Cobalt firmware 3.2.18 on 127.0.0.231:161/udp has 2 known vulnerabilities in the NVD, 0 exploited"),
        "{message}"
    );
    assert_eq!(
        f["confidence"], "high",
        "a high-confidence fingerprint and a full version"
    );
    // The list grew; the alert is the same alert.
    assert_eq!(
        early.fingerprint("nvd-known-vulnerabilities"),
        s.fingerprint("nvd-known-vulnerabilities")
    );
    // The fixed controller is identified, and has no NVD finding.
    assert_eq!(s.asset(fixed)["firmware"], "3.2.23");
    assert!(
        s.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["endpoint"]["addr"] != fixed
                || !f["check_id"].as_str().unwrap().starts_with("nvd-")),
        "{}",
        s.json["findings"]
    );

    // A CVSS floor of 9.0 leaves the 7.5 out.
    let floored = scan(&dir, "floor", &scope("min_cvss = 9.0\n"), &[]);
    let f = floored.findings("nvd-known-vulnerabilities");
    assert_eq!(evidence(f[0], "cves"), "CVE-2023-0452");
}

/// lighttpd on `ip` as a Hikvision camera: `App-webs/`, Basic admin:12345,
/// ISAPI deviceInfo for DS-2CD2132F-IS V5.4.0 build 160401.
fn hikvision_camera(dir: &TestDir, ip: &str) -> (common::servers::Server, u16) {
    let port = free_port(ip);
    std::fs::create_dir_all(dir.path("www/ISAPI/System")).unwrap();
    dir.write("www/index.html", "<title>index</title>\n");
    dir.write(
        "www/ISAPI/System/deviceInfo",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeviceInfo version=\"2.0\" \
         xmlns=\"http://www.hikvision.com/ver20/XMLSchema\"><deviceName>IP CAMERA</deviceName>\
         <model>DS-2CD2132F-IS</model><serialNumber>DS-2CD2132F-IS20160101CCWR000000001</serialNumber>\
         <firmwareVersion>V5.4.0</firmwareVersion><firmwareReleasedDate>build 160401</firmwareReleasedDate>\
         <deviceType>IPCamera</deviceType></DeviceInfo>\n",
    );
    dir.write("users", "admin:12345\n");
    let conf = config(dir, "lighttpd-isapi.conf", ip, port, &[]);
    let server = spawn(
        Command::new("lighttpd").arg("-D").arg("-f").arg(&conf),
        addr(ip, port),
    );
    (server, port)
}

/// A copy of checks/ without the curated firmware advisories.
fn checks_without_advisories(dir: &TestDir) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("checks");
    let dst = dir.path("checks");
    let status = Command::new("cp")
        .arg("-r")
        .arg(&src)
        .arg(&dst)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_dir_all(dst.join("firmware")).unwrap();
    dst
}

#[test]
fn hikvision_camera_read_after_a_default_login_gets_its_known_exploited_cve() {
    if !available("lighttpd") {
        return;
    }
    let ip = "127.0.0.233";
    let dir = TestDir::new("nvd-hikvision");
    let (_server, port) = hikvision_camera(&dir, ip);
    let db = dir.path("nvd.sqlite");
    import(&db, &[&fixture("nvdcve-2.0-2017.json")]);
    let scope = |budget: &str| {
        format!(
            "name = \"cameras\"\n[[networks]]\ncidr = \"{ip}/32\"\n[ports]\ntcp = [{port}]\nudp = []\n\
             [rate]\ntimeout_ms = 3000\n[credentials]\nenabled = true\ndelay_ms = 100\n\
             budget_file = \"{budget}\"\n"
        )
    };
    let db_arg = db.display().to_string();

    // With the built-in advisories: the curated one reports CVE-2017-7921
    // (it wins over the NVD for the CVEs it names); the NVD adds CVE-2017-7923.
    let s = scan(
        &dir,
        "curated",
        &scope("budget-1.sqlite"),
        &["--nvd-db", &db_arg],
    );
    // Model and firmware come from the ISAPI page read after the login,
    // through the generic self-description layer (no Hikvision rule).
    let asset = s.asset(ip);
    assert_eq!(asset["vendor"], "Hikvision", "{asset}");
    assert_eq!(asset["model"], "DS-2CD2132F-IS", "{asset}");
    assert_eq!(asset["firmware"], "5.4.0 build 160401");
    assert_eq!(asset["class"], "camera", "{asset}");
    assert!(!s.findings("default-credentials").is_empty());
    let curated = s.findings("hikvision-cve-2017-7921");
    assert_eq!(curated.len(), 1, "{}", s.json["findings"]);
    assert_eq!(curated[0]["category"], "known-exploited");
    let nvd = s.findings("nvd-known-vulnerabilities");
    assert_eq!(nvd.len(), 1, "{}", s.json["findings"]);
    assert_eq!(evidence(nvd[0], "cves"), "CVE-2017-7923");
    assert_eq!(evidence(nvd[0], "authenticated_read"), "true");
    let message = nvd[0]["message"].as_str().unwrap();
    assert!(
        message
            .contains("read after logging in with the default credential `hikvision-admin-12345`"),
        "{message}"
    );
    assert!(s.findings("nvd-known-exploited").is_empty());

    // Without curated advisories the NVD alone finds both, the camera as
    // known-exploited (KEV), critical, with the KEV dates.
    let checks = checks_without_advisories(&dir);
    let s = scan(
        &dir,
        "nvd-only",
        &scope("budget-2.sqlite"),
        &["--nvd-db", &db_arg, "--checks", checks.to_str().unwrap()],
    );
    let f = s.findings("nvd-known-exploited");
    assert_eq!(f.len(), 1, "{}", s.json["findings"]);
    let f = f[0];
    assert_eq!(
        (&f["category"], &f["severity"]),
        (&Value::from("known-exploited"), &Value::from("critical"))
    );
    assert_eq!(evidence(f, "cves"), "CVE-2017-7921, CVE-2017-7923");
    assert_eq!(
        evidence(f, "kev"),
        "CVE-2017-7921 added 2026-03-05 due 2026-03-26"
    );
    assert_eq!(f["confidence"], "high", "ISAPI states model and build");
    assert!(evidence(f, "matched_cpe").contains("ds-2cd2xx2f-i_series_firmware"));
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("has 2 known vulnerabilities in the NVD, 1 exploited in the wild (CISA KEV): CVE-2017-7921 (CVSS 10.0, exploited), CVE-2017-7923 (CVSS 8.8)"),
        "{}",
        f["message"]
    );
    assert!(s.findings("nvd-known-vulnerabilities").is_empty());
}
