//! A scan of the in-process lab through the real binary: what a security team
//! and a CI pipeline rely on in the SARIF and JSON outputs.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};

use common::{lab, result_keys, schema_errors};
use serde_json::Value;

/// (check, device) pairs the lab must produce, and nothing else.
const EXPECTED: &[(&str, &str)] = &[
    ("http-basic-auth-cleartext", "camera-01"),
    ("cert-expired", "camera-01"),
    ("cert-self-signed", "camera-01"),
    ("cert-name-mismatch", "camera-01"),
    ("mqtt-anonymous-access", "broker-01"),
    ("snmp-public-community", "streetlight-01"),
    ("telnet-cleartext-login", "trafficctl-01"),
    ("telnet-cleartext-login", "trafficctl-02"),
    ("ftp-anonymous-login", "ftp-01"),
    ("ftp-cleartext-login", "ftp-01"),
    ("ftp-cleartext-login", "ftp-02"),
    ("rtsp-stream-without-auth", "rtsp-cam-01"),
    ("tls-protocol-insufficient", "bms-01"),
    ("tls-cipher-insufficient", "bms-01"),
    ("tls-session-insufficient", "bms-01"),
    ("cert-self-signed", "bms-01"),
    ("cert-weak-key", "bms-01"),
    ("cert-weak-signature", "bms-01"),
    ("lab-2026-0001", "streetlight-01"),
    ("dropbear-cve-2023-48795", "gateway-01"),
    ("dropbear-cve-2023-48795", "gateway-02"),
    ("device-auth-disabled", "relay-01"),
    ("coap-unauthenticated", "aq-sensor-01"),
    ("modbus-exposed", "plc-01"),
    ("bacnet-exposed", "ahu-01"),
    ("onvif-device-info-unauthenticated", "camera-02"),
];

#[tokio::test(flavor = "multi_thread")]
async fn lab_scan_reports_each_device_as_expected() {
    let setup = lab("labscan", 61, 1, false, 1500).await;
    let (_, sarif, json) = setup.scan(&[]).await;

    let name_of: BTreeMap<String, String> = setup
        .lab
        .devices()
        .iter()
        .map(|d| (format!("{}:{}", d.addr, d.port), d.name.clone()))
        .collect();
    let got: BTreeSet<(String, String)> = result_keys(&sarif)
        .into_iter()
        .map(|(rule, host, port)| {
            let dev = name_of
                .get(&format!("{host}:{port}"))
                .cloned()
                .unwrap_or_else(|| format!("{host}:{port}"));
            (rule, dev)
        })
        .collect();
    let want: BTreeSet<(String, String)> = EXPECTED
        .iter()
        .map(|(r, d)| (r.to_string(), d.to_string()))
        .collect();
    assert_eq!(got, want);

    // Every device is identified by talking to it, on its non-standard port.
    let services: BTreeMap<String, String> = json["assets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["observations"].as_array().unwrap().iter())
        .map(|o| {
            let ep = &o["endpoint"];
            let key = format!("{}:{}", ep["addr"].as_str().unwrap(), ep["port"]);
            let svc = format!(
                "{}{}",
                o["protocol"].as_str().unwrap(),
                if o["tls"].as_bool().unwrap() && o["protocol"] != "tls" {
                    "+tls"
                } else {
                    ""
                }
            );
            (name_of.get(&key).cloned().unwrap_or(key), svc)
        })
        .fold(BTreeMap::new(), |mut m, (k, v)| {
            m.entry(k)
                .and_modify(|e: &mut String| e.push_str(&format!(",{v}")))
                .or_insert(v);
            m
        });
    assert_eq!(services["broker-01"], "mqtt");
    assert_eq!(services["streetlight-01"], "snmp");
    assert_eq!(services["trafficctl-01"], "telnet");
    assert_eq!(services["ftp-01"], "ftp");
    assert_eq!(services["portal"], "http+tls");
    assert_eq!(services["rtsp-cam-01"], "rtsp");
    assert_eq!(services["gateway-01"], "ssh");
    assert_eq!(
        services["bms-01"], "tls",
        "TLS 1.0/1.1 only: rustls cannot go further"
    );
    let mut camera: Vec<&str> = services["camera-01"].split(',').collect();
    camera.sort();
    assert_eq!(camera, vec!["http", "http+tls"]);

    // TLS is assessed wherever it is spoken: directly, and after FTP's AUTH TLS.
    let ftp = json["assets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|a| a["observations"].as_array().unwrap())
        .find(|o| o["protocol"] == "ftp")
        .unwrap();
    assert_eq!(ftp["tls_profile"]["starttls"], "ftp", "{ftp}");
    assert_eq!(ftp["facts"]["tls.verdict"], "sufficient");
    assert_eq!(ftp["facts"]["cert.trusted"], true);

    // The portal, trusted through the scope's trust anchor, is clean.
    let portal = setup.lab.device("portal").unwrap().addr.to_string();
    assert!(result_keys(&sarif).iter().all(|(_, h, _)| *h != portal));

    // Every fact the scan emitted is in the vocabulary.
    for a in json["assets"].as_array().unwrap() {
        for o in a["observations"].as_array().unwrap() {
            assert_eq!(o["status"], "ok", "{o}");
            for k in o["facts"].as_object().unwrap().keys() {
                assert!(
                    stadscan::facts::is_known(k),
                    "fact {k} is not in the vocabulary"
                );
            }
        }
    }
    setup.lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sarif_meets_the_contract_and_the_schema() {
    let setup = lab("sarifcontract", 61, 2, false, 1500).await;
    let (_, sarif, _) = setup.scan(&[]).await;
    let errors = schema_errors(&sarif);
    assert!(errors.is_empty(), "schema errors: {errors:#?}");

    let scope_text = std::fs::read_to_string(&setup.scope).unwrap();
    let line_of = |needle: &str| {
        scope_text
            .lines()
            .position(|l| l.contains(needle))
            .map(|i| i as u64 + 1)
            .unwrap()
    };
    let network_line = line_of("cidr =");
    let camera_line = line_of("name = \"camera-01.");

    let run = &sarif["runs"][0];
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(run["automationDetails"]["id"], "stadscan/sarifcontract/");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "stadscan");
    assert!(
        driver["semanticVersion"]
            .as_str()
            .unwrap()
            .split('.')
            .count()
            == 3
    );
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    let rules = driver["rules"].as_array().unwrap();
    for rule in rules {
        assert!(rule["help"]["text"].as_str().unwrap().len() > 40);
        assert!(
            rule["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains("How to fix")
        );
        assert!(rule["shortDescription"]["text"].as_str().unwrap().len() <= 1024);
        assert!(rule["fullDescription"]["text"].as_str().unwrap().len() <= 1024);
        let tags: Vec<&str> = rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&"security") && tags.len() <= 10, "{tags:?}");
        assert!(tags.iter().any(|t| t.starts_with("bio2:")), "{tags:?}");
        let score: f64 = rule["properties"]["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
        let want = if score >= 7.0 {
            "error"
        } else if score >= 4.0 {
            "warning"
        } else {
            "note"
        };
        assert_eq!(level, want, "{}", rule["id"]);
    }
    let results = run["results"].as_array().unwrap();
    assert!(!results.is_empty());
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(
            rules[idx]["id"], r["ruleId"],
            "ruleIndex points at the rule"
        );
        let loc = &r["locations"][0];
        assert_eq!(
            loc["physicalLocation"]["artifactLocation"]["uri"],
            "scope.toml"
        );
        let line = loc["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap();
        let p = &r["properties"];
        let host = p["host"].as_str().unwrap();
        let want_line = if p
            .get("hostname")
            .is_some_and(|h| h.as_str().unwrap().starts_with("camera-01"))
        {
            camera_line
        } else {
            network_line
        };
        assert_eq!(line, want_line, "{r}");
        let fqn = loc["logicalLocations"][0]["fullyQualifiedName"]
            .as_str()
            .unwrap();
        assert_eq!(
            fqn,
            format!("{host}:{}/{}", p["port"], p["transport"].as_str().unwrap())
        );
        assert!(p["service"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(p["asset"].as_str().is_some_and(|s| !s.is_empty()));
        let fp = r["partialFingerprints"].as_object().unwrap();
        assert!(fp.contains_key("primaryLocationLineHash"));
        assert!(fp.values().all(|v| v.as_str().unwrap().len() == 32));
        assert!(r["message"]["text"].as_str().unwrap().contains(host));
    }
    // One alert per problem: no two results share a fingerprint.
    let fps: BTreeSet<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(fps.len(), results.len());
    setup.lab.shutdown().await;
}

fn fingerprints(sarif: &Value) -> BTreeMap<String, String> {
    sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                format!(
                    "{} {}",
                    r["ruleId"].as_str().unwrap(),
                    r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"]
                ),
                r["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn fingerprints_are_identical_when_the_same_scan_runs_again() {
    let setup = lab("stablefp", 61, 3, false, 1500).await;
    let (_, first, _) = setup.scan(&[]).await;
    let (_, second, _) = setup.scan(&[]).await;
    assert!(!fingerprints(&first).is_empty());
    assert_eq!(fingerprints(&first), fingerprints(&second));
    setup.lab.shutdown().await;
}

fn asset_ids(json: &Value) -> BTreeMap<String, String> {
    json["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["addr"].as_str().unwrap().to_string(),
                a["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn device_identity_survives_a_lab_restart() {
    // Devices keep their keys across reboots, and so do the lab's: the
    // certificate-key identity (part of every fingerprint, with rule, port
    // and transport) must name the same device afterwards.
    let setup = lab("restartfp", 61, 4, false, 1500).await;
    let (_, _, first) = setup.scan(&[]).await;
    let scope = setup.scope.clone();
    let dir = setup.dir;
    setup.lab.shutdown().await;
    crate::common::fixed_addresses();
    let relab = stadscan_lab::Lab::start(stadscan_lab::LabConfig {
        prefix: [127, 61, 4],
        fixed_ports: false,
        hostile: false,
    })
    .await
    .unwrap();
    let text = relab
        .scope_toml("restartfp", "lab-ca.pem", 1500)
        .replace("[rate]\n", "[rate]\nper_second = 20000\n");
    std::fs::write(&scope, text).unwrap();
    let again = common::LabSetup {
        lab: relab,
        dir,
        scope,
    };
    let (_, _, second) = again.scan(&[]).await;
    let (a, b) = (asset_ids(&first), asset_ids(&second));
    assert_eq!(
        a, b,
        "first run: notes {} stats {}\nsecond run: notes {} stats {}",
        first["notes"], first["stats"], second["notes"], second["stats"]
    );
    let camera = again.lab.device("camera-01").unwrap().addr.to_string();
    assert!(a[&camera].starts_with("cert-key:sha256:"), "{a:?}");
    again.lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn zero_findings_still_write_a_valid_sarif() {
    let dir = common::TestDir::new("zero");
    let scope = dir.write(
        "scope.toml",
        "name = \"empty block\"\n[[networks]]\ncidr = \"127.61.9.0/30\"\n[ports]\ntcp = [8080]\nudp = []\n",
    );
    let sarif = dir.path("out/empty.sarif");
    let (out, _) = common::run(&[
        "scan",
        "--scope",
        scope.to_str().unwrap(),
        "--sarif",
        sarif.to_str().unwrap(),
        "--fail-on",
        "low",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc = common::read_json(&sarif);
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 0);
    assert!(
        doc["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len()
            >= 10
    );
    assert!(schema_errors(&doc).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn fail_on_sets_the_exit_code() {
    let setup = lab("failon", 61, 5, false, 1500).await;
    let (high, _, _) = setup.scan(&["--fail-on", "high"]).await;
    assert_eq!(high.status.code(), Some(1));
    let (critical, _, _) = setup.scan(&["--fail-on", "critical"]).await;
    assert_eq!(critical.status.code(), Some(0));
    setup.lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn json_report_is_versioned_and_holds_the_inventory() {
    let setup = lab("jsoninv", 61, 6, false, 1500).await;
    let (out, _, json) = setup.scan(&[]).await;
    assert_eq!(json["format"], "stadscan-report");
    assert_eq!(json["format_version"], 1);
    assert_eq!(json["run"]["complete"], true);
    let assets = json["assets"].as_array().unwrap();
    let addresses: BTreeSet<_> = setup
        .lab
        .devices()
        .iter()
        // streetlight-02 answers no community a scan knows: it stays unseen.
        .filter(|d| d.name != "dns" && d.name != "streetlight-02")
        .map(|d| d.addr)
        .collect();
    assert!(addresses.len() >= 10);
    assert_eq!(
        assets.len(),
        addresses.len(),
        "one asset per lab device address (the lab DNS server is not a device)"
    );
    assert_eq!(json["summary"]["findings"], EXPECTED.len());
    let camera = assets
        .iter()
        .find(|a| a["hostnames"][0] == "camera-01.demo-city.test")
        .expect("camera named from the scope");
    assert_eq!(camera["identity"], "certificate-key");
    assert_eq!(camera["label"], "camera-01");
    // The inventory: devices named from what they said, with the personal
    // data their class can process (the DPIA register).
    assert_eq!(camera["class"], "camera");
    assert!(camera["personal_data"].as_str().unwrap().contains("video"));
    let by_class = |class: &str| -> &serde_json::Value {
        assets
            .iter()
            .find(|a| a["class"] == class)
            .unwrap_or_else(|| panic!("no {class}"))
    };
    let light = by_class("streetlight-controller");
    assert_eq!(
        (
            light["vendor"].as_str(),
            light["model"].as_str(),
            light["firmware"].as_str()
        ),
        (Some("LightLink"), Some("SLC-200"), Some("3.2.1"))
    );
    assert!(
        light.get("personal_data").is_none(),
        "a street-light controller processes no personal data"
    );
    // A device that states model and firmware on its information page
    // (asked only because its title named the product), and a favicon hash.
    let relay = assets
        .iter()
        .find(|a| a["vendor"] == "Shelly")
        .expect("the relay named from its /shelly endpoint");
    assert_eq!(
        (
            relay["model"].as_str(),
            relay["firmware"].as_str(),
            relay["class"].as_str()
        ),
        (
            Some("SNSW-001X16EU"),
            Some("0.10.2-beta4"),
            Some("building-automation")
        )
    );
    let relay_facts = &relay["observations"][0]["facts"];
    assert_eq!(relay_facts["device_info.endpoint"], "shelly-gen2");
    assert_eq!(relay_facts["device_info.unauthenticated"], true);
    assert_eq!(relay_facts["device_info.auth"], "false");
    let camera_http = camera["observations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["facts"]["http.server"].is_string() && o["tls"] == false)
        .expect("camera plain HTTP observation");
    assert_eq!(camera_http["facts"]["http.favicon_mmh3"], -1_366_637_387);
    // Endpoints are never sprayed: the camera's title names no product with
    // an information endpoint, so none was asked.
    assert!(camera_http["facts"].get("device_info.endpoint").is_none());
    // Devices that name themselves over discovery and OT protocols.
    for (vendor, model, firmware, class) in [
        ("Luchtmeet", "LM-AQ20", "2.4.1", "sensor-gateway"),
        ("Schneider Electric", "Modicon BMX P34 2020", "2.70", "plc"),
        ("Priva", "Compri HX 8E", "4.2.7", "building-automation"),
        ("Hikvision", "DS-7608NI-K2", "4.30.085 build 200916", "nvr"),
        (
            "Dahua Technology",
            "IPC-HFW2431S-S-S2",
            "2.800.0000000.25.R",
            "camera",
        ),
    ] {
        let a = assets
            .iter()
            .find(|a| a["vendor"] == vendor)
            .unwrap_or_else(|| panic!("no asset of {vendor}"));
        assert_eq!(
            (
                a["model"].as_str(),
                a["firmware"].as_str(),
                a["class"].as_str()
            ),
            (Some(model), Some(firmware), Some(class)),
            "{vendor}"
        );
    }
    let traffic = by_class("traffic-controller");
    assert_eq!(traffic["model"], "TRAFCON-5");
    assert_eq!(traffic["firmware"], "4.1");
    assert!(by_class("building-automation")["fingerprint_confidence"].is_string());
    // The device register, exported from the report.
    let csv = setup.dir.path("register.csv");
    let (inv, _) = common::run(&[
        "inventory",
        "--report",
        setup.dir.path("out.json").to_str().unwrap(),
        "--csv",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(
        inv.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&inv.stderr)
    );
    let register = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = register.lines().collect();
    assert!(rows[0].starts_with("address,hostnames,label,class,vendor,model,firmware"));
    assert_eq!(rows.len(), assets.len() + 1);
    assert!(
        rows.iter()
            .any(|r| r.contains(",streetlight-controller,LightLink,SLC-200,3.2.1,")),
        "{register}"
    );

    // The terminal summary goes to stdout, logs do not.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("findings: {}", EXPECTED.len())),
        "{stdout}"
    );
    setup.lab.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn kev_file_marks_matching_cves_as_known_exploited() {
    let setup = lab("kev", 61, 7, false, 1500).await;
    // A catalogue in the CISA format that lists the Terrapin CVE (it is not
    // on the real list: this tests the mechanism, not the fact).
    let kev = setup.dir.write(
        "kev.json",
        r#"{"title": "test catalogue", "catalogVersion": "2026.11.29", "dateReleased": "2026-11-29T00:00:00.000Z", "count": 1,
            "vulnerabilities": [{"cveID": "CVE-2023-48795", "vendorProject": "Dropbear", "product": "Dropbear SSH",
            "vulnerabilityName": "test entry", "dateAdded": "2026-11-29", "shortDescription": "test",
            "requiredAction": "patch", "dueDate": "2026-12-20", "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": []}]}"#,
    );
    let (_, sarif, json) = setup.scan(&["--kev", kev.to_str().unwrap()]).await;
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check_id"] == "dropbear-cve-2023-48795")
        .expect("the dropbear advisory fires");
    assert_eq!(f["category"], "known-exploited");
    assert!(f["message"].as_str().unwrap().contains("CISA KEV"));
    let rule = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "dropbear-cve-2023-48795")
        .unwrap();
    assert!(
        rule["properties"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == "known-exploited")
    );

    // A broken catalogue stops the scan before any traffic, naming file and line.
    let broken =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/kev/broken.json");
    let (out, _) = common::run(&[
        "scan",
        "--scope",
        setup.scope.to_str().unwrap(),
        "--kev",
        broken.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken.json:"), "{err}");
    setup.lab.shutdown().await;
}
