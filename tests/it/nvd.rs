//! `stadscan nvd import` on the feed fixtures of tests/data/nvd (validated
//! against NVD's published schema first), and matching devices against the
//! index it builds.

use crate::common;

use std::io::Read;
use std::path::{Path, PathBuf};

use common::{TestDir, run, run_succeeds};
use serde_json::Value;
use stadscan::cpe::{Cpe, CpeRules};
use stadscan::nvd::Index;

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/nvd")
        .join(name)
}

const FEEDS: [&str; 3] = [
    "nvdcve-2.0-2017.json",
    "nvdcve-2.0-2023.json.gz",
    "nvdcve-2.0-modified.json",
];

/// A feed file's JSON (gunzipped when it is a .gz).
fn read_feed(p: &Path) -> Value {
    let bytes = std::fs::read(p).unwrap();
    let text = if p.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .unwrap();
        s
    } else {
        String::from_utf8(bytes).unwrap()
    };
    serde_json::from_str(&text).unwrap()
}

#[test]
fn every_fixture_is_valid_against_the_nvd_2_0_schema() {
    let schema = common::read_json(&data("schema/cve_api_json_2.0.schema"));
    // `format` stays an annotation, as draft 7 makes it by default: the NVD
    // writes its timestamps without a UTC offset ("2023-11-10T08:41:24.983"),
    // which a strict RFC 3339 `date-time` check would reject in every feed
    // it publishes; the fixtures keep the NVD's own shape.
    let mut options = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(false);
    for v in ["2.0", "3.0", "3.1", "4.0"] {
        let doc = common::read_json(&data(&format!("schema/cvss-v{v}.json")));
        options = options.with_resource(
            format!("https://csrc.nist.gov/schema/nvd/api/2.0/external/cvss-v{v}.json"),
            jsonschema::Resource::from_contents(doc).unwrap(),
        );
    }
    let validator = options.build(&schema).expect("the NVD schema compiles");
    for f in FEEDS {
        let doc = read_feed(&data(f));
        let errors: Vec<String> = validator
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{f}: {errors:?}");
        assert!(!doc["vulnerabilities"].as_array().unwrap().is_empty());
    }
    // The validator does reject what the schema forbids.
    let mut broken = read_feed(&data(FEEDS[0]));
    broken["vulnerabilities"][0]["cve"]["configurations"][0]["nodes"][0]["cpeMatch"][0]
        .as_object_mut()
        .unwrap()
        .remove("vulnerable");
    assert!(!validator.is_valid(&broken));
}

fn import(db: &Path, args: &[&str]) -> String {
    let mut all = vec!["nvd", "import", "--db", db.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = run_succeeds(&all);
    assert!(
        out.stderr.is_empty(),
        "no progress off a terminal: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn path(p: PathBuf) -> String {
    p.display().to_string()
}

#[test]
fn import_reports_what_it_read_and_reimporting_updates_without_duplicates() {
    let dir = TestDir::new("nvd-import");
    let db = dir.path("nvd.sqlite");
    let (y2017, y2023, modified) = (
        path(data(FEEDS[0])),
        path(data(FEEDS[1])),
        path(data(FEEDS[2])),
    );
    let out = import(&db, &[&y2017, &y2023, "--kev", &path(data("kev.json"))]);
    assert!(
        out.contains("nvdcve-2.0-2017.json: 2 CVEs read: 2 added, 0 updated"),
        "{out}"
    );
    assert!(
        out.contains("nvdcve-2.0-2023.json.gz: 2 CVEs read: 2 added"),
        "{out}"
    );
    assert!(out.contains("KEV catalogue 2026.03.05"), "{out}");
    assert!(out.contains("4 CVEs naming"), "{out}");

    // The same files again: nothing new, nothing twice.
    let again = import(&db, &[&y2017, &y2023]);
    assert!(again.contains("2 CVEs read: 0 added, 2 updated"), "{again}");
    assert!(again.contains("4 CVEs naming"), "{again}");

    // The modified feed: CVE-2023-0452 revised (updated), an older
    // revision of CVE-2017-7923 (the newer one is kept).
    let out = import(&db, &[&modified]);
    assert!(
        out.contains("2 CVEs read: 0 added, 1 updated, 1 kept"),
        "{out}"
    );
    let mut index = Index::open(&db).unwrap();
    let stats = index.stats().unwrap();
    assert_eq!((stats.cves, stats.kev, stats.feeds.len()), (4, 1, 3));

    let eos = Cpe::parse("cpe:2.3:a:econolite:eos:3.2.18:*:*:*:*:*:*:*").unwrap();
    let m = index.matches(&[eos]).unwrap();
    let ids: Vec<&str> = m.iter().map(|m| m.cve.id.as_str()).collect();
    assert_eq!(ids, ["CVE-2023-0451", "CVE-2023-0452"]);
    let revised = &m[1].cve;
    assert!(
        revised
            .description
            .ends_with("(Revised record in the modified feed.)")
    );
    assert_eq!(revised.cvss, Some(9.8));
    assert_eq!(revised.cvss4, Some(9.3));
    assert_eq!(revised.cwes, ["CWE-328"]);
    assert!(m[0].cve.kev.is_none());

    // Older revision kept: the 2017 text stays.
    let rules = CpeRules::embedded().unwrap();
    let cam: Vec<Cpe> = rules
        .identity_cpes(
            "Hikvision",
            Some("DS-2CD2132F-IS"),
            Some("5.4.0 build 160401"),
            "camera",
        )
        .into_iter()
        .map(|(c, _)| c)
        .collect();
    let m = index.matches(&cam).unwrap();
    let ids: Vec<&str> = m.iter().map(|m| m.cve.id.as_str()).collect();
    assert_eq!(ids, ["CVE-2017-7921", "CVE-2017-7923"]);
    assert!(
        m[1].cve
            .description
            .starts_with("Fixture restating CVE-2017-7923")
    );
    let kev = m[0]
        .cve
        .kev
        .as_ref()
        .expect("CVE-2017-7921 is on the KEV list");
    assert_eq!(
        (kev.added.as_str(), kev.due.as_str()),
        ("2026-03-05", "2026-03-26")
    );
    assert!(
        m[0].hits[0]
            .criteria
            .contains("ds-2cd2xx2f-i_series_firmware")
    );
}

#[test]
fn a_device_outside_every_range_matches_nothing() {
    let dir = TestDir::new("nvd-outside");
    let db = dir.path("nvd.sqlite");
    import(&db, &[&path(data(FEEDS[0])), &path(data(FEEDS[1]))]);
    let mut index = Index::open(&db).unwrap();
    let rules = CpeRules::embedded().unwrap();
    for (vendor, model, version, class) in [
        ("Econolite", "EOS", "3.2.23", "traffic-controller"),
        ("Econolite", "EOS", "4.1.0", "traffic-controller"),
        (
            "Hikvision",
            "DS-2CD2132F-IS",
            "5.4.1 build 160525",
            "camera",
        ),
        ("Hikvision", "DS-2CD2132F-IS", "5.1.0", "camera"),
        (
            "Hikvision",
            "DS-2CD2143G0-I",
            "5.4.0 build 160401",
            "camera",
        ),
    ] {
        let cpes: Vec<Cpe> = rules
            .identity_cpes(vendor, Some(model), Some(version), class)
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert!(
            index.matches(&cpes).unwrap().is_empty(),
            "{vendor} {model} {version}"
        );
    }
}

#[test]
fn a_broken_feed_names_file_line_and_column_and_leaves_the_index_as_it_was() {
    let dir = TestDir::new("nvd-broken");
    let db = dir.path("nvd.sqlite");
    import(&db, &[&path(data(FEEDS[1]))]);
    let text = std::fs::read_to_string(data(FEEDS[0])).unwrap();
    // Cut the file inside its second CVE: the first was already written.
    let cut = text.find("CVE-2017-7923").unwrap();
    let broken = dir.write("nvdcve-2.0-broken.json", &text[..cut + 5]);
    let (out, _) = run(&[
        "nvd",
        "import",
        "--db",
        db.to_str().unwrap(),
        broken.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let line = text[..cut].lines().count();
    assert!(
        err.contains(&format!("nvdcve-2.0-broken.json:{line}:")),
        "{err}"
    );
    let stats = Index::open(&db).unwrap().stats().unwrap();
    assert_eq!(stats.cves, 2, "the broken file's first CVE was rolled back");

    let not_a_feed = dir.write(
        "other.json",
        r#"{"format": "SOMETHING", "vulnerabilities": []}"#,
    );
    let (out, _) = run(&[
        "nvd",
        "import",
        "--db",
        db.to_str().unwrap(),
        not_a_feed.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("other.json"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_scan_refuses_a_missing_index_before_scanning() {
    let dir = TestDir::new("nvd-missing");
    let scope = dir.write(
        "scope.toml",
        "name = \"t\"\n[[networks]]\ncidr = \"127.0.0.235/32\"\n[ports]\ntcp = [9]\nudp = []\n\
         [knowledge]\nnvd_db = \"absent.sqlite\"\n",
    );
    let (out, _) = run(&["scan", "--scope", scope.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("absent.sqlite") && err.contains("nvd import"),
        "{err}"
    );
}

/// A feed as NVD serves it: `NAME.json.gz` and `NAME.meta` with the
/// SHA-256 of the uncompressed file.
fn serve_feed(dir: &Path, name: &str, json: &[u8]) {
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(json).unwrap();
    std::fs::write(dir.join(format!("{name}.json.gz")), gz.finish().unwrap()).unwrap();
    let digest = ring::digest::digest(&ring::digest::SHA256, json);
    let hex: String = digest.as_ref().iter().map(|b| format!("{b:02X}")).collect();
    let meta = format!(
        "lastModifiedDate:2026-12-01T03:00:00-05:00\r\nsize:{}\r\nsha256:{hex}\r\n",
        json.len()
    );
    std::fs::write(dir.join(format!("{name}.meta")), meta).unwrap();
}

/// deploy/nvd/update.sh against feeds served from files (curl reads
/// `file://`): the first run imports every year feed, the next only the
/// `modified` feed, and an index of an older layout is rebuilt beside the
/// old one and then replaces it.
#[test]
fn the_update_script_builds_updates_and_rebuilds_an_older_index() {
    for tool in ["curl", "gunzip", "sha256sum"] {
        if !common::servers::available(tool) {
            eprintln!("SKIP: {tool} is not installed");
            return;
        }
    }
    let dir = TestDir::new("nvd-update");
    let feeds = dir.path("feeds");
    std::fs::create_dir_all(&feeds).unwrap();
    let year = time::OffsetDateTime::now_utc().year();
    let y2017 = std::fs::read(data(FEEDS[0])).unwrap();
    serve_feed(&feeds, &format!("nvdcve-2.0-{year}"), &y2017);
    let modified = std::fs::read(data(FEEDS[2])).unwrap();
    serve_feed(&feeds, "nvdcve-2.0-modified", &modified);
    let db = dir.path("nvd.sqlite");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/nvd/update.sh");
    let update = || {
        let out = std::process::Command::new("sh")
            .arg(&script)
            .arg(&db)
            .env("NVD_FEEDS", format!("file://{}", feeds.display()))
            .env("KEV_URL", format!("file://{}", data("kev.json").display()))
            .env("FIRST_YEAR", year.to_string())
            .env("STADSCAN", common::bin())
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "update.sh failed:\n{text}");
        text
    };
    let first = update();
    assert!(
        first.contains(&format!("nvdcve-2.0-{year}.json.gz: 2 CVEs read")),
        "{first}"
    );
    assert!(first.contains("KEV catalogue"), "{first}");
    let stats = Index::open(&db).unwrap().stats().unwrap();
    assert_eq!((stats.cves, stats.kev), (3, 1), "{first}");

    let second = update();
    assert!(!second.contains(&format!("nvdcve-2.0-{year}")), "{second}");
    assert!(
        second.contains("nvdcve-2.0-modified.json.gz: 2 CVEs read"),
        "{second}"
    );

    // An index another stadscan wrote, in layout 1.
    std::fs::remove_file(&db).unwrap();
    let old = rusqlite::Connection::open(&db).unwrap();
    old.execute_batch(
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         INSERT INTO meta VALUES ('schema', '1');",
    )
    .unwrap();
    drop(old);
    let third = update();
    assert!(third.contains("index layout 1"), "{third}");
    assert!(
        third.contains("rebuilding the index from every year feed"),
        "{third}"
    );
    let stats = Index::open(&db).unwrap().stats().unwrap();
    assert_eq!((stats.cves, stats.kev), (3, 1), "{third}");
    assert!(!dir.path("nvd.sqlite.new").exists());
}
