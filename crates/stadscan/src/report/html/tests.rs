//! Tests of the CISO report on a small, demo-like report built by hand.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;
use std::sync::Arc;

use super::analysis::{self, Concentration};
use super::*;
use crate::compliance::{self, Compliance, Status};
use crate::history::{Change, Changes, RunSummary, View};
use crate::knowledge_base::Knowledge;
use crate::model::{
    Asset, Category, Confidence, Endpoint, Finding, IdentityKind, Observation, Origin,
};
use crate::report::{Note, NoteLevel, Report, ScanStats};
use crate::scope::Scope;

const HOSTILE_SCRIPT: &str = "<script>alert(1)</script>";
const HOSTILE_ATTR: &str = "\"><img src=x onerror=alert(2)>";

fn ip(last: u8) -> IpAddr {
    IpAddr::from([127, 42, 0, last])
}

struct Device {
    last: u8,
    class: &'static str,
    vendor: Option<&'static str>,
    model: Option<&'static str>,
    firmware: Option<&'static str>,
    host: Option<&'static str>,
    /// (port, protocol, tls)
    services: &'static [(u16, &'static str, bool)],
}

fn asset(d: &Device) -> Asset {
    let class: crate::fingerprint::DeviceClass = d.class.parse().expect("a device class");
    Asset {
        id: format!("address:{}", ip(d.last)),
        identity: IdentityKind::Address,
        addr: ip(d.last),
        hostnames: d.host.map(|h| vec![h.to_string()]).unwrap_or_default(),
        origin: Origin::Network(0),
        label: None,
        vendor: d.vendor.map(str::to_string),
        model: d.model.map(str::to_string),
        firmware: d.firmware.map(str::to_string),
        class,
        fingerprint: None,
        fingerprint_confidence: None,
        personal_data: class.personal_data().map(str::to_string),
        cpes: Vec::new(),
        observations: d
            .services
            .iter()
            .map(|(port, proto, tls)| {
                let mut o = Observation::new(Endpoint::tcp(ip(d.last), *port), None);
                o.protocol = proto.to_string();
                o.tls = *tls;
                o
            })
            .collect(),
    }
}

fn finding(
    last: u8,
    port: u16,
    rule: &str,
    category: Category,
    severity: Severity,
    message: &str,
) -> Finding {
    Finding {
        check_id: rule.to_string(),
        category,
        severity,
        confidence: Confidence::High,
        endpoint: Endpoint::tcp(ip(last), port),
        service: String::new(),
        asset: format!("address:{}", ip(last)),
        hostname: None,
        message: message.to_string(),
        evidence: BTreeMap::new(),
        controls: vec![],
    }
}

const DEVICES: &[Device] = &[
    Device {
        last: 11,
        class: "camera",
        vendor: Some("Hikvision"),
        model: Some("DS-2CD2143G0-I"),
        firmware: Some("V5.5.0"),
        host: Some("cam-markt.demo-city.test"),
        services: &[(8080, "http", false), (8443, "http", true)],
    },
    Device {
        last: 12,
        class: "mqtt-broker",
        vendor: Some("Eclipse"),
        model: Some("Mosquitto"),
        firmware: Some("1.6.9"),
        host: None,
        services: &[(1883, "mqtt", false)],
    },
    Device {
        last: 13,
        class: "streetlight-controller",
        vendor: Some("LightLink"),
        model: Some("SLC-200"),
        firmware: Some("2.1.0"),
        host: None,
        services: &[(1161, "snmp", false)],
    },
    Device {
        last: 14,
        class: "traffic-controller",
        vendor: None,
        model: None,
        firmware: None,
        host: None,
        services: &[(2323, "telnet", false)],
    },
    Device {
        last: 15,
        class: "sensor-gateway",
        vendor: Some("Acme Sensors"),
        model: Some("GW-3"),
        firmware: None,
        host: None,
        services: &[(2121, "ftp", false)],
    },
    Device {
        last: 16,
        class: "server",
        vendor: Some("nginx"),
        model: None,
        firmware: Some("1.24.0"),
        host: Some("portal.demo-city.test"),
        services: &[(8443, "http", true)],
    },
    Device {
        last: 17,
        class: "camera",
        vendor: Some("Hikvision"),
        model: Some("DS-2CD2T47G2"),
        firmware: None,
        host: None,
        services: &[(8554, "rtsp", false)],
    },
    Device {
        last: 18,
        class: "sensor-gateway",
        vendor: Some("Acme Sensors"),
        model: Some("GW-3"),
        firmware: Some("2019.1"),
        host: None,
        services: &[(2222, "ssh", false)],
    },
    Device {
        last: 19,
        class: "building-automation",
        vendor: Some("Siemens"),
        model: Some("PXC4"),
        firmware: None,
        host: None,
        services: &[(10443, "tls", true)],
    },
    Device {
        last: 22,
        class: "plc",
        vendor: Some("Schneider Electric"),
        model: Some("M221"),
        firmware: Some("1.10"),
        host: None,
        services: &[(5020, "modbus", false)],
    },
    Device {
        last: 24,
        class: "nvr",
        vendor: Some("Hikvision"),
        model: Some("DS-7608NI"),
        firmware: None,
        host: None,
        services: &[(49152, "http", false)],
    },
    Device {
        last: 25,
        class: "camera",
        vendor: Some("Hikvision"),
        model: Some("DS-2CD2386G2"),
        firmware: None,
        host: None,
        services: &[(3702, "ws-discovery", false)],
    },
];

pub(crate) fn knowledge() -> Knowledge {
    Knowledge::load(None).unwrap()
}

pub(crate) fn fixture(k: &Knowledge, complete: bool) -> Report {
    let text = "name = \"Demo City centrum\"\n[[networks]]\ncidr = \"127.42.0.0/24\"\n";
    let scope = Scope::parse(text, Path::new("scopes/demo.toml")).unwrap();
    let findings = vec![
        finding(
            11,
            8080,
            "hikvision-cve-2021-36260",
            Category::KnownExploited,
            Severity::Critical,
            "Hikvision DS-2CD2143G0-I firmware V5.5.0 is affected by CVE-2021-36260",
        ),
        finding(
            11,
            8080,
            "http-basic-auth-cleartext",
            Category::CleartextAdmin,
            Severity::Medium,
            "HTTP Basic login over cleartext at 127.42.0.11:8080",
        ),
        finding(
            11,
            8443,
            "cert-expired",
            Category::CertExpired,
            Severity::Medium,
            "certificate expired on 2024-01-31",
        ),
        finding(
            12,
            1883,
            "mqtt-anonymous-access",
            Category::UnauthenticatedAccess,
            Severity::High,
            "MQTT broker accepts anonymous clients",
        ),
        finding(
            13,
            1161,
            "snmp-public-community",
            Category::DefaultCredentials,
            Severity::High,
            "SNMP community `public` answers",
        ),
        finding(
            14,
            2323,
            "telnet-cleartext-login",
            Category::CleartextAdmin,
            Severity::High,
            "Telnet login prompt on 127.42.0.14:2323",
        ),
        finding(
            15,
            2121,
            "ftp-anonymous-login",
            Category::UnauthenticatedAccess,
            Severity::Medium,
            "anonymous FTP login accepted",
        ),
        finding(
            15,
            2121,
            "ftp-cleartext-login",
            Category::CleartextAdmin,
            Severity::Medium,
            "FTP login without TLS",
        ),
        finding(
            17,
            8554,
            "rtsp-stream-without-auth",
            Category::UnauthenticatedAccess,
            Severity::High,
            "RTSP DESCRIBE answered without authentication",
        ),
        finding(
            19,
            10443,
            "tls-protocol-insufficient",
            Category::TlsLegacyProtocol,
            Severity::High,
            "TLS 1.0 and TLS 1.1 offered",
        ),
        finding(
            19,
            10443,
            "tls-cipher-insufficient",
            Category::TlsWeakCipher,
            Severity::Medium,
            "static RSA key exchange with CBC suites",
        ),
        finding(
            19,
            10443,
            "cert-weak-key",
            Category::CertWeakKey,
            Severity::Medium,
            "RSA-1024 certificate key",
        ),
        finding(
            22,
            5020,
            "modbus-exposed",
            Category::ExposedOtProtocol,
            Severity::High,
            "Modbus/TCP answers Read Device Identification",
        ),
        finding(
            24,
            49152,
            "http-basic-auth-cleartext",
            Category::CleartextAdmin,
            Severity::Medium,
            "HTTP Basic login over cleartext at 127.42.0.24:49152",
        ),
        finding(
            25,
            3702,
            "onvif-device-info-unauthenticated",
            Category::UnauthenticatedAccess,
            Severity::Medium,
            "ONVIF GetDeviceInformation without login",
        ),
    ];
    let mut notes = vec![Note::new(
        NoteLevel::Info,
        "1 name resolved outside the scope and was not scanned",
        "1 naam wees buiten de scope en is niet gescand",
    )];
    if !complete {
        notes.push(Note::new(
            NoteLevel::Error,
            "scan interrupted after 4000 of 9000 positions: results are partial",
            "scan afgebroken na 4000 van 9000 posities: de resultaten zijn onvolledig",
        ));
    }
    Report {
        scope: Arc::new(scope),
        scope_uri: "scopes/demo.toml".into(),
        checks: Arc::new(k.rules(None)),
        baselines: k.baselines.clone(),
        started: 1_795_924_531,
        finished: 1_795_924_531 + 95,
        complete,
        discover_only: false,
        assets: DEVICES.iter().map(asset).collect(),
        findings,
        refused: vec![],
        certificate_keys: BTreeMap::new(),
        notes,
        stats: ScanStats {
            addresses: 256,
            ports: 35,
            positions_done: 8960,
            open_tcp: 14,
            udp_answers: 3,
            elapsed_ms: 95_400,
            net: Default::default(),
            discovery: crate::report::DiscoveryStats {
                hosts: crate::scope::HostDiscovery::Probe,
                liveness_tcp: vec![80, 443, 22, 554],
                icmp: false,
                addresses_alive: 16,
                tcp: crate::report::TcpDiscovery::Connect,
            },
            window: crate::report::WindowStats {
                in_flight: 512,
                wanted: 512,
                open_file_limit: Some(1024),
                limited_by_files: false,
            },
        },
        compliance: None,
        history: None,
        sarif_absent: false,
    }
}

pub(crate) fn bio2(report: &Report) -> Compliance {
    compliance::evaluate(&report.scanned(), &report.baselines, "bio2").unwrap()
}

fn run(id: i64, day: i64, complete: bool, sev: &[(Severity, usize)], failed: usize) -> RunSummary {
    RunSummary {
        id,
        started: 1_795_924_531 - (5 - day) * 7 * 86_400,
        complete,
        assets: 12,
        by_severity: sev.iter().copied().collect(),
        failed_controls: failed,
        baseline: "bio2".into(),
    }
}

fn change(rule: &str, endpoint: &str, severity: Severity, message: &str) -> Change {
    Change {
        key: format!("{rule}@{endpoint}"),
        rule: rule.into(),
        endpoint: endpoint.into(),
        asset: "address:127.42.0.11".into(),
        severity,
        message: message.into(),
    }
}

pub(crate) fn history(runs: usize) -> View {
    use Severity::*;
    let all = [
        run(
            1,
            1,
            true,
            &[(Critical, 2), (High, 9), (Medium, 11), (Low, 3)],
            7,
        ),
        run(
            2,
            2,
            true,
            &[(Critical, 2), (High, 8), (Medium, 10), (Low, 2)],
            6,
        ),
        run(3, 3, false, &[(High, 3), (Medium, 4)], 4),
        run(
            4,
            4,
            true,
            &[(Critical, 1), (High, 7), (Medium, 9), (Low, 1)],
            6,
        ),
        run(5, 5, true, &[(Critical, 1), (High, 6), (Medium, 8)], 5),
    ];
    let trend = all[all.len() - runs..].to_vec();
    let changes = (runs >= 2).then(|| Changes {
        previous_started: trend[trend.len() - 2].started,
        previous_id: trend[trend.len() - 2].id,
        new: vec![change(
            "rtsp-stream-without-auth",
            "127.42.0.17:8554/tcp",
            High,
            "RTSP DESCRIBE answered without authentication",
        )],
        updated: vec![change(
            "cert-expired",
            "127.42.0.11:8443/tcp",
            Medium,
            "certificate expired on 2024-01-31",
        )],
        fixed: vec![change(
            "telnet-cleartext-login",
            "127.42.0.30:23/tcp",
            High,
            "Telnet login prompt on 127.42.0.30:23",
        )],
        unchanged: 13,
        states: BTreeMap::new(),
    });
    View {
        run_id: trend.last().map_or(0, |r| r.id),
        trend,
        changes,
    }
}

const SECTIONS: &[&str] = &[
    "summary",
    "compliance",
    "trend",
    "changes",
    "risk",
    "fixes",
    "inventory",
    "personal-data",
    "vendors",
    "notes",
];

fn section_order(html: &str) -> Vec<usize> {
    SECTIONS
        .iter()
        .map(|id| {
            html.find(&format!("<section id=\"{id}\">"))
                .unwrap_or_else(|| panic!("section #{id} missing"))
        })
        .collect()
}

#[test]
fn every_section_is_present_in_order() {
    let k = knowledge();
    let report = fixture(&k, true);
    let c = bio2(&report);
    for lang in [Lang::Nl, Lang::En] {
        for h in [None, Some(history(1)), Some(history(5))] {
            let html = render(&report, &c, h.as_ref(), lang);
            let at = section_order(&html);
            assert!(at.windows(2).all(|w| w[0] < w[1]), "sections out of order");
            assert!(html.starts_with("<!DOCTYPE html>"));
            assert!(html.trim_end().ends_with("</html>"));
        }
    }
}

#[test]
fn dutch_and_english_use_their_own_strings_and_titles() {
    let k = knowledge();
    let report = fixture(&k, true);
    let c = bio2(&report);
    let nl = render(&report, &c, None, Lang::Nl);
    let en = render(&report, &c, None, Lang::En);
    assert!(nl.contains("<html lang=\"nl\">"));
    assert!(en.contains("<html lang=\"en\">"));
    assert!(nl.contains("Samenvatting") && !nl.contains(">Summary<"));
    assert!(en.contains(">Summary<") && !en.contains("Samenvatting"));
    assert!(nl.contains("Apparaten met het hoogste risico"));
    assert!(en.contains("Riskiest devices"));
    // Control 8.24 in Dutch by its Dutch title, in English by ISO's.
    assert!(nl.contains("Gebruik van cryptografie"));
    assert!(!nl.contains("Use of cryptography"));
    assert!(en.contains("Use of cryptography"));
    assert!(nl.contains("kritiek") && en.contains("critical"));
    assert!(nl.contains("verkeersregelinstallatie") && en.contains("traffic controller"));
    assert!(nl.contains("beelden van mensen in de openbare ruimte"));
    assert!(en.contains("video of people in public space"));
    // Dates as YYYY-MM-DD HH:MM UTC.
    assert!(nl.contains("2026-11-29 03:55 UTC"), "scan time");
}

#[test]
fn lang_parses_nl_and_en_only() {
    assert_eq!("nl".parse::<Lang>().unwrap(), Lang::Nl);
    assert_eq!("EN".parse::<Lang>().unwrap(), Lang::En);
    assert!("de".parse::<Lang>().is_err());
}

#[test]
fn partial_run_is_flagged_prominently() {
    let k = knowledge();
    let partial = fixture(&k, false);
    let c = bio2(&partial);
    let nl = render(&partial, &c, None, Lang::Nl);
    let en = render(&partial, &c, None, Lang::En);
    assert!(nl.contains("class=\"partial-banner\"") && nl.contains("ONVOLLEDIG"));
    assert!(en.contains("class=\"partial-banner\"") && en.contains("PARTIAL"));
    // The banner sits in the summary, before the verdict.
    let summary = &en[en.find("id=\"summary\"").unwrap()..en.find("id=\"compliance\"").unwrap()];
    assert!(summary.find("partial-banner").unwrap() < summary.find("class=\"verdict\"").unwrap());
    let complete = fixture(&k, true);
    let html = render(&complete, &bio2(&complete), None, Lang::En);
    assert!(!html.contains("class=\"partial-banner\""));
}

#[test]
fn trend_charts_only_with_two_or_more_runs() {
    let k = knowledge();
    let report = fixture(&k, true);
    let c = bio2(&report);
    let none = render(&report, &c, None, Lang::En);
    assert!(!none.contains("id=\"trend-findings\""));
    assert!(none.contains("--history"));
    let one = render(&report, &c, Some(&history(1)), Lang::En);
    assert!(!one.contains("id=\"trend-findings\""));
    assert!(one.contains("first scan"));
    let five = render(&report, &c, Some(&history(5)), Lang::Nl);
    assert!(five.contains("id=\"trend-findings\"") && five.contains("id=\"trend-failed\""));
    // The partial run is marked in words and by the dashed outline.
    assert!(five.contains("partial-outline"));
    assert!(five.contains("onvolledig*"));
    // Changes: new, updated and fixed tables and the unchanged count.
    let changes = &five[five.find("id=\"changes\"").unwrap()..five.find("id=\"risk\"").unwrap()];
    assert!(changes.contains("Nieuw (1)") && changes.contains("Gewijzigd (1)"));
    assert!(changes.contains("Opgelost of niet meer bereikbaar (1)"));
    assert!(changes.contains("Ongewijzigd: 13 bevindingen"));
    assert!(changes.contains("127.42.0.30:23/tcp"));
}

#[test]
fn hostile_device_text_is_escaped_everywhere() {
    let k = knowledge();
    let mut report = fixture(&k, true);
    let mut scope = (*report.scope).clone();
    scope.name = format!("Centrum {HOSTILE_SCRIPT}{HOSTILE_ATTR}");
    report.scope = Arc::new(scope);
    report.assets[0].vendor = Some(format!("{HOSTILE_SCRIPT}{HOSTILE_ATTR}"));
    report.assets[0].hostnames = vec![format!("x{HOSTILE_ATTR}'")];
    report.assets[1].model = Some(HOSTILE_SCRIPT.into());
    report.findings[0].message = format!("banner {HOSTILE_SCRIPT} {HOSTILE_ATTR}");
    report.findings[1].check_id = format!("rule{HOSTILE_ATTR}");
    report.notes[0].message = HOSTILE_ATTR.into();
    let c = bio2(&report);
    let mut h = history(5);
    if let Some(ch) = h.changes.as_mut() {
        ch.new[0].message = HOSTILE_SCRIPT.into();
        ch.fixed[0].endpoint = HOSTILE_ATTR.into();
    }
    for lang in [Lang::Nl, Lang::En] {
        let html = render(&report, &c, Some(&h), lang);
        let lower = html.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "a script tag got through");
        assert!(!lower.contains("<img"), "an img tag got through");
        // The text stays visible, but inert: every `onerror` is inside
        // escaped text.
        assert!(!html.contains("\"><img"), "a quote closed an attribute");
        assert!(html.contains("onerror"));
        assert_eq!(
            html.matches("onerror").count(),
            html.matches("&quot;&gt;&lt;img src=x onerror").count()
        );
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
        assert!(html.contains("&#39;"));
    }
}

#[test]
fn escape_covers_the_five_characters() {
    assert_eq!(escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
    assert_eq!(escape("gewoon"), "gewoon");
}

/// Every `src=`/`href=` attribute value in `html`, and every CSS `url(`.
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = html.to_ascii_lowercase();
    for attr in ["src=", "href=", "url(", "@import", "srcset="] {
        let mut from = 0;
        while let Some(i) = lower[from..].find(attr) {
            let at = from + i + attr.len();
            out.push(lower[at..].chars().take(40).collect());
            from = at;
        }
    }
    out
}

#[test]
fn loads_nothing_from_elsewhere() {
    let k = knowledge();
    let report = fixture(&k, false);
    let c = bio2(&report);
    for lang in [Lang::Nl, Lang::En] {
        let html = render(&report, &c, Some(&history(5)), lang);
        let refs = references(&html);
        assert!(
            !refs.is_empty(),
            "the fixture has in-page links and patterns"
        );
        for r in refs {
            let r = r.trim_start_matches(['"', '\'']);
            assert!(r.starts_with('#'), "reference outside the page: {r}");
        }
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(html.contains("Content-Security-Policy"));
    }
}

#[test]
fn not_testable_controls_are_never_shown_as_passed() {
    let k = knowledge();
    let report = fixture(&k, true);
    let c = bio2(&report);
    let untestable: Vec<&str> = c
        .controls
        .iter()
        .filter(|r| r.status == Status::NotTestable)
        .map(|r| r.id.as_str())
        .collect();
    assert!(
        !untestable.is_empty(),
        "bio2 has controls a scan cannot see"
    );
    for (lang, words) in [
        (Lang::Nl, "niet toetsbaar met een scan"),
        (Lang::En, "not testable by scanning"),
    ] {
        let html = render(&report, &c, None, lang);
        let section =
            &html[html.find("id=\"compliance\"").unwrap()..html.find("id=\"trend\"").unwrap()];
        for row in section.split("<tr>").skip(2) {
            let is_untestable = untestable
                .iter()
                .any(|id| row.contains(&format!("<span class=\"mono\">{id}</span>")));
            if is_untestable {
                assert!(row.contains(words), "{row}");
                assert!(!row.contains("st-pass"), "{row}");
            }
        }
        // And the summary counts them apart from the passes.
        assert!(html.contains(&format!(
            "{}: {}",
            i18n::status(lang, Status::NotTestable),
            c.counts.not_testable
        )));
    }
}

#[test]
fn output_is_deterministic() {
    let k = knowledge();
    let report = fixture(&k, true);
    let c = bio2(&report);
    let h = history(5);
    assert_eq!(
        render(&report, &c, Some(&h), Lang::Nl),
        render(&report, &c, Some(&h), Lang::Nl)
    );
}

#[test]
fn charts_are_accessible_and_labelled() {
    let k = knowledge();
    let report = fixture(&k, true);
    let html = render(&report, &bio2(&report), Some(&history(5)), Lang::En);
    let charts = html.matches("<svg id=").count();
    assert!(charts >= 6, "{charts} charts");
    assert_eq!(html.matches("role=\"img\"").count(), charts);
    assert_eq!(html.matches("<title id=").count(), charts);
    // Bars carry their values as text: 1 critical finding in the fixture.
    assert!(html.contains("critical: 1"));
}

#[test]
fn risk_score_weighs_severity_and_doubles_known_exploited() {
    let k = knowledge();
    let report = fixture(&k, true);
    let top = analysis::riskiest(&report, 10);
    // The camera: critical KEV (2 x 10) + two mediums (2 + 2).
    assert_eq!(top[0].asset.addr, ip(11));
    assert_eq!(top[0].score, 24);
    assert_eq!(top[0].known_exploited, 1);
    assert_eq!(top[0].worst, Severity::Critical);
    // The BMS: high 5 + medium 2 + medium 2.
    assert_eq!(top[1].asset.addr, ip(19));
    assert_eq!(top[1].score, 9);
    // Devices without findings are not listed.
    assert!(top.iter().all(|r| r.findings > 0));
    assert_eq!(analysis::riskiest(&report, 3).len(), 3);
}

#[test]
fn fixes_group_findings_by_rule() {
    let k = knowledge();
    let report = fixture(&k, true);
    let fixes = analysis::top_fixes(&report, 10, false);
    let first = &fixes[0];
    assert_eq!(first.rule, "http-basic-auth-cleartext");
    assert_eq!((first.findings, first.assets), (2, 2));
    // The work list: the addresses of the devices it closes, in order.
    assert_eq!(first.addresses.len(), 2);
    assert!(first.addresses.windows(2).all(|w| w[0] < w[1]));
    assert!(first.remediation.len() > first.first_step.len());
    // In Dutch, title and remedy come from checks/lang/nl.toml.
    let nl = analysis::top_fixes(&report, 10, true);
    assert_eq!(nl[0].rule, first.rule);
    assert_ne!(nl[0].title, first.title);
    assert!(nl[0].remediation.contains("HTTPS"), "{}", nl[0].remediation);
    assert!(!first.first_step.is_empty() && !first.first_step.contains('\n'));
    assert_ne!(first.title, first.rule, "the catalogue title is used");
    // Ties on count go to the higher severity: the KEV critical next.
    assert_eq!(fixes[1].rule, "hikvision-cve-2021-36260");
    assert!(fixes.len() <= 10);
}

#[test]
fn first_step_is_the_first_sentence_of_the_wrapped_remediation() {
    let text = "\nDisable Telnet on the device and manage it over SSH (e.g. port 22) instead. If the\nfirmware cannot, isolate it.\n\nSecond paragraph.";
    assert_eq!(
        analysis::first_step(text),
        "Disable Telnet on the device and manage it over SSH (e.g. port 22) instead."
    );
    assert_eq!(
        analysis::first_step("One line without a stop"),
        "One line without a stop"
    );
    assert_eq!(analysis::first_step(""), "");
    let long = "word ".repeat(100);
    assert_eq!(analysis::first_step(&long).chars().count(), 240);
}

#[test]
fn concentration_flags_follow_the_thresholds() {
    let k = knowledge();
    let report = fixture(&k, true);
    let rows = analysis::class_concentration(&report.assets);
    let camera = rows.iter().find(|r| r.class == "camera").unwrap();
    assert_eq!(
        (camera.devices, camera.vendor, camera.vendor_devices),
        (3, Some("Hikvision"), 3)
    );
    assert_eq!(camera.flag, Concentration::Strong);
    let gateways = rows.iter().find(|r| r.class == "sensor-gateway").unwrap();
    assert_eq!(gateways.flag, Concentration::TooFew);
    assert_eq!(rows[0].flag, Concentration::Strong, "strongest first");

    let mut assets = report.assets.clone();
    for (i, vendor) in [Some("A"), Some("A"), Some("B"), Some("C")]
        .into_iter()
        .enumerate()
    {
        let mut a = assets[0].clone();
        a.id = format!("x{i}");
        a.class = crate::fingerprint::DeviceClass::Printer;
        a.vendor = vendor.map(str::to_string);
        assets.push(a);
    }
    let rows = analysis::class_concentration(&assets);
    let printers = rows.iter().find(|r| r.class == "printer").unwrap();
    // 2 of 4 is half, not more than half.
    assert_eq!(printers.flag, Concentration::Spread);
    assert_eq!(printers.share_pct(), 50);
    // An unknown maker may be the largest vendor: not "spread".
    assets.last_mut().unwrap().vendor = None;
    let rows = analysis::class_concentration(&assets);
    let printers = rows.iter().find(|r| r.class == "printer").unwrap();
    assert_eq!(printers.flag, Concentration::NotIdentified);
    assert_eq!(printers.not_identified, 1);
    assets.last_mut().unwrap().vendor = Some("A".into());
    let rows = analysis::class_concentration(&assets);
    let printers = rows.iter().find(|r| r.class == "printer").unwrap();
    assert_eq!(printers.flag, Concentration::Attention);

    // No identified maker at all (MQTT brokers of unknown vendor) is a
    // to-do, never "spread at 0 %"; devices of unknown kind are no class,
    // and the software they run does not make its author their vendor.
    let mut brokers = Vec::new();
    for i in 0..3 {
        let mut a = assets[0].clone();
        a.id = format!("b{i}");
        a.class = crate::fingerprint::DeviceClass::MqttBroker;
        a.vendor = None;
        brokers.push(a);
    }
    let mut dropbear = assets[0].clone();
    dropbear.id = "d".into();
    dropbear.class = crate::fingerprint::DeviceClass::Unknown;
    dropbear.vendor = Some("Matt Johnston".into());
    brokers.push(dropbear);
    let rows = analysis::class_concentration(&brokers);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].flag, Concentration::NotIdentified);
    assert_eq!(rows[0].not_identified, 3);
    assert!(analysis::vendor_shares(&brokers).is_empty());
    assert_eq!(analysis::not_identified(&brokers), 4);
}

#[test]
fn vendor_shares_count_identified_makers_and_leave_the_rest_to_do() {
    let k = knowledge();
    let report = fixture(&k, true);
    let shares = analysis::vendor_shares(&report.assets);
    assert_eq!(shares[0], ("Hikvision", 4));
    assert_eq!(
        shares.iter().map(|(_, n)| n).sum::<usize>() + analysis::not_identified(&report.assets),
        report.assets.len()
    );
    assert!(analysis::not_identified(&report.assets) >= 1);
}

#[test]
fn an_empty_scan_still_renders_every_section() {
    let k = knowledge();
    let mut report = fixture(&k, true);
    report.assets.clear();
    report.findings.clear();
    report.notes.clear();
    let c = bio2(&report);
    let html = render(&report, &c, None, Lang::Nl);
    section_order(&html);
    assert!(html.contains("Er is in deze scan niets te herstellen"));
}

/// Writes the fixture as `target/report-sample.html` (and `-en.html`) for
/// the Chromium check and the screenshot:
/// `cargo test --lib report::html -- --ignored write_sample`.
#[test]
#[ignore]
fn write_sample_report() {
    let k = knowledge();
    let report = fixture(&k, true);
    let c = bio2(&report);
    let h = history(5);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("target");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("report-sample.html"),
        render(&report, &c, Some(&h), Lang::Nl),
    )
    .unwrap();
    std::fs::write(
        dir.join("report-sample-en.html"),
        render(&report, &c, Some(&h), Lang::En),
    )
    .unwrap();
}
