use std::path::PathBuf;

use super::*;

fn v(s: &str) -> Version {
    Version::parse(s).unwrap_or_else(|| panic!("`{s}` should parse"))
}

fn kev_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("tests/data/kev")
        .join(name)
}

// --- versions ---------------------------------------------------------------

#[test]
fn parses_every_vendor_shape() {
    let hik = v("V5.4.0 build 160530");
    assert_eq!(hik.numbers(), &[5, 4, 0]);
    assert_eq!(hik.build(), Some(160530));
    assert_eq!(v("2.0.11").numbers(), &[2, 0, 11]);
    let pkg = v("1.4.69-1");
    assert_eq!(pkg.numbers(), &[1, 4, 69]);
    assert_eq!(pkg.revision(), Some("1"));
    assert!(!pkg.is_distribution_build());
    assert_eq!(v("R2.3.1").numbers(), &[2, 3, 1]);
    assert_eq!(v("v2.3.1").numbers(), &[2, 3, 1]);
    assert!(v("1.0.2k") > v("1.0.2"));
    let underscored = v("5.5.800_210628");
    assert_eq!(underscored.numbers(), &[5, 5, 800]);
    assert_eq!(underscored.build(), Some(210628));
    let deb = v("2.4.52-1+deb11u2");
    assert_eq!(deb.numbers(), &[2, 4, 52]);
    assert_eq!(deb.distribution(), Some("Debian"));
    let ssh = v("8.4p1 Debian-5+deb11u1");
    assert_eq!(ssh.numbers(), &[8, 4]);
    assert!(ssh.is_distribution_build());
    let build45 = v("V2.3.1_build45");
    assert_eq!(build45.numbers(), &[2, 3, 1]);
    assert_eq!(build45.build(), Some(45));
    assert_eq!(v("4.1").numbers(), &[4, 1]);
    assert_eq!(v("4.1").as_str(), "4.1");
}

#[test]
fn parses_pre_releases_names_and_distribution_markers() {
    assert!(v("8.0.0-beta1").is_pre_release());
    assert!(v("6.43rc1").is_pre_release());
    assert!(v("9.0.0.M1").is_pre_release());
    assert!(
        !v("1.0.2m").is_pre_release(),
        "an OpenSSL letter, not a milestone"
    );
    assert_eq!(v("OpenSSH_8.4p1").numbers(), &[8, 4]);
    assert_eq!(v("dropbear_2019.78").numbers(), &[2019, 78]);
    assert_eq!(v("IPC_G5_EU_STD_5.5.800_210628").build(), Some(210628));
    assert_eq!(v("1.0.1f-1ubuntu2.27").distribution(), Some("Ubuntu"));
    assert_eq!(
        v("2.4.37-43.module+el8.5.0").distribution(),
        Some("Red Hat")
    );
    assert_eq!(v("2.4.38 (Debian)").distribution(), Some("Debian"));
    assert_eq!(v("1.2.3+dfsg-1").distribution(), Some("Debian"));
    assert_eq!(v("9.6p1 Ubuntu-3ubuntu13.5").distribution(), Some("Ubuntu"));
    for bad in [
        "",
        "abc",
        "1.2.x",
        "1.2.3-",
        "version",
        "1.2.3.4.5.6.7.8.9.10.11.12",
    ] {
        assert!(Version::parse(bad).is_none(), "`{bad}` should not parse");
    }
    assert!(Version::parse(&"9".repeat(200)).is_none());
    assert!("2.4.49".parse::<Version>().is_ok());
    assert!("nope".parse::<Version>().is_err());
}

#[test]
fn orders_across_shapes() {
    let ascending = [
        ("1.0.1", "1.0.1f"),
        ("1.0.1f", "1.0.1g"),
        ("1.0.2", "1.0.2k"),
        ("1.0.2k", "1.0.2z"),
        ("1.0.2z", "1.0.2za"),
        ("1.0.2za", "1.0.2zc"),
        ("1.0.2zc", "1.0.2zd"),
        ("1.0.2zd", "1.1.0"),
        ("8.4p1", "8.5p1"),
        ("8.5", "8.5p1"),
        ("9.7p1", "9.8p1"),
        ("7.7p1", "7.8"),
        ("6.43rc1", "6.43rc4"),
        ("6.43rc4", "6.43"),
        ("6.42.1", "6.43rc1"),
        ("8.0.0-beta1", "8.0.0"),
        ("8.0.0-alpha2", "8.0.0-beta1"),
        ("9.0.0.M1", "9.0.0"),
        ("1.3.5rc4", "1.3.5"),
        ("1.3.5", "1.3.5a"),
        ("1.3.5a", "1.3.6rc1"),
        ("V5.4.0 build 160401", "V5.4.0 build 160530"),
        ("5.4.0", "V5.4.0 build 160401"),
        ("V5.4.5 build 170124", "5.5.800"),
        ("5.5.800", "5.5.800_210628"),
        ("R2.3.0", "2.3.1"),
        ("2.3.1", "V2.3.1_build45"),
        ("2.4.9", "2.4.10"),
        ("2.4.49", "2.4.52-1+deb11u2"),
        ("4.1", "4.1.1"),
        ("2016.74", "2019.78"),
        ("1.4.66", "1.4.69-1"),
        ("2.0.9", "2.0.11"),
    ];
    for (a, b) in ascending {
        assert!(v(a) < v(b), "{a} < {b}");
        assert!(v(b) > v(a), "{b} > {a}");
    }
    let equal = [
        ("4.1", "4.1.0"),
        ("V5.4.0", "5.4.0"),
        ("R2.3.1", "2.3.1"),
        ("2.4.52-1+deb11u2", "2.4.52"),
        ("8.4p1 Debian-5+deb11u1", "8.4p1"),
        ("1.4.69-1", "1.4.69"),
        ("1.0.2K", "1.0.2k"),
    ];
    for (a, b) in equal {
        assert_eq!(v(a), v(b), "{a} == {b}");
        assert_eq!(v(a).cmp(&v(b)), Ordering::Equal);
    }
}

fn sample() -> Vec<Version> {
    [
        "0.6.18",
        "1",
        "1.0",
        "1.0.0",
        "1.0.1",
        "1.0.1f",
        "1.0.1g",
        "1.0.2",
        "1.0.2k",
        "1.0.2z",
        "1.0.2za",
        "1.0.2zc",
        "1.1.1m",
        "1.1.1n",
        "2.0.11",
        "2.3.1",
        "R2.3.1",
        "V2.3.1_build45",
        "2.4.49",
        "2.4.50",
        "2.4.52-1+deb11u2",
        "4.1",
        "4.1.0",
        "5.4.0",
        "V5.4.0 build 160401",
        "V5.4.0 build 160530",
        "5.5.800",
        "5.5.800_210628",
        "6.42",
        "6.42.1",
        "6.43rc1",
        "6.43rc4",
        "6.43",
        "8.0.0-alpha1",
        "8.0.0-beta1",
        "8.0.0",
        "8.4p1",
        "8.4p1 Debian-5+deb11u1",
        "8.5",
        "8.5p1",
        "9.0.0.M1",
        "9.0.30",
        "1.3.5rc4",
        "1.3.5",
        "1.3.5a",
        "1.4.69-1",
        "2019.78",
    ]
    .iter()
    .map(|s| v(s))
    .collect()
}

#[test]
fn ordering_is_antisymmetric_and_consistent_with_equality() {
    let s = sample();
    for a in &s {
        assert_eq!(a.cmp(a), Ordering::Equal, "{a} reflexive");
        for b in &s {
            assert_eq!(a.cmp(b), b.cmp(a).reverse(), "{a} vs {b}");
            assert_eq!(a == b, a.cmp(b) == Ordering::Equal, "{a} == {b}");
            assert_eq!(a.partial_cmp(b), Some(a.cmp(b)));
        }
    }
}

#[test]
fn ordering_is_transitive() {
    let s = sample();
    for a in &s {
        for b in &s {
            for c in &s {
                if a <= b && b <= c {
                    assert!(a <= c, "{a} <= {b} <= {c}");
                }
                if a == b && b == c {
                    assert!(a == c, "{a} == {b} == {c}");
                }
            }
        }
    }
    let mut sorted = s.clone();
    sorted.sort();
    for w in sorted.windows(2) {
        assert!(w[0] <= w[1]);
    }
}

#[test]
fn distribution_note_speaks_only_of_distribution_builds() {
    let note = distribution_note("8.4p1 Debian-5+deb11u1").unwrap();
    assert!(note.contains("Debian"), "{note}");
    assert!(note.contains("backport"), "{note}");
    assert!(note.contains("8.4p1 Debian-5+deb11u1"), "{note}");
    assert!(distribution_note("2.4.52-1+deb11u2").is_some());
    assert!(
        distribution_note("1.0.1f-1ubuntu2.27")
            .unwrap()
            .contains("Ubuntu")
    );
    assert!(distribution_note("9.8p1").is_none());
    assert!(distribution_note("1.4.69-1").is_none());
    assert!(distribution_note("not a version").is_none());
}

#[test]
fn confidence_lowers_one_step() {
    assert_eq!(lower_confidence(Confidence::High), Confidence::Medium);
    assert_eq!(lower_confidence(Confidence::Medium), Confidence::Low);
    assert_eq!(lower_confidence(Confidence::Low), Confidence::Low);
}

// --- embedded advisories ----------------------------------------------------

#[test]
fn embedded_advisories_load_and_every_example_holds() {
    let adv = Advisories::embedded().unwrap();
    assert!(adv.len() >= 20, "only {} advisories", adv.len());
    assert!(!adv.is_empty());
    let baselines = Baselines::embedded().unwrap();
    let mut examples = 0;
    for a in &adv {
        assert!(a.source.starts_with("checks/firmware/"), "{}", a.source);
        assert!(
            a.controls.iter().any(|c| c.starts_with("bio2:")),
            "{}",
            a.id
        );
        assert!(
            a.controls.iter().all(|c| baselines.control(c).is_some()),
            "{}",
            a.id
        );
        assert!(a.examples.iter().any(|e| e.affected), "{}", a.id);
        assert!(a.examples.iter().any(|e| !e.affected), "{}", a.id);
        assert_eq!(a.lab, a.cves.is_empty(), "{}", a.id);
        for e in &a.examples {
            let got = a.matches(&e.vendor, &e.product, &e.version).is_some();
            assert_eq!(got, e.affected, "{}: {e:?}", a.id);
            let listed = adv
                .matching(&e.vendor, &e.product, &e.version)
                .iter()
                .any(|(m, _)| m.id == a.id);
            assert_eq!(listed, e.affected, "{}: {e:?}", a.id);
            examples += 1;
        }
    }
    assert!(examples >= 80, "{examples} examples");
    let ids: Vec<&str> = adv.iter().map(|a| a.id.as_str()).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(ids, sorted, "unique and in id order");
}

#[test]
fn kev_flags_match_the_advisories_written() {
    let adv = Advisories::embedded().unwrap();
    for id in [
        "hikvision-cve-2021-36260",
        "apache-httpd-cve-2021-41773",
        "apache-httpd-cve-2021-42013",
        "mikrotik-cve-2018-14847",
        "proftpd-cve-2015-3306",
    ] {
        assert!(adv.get(id).unwrap().kev, "{id}");
    }
    assert!(!adv.get("openssh-cve-2024-6387").unwrap().kev);
    assert_eq!(
        adv.get("hikvision-cve-2021-36260")
            .unwrap()
            .version_confidence,
        Confidence::Low
    );
}

#[test]
fn lab_devices_show_findings() {
    let files: Vec<(&str, &str)> = crate::knowledge::embedded::with_lab()
        .into_iter()
        .filter(|(p, _)| is_firmware_file(p))
        .collect();
    let adv = Advisories::parse(&files).unwrap();
    let slc = adv.matching("LightLink", "SLC-200", "3.2.1");
    assert_eq!(slc.len(), 1);
    assert_eq!(slc[0].0.id, "lab-2026-0001");
    assert!(slc[0].0.lab);
    assert_eq!(slc[0].1, Confidence::High);
    assert!(adv.matching("LightLink", "SLC-200", "3.4.0").is_empty());

    let ssh = adv.matching("Dropbear", "Dropbear", "2019.78");
    let ids: Vec<&str> = ssh.iter().map(|(a, _)| a.id.as_str()).collect();
    assert_eq!(ids, ["dropbear-cve-2023-48795"]);
    assert_eq!(ssh[0].1, Confidence::Medium);
}

#[test]
fn regresshion_matches_the_documented_range() {
    let adv = Advisories::embedded().unwrap();
    let hit = |version: &str| {
        adv.matching("OpenSSH", "OpenSSH", version)
            .iter()
            .any(|(a, _)| a.id == "openssh-cve-2024-6387")
    };
    assert!(hit("8.5p1"));
    assert!(hit("9.7p1"));
    assert!(!hit("8.4p1"));
    assert!(!hit("9.8p1"));
    let a = adv.get("openssh-cve-2024-6387").unwrap();
    assert_eq!(a.cvss, 8.1);
    assert_eq!(a.severity(), Severity::High);
    assert_eq!(a.fixed.as_deref(), Some("9.8p1, 4.4p1"));
    assert_eq!(
        a.fixed_for("OpenSSH", &v("9.1p1")).map(Version::as_str),
        Some("9.8p1")
    );
    assert!(a.fixed_for("OpenSSH", &v("9.8p1")).is_none());
}

#[test]
fn distribution_builds_lower_the_confidence() {
    let adv = Advisories::embedded().unwrap();
    let upstream = adv.matching("Apache", "Apache httpd", "2.4.41");
    let debian = adv.matching("Apache", "Apache httpd", "2.4.38-3+deb10u5");
    let find = |m: &[(&Advisory, Confidence)]| {
        m.iter()
            .find(|(a, _)| a.id == "apache-httpd-cve-2021-40438")
            .map(|(_, c)| *c)
    };
    assert_eq!(find(&upstream), Some(Confidence::Medium));
    assert_eq!(find(&debian), Some(Confidence::Low));
    let grafana = adv.matching("Grafana Labs", "Grafana", "8.3.0");
    assert_eq!(grafana[0].1, Confidence::High);
    let ubuntu = adv.matching("OpenSSL", "OpenSSL", "1.0.1f-1ubuntu2.27");
    assert_eq!(ubuntu.len(), 1);
    assert_eq!(ubuntu[0].1, Confidence::Low);
    assert!(distribution_note("1.0.1f-1ubuntu2.27").is_some());
}

#[test]
fn vendor_aliases_and_model_ranges_apply() {
    let adv = Advisories::embedded().unwrap();
    // Vendor names compare without case or punctuation.
    assert!(!adv.matching("open-ssh", "OpenSSH", "9.0p1").is_empty());
    assert!(adv.matching("Unknown", "OpenSSH", "9.0p1").is_empty());
    assert!(adv.matching("", "OpenSSH", "9.0p1").is_empty());
    // An unparseable version claims nothing.
    assert!(adv.matching("OpenSSH", "OpenSSH", "unknown").is_empty());
    // The same build is affected on one series and not on another.
    let hik = |model: &str| {
        adv.matching("Hikvision", model, "V5.4.0 build 160530")
            .iter()
            .any(|(a, _)| a.id == "hikvision-cve-2017-7921")
    };
    assert!(hik("DS-2CD2032F-I"));
    assert!(!hik("DS-2CD2020F-I"));
}

#[test]
fn a_kev_file_at_scan_time_marks_matches() {
    let adv = Advisories::embedded().unwrap();
    let kev = Kev::load(&kev_fixture("sample.json")).unwrap();
    let mikrotik = adv.get("mikrotik-cve-2018-14847").unwrap();
    assert!(mikrotik.known_exploited(None));
    let nginx = adv.get("nginx-cve-2021-23017").unwrap();
    assert!(!nginx.known_exploited(None));
    assert!(!nginx.known_exploited(Some(&kev)));
    let mut listed = nginx.clone();
    listed.cves = vec!["cve-2021-41773".into()];
    assert!(
        listed.known_exploited(Some(&kev)),
        "case-insensitive CVE lookup"
    );
}

// --- KEV --------------------------------------------------------------------

#[test]
fn kev_fixture_parses() {
    let kev = Kev::load(&kev_fixture("sample.json")).unwrap();
    assert_eq!(kev.len(), 3);
    assert!(!kev.is_empty());
    assert_eq!(kev.title, "CISA Catalog of Known Exploited Vulnerabilities");
    assert_eq!(kev.catalog_version, "2022.01.10");
    for cve in ["CVE-2021-36260", "CVE-2021-41773", "cve-2018-14847"] {
        assert!(kev.contains(cve), "{cve}");
    }
    assert!(!kev.contains("CVE-2024-6387"));
    let hik = kev.entry("CVE-2021-36260").unwrap();
    assert_eq!(hik.vendor_project, "Hikvision");
    assert_eq!(hik.date_added, "2022-01-10");
    assert_eq!(hik.due_date, "2022-01-24");
    assert_eq!(hik.cwes, ["CWE-78"]);
    assert_eq!(
        hik.known_ransomware_campaign_use.as_deref(),
        Some("Unknown")
    );
    assert!(!hik.ransomware());
    // Older catalogue entries lack the optional fields.
    let mt = kev.entry("CVE-2018-14847").unwrap();
    assert_eq!(mt.product, "RouterOS");
    assert!(mt.known_ransomware_campaign_use.is_none());
    assert!(mt.notes.is_none());
    assert!(mt.cwes.is_empty());
    let apache = kev.entry("CVE-2021-41773").unwrap();
    assert!(
        apache
            .short_description
            .contains("\u{201c}require all denied\u{201d}")
    );
    assert_eq!(kev.entries().count(), 3);
}

#[test]
fn broken_kev_names_file_line_and_column() {
    let path = kev_fixture("broken.json");
    let e = Kev::load(&path).unwrap_err();
    let KevError::Json {
        file, line, column, ..
    } = &e
    else {
        panic!("expected a JSON error, got {e}");
    };
    assert_eq!(file, &path.display().to_string());
    assert_eq!(*line, 11);
    assert_eq!(*column, 13);
    let text = e.to_string();
    assert!(text.contains("broken.json:11:13"), "{text}");
    assert_eq!(e.file(), path.display().to_string());
}

#[test]
fn missing_kev_file_names_the_file() {
    let path = kev_fixture("does-not-exist.json");
    let e = Kev::load(&path).unwrap_err();
    assert!(matches!(e, KevError::Read { .. }), "{e}");
    assert!(e.to_string().contains("does-not-exist.json"), "{e}");
}

#[test]
fn kev_json_without_required_fields_is_rejected() {
    assert!(Kev::parse("{}").is_err());
    assert!(Kev::parse(r#"{"title":"t","catalogVersion":"1","dateReleased":"d","count":0,"vulnerabilities":[{"cveID":"CVE-2020-0001"}]}"#).is_err());
    let empty = Kev::parse(
        r#"{"title":"t","catalogVersion":"1","dateReleased":"d","count":0,"vulnerabilities":[]}"#,
    )
    .unwrap();
    assert!(empty.is_empty());
}

// --- malformed advisory files ----------------------------------------------

const GOOD: &str = r#"# test advisory
[[advisory]]
id = "demo-cve-2020-0001"
vendor = "Demo"
product = "^widget"
title = "Demo"
description = "A demo."
remediation = "Upgrade."
cves = ["CVE-2020-0001"]
cvss = 7.5
kev = false
version_confidence = "high"
controls = ["bio2:8.8", "etsi:5.3-2"]
references = ["https://example.org/advisory"]
affected = [
  { introduced = "1.0", fixed = "1.4.2" },
]
examples = [
  { vendor = "Demo", product = "Widget", version = "1.2", affected = true },
  { vendor = "Demo", product = "Widget", version = "1.4.2", affected = false },
]
"#;

fn load(text: &str) -> Result<Advisories, CheckLoadError> {
    Advisories::parse(&[("checks/firmware/t.toml", text)])
}

/// Loading fails at `line` and the message (or field) mentions `needle`.
fn fails(text: &str, line: usize, needle: &str) {
    let e = load(text).unwrap_err();
    assert_eq!(e.file, "checks/firmware/t.toml", "{e}");
    assert_eq!(e.line, line, "{e}");
    assert!(e.to_string().contains(needle), "`{needle}` not in: {e}");
}

#[test]
fn a_valid_advisory_loads() {
    let a = load(GOOD).unwrap();
    assert_eq!(a.len(), 1);
    let d = a.get("demo-cve-2020-0001").unwrap();
    assert_eq!(d.fixed.as_deref(), Some("1.4.2"));
    assert_eq!(d.examples.len(), 2);
    assert_eq!(d.affected[0].to_string(), "1.0 <= v < 1.4.2");
}

#[test]
fn bad_version_in_a_range_names_its_line() {
    fails(
        &GOOD.replace("fixed = \"1.4.2\"", "fixed = \"one.four\""),
        16,
        "one.four",
    );
}

#[test]
fn introduced_after_fixed_is_rejected() {
    fails(
        &GOOD.replace("introduced = \"1.0\"", "introduced = \"2.0\""),
        16,
        "not before fixed",
    );
    fails(
        &GOOD.replace("fixed = \"1.4.2\"", "last_affected = \"0.9\""),
        16,
        "after last_affected",
    );
}

#[test]
fn a_range_needs_exactly_one_upper_bound() {
    fails(
        &GOOD.replace(", fixed = \"1.4.2\"", ""),
        16,
        "`fixed` or `last_affected`",
    );
    fails(
        &GOOD.replace(
            "fixed = \"1.4.2\"",
            "fixed = \"1.4.2\", last_affected = \"1.4.1\"",
        ),
        16,
        "not both",
    );
}

#[test]
fn unknown_field_is_rejected_with_its_line() {
    fails(
        &GOOD.replace("kev = false", "kev = false\nseverity = \"high\""),
        12,
        "severity",
    );
    fails(
        &GOOD.replace(
            "{ introduced = \"1.0\",",
            "{ introduced = \"1.0\", until = \"2\",",
        ),
        16,
        "until",
    );
}

#[test]
fn an_advisory_without_a_bio2_control_is_rejected() {
    fails(&GOOD.replace("\"bio2:8.8\", ", ""), 13, "BIO2");
    fails(&GOOD.replace("bio2:8.8", "bio2:42.1"), 13, "bio2:42.1");
}

#[test]
fn a_bad_product_regex_is_rejected() {
    fails(&GOOD.replace("^widget", "^widget("), 5, "regex");
    fails(
        &GOOD.replace(
            "{ introduced = \"1.0\",",
            "{ product = \"[\", introduced = \"1.0\",",
        ),
        16,
        "regex",
    );
}

#[test]
fn examples_must_hold_and_cover_both_outcomes() {
    fails(
        &GOOD.replace(
            "version = \"1.2\", affected = true",
            "version = \"1.5\", affected = true",
        ),
        19,
        "should be affected",
    );
    let one_sided = GOOD.replace(
        "  { vendor = \"Demo\", product = \"Widget\", version = \"1.4.2\", affected = false },\n",
        "",
    );
    fails(&one_sided, 18, "one unaffected");
}

#[test]
fn other_field_rules_are_enforced() {
    fails(&GOOD.replace("cvss = 7.5", "cvss = 11.0"), 10, "CVSS");
    fails(
        &GOOD.replace("CVE-2020-0001\"]", "CVE-20-1\"]"),
        9,
        "not a CVE id",
    );
    fails(
        &GOOD.replace("cves = [\"CVE-2020-0001\"]", "cves = []"),
        9,
        "at least one CVE",
    );
    fails(
        &GOOD.replace("https://example.org", "http://example.org"),
        14,
        "https",
    );
    fails(
        &GOOD.replace("\"demo-cve-2020-0001\"", "\"Demo_1\""),
        3,
        "lowercase",
    );
    fails(
        &GOOD.replace("id = \"demo", "lab = true\nid = \"demo"),
        4,
        "lab-",
    );
    fails(
        &GOOD.replace("fixed = \"1.4.2\"", "fixed = \"1.4.2-1+deb11u1\""),
        16,
        "distribution build",
    );
    fails(
        &GOOD.replace(
            "version_confidence = \"high\"",
            "version_confidence = \"certain\"",
        ),
        12,
        "certain",
    );
    let twice = format!("{GOOD}{}", GOOD.replace("# test advisory\n", ""));
    fails(&twice, 22, "defined twice");
}

#[test]
fn a_lab_advisory_has_no_cve() {
    let lab = GOOD
        .replace(
            "id = \"demo-cve-2020-0001\"",
            "id = \"lab-2099-0001\"\nlab = true",
        )
        .replace("cves = [\"CVE-2020-0001\"]\n", "");
    assert!(load(&lab).unwrap().get("lab-2099-0001").unwrap().lab);
    let with_cve = GOOD.replace(
        "id = \"demo-cve-2020-0001\"",
        "id = \"lab-2099-0001\"\nlab = true",
    );
    fails(&with_cve, 10, "no CVE");
}

#[test]
fn advisories_load_from_a_directory() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("checks/firmware");
    let from_dir = Advisories::from_dir(&dir).unwrap();
    assert_eq!(from_dir.len(), Advisories::embedded().unwrap().len());
    let e = Advisories::from_dir(&dir.join("missing")).unwrap_err();
    assert!(e.file.ends_with("missing"), "{e}");
    assert!(is_firmware_file("checks/firmware/ssh.toml"));
    assert!(is_firmware_file("/etc/stadscan/checks/firmware/x.toml"));
    assert!(!is_firmware_file("checks/exposure/x.toml"));
}
