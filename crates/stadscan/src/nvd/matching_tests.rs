//! Every configuration shape the NVD uses, on devices inside and outside
//! the ranges.

use super::*;

fn device(names: &[&str]) -> Vec<DeviceCpe> {
    names
        .iter()
        .map(|n| DeviceCpe::new(Cpe::parse(n).unwrap()))
        .collect()
}

fn m(vulnerable: bool, criteria: &str) -> CpeMatch {
    CpeMatch {
        vulnerable,
        criteria: criteria.to_string(),
        version_start_including: None,
        version_start_excluding: None,
        version_end_including: None,
        version_end_excluding: None,
    }
}

fn node(operator: Operator, negate: bool, cpe_match: Vec<CpeMatch>) -> Node {
    Node {
        operator,
        negate,
        cpe_match,
    }
}

fn config(operator: Option<Operator>, nodes: Vec<Node>) -> Configuration {
    Configuration {
        operator,
        negate: false,
        nodes,
    }
}

/// The Econolite shape: one OR node, `a:econolite:eos` before 3.2.23.
fn eos() -> Vec<Configuration> {
    let mut c = m(true, "cpe:2.3:a:econolite:eos:*:*:*:*:*:*:*:*");
    c.version_end_excluding = Some("3.2.23".into());
    vec![config(None, vec![node(Operator::Or, false, vec![c])])]
}

fn eos_device(version: &str) -> Vec<DeviceCpe> {
    device(&[&format!("cpe:2.3:a:econolite:eos:{version}:*:*:*:*:*:*:*")])
}

#[test]
fn an_end_excluding_range_holds_below_the_fix_only() {
    let hits = evaluate(&eos(), &eos_device("3.2.18"));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].range, "< 3.2.23");
    assert!(!hits[0].imprecise);
    assert_eq!(evaluate(&eos(), &eos_device("3.2.22")).len(), 1);
    assert!(evaluate(&eos(), &eos_device("3.2.23")).is_empty());
    assert!(evaluate(&eos(), &eos_device("4.0")).is_empty());
    // Another vendor's product of the same name is not matched.
    let other = device(&["cpe:2.3:a:other:eos:3.2.18:*:*:*:*:*:*:*"]);
    assert!(evaluate(&eos(), &other).is_empty());
}

#[test]
fn a_shorter_device_version_matches_but_is_imprecise() {
    let hits = evaluate(&eos(), &eos_device("3.2"));
    assert_eq!(hits.len(), 1);
    assert!(hits[0].imprecise, "3.2 might be 3.2.25");
}

/// The Hikvision shape: firmware (vulnerable) AND running on hardware
/// (not vulnerable), range with builds.
fn hikvision(end: &str) -> Vec<Configuration> {
    let mut fw = m(
        true,
        "cpe:2.3:o:hikvision:ds-2cd2xx2f-i_series_firmware:*:*:*:*:*:*:*:*",
    );
    fw.version_start_including = Some("5.2.0".into());
    fw.version_end_including = Some(end.into());
    let hw = m(
        false,
        "cpe:2.3:h:hikvision:ds-2cd2xx2f-i_series:-:*:*:*:*:*:*:*",
    );
    vec![config(
        Some(Operator::And),
        vec![
            node(Operator::Or, false, vec![fw]),
            node(Operator::Or, false, vec![hw]),
        ],
    )]
}

fn camera(fw_version: &str, update: &str, series: &str) -> Vec<DeviceCpe> {
    device(&[
        &format!("cpe:2.3:o:hikvision:{series}_firmware:{fw_version}:{update}:*:*:*:*:*:*"),
        &format!("cpe:2.3:h:hikvision:{series}:-:*:*:*:*:*:*:*"),
    ])
}

#[test]
fn firmware_running_on_hardware_needs_both_and_reports_the_firmware() {
    let cfg = hikvision("5.4.0 build 160530");
    let hits = evaluate(
        &cfg,
        &camera("5.4.0", "build_160530", "ds-2cd2xx2f-i_series"),
    );
    assert_eq!(hits.len(), 1, "only the vulnerable criterion is a hit");
    assert!(hits[0].criteria.contains("_firmware"));
    assert!(!hits[0].imprecise);
    assert!(hits[0].device.contains(":5.4.0:build_160530:"));
    // The same firmware version on another series' hardware: the platform
    // node fails, so the configuration does not hold.
    let other = device(&[
        "cpe:2.3:o:hikvision:ds-2cd2xx2f-i_series_firmware:5.4.0:*:*:*:*:*:*:*",
        "cpe:2.3:h:hikvision:ds-2cd2xx0f-i_series:-:*:*:*:*:*:*:*",
    ]);
    assert!(evaluate(&cfg, &other).is_empty());
    // The firmware name alone, hardware unknown: no claim.
    let alone = device(&["cpe:2.3:o:hikvision:ds-2cd2xx2f-i_series_firmware:5.4.0:*:*:*:*:*:*:*"]);
    assert!(evaluate(&cfg, &alone).is_empty());
}

#[test]
fn builds_count_where_the_bound_has_one() {
    let cfg = hikvision("5.4.0 build 160530");
    let later = camera("5.4.0", "build_160601", "ds-2cd2xx2f-i_series");
    assert!(evaluate(&cfg, &later).is_empty(), "a later build is fixed");
    let earlier = camera("5.3.0", "build_151016", "ds-2cd2xx2f-i_series");
    assert_eq!(evaluate(&cfg, &earlier).len(), 1);
    let before = camera("5.1.6", "*", "ds-2cd2xx2f-i_series");
    assert!(
        evaluate(&cfg, &before).is_empty(),
        "below versionStartIncluding"
    );
    // No build on the device: it may be either side of the bound's build.
    let hits = evaluate(&cfg, &camera("5.4.0", "*", "ds-2cd2xx2f-i_series"));
    assert_eq!(hits.len(), 1);
    assert!(hits[0].imprecise);
    // A bound without a build covers every build of that release.
    let release = hikvision("5.4.0");
    let hits = evaluate(
        &release,
        &camera("5.4.0", "build_170101", "ds-2cd2xx2f-i_series"),
    );
    assert_eq!(hits.len(), 1);
    assert!(!hits[0].imprecise);
}

#[test]
fn an_and_node_needs_every_criterion() {
    let cfg = vec![config(
        None,
        vec![node(
            Operator::And,
            false,
            vec![
                m(true, "cpe:2.3:a:acme:web:2.0:*:*:*:*:*:*:*"),
                m(false, "cpe:2.3:o:acme:rtos:*:*:*:*:*:*:*:*"),
            ],
        )],
    )];
    let both = device(&[
        "cpe:2.3:a:acme:web:2.0:*:*:*:*:*:*:*",
        "cpe:2.3:o:acme:rtos:7:*:*:*:*:*:*:*",
    ]);
    assert_eq!(evaluate(&cfg, &both).len(), 1);
    let one = device(&["cpe:2.3:a:acme:web:2.0:*:*:*:*:*:*:*"]);
    assert!(evaluate(&cfg, &one).is_empty());
}

#[test]
fn a_negated_node_excludes_a_platform() {
    let mut app = m(true, "cpe:2.3:a:acme:agent:*:*:*:*:*:*:*:*");
    app.version_end_excluding = Some("2.0".into());
    let cfg = vec![config(
        Some(Operator::And),
        vec![
            node(Operator::Or, false, vec![app]),
            node(
                Operator::Or,
                true,
                vec![m(false, "cpe:2.3:o:acme:hardened_os:*:*:*:*:*:*:*:*")],
            ),
        ],
    )];
    let plain = device(&["cpe:2.3:a:acme:agent:1.5:*:*:*:*:*:*:*"]);
    assert_eq!(evaluate(&cfg, &plain).len(), 1);
    let hardened = device(&[
        "cpe:2.3:a:acme:agent:1.5:*:*:*:*:*:*:*",
        "cpe:2.3:o:acme:hardened_os:3:*:*:*:*:*:*:*",
    ]);
    assert!(evaluate(&cfg, &hardened).is_empty());
}

#[test]
fn configurations_are_alternatives() {
    let mut cfg = eos();
    cfg.extend(hikvision("5.4.0"));
    assert_eq!(evaluate(&cfg, &eos_device("3.1.0")).len(), 1);
    assert_eq!(
        evaluate(&cfg, &camera("5.3.0", "*", "ds-2cd2xx2f-i_series")).len(),
        1
    );
}

#[test]
fn platform_criteria_alone_are_no_vulnerability() {
    let cfg = vec![config(
        None,
        vec![node(
            Operator::Or,
            false,
            vec![m(false, "cpe:2.3:a:econolite:eos:*:*:*:*:*:*:*:*")],
        )],
    )];
    assert!(evaluate(&cfg, &eos_device("3.2.18")).is_empty());
}

#[test]
fn an_exact_version_and_update_must_be_the_same_release() {
    let cfg = vec![config(
        None,
        vec![node(
            Operator::Or,
            false,
            vec![m(true, "cpe:2.3:a:openbsd:openssh:7.2:p2:*:*:*:*:*:*")],
        )],
    )];
    let ssh = |v: &str| device(&[&format!("cpe:2.3:a:openbsd:openssh:{v}:*:*:*:*:*:*:*")]);
    assert_eq!(evaluate(&cfg, &ssh("7.2p2")).len(), 1);
    assert!(evaluate(&cfg, &ssh("7.2p1")).is_empty());
    assert!(evaluate(&cfg, &ssh("7.3p1")).is_empty());
}

#[test]
fn start_excluding_and_unreadable_bounds() {
    let mut c = m(true, "cpe:2.3:a:econolite:eos:*:*:*:*:*:*:*:*");
    c.version_start_excluding = Some("3.0".into());
    c.version_end_including = Some("3.2.22".into());
    let cfg = vec![config(
        None,
        vec![node(Operator::Or, false, vec![c.clone()])],
    )];
    assert!(evaluate(&cfg, &eos_device("3.0")).is_empty());
    assert_eq!(evaluate(&cfg, &eos_device("3.0.1")).len(), 1);
    assert_eq!(evaluate(&cfg, &eos_device("3.2.22")).len(), 1);
    assert!(evaluate(&cfg, &eos_device("3.2.23")).is_empty());
    c.version_end_including = Some("see vendor notes".into());
    let cfg = vec![config(None, vec![node(Operator::Or, false, vec![c])])];
    assert!(
        evaluate(&cfg, &eos_device("3.1")).is_empty(),
        "a range that cannot be read claims nothing"
    );
}

#[test]
fn every_version_affected_matches_an_unknown_version_imprecisely() {
    let cfg = vec![config(
        None,
        vec![node(
            Operator::Or,
            false,
            vec![m(true, "cpe:2.3:a:econolite:eos:*:*:*:*:*:*:*:*")],
        )],
    )];
    let unknown = device(&["cpe:2.3:a:econolite:eos:*:*:*:*:*:*:*:*"]);
    let hits = evaluate(&cfg, &unknown);
    assert_eq!(hits.len(), 1);
    assert!(hits[0].imprecise);
    assert!(!evaluate(&cfg, &eos_device("9.9"))[0].imprecise);
}

#[test]
fn configurations_round_trip_through_storage() {
    let cfg = hikvision("5.4.0 build 160530");
    let text = serde_json::to_string(&cfg).unwrap();
    assert!(!text.contains("negate"), "defaults are not stored: {text}");
    let back: Vec<Configuration> = serde_json::from_str(&text).unwrap();
    assert_eq!(back, cfg);
}

/// Criteria are screened in place: an escaped `:` stays inside its
/// component, upper case and escapes compare as `Cpe::parse` reads them,
/// and a name in another binding is not a criterion.
#[test]
fn criteria_read_in_place_compare_like_parsed_names() {
    let dev = device(&["cpe:2.3:a:acme:web\\:ui:2.1:*:*:*:*:*:*:*"]);
    let within = [None, None, None, Some("2.2")];
    let c = CriterionRef::new("cpe:2.3:a:ACME:web\\:ui:*:*:*:*:*:*:*:*", within).unwrap();
    assert!(any_applies(&c, &dev));
    let fixed = [None, None, None, Some("2.1")];
    let c = CriterionRef::new("cpe:2.3:a:acme:web\\:ui:*:*:*:*:*:*:*:*", fixed).unwrap();
    assert!(!any_applies(&c, &dev));
    // Another product whose name starts the same.
    let c = CriterionRef::new("cpe:2.3:a:acme:web:*:*:*:*:*:*:*:*", within).unwrap();
    assert!(!any_applies(&c, &dev));
    // A component the device names differently (target_sw).
    let c = CriterionRef::new("cpe:2.3:a:acme:web\\:ui:2.1:*:*:*:*:android:*:*", [None; 4]);
    assert!(any_applies(&c.unwrap(), &dev));
    let other = device(&["cpe:2.3:a:acme:web\\:ui:2.1:*:*:*:*:linux:*:*"]);
    let c = CriterionRef::new("cpe:2.3:a:acme:web\\:ui:2.1:*:*:*:*:android:*:*", [None; 4]);
    assert!(!any_applies(&c.unwrap(), &other));
    assert!(CriterionRef::new("cpe:/a:acme:web", [None; 4]).is_none());
    assert!(CriterionRef::new("cpe:2.3:a:a:b:c:d:e:f:g:h:i:j:k", [None; 4]).is_none());
}

/// The major span the index keeps per criterion never excludes a version
/// the criterion matches.
#[test]
fn major_span_covers_every_version_a_criterion_matches() {
    let span = |criteria: &str, bounds: [Option<&str>; 4]| {
        let mut c = m(true, criteria);
        let [a, b, x, y] = bounds.map(|v| v.map(str::to_string));
        (
            c.version_start_including,
            c.version_start_excluding,
            c.version_end_including,
            c.version_end_excluding,
        ) = (a, b, x, y);
        major_span(&Cpe::parse(criteria).unwrap(), &c)
    };
    let any = "cpe:2.3:a:econolite:eos:*:*:*:*:*:*:*:*";
    assert_eq!(
        span(any, [None, None, None, Some("3.2.23")]),
        (None, Some(3))
    );
    assert_eq!(
        span(any, [Some("2.0"), None, Some("4.1"), None]),
        (Some(2), Some(4))
    );
    assert_eq!(
        span(any, [None, Some("V5.4.0"), None, None]),
        (Some(5), None)
    );
    assert_eq!(
        span(any, [None, None, None, Some("not a version")]),
        (None, None)
    );
    let exact = "cpe:2.3:o:hikvision:fw:5.4.0:build_170123:*:*:*:*:*:*";
    assert_eq!(span(exact, [None; 4]), (Some(5), Some(5)));
    let na = "cpe:2.3:h:hikvision:ds-2cd2132f-is:-:*:*:*:*:*:*:*";
    assert_eq!(span(na, [None; 4]), (None, None));
    // Every version the range holds has a major inside the span, also a
    // coarser one ("3" against "3.2.23").
    for v in ["3", "3.2", "3.2.22", "2.9.9", "1.0"] {
        let hits = evaluate(&eos(), &eos_device(v));
        assert_eq!(hits.len(), 1, "{v}");
        let major = major(&Version::parse(v).unwrap()).unwrap();
        assert!(major <= 3, "{v}");
    }
}
