use std::collections::{BTreeSet, HashSet};

use super::*;
use crate::model::{Endpoint, Observation};

fn embedded() -> Fingerprints {
    Fingerprints::embedded().unwrap_or_else(|e| panic!("embedded fingerprints: {e}"))
}

/// The built-in fingerprints and the lab's.
fn with_lab() -> Fingerprints {
    let files: Vec<(&str, &str)> = crate::knowledge::embedded::with_lab()
        .into_iter()
        .filter(|(path, _)| path.starts_with(EMBEDDED_PREFIX))
        .collect();
    Fingerprints::parse(&files).unwrap_or_else(|e| panic!("fingerprints with the lab's: {e}"))
}

#[test]
fn the_embedded_fingerprints_verify() {
    // What a scan skips at start-up: every regex compiles, every example
    // gives its own identity and no earlier fingerprint takes it.
    embedded()
        .verify()
        .unwrap_or_else(|e| panic!("embedded fingerprints: {e}"));
}

fn facts(pairs: &[(&str, FactValue)]) -> Facts {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect()
}

fn text(s: &str) -> FactValue {
    FactValue::Text(s.to_string())
}

fn obs(protocol: &str, port: u16, pairs: &[(&str, FactValue)]) -> Observation {
    let mut o = Observation::new(Endpoint::tcp("127.0.0.1".parse().unwrap(), port), None);
    o.protocol = protocol.to_string();
    o.facts = facts(pairs);
    o
}

fn parse(text: &str) -> Result<Fingerprints, CheckLoadError> {
    Fingerprints::parse(&[("checks/fingerprints/t.toml", text)])
}

const BASE: &str = r#"# a test file
[[fingerprint]]
id = "demo-camera"
description = "A demo camera."
protocol = ["http"]
match = [{ fact = "http.server", regex = '^DemoCam/(\d+\.\d+)' }]
vendor = "Demo"
product = "DemoCam"
version = "${1}"
class = "camera"
examples = [
  { protocol = "http", facts = { "http.server" = "DemoCam/1.2" }, vendor = "Demo", product = "DemoCam", version = "1.2", class = "camera" },
]
"#;

// ---------------------------------------------------------------------------
// The embedded data
// ---------------------------------------------------------------------------

#[test]
fn embedded_fingerprints_load_and_cover_the_device_kinds() {
    let fps = embedded();
    assert!(fps.len() >= 60, "only {} fingerprints", fps.len());
    let classes: BTreeSet<DeviceClass> = fps
        .iter()
        .map(|f| f.class)
        .filter(|c| *c != DeviceClass::Unknown)
        .collect();
    assert!(classes.len() >= 8, "classes covered: {classes:?}");
    for f in fps.iter() {
        assert!(
            f.source.starts_with("checks/fingerprints/"),
            "{} from {}",
            f.id,
            f.source
        );
    }
}

#[test]
fn every_example_yields_exactly_its_declared_identity() {
    let fps = embedded();
    let mut count = 0;
    for f in fps.iter() {
        assert!(!f.examples.is_empty(), "{} has no example", f.id);
        for ex in &f.examples {
            let got = fps.identify(&ex.protocol, &ex.facts).unwrap_or_else(|| {
                panic!(
                    "{}:{}: example of {} is not identified",
                    f.source, ex.line, f.id
                )
            });
            let want = DeviceIdentity {
                vendor: ex.vendor.clone(),
                product: ex.product.clone(),
                version: ex.version.clone(),
                class: ex.class,
                fingerprint: f.id.clone(),
                confidence: f.confidence,
            };
            assert_eq!(got, want, "{}:{}", f.source, ex.line);
            count += 1;
        }
    }
    assert!(count >= fps.len());
}

#[test]
fn no_earlier_fingerprint_steals_a_later_ones_example() {
    let fps = embedded();
    for f in fps.iter() {
        for ex in &f.examples {
            let got = fps.identify(&ex.protocol, &ex.facts).map(|i| i.fingerprint);
            assert_eq!(
                got.as_deref(),
                Some(f.id.as_str()),
                "{}:{}",
                f.source,
                ex.line
            );
        }
    }
}

#[test]
fn fingerprint_ids_are_unique_across_files() {
    let fps = embedded();
    let mut seen = HashSet::new();
    for f in fps.iter() {
        assert!(seen.insert(f.id.clone()), "duplicate id {}", f.id);
        assert_eq!(fps.get(&f.id).map(|g| g.line), Some(f.line));
    }
}

#[test]
fn every_file_has_a_header_comment() {
    for (path, text) in crate::knowledge::embedded::check_files() {
        if path.starts_with("checks/fingerprints/") {
            assert!(
                text.starts_with("# "),
                "{path} starts without a header comment"
            );
        }
    }
}

/// Protocol, facts, expected vendor, product, version and class.
type LabCase = (
    &'static str,
    Facts,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    DeviceClass,
);

#[test]
fn the_lab_devices_are_identified() {
    let fps = with_lab();
    let cases: Vec<LabCase> = vec![
        (
            "snmp",
            facts(&[
                (
                    "snmp.sys_descr",
                    text("LightLink SLC-200 streetlight controller, firmware 3.2.1"),
                ),
                ("snmp.community_public", FactValue::Bool(true)),
            ]),
            Some("LightLink"),
            Some("SLC-200"),
            Some("3.2.1"),
            DeviceClass::StreetlightController,
        ),
        (
            "telnet",
            facts(&[
                (
                    "telnet.banner",
                    text("TRAFCON-5 Intersection Controller v4.1"),
                ),
                ("telnet.login_prompt", text("login:")),
            ]),
            None,
            Some("TRAFCON-5"),
            Some("4.1"),
            DeviceClass::TrafficController,
        ),
        (
            "rtsp",
            facts(&[("rtsp.server", text("lab-rtspd/1.2"))]),
            Some("stadscan lab"),
            Some("lab-rtspd"),
            Some("1.2"),
            DeviceClass::Camera,
        ),
        (
            "http",
            facts(&[
                ("http.server", text("lab-cam-httpd/2.4")),
                ("http.status", FactValue::Int(401)),
            ]),
            Some("stadscan lab"),
            Some("lab-cam"),
            Some("2.4"),
            DeviceClass::Camera,
        ),
        (
            "ssh",
            facts(&[
                ("ssh.banner", text("SSH-2.0-dropbear_2019.78")),
                ("ssh.software", text("dropbear_2019.78")),
            ]),
            Some("Matt Johnston"),
            Some("Dropbear SSH"),
            Some("2019.78"),
            DeviceClass::Unknown,
        ),
        (
            "ftp",
            facts(&[
                ("ftp.banner", text("(lab-ftpd 1.0) Sensor data drop")),
                ("ftp.anonymous", FactValue::Bool(true)),
            ]),
            Some("stadscan lab"),
            Some("lab-ftpd"),
            Some("1.0"),
            DeviceClass::SensorGateway,
        ),
        (
            "tls",
            facts(&[
                ("cert.subject", text("O=stadscan lab, CN=BMS-Controller")),
                ("cert.issuer", text("O=stadscan lab, CN=BMS-Controller")),
                ("tls.version", text("TLSv1.0")),
            ]),
            Some("stadscan lab"),
            Some("BMS-Controller"),
            None,
            DeviceClass::BuildingAutomation,
        ),
        (
            "mqtt",
            facts(&[
                ("mqtt.connack_code", FactValue::Int(0)),
                ("mqtt.anonymous", FactValue::Bool(true)),
            ]),
            None,
            None,
            None,
            DeviceClass::MqttBroker,
        ),
    ];
    for (protocol, f, vendor, product, version, class) in cases {
        let id = fps
            .identify(protocol, &f)
            .unwrap_or_else(|| panic!("{protocol} {f:?} not identified"));
        assert_eq!(
            (
                id.vendor.as_deref(),
                id.product.as_deref(),
                id.version.as_deref(),
                id.class
            ),
            (vendor, product, version, class),
            "{protocol} {f:?}"
        );
    }
}

#[test]
fn facts_of_another_protocol_do_not_match() {
    let fps = embedded();
    let f = facts(&[("http.server", text("App-webs/"))]);
    assert_eq!(
        fps.identify("http", &f).map(|i| i.fingerprint).as_deref(),
        Some("hikvision-app-webs")
    );
    assert_eq!(fps.identify("rtsp", &f), None);
    assert_eq!(fps.identify("http", &Facts::new()), None);
}

#[test]
fn matching_ignores_case_by_default() {
    let fps = embedded();
    let f = facts(&[("http.server", text("APP-WEBS/"))]);
    assert_eq!(
        fps.identify("http", &f).and_then(|i| i.vendor).as_deref(),
        Some("Hikvision")
    );
}

// ---------------------------------------------------------------------------
// identify_asset
// ---------------------------------------------------------------------------

#[test]
fn identify_asset_prefers_the_more_specific_identity() {
    let fps = embedded();
    // Vendor only (realm), then product + version (FTP banner).
    let observations = vec![
        obs(
            "http",
            80,
            &[("http.auth_realm", text("AXIS_ACCC8E0A1B2C"))],
        ),
        obs(
            "ftp",
            21,
            &[(
                "ftp.banner",
                text("AXIS P1448-LE Network Camera 10.12.182 (2022) ready."),
            )],
        ),
    ];
    let id = fps.identify_asset(&observations).unwrap();
    assert_eq!(id.fingerprint, "axis-ftp-banner");
    assert_eq!(id.product.as_deref(), Some("AXIS P1448-LE"));
    assert_eq!(id.version.as_deref(), Some("10.12.182"));
    assert_eq!(id.class, DeviceClass::Camera);
    // Order of observations does not matter.
    let reversed: Vec<Observation> = observations.into_iter().rev().collect();
    assert_eq!(
        fps.identify_asset(&reversed).unwrap().fingerprint,
        "axis-ftp-banner"
    );
}

#[test]
fn identify_asset_ranks_product_above_vendor_and_then_confidence() {
    let text = r#"
[[fingerprint]]
id = "vendor-only-high"
description = "Vendor only, high confidence."
match = [{ fact = "http.server", regex = '^Acme$' }]
vendor = "Acme"
class = "camera"
confidence = "high"
examples = [{ protocol = "http", facts = { "http.server" = "Acme" }, vendor = "Acme" }]

[[fingerprint]]
id = "product-low"
description = "Product, low confidence."
match = [{ fact = "rtsp.server", regex = '^AcmeCam$' }]
vendor = "Acme"
product = "AcmeCam"
class = "camera"
confidence = "low"
examples = [{ protocol = "rtsp", facts = { "rtsp.server" = "AcmeCam" }, vendor = "Acme", product = "AcmeCam" }]

[[fingerprint]]
id = "product-medium"
description = "Product, medium confidence."
match = [{ fact = "ftp.banner", regex = '^AcmeCam FTP$' }]
vendor = "Acme"
product = "AcmeCam"
class = "camera"
examples = [{ protocol = "ftp", facts = { "ftp.banner" = "AcmeCam FTP" }, vendor = "Acme", product = "AcmeCam" }]
"#;
    let fps = parse(text).unwrap();
    let a = obs("http", 80, &[("http.server", self::text("Acme"))]);
    let b = obs("rtsp", 554, &[("rtsp.server", self::text("AcmeCam"))]);
    let c = obs("ftp", 21, &[("ftp.banner", self::text("AcmeCam FTP"))]);
    let best = |o: Vec<Observation>| fps.identify_asset(&o).unwrap().fingerprint;
    assert_eq!(best(vec![a.clone(), b.clone()]), "product-low");
    assert_eq!(
        best(vec![a.clone(), b.clone(), c.clone()]),
        "product-medium"
    );
    assert_eq!(best(vec![c, b, a]), "product-medium");
    assert_eq!(fps.identify_asset(&[]), None);
    let nothing = obs("http", 80, &[("http.server", self::text("other"))]);
    assert_eq!(fps.identify_asset(&[nothing]), None);
}

#[test]
fn identify_asset_puts_generic_software_below_the_device() {
    let fps = embedded();
    // OpenSSH with a version (generic) and a Hikvision server header
    // (vendor only): the camera wins.
    let observations = vec![
        obs(
            "ssh",
            22,
            &[
                ("ssh.banner", text("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3")),
                ("ssh.software", text("OpenSSH_9.2p1")),
            ],
        ),
        obs("http", 80, &[("http.server", text("App-webs/"))]),
    ];
    let id = fps.identify_asset(&observations).unwrap();
    assert_eq!(id.fingerprint, "hikvision-app-webs");
    assert_eq!(id.class, DeviceClass::Camera);
    // Alone, the generic identity is still used.
    let id = fps.identify_asset(&observations[..1]).unwrap();
    assert_eq!(id.fingerprint, "openssh-distribution");
    assert_eq!(id.version.as_deref(), Some("9.2p1"));
}

#[test]
fn identify_asset_takes_the_class_from_the_best_match_that_has_one() {
    let fps = embedded();
    // dropbear (generic, class unknown, with version) and a lighttpd server
    // (generic, class server, with version): dropbear ranks first on
    // observation order, the class comes from lighttpd.
    let observations = vec![
        obs("ssh", 22, &[("ssh.software", text("dropbear_2020.81"))]),
        obs("http", 80, &[("http.server", text("lighttpd/1.4.59"))]),
    ];
    let id = fps.identify_asset(&observations).unwrap();
    assert_eq!(id.fingerprint, "dropbear");
    assert_eq!(id.class, DeviceClass::Server);
    // Only class-less matches: unknown.
    let id = fps.identify_asset(&observations[..1]).unwrap();
    assert_eq!(id.class, DeviceClass::Unknown);
    // A class-only identity (MQTT) lends its class to a better one.
    let observations = vec![
        obs("mqtt", 1883, &[("mqtt.connack_code", FactValue::Int(0))]),
        obs(
            "snmp",
            161,
            &[(
                "snmp.sys_descr",
                text(
                    "Linux broker 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64",
                ),
            )],
        ),
    ];
    let id = fps.identify_asset(&observations).unwrap();
    assert_eq!(id.fingerprint, "mqtt-broker");
    assert_eq!(id.class, DeviceClass::MqttBroker);
}

// ---------------------------------------------------------------------------
// Templates
// ---------------------------------------------------------------------------

#[test]
fn templates_use_numbered_and_named_groups_from_any_matcher() {
    let text = r#"
[[fingerprint]]
id = "two-matchers"
description = "Groups from two matchers."
match = [
  { fact = "http.server", regex = '^Widget/(?P<version>[\d.]+)' },
  { fact = "http.title", regex = '^Widget (\w+) cost \$(\d+)' },
]
vendor = "Widgets $$ Co"
product = "Widget ${1}"
version = "${version}"
class = "sensor-gateway"
examples = [
  { protocol = "http", facts = { "http.server" = "Widget/2.0", "http.title" = "Widget X9 cost $5" }, vendor = "Widgets $ Co", product = "Widget 2.0", version = "2.0" },
]
"#;
    // `${1}` comes from the first matcher where group 1 took part: the
    // server header's (named) group 1.
    let fps = parse(text).unwrap();
    assert_eq!(fps.len(), 1);
}

#[test]
fn an_optional_group_that_did_not_match_gives_none() {
    let text = BASE
        .replace(r"^DemoCam/(\d+\.\d+)", r"^DemoCam(?:/(\d+\.\d+))?")
        .replace(
            "examples = [\n",
            "examples = [\n  { protocol = \"http\", facts = { \"http.server\" = \"DemoCam\" }, vendor = \"Demo\", product = \"DemoCam\" },\n",
        );
    let fps = parse(&text).unwrap();
    let id = fps
        .identify("http", &facts(&[("http.server", self::text("DemoCam"))]))
        .unwrap();
    assert_eq!(id.version, None);
    assert_eq!(id.product.as_deref(), Some("DemoCam"));
}

#[test]
fn case_sensitive_matchers_opt_out_of_ignoring_case() {
    let text = BASE.replace(
        r"regex = '^DemoCam/(\d+\.\d+)' }",
        r"regex = '^DemoCam/(\d+\.\d+)', case_sensitive = true }",
    );
    let fps = parse(&text).unwrap();
    let upper = facts(&[("http.server", self::text("DEMOCAM/1.2"))]);
    let exact = facts(&[("http.server", self::text("DemoCam/1.2"))]);
    assert_eq!(fps.identify("http", &upper), None);
    assert!(fps.identify("http", &exact).is_some());
    assert!(parse(BASE).unwrap().identify("http", &upper).is_some());
}

// ---------------------------------------------------------------------------
// Malformed files: errors name file, line and field
// ---------------------------------------------------------------------------

fn error(text: &str) -> CheckLoadError {
    match parse(text) {
        Ok(_) => panic!("loaded:\n{text}"),
        Err(e) => e,
    }
}

#[test]
fn a_valid_file_loads() {
    let fps = parse(BASE).unwrap();
    assert_eq!(fps.len(), 1);
    let f = fps.get("demo-camera").unwrap();
    assert_eq!(f.line, 2);
    assert_eq!(f.confidence, Confidence::Medium);
    assert!(!f.generic);
    assert_eq!(f.examples[0].line, 12);
}

#[test]
fn a_bad_regex_names_file_and_line() {
    let e = error(&BASE.replace(r"^DemoCam/(\d+\.\d+)", r"^DemoCam/(\d+"));
    assert_eq!(e.file, "checks/fingerprints/t.toml");
    assert_eq!(e.line, 6, "{e}");
    assert_eq!(e.field, "demo-camera: match[0].regex");
    assert!(e.message.contains("does not compile"), "{e}");
}

#[test]
fn an_oversized_regex_is_rejected() {
    let e = error(&BASE.replace(r"^DemoCam/(\d+\.\d+)", r"^(\w{100}){100}(\d+\.\d+)"));
    assert_eq!(e.line, 6, "{e}");
    assert!(e.message.contains("size limit"), "{e}");
}

#[test]
fn an_unknown_fact_is_rejected_with_its_line() {
    let e = error(&BASE.replace(r#"fact = "http.server""#, r#"fact = "http.serverr""#));
    assert_eq!(e.line, 6, "{e}");
    assert!(e.to_string().contains("http.serverr"), "{e}");
    let e = error(&BASE.replace(
        r#"facts = { "http.server" = "DemoCam/1.2" }"#,
        r#"facts = { "http.server" = "DemoCam/1.2", "http.banner" = "x" }"#,
    ));
    assert_eq!(e.line, 12, "{e}");
    assert!(e.to_string().contains("http.banner"), "{e}");
}

#[test]
fn an_unknown_class_is_rejected_with_its_line() {
    let e = error(&BASE.replace(
        r#"class = "camera"
"#,
        "class = \"webcam\"\n",
    ));
    assert_eq!(e.file, "checks/fingerprints/t.toml");
    assert_eq!(e.line, 10, "{e}");
    assert!(e.message.contains("webcam"), "{e}");
}

#[test]
fn an_unknown_field_is_rejected_with_its_line() {
    let e = error(&BASE.replace("vendor = \"Demo\"\n", "vendor = \"Demo\"\nmodel = \"X\"\n"));
    assert_eq!(e.line, 8, "{e}");
    assert!(e.message.contains("model"), "{e}");
    let e = error(&BASE.replace("regex = '", "regexp = '"));
    assert_eq!(e.line, 6, "{e}");
    assert!(e.message.contains("regexp"), "{e}");
}

#[test]
fn a_template_naming_a_missing_group_is_rejected() {
    let e = error(&BASE.replace(r#"version = "${1}""#, r#"version = "${2}""#));
    assert_eq!(e.line, 9, "{e}");
    assert_eq!(e.field, "demo-camera: version");
    assert!(e.message.contains("group 2"), "{e}");
    let e = error(&BASE.replace(r#"version = "${1}""#, r#"version = "${fw}""#));
    assert!(e.message.contains("`fw`"), "{e}");
    let e = error(&BASE.replace(r#"version = "${1}""#, r#"version = "$1""#));
    assert!(e.message.contains("$$"), "{e}");
}

#[test]
fn fingerprints_need_examples_matchers_and_an_identity() {
    let no_examples = BASE.split("examples = [").next().unwrap().to_string();
    let e = error(&no_examples);
    assert_eq!(e.field, "demo-camera: examples");
    assert_eq!(e.line, 2, "{e}");
    let e = error(&BASE.replace(
        r#"match = [{ fact = "http.server", regex = '^DemoCam/(\d+\.\d+)' }]"#,
        "match = []",
    ));
    assert_eq!(e.field, "demo-camera: match", "{e}");
    assert_eq!(e.line, 6, "{e}");
    let nothing = r#"
[[fingerprint]]
id = "says-nothing"
description = "Names nothing."
match = [{ fact = "http.server", regex = '^X$' }]
class = "unknown"
examples = [{ protocol = "http", facts = { "http.server" = "X" } }]
"#;
    assert!(error(nothing).message.contains("at least a vendor"));
}

#[test]
fn bad_ids_and_protocols_are_rejected() {
    let e = error(&BASE.replace("id = \"demo-camera\"", "id = \"Demo_Camera\""));
    assert_eq!(e.line, 3, "{e}");
    let e = error(&BASE.replace("protocol = [\"http\"]", "protocol = [\"https\"]"));
    assert_eq!(e.line, 5, "{e}");
    assert!(e.message.contains("https"), "{e}");
}

#[test]
fn duplicate_ids_across_files_are_rejected() {
    let e = Fingerprints::parse(&[
        ("checks/fingerprints/a.toml", BASE),
        ("checks/fingerprints/b.toml", BASE),
    ])
    .unwrap_err();
    assert_eq!(e.file, "checks/fingerprints/b.toml");
    assert_eq!(e.line, 2, "{e}");
    assert!(e.message.contains("defined twice"), "{e}");
    assert!(e.message.contains("a.toml:2"), "{e}");
}

#[test]
fn an_example_with_wrong_outputs_is_rejected_at_its_line() {
    let e = error(&BASE.replace(r#"version = "1.2", class"#, r#"version = "1.3", class"#));
    assert_eq!(e.line, 12, "{e}");
    assert_eq!(e.field, "demo-camera: examples[0]");
    assert!(e.message.contains("1.3"), "{e}");
    let e = error(&BASE.replace(r#"product = "DemoCam", version"#, r#"version"#));
    assert!(e.message.contains("expects product none"), "{e}");
    let e = error(&BASE.replace(r#""DemoCam/1.2" }"#, r#""OtherCam/1.2" }"#));
    assert!(e.message.contains("does not match"), "{e}");
}

#[test]
fn an_example_stolen_by_an_earlier_fingerprint_is_rejected() {
    let greedy = r#"
[[fingerprint]]
id = "greedy"
description = "Matches every DemoCam."
match = [{ fact = "http.server", regex = '^DemoCam' }]
vendor = "Demo"
class = "camera"
examples = [{ protocol = "http", facts = { "http.server" = "DemoCam" }, vendor = "Demo" }]
"#;
    let e = Fingerprints::parse(&[
        ("checks/fingerprints/a.toml", greedy),
        ("checks/fingerprints/b.toml", BASE),
    ])
    .unwrap_err();
    assert_eq!(e.file, "checks/fingerprints/b.toml");
    assert_eq!(e.line, 12, "{e}");
    assert!(e.message.contains("`greedy`"), "{e}");
    // In the other order both load.
    let fps = Fingerprints::parse(&[
        ("checks/fingerprints/a.toml", BASE),
        ("checks/fingerprints/b.toml", greedy),
    ])
    .unwrap();
    assert_eq!(fps.len(), 2);
}

#[test]
fn a_toml_syntax_error_names_file_and_line() {
    let e = error(&BASE.replace("vendor = \"Demo\"", "vendor = Demo"));
    assert_eq!(e.file, "checks/fingerprints/t.toml");
    assert_eq!(e.line, 7, "{e}");
}

#[test]
fn from_dir_reads_the_fingerprints_folder() {
    let root = std::env::temp_dir().join(format!("stadscan-fp-{}", std::process::id()));
    let dir = root.join("fingerprints");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("demo.toml"), BASE).unwrap();
    std::fs::write(root.join("check.toml"), "[[check]]\nid = \"x\"\n").unwrap();
    let from_parent = Fingerprints::from_dir(&root);
    let from_folder = Fingerprints::from_dir(&dir);
    let missing = Fingerprints::from_dir(&root.join("nope"));
    std::fs::remove_dir_all(&root).unwrap();
    assert_eq!(from_parent.unwrap().len(), 1);
    let fps = from_folder.unwrap();
    assert!(
        fps.get("demo-camera")
            .unwrap()
            .source
            .ends_with("demo.toml")
    );
    assert_eq!(missing.unwrap_err().line, 0);
}

// ---------------------------------------------------------------------------
// Device classes
// ---------------------------------------------------------------------------

#[test]
fn device_class_strings_match_serde_and_parse_back() {
    for c in DeviceClass::ALL {
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(json, format!("\"{}\"", c.as_str()));
        assert_eq!(c.as_str().parse::<DeviceClass>(), Ok(c));
        assert_eq!(c.to_string(), c.as_str());
    }
    assert!("webcam".parse::<DeviceClass>().is_err());
}

#[test]
fn personal_data_is_stated_for_the_dpia_register() {
    assert_eq!(
        DeviceClass::Camera.personal_data(),
        Some("video of people in public space")
    );
    assert!(DeviceClass::Nvr.personal_data().is_some());
    assert!(
        DeviceClass::SensorGateway
            .personal_data()
            .unwrap()
            .contains("Wi-Fi/Bluetooth")
    );
    assert_eq!(DeviceClass::Plc.personal_data(), None);
    assert_eq!(DeviceClass::StreetlightController.personal_data(), None);
    assert_eq!(DeviceClass::NetworkGear.personal_data(), None);
    // Classes the scanner cannot judge are never reported as "none".
    assert!(DeviceClass::Unknown.personal_data().is_some());
    assert!(DeviceClass::Server.personal_data().is_some());
    for c in DeviceClass::ALL {
        if let Some(text) = c.personal_data() {
            assert!(!text.is_empty() && text.len() <= 200, "{c}");
        }
    }
}

#[test]
fn identities_serialize_with_kebab_case_classes() {
    let fps = with_lab();
    let id = fps
        .identify(
            "snmp",
            &facts(&[(
                "snmp.sys_descr",
                text("LightLink SLC-200 streetlight controller, firmware 3.2.1"),
            )]),
        )
        .unwrap();
    let json = serde_json::to_value(&id).unwrap();
    assert_eq!(json["class"], "streetlight-controller");
    assert_eq!(json["confidence"], "high");
    assert_eq!(json["fingerprint"], "lab-lightlink-snmp");
}
