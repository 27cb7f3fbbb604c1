//! Default credentials on the lab: every protocol has a device that still
//! has its product's factory credential (a finding naming the entry) and a
//! twin whose password was changed (tested, no finding). A device that
//! shows model and firmware only after a login is identified through the
//! working credential, so its firmware advisories can run.

use crate::common;

use common::{TestDir, read_json, read_jsonl};
use serde_json::Value;
use stadscan_lab::{LAB_CA_PEM, Lab, LabConfig};

fn observation<'a>(report: &'a Value, addr: &str, port: u16) -> &'a Value {
    report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["addr"] == addr)
        .flat_map(|a| a["observations"].as_array().unwrap())
        .find(|o| o["endpoint"]["port"] == port)
        .unwrap_or_else(|| panic!("no service {addr}:{port}"))
}

fn asset<'a>(report: &'a Value, addr: &str) -> &'a Value {
    report["assets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["addr"] == addr)
        .unwrap_or_else(|| panic!("no asset {addr}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn defaults_are_found_and_changed_passwords_are_not() {
    crate::common::fixed_addresses();
    let lab = Lab::start(LabConfig {
        prefix: [127, 72, 1],
        fixed_ports: false,
        hostile: false,
    })
    .await
    .expect("lab starts");
    let dir = TestDir::new("lab-creds");
    dir.write("lab-ca.pem", LAB_CA_PEM);
    let mut scope = lab
        .scope_toml("lab-creds", "lab-ca.pem", 2000)
        .replace("[rate]\n", "[rate]\nper_second = 20000\n");
    // Enough budget for every login of the lab in one run; the broker's
    // account is the city's own entry.
    scope.push_str(
        "\n[credentials]\nenabled = true\ndelay_ms = 0\nattempts = 12\nbudget_file = \"budget.sqlite\"\n\
         [[credentials.extra]]\nid = \"city-broker-account\"\nusername = \"iot\"\n\
         password = \"lab-mqtt-pass\"\nmethods = [\"mqtt\"]\n",
    );
    let scope_path = dir.write("scope.toml", &scope);
    let (json, audit) = (dir.path("out.json"), dir.path("audit.jsonl"));
    let (out, _) = common::run_async(vec![
        "scan".into(),
        "--scope".into(),
        scope_path.display().to_string(),
        "--json".into(),
        json.display().to_string(),
        "--audit".into(),
        audit.display().to_string(),
    ])
    .await;
    assert!(
        matches!(out.status.code(), Some(0) | Some(1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = read_json(&json);
    let addr_port = |name: &str, service: &str| {
        let d = lab
            .device_service(name, service)
            .unwrap_or_else(|| panic!("lab has no {name} {service}"));
        (d.addr.to_string(), d.port)
    };
    // (device, service, the entry that must work, or None for a changed password)
    let table: &[(&str, &str, Option<&str>)] = &[
        ("camera-01", "http", Some("lab-cam-admin")),
        ("camera-03", "http", None),
        ("rtsp-cam-02", "rtsp", Some("lab-rtspd-admin")),
        ("lightctl-01", "http", Some("lab-lumenlab-admin")),
        ("trafficctl-01", "telnet", Some("lab-trafcon-admin")),
        ("trafficctl-02", "telnet", None),
        ("ftp-01", "ftp", Some("lab-ftpd-ftpuser")),
        ("ftp-02", "ftp", None),
        ("broker-02", "mqtt", Some("city-broker-account")),
        ("broker-03", "mqtt", None),
        ("streetlight-01", "snmp", Some("lab-lightlink-private")),
        // Nothing names the gateways' product: the generic list applies.
        ("gateway-01", "ssh", Some("generic-root-root")),
        ("gateway-02", "ssh", None),
    ];
    let findings = report["findings"].as_array().unwrap();
    let logins = read_jsonl(&audit);
    for (name, service, entry) in table {
        let (addr, port) = addr_port(name, service);
        let o = observation(&report, &addr, port);
        let facts = &o["facts"];
        let finding = findings.iter().find(|f| {
            f["check_id"] == "default-credentials"
                && f["endpoint"]["addr"] == addr.as_str()
                && f["endpoint"]["port"] == port
        });
        let tried = logins
            .iter()
            .filter(|l| {
                l["target"] == addr.as_str()
                    && l["port"] == port
                    && l["probe"].as_str().unwrap().starts_with("login-")
            })
            .count();
        assert!(
            tried >= 2,
            "{name}: control and entry expected, {tried} logins"
        );
        match entry {
            Some(id) => {
                assert_eq!(facts["cred.default_id"], *id, "{name}: {facts}");
                assert_eq!(facts["cred.retested"], true, "{name}");
                let f = finding.unwrap_or_else(|| panic!("{name}: no finding"));
                assert!(f["message"].as_str().unwrap().contains(id), "{f}");
            }
            None => {
                assert!(finding.is_none(), "{name}: {finding:?}");
                assert!(facts.get("cred.default_id").is_none(), "{name}: {facts}");
                assert!(
                    facts["cred.attempts"].as_i64().unwrap() >= 2,
                    "{name}: {facts}"
                );
            }
        }
    }

    // The broker that admits anyone is reported as such, not logged in to.
    let (addr, port) = addr_port("broker-01", "mqtt");
    assert!(
        observation(&report, &addr, port)["facts"]["cred.skipped"]
            .as_str()
            .is_some_and(|s| s.contains("anonymous"))
    );

    // Model and firmware of the streetlight controller come from the read
    // its default credential allowed.
    let (addr, port) = addr_port("lightctl-01", "http");
    let facts = &observation(&report, &addr, port)["facts"];
    assert_eq!(facts["cred.authenticated_read"], true, "{facts}");
    assert_eq!(facts["device_info.unauthenticated"], false, "{facts}");
    let a = asset(&report, &addr);
    assert_eq!(a["vendor"], "Lumenlab");
    assert_eq!(a["model"], "LSC-200");
    assert_eq!(a["firmware"], "1.4.2");
    // ...so its firmware advisory runs, and says how the version was known.
    let advisory = findings
        .iter()
        .find(|f| f["check_id"] == "lab-2026-0002" && f["endpoint"]["addr"] == addr.as_str())
        .expect("the firmware advisory of the controller");
    let message = advisory["message"].as_str().unwrap();
    assert!(
        message.contains("after logging in with the default credential `lab-lumenlab-admin`"),
        "{message}"
    );
    lab.shutdown().await;
}
