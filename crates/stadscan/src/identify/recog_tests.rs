//! recog-format files written here (own patterns and examples, in the
//! format of rapid7/recog's xml/ folder).

use super::*;
use crate::model::Endpoint;

const SSH: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<fingerprints matches="ssh.banner" protocol="ssh" database_type="service" preference="0.90">
  <!-- <fingerprint pattern="retired"> -->
  <fingerprint pattern="^Gatekeeper_(\d+(?:\.\d+)+)$">
    <description>A made-up gateway SSH server</description>
    <example hw.version="4.2.1">Gatekeeper_4.2.1</example>
    <param pos="0" name="hw.vendor" value="Teltonika"/>
    <param pos="0" name="hw.device" value="Router"/>
    <param pos="1" name="hw.version"/>
    <param pos="0" name="hw.cpe23" value="cpe:/h:teltonika:gatekeeper:{hw.version}"/>
  </fingerprint>
  <fingerprint pattern="^LookAhead(?=_x)">
    <description>Uses a look-ahead</description>
    <example>LookAhead_x</example>
  </fingerprint>
  <fingerprint pattern="^plainssh_(\h+)$" flags="REG_ICASE">
    <description>Software on many devices</description>
    <example service.version="beef" _encoding="base64">UExBSU5TU0hfYmVlZg==</example>
    <param pos="0" name="service.vendor" value="Plain Project"/>
    <param pos="1" name="service.version"/>
  </fingerprint>
</fingerprints>
"#;

const TELNET: &str = r#"<?xml version="1.0"?>
<fingerprints protocol="telnet" database_type="service">
  <fingerprint pattern="^Streetbox (\S+) console.*login:" flags="REG_DOT_NEWLINE">
    <description>Made-up lighting cabinet</description>
    <example hw.product="SB-9">Streetbox SB-9 console
login:</example>
    <param pos="0" name="hw.vendor" value="Schreder"/>
    <param pos="1" name="hw.product"/>
    <param pos="0" name="hw.device" value="Lighting Controller"/>
  </fingerprint>
</fingerprints>
"#;

fn loaded() -> Recog {
    let mut r = Recog::default();
    r.add_file("ssh_banners.xml", SSH.as_bytes()).unwrap();
    r.add_file("telnet_banners.xml", TELNET.as_bytes()).unwrap();
    r.add_file(
        "mdns_device-info_txt.xml",
        br#"<fingerprints matches="mdns.device-info.txt"><fingerprint pattern="x"><description>d</description></fingerprint></fingerprints>"#,
    )
    .unwrap();
    r
}

#[test]
fn loads_translates_and_counts_what_rust_cannot_express() {
    let mut r = loaded();
    assert_eq!(r.stats.files, 3);
    assert_eq!(r.stats.files_skipped, 1, "mDNS has no stadscan fact");
    assert_eq!(r.stats.fingerprints, 3);
    assert_eq!(r.stats.unsupported, 1);
    assert!(
        r.unsupported[0].starts_with("ssh_banners.xml:12:"),
        "{:?}",
        r.unsupported
    );
    assert!(r.unsupported[0].contains("look-around"));
    assert!(r.lint().is_empty(), "{:?}", r.lint());
}

#[test]
fn params_become_an_identity_with_captures_and_interpolation() {
    let r = loaded();
    let (fp, p) = r
        .match_fact("ssh.identification", "Gatekeeper_4.2.1")
        .unwrap();
    assert_eq!(fp.line, 4, "lines after the comment count");
    assert_eq!(p["hw.version"], "4.2.1");
    assert_eq!(p["hw.cpe23"], "cpe:/h:teltonika:gatekeeper:4.2.1");
    let lex = Lexicon::embedded().unwrap();
    let c = candidate(&lex, fp, &p).unwrap();
    assert_eq!(c.vendor.as_deref(), Some("Teltonika"));
    assert_eq!(c.version.as_deref(), Some("4.2.1"));
    assert_eq!(c.class, DeviceClass::Router);
    assert!(!c.generic);
    // Software that names no device is generic.
    let (fp, p) = r.match_fact("ssh.identification", "PlainSSH_BEEF").unwrap();
    assert!(candidate(&lex, fp, &p).unwrap().generic);
}

#[test]
fn ruby_dot_newline_and_hex_classes_translate() {
    assert_eq!(
        translate(r"^a\h+$", "REG_ICASE").unwrap(),
        r"(?mi)^a[0-9a-fA-F]+$"
    );
    assert_eq!(translate(r"a.b", "REG_DOT_NEWLINE").unwrap(), "(?ms)a.b");
    assert_eq!(translate(r"(?m:a.b)", "").unwrap(), "(?m)(?s:a.b)");
    assert!(
        translate(r"(a)\1", "")
            .unwrap_err()
            .0
            .contains("back-reference")
    );
    assert!(translate(r"a++", "").unwrap_err().0.contains("possessive"));
    assert!(translate(r"(?>a)", "").unwrap_err().0.contains("atomic"));
    assert!(translate("a", "REG_UNKNOWN").is_err());
}

#[test]
fn ssh_identification_is_read_with_its_comment() {
    let mut facts = Facts::new();
    facts.insert(
        "ssh.banner".into(),
        FactValue::from("SSH-2.0-Gatekeeper_4.2.1 build7"),
    );
    facts.insert("ssh.software".into(), FactValue::from("Gatekeeper_4.2.1"));
    assert_eq!(
        fact_text(&facts, "ssh.identification").as_deref(),
        Some("Gatekeeper_4.2.1 build7")
    );
    facts.insert("http.auth_scheme".into(), FactValue::from("basic"));
    facts.insert("http.auth_realm".into(), FactValue::from("hikvision"));
    assert_eq!(
        fact_text(&facts, "http.www_authenticate").as_deref(),
        Some("Basic realm=\"hikvision\"")
    );
}

#[test]
fn a_failing_example_is_reported_with_its_line() {
    let bad = SSH.replace(">Gatekeeper_4.2.1<", ">Gatekeeper_x<");
    let mut r = Recog::default();
    r.add_file("ssh_banners.xml", bad.as_bytes()).unwrap();
    let fails = r.lint();
    assert_eq!(fails.len(), 1, "{fails:?}");
    assert!(fails[0].starts_with("ssh_banners.xml:6:"), "{fails:?}");
    let wrong = SSH.replace("hw.version=\"4.2.1\"", "hw.version=\"4.2\"");
    let mut r = Recog::default();
    r.add_file("ssh_banners.xml", wrong.as_bytes()).unwrap();
    assert!(
        r.lint()[0].contains("expects hw.version = `4.2`"),
        "{:?}",
        r.lint()
    );
}

#[test]
fn observations_are_matched_through_their_facts() {
    let r = loaded();
    let lex = Lexicon::embedded().unwrap();
    let mut o = Observation::new(Endpoint::tcp("127.0.0.1".parse().unwrap(), 23), None);
    o.protocol = "telnet".into();
    // As the Telnet probe stores it: the prompt line apart.
    o.set("telnet.banner", "Streetbox SB-9 console");
    o.set("telnet.login_prompt", "login:");
    let mut out = Vec::new();
    r.candidates(&lex, &o, &mut out);
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].vendor.as_deref(), Some("Schreder"));
    assert_eq!(out[0].product.as_deref(), Some("SB-9"));
    assert_eq!(out[0].class, DeviceClass::StreetlightController);
    assert_eq!(out[0].source, "recog:telnet_banners.xml:3");
}

#[test]
fn a_folder_without_recog_files_is_an_error() {
    let dir = std::env::temp_dir().join(format!("stadscan-recog-empty-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let e = Recog::load(&dir).unwrap_err();
    assert!(e.message.contains("no recog"), "{e}");
    std::fs::write(dir.join("bad.xml"), "<notfingerprints/>").unwrap();
    let e = Recog::load(&dir).unwrap_err();
    assert!(e.to_string().contains("bad.xml"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn tag_lines_skip_comments() {
    let text = "a\n<!-- <x -->\n<x\n<x <!--\n<x\n-->\n<x";
    assert_eq!(tag_lines(text, "<x"), vec![3, 4, 7]);
    assert_eq!(tag_lines("<!-- unterminated <x", "<x"), Vec::<usize>::new());
    assert_eq!(tag_lines("<x<x\n<x", "<x"), vec![1, 1, 2]);
}

#[test]
fn syntax_only_rust_lacks_is_found_by_lint_and_unread_files_are_not_parsed() {
    // Duplicate group names: Ruby accepts them, Rust's regex does not. The
    // translation cannot see it; the pattern is parsed when first used.
    let dup = r#"<fingerprints matches="ftp.banner">
  <fingerprint pattern="^(?<m>A\d)|(?<m>B\d)$">
    <description>Duplicate names</description>
    <example>A1</example>
  </fingerprint>
</fingerprints>"#;
    let mut r = Recog::default();
    r.add_file("ftp_banners.xml", dup.as_bytes()).unwrap();
    // A file for a fact stadscan lacks is counted, not parsed.
    r.add_file(
        "smb_native_os.xml",
        b"<fingerprints matches='smb.native_os'><broken",
    )
    .unwrap();
    assert_eq!((r.stats.files, r.stats.files_skipped), (2, 1));
    assert_eq!(r.stats.unsupported, 0);
    assert!(r.lint().is_empty());
    assert_eq!(r.stats.unsupported, 1);
    assert!(
        r.unsupported[0].starts_with("ftp_banners.xml:2:"),
        "{:?}",
        r.unsupported
    );
    // Linting again counts it once.
    r.lint();
    assert_eq!(r.stats.unsupported, 1);
    // A scan's observation simply does not match it.
    let mut o = Observation::new(Endpoint::tcp("127.0.0.1".parse().unwrap(), 21), None);
    o.protocol = "ftp".into();
    o.set("ftp.banner", "A1");
    let mut out = Vec::new();
    r.candidates(&Lexicon::embedded().unwrap(), &o, &mut out);
    assert!(out.is_empty());
}
