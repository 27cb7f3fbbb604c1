//! What users read on the terminal, snapshotted: a change in `--help` is a
//! visible diff in tests/snapshots/. Regenerate with UPDATE_SNAPSHOTS=1.

use crate::common;

#[test]
fn help_texts_match_their_snapshots() {
    for (name, args) in [
        ("help.txt", vec!["--help"]),
        ("scan-help.txt", vec!["scan", "--help"]),
        ("demo-help.txt", vec!["demo", "--help"]),
        ("lab-help.txt", vec!["lab", "--help"]),
    ] {
        let (out, _) = common::run(&args);
        assert_eq!(out.status.code(), Some(0));
        common::snapshot(name, &String::from_utf8(out.stdout).unwrap());
    }
}

#[test]
fn checks_command_lists_every_check() {
    let (out, _) = common::run(&["checks"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    for id in [
        "telnet-cleartext-login",
        "mqtt-anonymous-access",
        "cert-expired",
        "snmp-public-community",
    ] {
        assert!(text.contains(id), "{id} missing from:\n{text}");
    }
}

/// A command that cannot read its input says so and names the file
/// (`inventory` used to say "cannot write" about the report it could not
/// read).
#[test]
fn a_missing_input_is_named_as_a_file_that_cannot_be_read() {
    let dir = common::TestDir::new("missing-input");
    let missing = dir.path("missing.json");
    let m = missing.to_str().unwrap();
    for args in [
        vec!["inventory", "--report", m, "--csv", "-"],
        vec!["merge", "--output", "-", m],
        vec!["diff", m, m],
    ] {
        let (out, _) = common::run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("cannot read {m}: ")),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn lab_refuses_a_prefix_outside_loopback() {
    let (out, _) = common::run(&["lab", "--prefix", "10.0.0"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("127.0.0.0/8"));
}

#[test]
fn checks_lint_accepts_the_shipped_data_and_names_file_and_line_of_a_broken_one() {
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("checks");
    let (ok, _) = common::run(&["checks", "lint", data.to_str().unwrap()]);
    assert_eq!(ok.status.code(), Some(0));
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(text.starts_with("ok: "), "{text}");
    assert!(
        text.contains("fingerprints") && text.contains("firmware advisories"),
        "{text}"
    );

    let dir = common::TestDir::new("lint-broken");
    std::fs::create_dir_all(dir.path("fingerprints")).unwrap();
    dir.write(
        "fingerprints/bad.toml",
        "[[fingerprint]]\nid = \"bad\"\ndescription = \"x\"\nmatch = [{ fact = \"http.server\", regex = \"(unclosed\" }]\nvendor = \"X\"\nclass = \"camera\"\nexamples = []\n",
    );
    let (bad, _) = common::run(&["checks", "lint", dir.0.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("bad.toml:"), "{err}");
}
